"""The demo's consortia: an SBIR proposal by an SME with a knowledge institute, and an open invitation.

- "Koele daken met sensoren" (Hittestress Overvecht, phase 1): Groene Logistiek Utrecht BV leads,
  the fictional Kennisinstituut Stadsklimaat Utrecht confirmed its part (measurements and validation,
  €12,000 of €40,000) while the phase was open; the proposal was submitted again with its partner.
- "Elektrische bouwbus" (the open logistics challenge, a draft): Koele Wijk Start-up has invited
  Groene Logistiek Utrecht BV; the invitation waits for an answer (log in as ondernemer@… and open
  the link in the outbox, or see the lead's consortium page as startup@…).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.services import create_user, find_user_by_email
from ..calls.models import Call
from ..core.timezones import now_utc
from .people import DEMO_PASSWORD, _organisation

INSTITUTE = ("kennis@demo.mvi.example", "Karin Kennis", "Kennisinstituut Stadsklimaat Utrecht", "30276543")


def seed_consortia(session: Session, secret_key: str) -> int:
    """Returns how many consortium partners were added (0 when the demo has them already)."""
    from ..accounts.models import Role
    from ..proposals import services
    from ..proposals.models import ConsortiumPartner, Proposal

    if session.scalar(select(ConsortiumPartner.id).limit(1)) is not None:
        return 0
    email, name, organisation_name, kvk = INSTITUTE
    researcher = find_user_by_email(session, email) or create_user(
        session, email=email, password=DEMO_PASSWORD, name=name, roles=(Role.ENTREPRENEUR,),
        organisation=_organisation(session, organisation_name, kvk))
    olga = find_user_by_email(session, "ondernemer@demo.mvi.example")
    sam = find_user_by_email(session, "startup@demo.mvi.example")
    session.flush()
    added = 0
    heat = session.scalar(select(Call).where(Call.title == "Hittestress Overvecht"))
    roofs = session.scalar(select(Proposal).where(Proposal.call_id == heat.id,
                                                  Proposal.title == "Koele daken met sensoren"))
    if roofs is not None:
        # Written while phase 1 was open, a day after the first submission.
        moment = roofs.submitted_at + dt.timedelta(days=1)
        invitation = services.invite_partner(
            session, olga, roofs, email=researcher.email, kvk_number=kvk,
            role="Kennisinstelling: temperatuurmetingen en validatie", share_cents=1_200_000, now=moment,
            secret_key=secret_key)
        services.answer_invitation(session, researcher, invitation, accept=True, now=moment)
        roofs.body_source += ("\n\n## Consortium\nHet Kennisinstituut Stadsklimaat Utrecht meet de temperatuur "
                              "op en onder de daken en valideert het effect.")
        services.save_draft(session, olga, roofs, title=roofs.title, summary=roofs.summary,
                            body_source=roofs.body_source, requested_budget_cents=roofs.requested_budget_cents,
                            now=moment)
        services.submit(session, olga, roofs, moment)
        added += 1
    logistics = session.scalar(select(Call).where(Call.title == "Zero-emissie bouwlogistiek binnenstad"))
    bus = session.scalar(select(Proposal).where(Proposal.call_id == logistics.id,
                                                Proposal.title == "Elektrische bouwbus"))
    if bus is not None and logistics.phases[0].is_open(now_utc()):
        services.invite_partner(session, sam, bus, email=olga.email, kvk_number=olga.organisation.kvk_number,
                                role="Laadhub en planning van de ritten", share_cents=300_000, now=now_utc(),
                                secret_key=secret_key)
        added += 1
    return added
