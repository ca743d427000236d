from __future__ import annotations

import click
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash
from wtforms import BooleanField, PasswordField

from ..accounts.auth import require, require_login
from ..accounts.permissions import can_manage_users
from ..core.db import db
from ..core.fields import DataRequired
from ..core.storage import get_storage
from ..core.timezones import now_utc
from ..infra import jobs
from ..infra.ratelimit import LOGIN_PER_ACCOUNT, failed, limiter, signed_in_account
from . import services
from .jobs import prepare_data_export

bp = Blueprint("privacy", __name__, cli_group=None)


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm it is you"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    understood = BooleanField(
        _l("I understand that my account is deleted for good and cannot be restored."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


def _my_data_page(form: DeleteAccountForm, status: int = 200):
    return render_template("privacy/my_data.html", form=form, files=services.own_files(db.session, current_user),
                           exports=services.exports_of(db.session, current_user, now_utc()),
                           export_hours=services.EXPORT_HOURS), status


@bp.route("/account/my-data")
@require_login
def my_data():
    return _my_data_page(DeleteAccountForm())


ZIP_HEADERS = {"Content-Disposition": 'attachment; filename="mijn-gegevens-mvi-challenges.zip"'}


@bp.route("/account/my-data.zip", methods=["POST"])
@require_login
def download():
    """A POST (a button with a CSRF token): the export is audited, and GET requests change nothing.

    With a worker (REDIS_URL) the ZIP is prepared off the request path and offered on the page;
    without one it is built and sent at once."""
    if jobs.queue_for(current_app) is None:
        archive = services.export_archive(db.session, current_user, get_storage(current_app.config))
        db.session.commit()
        return Response(archive, mimetype="application/zip", headers=ZIP_HEADERS)
    export, new = services.request_export(db.session, current_user, now_utc())
    db.session.commit()
    if new and not jobs.enqueue(current_app._get_current_object(), prepare_data_export, export.id):
        prepare_data_export(export.id)  # the queue does not answer: do it now rather than never
    flash(_("Your ZIP file is being prepared. Reload this page in a minute to download it; the link works for "
            "%(hours)d hours.", hours=services.EXPORT_HOURS), "success")
    return redirect(url_for("privacy.my_data") + "#download-heading")


@bp.route("/account/my-data/exports/<int:export_id>.zip")
@require_login
def download_export(export_id: int):
    """A prepared ZIP, for the person it holds only (anyone else: it does not exist)."""
    export = services.downloadable_export(db.session, current_user, export_id, now_utc())
    data = get_storage(current_app.config).read(export.storage_key) if export is not None else None
    if data is None:
        abort(404)
    return Response(data, mimetype="application/zip", headers={**ZIP_HEADERS, "Cache-Control": "no-store"})


@bp.route("/account/delete", methods=["POST"])
@limiter.limit(LOGIN_PER_ACCOUNT, key_func=signed_in_account, methods=["POST"], deduct_when=failed)
@require_login
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit() and not check_password_hash(current_user.password_hash, form.password.data):
        form.password.errors = [_("Your password is not correct.")]
    if form.errors or not form.is_submitted():
        return _my_data_page(form, 400)
    files = services.anonymise(db.session, current_user._get_current_object(), current_user, now_utc())
    db.session.commit()
    storage = get_storage(current_app.config)
    for key in files:
        storage.delete(key)
    logout_user()
    flash(_("Your account has been deleted. Submitted proposals stay with the organisation, without your name."),
          "success")
    return redirect(url_for("public.home"))


@bp.route("/admin/retention")
@require(can_manage_users)
def retention():
    days = current_app.config["RETENTION_DAYS"]
    return render_template("privacy/retention.html", days=days,
                           due=services.due_for_deletion(db.session, days, now_utc()))


@bp.cli.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="Only list the accounts that are due.")
def apply_retention_command(dry_run: bool) -> None:
    """Anonymise accounts without activity for RETENTION_DAYS (staff excepted); remove registrations
    nobody confirmed."""
    days = current_app.config["RETENTION_DAYS"]
    if dry_run:
        due = services.due_for_deletion(db.session, days, now_utc())
        click.echo(f"{len(due)} accounts are due for deletion after {days} days: {[u.id for u in due]}")
        return
    result = services.apply_retention(db.session, days, now_utc())
    db.session.commit()
    storage = get_storage(current_app.config)
    for key in result.files:
        storage.delete(key)
    click.echo(f"{len(result.anonymised_ids)} accounts anonymised after {days} days without activity: "
               f"{result.anonymised_ids}")
    click.echo(f"{result.unconfirmed_removed} registrations removed that nobody confirmed within two days")
