"""Questions and answers on a call: the question as asked and as rephrased by staff (plain text)
and the answer (Markdown), through the real forms, on the public and staff pages and in the mail
to the call's followers."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.proposals.models import Question

from ..factories import make_call, make_user
from .checks import Findings, check_outbox
from .conftest import logged_in
from .corpus import all_payloads, markdown_document, pack


def test_questions_and_answers_are_escaped_everywhere(app: Flask, client, catalogue, admin) -> None:
    call = make_call(app, title="Uitvraag met vragen")
    asker, follower = make_user(app, Role.ENTREPRENEUR), make_user(app, Role.CITIZEN, name="Volger")
    asking, following = logged_in(app, asker), logged_in(app, follower)
    following.post(f"/calls/{call.slug}/follow", data={"follow": "1"})
    payloads = all_payloads()
    findings = Findings()
    questions = pack(5000)
    for text in questions:
        asked = asking.post(f"/calls/{call.slug}/questions", data={"text": text})
        if asked.status_code != 302:
            findings.page(asked, "asking", payloads, status=302)
    refused = asking.post(f"/calls/{call.slug}/questions", data={"text": questions[0] + " " * 5000})
    findings.page(refused, "refused question", payloads, status=400)
    with app.app_context():
        ids = list(db.session.scalars(select(Question.id).where(Question.call_id == call.id).order_by(Question.id)))
    assert len(ids) == len(questions)
    staff = admin.client
    rephrased = pack(5000, payloads=all_payloads()[::-1])
    for index, question_id in enumerate(ids):
        prefix = f"q{question_id}"
        data = {f"{prefix}-text": rephrased[index % len(rephrased)], f"{prefix}-answer_source": markdown_document(),
                f"{prefix}-publish": "y"}
        answered = staff.post(f"/staff/questions/{question_id}", data=data)
        if answered.status_code != 302:
            findings.page(answered, f"answering {index}", payloads, status=302)
    refused = staff.post(f"/staff/questions/{ids[0]}", data={f"q{ids[0]}-text": "",
                                                             f"q{ids[0]}-answer_source": markdown_document()})
    findings.page(refused, "refused answer", payloads, status=400)
    for where, browser, url in (("questions page", client, f"/calls/{call.slug}/questions"),
                                ("call page", client, f"/calls/{call.slug}"),
                                ("call page (asker)", asking, f"/calls/{call.slug}"),
                                ("staff questions", staff, f"/staff/calls/{call.id}/questions")):
        findings.page(browser.get(url), where, payloads)
    # The clarification note copies the questions and answers and adds the changes staff type.
    asked_first = staff.post(f"/staff/calls/{call.id}/notes", data={"changes_source": markdown_document(),
                                                                    "expected_number": "1"})
    findings.page(asked_first, "issuing a note (asked first)", payloads)
    issued = staff.post(f"/staff/calls/{call.id}/notes", data={"changes_source": markdown_document(),
                                                               "expected_number": "1", "confirm": "yes"})
    assert issued.status_code == 302
    for where, browser, url in (("clarification note", client, f"/calls/{call.slug}/notes/1"),
                                ("staff notes", staff, f"/staff/calls/{call.id}/notes"),
                                ("questions page with a note", client, f"/calls/{call.slug}/questions")):
        findings.page(browser.get(url), where, payloads)
    assert client.get(f"/calls/{call.slug}/notes/1.pdf").status_code == 200
    mails = check_outbox(app, findings, payloads)
    assert mails >= len(ids), "the follower was mailed every answer"
    findings.check()
