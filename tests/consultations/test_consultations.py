"""Market consultations: a written round with numbered questions, answers private per organisation,
a server-enforced deadline, and a published summary reusing the dialogues' dispositions.

Who would abuse it, and how (each tested below): a competitor reading another organisation's
answers (page, id in a URL, export, API); a company answering after the deadline or changing a
submitted answer; a citizen or anonymous visitor answering or reading answers; anyone reading a
draft consultation; a double click or two tabs creating two responses.
"""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Call
from mvi_challenges.consultations import services
from mvi_challenges.consultations.models import (
    Consultation,
    ConsultationResponse,
    ConsultationStatus,
    ResponseStatus,
)
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import local_to_utc, now_utc
from mvi_challenges.dialogues.models import Disposition

from ..factories import login, make_call, make_user, page_text

QUESTIONS = ["Welke circulaire materialen zijn beschikbaar?", "Welke looptijd is realistisch?"]


def make_consultation(app: Flask, *, title: str = "Marktconsultatie circulaire fietspaden", open_: bool = True,
                      closes_in: dt.timedelta = dt.timedelta(days=10), follow_up_call_id: int | None = None,
                      category_slug: str | None = None) -> SimpleNamespace:
    with app.app_context():
        staff = db.session.scalar(select(User).limit(1))
        now = now_utc()
        from mvi_challenges.catalogue.models import Category
        category = db.session.scalar(select(Category).where(Category.slug == category_slug)) if category_slug else None
        consultation = services.save_consultation(
            db.session, staff, None, title=title, body_source="Wij willen **circulair** bouwen.", category=category,
            closes_at=now + dt.timedelta(days=30), questions=QUESTIONS,
            follow_up_call=db.session.get(Call, follow_up_call_id) if follow_up_call_id else None, now=now)
        if open_:
            services.transition_consultation(db.session, staff, consultation, ConsultationStatus.OPEN, now)
        consultation.closes_at = now + closes_in  # tests may place the deadline in the past
        db.session.commit()
        return SimpleNamespace(id=consultation.id, slug=consultation.slug, title=consultation.title)


def client_for(app: Flask, *roles: Role, **overrides) -> tuple[FlaskClient, SimpleNamespace]:
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    user = make_user(app, *roles, **overrides)
    login(client, user)
    return client, user


def answer(client: FlaskClient, slug: str, texts: tuple[str, str], *, submit: bool = False):
    data = {"answer_1": texts[0], "answer_2": texts[1], "action": "submit" if submit else "save"}
    if submit:
        data["confirm"] = "yes"
    return client.post(f"/consultations/{slug}/answers", data=data)


def test_company_saves_a_draft_then_submits_and_staff_read_it(app: Flask, catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    c = make_consultation(app)
    company, _ = client_for(app, Role.ENTREPRENEUR, organisation_name="Fietspad BV")

    saved = answer(company, c.slug, ("Gerecycled asfalt", ""))
    assert saved.status_code == 302
    page = page_text(company.get(f"/consultations/{c.slug}/answers"))
    assert "Gerecycled asfalt" in page and "draft, not submitted yet" in page
    # A draft stays with the organisation: staff do not see it yet.
    assert "Fietspad BV" not in page_text(staff.get(f"/staff/consultations/{c.id}/responses"))

    asked = company.post(f"/consultations/{c.slug}/answers",
                         data={"answer_1": "Gerecycled asfalt", "answer_2": "Acht jaar", "action": "submit"})
    assert asked.status_code == 200 and "Submit your organisation's answers?" in page_text(asked)
    assert answer(company, c.slug, ("Gerecycled asfalt", "Acht jaar"), submit=True).status_code == 302

    responses = page_text(staff.get(f"/staff/consultations/{c.id}/responses"))
    assert "Fietspad BV" in responses and "Acht jaar" in responses
    export = staff.get(f"/staff/consultations/{c.id}/responses.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    body = export.get_data(as_text=True)
    assert body.startswith("\ufeff") and "Fietspad BV" in body and "Acht jaar" in body
    assert body.count("\n") == 3  # header + one line per question


def test_a_member_of_the_same_organisation_sees_and_continues_the_draft(app: Flask, catalogue) -> None:
    c = make_consultation(app)
    first, user = client_for(app, Role.ENTREPRENEUR)
    answer(first, c.slug, ("Eerste versie", ""))
    colleague = app.test_client()
    with app.app_context():
        other = make_user(app, Role.CITIZEN)
        person = db.session.get(User, other.id)
        from mvi_challenges.accounts.models import Role as R
        from mvi_challenges.accounts.models import UserRole
        person.organisation_id = user.organisation_id
        db.session.add(UserRole(user_id=person.id, role=R.ENTREPRENEUR))
        db.session.commit()
    login(colleague, other)
    assert "Eerste versie" in page_text(colleague.get(f"/consultations/{c.slug}/answers"))


def test_competitor_never_reads_another_organisations_answers(app: Flask, catalogue) -> None:
    c = make_consultation(app)
    company, _ = client_for(app, Role.ENTREPRENEUR, organisation_name="Eerlijk BV")
    answer(company, c.slug, ("Geheim recept", "Vijf jaar"), submit=True)
    competitor, _ = client_for(app, Role.ENTREPRENEUR, organisation_name="Concurrent BV")

    own_page = page_text(competitor.get(f"/consultations/{c.slug}/answers"))
    assert "Geheim recept" not in own_page and "not started" in own_page
    assert "Geheim recept" not in page_text(competitor.get(f"/consultations/{c.slug}"))
    assert competitor.get(f"/staff/consultations/{c.id}/responses").status_code == 403
    assert competitor.get(f"/staff/consultations/{c.id}/responses.csv").status_code == 403
    api = competitor.get(f"/api/v1/consultations/{c.slug}")
    assert "Geheim recept" not in api.get_data(as_text=True)


def test_citizens_and_anonymous_visitors_cannot_answer_or_read_answers(app: Flask, client: FlaskClient,
                                                                        catalogue) -> None:
    c = make_consultation(app)
    citizen, _ = client_for(app, Role.CITIZEN)
    assert citizen.get(f"/consultations/{c.slug}/answers").status_code == 403
    assert answer(citizen, c.slug, ("x", "y")).status_code == 403
    assert client.get(f"/consultations/{c.slug}/answers").status_code == 302  # to the login page
    assert answer(client, c.slug, ("x", "y")).status_code == 302
    assert client.get(f"/staff/consultations/{c.id}/responses.csv").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 0
    assert client.get(f"/consultations/{c.slug}").status_code == 200


def test_a_draft_consultation_is_not_visible(app: Flask, client: FlaskClient, catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    c = make_consultation(app, title="Geheime plannen", open_=False)
    assert client.get(f"/consultations/{c.slug}").status_code == 404
    company, _ = client_for(app, Role.ENTREPRENEUR)
    assert company.get(f"/consultations/{c.slug}").status_code == 404
    assert company.get(f"/consultations/{c.slug}/answers").status_code == 404
    assert "Geheime plannen" not in page_text(client.get("/consultations"))
    assert "Geheime plannen" not in client.get("/api/v1/consultations").get_data(as_text=True)
    assert staff.get(f"/consultations/{c.slug}").status_code == 200


def test_the_deadline_is_judged_by_server_time_to_the_second(app: Flask, catalogue) -> None:
    make_user(app, Role.STAFF)
    c = make_consultation(app)
    company = make_user(app, Role.ENTREPRENEUR)
    deadline = local_to_utc(dt.datetime(2027, 3, 1, 12, 0, 0))
    with app.app_context():
        consultation = db.session.get(Consultation, c.id)
        consultation.closes_at = deadline
        db.session.commit()
        actor = db.session.get(User, company.id)
        services.save_answers(db.session, actor, consultation, {1: "Net op tijd"}, submit=False,
                              now=deadline - dt.timedelta(seconds=1))
        db.session.commit()
        try:
            services.save_answers(db.session, actor, consultation, {1: "Te laat"}, submit=True, now=deadline)
        except DomainError as error:
            db.session.rollback()
            assert "uiterste termijn" in str(error.message)  # Dutch: no request chose English
        else:
            raise AssertionError("an answer at 12:00:00 was accepted")
        response = db.session.scalar(select(ConsultationResponse))
        assert response.status is ResponseStatus.DRAFT
        assert [a.text for a in response.answers if a.question.number == 1] == ["Net op tijd"]


def test_after_the_deadline_the_answer_page_refuses_and_keeps_nothing(app: Flask, catalogue) -> None:
    make_user(app, Role.STAFF)
    c = make_consultation(app, closes_in=dt.timedelta(seconds=-1))
    company, _ = client_for(app, Role.ENTREPRENEUR)
    late = answer(company, c.slug, ("Te laat", "Te laat"), submit=True)
    assert late.status_code == 409
    assert "The deadline for this consultation has passed" in page_text(late)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 0


def test_a_submitted_answer_cannot_be_changed(app: Flask, catalogue) -> None:
    make_user(app, Role.STAFF)
    c = make_consultation(app)
    company, _ = client_for(app, Role.ENTREPRENEUR)
    answer(company, c.slug, ("Definitief", "Definitief"), submit=True)
    again = answer(company, c.slug, ("Gewijzigd", "Gewijzigd"))
    assert again.status_code == 409
    assert "already submitted" in page_text(again)
    with app.app_context():
        texts = {a.text for a in db.session.scalar(select(ConsultationResponse)).answers}
        assert texts == {"Definitief"}


def test_an_error_keeps_everything_typed(app: Flask, catalogue) -> None:
    make_user(app, Role.STAFF)
    c = make_consultation(app)
    company, _ = client_for(app, Role.ENTREPRENEUR)
    too_long = "x" * (services.MAX_ANSWER_LENGTH + 1)
    response = company.post(f"/consultations/{c.slug}/answers",
                            data={"answer_1": "Mijn zorgvuldige antwoord", "answer_2": too_long, "action": "save"})
    assert response.status_code == 400
    assert "Mijn zorgvuldige antwoord" in response.get_data(as_text=True)


def test_racing_submissions_of_one_organisation_make_one_response(app: Flask, catalogue) -> None:
    make_user(app, Role.STAFF)
    c = make_consultation(app)
    first, user = client_for(app, Role.ENTREPRENEUR)
    second = app.test_client()
    login(second, user)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(client: FlaskClient, text: str) -> None:
        barrier.wait()
        statuses.append(answer(client, c.slug, (text, text), submit=True).status_code)

    threads = [threading.Thread(target=send, args=(cl, t)) for cl, t in ((first, "Tab een"), (second, "Tab twee"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 1


def test_staff_publish_a_summary_with_dispositions_after_the_deadline(app: Flask, client: FlaskClient,
                                                                       catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    c = make_consultation(app)
    too_early = staff.post(f"/staff/consultations/{c.id}/summary", data={"summary_source": "Vroeg"})
    assert too_early.status_code == 409
    with app.app_context():
        db.session.get(Consultation, c.id).closes_at = now_utc() - dt.timedelta(minutes=1)
        db.session.commit()
    half = staff.post(f"/staff/consultations/{c.id}/summary",
                      data={"summary_source": "Veel reacties", "themes-0-title": "Materialen",
                            "themes-0-disposition": "", "themes-0-action_source": "We vragen om hergebruik."})
    assert half.status_code == 400
    assert "Choose what the municipality does with this theme." in page_text(half)
    assert "We vragen om hergebruik." in half.get_data(as_text=True)
    saved = staff.post(f"/staff/consultations/{c.id}/summary",
                       data={"summary_source": "Veel reacties", "themes-0-title": "Materialen",
                             "themes-0-disposition": "adopted", "themes-0-action_source": "We vragen om hergebruik.",
                             "themes-1-title": "Looptijd", "themes-1-disposition": "not_adopted",
                             "themes-1-action_source": "Vier jaar blijft."})
    assert saved.status_code == 302
    assert "Materialen" not in page_text(client.get(f"/consultations/{c.slug}"))  # not published yet
    assert staff.post(f"/staff/consultations/{c.id}/summary/publish", data={"confirm": "yes"}).status_code == 302
    page = page_text(client.get(f"/consultations/{c.slug}"))
    assert "Materialen" in page and "We vragen om hergebruik." in page
    with app.app_context():
        consultation = db.session.get(Consultation, c.id)
        assert consultation.status is ConsultationStatus.SUMMARISED
        assert [t.disposition for t in consultation.themes] == [Disposition.ADOPTED, Disposition.NOT_ADOPTED]


def test_staff_create_and_open_a_consultation(app: Flask, client: FlaskClient, catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    created = staff.post("/staff/consultations/new", data={
        "title": "Duurzame catering", "body_source": "Wij zoeken *gezond* eten.",
        "questions": "Wat kost biologisch?\n\nHoe voorkomt u verspilling?", "category_id": "0",
        "closes_at": (dt.datetime.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "follow_up_call_id": "0"})
    assert created.status_code == 302
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        assert [(q.number, q.text) for q in consultation.questions] == [
            (1, "Wat kost biologisch?"), (2, "Hoe voorkomt u verspilling?")]
        slug, cid = consultation.slug, consultation.id
    assert client.get(f"/consultations/{slug}").status_code == 404
    assert "Open the consultation" in page_text(staff.post(f"/staff/consultations/{cid}/open"))  # asks first
    assert staff.post(f"/staff/consultations/{cid}/open", data={"confirm": "yes"}).status_code == 302
    page = page_text(client.get(f"/consultations/{slug}"))
    assert "Hoe voorkomt u verspilling?" in page
    # Once open, the questions are fixed for everyone.
    changed = staff.post(f"/staff/consultations/{cid}", data={
        "title": "Anders", "questions": "Nieuwe vraag", "category_id": "0", "follow_up_call_id": "0",
        "closes_at": (dt.datetime.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")})
    assert changed.status_code == 400
    assert "can no longer be changed" in page_text(changed)


def test_the_follow_up_call_links_both_ways_only_once_the_call_is_published(app: Flask, client: FlaskClient,
                                                                            catalogue) -> None:
    make_user(app, Role.STAFF)
    from mvi_challenges.calls.models import CallStatus
    call = make_call(app, title="Circulaire fietspaden aanbesteding", status=CallStatus.DRAFT)
    c = make_consultation(app, follow_up_call_id=call.id)
    assert "Circulaire fietspaden aanbesteding" not in page_text(client.get(f"/consultations/{c.slug}"))
    with app.app_context():
        row = db.session.get(Call, call.id)
        row.status, row.published_at = CallStatus.PUBLISHED, now_utc()
        db.session.commit()
    assert "Circulaire fietspaden aanbesteding" in page_text(client.get(f"/consultations/{c.slug}"))
    assert c.title in page_text(client.get(f"/calls/{call.slug}"))
    assert client.get(f"/api/v1/consultations/{c.slug}").get_json()["follow_up_call"]["slug"] == call.slug
    # A consultation still in draft never shows on the call page, even when linked.
    hidden = make_consultation(app, title="Nog niet open", open_=False, follow_up_call_id=call.id)
    assert hidden.title not in page_text(client.get(f"/calls/{call.slug}"))


def test_public_list_filters_by_stage_and_category(app: Flask, client: FlaskClient, catalogue) -> None:
    make_user(app, Role.STAFF)
    make_consultation(app, title="Open ronde", category_slug="mobiliteit")
    make_consultation(app, title="Gesloten ronde", closes_in=dt.timedelta(days=-1))
    open_only = page_text(client.get("/consultations?stage=open"))
    assert "Open ronde" in open_only and "Gesloten ronde" not in open_only
    closed = page_text(client.get("/consultations?stage=closed"))
    assert "Gesloten ronde" in closed and "Open ronde" not in closed
    mobility = page_text(client.get("/consultations?category=mobiliteit"))
    assert "Open ronde" in mobility and "Gesloten ronde" not in mobility


def test_category_page_and_monitoring_count_held_consultations(app: Flask, client: FlaskClient, catalogue) -> None:
    make_user(app, Role.STAFF)
    make_consultation(app, title="Fietspaden gevraagd", category_slug="mobiliteit", closes_in=dt.timedelta(hours=-1))
    make_consultation(app, title="Nog open vraag", category_slug="mobiliteit")
    make_consultation(app, title="Concept vraag", category_slug="mobiliteit", open_=False)
    page = page_text(client.get("/categories/mobiliteit"))
    assert "Fietspaden gevraagd" in page and "Nog open vraag" in page and "Concept vraag" not in page
    from mvi_challenges.core.timezones import to_local
    from mvi_challenges.monitoring.yearly_counts import DashboardFilters, consultations_held
    with app.app_context():
        from mvi_challenges.catalogue.models import Category
        category_id = db.session.scalar(select(Category.id).where(Category.slug == "mobiliteit"))
        year = to_local(now_utc() - dt.timedelta(hours=1)).year
        # Only the one whose deadline has passed counts as held; drafts never.
        assert consultations_held(db.session, DashboardFilters(year=year, category_id=category_id), now_utc()) == 1
    figures = client.get(f"/api/v1/monitoring?year={year}&category=mobiliteit").get_json()
    assert figures["consultations_held"] == 1


def test_demo_has_an_open_and_a_summarised_consultation_linked_to_its_call(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])  # twice adds nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 3
    listing = page_text(client.get("/consultations"))
    assert "Marktconsultatie circulaire fietspaden 2027–2031" in listing
    assert "Marktconsultatie schoonmaak met sociale return" not in listing  # the draft
    with app.app_context():
        held = db.session.scalar(select(Consultation).where(Consultation.status == ConsultationStatus.SUMMARISED))
        slug, call_slug = held.slug, held.follow_up_call.slug
    page = page_text(client.get(f"/consultations/{slug}"))
    assert "Drie pilots van € 15.000 elk." in page and "Zero-emissie bouwlogistiek binnenstad" in page
    assert "Elektrische bakwagens" not in page  # answers stay private
    assert "Marktconsultatie zero-emissie bouwlogistiek" in page_text(client.get(f"/calls/{call_slug}"))
    # The demo's summary is translated, with its themes.
    english = app.test_client()
    english.post("/language", data={"lang": "en", "next": "/"})
    page = page_text(english.get(f"/consultations/{slug}"))
    assert "Two companies answered." in page and "Three pilots of € 15,000 each." in page
    assert "Drie pilots" not in page and "only available in Dutch" not in page


def test_attachments_are_checked_by_content_and_hidden_while_the_consultation_is_a_draft(
        app: Flask, client: FlaskClient, catalogue) -> None:
    import io

    staff, _ = client_for(app, Role.STAFF)
    c = make_consultation(app, open_=False)
    fake = staff.post(f"/staff/consultations/{c.id}/documents",
                      data={"title": "Programma van eisen", "file": (io.BytesIO(b"<script>alert(1)</script>"), "pve.pdf")},
                      content_type="multipart/form-data")
    assert fake.status_code == 400 and "This type of file is not accepted" in page_text(fake)
    assert "Programma van eisen" in fake.get_data(as_text=True)  # the title typed is kept
    added = staff.post(f"/staff/consultations/{c.id}/documents",
                       data={"title": "Programma van eisen", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "pve.pdf")},
                       content_type="multipart/form-data")
    assert added.status_code == 302
    with app.app_context():
        from mvi_challenges.consultations.models import ConsultationDocument
        document_id = db.session.scalar(select(ConsultationDocument.id))
    url = f"/consultations/{c.slug}/documents/{document_id}"
    assert client.get(url).status_code == 404  # a draft's attachment is not public yet
    assert staff.get(url).status_code == 200
    staff.post(f"/staff/consultations/{c.id}/open", data={"confirm": "yes"})
    download = client.get(url)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    # Once open, attachments are fixed like the questions.
    refused = staff.post(f"/staff/consultations/{c.id}/documents/{document_id}/delete")
    assert refused.status_code == 302 and client.get(url).status_code == 200


def test_my_page_shows_the_organisations_open_consultations_and_their_state(app: Flask, catalogue) -> None:
    make_user(app, Role.STAFF)
    started = make_consultation(app, title="Begonnen ronde")
    make_consultation(app, title="Nieuwe ronde")
    make_consultation(app, title="Voorbije ronde", closes_in=dt.timedelta(days=-1))
    company, _ = client_for(app, Role.ENTREPRENEUR)
    answer(company, started.slug, ("Eerste gedachte", ""))
    page = page_text(company.get("/my"))
    assert "Begonnen ronde" in page and "draft, not submitted yet" in page
    assert "Nieuwe ronde" in page and "not started" in page
    assert "Voorbije ronde" not in page
    citizen, _ = client_for(app, Role.CITIZEN)
    assert "Open market consultations" not in page_text(citizen.get("/my"))


def test_the_consultation_form_shows_all_errors_and_keeps_what_was_typed(app: Flask, catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    empty = staff.post("/staff/consultations/new", data={"title": "", "questions": "", "category_id": "0",
                                                         "closes_at": "", "follow_up_call_id": "0",
                                                         "body_source": "Mijn lange tekst"})
    assert empty.status_code == 400
    assert "Mijn lange tekst" in empty.get_data(as_text=True)
    assert empty.get_data(as_text=True).count('aria-invalid="true"') >= 3  # title, questions, deadline at once
    past = staff.post("/staff/consultations/new", data={
        "title": "Te laat", "questions": "Vraag een\nVraag twee", "category_id": "0", "follow_up_call_id": "0",
        "closes_at": "2020-01-01T12:00"})
    assert past.status_code == 400
    assert "The deadline must be in the future." in page_text(past)
    assert "Vraag een\nVraag twee" in past.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_a_save_from_an_older_tab_does_not_overwrite_newer_answers(app: Flask, catalogue) -> None:
    import re

    make_user(app, Role.STAFF)
    c = make_consultation(app)
    first, user = client_for(app, Role.ENTREPRENEUR)
    second = app.test_client()
    with second.session_transaction() as session:
        session["lang"] = "en"
    login(second, user)

    def revision_on(client: FlaskClient) -> str:
        html = client.get(f"/consultations/{c.slug}/answers").get_data(as_text=True)
        return re.search(r'name="revision"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="revision"', html).group(1)

    old = revision_on(second)  # the second tab was opened first
    first.post(f"/consultations/{c.slug}/answers",
               data={"answer_1": "Tekst van tab een", "answer_2": "", "action": "save", "revision": revision_on(first)})
    stale = second.post(f"/consultations/{c.slug}/answers",
                        data={"answer_1": "Tekst van tab twee", "answer_2": "", "action": "save", "revision": old})
    assert stale.status_code == 409
    page = page_text(stale)
    assert "saved elsewhere" in page and "Tekst van tab een" in page  # the saved version, shown beside
    assert "Tekst van tab twee" in stale.get_data(as_text=True)  # and nothing typed is lost
    with app.app_context():
        assert [a.text for a in db.session.scalar(select(ConsultationResponse)).answers
                if a.question.number == 1] == ["Tekst van tab een"]
    fresh = re.search(r'name="revision"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="revision"',
                      stale.get_data(as_text=True)).group(1)
    again = second.post(f"/consultations/{c.slug}/answers",
                        data={"answer_1": "Tekst van tab twee", "answer_2": "", "action": "save", "revision": fresh})
    assert again.status_code == 302  # saving again deliberately replaces it
    with app.app_context():
        assert [a.text for a in db.session.scalar(select(ConsultationResponse)).answers
                if a.question.number == 1] == ["Tekst van tab twee"]


def test_a_civil_servant_with_an_entrepreneurs_role_cannot_answer(app: Flask, catalogue) -> None:
    """Abuser: a procurement officer whose account also holds the entrepreneur role with an
    organisation, answering the consultation that prepares their own tender."""
    c = make_consultation(app)
    officer, _ = client_for(app, Role.STAFF, Role.ENTREPRENEUR)
    assert "Municipal staff cannot answer" in page_text(officer.get(f"/consultations/{c.slug}"))
    assert officer.get(f"/consultations/{c.slug}/answers").status_code == 403
    assert answer(officer, c.slug, ("Wij leveren", "Graag"), submit=True).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 0


def _english_version(app: Flask, slug: str, **fields: str) -> None:
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        consultation.title_en = fields.get("title_en", "")
        consultation.body_html_en = fields.get("body_html_en", "")
        for question, text in zip(consultation.questions, fields.get("questions_en", ()), strict=False):
            question.text_en = text
        db.session.commit()


def test_english_visitors_read_the_english_version_and_dutch_where_there_is_none(app: Flask, client: FlaskClient,
                                                                                    catalogue) -> None:
    c = make_consultation(app)
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/consultations/{c.slug}").get_data(as_text=True)
    # No English version: the Dutch texts, marked as Dutch, and said to be so.
    heading = page[page.index("<h1"):page.index("</h1>") + 5]
    assert heading.endswith('lang="nl">Marktconsultatie circulaire fietspaden</h1>'), heading
    assert "Only available in Dutch" in page
    _english_version(app, c.slug, title_en="Market consultation: circular cycle paths",
                     body_html_en="<p>What we plan.</p>", questions_en=("What can you deliver?", "By when?"))
    page = client.get(f"/consultations/{c.slug}").get_data(as_text=True)
    assert 'lang="en">Market consultation: circular cycle paths</h1>' in page
    assert "Only available in Dutch" not in page and "<p>What we plan.</p>" in page
    assert 'lang="en">What can you deliver?</li>' in page and 'lang="en">By when?</li>' in page
    assert "Market consultation: circular cycle paths" in page_text(client.get("/consultations"))
    # Dutch visitors keep the Dutch version.
    dutch = app.test_client().get(f"/consultations/{c.slug}").get_data(as_text=True)
    assert 'lang="nl">Marktconsultatie circulaire fietspaden</h1>' in dutch and "What can you deliver?" not in dutch


def test_staff_write_the_english_version_and_mistakes_are_named_next_to_their_fields(app: Flask, catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    closes = (now_utc() + dt.timedelta(days=20)).astimezone(dt.timezone(dt.timedelta(hours=1))).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "Schone bouwplaats", "body_source": "Wat we willen.", "questions": "Wat kunt u?\nWanneer?",
            "category_id": "0", "closes_at": closes, "follow_up_call_id": "0",
            "title_en": "", "body_source_en": "What we want.", "questions_en": "What can you do?"}
    response = staff.post("/staff/consultations/new", data=data)
    text = page_text(response)
    # Both mistakes at once, each next to its field; nothing typed is lost.
    assert response.status_code == 400 and "Give the English title too" in text
    assert "Give as many English questions as Dutch ones (2)" in text
    assert 'value="Schone bouwplaats"' in response.get_data(as_text=True)
    assert "What we want." in response.get_data(as_text=True)
    data["title_en"] = "Clean building site"
    text = page_text(staff.post("/staff/consultations/new", data=data))
    assert "Give the English title too" not in text and "Give as many English questions as Dutch ones (2)" in text
    data["questions_en"] = "What can you do?\nBy when?"
    assert staff.post("/staff/consultations/new", data=data).status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(Consultation).where(Consultation.title == "Schone bouwplaats"))
        assert (saved.title_en, saved.body_html_en.strip()) == ("Clean building site", "<p>What we want.</p>")
        assert [q.text_en for q in saved.questions] == ["What can you do?", "By when?"]
        manage = page_text(staff.get(f"/staff/consultations/{saved.id}"))
    assert "What can you do? By when?" in manage  # the form shows them again for the next edit


# --- the summary in English ---------------------------------------------------------------


def _closed_with_english_version(app: Flask, *, english: bool = True) -> SimpleNamespace:
    c = make_consultation(app)
    with app.app_context():
        consultation = db.session.get(Consultation, c.id)
        if english:
            consultation.title_en = "Market consultation: circular cycle paths"
        consultation.closes_at = now_utc() - dt.timedelta(minutes=1)
        db.session.commit()
    return c


SUMMARY = {"summary_source": "Veel reacties", "themes-0-title": "Materialen", "themes-0-disposition": "adopted",
           "themes-0-action_source": "We vragen om hergebruik.", "themes-1-title": "Looptijd",
           "themes-1-disposition": "not_adopted", "themes-1-action_source": "Vier jaar blijft."}
SUMMARY_EN = {"summary_source_en": "Many responses", "themes-0-title_en": "Materials",
              "themes-0-action_source_en": "We ask for reuse.", "themes-1-title_en": "Contract term",
              "themes-1-action_source_en": "Four years stays."}


def test_the_english_summary_is_complete_or_absent_with_every_mistake_next_to_its_field(app: Flask,
                                                                                        catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    c = _closed_with_english_version(app)
    form = page_text(staff.get(f"/staff/consultations/{c.id}/summary"))
    assert "Summary in English" in form and "Theme in English" in form
    half = {**SUMMARY, **SUMMARY_EN, "summary_source_en": "", "themes-1-title_en": "",
            "themes-1-action_source_en": "Four years stays."}
    response = staff.post(f"/staff/consultations/{c.id}/summary", data=half)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    # Both missing English texts at once, each in the error beside its own field; everything typed kept.
    for field_id in ("summary_source_en", "themes-1-title_en"):
        error = html[html.index(f'id="{field_id}-error"'):]
        assert "Give the English text too" in error[:error.index("</div>")], field_id
    assert html.count('class="field-error"') == 2
    assert "We ask for reuse." in html and "Four years stays." in html and 'value="Materials"' in html
    with app.app_context():
        assert db.session.get(Consultation, c.id).themes == []
    # English where there is no Dutch to translate is named too.
    orphan = staff.post(f"/staff/consultations/{c.id}/summary",
                        data={**SUMMARY, **SUMMARY_EN, "themes-2-title_en": "Prices"})
    assert orphan.status_code == 400 and "Write the Dutch text first" in page_text(orphan)
    assert staff.post(f"/staff/consultations/{c.id}/summary", data={**SUMMARY, **SUMMARY_EN}).status_code == 302
    with app.app_context():
        consultation = db.session.get(Consultation, c.id)
        assert consultation.summary_html_en == "<p>Many responses</p>"
        assert [(t.title_en, t.action_html_en) for t in consultation.themes] == [
            ("Materials", "<p>We ask for reuse.</p>"), ("Contract term", "<p>Four years stays.</p>")]
    # Only Dutch stays possible: absent is as good as complete.
    assert staff.post(f"/staff/consultations/{c.id}/summary", data=SUMMARY).status_code == 302
    with app.app_context():
        consultation = db.session.get(Consultation, c.id)
        assert consultation.summary_html_en == "" and [t.title_en for t in consultation.themes] == ["", ""]


def test_a_consultation_without_its_english_version_gets_a_dutch_summary_only(app: Flask, catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    c = _closed_with_english_version(app, english=False)
    form = page_text(staff.get(f"/staff/consultations/{c.id}/summary"))
    assert "Summary in English" not in form and "summary is published in Dutch only" in form
    # A hand-made request with English texts is refused by the form and the service alike.
    response = staff.post(f"/staff/consultations/{c.id}/summary", data={**SUMMARY, **SUMMARY_EN})
    assert response.status_code == 400 and "This consultation has no English version" in page_text(response)
    with app.app_context():
        consultation = db.session.get(Consultation, c.id)
        theme = services.ThemeInput("Materialen", Disposition.ADOPTED, "Hergebruik", "Materials", "Reuse")
        try:
            services.save_summary(db.session, None, consultation, summary_source="Veel", summary_source_en="Many",
                                  themes=[theme], now=now_utc())
        except DomainError as error:
            assert error.field == "summary_source_en"
        else:
            raise AssertionError("an English summary of a Dutch-only consultation was saved")
        assert consultation.themes == [] and consultation.summary_source == ""


def test_the_published_summary_is_read_in_english_and_in_dutch(app: Flask, client: FlaskClient, catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    c = _closed_with_english_version(app)
    assert staff.post(f"/staff/consultations/{c.id}/summary", data={**SUMMARY, **SUMMARY_EN}).status_code == 302
    assert staff.post(f"/staff/consultations/{c.id}/summary/publish", data={"confirm": "yes"}).status_code == 302
    english = app.test_client()
    english.post("/language", data={"lang": "en", "next": "/"})
    html = english.get(f"/consultations/{c.slug}").get_data(as_text=True)
    assert '<div class="rich-text" lang="en"><p>Many responses</p></div>' in html
    assert '<h3 class="utrecht-heading-3" lang="en">Materials</h3>' in html
    assert '<div class="rich-text" lang="en"><p>We ask for reuse.</p></div>' in html
    assert "Materialen" not in html and "only available in Dutch" not in html
    dutch = client.get(f"/consultations/{c.slug}").get_data(as_text=True)
    assert '<h3 class="utrecht-heading-3" lang="nl">Materialen</h3>' in dutch and "Materials" not in dutch
    assert '<div class="rich-text" lang="nl"><p>Veel reacties</p></div>' in dutch


def test_a_summary_only_in_dutch_is_shown_in_dutch_on_english_pages_and_said_to_be(app: Flask,
                                                                                     catalogue) -> None:
    staff, _ = client_for(app, Role.STAFF)
    c = _closed_with_english_version(app)
    assert staff.post(f"/staff/consultations/{c.id}/summary", data=SUMMARY).status_code == 302
    assert staff.post(f"/staff/consultations/{c.id}/summary/publish", data={"confirm": "yes"}).status_code == 302
    english = app.test_client()
    english.post("/language", data={"lang": "en", "next": "/"})
    html = english.get(f"/consultations/{c.slug}").get_data(as_text=True)
    assert 'lang="en">Market consultation: circular cycle paths</h1>' in html
    assert "The summary is only available in Dutch." in html
    assert '<h3 class="utrecht-heading-3" lang="nl">Materialen</h3>' in html
    assert '<div class="rich-text" lang="nl"><p>We vragen om hergebruik.</p></div>' in html
