"""With a worker (REDIS_URL), the ZIP of one's data is prepared off the request path and offered
for a day; nobody else can fetch it, and it goes with the account or when its day is over."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from flask import Flask
from sqlalchemy import select, update

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.infra import jobs
from mvi_challenges.privacy import jobs as privacy_jobs
from mvi_challenges.privacy.models import DataExport

from ..factories import PDF_BYTES, login, make_call, make_proposal, make_user, page_text


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    """A queue that records what is put on it (the worker is run by the test)."""
    calls: list[tuple] = []
    monkeypatch.setattr(jobs, "queue_for", lambda app: object())
    monkeypatch.setattr(jobs, "enqueue", lambda app, func, *args: calls.append((func, *args)) or True)
    return calls


def _ask(client):
    return client.post("/account/my-data.zip")


def _link(client) -> str:
    found = re.search(r'href="(/account/my-data/exports/\d+\.zip)"', client.get("/account/my-data").get_data(as_text=True))
    assert found, "no download link on the page"
    return found.group(1)


def test_the_worker_prepares_the_zip_once_and_only_its_owner_gets_it(app: Flask, client_en, catalogue,
                                                                      queued) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    make_proposal(app, owner, make_call(app), attachment=True)
    login(client_en, owner)
    asked = _ask(client_en)
    assert asked.status_code == 302 and asked.location.startswith("/account/my-data")
    page = page_text(client_en.get("/account/my-data"))
    assert "Your ZIP file is being prepared." in page and "is being prepared. Reload this page" in page
    _ask(client_en)  # a second click: the same export, not a second job
    with app.app_context():
        [export_id] = db.session.scalars(select(DataExport.id)).all()
        assert [(func, args) for func, *args in queued] == [(privacy_jobs.prepare_data_export, [export_id])]
        assert privacy_jobs.prepare_data_export(export_id) == f"export {export_id} ready"
    link = _link(client_en)
    download = client_en.get(link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert json.loads(archive.read("personal-data.json"))["account"]["email"] == owner.email
        assert [archive.read(n) for n in archive.namelist() if n.startswith("files/")] == [PDF_BYTES]
    other = app.test_client()
    login(other, make_user(app, Role.ENTREPRENEUR))
    assert other.get(link).status_code == 404


def test_a_queue_that_does_not_answer_prepares_the_zip_at_once(app: Flask, client_en, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "queue_for", lambda app: object())
    monkeypatch.setattr(jobs, "enqueue", lambda app, func, *args: False)
    login(client_en, make_user(app))
    _ask(client_en)
    assert client_en.get(_link(client_en)).status_code == 200


def test_prepared_zips_go_after_a_day_and_with_the_account(app: Flask, client_en, queued) -> None:
    person = make_user(app)
    login(client_en, person)
    _ask(client_en)
    with app.app_context():
        privacy_jobs.prepare_data_export(db.session.scalar(select(DataExport.id)))
        key = db.session.scalar(select(DataExport.storage_key))
        from mvi_challenges.core.storage import get_storage

        storage = get_storage(app.config)
        assert storage.read(key) is not None
        db.session.execute(update(DataExport).values(expires_at=now_utc() - dt.timedelta(minutes=1)))
        db.session.commit()
    assert "Download the ZIP file" not in page_text(client_en.get("/account/my-data"))
    assert app.test_cli_runner().invoke(args=["apply-retention"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(DataExport)) is None and storage.read(key) is None
    # Deleting the account takes a prepared ZIP with it.
    _ask(client_en)
    with app.app_context():
        privacy_jobs.prepare_data_export(db.session.scalar(select(DataExport.id)))
        key = db.session.scalar(select(DataExport.storage_key))
        assert storage.read(key) is not None
    client_en.post("/account/delete", data={"password": person.password, "understood": "y"})
    with app.app_context():
        assert db.session.scalar(select(DataExport)) is None and storage.read(key) is None
