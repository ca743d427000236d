"""Issuing clarification notes (nota van inlichtingen) in rounds.

A note bundles the answers published since the previous note, plus a list of changes to the call
typed by staff, under the next number of the call ("Nota van inlichtingen 2"), dated at issue. It
is immutable: its items are copies of the questions and answers as they stood, the questions it
took in can no longer be edited (proposals.services.answer_question), and its digest (SHA-256 of
`canonical_bytes`) is published with it, so anyone can show that a copy is the note as issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select, union
from sqlalchemy.orm import Session, selectinload

from ..accounts.models import User
from ..calls import lifecycle as call_lifecycle
from ..calls.models import Call
from ..calls.services import process_changed
from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.outbox import queue_user_email
from ..core.sanitize import render_markdown
from ..proposals.models import Proposal, Question, call_followers
from .models import ClarificationNote, ClarificationNoteItem

MAX_CHANGES_LENGTH = 20_000


def pending_answers(session: Session, call: Call) -> list[Question]:
    """Published answers that no note has taken in yet, in number order. Only published ones: an
    answer staff are still writing never reaches a note (nor its PDF)."""
    stmt = (select(Question).where(Question.call_id == call.id, Question.published_at.is_not(None),
                                   Question.note_id.is_(None))
            .order_by(Question.number, Question.id))
    return list(session.scalars(stmt))


def note_of(call_id: Any) -> ColumnElement[bool]:
    """An issued clarification note of the call `call_id` (a value, or Call.id for the call page's link)."""
    return ClarificationNote.call_id == call_id


def issued_notes(session: Session, call: Call) -> list[ClarificationNote]:
    stmt = select(ClarificationNote).where(note_of(call.id)).order_by(ClarificationNote.number)
    return list(session.scalars(stmt))


def find_note(session: Session, call: Call, number: int) -> ClarificationNote | None:
    stmt = (select(ClarificationNote).where(ClarificationNote.call_id == call.id, ClarificationNote.number == number)
            .options(selectinload(ClarificationNote.items)))
    return session.scalar(stmt)


def next_number(session: Session, call: Call) -> int:
    highest = session.scalar(select(func.max(ClarificationNote.number)).where(ClarificationNote.call_id == call.id))
    return (highest or 0) + 1


def recipients(session: Session, call: Call) -> list[User]:
    """Followers of the call and everyone who started a proposal on it (each once)."""
    followers = select(call_followers.c.user_id.label("user_id")).where(call_followers.c.call_id == call.id)
    applicants = select(Proposal.submitter_id.label("user_id")).where(Proposal.call_id == call.id,
                                                                      Proposal.submitter_id.is_not(None))
    ids = union(followers, applicants).subquery()
    stmt = select(User).where(User.id.in_(select(ids.c.user_id)), User.blocked.is_(False)).order_by(User.id)
    return list(session.scalars(stmt))


def canonical_content(call: Call, number: int, issued_at: dt.datetime, changes_source: str,
                      items: list[tuple[int, str, str]]) -> dict[str, Any]:
    """What a note says, as plain data. Its digest is the SHA-256 of `canonical_bytes` of this."""
    return {
        "call": call.slug,
        "number": number,
        "issued_at": issued_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "changes": changes_source,
        "items": [{"number": n, "question": q, "answer": a} for n, q, a in items],
    }


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """UTF-8 JSON with sorted keys, no spaces, no escaping of non-ASCII: one byte string per note.
    The note's JSON download is exactly these bytes, so `sha256sum` of that file is the digest."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def note_content(note: ClarificationNote) -> dict[str, Any]:
    return canonical_content(note.call, note.number, note.issued_at, note.changes_source,
                             [(item.number, item.question_text, item.answer_source) for item in note.items])


def digest_of(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def issue_note(session: Session, actor: Any, call: Call, *, changes_source: str, expected_number: int,
               now: dt.datetime) -> ClarificationNote:
    """Issue the next clarification note of `call`.

    `expected_number` is the number the staff member saw on the page: a second click, a resent form
    or a colleague who issued the same note a moment earlier finds another number and is refused,
    so one intention never issues two notes. Concurrent requests wait for each other on the call's
    row, and the unique (call, number) constraint backs that up.

    Side effects: the answers taken in are fixed; audit `clarification_note.issued`; a mail to every
    follower and everyone who started a proposal on the call.
    """
    problem = call_lifecycle.clarification_note_refusal(call, now)
    if problem is not None:
        raise DomainError(problem)
    if len(changes_source) > MAX_CHANGES_LENGTH:
        raise DomainError(_l("The list of changes is too long."), field="changes_source")
    lock_row(session, Call, call.id)
    number = next_number(session, call)
    if number != expected_number:
        raise DomainError(_l("Clarification note %(n)d has already been issued. Check the list of notes before "
                             "issuing another one.", n=expected_number))
    answers = pending_answers(session, call)
    if not answers and not changes_source.strip():
        raise DomainError(_l("There is nothing to issue: no published answers are waiting and no changes are listed."),
                          field="changes_source")
    items = [(q.number or 0, q.text, q.answer_source) for q in answers]
    changes = changes_source.strip()
    content = canonical_content(call, number, now, changes, items)
    note = ClarificationNote(call_id=call.id, number=number, issued_at=now, issued_by_id=getattr(actor, "id", None),
                             changes_source=changes, changes_html=render_markdown(changes), digest=digest_of(content))
    note.items = [ClarificationNoteItem(question_id=q.id, number=q.number or 0, question_text=q.text,
                                        answer_source=q.answer_source, answer_html=q.answer_html) for q in answers]
    session.add(note)
    session.flush()
    for question in answers:
        question.note_id = note.id
    call.updated_at = now  # feeds and caches see that the call's documents grew
    session.flush()
    audit.record(session, actor, "clarification_note.issued", call,
                 {"number": number, "questions": [q.number for q in answers], "digest": note.digest})
    process_changed.send(call, session=session, change="clarification_note")  # a new tender document
    for person in recipients(session, call):
        queue_user_email(session, person, "clarification_note_issued", call=call, note=note)
    return note
