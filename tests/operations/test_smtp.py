"""Mail over a real SMTP server (aiosmtpd, started here): `flask send-outbox` and the worker deliver
each mail once, try again after a refusal, keep it while the server is down, and what arrives is
the mail that was queued: text, HTML and the iCalendar invitation intact; STARTTLS and login."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import re
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail, queue_email
from tests.factories import make_user

from .helpers import REDIS_OPS_URL, closed_port, dispose, other_app


class Recorder:
    """An aiosmtpd handler keeping what arrived; `refuse` answers the first that many DATA with 451."""

    def __init__(self, refuse: int = 0) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse = refuse

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def messages(self) -> list[email.message.EmailMessage]:
        """As a mail client reads them (text parts arrive with the wire's CRLF: see `lines`)."""
        return [email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in self.received]


def lines(part: email.message.EmailMessage) -> str:
    return part.get_content().replace("\r\n", "\n")


@contextmanager
def smtp_server(handler: Recorder, **options: Any) -> Iterator[int]:
    port = closed_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def mail_app(app: Flask, port: int, **overrides: Any) -> Iterator[Flask]:
    server = other_app(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                       MAIL_SENDER="MVI Challenges <noreply@utrecht.example>", **overrides)
    try:
        yield server
    finally:
        dispose(server)


def send_outbox(server: Flask) -> str:
    result = server.test_cli_runner().invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def queue(app: Flask, to: str = "anna@example.org", **kwargs: Any) -> int:
    with app.app_context():
        mail = queue_email(db.session, to, kwargs.pop("subject", "Uw inzending is ontvangen"),
                           kwargs.pop("body", "Beste Anna,\n\nWe hebben uw voorstel ontvangen.\n"), **kwargs)
        db.session.commit()
        return mail.id


def row(app: Flask, mail_id: int) -> OutboxEmail:
    with app.app_context():
        mail = db.session.get(OutboxEmail, mail_id)
        db.session.expunge(mail)
        return mail


def test_the_outbox_delivers_each_mail_once(app: Flask) -> None:
    handler = Recorder()
    mail_id = queue(app)
    with smtp_server(handler) as port, mail_app(app, port) as server:
        assert send_outbox(server) == "sent 1, failed 0"
        assert send_outbox(server) == "sent 0, failed 0"
    assert [(sender, to) for sender, to, _ in handler.received] == [("noreply@utrecht.example", ["anna@example.org"])]
    (message,) = handler.messages()
    assert message["Subject"] == "Uw inzending is ontvangen"
    assert lines(message) == "Beste Anna,\n\nWe hebben uw voorstel ontvangen.\n"
    sent = row(app, mail_id)
    assert sent.sent_at is not None and sent.attempts == 1


def test_a_refusal_is_tried_again_and_then_delivered_once(app: Flask) -> None:
    handler = Recorder(refuse=1)
    mail_id = queue(app)
    with smtp_server(handler) as port, mail_app(app, port) as server:
        assert send_outbox(server) == "sent 0, failed 1"
        refused = row(app, mail_id)
        assert refused.sent_at is None and refused.attempts == 1 and "451" in refused.last_error
        assert send_outbox(server) == "sent 1, failed 0"
    assert len(handler.received) == 1
    assert row(app, mail_id).attempts == 2


def test_the_mail_stays_while_the_server_is_down_and_leaves_when_it_is_back(app: Flask) -> None:
    mail_id = queue(app)
    port = closed_port()
    with mail_app(app, port) as server:
        assert send_outbox(server) == "sent 0, failed 1"
        kept = row(app, mail_id)
        assert kept.sent_at is None and kept.attempts == 1 and kept.last_error
        handler = Recorder()
        with smtp_server_on(handler, port):
            assert send_outbox(server) == "sent 1, failed 0"
    assert len(handler.received) == 1


@contextmanager
def smtp_server_on(handler: Recorder, port: int) -> Iterator[None]:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Gemeente Utrecht//MVI//NL\r\nBEGIN:VEVENT\r\n"
       "UID:dialoog-7@mvi.utrecht.example\r\nDTSTART:20260312T180000Z\r\nDTEND:20260312T200000Z\r\n"
       "SUMMARY:Stadsdialoog Koele wijken – Zuilen\r\nLOCATION:Wijkcentrum De Schakel, Prinses Christinalaan\r\n"
       "END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_html_with_its_text_part_and_the_icalendar_invitation_arrive_intact(app: Flask) -> None:
    handler = Recorder()
    text = "Beste Jeroen,\n\nU bent aangemeld voor de stadsdialoog “Koele wijken” op 12 maart.\n"
    html = "<p>Beste Jeroen,</p><p>U bent aangemeld voor de stadsdialoog <strong>“Koele wijken”</strong>.</p>"
    queue(app, to="jeroen@example.org", subject="Aangemeld: Koele wijken – Zuilen", body=text, html_body=html,
          attachment=("koele-wijken.ics", "text/calendar", ICS))
    with smtp_server(handler) as port, mail_app(app, port) as server:
        assert send_outbox(server) == "sent 1, failed 0"
    (message,) = handler.messages()
    assert message["Subject"] == "Aangemeld: Koele wijken – Zuilen"
    assert message.get_content_type() == "multipart/mixed"
    assert lines(message.get_body(preferencelist=("plain",))) == text
    assert lines(message.get_body(preferencelist=("html",))).strip() == html
    assert message.get_body(preferencelist=("related", "html", "plain")).get_content_type() == "text/html"
    (invitation,) = list(message.iter_attachments())
    assert invitation.get_content_type() == "text/calendar" and invitation.get_filename() == "koele-wijken.ics"
    assert invitation.get_payload(decode=True).decode("utf-8") == ICS


# --- STARTTLS and login -------------------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp.pem", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def only(login: bytes, password: bytes):
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == login and data.password == password
        return AuthResult(success=ok)

    return authenticate


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Recorder, int]]:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # our client trusts this one certificate, as it would a CA's
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Recorder()
    with smtp_server(handler, tls_context=context, require_starttls=True, auth_require_tls=True,
                     authenticator=only(b"mvi-mailer", b"smtp-wachtwoord-1")) as port:
        yield handler, port


def test_starttls_and_login_deliver(app: Flask, tls_server: tuple[Recorder, int]) -> None:
    handler, port = tls_server
    queue(app)
    with mail_app(app, port, MAIL_USE_TLS=True, MAIL_USERNAME="mvi-mailer", MAIL_PASSWORD="smtp-wachtwoord-1") as server:
        assert send_outbox(server) == "sent 1, failed 0"
    assert len(handler.received) == 1


@pytest.mark.parametrize("settings", [
    {"MAIL_USE_TLS": False},  # the server insists on STARTTLS
    {"MAIL_USE_TLS": True, "MAIL_USERNAME": "mvi-mailer", "MAIL_PASSWORD": "wrong"},
])
def test_without_starttls_or_with_a_wrong_password_the_mail_stays(app: Flask, tls_server, settings) -> None:
    handler, port = tls_server
    mail_id = queue(app)
    with mail_app(app, port, **settings) as server:
        assert send_outbox(server) == "sent 0, failed 1"
    assert handler.received == [] and row(app, mail_id).sent_at is None


def test_the_worker_delivers_what_a_request_queued(app: Flask, ops_redis) -> None:

    from mvi_challenges.infra.jobs import run_worker
    from scripts.rush import forget_redis_keys

    prefix = f"mvi-ops-test-{uuid.uuid4().hex[:8]}:"
    handler = Recorder()
    user = make_user(app, Role.CITIZEN)
    with smtp_server(handler) as port, mail_app(app, port, REDIS_URL=REDIS_OPS_URL, REDIS_PREFIX=prefix) as server:
        try:
            response = server.test_client().post("/account/password-reset", data={"email": user.email},
                                                 headers={"X-Request-Id": "lb-worker-0042"})
            assert response.status_code == 302
            with server.app_context():
                run_worker(server, burst=True, with_scheduler=False)
        finally:
            forget_redis_keys(REDIS_OPS_URL, prefix)
    assert [to for _, to, _ in handler.received] == [[user.email]]
    assert handler.messages()[0]["X-Request-Id"] == "lb-worker-0042"
    with app.app_context():
        assert db.session.scalars(select(OutboxEmail.sent_at)).all() != [None]


def test_the_mail_carries_the_id_of_the_request_that_queued_it(app: Flask) -> None:
    """The request id is in the log line of the request and in the mail it caused: a complaint about
    a mail ("this reset link came from nowhere") leads to the request."""
    handler = Recorder()
    user = make_user(app, Role.CITIZEN)
    with smtp_server(handler) as port, mail_app(app, port) as server:
        response = server.test_client().post("/account/password-reset", data={"email": user.email},
                                             headers={"X-Request-Id": "nginx-5d1c.0007"})
        assert response.status_code == 302 and response.headers["X-Request-Id"] == "nginx-5d1c.0007"
        assert send_outbox(server) == "sent 1, failed 0"
        queue(server)  # queued outside any request (cron, the CLI): no id, and no empty header
        assert send_outbox(server) == "sent 1, failed 0"
    reset, other = handler.messages()
    assert reset["To"] == user.email and reset["X-Request-Id"] == "nginx-5d1c.0007"
    assert "X-Request-Id" not in other


FORGED = "x\r\nBcc: mallory@example.org\r\nX-Injected: 1"


def test_a_forged_request_id_adds_no_mail_header_and_no_log_line(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """A client's X-Request-Id with a line break (a lax proxy or server may pass one on) is replaced by
    a fresh id: the mail gets no Bcc and no extra header, and the log no forged line."""
    handler = Recorder()
    user = make_user(app, Role.CITIZEN)
    with smtp_server(handler) as port, mail_app(app, port) as server:
        caplog.set_level("INFO")
        response = server.test_client().post("/account/password-reset", data={"email": user.email},
                                             environ_overrides={"HTTP_X_REQUEST_ID": FORGED})
        fresh = response.headers["X-Request-Id"]
        assert response.status_code == 302 and re.fullmatch(r"[0-9a-f]{32}", fresh)
        assert send_outbox(server) == "sent 1, failed 0"
    (_, recipients, raw), = handler.received
    assert recipients == [user.email] and b"mallory" not in raw and b"X-Injected" not in raw
    assert handler.messages()[0]["X-Request-Id"] == fresh
    assert "mallory" not in caplog.text and "X-Injected" not in caplog.text


def test_a_stored_id_of_another_shape_is_not_sent(app: Flask) -> None:
    """A row written some other way (an old release, a hand-made fix in the database) still cannot
    add a header line: the id is checked again when the mail is written."""
    handler = Recorder()
    mail_id = queue(app)
    with app.app_context():
        db.session.get(OutboxEmail, mail_id).request_id = "a\r\nBcc: mallory@example.org"
        db.session.commit()
    with smtp_server(handler) as port, mail_app(app, port) as server:
        assert send_outbox(server) == "sent 1, failed 0"
    (_, recipients, raw), = handler.received
    assert recipients == ["anna@example.org"] and b"mallory" not in raw and b"X-Request-Id" not in raw
