"""What the scale-out tests need besides the app: Redis, PostgreSQL, an S3 store and a mail sink.

PostgreSQL and Redis must answer on loopback (CI has both). Locally the tests are skipped with a
message when they do not; with MVI_REQUIRE_SERVICES=1 (CI's PostgreSQL run) a missing service is
a failure instead, so the proof cannot silently stop running.
"""

from __future__ import annotations

import os
import socketserver
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy.engine import make_url

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/7")  # never db 0: that is someone's


def require_services(database_url: str) -> None:
    """Skip (or, with MVI_REQUIRE_SERVICES=1, fail) unless PostgreSQL and Redis are there."""
    if make_url(database_url).get_backend_name() != "postgresql":
        _missing("the two-server test needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://…/…test")
    require_redis()


def require_redis() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except OSError as error:
        _missing(f"this test needs Redis at {REDIS_TEST_URL} ({error})")


def _missing(problem: str) -> None:
    if os.environ.get("MVI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"MVI_REQUIRE_SERVICES=1 but {problem}")
    pytest.skip(problem)


def unique_prefix() -> str:
    """Keys of this run only, so parallel runs and other engineers' keys never meet."""
    return f"mvi-test-{uuid.uuid4().hex[:12]}:"


def delete_keys(prefix: str) -> None:
    from scripts.rush import forget_redis_keys

    forget_redis_keys(REDIS_TEST_URL, prefix)


@contextmanager
def s3_server(bucket: str) -> Iterator[dict[str, str]]:
    """moto's S3 on a free loopback port with one bucket; yields the environment boto3 reads."""
    import boto3
    from moto.server import ThreadedMotoServer

    from scripts.liveserver import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    try:
        boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="testing",
                     aws_secret_access_key="testing", region_name="us-east-1").create_bucket(Bucket=bucket)
        yield env
    finally:
        server.stop()


# --- a mail server that only listens --------------------------------------------------------------


@dataclass
class MailSink:
    """Every message received, as (recipients, raw text)."""

    messages: list[tuple[list[str], str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(to for rcpts, _ in self.messages for to in rcpts)


def _handler(sink: MailSink) -> type[socketserver.StreamRequestHandler]:
    class SMTPHandler(socketserver.StreamRequestHandler):
        """Just enough SMTP for smtplib.send_message: greet, accept the envelope and the data."""

        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.reply("220 sink ready")
            recipients: list[str] = []
            while line := self.rfile.readline():
                command = line.decode("ascii", "replace").strip()
                verb = command[:4].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250 sink")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 go on")
                    data = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(chunk.decode("utf-8", "replace"))
                    with sink.lock:
                        sink.messages.append((recipients, "".join(data)))
                    recipients = []
                    self.reply("250 stored")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:  # MAIL, RSET, NOOP
                    self.reply("250 ok")

    return SMTPHandler


@contextmanager
def mail_sink() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(sink))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
