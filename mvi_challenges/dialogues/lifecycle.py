"""The life of a dialogue and of a registration for it: states, moves and the guards of each.

    draft ──publish──▶ published ──(after it took place, with its report)──▶ reported
      └──cancel──▶ cancelled ◀──cancel (before it takes place)──┘

"Registration closed" and "held" are not stored: they follow from the times (`Dialogue.registration_open`,
`Dialogue.is_past`). `services.transition_dialogue` is the one function that writes
`Dialogue.status`; it asks `refusal` first. A registration is confirmed or waitlisted (both
"active") until it is cancelled; a waitlisted one is promoted when a seat frees up. Views and
templates ask the guards below instead of comparing status strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from ..calls.models import CallStatus, Phase, StageType
from .models import Dialogue, DialogueKind, DialogueStatus, Registration, RegistrationStatus, Selection

D = DialogueStatus
Guard = Callable[[Dialogue, dt.datetime], "str | None"]


def always(dialogue: Dialogue, now: dt.datetime) -> str | None:
    return None


def not_yet_held(dialogue: Dialogue, now: dt.datetime) -> str | None:
    """A dialogue that has taken place is reported, not cancelled."""
    if dialogue.is_past(now):
        return str(_l("This dialogue has already taken place: publish its report instead."))
    return None


def held(dialogue: Dialogue, now: dt.datetime) -> str | None:
    if not dialogue.is_past(now):
        return str(_l("The report can be published after the dialogue has taken place."))
    return None


MOVES: dict[tuple[DialogueStatus, DialogueStatus], Guard] = {
    (D.DRAFT, D.PUBLISHED): always,
    (D.DRAFT, D.CANCELLED): always,
    (D.PUBLISHED, D.CANCELLED): not_yet_held,
    (D.PUBLISHED, D.REPORTED): held,  # through services.publish_report, with the report itself
}


def refusal(dialogue: Dialogue, target: DialogueStatus, now: dt.datetime) -> str | None:
    guard = MOVES.get((dialogue.status, target))
    if guard is None:
        return str(_l("This step is not possible for this dialogue."))
    return guard(dialogue, now)


def allowed_targets(dialogue: Dialogue, now: dt.datetime) -> frozenset[DialogueStatus]:
    return frozenset(target for (source, target), guard in MOVES.items()
                     if source is dialogue.status and guard(dialogue, now) is None)


def is_cancelled(dialogue: Dialogue) -> bool:
    return dialogue.status is D.CANCELLED


def is_editable(dialogue: Dialogue) -> bool:
    return dialogue.status in (D.DRAFT, D.PUBLISHED)


def takes_registrations(dialogue: Dialogue, now: dt.datetime) -> bool:
    """Published, not yet held, and registration still open."""
    return dialogue.status is D.PUBLISHED and not dialogue.is_past(now) and dialogue.registration_open(now)


def slot_refusal(dialogue: Dialogue, now: dt.datetime) -> str | None:
    """Why a participant cannot book or move their one-to-one time now, or None. Times are chosen
    while registration is open; then the organisers fix the schedule, and nobody moves to the time a
    competitor freed or to the end of the day (nor after the dialogue was held or cancelled)."""
    if takes_registrations(dialogue, now):
        return None
    return str(_l("Times can be booked or changed while registration is open; the schedule is now fixed."))


# --- the pitch of a staged challenge --------------------------------------------------------


def pitch_planning_refusal(phase: Phase) -> str | None:
    """Why the pitch session of `phase` cannot be planned (or re-planned) now, or None.

    Only for the pitch stage of a published call, and only once the decisions of the round before
    are published. Decisions are drafts until published, all of a stage at once; the pitch session
    exists for the shortlist, so a session planned before that would be a trace of the unpublished
    decisions: a page "for the shortlist" whose number of slots is the shortlist staff have in mind,
    a planning page telling staff it was "published to the shortlist", an invitation nobody on
    the published record has received. We refuse the planning rather than hide every trace of the
    session until publication: one gate here instead of a condition on every page, mail, feed and
    export that could show it, and it is the order of the procedure anyway: the shortlist is
    published (with reasons, and a standstill in which a losing applicant can object), then the
    shortlisted are invited to pitch. Booking keeps its own gate (`services.pitch_problem`: only
    applicants advanced by a published decision)."""
    if phase.stage_type is not StageType.PITCH:
        return str(_l("Only a pitch stage has pitch slots."))
    if phase.call.status is not CallStatus.PUBLISHED:
        return str(_l("Pitch slots are planned while the call is published."))
    previous = next((p for p in phase.call.phases if p.number == phase.number - 1), None)
    if previous is not None and previous.decisions_published_at is None:
        return str(_l("Publish the decisions of stage %(n)d (the shortlist) first: the pitch is planned for the "
                      "published shortlist, and nothing may tell an applicant they were shortlisted before "
                      "that.", n=previous.number))
    return None


# --- input (contributions) ------------------------------------------------------------------

# Per account, over all dialogues: more than anyone types in earnest in an hour (a long evening
# session with many themes included), too few to flood the organisers' moderation list or bury
# other people's input in the report. Counted from the stored input, so it holds across servers
# and the text comes back with the message next to it (a 429 page would lose what was typed).
CONTRIBUTIONS_PER_HOUR = 10
CONTRIBUTION_WINDOW = dt.timedelta(hours=1)


def contribution_limit_refusal(recent: int) -> str | None:
    """Why one more piece of input is refused, given how many the person gave in the last hour."""
    if recent >= CONTRIBUTIONS_PER_HOUR:
        return str(_l("You can give input at most %(n)d times an hour. Please wait a while and send it again: what "
                      "you typed is kept below.", n=CONTRIBUTIONS_PER_HOUR))
    return None


# --- selection by lot ----------------------------------------------------------------------


def uses_lot(dialogue: Dialogue) -> bool:
    return dialogue.selection is Selection.LOT


def lot_allowed(dialogue: Dialogue) -> bool:
    """Selection by lot is for city dialogues: residents' panels, not market parties."""
    return dialogue.kind is DialogueKind.CITY


def lot_change_refusal(dialogue: Dialogue, now: dt.datetime, *, selection: Selection, quotas: dict[str, Any],
                       capacity: int, registration_closes_at: dt.datetime,
                       anyone_registered: bool) -> tuple[str, str] | None:
    """Why this edit of how seats are given cannot be saved, as (field, message), or None.

    A draw's inputs are the committed secret, the candidates, the seats and the quotas. Staff can
    read the secret, so once people registered they could compute who a different number of seats,
    or one more candidate registered after closing, would seat: the seats and quotas are fixed once
    anyone registered, and the registration of a lottery cannot reopen once it closed."""
    if not anyone_registered:
        return None
    if dialogue.selection is not selection or (dialogue.lot_quotas or {}) != quotas:
        return "selection", str(_l("People have already registered: how seats are given can no longer change."))
    if not uses_lot(dialogue):
        return None
    if capacity != dialogue.capacity:
        return "capacity", str(_l("People have registered for the draw: the number of seats can no longer change."))
    def minute(moment: dt.datetime) -> dt.datetime:  # the form says minutes: the same minute is no change
        return moment.replace(second=0, microsecond=0)

    closed = dialogue.registration_closes_at <= now
    if closed and minute(registration_closes_at) != minute(dialogue.registration_closes_at):
        return "registration_closes_at", str(_l(
            "Registration for the draw has closed: its closing time can no longer change."))
    return None


def draw_refusal(dialogue: Dialogue, now: dt.datetime, *, already_drawn: bool) -> str | None:
    """Why the lots cannot be drawn now, or None. Only for a published dialogue that selects by lot,
    after registration has closed (so the candidate list is final) and before it starts, and once."""
    if not uses_lot(dialogue):
        return str(_l("This dialogue does not select its participants by lot."))
    if already_drawn:
        return str(_l("The lots for this dialogue have already been drawn."))
    if dialogue.status is not D.PUBLISHED:
        return str(_l("Lots can only be drawn for a published dialogue."))
    if now < dialogue.registration_closes_at:
        return str(_l("Lots are drawn after registration has closed."))
    if dialogue.starts_at <= now:
        return str(_l("The dialogue has started: it is too late to draw lots."))
    return None


# --- a registration ------------------------------------------------------------------------

# A candidate (waiting for the draw) is as registered as anyone: can cancel, give input, is mailed.
ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.CANDIDATE)


def is_active(registration: Registration | None) -> bool:
    return registration is not None and registration.status in ACTIVE


def is_confirmed(registration: Registration | None) -> bool:
    return registration is not None and registration.status is RegistrationStatus.CONFIRMED


def is_waitlisted(registration: Registration | None) -> bool:
    return registration is not None and registration.status is RegistrationStatus.WAITLISTED


def is_candidate(registration: Registration | None) -> bool:
    return registration is not None and registration.status is RegistrationStatus.CANDIDATE


def is_published(dialogue: Dialogue) -> bool:
    return dialogue.status is D.PUBLISHED


TEMPLATE_GUARDS = {"dialogue_is_cancelled": is_cancelled, "dialogue_is_editable": is_editable,
                   "dialogue_is_published": is_published, "registration_is_active": is_active,
                   "registration_is_confirmed": is_confirmed, "registration_is_waitlisted": is_waitlisted,
                   "registration_is_candidate": is_candidate, "dialogue_uses_lot": uses_lot}
