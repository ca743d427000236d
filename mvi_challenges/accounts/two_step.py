"""Two-step verification: a password and a code from an authenticator app (TOTP, RFC 6238).

Required for staff, jury members and administrators: they can read unpublished proposals and
change outcomes. Everyone else may switch it on. Recovery codes (hashed, one use each) cover a
lost phone.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import audit
from ..core.errors import DomainError
from .models import RecoveryCode, Role, User

TWO_STEP_ROLES = frozenset({Role.STAFF, Role.JURY, Role.ADMIN})
ISSUER = "MVI Challenges Utrecht"
RECOVERY_CODES = 10
STEP_SECONDS = 30


# The demo's staff, jury and admin accounts share this published secret, so the demo shows the real
# second step without a phone: in demo mode (`make run`) the code page shows their current code.
DEMO_SECRET = "MVIDEMOUTRECHTMVIDEMOUTRECHT2345"  # noqa: S105 - demo data only, never in production


def is_required_for(user: User, enforced: bool) -> bool:
    return enforced and bool(user.roles & TWO_STEP_ROLES)


def needs_second_step(user: User, enforced: bool) -> bool:
    """Whether a session of this person counts only after the second step: they switched it on, or
    their role requires it (then they must enrol first)."""
    return user.has_two_step or is_required_for(user, enforced)


def new_secret() -> str:
    return pyotp.random_base32()


def setup_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(secret: str, email: str, title: str) -> Markup:
    """The enrolment QR code as inline SVG (no script, no external image), with a title."""
    svg = segno.make(setup_uri(secret, email), error="m").svg_inline(scale=5, title=title, svgclass="qr-code")
    return Markup(svg)  # noqa: S704 - segno's own SVG; the only text in it is our escaped title


def grouped(secret: str) -> str:
    """The secret as people type it into an app: groups of four."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step the code belongs to, allowing one step of clock drift either way."""
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _digits(code: str) -> str:
    return re.sub(r"\s+", "", code or "")


def confirm_setup(session: Session, user: User, secret: str, code: str, now: dt.datetime,
                  current_code: str = "") -> list[str]:
    """Switch two-step verification on once the app shows a right code; returns recovery codes to
    show once. Replacing an app that is set up needs a code of that app (or a recovery code) first,
    so a hijacked session cannot swap it. Side effects: audit `user.two_step_enabled` (or
    `user.two_step_replaced`, with a mail to the owner)."""
    from ..core.outbox import queue_user_email

    replacing = user.has_two_step
    if replacing and not verify(session, user, current_code, now):
        raise DomainError(_l("Type a code from the app you use now, or one of your recovery codes: only then can "
                             "two-step verification move to another app."), field="current_code")
    step = _matching_step(secret, _digits(code), now)
    if step is None:
        raise DomainError(_l("That code is not right. Type the 6 digits your app shows now."), field="code")
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = secret, now, step
    codes = new_recovery_codes(session, user)
    audit.record(session, user, "user.two_step_replaced" if replacing else "user.two_step_enabled", user)
    if replacing:
        queue_user_email(session, user, "two_step_replaced")
    return codes


def new_recovery_codes(session: Session, user: User) -> list[str]:
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=generate_password_hash(code)) for code in codes)
    return codes


def verify(session: Session, user: User, code: str, now: dt.datetime) -> bool:
    """A fresh authenticator code (never one already used) or an unused recovery code.

    Side effects: the step or recovery code is used up; a recovery code is audited."""
    typed = _digits(code)
    if not user.totp_secret or not typed:
        return False
    if typed.isdigit():
        step = _matching_step(user.totp_secret, typed, now)
        return step is not None and use_step(session, user, step)
    for recovery in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                               RecoveryCode.used_at.is_(None))):
        if check_password_hash(recovery.code_hash, typed.lower()):
            # The same compare-and-set: of two logins with one recovery code, one wins.
            taken = session.execute(update(RecoveryCode).where(RecoveryCode.id == recovery.id,
                                                               RecoveryCode.used_at.is_(None))
                                    .values(used_at=now).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                return False
            set_committed_value(recovery, "used_at", now)
            audit.record(session, user, "user.recovery_code_used", user)
            return True
    return False


def use_step(session: Session, user: User, step: int) -> bool:
    """Use up a time step: an atomic compare-and-set in the database (`UPDATE … WHERE last_step <
    step` must touch the row), so one code opens one session, even when several requests carry it
    at the same moment to different servers. Reading, comparing and writing in Python would let
    them all pass the comparison before any of them wrote."""
    done = session.execute(update(User).where(User.id == user.id, User.totp_last_step < step)
                           .values(totp_last_step=step).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def enrol_demo_account(user: User, now: dt.datetime) -> None:
    user.totp_secret, user.totp_confirmed_at = DEMO_SECRET, now


def demo_code(user: User, demo_mode: bool, now: dt.datetime) -> str | None:
    """The code a demo account may use now (the next step when this one was just used), in demo
    mode only."""
    if not demo_mode or user.totp_secret != DEMO_SECRET:
        return None
    current = int(now.timestamp()) // STEP_SECONDS
    step = current if current > user.totp_last_step else current + 1
    return pyotp.TOTP(DEMO_SECRET).at(step * STEP_SECONDS)


def unused_recovery_codes(session: Session, user: User) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())
