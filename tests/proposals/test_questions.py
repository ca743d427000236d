"""Questions and answers (nota van inlichtingen) and following a call."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.proposals.models import Question

from ..factories import login, make_call, make_user, page_text


def test_question_is_answered_publicly_without_the_askers_name(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    asker = make_user(app, Role.ENTREPRENEUR, name="Anna Vrager")
    follower = make_user(app, Role.CITIZEN, email="volger@example.org")
    follower_client = app.test_client()
    login(follower_client, follower)
    follower_client.post(f"/calls/{call.slug}/follow", data={"follow": "1"})

    login(client_en, asker)
    response = client_en.post(f"/calls/{call.slug}/questions", data={"text": "Mogen we met vrachtfietsen werken?"},
                              follow_redirects=True)
    assert "Your question has been sent." in page_text(response)
    assert "Mogen we met vrachtfietsen" not in page_text(app.test_client().get(f"/calls/{call.slug}"))

    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    with app.app_context():
        question_id = db.session.scalar(select(Question.id))
    staff.post(f"/staff/questions/{question_id}", data={
        f"q{question_id}-text": "Mag de oplossing met vrachtfietsen werken?",
        f"q{question_id}-answer_source": "Ja, **graag** zelfs.", f"q{question_id}-publish": "y"})

    public = app.test_client().get(f"/calls/{call.slug}")
    text = page_text(public)
    assert "Mag de oplossing met vrachtfietsen werken?" in text and "graag" in text
    assert "Anna Vrager" not in text and asker.email not in text
    notice = page_text(app.test_client().get(f"/calls/{call.slug}/questions"))
    assert "Nota van inlichtingen" in notice and "Mag de oplossing met vrachtfietsen werken?" in notice
    with app.app_context():
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "volger@example.org"))
        assert mail is not None and "Nieuw antwoord" in mail.subject
        assert "<strong>graag</strong>" in mail.html_body


def test_followers_hear_when_a_call_changes(app: Flask, catalogue) -> None:
    call = make_call(app)
    follower = make_user(app, Role.CITIZEN, email="volger@example.org")
    client = app.test_client()
    login(client, follower)
    client.post(f"/calls/{call.slug}/follow", data={"follow": "1"})
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post(f"/staff/calls/{call.id}/status/cancelled", data={"cancel-reason": "Geen budget."})
    with app.app_context():
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == "volger@example.org"))
        assert "geannuleerd" in mail.body and "Geen budget." in mail.body


def test_questions_close_with_the_call(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    staff.post(f"/staff/calls/{call.id}/close", data={"close-reason": "Genoeg vragen beantwoord."})
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    response = client_en.post(f"/calls/{call.slug}/questions", data={"text": "Te laat?"})
    assert response.status_code == 400
    assert "Questions can no longer be asked on this call." in page_text(response)


def test_an_empty_question_gets_a_message(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app)
    login(client_en, make_user(app, Role.ENTREPRENEUR))
    response = client_en.post(f"/calls/{call.slug}/questions", data={"text": ""})
    assert response.status_code == 400
    assert "Type your question." in page_text(response)


def _ask_and_publish(app: Flask, call, staff: FlaskClient, texts: list[str], published: int) -> list[int]:
    asker = app.test_client()
    login(asker, make_user(app, Role.ENTREPRENEUR))
    for text in texts:
        asker.post(f"/calls/{call.slug}/questions", data={"text": text})
    with app.app_context():
        ids = list(db.session.scalars(select(Question.id).order_by(Question.id)))
    for question_id, text in zip(ids[:published], texts, strict=False):
        staff.post(f"/staff/questions/{question_id}", data={
            f"q{question_id}-text": text, f"q{question_id}-answer_source": f"Antwoord op {text}",
            f"q{question_id}-publish": "y"})
    return ids


def test_staff_list_has_forms_only_for_questions_that_need_an_answer(app: Flask, client_en: FlaskClient,
                                                                     catalogue) -> None:
    """Issue #20: a form per question made the page slow at city scale. A published answer is shown
    as text with a link to its own edit page."""
    call = make_call(app)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    texts = ["Eerste vraag?", "Tweede vraag?", "Derde vraag?"]
    first, second, third = _ask_and_publish(app, call, staff, texts, published=2)
    html = staff.get(f"/staff/calls/{call.id}/questions").get_data(as_text=True)
    assert html.count('name="q') // 3 == 1  # text, answer, publish: of the third question only
    assert f'name="q{third}-answer_source"' in html and f'name="q{first}-answer_source"' not in html
    assert "Antwoord op Eerste vraag?" in page_text(staff.get(f"/staff/calls/{call.id}/questions"))
    assert f'href="/staff/questions/{first}"' in html and f'href="/staff/questions/{third}"' not in html

    edit = staff.get(f"/staff/questions/{first}")
    assert edit.status_code == 200
    page = edit.get_data(as_text=True)
    assert "Antwoord op Eerste vraag?" in page
    checkbox = re.search(rf'<input[^>]*name="q{first}-publish"[^>]*>', page).group(0)
    assert "checked" in checkbox  # published: saving it as it is keeps it published
    saved = staff.post(f"/staff/questions/{first}", data={
        f"q{first}-text": "Eerste vraag?", f"q{first}-answer_source": "Een beter antwoord.", f"q{first}-publish": "y"})
    assert saved.status_code == 302
    assert "Een beter antwoord." in page_text(client_en.get(f"/calls/{call.slug}/questions"))
    assert second  # untouched


def test_an_edit_that_fails_returns_to_its_own_page_with_everything_typed(app: Flask, catalogue) -> None:
    call = make_call(app)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    (first,) = _ask_and_publish(app, call, staff, ["Mag het elektrisch?"], published=1)
    typed = "Een lang nieuw antwoord dat niet verloren mag gaan."
    refused = staff.post(f"/staff/questions/{first}", data={f"q{first}-text": "", f"q{first}-answer_source": typed,
                                                            f"q{first}-publish": "y"})
    assert refused.status_code == 400
    text = page_text(refused)
    assert "Antwoord op vraag 1 bewerken" in text and typed in text
    with app.app_context():
        assert db.session.get(Question, first).answer_source == "Antwoord op Mag het elektrisch?"


def test_an_answer_in_an_issued_note_has_no_edit_page(app: Flask, catalogue) -> None:
    call = make_call(app)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    (first,) = _ask_and_publish(app, call, staff, ["Mag het elektrisch?"], published=1)
    issued = staff.post(f"/staff/calls/{call.id}/notes", data={"changes_source": "", "expected_number": "1",
                                                               "confirm": "yes"})
    assert issued.status_code == 302
    html = staff.get(f"/staff/calls/{call.id}/questions").get_data(as_text=True)
    assert f'href="/staff/questions/{first}"' not in html and 'name="q' not in html
    fixed = staff.get(f"/staff/questions/{first}")  # an old link still tells why
    assert fixed.status_code == 200 and 'name="q' not in fixed.get_data(as_text=True)
    assert "staat in een uitgebrachte nota van inlichtingen" in page_text(fixed)


def test_staff_questions_forms_are_the_answer_form_of_each_question(app: Flask, catalogue) -> None:
    """Issue #20: the questions page fills one blank answer form per waiting question instead of
    rendering a WTForms form each; the HTML must be what AnswerForm(obj=question) renders through
    the answer_form macro: ids, labels, hint, values (escaped), button with or without a number."""
    from flask import render_template_string

    from mvi_challenges.proposals.forms import AnswerForm

    call = make_call(app)
    asker = make_user(app, Role.ENTREPRENEUR)
    with app.app_context():
        new = Question(call_id=call.id, asker_id=asker.id, text='Mag <b>"dit"</b> & dat?', answer_source="Concept: <i>ja</i>")
        numbered = Question(call_id=call.id, asker_id=asker.id, text="Teruggetrokken vraag", number=7)  # published once
        db.session.add_all([new, numbered])
        db.session.commit()
        ids = (new.id, numbered.id)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    body = staff.get(f"/staff/calls/{call.id}/questions").get_data(as_text=True)
    token = re.compile(r'name="csrf_token" value="[^"]+"')
    for question_id in ids:
        shown = re.search(rf'<form method="post" action="/staff/questions/{question_id}".*?</form>', body, re.S)
        assert shown is not None, question_id
        with app.test_request_context():
            question = db.session.get(Question, question_id)
            expected = render_template_string(
                '{% from "proposals/_answer_form.html" import answer_form with context %}{{ answer_form(form, q) }}',
                form=AnswerForm(obj=question, prefix=f"q{question.id}", publish=False), q=question)
        assert token.sub("TOKEN", shown.group(0)) == token.sub("TOKEN", expected.strip()), question_id
    assert "Mag &lt;b&gt;&#34;dit&#34;&lt;/b&gt; &amp; dat?</textarea>" in body
    assert "Antwoord op vraag 7 opslaan" in body and "Antwoord op deze nieuwe vraag opslaan" in body
    # A refused answer comes back as typed, with its error, beside the blank forms of the others.
    refused = staff.post(f"/staff/questions/{new.id}", data={f"q{new.id}-text": "", f"q{new.id}-answer_source": "x"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert f'aria-invalid="true" class="utrecht-textarea utrecht-textbox--invalid " id="q{new.id}-text"' in page
    assert f'id="q{numbered.id}-text"' in page and "Teruggetrokken vraag</textarea>" in page
