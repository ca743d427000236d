"""The jury's ranking is kept until something it shows changes: every such change must give the
phase a new fingerprint (else a chair would be shown a stale ranking), and nothing else may."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import CallKind, Phase
from mvi_challenges.core.db import db
from mvi_challenges.evaluation import services as evaluation
from mvi_challenges.evaluation.models import JuryMember, Outcome
from mvi_challenges.proposals import services as proposals
from mvi_challenges.proposals.models import Proposal

from ..factories import close_phase, make_call, make_proposal, make_user


def test_every_change_the_results_show_gives_a_new_fingerprint(app: Flask, catalogue) -> None:
    call = make_call(app, kind=CallKind.SBIR)
    owners = [make_user(app, Role.ENTREPRENEUR, organisation_name=f"Bedrijf {n}") for n in range(3)]
    made = [make_proposal(app, owner, call, submit=True, title=f"Plan {n}") for n, owner in enumerate(owners)]
    close_phase(app, call)
    chair_user, juror_user = make_user(app, Role.JURY), make_user(app, Role.JURY, name="Joris Jurylid")
    with app.app_context():
        session = db.session
        phase = session.scalar(select(Phase).where(Phase.call_id == call.id, Phase.number == 1))
        staff = session.get(User, make_user(app, Role.STAFF).id)
        first, second, third = (session.get(Proposal, p.id) for p in made)
        seen: list[str] = []

        def changed(what: str) -> None:
            session.flush()
            session.expire_all()  # what another request would read
            fingerprint = evaluation.results_fingerprint(session, session.get(Phase, phase.id))
            # (withdrawing a conflict may return to an earlier state, and so to its fingerprint)
            assert not seen or fingerprint != seen[-1], f"{what} left the fingerprint as it was"
            seen.append(fingerprint)

        def unchanged(what: str) -> None:
            session.flush()
            session.expire_all()
            assert evaluation.results_fingerprint(session, session.get(Phase, phase.id)) == seen[-1], what

        changed("the start")
        unchanged("nothing happened")
        chair = evaluation.assign_member(session, staff, phase, email=chair_user.email, name="", is_chair=True,
                                         secret_key="k")
        changed("a member added")
        juror = evaluation.assign_member(session, staff, phase, email=juror_user.email, name="", is_chair=False,
                                         secret_key="k")
        changed("a second member added")
        evaluation.save_settings(session, staff, phase, blind_review=True, threshold=4)
        changed("the disagreement threshold")
        for proposal in (first, second, third):
            evaluation.declare(session, chair_user, chair, proposal, has_conflict=False, reason="")
        unchanged("declarations without a conflict change no count")
        evaluation.declare(session, juror_user, juror, third, has_conflict=True, reason="Oud-collega")
        changed("a conflict declared")
        declared = evaluation.member_declaration(session, juror, third)
        evaluation.lift_conflict(session, staff, declared, "Verkeerd aangeklikt")
        changed("a conflict lifted by staff")
        evaluation.declare(session, juror_user, juror, second, has_conflict=True, reason="Familie")
        changed("a conflict declared on another proposal")
        now = dt.datetime.now(dt.UTC)
        scores = {c.id: evaluation.ScoreInput(7, "Goed") for c in phase.criteria}
        evaluation.save_sheet(session, chair_user, chair, first, scores, finalise=False, now=now)
        unchanged("a draft sheet counts nowhere")
        evaluation.save_sheet(session, chair_user, chair, first, scores, finalise=True, now=now)
        changed("a sheet finalised")
        evaluation.declare(session, juror_user, juror, first, has_conflict=False, reason="")
        evaluation.save_sheet(session, juror_user, juror, first, scores, finalise=True, now=now)
        changed("the last sheet finalised")
        criterion = phase.criteria[0]
        evaluation.record_consensus(session, chair_user, first, criterion.id, 6, "Besproken")
        changed("a consensus score")
        evaluation.record_consensus(session, chair_user, first, criterion.id, 5, "Opnieuw besproken")
        changed("a consensus score changed")
        phase.closes_at = now - dt.timedelta(minutes=5)
        evaluation.decide(session, staff, first, Outcome.AWARDED, "Sterk")
        changed("a decision")
        evaluation.decide(session, staff, first, Outcome.NOT_AWARDED, "Toch niet")
        changed("a decision changed")
        criterion.weight += 1
        changed("a criterion's weight")
        session.get(User, juror_user.id).name = "Joris J. Jurylid"
        changed("a member's name")
        session.delete(session.get(JuryMember, juror.id))  # (the service refuses once they have scored)
        changed("a member removed")
        phase.closes_at = now + dt.timedelta(days=1)
        proposals.withdraw(session, session.get(User, owners[2].id), third, now)
        changed("a proposal withdrawn")
        session.rollback()


def test_the_ranking_shows_a_newly_final_sheet_at_once(app: Flask, catalogue) -> None:
    from .test_evaluation import _client, _scores, _setup

    world = _setup(app)
    chair = _client(app, world.chair)
    base = f"/jury/phases/{world.phase_id}"
    chair.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    assert "0 of 2 sheets final" in chair.get(f"{base}/results").get_data(as_text=True)
    chair.post(f"{base}/proposals/{world.proposals[0].id}", data=_scores(world.criteria, [9, 6]))
    assert "1 of 2 sheets final" in chair.get(f"{base}/results").get_data(as_text=True)


def test_editing_a_published_phase_keeps_the_jurys_scores(app: Flask, catalogue) -> None:
    """Saving a closed phase (its criteria re-ordered) must not delete what the jury scored against the
    criteria; its weights and deadline stay (tests/security/test_attack_reweighting.py,
    tests/calls/test_services.py)."""
    import pytest

    from mvi_challenges.calls.services import CriterionInput, save_phase
    from mvi_challenges.core.errors import DomainError
    from mvi_challenges.evaluation.models import Score

    call = make_call(app, kind=CallKind.SBIR)
    owner = make_user(app, Role.ENTREPRENEUR, organisation_name="Bedrijf A")
    made = make_proposal(app, owner, call, submit=True)
    close_phase(app, call)
    chair_user = make_user(app, Role.JURY)
    with app.app_context():
        session = db.session
        phase = session.scalar(select(Phase).where(Phase.call_id == call.id, Phase.number == 1))
        proposal = session.get(Proposal, made.id)
        chair = evaluation.assign_member(session, None, phase, email=chair_user.email, name="", is_chair=True,
                                         secret_key="k")
        evaluation.declare(session, None, chair, proposal, has_conflict=False, reason="")
        evaluation.save_sheet(session, None, chair, proposal,
                              {c.id: evaluation.ScoreInput(7, "Goed") for c in phase.criteria},
                              finalise=True, now=dt.datetime.now(dt.UTC))
        evaluation.record_consensus(session, chair_user, proposal, phase.criteria[0].id, 6, "Besproken")
        session.commit()
        names = [c.name for c in phase.criteria]
        ids = [c.id for c in phase.criteria]
        kept = [CriterionInput(c.name, c.weight, c.description, c.knockout_minimum) for c in phase.criteria]

        def save(criteria: list[CriterionInput], scale: int | None = None) -> None:
            save_phase(session, None, call_obj, phase, title=phase.title, opens_at=phase.opens_at,
                       closes_at=phase.closes_at, budget_cents=phase.budget_cents, max_awards=phase.max_awards,
                       score_scale_max=scale or phase.score_scale_max, criteria=criteria)

        call_obj = phase.call
        save(kept[::-1])  # re-ordered
        session.commit()
        assert [c.id for c in phase.criteria] == ids[::-1]
        assert len(session.scalars(select(Score)).all()) == len(ids)
        assert len(evaluation.consensus_scores(session, phase)) == 1
        for changed in ([CriterionInput(names[1], 50), CriterionInput(names[0], 50)],  # re-weighted
                        [CriterionInput(names[0], 100)],  # one dropped
                        [*kept[:1], CriterionInput(names[1], 20), CriterionInput("Nieuw", 20)]):  # one added
            with pytest.raises(DomainError) as refused:
                save(changed)
            assert refused.value.field == "criteria"
            session.rollback()
        with pytest.raises(DomainError) as rescaled:
            save(kept, scale=5)
        assert rescaled.value.field == "score_scale_max"
        session.rollback()
        phase.decisions_published_at = dt.datetime.now(dt.UTC)
        session.commit()
        save(kept)  # the phase as it is, saved again, is fine
        session.commit()
        assert len(session.scalars(select(Score)).all()) == len(ids)
