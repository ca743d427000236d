"""Two app servers behind no shared disk or memory, only PostgreSQL, Redis and an S3 store (issue #9).

Each server is a real gunicorn on its own loopback port, started with MVI_ENV=production, REDIS_URL
and UPLOAD_STORAGE as production would have them; its local upload folder must stay empty. What
one server learns, the other must know: the session, the login attempts, the files, the seats of a
dialogue; and the mail a request queues is delivered by a worker exactly once.

Needs PostgreSQL (DATABASE_URL) and Redis on loopback; skipped otherwise, failed under
MVI_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.dialogues.models import Registration, RegistrationStatus
from mvi_challenges.proposals.models import Attachment
from scripts.liveserver import PROJECT_ROOT, Browser, GunicornServer
from tests.factories import PDF_BYTES, make_call, make_dialogue, make_proposal, make_user

from .services import REDIS_TEST_URL, delete_keys, mail_sink, require_services, s3_server, unique_prefix

BUCKET = "mvi-uploads"


@pytest.fixture(scope="module")
def cluster(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    require_services(app.config["SQLALCHEMY_DATABASE_URI"])
    prefix = unique_prefix()
    folder = tmp_path_factory.mktemp("scaleout")
    with s3_server(BUCKET) as s3_env, mail_sink() as (sink, smtp_port):
        env = {**s3_env, "MVI_ENV": "production", "SECRET_KEY": "scale-out-test-secret",
               "PUBLIC_URL": "http://127.0.0.1:8000",
               "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_TEST_URL,
               "REDIS_PREFIX": prefix, "UPLOAD_STORAGE": f"s3://{BUCKET}/uploads",
               "UPLOAD_FOLDER": str(folder / "must-stay-empty"), "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(smtp_port), "RATELIMIT_STORAGE_URI": "", "RATELIMIT_ENABLED": "1"}
        server_a = GunicornServer("app:app", workers=2, env=env, log_path=folder / "a.log", extra_args=("--preload",))
        server_b = GunicornServer("app:app", workers=2, env=env, log_path=folder / "b.log", extra_args=("--preload",))
        with server_a, server_b:
            yield SimpleNamespace(a=server_a, b=server_b, env=env, sink=sink, prefix=prefix, folder=folder,
                                  process_env={**os.environ, **env})
    delete_keys(prefix)


def browsers(cluster: SimpleNamespace) -> tuple[Browser, Browser]:
    """One person with one cookie jar, whose requests land on server A or server B."""
    on_a, on_b = Browser(cluster.a.base_url, timeout=30), Browser(cluster.b.base_url, timeout=30)
    on_b.cookies = on_a.cookies
    return on_a, on_b


def log_in(browser: Browser, user: SimpleNamespace, password: str | None = None) -> int:
    token = browser.get("/account/login").csrf_token()
    return browser.post("/account/login", {"csrf_token": token, "email": user.email,
                                           "password": password or user.password, "next": ""}).status


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_TEST_URL)


def test_login_on_a_holds_on_b_and_logout_on_b_ends_it_on_a(app: Flask, cluster: SimpleNamespace) -> None:
    user = make_user(app, Role.CITIZEN)
    on_a, on_b = browsers(cluster)
    assert log_in(on_a, user) == 302

    session_id = on_a.cookies["session"]
    assert redis_client().exists(f"{cluster.prefix}session:{session_id}")  # kept in Redis, not in the cookie
    page = on_b.get("/account")
    assert page.status == 200 and user.email in page.text

    assert on_b.post("/account/logout", {"csrf_token": page.csrf_token()}).status == 302
    assert not redis_client().exists(f"{cluster.prefix}session:{session_id}")
    assert on_a.get("/account").status == 302  # to the login page
    copied = Browser(cluster.a.base_url)
    copied.cookies["session"] = session_id  # a cookie copied before the logout is worth nothing
    assert copied.get("/account").status == 302


def test_password_change_on_a_ends_the_other_sessions_on_b(app: Flask, cluster: SimpleNamespace) -> None:
    user = make_user(app, Role.CITIZEN)
    laptop_a, laptop_b = browsers(cluster)
    phone_b = Browser(cluster.b.base_url, timeout=30)
    assert log_in(laptop_a, user) == 302 and log_in(phone_b, user) == 302
    token = laptop_a.get("/account").csrf_token()
    changed = laptop_a.post("/account/password", {"pw-csrf_token": token, "pw-current_password": user.password,
                                                  "pw-password": "a-new-long-password",
                                                  "pw-password_repeat": "a-new-long-password"})
    assert changed.status == 302, changed.error_text()
    assert phone_b.get("/account").status == 302  # the other session ended, on the other server too
    assert laptop_b.get("/account").status == 200  # the one that changed it goes on, on either server


def test_file_uploaded_through_a_downloads_through_b(app: Flask, cluster: SimpleNamespace) -> None:
    owner = make_user(app, Role.ENTREPRENEUR)
    proposal = make_proposal(app, owner, make_call(app))
    on_a, on_b = browsers(cluster)
    assert log_in(on_a, owner) == 302
    token = on_a.get(f"/proposals/{proposal.id}/edit").csrf_token()
    reply = on_a.post_multipart(f"/proposals/{proposal.id}/attachments", {"csrf_token": token},
                                {"file": ("plan.pdf", "application/pdf", PDF_BYTES)})
    assert reply.status == 302, reply.text[:300]
    with app.app_context():
        attachment = db.session.scalar(select(Attachment).where(Attachment.proposal_id == proposal.id))
        key = attachment.storage_key
        db.session.remove()

    download = on_b.get(f"/proposals/{proposal.id}/attachments/{attachment.id}")
    assert download.status == 200
    assert download.text.encode() == PDF_BYTES  # an ASCII file: the text is the bytes
    import boto3

    s3 = boto3.client("s3", endpoint_url=cluster.env["AWS_ENDPOINT_URL"], aws_access_key_id="testing",
                      aws_secret_access_key="testing", region_name="us-east-1")
    stored = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="uploads/").get("Contents", [])]
    assert stored == [f"uploads/{key[:2]}/{key}"]  # promoted, nothing left staged
    assert not Path(cluster.env["UPLOAD_FOLDER"]).exists()  # and nothing on a server's disk


def test_login_attempts_count_across_both_servers(app: Flask, cluster: SimpleNamespace) -> None:
    user = make_user(app, Role.CITIZEN)
    on_a, on_b = browsers(cluster)
    # Five wrong passwords, alternating servers: neither server alone saw more than three.
    statuses = [log_in(browser, user, "wrong-password-123") for browser in (on_a, on_b, on_a, on_b, on_a)]
    assert statuses == [400] * 5  # "wrong e-mail address or password"
    assert log_in(on_b, user, "wrong-password-123") == 429
    assert log_in(on_a, user) == 429  # even the right password waits now


def test_registration_race_across_servers_never_overbooks(app: Flask, cluster: SimpleNamespace) -> None:
    dialogue = make_dialogue(app, capacity=3)
    people = [make_user(app, Role.CITIZEN) for _ in range(10)]
    tabs = []
    for index, person in enumerate(people):
        browser = Browser((cluster.a if index % 2 else cluster.b).base_url, timeout=60)
        assert log_in(browser, person) == 302
        tabs.append((browser, browser.get(f"/dialogues/{dialogue.slug}").csrf_token()))

    def register(tab: tuple[Browser, str]) -> int:
        browser, token = tab
        return browser.post(f"/dialogues/{dialogue.slug}/register", {"csrf_token": token}).status

    with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
        assert list(pool.map(register, tabs)) == [302] * len(tabs)
    with app.app_context():
        rows = list(db.session.scalars(select(Registration).where(Registration.dialogue_id == dialogue.id)))
        db.session.remove()
    assert sorted(r.status.value for r in rows) == ["confirmed"] * 3 + ["waitlisted"] * 7
    # Arrival order is one sequence across both servers: the three seats went to places 1 to 3.
    assert sorted(r.position for r in rows) == list(range(1, 11))
    assert sorted(r.position for r in rows if r.status is RegistrationStatus.CONFIRMED) == [1, 2, 3]


def run_workers(cluster: SimpleNamespace, count: int) -> None:
    """`count` RQ workers at once, each until the queue is empty (as on two servers)."""
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst", "--no-scheduler"]
    workers = [subprocess.Popen(command, cwd=PROJECT_ROOT, env=cluster.process_env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT) for _ in range(count)]
    for worker in workers:
        output, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0, output.decode(errors="replace")[-2000:]


def test_mail_queued_on_a_is_delivered_once_by_the_worker(app: Flask, cluster: SimpleNamespace) -> None:
    person = make_user(app, Role.CITIZEN)
    dialogue = make_dialogue(app, capacity=5)
    on_a = Browser(cluster.a.base_url, timeout=30)
    assert log_in(on_a, person) == 302
    token = on_a.get(f"/dialogues/{dialogue.slug}").csrf_token()
    assert on_a.post(f"/dialogues/{dialogue.slug}/register", {"csrf_token": token}).status == 302
    assert cluster.sink.recipients() == []  # not sent during the request

    run_workers(cluster, 2)
    assert cluster.sink.recipients() == [person.email]
    with app.app_context():
        [mail] = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == person.email))
        assert mail.sent_at is not None and mail.attempts == 1
        db.session.remove()
    run_workers(cluster, 1)  # nothing left to do: still one mail
    assert cluster.sink.recipients() == [person.email]


def test_zip_of_my_data_asked_on_a_is_prepared_by_the_worker_and_downloads_through_b(
        app: Flask, cluster: SimpleNamespace) -> None:
    import io
    import re
    import zipfile

    person = make_user(app, Role.CITIZEN)
    on_a, on_b = browsers(cluster)
    assert log_in(on_a, person) == 302
    token = on_a.get("/account/my-data").csrf_token()
    assert on_a.post("/account/my-data.zip", {"csrf_token": token}).status == 302  # not built in the request
    assert "/account/my-data/exports/" not in on_b.get("/account/my-data").text

    run_workers(cluster, 2)
    link = re.search(r'href="(/account/my-data/exports/\d+\.zip)"', on_b.get("/account/my-data").text).group(1)
    download = on_b.get(link)
    assert download.status == 200
    with zipfile.ZipFile(io.BytesIO(download.body)) as archive:
        assert person.email in archive.read("personal-data.json").decode()
