"""Procedure kinds as sequences of stages: the one table that says which stages each kind of call
has, in what order, and what a stage of each type carries.

Every kind of call is a row of `Call` with rows of ONE model of stages (`Phase`), each with a
`StageType`; nothing is copied per kind. Admission works the same for all kinds: stage n+1 admits
only the owners of proposals that were *advanced* in stage n by a published decision
(proposals.lifecycle.can_advance, the one home of that rule). What "advanced" is called depends on
the stage: shortlisted (a challenge's round), selected as partner (selection), go (R&D stage).

    kind               stages (in order)                             count
    challenge          phase                                         1
    sbir               phase, phase[, phase]                         2–3
    partnership        selection, rnd[, rnd …], purchase             3–6
    staged_challenge   round[, round …], pitch                       2–5

Pure rules: no session, no clock, no request.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .models import Call, CallKind, Phase, StageType

T = StageType


@dataclass(frozen=True)
class KindRule:
    first: tuple[StageType, ...]  # types the first stage may have
    middle: tuple[StageType, ...]  # types of the stages between first and last
    last: tuple[StageType, ...]  # types the last stage must have (when there is more than one)
    min_stages: int
    max_stages: int


KIND_RULES: dict[CallKind, KindRule] = {
    CallKind.CHALLENGE: KindRule((T.PHASE,), (), (T.PHASE,), 1, 1),
    CallKind.SBIR: KindRule((T.PHASE,), (T.PHASE,), (T.PHASE,), 2, 3),
    CallKind.PARTNERSHIP: KindRule((T.SELECTION,), (T.RND,), (T.PURCHASE,), 3, 6),
    CallKind.STAGED_CHALLENGE: KindRule((T.ROUND,), (T.ROUND,), (T.PITCH,), 2, 5),
}

KIND_LABELS = {
    CallKind.CHALLENGE: _l("Challenge"),
    CallKind.SBIR: _l("SBIR call"),
    CallKind.PARTNERSHIP: _l("Innovation partnership"),
    CallKind.STAGED_CHALLENGE: _l("Challenge in rounds"),
}

STAGE_LABELS = {
    T.PHASE: _l("Phase"),
    T.SELECTION: _l("Selection of partners"),
    T.RND: _l("Research and development"),
    T.PURCHASE: _l("Purchase of the result"),
    T.ROUND: _l("Round"),
    T.PITCH: _l("Pitch"),
}

# What "advanced to the next stage" and "not advanced" are called for a decision in a stage.
ADVANCE_LABELS = {
    T.PHASE: _l("advanced to the next phase"),
    T.SELECTION: _l("selected as partner"),
    T.RND: _l("go: on to the next stage"),
    T.ROUND: _l("shortlisted for the next round"),
}
STOP_LABELS = {T.RND: _l("no-go: the partnership ends here")}


def kind_label(kind: CallKind | str) -> str:
    return str(KIND_LABELS[CallKind(kind)])


def stage_label(stage_type: StageType | str) -> str:
    return str(STAGE_LABELS[StageType(stage_type)])


def allowed_stage_types(call: Call, number: int) -> tuple[StageType, ...]:
    """The types stage `number` (1-based) of `call` may have. A later stage may still be added, so a
    stage after the first may be a middle one or the last one."""
    rule = KIND_RULES[call.kind]
    if number == 1:
        return rule.first
    if number >= rule.max_stages:
        return rule.last
    return tuple(dict.fromkeys((*rule.middle, *rule.last)))


def default_stage_type(call: Call, number: int) -> StageType:
    return allowed_stage_types(call, number)[0]


def stage_type_problem(call: Call, number: int, stage_type: StageType) -> str | None:
    """Why stage `number` cannot have `stage_type`, or None."""
    rule = KIND_RULES[call.kind]
    if number > rule.max_stages:
        return str(_l("A call of this kind has at most %(n)d stages.", n=rule.max_stages))
    if stage_type not in allowed_stage_types(call, number):
        return str(_l("Stage %(n)d of a call of this kind cannot be of this type.", n=number))
    later = [p for p in call.phases if p.number > number]
    if later and stage_type in rule.last and stage_type not in rule.middle:
        return str(_l("This type can only be the last stage."))
    return None


def sequence_problems(call: Call) -> list[str]:
    """What is wrong with the call's stages as a whole (asked before publication)."""
    rule = KIND_RULES[call.kind]
    count = len(call.phases)
    if not rule.min_stages <= count <= rule.max_stages:
        if rule.min_stages == rule.max_stages:
            return [str(_l("A call of this kind needs exactly %(n)d stage(s).", n=rule.min_stages))]
        return [str(_l("A call of this kind needs %(min)d to %(max)d stages.", min=rule.min_stages,
                       max=rule.max_stages))]
    problems: list[str] = []
    for index, phase in enumerate(call.phases):
        if index == 0:
            expected = rule.first
        elif index == count - 1:
            expected = rule.last
        else:
            expected = rule.middle
        if phase.stage_type not in expected:
            problems.append(str(_l("Stage %(n)d has the wrong type for this kind of call: expected %(types)s.",
                                   n=phase.number, types=", ".join(stage_label(t) for t in expected))))
    if call.kind is CallKind.STAGED_CHALLENGE and call.phases and not call.phases[-1].prizes_cents:
        problems.append(str(_l("Give the pitch stage at least one prize (the prize for the first place).")))
    if call.kind is CallKind.PARTNERSHIP:
        problems.extend(str(_l("R&D stage %(n)d has no targets: say what a partner must reach for a go.",
                               n=p.number)) for p in call.phases if p.stage_type is T.RND and not p.targets.strip())
    return problems


def has_prizes(phase: Phase) -> bool:
    return bool(phase.prizes_cents)


def prize_for(phase: Phase, place: int | None) -> int | None:
    """The prize in cents for `place` in `phase`, or None when the place has no prize."""
    if place is None or not 1 <= place <= len(phase.prizes_cents):
        return None
    return phase.prizes_cents[place - 1]


def is_staged(call: Call) -> bool:
    """The new kinds whose stages have their own types (innovation partnership, staged challenge)."""
    return call.kind in (CallKind.PARTNERSHIP, CallKind.STAGED_CHALLENGE)


def winners_stage(call: Call) -> Phase | None:
    """The stage whose awarded proposals are the call's winners: the pitch of a staged challenge."""
    if call.kind is not CallKind.STAGED_CHALLENGE or not call.phases:
        return None
    last = call.phases[-1]
    return last if last.stage_type is T.PITCH else None


def winners_public(call: Call) -> bool:
    """The winners page exists for the public only once the decisions of the pitch are published."""
    stage = winners_stage(call)
    return call.is_public and stage is not None and stage.decisions_published_at is not None


def is_pitch(phase: Phase) -> bool:
    return phase.stage_type is T.PITCH


def is_selection(phase: Phase) -> bool:
    return phase.stage_type is T.SELECTION


TEMPLATE_FUNCTIONS = {
    "stage_is_pitch": is_pitch, "stage_is_selection": is_selection, "call_kind_label": kind_label,
    "stage_label": stage_label, "stage_prize_for": prize_for, "call_is_staged": is_staged,
    "call_winners_public": winners_public,
}
