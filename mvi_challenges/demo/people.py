"""The demo's people: staff, jury members, entrepreneurs with their organisations, residents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import KvkStatus, Organisation, Role, User
from ..accounts.services import create_user, find_user_by_email
from ..accounts.two_step import TWO_STEP_ROLES, enrol_demo_account
from ..core.timezones import now_utc

DEMO_PASSWORD = "demo-wachtwoord"  # noqa: S105 - documented in the README, demo only

DEMO_USERS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("admin@demo.mvi.example", "Anna Admin", (Role.ADMIN, Role.STAFF)),
    ("inkoper@demo.mvi.example", "Ilse Inkoper", (Role.STAFF,)),
    ("jury@demo.mvi.example", "Jan Jurylid", (Role.JURY,)),
    ("ondernemer@demo.mvi.example", "Olga Ondernemer", (Role.ENTREPRENEUR,)),
    ("startup@demo.mvi.example", "Sam Starter", (Role.ENTREPRENEUR,)),
    ("burger@demo.mvi.example", "Bram Burger", (Role.CITIZEN,)),
    ("jury2@demo.mvi.example", "Jet Jurylid", (Role.JURY,)),
)


DEMO_ORGANISATIONS = {
    "ondernemer@demo.mvi.example": ("Groene Logistiek Utrecht BV", "12345678"),
    "startup@demo.mvi.example": ("Koele Wijk Start-up", "87654321"),
}


def _organisation(session: Session, name: str, kvk: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.kvk_number == kvk))
    if organisation is None:
        organisation = Organisation(name=name, kvk_number=kvk, kvk_status=KvkStatus.VERIFIED)  # checked by hand
        session.add(organisation)
    return organisation


def seed_users(session: Session) -> list[str]:
    created = []
    for email, name, roles in DEMO_USERS:
        if find_user_by_email(session, email) is None:
            organisation = _organisation(session, *DEMO_ORGANISATIONS[email]) if email in DEMO_ORGANISATIONS else None
            user = create_user(session, email=email, password=DEMO_PASSWORD, name=name, roles=roles,
                               organisation=organisation)
            if set(roles) & TWO_STEP_ROLES:
                enrol_demo_account(user, now_utc())
            created.append(email)
    return created


def demo_residents(session: Session, count: int) -> list[User]:
    """Many demo residents at once: one password hash shared, so seeding stays quick."""
    from werkzeug.security import generate_password_hash

    from ..accounts.models import UserRole

    password_hash = generate_password_hash(DEMO_PASSWORD)
    residents = []
    for n in range(1, count + 1):
        resident = User(email=f"bewoner{n:02d}@demo.mvi.example", name=f"Bewoner {n}", password_hash=password_hash,
                        email_confirmed_at=now_utc())
        resident.role_rows = [UserRole(role=Role.CITIZEN)]
        session.add(resident)
        residents.append(resident)
    session.flush()
    return residents
