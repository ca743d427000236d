from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, created_at, intpk


class Role(enum.StrEnum):
    """The roles a person can hold; several at once. An enum so a typo cannot pass silently."""

    CITIZEN = "citizen"
    ENTREPRENEUR = "entrepreneur"
    STAFF = "staff"
    JURY = "jury"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.CITIZEN: _l("citizen"),
    Role.ENTREPRENEUR: _l("entrepreneur"),
    Role.STAFF: _l("staff (procurement)"),
    Role.JURY: _l("jury member"),
    Role.ADMIN: _l("administrator"),
}


class KvkStatus(enum.StrEnum):
    """Whether an organisation's KvK number has been checked against the register (see accounts/kvk.py)."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str] = mapped_column(String(8), unique=True)
    created_at: Mapped[created_at]
    # Anyone with a mailbox can name a KvK number: until it is checked, the organisation is shown as
    # unverified to staff and administrators (not its first registrant) decide who joins it.
    kvk_status: Mapped[KvkStatus] = mapped_column(
        Enum(KvkStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=KvkStatus.UNVERIFIED, server_default=KvkStatus.UNVERIFIED.value, index=True,
    )
    kvk_checked_at: Mapped[dt.datetime | None]
    kvk_rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def verified(self) -> bool:
        return self.kvk_status is KvkStatus.VERIFIED

    members: Mapped[list[User]] = relationship(back_populates="organisation")


class JoinRequest(Base):
    """A person asks to join an organisation that is already registered.

    Knowing a KvK number (which is public) must not be enough to read a company's proposals:
    a member of the organisation, or an administrator, approves.
    """

    __tablename__ = "join_requests"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created_at]
    decided_at: Mapped[dt.datetime | None]
    approved: Mapped[bool | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        primary_key=True,
        index=True,
    )


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    # Bumped when the password changes: the session cookie carries it, so old sessions end.
    auth_version: Mapped[int] = mapped_column(default=1)
    blocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]
    last_login_at: Mapped[dt.datetime | None]
    # Two-step verification (TOTP). The last accepted time step stops a code being used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[dt.datetime | None]
    totp_last_step: Mapped[int] = mapped_column(default=0, server_default="0")
    # Self-registration: the account is usable once the owner of the address confirms it. The
    # organisation an entrepreneur named is created or joined only then (see confirm_email).
    email_confirmed_at: Mapped[dt.datetime | None]
    pending_kvk_number: Mapped[str | None] = mapped_column(String(8))
    pending_organisation_name: Mapped[str | None] = mapped_column(String(200))
    # Wrong passwords for this account from anywhere (see services.note_failed_login): counted in a
    # window; past a threshold the account is "attacked" and a right password from an address the
    # owner never logged in from needs a second proof. The owner is warned once per period.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_logins_since: Mapped[dt.datetime | None]
    attacked_at: Mapped[dt.datetime | None]
    attack_warned_at: Mapped[dt.datetime | None]

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_active(self) -> bool:  # Flask-Login: blocked users cannot log in
        return not self.blocked

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def has_two_step(self) -> bool:
        return self.totp_confirmed_at is not None

    def get_id(self) -> str:
        return f"{self.id}.{self.auth_version}"


class RecoveryCode(Base):
    """One-time codes for when the phone with the authenticator app is lost; stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[dt.datetime | None]


class KnownAddress(Base):
    """An address (network) this account logged in from successfully: its owner there is never held up by
    wrong passwords typed elsewhere. Only a keyed hash is kept, never the address itself."""

    __tablename__ = "known_addresses"
    __table_args__ = (UniqueConstraint("user_id", "address_hash"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    last_seen_at: Mapped[dt.datetime]
