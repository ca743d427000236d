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

from flask_babel import lazy_gettext as _l

from .models import Dialogue, DialogueStatus, Registration, RegistrationStatus

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


# --- a registration ------------------------------------------------------------------------

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


def is_active(registration: Registration | None) -> bool:
    return registration is not None and registration.status in ACTIVE


def is_confirmed(registration: Registration | None) -> bool:
    return registration is not None and registration.status is RegistrationStatus.CONFIRMED


def is_waitlisted(registration: Registration | None) -> bool:
    return registration is not None and registration.status is RegistrationStatus.WAITLISTED


def is_published(dialogue: Dialogue) -> bool:
    return dialogue.status is D.PUBLISHED


TEMPLATE_GUARDS = {"dialogue_is_cancelled": is_cancelled, "dialogue_is_editable": is_editable,
                   "dialogue_is_published": is_published, "registration_is_active": is_active,
                   "registration_is_confirmed": is_confirmed, "registration_is_waitlisted": is_waitlisted}
