"""A published answer rewritten or withdrawn after the bidders relied on it, tried as a civil servant.

Abuser: a procurement officer who, after the deadline (even after the decision), rewrites a
published answer of the clarification notice so that the winner's proposal fits it ("Mag het
budget hoger?" "Nee, nooit." becomes "Ja, tot het dubbele."), or takes the answer off the public
page by saving it without "publish". The audit entry recorded only {"published": true}: the old
text was lost and the followers were not told, so a competitor who lost could not show what the
answer said when they wrote their proposal. Found open, closed in proposals/lifecycle.py
(`answer_refusal`, `unpublish_refusal`), asked by proposals/services.py `answer_question`: a
published answer is never withdrawn; once the phase it was asked in has closed, or the call no
longer runs, it stays as published; before that a correction is public ("Answer changed on"),
audited with the previous text and mailed to every follower.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallKind, CallStatus
from mvi_challenges.calls.services import transition_call
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.proposals.models import Question

from ..factories import close_phase, login, make_call, make_user, page_text
from .conftest import logged_in

FIXED = ("The deadline of the phase this question was asked in has passed (or the call no longer runs): the "
         "published answer stays as the applicants read it.")
NOT_WITHDRAWN = ("A published answer cannot be withdrawn: applicants may have relied on it. Keep “Published for "
                 "everyone” ticked; you can still correct the text while the phase is open.")
QUESTION, ANSWER = "Mag het budget hoger?", "Nee, nooit."


def _published_answer(app: Flask, call: SimpleNamespace) -> tuple[FlaskClient, int]:
    """A bidder asks, staff answer publicly; returns the staff member's client (in English) and the question."""
    asker = app.test_client()
    login(asker, make_user(app, Role.ENTREPRENEUR))
    asker.post(f"/calls/{call.slug}/questions", data={"text": QUESTION})
    staff = logged_in(app, make_user(app, Role.STAFF), lang="en")
    with app.app_context():
        question_id = db.session.scalar(select(Question.id).where(Question.call_id == call.id))
    saved = staff.post(f"/staff/questions/{question_id}", data=_form(question_id, ANSWER))
    assert saved.status_code == 302
    with app.app_context():  # asked and answered yesterday (before `close_phase` moves the deadline back)
        question = db.session.get(Question, question_id)
        question.asked_at -= dt.timedelta(days=1)
        question.published_at -= dt.timedelta(days=1)
        db.session.commit()
    return staff, question_id


def _form(question_id: int, answer: str, *, publish: bool = True, text: str = QUESTION) -> dict[str, str]:
    data = {f"q{question_id}-text": text, f"q{question_id}-answer_source": answer}
    return {**data, f"q{question_id}-publish": "y"} if publish else data


def _public(app: Flask, call: SimpleNamespace) -> str:
    reader = app.test_client()
    reader.post("/language", data={"lang": "en", "next": "/"})
    return page_text(reader.get(f"/calls/{call.slug}/questions"))


def _decide(app: Flask, call: SimpleNamespace) -> None:
    """The deadline passes, the call closes and its decisions are published."""
    close_phase(app, call)
    with app.test_request_context():
        obj = db.session.get(Call, call.id)
        transition_call(db.session, None, obj, CallStatus.CLOSED)
        obj.phases[-1].decisions_published_at = now_utc()
        transition_call(db.session, None, obj, CallStatus.DECIDED)
        db.session.commit()


def test_a_published_answer_is_not_rewritten_after_the_call_is_decided(app: Flask, catalogue) -> None:
    call = make_call(app)
    staff, question_id = _published_answer(app, call)
    _decide(app, call)

    rewritten = "Ja, tot het dubbele."
    refused = staff.post(f"/staff/questions/{question_id}", data=_form(question_id, rewritten))
    assert refused.status_code == 400
    assert FIXED in page_text(refused)
    assert f"{rewritten}</textarea>" in refused.get_data(as_text=True)  # what was typed stays on the page
    public = _public(app, call)
    assert ANSWER in public and rewritten not in public and "Answer changed on" not in public

    # Nor does it leave the public page.
    staff.post(f"/staff/questions/{question_id}", data=_form(question_id, ANSWER, publish=False))
    assert QUESTION in _public(app, call)
    # The staff pages say why: no form, no edit link.
    listing = staff.get(f"/staff/calls/{call.id}/questions")
    assert FIXED in page_text(listing)
    assert f'href="/staff/questions/{question_id}"' not in listing.get_data(as_text=True)
    page = staff.get(f"/staff/questions/{question_id}")
    assert FIXED in page_text(page) and "<textarea" not in page.get_data(as_text=True)


def test_a_published_answer_is_fixed_once_its_phase_closed(app: Flask, catalogue) -> None:
    """No formal closing needed: the deadline of the phase the question was asked in is enough,
    also while a later phase of an SBIR call runs."""
    call = make_call(app, kind=CallKind.SBIR)
    staff, question_id = _published_answer(app, call)
    close_phase(app, call)  # phase 1's deadline passed; phase 2 lies ahead, the call still runs
    with app.app_context():
        assert db.session.get(Call, call.id).status is CallStatus.PUBLISHED

    refused = staff.post(f"/staff/questions/{question_id}", data=_form(question_id, "Ja, tot het dubbele."))
    assert refused.status_code == 400 and FIXED in page_text(refused)
    assert ANSWER in _public(app, call)


def test_a_published_answer_is_never_withdrawn(app: Flask, catalogue) -> None:
    call = make_call(app)  # the phase is open
    staff, question_id = _published_answer(app, call)

    refused = staff.post(f"/staff/questions/{question_id}", data=_form(question_id, ANSWER, publish=False))
    assert refused.status_code == 400
    assert NOT_WITHDRAWN in page_text(refused)
    public = _public(app, call)
    assert QUESTION in public and ANSWER in public


def test_a_correction_while_the_phase_is_open_leaves_a_public_trace(app: Flask, catalogue) -> None:
    call = make_call(app)
    follower = make_user(app, Role.ENTREPRENEUR, email="volger@example.org")
    login(follower_client := app.test_client(), follower)
    follower_client.post(f"/calls/{call.slug}/follow", data={"follow": "1"})
    staff, question_id = _published_answer(app, call)
    assert "Answer changed on" not in _public(app, call)

    # Saving it unchanged is no correction.
    assert staff.post(f"/staff/questions/{question_id}", data=_form(question_id, ANSWER + "\r\n")).status_code == 302
    assert "Answer changed on" not in _public(app, call)

    corrected = "Nee, het budget staat vast (zie paragraaf 3)."
    saved = staff.post(f"/staff/questions/{question_id}", data=_form(question_id, corrected))
    assert saved.status_code == 302
    public = _public(app, call)
    assert corrected in public and ANSWER not in public
    assert "Answer changed on" in public
    with app.app_context():
        details = db.session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "question.answer_changed", AuditEvent.subject_id == question_id)).all()
        assert len(details) == 1
        assert details[0]["previous_answer"] == ANSWER and details[0]["answer"] == corrected
        assert details[0]["previous_text"] == QUESTION and details[0]["text"] == QUESTION
        mails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == "volger@example.org")
                                   .order_by(OutboxEmail.id)).all()
    assert len(mails) == 2  # the answer, then its correction
    assert "Antwoord gewijzigd" in mails[1].subject
    assert corrected in mails[1].body and ANSWER in mails[1].body  # the new and the previous answer


LATE = ("The deadline of the phase this question was asked in has passed (or the call no longer runs): an answer "
        "published now would reach the applicants after they submitted, so it is not published. You can still "
        "save it unpublished.")


def test_a_question_is_not_first_answered_publicly_after_its_deadline(app: Flask, catalogue) -> None:
    """Abuser: the same officer, after the deadline, publishes an answer to a question nobody had
    answered ("Telt ervaring in het buitenland mee?" "Ja.") that the favourite's proposal happens to
    fit: a rule added when every proposal was in, mailed to followers as new Q&A. Refused, for an
    SBIR call whose later phase still runs too; saving it unpublished stays possible."""
    call = make_call(app, kind=CallKind.SBIR)
    asker = app.test_client()
    login(asker, make_user(app, Role.ENTREPRENEUR))
    asker.post(f"/calls/{call.slug}/questions", data={"text": "Telt ervaring in het buitenland mee?"})
    staff = logged_in(app, make_user(app, Role.STAFF), lang="en")
    with app.app_context():
        question = db.session.scalars(select(Question).where(Question.call_id == call.id)).one()
        question.asked_at -= dt.timedelta(days=1)  # asked yesterday, before `close_phase` moves the deadline back
        question_id = question.id
        db.session.commit()
    assert LATE not in page_text(staff.get(f"/staff/calls/{call.id}/questions"))
    close_phase(app, call)  # phase 1's deadline passed; phase 2 lies ahead, the call still runs
    # Staff read why before they type: the page says it next to the question's form.
    assert LATE in page_text(staff.get(f"/staff/calls/{call.id}/questions"))

    refused = staff.post(f"/staff/questions/{question_id}",
                         data=_form(question_id, "Ja.", text="Telt ervaring in het buitenland mee?"))
    assert refused.status_code == 400
    assert LATE in page_text(refused)
    assert "Ja.</textarea>" in refused.get_data(as_text=True)  # what was typed stays on the page
    assert "buitenland" not in _public(app, call)
    with app.app_context():
        assert db.session.get(Question, question_id).published_at is None
        assert not db.session.scalars(select(OutboxEmail).where(OutboxEmail.subject.contains("antwoord"))).all()

    kept = staff.post(f"/staff/questions/{question_id}",
                      data=_form(question_id, "Ja.", text="Telt ervaring in het buitenland mee?", publish=False))
    assert kept.status_code == 302
    with app.app_context():
        saved = db.session.get(Question, question_id)
        assert saved.answer_source == "Ja." and saved.published_at is None
    assert "buitenland" not in _public(app, call)
