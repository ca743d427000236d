"""The dialogues' scheduled work, run by infra.jobs (a worker with REDIS_URL) or `flask send-reminders`."""

from __future__ import annotations

from flask import current_app

from ..core.db import db
from ..core.timezones import now_utc
from ..infra.jobs import deliver_outbox
from .services import send_reminders as queue_reminders


def send_reminders() -> str:
    """Queue tomorrow's reminders (each participant once) and deliver them."""
    with current_app.app_context():
        count = queue_reminders(db.session, now_utc())
        db.session.commit()
    deliver_outbox()
    return f"{count} reminders queued"
