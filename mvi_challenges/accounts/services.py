"""Account rules: registration, organisations, authentication, profile and roles."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, delete, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import audit
from ..core.db import UTCDateTime, escape_like, utcnow
from ..core.errors import DomainError
from ..core.outbox import OutboxEmail, queue_email, queue_user_email
from .models import JoinRequest, KnownAddress, KvkStatus, Organisation, Role, User, UserRole

KVK_PATTERN = re.compile(r"^[0-9]{8}$")  # ASCII only: full-width or Arabic-Indic digits are no KvK number
MIN_PASSWORD_LENGTH = 12
SELF_SERVICE_ROLES = (Role.CITIZEN, Role.ENTREPRENEUR)
# Computed once so that a login with an unknown address costs as much as one with a known one.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def one_line(text: str) -> str:
    """Names are one line: a line break in a name would end up in mail headers."""
    return " ".join(text.split())


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


def validate_password(password: str, email: str = "") -> None:
    """At least 12 characters, and not one that attackers try first (NCSC/NIST advice: length
    and a blocklist, no composition rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("Choose a password of at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) <= 2 or (email and folded == email.casefold()):
        raise DomainError(
            _l("This password is too easy to guess: it is on a list of common passwords. Choose another one, "
               "for example four unrelated words."),
            field="password",
        )


@functools.cache
def common_passwords() -> frozenset[str]:
    """Passwords of 12 characters or more that appear in breached-password lists (shipped with us)."""
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


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
    """Create a confirmed user with the given roles (by staff, an invitation or the demo: the address
    is vouched for). Side effects: audit `user.created`."""
    email = normalise_email(email)
    validate_password(password, email)
    with session.no_autoflush:
        taken = find_user_by_email(session, email) is not None
    if taken:
        raise DomainError(_l("An account with this email address already exists."), field="email")
    user = User(
        email=email,
        password_hash=generate_password_hash(password),
        name=one_line(name),
        locale=locale,
        organisation=organisation,
        email_confirmed_at=utcnow(),
    )
    user.role_rows = [UserRole(role=role) for role in dict.fromkeys(roles)]
    session.add(user)
    session.flush()
    audit.record(session, actor or user, "user.created", user, {"roles": [r.value for r in roles]})
    return user


CONFIRM_SALT = "confirm-email"
CONFIRM_MAX_AGE = 48 * 60 * 60  # two days: a weekend is long enough to find the mail


def register(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    account_type: Role,
    locale: str,
    secret_key: str,
    organisation_name: str = "",
    kvk_number: str = "",
) -> OutboxEmail | None:
    """Self-registration as citizen or entrepreneur, answered the same whether or not the address
    has an account, so nobody learns from this form who is registered:

    - a new address gets an unconfirmed account and a mail with a confirmation link;
    - an address still awaiting confirmation takes these details instead (the last registration
      counts, earlier links stop working) and gets a new link;
    - a confirmed account gets a mail that someone tried, with the way to log in or reset.

    The organisation an entrepreneur names is created or joined when the address is confirmed
    (`confirm_email`). Returns the mail it queued (the demo shows it). Side effects: mail; audit.
    """
    if account_type not in SELF_SERVICE_ROLES:
        raise DomainError(_l("Choose citizen or entrepreneur."), field="account_type")
    email = normalise_email(email)
    validate_password(password, email)
    kvk = validate_kvk(kvk_number) if account_type is Role.ENTREPRENEUR else ""
    if kvk and find_organisation_by_kvk(session, kvk) is None and not organisation_name.strip():
        raise DomainError(_l("Enter the name of your organisation."), field="organisation_name")
    # Hashed in every case: the answer takes as long for a known address as for a new one.
    password_hash = generate_password_hash(password)
    existing = find_user_by_email(session, email)
    if existing is not None and existing.email_confirmed:
        mail = queue_user_email(session, existing, "registration_existing")
        audit.record(session, None, "user.registration_repeated", existing)
        return mail
    user = existing or User(email=email)
    user.password_hash = password_hash
    user.name = one_line(name)
    user.locale = locale
    user.pending_kvk_number = kvk or None
    user.pending_organisation_name = one_line(organisation_name) or None
    if existing is None:
        user.role_rows = [UserRole(role=account_type)]
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:
            return None  # the same address registered at this very moment: that registration's mail counts
    else:
        user.auth_version += 1  # earlier confirmation links stop working
        user.created_at = utcnow()  # the retention clock of an unconfirmed registration restarts
        if user.roles != {account_type}:
            user.role_rows = [UserRole(role=account_type)]
    session.flush()
    audit.record(session, None, "user.registered", user, {"roles": [account_type.value]})
    return send_confirmation(session, user, secret_key)


def account_link_token(secret_key: str, salt: str, user: User, *extra: object) -> str:
    """A signed link for one account (confirmation, jury invitation, login link, new address). It names the
    auth version, so it dies when the password is set or changed, or a newer link is sent; `extra` is
    signed with it (what the link is for: the new address, the last login)."""
    return URLSafeTimedSerializer(secret_key, salt=salt).dumps([user.id, user.auth_version, *extra])


def account_link(session: Session, secret_key: str, salt: str, token: str, max_age: int) -> tuple[User, list] | None:
    """The account an `account_link_token` is for and its extra values, while it is fresh and its auth
    version current."""
    try:
        user_id, version, *extra = URLSafeTimedSerializer(secret_key, salt=salt).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.blocked or user.auth_version != version:
        return None
    return user, extra


def user_for_account_link(session: Session, secret_key: str, salt: str, token: str, max_age: int) -> User | None:
    """The account an `account_link_token` is for, while it is fresh and its auth version current."""
    found = account_link(session, secret_key, salt, token, max_age)
    return found[0] if found is not None and not found[1] else None


def send_confirmation(session: Session, user: User, secret_key: str) -> OutboxEmail:
    mail = queue_user_email(session, user, "confirm_email", token=account_link_token(secret_key, CONFIRM_SALT, user),
                            hours=CONFIRM_MAX_AGE // 3600)
    session.flush()
    return mail


def user_for_confirmation(session: Session, secret_key: str, token: str) -> User | None:
    """The account a confirmation link is for, while the link is valid (also when it was used)."""
    return user_for_account_link(session, secret_key, CONFIRM_SALT, token, CONFIRM_MAX_AGE)


def confirm_email(session: Session, user: User, *, with_organisation: bool = True) -> JoinRequest | None:
    """The owner of the address has shown it is theirs (a confirmation or reset link). Only now is the
    organisation named at registration created, or asked to let this person join (the join request
    is returned). Not after a reset link (`with_organisation=False`): the registration may have been
    a stranger's, who named the organisation. Side effects: welcome mail; audit; the join request's
    mails."""
    if user.email_confirmed:
        return None
    kvk, organisation_name = user.pending_kvk_number, user.pending_organisation_name
    if not with_organisation:
        kvk = organisation_name = None
    user.email_confirmed_at = utcnow()
    user.pending_kvk_number = user.pending_organisation_name = None
    audit.record(session, user, "user.email_confirmed", user)
    join = None
    if kvk:
        existing = find_organisation_by_kvk(session, kvk)
        if existing is None:
            user.organisation = _new_organisation(session, organisation_name or "", kvk)
        else:
            join = request_to_join(session, user, existing)
    queue_email(
        session,
        user.email,
        str(_l("Welcome to MVI Challenges")),
        str(_l("Hello %(name)s,\n\nYour account has been created. You can now log in.", name=user.name)),
    )
    return join


def delete_unconfirmed(session: Session, now: dt.datetime) -> int:
    """Registrations nobody confirmed within the link's lifetime hold only a name and an address
    that may not even be the registrant's: they are removed, not kept."""
    limit = now - dt.timedelta(seconds=CONFIRM_MAX_AGE)
    stale = list(session.scalars(select(User).where(User.email_confirmed_at.is_(None), User.created_at < limit)))
    for user in stale:
        session.delete(user)
    return len(stale)


def _new_organisation(session: Session, name: str, kvk: str) -> Organisation:
    """A new organisation, unverified until its KvK number is checked (`kvk.verifier()`; by hand, an
    administrator in the queue: `decide_organisation`). Side effect: audit when a verifier decided."""
    from . import kvk as kvk_register

    if not name.strip():
        raise DomainError(_l("Enter the name of your organisation."), field="organisation_name")
    organisation = Organisation(name=one_line(name), kvk_number=kvk, kvk_status=KvkStatus.UNVERIFIED)
    try:
        with session.begin_nested():
            session.add(organisation)
    except IntegrityError:
        raise DomainError(_l("This KvK number was registered at this very moment; please send the form again."),
                          field="kvk_number") from None
    check = kvk_register.verifier().check(kvk, organisation.name)
    if check.status is not KvkStatus.UNVERIFIED:
        organisation.kvk_status, organisation.kvk_checked_at = check.status, utcnow()
        organisation.kvk_rejection_reason = check.reason
        audit.record(session, None, f"organisation.kvk_{check.status.value}", organisation,
                     {"source": check.source, "reason": check.reason})
    return organisation


def _administrators(session: Session) -> list[User]:
    stmt = (select(User).join(UserRole).where(UserRole.role == Role.ADMIN, User.blocked.is_(False))
            .order_by(User.id))
    return list(session.scalars(stmt))


def request_to_join(session: Session, user: User, organisation: Organisation) -> JoinRequest:
    """Side effects: a mail to every member of a verified organisation, or to the administrators while
    its KvK number is unchecked (its first registrant may not be who they say); audit."""
    join = JoinRequest(user_id=user.id, organisation_id=organisation.id)
    session.add(join)
    session.flush()
    audit.record(session, user, "organisation.join_requested", organisation, {"user_id": user.id})
    deciders = organisation.members if organisation.verified else _administrators(session)
    for member in deciders:
        subject = str(_l("%(name)s asks to join %(org)s", name=user.name, org=organisation.name))
        queue_email(session, member.email, subject,
                    str(_l("Hello %(member)s,\n\n%(name)s (%(email)s) registered and asks to join %(org)s on "
                           "MVI Challenges. Approve or decline on your account page.",
                           member=member.name, name=user.name, email=user.email, org=organisation.name)))
    return join


def pending_join_requests(session: Session, user: User) -> list[JoinRequest]:
    """Requests this user may decide on: for their organisation once it is verified, or all of them
    for an admin."""
    stmt = select(JoinRequest).where(JoinRequest.decided_at.is_(None)).order_by(JoinRequest.created_at)
    if not user.has_role(Role.ADMIN):
        if user.organisation_id is None:
            return []
        stmt = stmt.join(Organisation).where(JoinRequest.organisation_id == user.organisation_id,
                                             Organisation.kvk_status == KvkStatus.VERIFIED)
    return list(session.scalars(stmt))


def own_join_request(session: Session, user: User) -> JoinRequest | None:
    stmt = select(JoinRequest).where(JoinRequest.user_id == user.id).order_by(JoinRequest.created_at.desc())
    return session.scalars(stmt).first()


def may_decide_join(user: User, join: JoinRequest) -> bool:
    """Administrators; members of the organisation once its KvK number is verified."""
    return user.has_role(Role.ADMIN) or (join.organisation.verified and user.organisation_id == join.organisation_id)


def decide_join_request(session: Session, actor: User, join: JoinRequest, approve: bool) -> None:
    """Members of a verified organisation and administrators decide. Side effects: membership; mail; audit."""
    if not may_decide_join(actor, join):
        raise DomainError(_l("Only members of this organisation can decide on this request."))
    if join.decided_at is not None:
        raise DomainError(_l("This request has already been decided."))
    join.decided_at, join.approved, join.decided_by_id = utcnow(), approve, actor.id
    if approve:
        join.user.organisation_id = join.organisation_id
    session.flush()
    audit.record(session, actor, "organisation.join_approved" if approve else "organisation.join_declined",
                 join.organisation, {"user_id": join.user_id})
    queue_email(session, join.user.email, str(_l("Your request to join %(org)s", org=join.organisation.name)),
                str(_l("Your request to join %(org)s has been approved.", org=join.organisation.name) if approve
                    else _l("Your request to join %(org)s has been declined.", org=join.organisation.name)))


def unverified_organisations_query():
    """The administrators' queue: organisations whose KvK number nobody checked yet, oldest first."""
    return (select(Organisation).where(Organisation.kvk_status == KvkStatus.UNVERIFIED)
            .options(selectinload(Organisation.members)).order_by(Organisation.created_at, Organisation.id))


def decide_organisation(session: Session, actor: User, organisation: Organisation, *, confirm: bool,
                        reason: str = "") -> None:
    """An administrator checked the KvK number in the register: confirmed, or rejected with a reason (the
    members read it). Side effects: mail to the members; audit with the reason."""
    from .permissions import can_verify_organisations

    if not can_verify_organisations(actor):
        raise DomainError(_l("Only administrators can verify organisations."))
    if organisation.kvk_status is not KvkStatus.UNVERIFIED:
        raise DomainError(_l("This organisation has been checked already."))
    reason = reason.strip()
    if not confirm and not reason:
        raise DomainError(_l("Say why the KvK number is rejected: the members of the organisation read it."),
                          field="reason")
    organisation.kvk_status = KvkStatus.VERIFIED if confirm else KvkStatus.REJECTED
    organisation.kvk_checked_at = utcnow()
    organisation.kvk_rejection_reason = "" if confirm else reason
    audit.record(session, actor, "organisation.kvk_verified" if confirm else "organisation.kvk_rejected",
                 organisation, {"reason": organisation.kvk_rejection_reason})
    for member in organisation.members:
        queue_user_email(session, member, "organisation_checked", organisation=organisation)


DEMO_DOMAIN = "demo.mvi.example"  # `flask seed-demo` accounts: published password and authenticator secret


def is_demo_account(user: User) -> bool:
    """An account of the demo data, whose password and authenticator secret are in the README."""
    from .two_step import DEMO_SECRET

    return user.email.endswith("@" + DEMO_DOMAIN) or user.totp_secret == DEMO_SECRET


def authenticate(session: Session, email: str, password: str, *, refuse_demo: bool = False) -> User | None:
    """The user for these credentials, or None. Blocked users never authenticate, nor demo accounts
    when `refuse_demo` (production). Failures are audited; the login itself is recorded by
    `record_login` once every step is done."""
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # the same time as for a real account: no enumeration
        return None
    return user if _password_accepted(session, user, password, refuse_demo) else None


def _password_accepted(session: Session, user: User, password: str, refuse_demo: bool) -> bool:
    demo_refused = refuse_demo and is_demo_account(user)
    if not check_password_hash(user.password_hash, password) or user.blocked or demo_refused:
        audit.record(session, None, "user.login_failed", user, {"blocked": user.blocked, "demo": demo_refused})
        return False
    return True


# --- lock-out that protects the owner -----------------------------------------------------------
#
# A lock-out per account is a weapon: wrong passwords from anywhere would lock the owner out. So a
# guessing address is paused per account and address (ratelimit.py), one address guessing many
# accounts per address; and an account guessed at from many places asks for more instead of refusing
# everyone: a right password from an address the owner never logged in from needs the second factor,
# or a one-time login link mailed to the owner. From a known address the owner logs in as always.

ATTACK_FAILURES = 10  # wrong passwords for one account within the window, from anywhere
ATTACK_WINDOW = dt.timedelta(hours=1)  # the warning mail says "in the last hour"
ATTACK_PERIOD = dt.timedelta(hours=24)  # logins from new addresses need more this long; one warning mail per period
KNOWN_ADDRESSES_KEPT = 20  # per account, the most recently used
LOGIN_LINK_SALT = "login-link"
LOGIN_LINK_MAX_AGE = 15 * 60


def address_hash(secret_key: str, address: str) -> str:
    """A keyed hash of a network address: enough to recognise it again, useless to read it back (an
    unkeyed hash of an IPv4 address is undone by trying all four billion)."""
    return hmac.new(secret_key.encode(), b"login-address:" + address.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LoginCheck:
    """The outcome of a password check: the user when the password was right, and whether a mailed
    login link is needed before this login may go on (the account is attacked, the address new)."""

    user: User | None
    needs_link: bool = False


def check_login(session: Session, email: str, password: str, *, address: str, now: dt.datetime,
                refuse_demo: bool = False) -> LoginCheck:
    """The login form's password check. A wrong password counts against the account (`note_failed_login`);
    a right one from an address this account never logged in from while the account is attacked asks for
    more: people with an authenticator get its code step anyway, others a login link by mail. The answer
    for an unknown address is the answer for a wrong password: nobody learns who has an account."""
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)  # the same time as for a real account: no enumeration
        return LoginCheck(None)
    if not _password_accepted(session, user, password, refuse_demo):
        note_failed_login(session, user, now)
        return LoginCheck(None)
    needs_link = is_attacked(user, now) and not user.has_two_step and not is_known_address(session, user, address)
    return LoginCheck(user, needs_link=needs_link)


def is_attacked(user: User, now: dt.datetime) -> bool:
    return user.attacked_at is not None and user.attacked_at > now - ATTACK_PERIOD


def is_known_address(session: Session, user: User, address: str) -> bool:
    return session.scalar(select(KnownAddress.id).where(
        KnownAddress.user_id == user.id, KnownAddress.address_hash == address)) is not None


def note_failed_login(session: Session, user: User, now: dt.datetime) -> None:
    """Count a wrong password for this account, atomically (a botnet posts in parallel). Past
    ATTACK_FAILURES within ATTACK_WINDOW the account is attacked for ATTACK_PERIOD. Side effects: the
    owner gets one warning mail per period (a compare-and-set on `attack_warned_at`, so parallel
    failures send one); audit `user.login_attacked`."""
    fresh = User.failed_logins_since > now - ATTACK_WINDOW
    session.execute(update(User).where(User.id == user.id).values(
        failed_logins=case((fresh, User.failed_logins + 1), else_=1),
        failed_logins_since=case((fresh, User.failed_logins_since), else_=literal(now, UTCDateTime())),
    ).execution_options(synchronize_session=False))
    session.expire(user, ["failed_logins", "failed_logins_since"])
    if user.failed_logins < ATTACK_FAILURES:
        return
    user.attacked_at = now
    warn = session.execute(update(User).where(
        User.id == user.id, or_(User.attack_warned_at.is_(None), User.attack_warned_at < now - ATTACK_PERIOD),
    ).values(attack_warned_at=now).execution_options(synchronize_session=False))
    session.expire(user, ["attack_warned_at"])
    if warn.rowcount == 1:
        queue_user_email(session, user, "login_attacked", attempts=user.failed_logins)
        audit.record(session, None, "user.login_attacked", user, {"failures": user.failed_logins})


def remember_address(session: Session, user: User, address: str, now: dt.datetime) -> None:
    """The owner logged in from here: from now on failures elsewhere never hold them up here. Keeps the
    KNOWN_ADDRESSES_KEPT most recent addresses of the account."""
    known = session.scalar(select(KnownAddress).where(KnownAddress.user_id == user.id,
                                                      KnownAddress.address_hash == address))
    if known is not None:
        known.last_seen_at = now
        return
    try:
        with session.begin_nested():
            session.add(KnownAddress(user_id=user.id, address_hash=address, last_seen_at=now))
    except IntegrityError:
        return  # the same login twice at once: the other one remembered it
    kept = (select(KnownAddress.id).where(KnownAddress.user_id == user.id)
            .order_by(KnownAddress.last_seen_at.desc(), KnownAddress.id.desc()).limit(KNOWN_ADDRESSES_KEPT))
    session.execute(delete(KnownAddress).where(KnownAddress.user_id == user.id, KnownAddress.id.not_in(
        select(kept.subquery().c.id))).execution_options(synchronize_session=False))


def _last_login_stamp(user: User) -> str:
    return user.last_login_at.isoformat() if user.last_login_at else ""


def send_login_link(session: Session, user: User, secret_key: str) -> OutboxEmail:
    """Mail a one-time login link: it expires after LOGIN_LINK_MAX_AGE and dies at the next login (it
    names the last login). Side effects: mail; audit."""
    token = account_link_token(secret_key, LOGIN_LINK_SALT, user, _last_login_stamp(user))
    mail = queue_user_email(session, user, "login_link", token=token, minutes=LOGIN_LINK_MAX_AGE // 60)
    audit.record(session, None, "user.login_link_sent", user)
    return mail


def user_for_login_link(session: Session, secret_key: str, token: str) -> User | None:
    """The account a login link is for, while it is fresh and nobody logged in to the account since."""
    found = account_link(session, secret_key, LOGIN_LINK_SALT, token, LOGIN_LINK_MAX_AGE)
    if found is None or found[1] != [_last_login_stamp(found[0])]:
        return None
    return found[0]


def record_login(session: Session, user: User, *, two_step: bool, address: str | None = None) -> None:
    """The login is complete (after the second step when there is one). Side effects: the address is
    remembered as the owner's; audit."""
    user.last_login_at = utcnow()
    if address is not None:
        remember_address(session, user, address, user.last_login_at)
    audit.record(session, user, "user.login", user, {"two_step": two_step})


def update_profile(session: Session, user: User, *, name: str, locale: str) -> None:
    user.name = one_line(name)
    user.locale = locale
    audit.record(session, user, "user.profile_updated", user)


def set_locale(session: Session, user: User, locale: str) -> None:
    """The language a user reads pages and mails in."""
    if locale not in ("nl", "en"):
        raise DomainError(_l("Choose Dutch or English."))
    user.locale = locale


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Side effects: every existing session of this user ends (auth_version bump); audit."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError(_l("Your current password is not correct."), field="current_password")
    validate_password(new, user.email)
    user.password_hash = generate_password_hash(new)
    user.auth_version += 1
    audit.record(session, user, "user.password_changed", user)


EMAIL_CHANGE_SALT = "email-change"
EMAIL_CHANGE_MAX_AGE = 24 * 60 * 60


def request_email_change(session: Session, user: User, new_email: str, password: str, secret_key: str) -> None:
    """Ask to use another address: the current password first (a borrowed session is not enough), then
    a link to the new address that makes the change when opened (`change_email`). An address another
    account uses gets the same answer (the caller says the same words), no link, and its owner a note
    that nothing changed. Side effects: a mail; audit."""
    if not check_password_hash(user.password_hash, password):
        audit.record(session, user, "user.email_change_refused", user)
        raise DomainError(_l("Your current password is not correct."), field="current_password")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise DomainError(_l("This is already your email address."), field="email")
    other = find_user_by_email(session, new_email)
    if other is not None and other.email_confirmed:
        queue_user_email(session, other, "email_change_taken")
        audit.record(session, user, "user.email_change_requested", user, {"taken": True})
        return
    token = account_link_token(secret_key, EMAIL_CHANGE_SALT, user, user.email, new_email)
    queue_user_email(session, user, "email_change_confirm", to=new_email, token=token, new_email=new_email,
                     hours=EMAIL_CHANGE_MAX_AGE // 3600)
    audit.record(session, user, "user.email_change_requested", user, {"taken": False})


def email_change_for_link(session: Session, secret_key: str, token: str) -> tuple[User, str] | None:
    """The account and the new address a change link is for, while it is fresh, the account still has the
    address it had when asking, and its sessions are the same (the change itself ends them: single use)."""
    found = account_link(session, secret_key, EMAIL_CHANGE_SALT, token, EMAIL_CHANGE_MAX_AGE)
    if found is None:
        return None
    user, extra = found
    if len(extra) != 2 or extra[0] != user.email or not isinstance(extra[1], str):
        return None
    return user, extra[1]


def change_email(session: Session, user: User, new_email: str) -> str:
    """The owner of the new address opened the link: it becomes the account's address. An unconfirmed
    registration holding the address (nobody proved it theirs) gives way. Returns the old address.
    Side effects: every session of the account ends (auth_version bump, which also uses up the link);
    a mail to the old address; audit."""
    other = find_user_by_email(session, new_email)
    if other is not None and other.id != user.id:
        if other.email_confirmed:
            raise DomainError(_l("This address has been taken by another account in the meantime; your address "
                                 "has not changed."))
        session.delete(other)
        session.flush()
    old_email = user.email
    user.email = new_email
    user.auth_version += 1
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DomainError(_l("This address has been taken by another account in the meantime; your address "
                             "has not changed.")) from None
    queue_user_email(session, user, "email_changed", to=old_email, old_email=old_email, new_email=new_email)
    audit.record(session, user, "user.email_changed", user)
    return old_email


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
        pattern = f"%{escape_like(search.strip().lower())}%"
        stmt = stmt.where(func.lower(User.name).like(pattern, escape="\\") | User.email.like(pattern, escape="\\"))
    return stmt


def staff_members(session: Session) -> list[User]:
    """Municipal staff (and administrators): who can answer for a call or a procurement."""
    stmt = (select(User).join(UserRole).where(UserRole.role.in_([Role.STAFF, Role.ADMIN]), User.blocked.is_(False))
            .distinct().order_by(User.name, User.id))
    return list(session.scalars(stmt))


def staff_member(session: Session, user_id: int | None) -> User | None:
    """The staff member with this id, or None: a forged form cannot make a citizen responsible."""
    user = session.get(User, user_id or 0)
    return user if user is not None and not user.blocked and (
        user.has_role(Role.STAFF) or user.has_role(Role.ADMIN)) else None


def manager_choices(session: Session) -> list[tuple[int, str]]:
    """Choices for a 'responsible manager' select; 0 means not set."""
    return [(0, str(_l("— not set —")))] + [(user.id, user.name) for user in staff_members(session)]


def end_all_sessions(session: Session, user: User) -> None:
    """Logging out ends every session of the user, on every device: a copied or replayed cookie
    carries the old auth version and is anonymous from now on. Side effect: audit `user.logout`."""
    user.auth_version += 1
    audit.record(session, user, "user.logout", user)


def set_blocked(session: Session, actor: User, user: User, blocked: bool) -> None:
    """Block (or unblock) an account; blocking ends its sessions at once. Side effect: audit."""
    if user.id == actor.id:
        raise DomainError(_l("You cannot block your own account."))
    user.blocked = blocked
    user.auth_version += 1
    audit.record(session, actor, "user.blocked" if blocked else "user.unblocked", user)


RESET_SALT = "password-reset"
RESET_MAX_AGE = 60 * 60  # an hour: long enough to find the mail, short enough to be useless later


def reset_token(secret_key: str, user: User) -> str:
    """Signed, expiring and single-use: it names the auth version and a piece of the current hash,
    so the link dies when the password changes (also by this very link) or sessions are ended."""
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT).dumps(
        [user.id, user.auth_version, user.password_hash[-12:]])


def user_for_reset(session: Session, secret_key: str, token: str) -> User | None:
    try:
        user_id, version, hash_tail = URLSafeTimedSerializer(secret_key, salt=RESET_SALT).loads(
            token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.blocked or user.auth_version != version or user.password_hash[-12:] != hash_tail:
        return None
    return user


def request_password_reset(session: Session, email: str, secret_key: str) -> None:
    """Mail a reset link when the account exists. The caller says the same thing either way, so
    nobody learns from this form who has an account. Side effects: mail; audit."""
    user = find_user_by_email(session, normalise_email(email))
    if user is None or user.blocked:
        return
    queue_user_email(session, user, "password_reset", token=reset_token(secret_key, user),
                     minutes=RESET_MAX_AGE // 60)
    audit.record(session, None, "user.password_reset_requested", user)


def reset_password(session: Session, user: User, password: str) -> None:
    """Side effects: every session ends and the link is used up (auth_version bump); audit."""
    validate_password(password, user.email)
    user.password_hash = generate_password_hash(password)
    user.auth_version += 1
    audit.record(session, user, "user.password_reset", user)
    # The reset link reached the mailbox: that confirms the address (but not what a stranger who
    # registered it may have filled in about an organisation).
    confirm_email(session, user, with_organisation=False)


def users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
