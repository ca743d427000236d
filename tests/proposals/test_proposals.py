"""Submitting with certainty: drafts, versions, receipts, deadlines, files and who sees what."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Call, CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.proposals import services
from mvi_challenges.proposals.models import Proposal, ProposalStatus, ProposalVersion

from ..factories import (
    PDF_BYTES,
    close_phase,
    decide_and_publish,
    login,
    make_call,
    make_proposal,
    make_user,
    page_text,
)

FORM = {"title": "Vrachtfietshub", "summary": "Een hub aan de rand.", "body_source": "## Aanpak\nFietsen.",
        "requested_budget": "12.500"}


def _start(client: FlaskClient, call) -> int:
    response = client.post(f"/calls/{call.slug}/phases/1/proposal")
    assert response.status_code == 302, response.location
    return int(re.search(r"/proposals/(\d+)/edit", response.location).group(1))


def test_entrepreneur_submits_and_gets_a_receipt_with_digest(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    login(client_en, owner)
    proposal_id = _start(client_en, call)
    client_en.post(f"/proposals/{proposal_id}/attachments", data={"file": (io.BytesIO(PDF_BYTES), "begroting.pdf")},
                   content_type="multipart/form-data")
    response = client_en.post(f"/proposals/{proposal_id}/edit", data={**FORM, "action": "submit"})
    assert response.status_code == 302 and response.location == f"/proposals/{proposal_id}/receipt/1"
    receipt = page_text(client_en.get(response.location))
    with app.app_context():
        version = db.session.scalar(select(ProposalVersion))
        assert version.requested_budget_cents == 1_250_000
        assert [item["filename"] for item in version.attachment_manifest] == ["begroting.pdf"]
        assert services.version_digest(version) == version.digest
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == owner.email))
    assert "We received version 1 of your proposal “Vrachtfietshub” complete and on time." in receipt
    assert version.digest in receipt and "begroting.pdf" in receipt
    assert version.digest in mail.body and version.digest in mail.html_body
    assert "Ontvangstbevestiging" in mail.subject  # the owner's language is Dutch
    detail = page_text(client_en.get(f"/proposals/{proposal_id}"))
    assert "Content matches the digest" in detail


def test_the_deadline_edge_one_second_before_and_after(app: Flask, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call)
    with app.test_request_context():
        proposal = db.session.get(Proposal, made.id)
        user = db.session.get(User, owner.id)
        deadline = proposal.phase.closes_at
        with pytest.raises(DomainError) as late:
            services.submit(db.session, user, proposal, deadline + dt.timedelta(seconds=1))
        assert "is verstreken. Er is niets ingediend." in str(late.value.message)
        with pytest.raises(DomainError):
            services.submit(db.session, user, proposal, deadline)  # the deadline itself is too late
        version = services.submit(db.session, user, proposal, deadline - dt.timedelta(seconds=1))
        assert version.number == 1 and version.submitted_at == deadline - dt.timedelta(seconds=1)


def test_late_submission_is_refused_and_the_draft_survives(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, title="Eerste versie")
    with app.app_context():
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call.id))
        phase.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    login(client_en, owner)
    response = client_en.post(f"/proposals/{made.id}/edit", data={**FORM, "title": "Laatste wijziging",
                                                                     "action": "submit"})
    assert response.status_code == 400
    assert "has passed. Nothing was submitted; what you wrote is kept." in page_text(response)
    assert 'value="Laatste wijziging"' in response.get_data(as_text=True)  # what was typed is on screen
    with app.app_context():
        proposal = db.session.get(Proposal, made.id)
        assert proposal.status is ProposalStatus.DRAFT and proposal.title == "Eerste versie"
        assert db.session.scalar(select(func.count(ProposalVersion.id))) == 0


def test_edits_after_submitting_make_new_versions_and_keep_old_ones(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, title="Versie een")
    login(client_en, owner)
    saved = client_en.post(f"/proposals/{made.id}/edit", data={**FORM, "title": "Versie twee", "action": "save"},
                           follow_redirects=True)
    assert "You have changes that are not submitted yet." in page_text(saved)
    client_en.post(f"/proposals/{made.id}/edit", data={**FORM, "title": "Versie twee", "action": "submit"})
    with app.app_context():
        versions = list(db.session.scalars(select(ProposalVersion).order_by(ProposalVersion.number)))
        assert [(v.number, v.title) for v in versions] == [(1, "Versie een"), (2, "Versie twee")]
        assert versions[0].digest != versions[1].digest
    detail = page_text(client_en.get(f"/proposals/{made.id}"))
    assert "Receipt for version 1" in detail and "Receipt for version 2" in detail


def test_withdraw_and_submit_again_before_the_deadline(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True)
    login(client_en, owner)
    response = client_en.post(f"/proposals/{made.id}/withdraw", data={"confirm": "yes"}, follow_redirects=True)
    assert "Your proposal has been withdrawn." in page_text(response)
    client_en.post(f"/proposals/{made.id}/edit", data={**FORM, "action": "submit"})
    with app.app_context():
        assert db.session.get(Proposal, made.id).status is ProposalStatus.SUBMITTED


def test_incomplete_submission_names_the_missing_part_and_saves_the_rest(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    proposal_id = _start(client_en, call)
    response = client_en.post(f"/proposals/{proposal_id}/edit", data={**FORM, "summary": "", "action": "submit"})
    assert response.status_code == 400
    assert "Write a short summary." in page_text(response)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.title == "Vrachtfietshub" and proposal.status is ProposalStatus.DRAFT


def test_requested_budget_cannot_exceed_the_phase_budget(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)  # phase budget € 50.000
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    proposal_id = _start(client_en, call)
    response = client_en.post(f"/proposals/{proposal_id}/edit", data={**FORM, "requested_budget": "60000",
                                                                      "action": "save"})
    assert response.status_code == 400
    assert "The requested budget is higher than the budget of this phase (€50,000)." in page_text(response)


def test_a_pdf_name_holding_html_is_refused(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    proposal_id = _start(client_en, call)
    response = client_en.post(f"/proposals/{proposal_id}/attachments", data={
        "file": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "offerte.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "This type of file is not accepted." in page_text(response)
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).attachments == []


def test_at_most_ten_attachments(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    proposal_id = _start(client_en, call)
    for n in range(11):
        response = client_en.post(f"/proposals/{proposal_id}/attachments", data={
            "file": (io.BytesIO(PDF_BYTES + str(n).encode()), f"bijlage-{n}.pdf")},
            content_type="multipart/form-data", follow_redirects=True)
    assert "A proposal has at most 10 attachments." in page_text(response)


def test_other_organisations_cannot_see_a_proposal_or_its_files(app: Flask, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    draft = make_proposal(app, owner, call, attachment=True)
    competitor = app.test_client()
    login(competitor, make_user(app, Role.ENTREPRENEUR))
    for url in (f"/proposals/{draft.id}", f"/proposals/{draft.id}/edit", f"/proposals/{draft.id}/receipt/1",
                f"/proposals/{draft.id}/attachments/{draft.attachment_id}"):
        assert competitor.get(url).status_code == 404, url
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    assert staff.get(f"/proposals/{draft.id}").status_code == 404  # a draft is the applicant's own business
    owner_client = app.test_client()
    login(owner_client, owner)
    download = owner_client.get(f"/proposals/{draft.id}/attachments/{draft.attachment_id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_colleagues_share_one_proposal_per_phase(app: Flask, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call)
    with app.app_context():
        colleague = User(email="collega@example.org", password_hash="x", name="Collega",
                         organisation_id=db.session.get(User, owner.id).organisation_id)
        db.session.add(colleague)
        db.session.flush()
        from mvi_challenges.accounts.models import UserRole

        colleague.role_rows = [UserRole(role=Role.ENTREPRENEUR)]
        db.session.commit()
        call_obj = db.session.get(Call, call.id)
        again = services.start_proposal(db.session, colleague, call_obj, call_obj.phases[0], dt.datetime.now(dt.UTC))
        assert again.id == made.id
        duplicate = Proposal(call_id=call.id, phase_id=call_obj.phases[0].id, owner_key=again.owner_key)
        db.session.add(duplicate)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_citizen_cannot_submit_on_an_entrepreneurs_only_call(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)
    with app.app_context():
        from mvi_challenges.calls.models import Eligibility

        db.session.get(Call, call.id).eligibility = Eligibility.ENTREPRENEURS
        db.session.commit()
    login(client_en, make_user(app, Role.CITIZEN))
    response = client_en.post(f"/calls/{call.slug}/phases/1/proposal", follow_redirects=True)
    assert "Only entrepreneurs with a registered organisation (KvK number) can submit on this call." in page_text(
        response)


def test_phase_two_only_for_advanced_participants_and_starts_from_phase_one(app: Flask, catalogue) -> None:
    call = make_call(app, kind=CallKind.SBIR)
    advanced_owner = make_user(app, Role.ENTREPRENEUR)
    other_owner = make_user(app, Role.ENTREPRENEUR)
    first = make_proposal(app, advanced_owner, call, submit=True, title="Fase een plan")
    other = make_proposal(app, other_owner, call, submit=True)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post("/language", data={"lang": "en", "next": "/"})
    # No shortcut past the jury: an outcome (phase 2 included) follows only from a published decision.
    early = staff.post(f"/staff/proposals/{first.id}/status/advanced", follow_redirects=True)
    assert "An outcome follows from a recorded decision" in page_text(early)
    close_phase(app, call)
    late = staff.post(f"/staff/proposals/{first.id}/status/advanced", follow_redirects=True)
    assert "An outcome follows from a recorded decision" in page_text(late)
    decide_and_publish(app, call, {first.id: "advanced", other.id: "not_awarded"})
    with app.test_request_context():
        call_obj = db.session.get(Call, call.id)
        phase_two = call_obj.phases[1]
        during_phase_two = phase_two.opens_at + dt.timedelta(days=1)
        with pytest.raises(DomainError) as refused:
            services.start_proposal(db.session, db.session.get(User, other_owner.id), call_obj, phase_two,
                                    during_phase_two)
        assert "Alleen deelnemers van wie het voorstel in fase 1 is geselecteerd" in str(refused.value.message)
        second = services.start_proposal(db.session, db.session.get(User, advanced_owner.id), call_obj, phase_two,
                                         during_phase_two)
        assert second.title == "Fase een plan" and second.previous_proposal_id == first.id
        db.session.flush()
        assert [a.filename for a in second.attachments] == []  # phase 1 had no attachments here


def test_fifty_submissions_at_the_same_moment_are_all_stored_once(app: Flask, catalogue) -> None:
    call = make_call(app)
    owners = [make_user(app, Role.ENTREPRENEUR) for _ in range(50)]
    barrier = threading.Barrier(len(owners))
    errors: list[BaseException] = []

    def submit_as(owner) -> None:
        try:
            barrier.wait(timeout=30)
            with app.test_request_context():
                user = db.session.get(User, owner.id)
                call_obj = db.session.get(Call, call.id)
                now = dt.datetime.now(dt.UTC)
                proposal = services.start_proposal(db.session, user, call_obj, call_obj.phases[0], now)
                services.save_draft(db.session, user, proposal, title=f"Voorstel {owner.id}", summary="s",
                                    body_source="b", requested_budget_cents=100, now=now)
                services.submit(db.session, user, proposal, now)
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # collected: a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=submit_as, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 50
        assert db.session.scalar(select(func.count(ProposalVersion.id))) == 50
        assert db.session.scalar(select(func.count(func.distinct(Proposal.owner_key)))) == 50


def test_a_double_click_on_start_makes_one_proposal(app: Flask, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    barrier = threading.Barrier(8)
    ids: list[int] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait(timeout=30)
            with app.test_request_context():
                user = db.session.get(User, owner.id)
                call_obj = db.session.get(Call, call.id)
                proposal = services.start_proposal(db.session, user, call_obj, call_obj.phases[0],
                                                   dt.datetime.now(dt.UTC))
                db.session.commit()
                ids.append(proposal.id)
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(ids)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 1


def test_my_proposals_lists_the_organisations_work_with_deadlines(app: Flask, client_en, catalogue) -> None:
    call = make_call(app, title="Schone lucht")
    owner = make_user(app, Role.ENTREPRENEUR)
    make_proposal(app, owner, call, title="Ons luchtplan")
    login(client_en, owner)
    text = page_text(client_en.get("/my/proposals"))
    assert "Ons luchtplan" in text and "Schone lucht" in text and "draft (not submitted)" in text and "left" in text


def test_staff_list_csv_and_zip(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    submitted = make_proposal(app, owner, call, submit=True, attachment=True, title="=HYPERLINK(\"http://x\")")
    make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, title="Nog een concept")
    close_phase(app, call)
    login(client, make_user(app, Role.STAFF))
    listing = page_text(client.get(f"/staff/calls/{call.id}/proposals"))
    assert "Nog een concept" not in listing  # drafts are not staff's business
    assert "1 ingediend" in listing and "1 concept in bewerking" in listing
    csv_text = client.get(f"/staff/calls/{call.id}/proposals.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and ";=HYPERLINK" not in csv_text
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/staff/calls/{call.id}/proposals.zip").data))
    name = f"{submitted.id:05d}/{submitted.attachment_id}-plan.pdf"  # the id keeps equal names apart
    assert archive.namelist() == [name]
    assert archive.read(name) == PDF_BYTES


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_form_opened_hours_ago_still_saves(app: Flask, catalogue, monkeypatch) -> None:
    import time

    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call)
    client = app.test_client()
    login(client, owner)
    app.config["WTF_CSRF_ENABLED"] = True
    token = _csrf_token(client.get(f"/proposals/{made.id}/edit").get_data(as_text=True))
    later = time.time() + 3 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(f"/proposals/{made.id}/edit", data={**FORM, "action": "save", "csrf_token": token})
    assert response.status_code == 302


def test_a_refused_form_shows_back_what_was_typed(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call)
    login(client_en, owner)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client_en.post(f"/proposals/{made.id}/edit", data={**FORM, "body_source": "Mijn lange tekst",
                                                                     "csrf_token": "stale"})
    assert response.status_code == 400
    assert "so it was not saved" in page_text(response)
    assert ">Mijn lange tekst</textarea>" in response.get_data(as_text=True)


def test_staff_see_only_what_was_submitted(app: Flask, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, title="Ingediende titel")
    owner_client = app.test_client()
    login(owner_client, owner)
    owner_client.post(f"/proposals/{made.id}/edit", data={**FORM, "title": "Geheime werktitel", "action": "save"})
    owner_client.post(f"/proposals/{made.id}/attachments", data={"file": (io.BytesIO(PDF_BYTES + b"x"), "nieuw.pdf")},
                      content_type="multipart/form-data")
    with app.app_context():
        from mvi_challenges.proposals.models import Attachment

        new_attachment = db.session.scalar(select(Attachment.id).where(Attachment.filename == "nieuw.pdf"))
    close_phase(app, call)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    page = page_text(staff.get(f"/proposals/{made.id}"))
    assert "Ingediende titel" in page and "Geheime werktitel" not in page
    assert staff.get(f"/proposals/{made.id}/attachments/{new_attachment}").status_code == 404


def test_a_swapped_file_no_longer_matches_the_receipt(app: Flask, client_en: FlaskClient, catalogue) -> None:
    from mvi_challenges.core.storage import get_storage
    from mvi_challenges.proposals.models import Attachment

    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, attachment=True)
    login(client_en, owner)
    assert "Content matches the digest" in page_text(client_en.get(f"/proposals/{made.id}"))
    with app.app_context():
        key = db.session.get(Attachment, made.attachment_id).storage_key
    get_storage(app.config).path_for(key).write_bytes(PDF_BYTES + b"tampered")
    assert "Content does NOT match the digest" in page_text(client_en.get(f"/proposals/{made.id}"))


def test_following_twice_is_harmless(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app)
    login(client, make_user(app, Role.CITIZEN))
    assert client.post(f"/calls/{call.slug}/follow", data={"follow": "1"}).status_code == 302
    assert client.post(f"/calls/{call.slug}/follow", data={"follow": "1"}).status_code == 302


def test_uploading_an_attachment_also_saves_the_typed_text(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    proposal_id = _start(client_en, call)
    client_en.post(f"/proposals/{proposal_id}/attachments", data={
        **FORM, "title": "Nog niet opgeslagen titel", "file": (io.BytesIO(PDF_BYTES), "plan.pdf")},
        content_type="multipart/form-data")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.title == "Nog niet opgeslagen titel"
        assert [a.filename for a in proposal.current_attachments] == ["plan.pdf"]


def test_staff_list_and_my_proposals_are_paginated(app: Flask, client_en: FlaskClient, catalogue) -> None:
    app.config["PAGE_SIZE"] = 2
    try:
        call = make_call(app)
        owner = make_user(app, Role.ENTREPRENEUR)
        make_proposal(app, owner, call, title="Enige voorstel")
        login(client_en, owner)
        assert "Enige voorstel" in page_text(client_en.get("/my/proposals"))
        assert client_en.get("/my/proposals?page=5").status_code == 404
    finally:
        app.config["PAGE_SIZE"] = 20
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    assert staff.get(f"/staff/calls/{call.id}/proposals?page=2").status_code == 404


def test_a_submission_queued_behind_busy_workers_counts_from_its_arrival(app: Flask, client_en, catalogue) -> None:
    """Behind a trusted proxy, X-Request-Start (arrival) decides, not when a worker got to it;
    without that setting, or with a stamp from the future or long ago, the header is ignored."""
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call)
    arrived = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    with app.app_context():
        db.session.scalar(select(Phase).where(Phase.call_id == call.id)).closes_at = arrived + dt.timedelta(seconds=2)
        db.session.commit()
    login(client_en, owner)
    stamp = {"X-Request-Start": f"t={arrived.timestamp():.3f}"}
    url, data = f"/proposals/{made.id}/edit", {**FORM, "action": "submit"}
    assert client_en.post(url, data=data, headers=stamp).status_code == 400  # not trusted by default
    app.config["TRUST_REQUEST_START"] = True
    try:
        forged = {"X-Request-Start": f"t={arrived.timestamp() - 3600:.3f}"}  # an hour ago: not believed
        assert client_en.post(url, data=data, headers=forged).status_code == 400
        response = client_en.post(url, data=data, headers=stamp)
        assert response.status_code == 302, page_text(response)
    finally:
        app.config["TRUST_REQUEST_START"] = False
    with app.app_context():
        version = db.session.scalar(select(ProposalVersion))
        assert abs((version.submitted_at - arrived).total_seconds()) < 0.01


def test_a_second_click_on_submit_returns_the_same_receipt(app: Flask, client_en, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call)
    login(client_en, owner)
    first = client_en.post(f"/proposals/{made.id}/edit", data={**FORM, "action": "submit"})
    second = client_en.post(f"/proposals/{made.id}/edit", data={**FORM, "action": "submit"})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]  # the same receipt page
    with app.app_context():
        assert db.session.scalar(select(func.count(ProposalVersion.id))) == 1
