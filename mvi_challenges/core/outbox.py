"""Outgoing mail: queued in the same transaction as the change that causes it.

Delivery happens after the commit (`flask send-outbox`), so a rolled-back action never sends
mail, and a mail server that is down never breaks a user's request. Without `MAIL_SERVER`
mail stays in the outbox and is written to the log, which is what a developer wants.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from blinker import Namespace
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, intpk, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class OutboxEmail(Base):
    __tablename__ = "outbox_emails"

    id: Mapped[intpk]
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # One text attachment at most (an .ics invitation): name, MIME type, content.
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_content: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The id of the request (or job) that queued it (set by infra/operations.py when the row is made), sent
    # as the mail's X-Request-Id header: a question about a mail leads to the log lines of its cause.
    request_id: Mapped[str | None] = mapped_column(String(64))
    # A one-click unsubscribe address (RFC 8058) for mail someone asked for (digests): sent as the
    # List-Unsubscribe and List-Unsubscribe-Post headers, so mail programs offer the button.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(1000))


SUBJECT_MAX = 300

# Sent with the session whenever a mail is queued. The outbox knows nothing of who listens
# (infra.jobs delivers right after the commit when there is a queue), so no import runs back.
mail_queued = Namespace().signal("mail-queued")


def _header_safe(subject: str) -> str:
    """One line that fits the column: a name with a line break or a very long title in a subject
    must neither break the mail header nor the insert."""
    line = " ".join(subject.split())
    return line if len(line) <= SUBJECT_MAX else line[: SUBJECT_MAX - 1].rstrip() + "…"


def queue_email(session: Session, to: str, subject: str, body: str, html_body: str | None = None,
                attachment: tuple[str, str, str] | None = None, list_unsubscribe: str | None = None) -> OutboxEmail:
    """Queue a mail: plain text, optionally with an HTML alternative rendered by an
    autoescaping template (so user text in it cannot inject markup), one text attachment, and an
    https address that unsubscribes in one click (RFC 8058)."""
    email = OutboxEmail(to=to, subject=_header_safe(subject), body=body, html_body=html_body,
                        list_unsubscribe=list_unsubscribe)
    if attachment is not None:
        email.attachment_name, email.attachment_type, email.attachment_content = attachment
    session.add(email)
    mail_queued.send(session)
    log.info("mail queued to %s: %s", to, subject)
    return email


def registration_mail(session: Session, mail_id: Any, to: str) -> OutboxEmail | None:
    """The one mail a registration queued, for the demo to show instead of a mailbox: by its id,
    never "the newest mail to this address" (that could be someone's password reset link)."""
    mail = session.get(OutboxEmail, mail_id) if isinstance(mail_id, int) else None
    return mail if mail is not None and mail.to == to else None


def pending(session: Session) -> list[OutboxEmail]:
    stmt = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxEmail.id)
        # Several workers (or a worker and cron) may deliver at once: each takes the rows no one else
        # holds, so a mail is sent once. PostgreSQL row locks until commit; SQLite ignores this and
        # serialises writers, and runs only the cron command anyway.
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def deliver_pending(session: Session, config: dict[str, Any]) -> tuple[int, int]:
    """Send what is queued; returns (sent, failed). Commits are the caller's business."""
    server = config.get("MAIL_SERVER")
    sent = failed = 0
    for email in pending(session):
        if not server:  # not an attempt: the mail waits until a server is configured
            log.info("no MAIL_SERVER: mail %s to %s stays in the outbox", email.id, email.to)
            continue
        email.attempts += 1
        try:
            _send_smtp(email, config)
        except (OSError, smtplib.SMTPException, ValueError) as error:  # ValueError: a header email refuses
            email.last_error = str(error)[:500]
            failed += 1
        else:
            email.sent_at = utcnow()
            sent += 1
    return sent, failed


def _send_smtp(email: OutboxEmail, config: dict[str, Any]) -> None:
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = email.to
    message["Subject"] = email.subject
    request_id = _request_id_header(email.request_id)
    if request_id:
        message["X-Request-Id"] = request_id
    if email.list_unsubscribe and UNSUBSCRIBE_URL.fullmatch(email.list_unsubscribe):
        message["List-Unsubscribe"] = f"<{email.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body)
    if email.html_body:
        message.add_alternative(email.html_body, subtype="html")
    if email.attachment_name and email.attachment_content is not None:
        maintype, _, subtype = (email.attachment_type or "text/plain").partition("/")
        message.add_attachment(email.attachment_content.encode("utf-8"), maintype=maintype, subtype=subtype,
                               filename=email.attachment_name)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):  # STARTTLS, the server's certificate checked against its name
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


# An http(s) address without spaces, angle brackets or line breaks: nothing that could end the header.
UNSUBSCRIBE_URL = re.compile(r"https?://[^\s<>]{1,990}")
REQUEST_ID_HEADER = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _request_id_header(value: str | None) -> str | None:
    """The stored id, only when it has the shape a request id is given (letters, digits, `.-_:`):
    a row written some other way can never add a header line or a recipient."""
    return value if value and REQUEST_ID_HEADER.fullmatch(value) else None


def queue_user_email(session: Session, user: Any, template: str, attachment: tuple[str, str, str] | None = None,
                     to: str | None = None, list_unsubscribe: str | None = None, **context: Any) -> OutboxEmail:
    """Queue `templates/emails/<template>.txt` (+ `.html` alternative) in the user's language, to the
    user's address (or `to`: a new address to confirm, the old one to tell about a change).

    The subject is the first line of the text template, so one file holds one mail's words.
    """
    from contextlib import nullcontext

    from flask import current_app, has_request_context, render_template
    from flask_babel import force_locale

    # Outside a request (CLI, workers) links in mails still need the site's public address.
    outside = nullcontext() if has_request_context() else current_app.test_request_context(
        base_url=current_app.config["PUBLIC_URL"])
    with outside, force_locale(getattr(user, "locale", None) or "nl"):
        text = render_template(f"emails/{template}.txt", user=user, **context)
        html = render_template(f"emails/{template}.html", user=user, **context)
    subject, _, body = text.partition("\n")
    return queue_email(session, to or user.email, subject.strip(), body.strip() + "\n", html, attachment,
                       list_unsubscribe)
