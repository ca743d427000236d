"""Account rules: registration, organisations, authentication, profile and roles."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..db import utcnow
from ..errors import DomainError
from ..outbox import queue_email
from .models import Organisation, Role, User, UserRole

KVK_PATTERN = re.compile(r"^\d{8}$")
MIN_PASSWORD_LENGTH = 10
SELF_SERVICE_ROLES = (Role.CITIZEN, Role.ENTREPRENEUR)
# Computed once so that a login with an unknown address costs as much as one with a known one.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_kvk(raw: str) -> str:
    """Accept '1234 5678' or '1234-5678' as people write it; store the 8 digits."""
    return re.sub(r"[\s.-]", "", raw or "")


def validate_kvk(kvk: str) -> str:
    kvk = normalise_kvk(kvk)
    if not KVK_PATTERN.match(kvk):
        raise DomainError(_l("A KvK number has exactly 8 digits."), field="kvk_number")
    return kvk


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("Choose a password of at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def find_organisation_by_kvk(session: Session, kvk: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.kvk_number == kvk))


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    roles: tuple[Role, ...] = (Role.CITIZEN,),
    locale: str = "nl",
    organisation: Organisation | None = None,
    actor: User | None = None,
) -> User:
    """Create a user with the given roles. Side effects: audit `user.created`."""
    email = normalise_email(email)
    validate_password(password)
    if find_user_by_email(session, email) is not None:
        raise DomainError(_l("An account with this email address already exists."), field="email")
    user = User(
        email=email,
        password_hash=generate_password_hash(password),
        name=name.strip(),
        locale=locale,
        organisation=organisation,
    )
    user.role_rows = [UserRole(role=role) for role in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    audit.record(session, actor or user, "user.created", user, {"roles": [r.value for r in roles]})
    return user


def register(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    account_type: Role,
    locale: str,
    organisation_name: str = "",
    kvk_number: str = "",
) -> User:
    """Self-registration as citizen or entrepreneur.

    An entrepreneur names an organisation by KvK number: a new number creates the organisation,
    a known number joins it (side effect: audit `organisation.joined`). Also queues a welcome mail.
    """
    if account_type not in SELF_SERVICE_ROLES:
        raise DomainError(_l("Choose citizen or entrepreneur."), field="account_type")
    organisation = None
    if account_type is Role.ENTREPRENEUR:
        organisation = _organisation_for_registration(session, organisation_name, kvk_number)
    user = create_user(
        session,
        email=email,
        password=password,
        name=name,
        roles=(account_type,),
        locale=locale,
        organisation=organisation,
    )
    if organisation is not None and organisation.id is not None and len(organisation.members) > 1:
        audit.record(session, user, "organisation.joined", organisation)
    queue_email(
        session,
        user.email,
        str(_l("Welcome to MVI Challenges")),
        str(_l("Hello %(name)s,\n\nYour account has been created. You can now log in.", name=user.name)),
    )
    return user


def _organisation_for_registration(session: Session, name: str, kvk_raw: str) -> Organisation:
    kvk = validate_kvk(kvk_raw)
    existing = find_organisation_by_kvk(session, kvk)
    if existing is not None:
        return existing
    if not name.strip():
        raise DomainError(_l("Enter the name of your organisation."), field="organisation_name")
    organisation = Organisation(name=name.strip(), kvk_number=kvk)
    session.add(organisation)
    session.flush()
    return organisation


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user for these credentials, or None. Blocked users never authenticate."""
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or user.blocked:
        return None
    user.last_login_at = utcnow()
    audit.record(session, user, "user.login", user)
    return user


def update_profile(session: Session, user: User, *, name: str, locale: str) -> None:
    user.name = name.strip()
    user.locale = locale
    audit.record(session, user, "user.profile_updated", user)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Side effects: every existing session of this user ends (auth_version bump); audit."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_l("Your current password is not correct."), field="current_password")
    validate_password(new)
    user.password_hash = generate_password_hash(new)
    user.auth_version += 1
    audit.record(session, user, "user.password_changed", user)


def grant_role(session: Session, actor: User, user: User, role: Role) -> None:
    if role in user.roles:
        return
    user.role_rows.append(UserRole(role=role))
    audit.record(session, actor, "user.role_granted", user, {"role": role.value})


def revoke_role(session: Session, actor: User, user: User, role: Role) -> None:
    """Refuses to let an administrator remove their own admin role (no lock-out)."""
    if role is Role.ADMIN and user.id == actor.id:
        raise DomainError(_l("You cannot remove your own administrator role."))
    for row in list(user.role_rows):
        if row.role is role:
            user.role_rows.remove(row)
            audit.record(session, actor, "user.role_revoked", user, {"role": role.value})


def user_page_query(search: str = ""):
    stmt = select(User).order_by(User.name, User.id)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(func.lower(User.name).like(pattern) | User.email.like(pattern))
    return stmt
