"""The demo's proposals and published questions and answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.services import find_user_by_email
from ..calls.models import Call
from ..core.timezones import now_utc


def seed_proposals_and_questions(session: Session) -> int:
    """Proposals in several states and questions, answered and open, on the open demo calls."""
    from ..proposals import services as proposal_services
    from ..proposals.models import Proposal

    logistics = session.scalar(select(Call).where(Call.title == "Zero-emissie bouwlogistiek binnenstad"))
    heat = session.scalar(select(Call).where(Call.title == "Hittestress Overvecht"))
    if session.scalar(select(Proposal.id).where(Proposal.call_id == logistics.id).limit(1)) is not None:
        return 0
    olga = find_user_by_email(session, "ondernemer@demo.mvi.example")
    sam = find_user_by_email(session, "startup@demo.mvi.example")
    staff = find_user_by_email(session, "inkoper@demo.mvi.example")
    now = now_utc()
    plans = (
        (olga, logistics, "Stille vrachtfietshub Lage Weide", 1_500_000, "submit"),
        (sam, logistics, "Elektrische bouwbus", 1_200_000, "draft"),
        (olga, heat, "Koele daken met sensoren", 4_000_000, "submit"),
        (sam, heat, "Schaduwnetten in Overvecht", 3_500_000, "withdraw"),
    )
    count = 0
    for user, call, title, budget, outcome in plans:
        phase = call.phases[0]
        # Proposals on a phase that has closed were written while it was open.
        moment = now if phase.is_open(now) else phase.opens_at + dt.timedelta(days=3)
        proposal = proposal_services.start_proposal(session, user, call, phase, moment)
        proposal_services.save_draft(
            session, user, proposal, title=title, summary=f"{title}: een demo-voorstel.",
            body_source="## Aanpak\nWe beginnen klein en meten het effect.\n\n## Team\nVijf mensen uit Utrecht.",
            requested_budget_cents=budget, now=moment)
        if outcome in ("submit", "withdraw"):
            proposal_services.submit(session, user, proposal, moment)
        if outcome == "withdraw":
            proposal_services.withdraw(session, user, proposal, moment)
        count += 1
    answered = proposal_services.ask_question(session, sam, logistics, "Mag de hub buiten de gemeentegrens liggen?",
                                              now)
    proposal_services.answer_question(session, staff, answered, text=answered.text, answer_source=(
        "Ja, als de laatste kilometers **emissievrij** binnen de gemeente worden gereden."), publish=True, now=now)
    proposal_services.ask_question(session, olga, heat, "Tellen metingen van bewoners mee als data?", now)
    return count


NOTE_CALL = "Zero-emissie bouwlogistiek binnenstad"


def seed_clarification_note(session: Session) -> int:
    """'Nota van inlichtingen 1' on the open logistics call, bundling its published answers, and one
    answer published after it that waits for the next note (issue #18, part 4). Its own check, so a
    database seeded before notes existed gets it too."""
    from ..notices import services as note_services
    from ..notices.models import ClarificationNote
    from ..proposals import services as proposal_services

    call = session.scalar(select(Call).where(Call.title == NOTE_CALL))
    if call is None or session.scalar(select(ClarificationNote.id).where(ClarificationNote.call_id == call.id)
                                      .limit(1)) is not None:
        return 0
    olga = find_user_by_email(session, "ondernemer@demo.mvi.example")
    staff = find_user_by_email(session, "inkoper@demo.mvi.example")
    now = now_utc()
    bundled = proposal_services.ask_question(session, olga, call, "Mogen we samenwerken met een vervoerder?", now)
    proposal_services.answer_question(session, staff, bundled, text=bundled.text, answer_source=(
        "Ja. Vermeld de partner en zijn rol in uw voorstel."), publish=True, now=now)
    note_services.issue_note(session, staff, call, expected_number=note_services.next_number(session, call), now=now,
                             changes_source="- De pilots mogen ook in de wijk **Lombok** plaatsvinden.")
    later = proposal_services.ask_question(session, olga, call, "Telt een hub die al bestaat ook mee?", now)
    proposal_services.answer_question(session, staff, later, text=later.text, answer_source=(
        "Ja, als u laat zien wat er met uw oplossing verandert."), publish=True, now=now)
    return 1
