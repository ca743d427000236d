"""A person's rights under the AVG/GDPR: see all their data, take it along, be forgotten.

Reads from every area (like monitoring), so it lives in its own package. Forgetting a person
anonymises the account rather than deleting the row: the procurement record the law requires
(submitted proposals, decisions, jury scores) stays, linked to the organisation but no longer
to a name, an email address or a login.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ..accounts.models import JoinRequest, KnownAddress, Role, User, UserRole
from ..accounts.services import delete_unconfirmed
from ..core import audit
from ..core.audit import AuditEvent
from ..core.db import lock_row
from ..core.outbox import OutboxEmail
from ..core.storage import StagedFile
from ..dialogues.models import Contribution, Registration, RegistrationStatus
from ..evaluation.models import ConflictDeclaration, JuryMember, ScoreSheet
from ..proposals.models import Attachment, Proposal, ProposalStatus, Question, call_followers
from .models import DataExport

ANONYMOUS_NAME = "Verwijderde gebruiker"


def _time(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- seeing and taking along ----------------------------------------------------------------


def personal_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the platform holds about this person, in one JSON-ready structure."""
    proposals = session.scalars(select(Proposal).where(
        or_(Proposal.submitter_id == user.id, Proposal.owner_key == f"user:{user.id}")).order_by(Proposal.id)).all()
    members = session.scalars(select(JuryMember).where(JuryMember.user_id == user.id)).all()
    member_ids = [member.id for member in members]
    return {
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "account": {
            "id": user.id, "email": user.email, "name": user.name, "locale": user.locale,
            "roles": sorted(role.value for role in user.roles), "created_at": _time(user.created_at),
            "last_login_at": _time(user.last_login_at),
            "organisation": ({"name": user.organisation.name, "kvk_number": user.organisation.kvk_number}
                             if user.organisation else None),
        },
        "proposals": [_proposal(p) for p in proposals],
        "questions": [{"call": q.call.slug, "text": q.text, "asked_at": _time(q.asked_at),
                       "answer": q.answer_source, "published_at": _time(q.published_at)}
                      for q in session.scalars(select(Question).where(Question.asker_id == user.id))],
        "following_calls": list(session.scalars(
            select(call_followers.c.call_id).where(call_followers.c.user_id == user.id))),
        "dialogue_registrations": [
            {"dialogue": r.dialogue.slug, "status": r.status.value, "registered_at": _time(r.created_at),
             "slot": _time(r.slot_start), "attended": r.attended,
             # Selection by lot: what they stated for the quotas, their candidate number and drawn place.
             "district": r.district, "age_group": r.age_group, "candidate_number": r.position,
             "drawn_place": r.lot_rank}
            for r in session.scalars(select(Registration).where(Registration.user_id == user.id))],
        "dialogue_contributions": [
            {"dialogue": c.dialogue.slug, "text": c.text_source, "at": _time(c.created_at),
             "hidden_reason": c.hidden_reason, "disposition": c.disposition.value if c.disposition else None}
            for c in session.scalars(select(Contribution).where(Contribution.user_id == user.id))],
        "jury": {
            "memberships": [{"call": m.phase.call.slug, "phase": m.phase.number, "chair": m.is_chair}
                            for m in members],
            "declarations": [{"proposal": d.proposal_id, "conflict": d.has_conflict, "reason": d.reason}
                             for d in session.scalars(select(ConflictDeclaration)
                                                      .where(ConflictDeclaration.member_id.in_(member_ids)))],
            "score_sheets": [
                {"proposal": s.proposal_id, "status": s.status.value,
                 "scores": [{"criterion": score.criterion.name, "value": score.value,
                             "motivation": score.motivation} for score in s.scores]}
                for s in session.scalars(select(ScoreSheet).where(ScoreSheet.member_id.in_(member_ids)))],
        },
        "join_requests": [{"organisation": j.organisation.name, "created_at": _time(j.created_at),
                           "approved": j.approved}
                          for j in session.scalars(select(JoinRequest).where(JoinRequest.user_id == user.id))],
        "activity": [{"at": _time(e.at), "action": e.action, "object": e.subject_type, "object_id": e.subject_id}
                     for e in session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)
                                              .order_by(AuditEvent.at))],
        "emails": [{"subject": m.subject, "created_at": _time(m.created_at), "sent_at": _time(m.sent_at)}
                   for m in session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email))],
    }


def _proposal(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id, "call": proposal.call.slug, "phase": proposal.phase.number, "title": proposal.title,
        "summary": proposal.summary, "body": proposal.body_source, "status": proposal.status.value,
        "requested_budget_cents": proposal.requested_budget_cents, "submitted_at": _time(proposal.submitted_at),
        "versions": [{"number": v.number, "submitted_at": _time(v.submitted_at), "receipt_sha256": v.digest}
                     for v in proposal.versions],
        "attachments": [{"filename": a.filename, "size": a.size, "sha256": a.sha256,
                         "removed_at": _time(a.removed_at)} for a in proposal.attachments],
    }


def own_files(session: Session, user: User) -> list[Attachment]:
    """The files this person uploaded themselves (an organisation's other files are its members')."""
    stmt = select(Attachment).where(Attachment.uploaded_by_id == user.id).order_by(Attachment.id)
    return list(session.scalars(stmt))


def export_archive(session: Session, user: User, storage: Any) -> bytes:
    """A ZIP with `personal-data.json` and the person's own uploaded files.

    Side effect: audit `privacy.exported` (an export is a disclosure worth knowing about)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", json.dumps(personal_data(session, user), indent=2, ensure_ascii=False))
        for attachment in own_files(session, user):
            data = storage.read(attachment.storage_key)
            if data is not None:  # a lost file must not stop the rest of the export
                archive.writestr(f"files/{attachment.id}-{attachment.filename}", data)
    audit.record(session, user, "privacy.exported", user)
    return buffer.getvalue()


# --- being forgotten -------------------------------------------------------------------------


def anonymise(session: Session, actor: User | None, user: User, now: dt.datetime) -> list[str]:
    """Remove the person from the platform and keep the procurement record.

    - name, email address and password are replaced; every session ends; they cannot log in;
    - roles, organisation membership, follows, join requests and unsent mails go;
    - unfinished drafts of a citizen are deleted; submitted proposals stay (with the organisation);
    - registrations for dialogues still to come are cancelled (the waitlist moves up);
    - questions, contributions and jury scores stay, no longer linked to a name.
    - prepared exports of their data are deleted.
    Returns the storage keys of the deleted files, to remove once the change is committed.
    Side effect: audit `privacy.anonymised` (without the old name or address).
    """
    from ..dialogues import services as dialogues

    for registration in session.scalars(select(Registration).where(
            Registration.user_id == user.id, Registration.status != RegistrationStatus.CANCELLED)).all():
        if registration.dialogue.starts_at > now:
            dialogues.cancel_registration(session, user, registration, now)
    drafts = select(Proposal.id).where(Proposal.owner_key == f"user:{user.id}", Proposal.status == ProposalStatus.DRAFT)
    files = list(session.scalars(select(Attachment.storage_key).where(Attachment.proposal_id.in_(drafts))))
    files += _delete_exports(session, DataExport.user_id == user.id)
    session.execute(delete(Attachment).where(Attachment.proposal_id.in_(drafts))
                    .execution_options(synchronize_session=False))
    session.execute(delete(Proposal).where(Proposal.id.in_(drafts)).execution_options(synchronize_session=False))
    files = unreferenced_keys(session, files)
    session.execute(call_followers.delete().where(call_followers.c.user_id == user.id))
    session.execute(delete(JoinRequest).where(JoinRequest.user_id == user.id))
    session.execute(delete(KnownAddress).where(KnownAddress.user_id == user.id))
    session.execute(delete(OutboxEmail).where(OutboxEmail.to == user.email))
    session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    session.expire(user, ["role_rows"])
    user.name = f"{ANONYMOUS_NAME} {user.id}"
    user.email = f"verwijderd-{user.id}@anoniem.invalid"
    user.password_hash = generate_password_hash(secrets.token_urlsafe(32))
    user.organisation_id = None
    user.blocked = True
    user.auth_version += 1
    user.last_login_at = None
    audit.record(session, actor, "privacy.anonymised", user)
    return files


def unreferenced_keys(session: Session, keys: list[str]) -> list[str]:
    """Of these storage keys, the ones no row refers to any more: the files that may go.

    One stored file can have several rows: a phase-2 draft starts with copies of the phase-1
    attachment rows, pointing to the same bytes. Deleting the draft must not delete the file the
    submitted phase-1 proposal (and its receipt) still needs: a file goes with its last reference."""
    wanted = list(dict.fromkeys(key for key in keys if key))
    if not wanted:
        return []
    session.flush()
    still = set(session.scalars(select(Attachment.storage_key).where(Attachment.storage_key.in_(wanted))))
    still |= set(session.scalars(select(DataExport.storage_key).where(DataExport.storage_key.in_(wanted))))
    return [key for key in wanted if key not in still]


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@anoniem.invalid")


def due_for_deletion(session: Session, retention_days: int, now: dt.datetime) -> list[User]:
    """Accounts without activity for the retention period (municipal staff excepted: their
    accounts end with their employment, through the administrator)."""
    limit = now - dt.timedelta(days=retention_days)
    staff = select(UserRole.user_id).where(UserRole.role.in_([Role.STAFF, Role.ADMIN]))
    last_seen = User.last_login_at
    stmt = (select(User)
            .where(User.id.not_in(staff), User.email.not_like("%@anoniem.invalid"),
                   or_(last_seen < limit, last_seen.is_(None) & (User.created_at < limit)))
            .order_by(User.id))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class RetentionResult:
    anonymised_ids: list[int]
    files: list[str]  # storage keys to delete once the transaction has committed
    unconfirmed_removed: int


def apply_retention(session: Session, retention_days: int, now: dt.datetime) -> RetentionResult:
    """Anonymise every account due for deletion, remove registrations nobody confirmed and
    exports whose day has passed."""
    due = due_for_deletion(session, retention_days, now)
    files = [key for user in due for key in anonymise(session, None, user, now)]
    files += _delete_exports(session, DataExport.expires_at <= now)
    files = unreferenced_keys(session, files)
    return RetentionResult([user.id for user in due], files, delete_unconfirmed(session, now))


# --- exports prepared off the request path -------------------------------------------------------

EXPORT_HOURS = 24  # a download link for a day: long enough to come back, short enough not to linger
EXPORT_PATIENCE = dt.timedelta(minutes=10)  # an export not ready by then is asked for again


def request_export(session: Session, user: User, now: dt.datetime) -> tuple[DataExport, bool]:
    """The export to prepare for this person, and whether it is new: a second click while one is
    being prepared returns that one, so the worker builds it once."""
    lock_row(session, User, user.id)  # two clicks at once: the second sees the first's export
    pending = session.scalars(select(DataExport).where(
        DataExport.user_id == user.id, DataExport.ready_at.is_(None),
        DataExport.requested_at > now - EXPORT_PATIENCE)).first()
    if pending is not None:
        return pending, False
    export = DataExport(user_id=user.id, requested_at=now, expires_at=now + dt.timedelta(hours=EXPORT_HOURS))
    session.add(export)
    session.flush()
    return export, True


def prepare_export(session: Session, export: DataExport, storage: Any, now: dt.datetime) -> StagedFile | None:
    """Build the ZIP and stage it in the storage; the caller promotes the file after the commit.
    None when it was prepared already. Side effect: audit `privacy.exported`."""
    if export.ready_at is not None:
        return None
    archive = export_archive(session, session.get(User, export.user_id), storage)
    staged = storage.stage(archive)
    export.storage_key, export.size_bytes = staged.key, len(archive)
    export.ready_at, export.expires_at = now, now + dt.timedelta(hours=EXPORT_HOURS)
    return staged


def exports_of(session: Session, user: User, now: dt.datetime) -> list[DataExport]:
    """This person's exports still to come or still to download, newest first."""
    return list(session.scalars(select(DataExport).where(DataExport.user_id == user.id, DataExport.expires_at > now)
                                .order_by(DataExport.requested_at.desc())))


def downloadable_export(session: Session, user: User, export_id: int, now: dt.datetime) -> DataExport | None:
    export = session.get(DataExport, export_id)
    if export is None or export.user_id != user.id or export.ready_at is None or export.expires_at <= now:
        return None
    return export


def _delete_exports(session: Session, condition: Any) -> list[str]:
    exports = list(session.scalars(select(DataExport).where(condition)))
    for export in exports:
        session.delete(export)
    return [export.storage_key for export in exports if export.storage_key]
