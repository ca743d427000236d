"""The demo's juries: a blind SBIR jury with sheets, a jury waiting for its deadline, published decisions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..accounts.services import find_user_by_email
from ..calls.models import Call
from ..core.timezones import now_utc


def seed_evaluation(session: Session, staff: User) -> int:
    """The demo jury: a blind SBIR phase after its deadline with sheets (one strong disagreement),
    an open challenge whose jury waits for the deadline, and the closed challenge with published
    decisions."""
    from ..evaluation import services as evaluation
    from ..evaluation.models import JuryMember, Outcome

    if session.scalar(select(JuryMember.id).limit(1)) is not None:
        return 0
    from flask import current_app

    secret = current_app.config["SECRET_KEY"]  # both demo members exist, so no invitation is sent
    jan = find_user_by_email(session, "jury@demo.mvi.example")
    jet = find_user_by_email(session, "jury2@demo.mvi.example")
    calls = {c.title: c for c in session.scalars(select(Call))}
    now = now_utc()
    for title, blind in (("Hittestress Overvecht", True), ("Zero-emissie bouwlogistiek binnenstad", False),
                         ("Biodiversiteit Lage Weide", False)):
        phase = calls[title].phases[0]
        sealed = phase.closes_at > now  # an open call's jury waits for the deadline
        evaluation.save_settings(session, staff, phase, blind_review=blind, threshold=3)
        chair = evaluation.assign_member(session, staff, phase, email=jan.email, name="", is_chair=True,
                                         secret_key=secret)
        member = evaluation.assign_member(session, staff, phase, email=jet.email, name="", is_chair=False,
                                          secret_key=secret)
        criteria = phase.criteria
        for rank, proposal in enumerate([] if sealed else evaluation.phase_proposals(session, phase)):
            for juror, user, base in ((chair, jan, [8, 7, 6, 7, 5]), (member, jet, [3, 7, 6, 7, 5])):
                values = [max(0, value - rank) for value in base]  # later proposals score a little lower
                evaluation.declare(session, user, juror, proposal, has_conflict=False, reason="")
                if title == "Hittestress Overvecht" and juror is member:
                    continue  # Jet has not finished this one yet
                inputs = {c.id: evaluation.ScoreInput(values[i % len(values)], "Demo-motivering.")
                          for i, c in enumerate(criteria)}
                evaluation.save_sheet(session, user, juror, proposal, inputs, finalise=True, now=now)
    closed = calls["Biodiversiteit Lage Weide"].phases[0]
    first, second = evaluation.phase_proposals(session, closed)
    evaluation.decide(session, staff, first, Outcome.AWARDED, "Sterke ecologische waarde en veel co-creatie.",
                      now=now)
    evaluation.decide(session, staff, second, Outcome.NOT_AWARDED, "Goed idee, maar weinig effect op biodiversiteit.",
                      now=now)
    # Published four weeks ago: the standstill period is over, so the contract can be shown signed.
    evaluation.publish_decisions(session, staff, closed, now - dt.timedelta(days=28))
    return 3
