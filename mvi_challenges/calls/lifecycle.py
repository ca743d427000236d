"""The life of a call: its states and the moves between them, with the guard of each move.

    draft ──publish──▶ published ──close──▶ closed ──▶ decided ──▶ archived
      └──cancel──▶ cancelled ◀──cancel──┘      published ──▶ decided

"decided" follows from the procedure, not from a button: it is reached when the decisions of the
call's last phase are published (for a call that staff closed: of the phase that ran), in
evaluation.services.publish_decisions, so the public filter "Besloten" shows exactly the calls
whose outcome is known. `services.transition_call` is the one function that writes
`Call.status`; it asks `refusal` first. Views and templates ask `allowed_targets`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from .models import Call, CallStatus, status_label

C = CallStatus

Guard = Callable[[Call, dt.datetime], "str | None"]


def always(call: Call, now: dt.datetime) -> str | None:
    return None


def last_decisions_published(call: Call, now: dt.datetime) -> str | None:
    """A running call is decided once the decisions of its last phase are public."""
    last = call.phases[-1] if call.phases else None
    if last is None or last.decisions_published_at is None:
        return str(_l("A call is decided when the decisions of its last phase are published."))
    return None


def some_decisions_published(call: Call, now: dt.datetime) -> str | None:
    """A call that staff closed (no later phase will run) is decided once the decisions of a phase
    are public."""
    if not any(phase.decisions_published_at is not None for phase in call.phases):
        return str(_l("A call is decided when the decisions of its last phase are published."))
    return None


MOVES: dict[tuple[CallStatus, CallStatus], Guard] = {
    (C.DRAFT, C.PUBLISHED): always,  # completeness is checked by services.publication_problems
    (C.DRAFT, C.CANCELLED): always,
    (C.PUBLISHED, C.CLOSED): always,
    (C.PUBLISHED, C.CANCELLED): always,
    (C.PUBLISHED, C.DECIDED): last_decisions_published,
    (C.CLOSED, C.DECIDED): some_decisions_published,
    (C.DECIDED, C.ARCHIVED): always,
}


def refusal(call: Call, target: CallStatus, now: dt.datetime) -> str | None:
    """Why the call cannot move to `target` now (None when it can)."""
    guard = MOVES.get((call.status, target))
    if guard is None:
        return str(_l("This call cannot go from %(old)s to %(new)s.", old=status_label(call.status),
                      new=status_label(target)))
    return guard(call, now)


def allowed_targets(call: Call, now: dt.datetime) -> frozenset[CallStatus]:
    """The moves a staff member can make now (the manage page offers these)."""
    return frozenset(target for (source, target), guard in MOVES.items()
                     if source is call.status and guard(call, now) is None)


# --- guards for pages (templates ask these instead of comparing status strings) -----------


def is_draft(call: Call) -> bool:
    return call.status is C.DRAFT


def is_running(call: Call) -> bool:
    """Published and not closed, decided or cancelled: its phases' deadlines count."""
    return call.status is C.PUBLISHED


def is_closed(call: Call) -> bool:
    return call.status is C.CLOSED


def is_cancelled(call: Call) -> bool:
    return call.status is C.CANCELLED


def may_add_phase(call: Call) -> bool:
    return call.status in (C.DRAFT, C.PUBLISHED)


def clarification_note_refusal(call: Call, now: dt.datetime) -> str | None:
    """Why no clarification note (nota van inlichtingen) can be issued now, or None.

    Only while the call runs and a deadline is still ahead: a note may answer questions and change
    the call, and applicants must be able to use it before they submit. After the last deadline the
    proposals are sealed and were written under the terms as they stood; changing those terms then
    would treat applicants unequally (a change after the deadline means cancelling the call or a new
    one). A closed, decided, cancelled or draft call therefore gets no new note.
    """
    if call.status is not C.PUBLISHED:
        return str(_l("A clarification note can only be issued while the call is published."))
    if call.next_deadline(now) is None:
        return str(_l("The last deadline of this call has passed: no clarification note can be issued any more."))
    return None


TEMPLATE_GUARDS = {"call_is_draft": is_draft, "call_is_running": is_running, "call_is_closed": is_closed,
                   "call_is_cancelled": is_cancelled, "call_may_add_phase": may_add_phase}
