"""The life of a call: its states and the moves between them, with the guard of each move.

    draft ──publish──▶ published ──close──▶ closed ──▶ decided ──▶ archived
      └──cancel──▶ cancelled ◀──cancel──┘      published ──▶ decided

"decided" follows from the procedure, not from a button: it is reached when the decisions of the
call's last phase are published (for a call that staff closed: of the phase that ran), in
evaluation.services.publish_decisions, so the public filter "Besloten" shows exactly the calls
whose outcome is known. Publishing a call below its category's target level also waits for the
responsible manager's approval of the explanation (comply or explain, four eyes; see
`explanation_state`). `services.transition_call` is the one function that writes
`Call.status`; it asks `refusal` first. Views and templates ask `allowed_targets`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from .models import Call, CallStatus, Phase, status_label

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


# --- comply or explain: the manager approves the explanation (four eyes) --------------------

# Shorter than this is no sentence a reader can weigh ("Markt te klein." says nothing).
MIN_EXPLANATION_LENGTH = 20
# Texts that promise an explanation instead of giving one; compared without case, dots, dashes or spaces.
PLACEHOLDERS = frozenset({
    "uitlegvolgtnog", "uitlegvolgt", "volgtnog", "volgt", "ntb", "nnb", "nvt", "tbd", "todo", "tba", "later",
    "nogniet", "nognietbekend", "onbekend", "explanationtofollow", "tofollow", "xxx", "",
})


def _bare(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def explanation_problem(text: str) -> str | None:
    """Why `text` is not an explanation that can be published, or None when it is."""
    if not text.strip():
        return str(_l("Explain why the ambition level is below the category's target level."))
    if _bare(text) in PLACEHOLDERS or _bare(text).startswith("uitlegvolgt"):
        return str(_l("Write the explanation itself: a placeholder such as “Uitleg volgt nog” or “n.t.b.” is not "
                      "published."))
    if len(text.strip()) < MIN_EXPLANATION_LENGTH:
        return str(_l("Explain in at least %(n)d characters why the call stays below the target level.",
                      n=MIN_EXPLANATION_LENGTH))
    return None


class ExplanationState(enum.StrEnum):
    NOT_NEEDED = "not-needed"  # at or above the target level
    WAITING = "waiting"  # written, the manager has not decided
    SENT_BACK = "sent-back"  # the manager asked for changes (remark); the writer edits
    APPROVED = "approved"


def explanation_state(call: Call) -> ExplanationState:
    if not call.below_target:
        return ExplanationState.NOT_NEEDED
    # An approval counts only from the call's manager as named now (a new manager decides anew).
    if call.explanation_approved_at is not None and call.explanation_approved_by_id == call.manager_id:
        return ExplanationState.APPROVED
    if call.explanation_remark:
        return ExplanationState.SENT_BACK
    return ExplanationState.WAITING


def explanation_not_approved(call: Call, now: dt.datetime) -> str | None:
    """The publish guard: below the target level the manager's approval comes first."""
    state = explanation_state(call)
    if state in (ExplanationState.NOT_NEEDED, ExplanationState.APPROVED):
        return None
    if call.manager_id is None:
        return str(_l("This call is below its target level: name the responsible manager, who must approve the "
                      "explanation before the call can be published."))
    if state is ExplanationState.SENT_BACK:
        return str(_l("The responsible manager sent the explanation back: change it as asked; the manager then "
                      "approves it before the call can be published."))
    return str(_l("This call is below its target level: the responsible manager must approve the explanation "
                  "before the call can be published."))


def explanation_decision_refusal(call: Call, user: Any) -> str | None:
    """Why `user` cannot approve or send back the explanation now, or None.

    Only the call's named manager decides; and not on an explanation they wrote themselves (four
    eyes: the approval is a second person's judgement, else it is a signature on one's own work).
    """
    if call.manager_id is None or call.manager_id != getattr(user, "id", None):
        return str(_l("Only the responsible manager of this call can approve its explanation."))
    if not call.below_target or not call.level_explanation.strip():
        return str(_l("This call has no explanation to approve."))
    if (problem := explanation_problem(call.level_explanation)) is not None:
        return problem
    if call.explanation_written_by_id == user.id:
        return str(_l("You wrote this explanation yourself: someone else approves it (four-eyes principle). Ask "
                      "a colleague to write it, or name another responsible manager."))
    return None


def explanation_approval_refusal(call: Call, user: Any) -> str | None:
    refusal_ = explanation_decision_refusal(call, user)
    if refusal_ is None and explanation_state(call) is ExplanationState.APPROVED:
        return str(_l("You have already approved this explanation."))
    return refusal_


MOVES: dict[tuple[CallStatus, CallStatus], Guard] = {
    (C.DRAFT, C.PUBLISHED): explanation_not_approved,  # completeness: services.publication_problems
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


def _criterion_terms(name: str, weight: int, knockout_minimum: int | None, description: str) -> tuple:
    return name.strip().lower(), weight, knockout_minimum, " ".join(description.split())


def criteria_refusal(phase: Phase | None, wanted: Sequence[Any], scale_max: int, now: dt.datetime) -> str | None:
    """Why the phase's award criteria cannot become `wanted` now (items with name, weight,
    knockout_minimum and description) on a scale up to `scale_max`, or None.

    Once the phase's deadline has passed they stay exactly as the applicants read them when they
    wrote their proposals: no criterion added, dropped or renamed, no weight, knock-out minimum,
    description or scale changed (their order may; a knock-out minimum means nothing on another
    scale). After the deadline the proposals can be opened and the jury's scores read: a new
    weighting then picks a winner (the same reason no clarification note can change the terms after
    the deadline, `clarification_note_refusal`)."""
    if phase is None or phase.id is None or now < phase.closes_at:
        return None
    if scale_max != phase.score_scale_max:
        return str(_l("The deadline of this phase has passed: the highest score stays %(max)d.",
                      max=phase.score_scale_max))
    current = sorted(_criterion_terms(c.name, c.weight, c.knockout_minimum, c.description or "")
                     for c in phase.criteria)
    changed = sorted(_criterion_terms(c.name, c.weight, c.knockout_minimum, c.description or "") for c in wanted)
    if current != changed:
        return str(_l("The deadline of this phase has passed: its criteria, weights and knock-out minimums stay "
                      "as the applicants read them."))
    return None


def _minute(moment: dt.datetime) -> dt.datetime:
    """The form shows minutes; a deadline set by "close early" has seconds. Same minute = unchanged."""
    return moment.replace(second=0, microsecond=0, tzinfo=None)


def deadline_refusal(phase: Phase | None, closes_at: dt.datetime, now: dt.datetime) -> str | None:
    """Why a published call's phase cannot get the deadline `closes_at` now, or None.

    Applicants plan their work for the published deadline, so after publication it only moves
    later (an extension, which every applicant gains from). Ending a phase sooner is "close early"
    (`services.close_early`), the one way that records the reason, publishes it on the call and
    tells the followers; moving the deadline earlier through the phase form did none of that, and
    an applicant working towards the published date lost days without being told. A procurement
    officer who must shorten a phase closes it early; a shorter deadline at a later date is no
    step of the procedure (it would need a clarification note and the same care, and the grounds
    for it are rare enough to ask for closing early or a new call).
    A deadline that has passed stays where it was: moving it later would reopen submission after
    the proposals were unsealed for the jury; and no deadline is moved into the past.
    """
    if phase is not None and phase.id is not None and phase.closes_at <= now:
        if _minute(closes_at) != _minute(phase.closes_at):
            return str(_l("The deadline of this phase has passed, so it can no longer be moved: the proposals may "
                          "already have been opened."))
        return None
    if closes_at <= now:
        return str(_l("The deadline cannot be moved into the past. To end the phase now, use “Close the open phase "
                      "now”."))
    if phase is not None and phase.id is not None and _minute(closes_at) < _minute(phase.closes_at):
        return str(_l("A published deadline can only be moved later: applicants plan their work for it. To end the "
                      "phase sooner, use “Close the open phase now” where you manage the call: the reason is "
                      "published and followers are told."))
    return None


def opening_refusal(phase: Phase | None, opens_at: dt.datetime, now: dt.datetime) -> str | None:
    """Why a published call's phase cannot get the opening time `opens_at` now, or None.

    Once a phase has opened, its opening time is a fact: moving it later would shut the phase again
    for applicants who are writing (they can change and submit only while it is open), and moving
    it either way would make the record (the call page, the open data, OCDS) say that it opened at
    another moment than it did. An opening that has not come yet may move, but not into the past:
    that would open the phase at once, without anyone announcing it. Same minute = unchanged (the
    form shows minutes), as for the deadline (`deadline_refusal`).
    """
    if phase is not None and phase.id is not None and phase.opens_at <= now:
        if _minute(opens_at) != _minute(phase.opens_at):
            return str(_l("This phase has already opened, so its opening time can no longer be changed."))
        return None
    if opens_at <= now:
        return str(_l("The opening time of a published phase cannot be in the past: the phase would open at once, "
                      "unannounced. Choose a moment that has not come yet."))
    return None


def award_terms_refusal(phase: Phase | None, budget_cents: int, max_awards: int,
                        now: dt.datetime) -> tuple[str, str] | None:
    """Why the phase's budget or number of awards cannot change now, as (field, message), or None.

    Like the criteria (`criteria_refusal`): once the deadline has passed the proposals can be
    opened and the jury's ranking read, and then one more award (or a larger budget) decides who
    wins: the favourite in the next place. How many can win, and for how much, stay as the
    applicants read them when they wrote their proposals. No flow of the procedure needs it: a
    phase that should award more after the deadline is a new call."""
    if phase is None or phase.id is None or now < phase.closes_at:
        return None
    if max_awards != phase.max_awards:
        return "max_awards", str(_l("The deadline of this phase has passed: the number of awards stays %(n)d.",
                                    n=phase.max_awards))
    if budget_cents != phase.budget_cents:
        return "budget", str(_l("The deadline of this phase has passed: its budget stays as the applicants read "
                                "it."))
    return None


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


def early_close_refusal(call: Call, reason: str, now: dt.datetime) -> str | None:
    """Why the call cannot be closed now with `reason`, or None.

    Closing while a phase is open ends it before its published deadline: applicants still writing
    lose the days they planned for. As with cancelling, the reason is required; it is published on
    the call, told to the followers and kept in the audit log, so the early end can be checked
    (closing after every deadline has passed changes nothing for anyone and needs none)."""
    if reason.strip() or not any(phase.is_open(now) for phase in call.phases):
        return None
    return str(_l("Give the reason for closing the phase early; it is published."))


def awaits_my_approval(call: Call, user: Any) -> bool:
    """The manage page and the work list show the approve and send-back buttons when this holds."""
    return explanation_state(call) is ExplanationState.WAITING and explanation_decision_refusal(call, user) is None


TEMPLATE_GUARDS = {"call_explanation_state": explanation_state, "call_awaits_my_approval": awaits_my_approval,
                   "call_is_draft": is_draft, "call_is_running": is_running, "call_is_closed": is_closed,
                   "call_is_cancelled": is_cancelled, "call_may_add_phase": may_add_phase}
