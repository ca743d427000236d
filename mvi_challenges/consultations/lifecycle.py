"""The life of a market consultation and of an organisation's response: states, moves, guards.

    draft ──open──▶ open ──(deadline passes: closed, by time alone)──▶ summary published

"Closed" is not stored: a consultation is closed from the moment the server's clock reaches
`closes_at`, whatever anyone clicks (`stage`). `services.transition_consultation` is the one
function that writes `Consultation.status`; it asks `refusal` first. A response is a draft the
organisation's members edit until they submit it; a submitted response is final (it is what staff
read), and after the deadline nothing changes. Views and templates ask the guards below.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from ..calls.models import Call
from .models import Consultation, ConsultationResponse, ConsultationStatus, ResponseStatus

S = ConsultationStatus
Guard = Callable[[Consultation, dt.datetime], "str | None"]


class Stage(enum.StrEnum):
    """What a person sees: the stored status with "closed" derived from the deadline."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    SUMMARISED = "summarised"


def stage(consultation: Consultation, now: dt.datetime) -> Stage:
    if consultation.status is S.DRAFT:
        return Stage.DRAFT
    if consultation.status is S.SUMMARISED:
        return Stage.SUMMARISED
    return Stage.OPEN if now < consultation.closes_at else Stage.CLOSED


def ready_to_open(consultation: Consultation, now: dt.datetime) -> str | None:
    if not consultation.questions:
        return str(_l("Add at least one question before opening the consultation."))
    if consultation.closes_at <= now:
        return str(_l("The deadline has passed: set a deadline in the future before opening."))
    return None


def closed_with_summary(consultation: Consultation, now: dt.datetime) -> str | None:
    if now < consultation.closes_at:
        return str(_l("The summary can be published after the deadline, when every answer is in."))
    if not consultation.themes and not consultation.summary_source.strip():
        return str(_l("Write the summary or at least one theme before publishing it."))
    return None


MOVES: dict[tuple[ConsultationStatus, ConsultationStatus], Guard] = {
    (S.DRAFT, S.OPEN): ready_to_open,
    (S.OPEN, S.SUMMARISED): closed_with_summary,
}


def refusal(consultation: Consultation, target: ConsultationStatus, now: dt.datetime) -> str | None:
    guard = MOVES.get((consultation.status, target))
    if guard is None:
        return str(_l("This step is not possible for this consultation."))
    return guard(consultation, now)


def is_public(consultation: Consultation) -> bool:
    """Drafts are for staff only."""
    return consultation.status is not S.DRAFT


def is_editable(consultation: Consultation) -> bool:
    """The document and its questions are fixed once the consultation opens: everyone answers the same."""
    return consultation.status is S.DRAFT


def accepts_answers(consultation: Consultation, now: dt.datetime) -> bool:
    return stage(consultation, now) is Stage.OPEN


def summary_editable(consultation: Consultation, now: dt.datetime) -> bool:
    return stage(consultation, now) is Stage.CLOSED


def answer_refusal(consultation: Consultation, response: ConsultationResponse | None,
                   now: dt.datetime) -> str | None:
    """Why this organisation cannot change its answers now, or None."""
    if not accepts_answers(consultation, now):
        return str(_l("The deadline for this consultation has passed: answers can no longer be changed."))
    if response is not None and response.status is ResponseStatus.SUBMITTED:
        return str(_l("Your organisation has already submitted its answers; they can no longer be changed."))
    return None


def is_submitted(response: ConsultationResponse | None) -> bool:
    return response is not None and response.status is ResponseStatus.SUBMITTED


def shows_follow_up(consultation: Consultation, call: Call | None) -> bool:
    """The link between a consultation and its call is public once both are: a draft call's title
    would otherwise leak through the consultation page."""
    return call is not None and call.is_public and is_public(consultation)


TEMPLATE_GUARDS = {"consultation_stage": stage, "consultation_is_editable": is_editable,
                   "consultation_accepts_answers": accepts_answers,
                   "consultation_summary_editable": summary_editable,
                   "consultation_response_is_submitted": is_submitted}
