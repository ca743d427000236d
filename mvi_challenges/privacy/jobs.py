"""The privacy area's work off the request path, run by infra.jobs (a worker with REDIS_URL) or the CLI."""

from __future__ import annotations

from flask import current_app

from ..core.db import db
from ..core.storage import get_storage
from ..core.timezones import now_utc
from .models import DataExport
from .services import apply_retention as anonymise
from .services import prepare_export


def apply_retention() -> str:
    """Anonymise accounts inactive for RETENTION_DAYS and remove their files (daily)."""
    with current_app.app_context():
        result = anonymise(db.session, current_app.config["RETENTION_DAYS"], now_utc())
        db.session.commit()
        storage = get_storage(current_app.config)
        for key in result.files:
            storage.delete(key)
    return f"{len(result.anonymised_ids)} accounts anonymised, {result.unconfirmed_removed} unconfirmed removed"


def prepare_data_export(export_id: int) -> str:
    """Build a person's ZIP (their data and files): too slow for a request when they uploaded a lot."""
    with current_app.app_context():
        export = db.session.get(DataExport, export_id)
        if export is None:
            return f"export {export_id} no longer exists"
        storage = get_storage(current_app.config)
        staged = prepare_export(db.session, export, storage, now_utc())
        if staged is None:
            return f"export {export_id} was ready already"
        try:
            db.session.commit()
        except Exception:
            storage.discard(staged)
            raise
        storage.promote(staged)
    return f"export {export_id} ready"
