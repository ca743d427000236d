"""A gunicorn worker killed with `kill -9` in the middle of an upload leaves nothing half-written,
and the retry stores exactly one attachment and one proposal.

The server is real: gunicorn with two sync workers against the test database (SQLite or the
PostgreSQL database of DATABASE_URL). The upload goes over a raw socket so the test decides when
the body is complete; the worker holding the connection is found in /proc and killed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.storage import LocalStorage
from mvi_challenges.proposals.models import Attachment, Proposal, ProposalStatus
from scripts.liveserver import Browser, GunicornServer, multipart_body
from tests.factories import PDF_BYTES, make_call, make_proposal, make_user

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(),
                                reason="finding the worker that holds a connection needs Linux /proc")

T = TypeVar("T")
# A 2 MB PDF: big enough that the body is still on its way when the worker is killed.
BIG_PDF = PDF_BYTES + b"%" + b"x" * (2 * 1024 * 1024) + b"\n"


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def server(app: Flask, tmp_path: Path, uploads: Path) -> Iterator[GunicornServer]:
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "UPLOAD_FOLDER": str(uploads),
           "SECRET_KEY": "reliability-test-secret", "MAIL_SERVER": ""}
    # --preload: a killed worker is replaced by a fork, not a fresh import (fast on 2 cores).
    with GunicornServer("mvi_challenges:create_app()", workers=2, env=env, log_path=tmp_path / "gunicorn.log",
                        extra_args=("--preload",), startup_timeout=60) as server:
        yield server


@pytest.fixture
def draft(app: Flask) -> SimpleNamespace:
    """An entrepreneur with a draft proposal (complete text, no attachment yet)."""
    owner = make_user(app, Role.ENTREPRENEUR)
    call = make_call(app)
    proposal = make_proposal(app, owner, call)
    return SimpleNamespace(owner=owner, proposal_id=proposal.id, phase_owner=f"org:{owner.organisation_id}")


def wait_for(probe: Callable[[], T], what: str, timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def logged_in(server: GunicornServer, user: SimpleNamespace) -> Browser:
    browser = Browser(server.base_url, timeout=30)
    token = browser.get("/account/login").csrf_token()
    reply = browser.post("/account/login", {"csrf_token": token, "email": user.email, "password": user.password,
                                            "next": ""})
    assert reply.status == 302, reply.text[:500]
    return browser


class RawUpload:
    """POST an attachment over a raw socket, sending the body in as many parts as the test wants."""

    def __init__(self, server: GunicornServer, browser: Browser, proposal_id: int, data: bytes) -> None:
        path = f"/proposals/{proposal_id}/attachments"
        token = browser.get(f"/proposals/{proposal_id}/edit").csrf_token()
        self.body, content_type = multipart_body({"csrf_token": token},
                                                 {"file": ("plan.pdf", "application/pdf", data)})
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nCookie: {browser.cookie_header()}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(self.body)}\r\nConnection: close\r\n\r\n")
        self.socket = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        self.socket.sendall(head.encode())
        self.sent = 0

    @property
    def client_port(self) -> int:
        return self.socket.getsockname()[1]

    def send(self, until: int) -> None:
        self.socket.sendall(self.body[self.sent:until])
        self.sent = max(self.sent, until)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.close()


def attachment_rows(app: Flask, proposal_id: int) -> list[Attachment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Attachment).where(Attachment.proposal_id == proposal_id)))
        db.session.expunge_all()
        db.session.remove()
        return rows


def stored_files(uploads: Path) -> list[Path]:
    return sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []


def kill_worker_holding(server: GunicornServer, upload: RawUpload) -> int:
    worker = wait_for(lambda: server.worker_holding(upload.client_port), "the worker that reads the upload")
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: worker not in server.worker_pids(), "the killed worker to disappear")
    return worker


@contextlib.contextmanager
def proposal_row_locked(app: Flask, proposal_id: int) -> Iterator[None]:
    """Hold the lock that add_attachment needs, so the worker waits between staging and commit:
    the database write lock on SQLite, the proposal's row lock on PostgreSQL."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return
    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(select(Proposal.id).where(Proposal.id == proposal_id).with_for_update())
        try:
            yield
        finally:
            transaction.rollback()


def retry_and_submit(app: Flask, server: GunicornServer, browser: Browser, draft: SimpleNamespace,
                     uploads: Path) -> Attachment:
    """The user tries again: the upload and the submission each arrive exactly once."""
    token = browser.get(f"/proposals/{draft.proposal_id}/edit").csrf_token()
    reply = browser.post_multipart(f"/proposals/{draft.proposal_id}/attachments", {"csrf_token": token},
                                   {"file": ("plan.pdf", "application/pdf", BIG_PDF)})
    assert reply.status == 302, reply.text[:500]
    [attachment] = attachment_rows(app, draft.proposal_id)
    stored = LocalStorage(uploads).path_for(attachment.storage_key)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == attachment.sha256 == hashlib.sha256(BIG_PDF).hexdigest()

    form = {"csrf_token": token, "title": "Ons voorstel", "summary": "Kort gezegd.",
            "body_source": "## Aanpak\nZo doen we het.", "requested_budget": "10000", "action": "submit"}
    reply = browser.post(f"/proposals/{draft.proposal_id}/edit", form)
    assert reply.status == 302 and "/receipt/1" in reply.location, reply.text[:500]
    with app.app_context():
        proposals = list(db.session.scalars(select(Proposal).where(Proposal.owner_key == draft.phase_owner)))
        assert [p.id for p in proposals] == [draft.proposal_id]
        assert proposals[0].status is ProposalStatus.SUBMITTED
        assert [[item["id"] for item in v.attachment_manifest] for v in proposals[0].versions] == [[attachment.id]]
        assert db.session.scalar(select(func.count(Attachment.id))) == 1
        db.session.remove()
    return attachment


def test_worker_killed_while_the_body_arrives_leaves_nothing(app: Flask, server: GunicornServer, draft,
                                                             uploads: Path) -> None:
    browser = logged_in(server, draft.owner)
    upload = RawUpload(server, browser, draft.proposal_id, BIG_PDF)
    try:
        upload.send(len(upload.body) // 2)
        kill_worker_holding(server, upload)
    finally:
        upload.close()

    assert attachment_rows(app, draft.proposal_id) == []
    assert stored_files(uploads) == []  # not even a staged file: the body never arrived

    server.wait_until_ready()  # the master has replaced the worker
    attachment = retry_and_submit(app, server, browser, draft, uploads)
    assert stored_files(uploads) == [LocalStorage(uploads).path_for(attachment.storage_key)]


def test_worker_killed_between_staging_and_commit_leaves_no_record(app: Flask, server: GunicornServer, draft,
                                                                   uploads: Path) -> None:
    browser = logged_in(server, draft.owner)
    with proposal_row_locked(app, draft.proposal_id):
        upload = RawUpload(server, browser, draft.proposal_id, BIG_PDF)
        try:
            upload.send(len(upload.body))
            # The file is staged; the worker now waits for the lock inside the transaction.
            wait_for(lambda: stored_files(uploads), "the worker to stage the file")
            kill_worker_holding(server, upload)
        finally:
            upload.close()

    assert attachment_rows(app, draft.proposal_id) == []
    # What remains is only the temporary file of the staging step: never referenced, never served
    # (storage keys cannot start with a dot), nothing under a storage key.
    [orphan] = stored_files(uploads)
    assert orphan.parent == uploads and orphan.name.startswith(".staged-"), f"half-written: {orphan}"

    server.wait_until_ready()
    attachment = retry_and_submit(app, server, browser, draft, uploads)
    assert stored_files(uploads) == sorted([orphan, LocalStorage(uploads).path_for(attachment.storage_key)])
    # The daily sweep removes the abandoned temporary file, and only that.
    import os
    import time

    old = time.time() - 2 * 3600
    os.utime(orphan, (old, old))
    assert LocalStorage(uploads).sweep_staged() == 1
    assert stored_files(uploads) == [LocalStorage(uploads).path_for(attachment.storage_key)]


def test_a_double_click_on_submit_freezes_one_version(app: Flask, server: GunicornServer, draft) -> None:
    """Both clicks read the draft before either writes; the second must still get the first's receipt."""
    import threading

    first, second = logged_in(server, draft.owner), logged_in(server, draft.owner)
    token = first.get(f"/proposals/{draft.proposal_id}/edit").csrf_token()
    reply = first.post_multipart(f"/proposals/{draft.proposal_id}/attachments", {"csrf_token": token},
                                 {"file": ("plan.pdf", "application/pdf", PDF_BYTES)})
    assert reply.status == 302, reply.text[:500]
    form = {"title": "Ons voorstel", "summary": "Kort gezegd.", "body_source": "## Aanpak\nZo doen we het.",
            "requested_budget": "10000", "action": "submit"}
    forms = [{**form, "csrf_token": browser.get(f"/proposals/{draft.proposal_id}/edit").csrf_token()}
             for browser in (first, second)]
    replies: dict[int, object] = {}

    def click(index: int, browser: Browser) -> None:
        replies[index] = browser.post(f"/proposals/{draft.proposal_id}/edit", forms[index])

    with proposal_row_locked(app, draft.proposal_id):
        clicks = [threading.Thread(target=click, args=(i, b)) for i, b in enumerate((first, second))]
        for thread in clicks:
            thread.start()
        time.sleep(1.5)  # both requests have read the draft and now wait for the lock
    for thread in clicks:
        thread.join(timeout=30)
    assert [(r.status, "/receipt/1" in r.location) for r in replies.values()] == [(302, True)] * 2, \
        [(r.status, r.text[:300]) for r in replies.values()]
    with app.app_context():
        proposal = db.session.get(Proposal, draft.proposal_id)
        assert [v.number for v in proposal.versions] == [1]
        db.session.remove()
