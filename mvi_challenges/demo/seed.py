"""Fictional demo data from BRIEF.md, with dates relative to today so the demo stays alive.

Everything goes through the domain services, so the demo obeys the same rules as real use.
Running it twice adds nothing the second time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..accounts.services import find_user_by_email
from ..api.releases import backfill as backfill_releases
from ..catalogue.services import seed_catalogue
from .calls import seed_calls
from .consortia import seed_consortia
from .consultations import seed_consultations
from .criteria import seed_call_criteria, seed_library
from .dialogues import seed_dialogues, seed_lot_dialogue
from .evaluation import seed_evaluation
from .monitoring import seed_monitoring
from .people import DEMO_PASSWORD, seed_users
from .pipeline import seed_pipeline
from .proposals import seed_clarification_note, seed_proposals_and_questions


def seed_demo(session: Session) -> str:
    seed_catalogue(session)
    users = seed_users(session)
    session.flush()
    owner = find_user_by_email(session, "inkoper@demo.mvi.example")
    # Calls made before the library existed keep their declared level (criteria/lifecycle.py), so
    # they are seeded first; the others pick their library criteria before they are published.
    calls = seed_calls(session, owner, with_library=False)
    library = seed_library(session)
    calls += seed_calls(session, owner, with_library=True)
    session.flush()
    seed_call_criteria(session, owner)  # a database seeded before the library existed
    proposals = seed_proposals_and_questions(session)
    notes = seed_clarification_note(session)
    from flask import current_app

    # Before the jury reads the proposals. Not counted in the report line: its wording is relied on.
    seed_consortia(session, current_app.config["SECRET_KEY"])
    dialogues = seed_dialogues(session, owner) + seed_lot_dialogue(session, owner)
    seed_consultations(session, owner)  # not in the message: its wording is what scripts and tests read
    juries = seed_evaluation(session, owner)
    tenders = seed_monitoring(session, owner)
    plans = seed_pipeline(session, owner)
    backfill_releases(session)  # the services wrote most; any call the demo set up directly gets its own too
    return (f"demo data: {len(users)} users, {len(calls)} calls, {proposals} proposals, {notes} clarification notes, "
            f"{dialogues} dialogues, "
            f"{juries} juries and {tenders} external tenders added, with {library} library criteria, "
            f"{plans} planned purchases "
            f"(demo password for every demo user: {DEMO_PASSWORD})")
