"""Following a category or social value: double opt-in, the daily digest, one-click unsubscribe.

Abuse considered: signing someone else up (nothing is sent before the owner of the address
confirms); digests to unconfirmed follows; a draft call in a digest; forged, altered or replayed
unsubscribe links; an old link ending a later follow; unsubscribing someone else by guessing ids.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from flask import Flask
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import CallStatus
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail, deliver_pending
from mvi_challenges.pipeline import jobs, services
from mvi_challenges.pipeline.models import Follow

from ..factories import login, mailed_link, make_call, make_user, page_text
from .test_pipeline import plan_form, staff_client

EMAIL = "ondernemer@example.org"


def follow_anonymously(app: Flask, catalogue, email: str = EMAIL, topic: str | None = None):
    topic = topic or f"category:{catalogue.categories['mobiliteit'].id}"
    return app.test_client().post("/pipeline/follow", data={"topic": topic, "email": email})


def confirm(app: Flask, email: str = EMAIL) -> None:
    link = mailed_link(app, email, "/pipeline/follow/confirm/")
    client = app.test_client()
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302


def backdate_follows(app: Flask, days: int = 3) -> None:
    """Followed since a few days: the factory's calls are published an hour or a day in the past."""
    with app.app_context():
        for follow in db.session.scalars(select(Follow)):
            follow.confirmed_at = follow.digested_until = services.now_utc() - dt.timedelta(days=days)
        db.session.commit()


def run_digest(app: Flask, later: dt.timedelta = dt.timedelta(minutes=1)) -> int:
    """The daily job, as if it ran `later` from now (news is what happened before it)."""
    with app.test_request_context():
        count = services.send_digests(db.session, app.config["SECRET_KEY"],
                                      services.now_utc() + later, jobs.queue_digest)
        db.session.commit()
        return count


def digests_to(app: Flask, email: str = EMAIL) -> list[OutboxEmail]:
    with app.app_context():
        mails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == email,
                                                             OutboxEmail.list_unsubscribe.is_not(None)))
        return [SimpleMail(m.subject, m.body, m.list_unsubscribe) for m in mails]


class SimpleMail:
    def __init__(self, subject: str, body: str, unsubscribe: str) -> None:
        self.subject, self.body, self.unsubscribe = subject, body, unsubscribe


def unsubscribe_path(url: str) -> str:
    return url[url.index("/pipeline/unsubscribe/"):]


def test_unconfirmed_follower_gets_no_digest(app: Flask, catalogue) -> None:
    assert follow_anonymously(app, catalogue).status_code == 200
    staff_client(app).post("/staff/pipeline/new", data=plan_form(catalogue))
    assert run_digest(app) == 0
    assert digests_to(app) == []


def test_confirmed_follower_gets_one_digest_with_new_plan_and_opened_call(app: Flask, catalogue) -> None:
    follow_anonymously(app, catalogue)
    confirm(app)
    backdate_follows(app)
    staff_client(app).post("/staff/pipeline/new", data=plan_form(catalogue))
    make_call(app, title="Open uitvraag mobiliteit", category="mobiliteit")
    make_call(app, title="Concept mobiliteit", category="mobiliteit", status=CallStatus.DRAFT)
    make_call(app, title="Andere categorie", category="ict", level=2)
    assert run_digest(app) == 1
    [mail] = digests_to(app)
    assert "Elektrische veegwagens" in mail.body
    assert "Open uitvraag mobiliteit" in mail.body
    assert "Concept mobiliteit" not in mail.body  # a draft never leaks
    assert "Andere categorie" not in mail.body
    assert mail.unsubscribe.startswith("http") and "/pipeline/unsubscribe/" in mail.unsubscribe
    # The next run has nothing new: no second mail.
    assert run_digest(app, dt.timedelta(minutes=2)) == 0


def test_following_a_social_value(app: Flask, catalogue) -> None:
    user = make_user(app, Role.ENTREPRENEUR)
    client = app.test_client()
    login(client, user)
    with app.app_context():
        from mvi_challenges.accounts.models import User
        db.session.get(User, user.id).email_confirmed_at = services.now_utc()
        db.session.commit()
    response = client.post("/pipeline/follow", data={"topic": f"social_value:{catalogue.values['klimaat']}",
                                                      "email": user.email})
    assert response.status_code == 200  # a logged-in, confirmed address needs no second confirmation
    backdate_follows(app)
    make_call(app, title="Klimaatuitvraag", values=("klimaat",))
    make_call(app, title="Circulaire uitvraag", values=("circulaire-economie",))
    assert run_digest(app) == 1
    [mail] = digests_to(app, user.email)
    assert "Klimaatuitvraag" in mail.body and "Circulaire uitvraag" not in mail.body


def test_signing_up_someone_else_sends_only_the_confirmation(app: Flask, catalogue) -> None:
    follow_anonymously(app, catalogue, email="slachtoffer@example.org")
    follow_anonymously(app, catalogue, email="slachtoffer@example.org")  # again: still one follow
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id))) == 1
        subjects = list(db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.to == "slachtoffer@example.org")))
    assert all("Bevestig" in subject or "Confirm" in subject for subject in subjects)
    staff_client(app).post("/staff/pipeline/new", data=plan_form(catalogue))
    assert run_digest(app) == 0


def test_one_click_unsubscribe_is_idempotent_and_needs_no_login(app: Flask, catalogue) -> None:
    follow_anonymously(app, catalogue)
    confirm(app)
    staff_client(app).post("/staff/pipeline/new", data=plan_form(catalogue))
    run_digest(app)
    [mail] = digests_to(app)
    path = unsubscribe_path(mail.unsubscribe)
    client = app.test_client()
    assert client.get(path).status_code == 200  # shows a button; a link scanner ends nothing
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id))) == 1
    # RFC 8058: the mail program POSTs this body, without cookies or a CSRF token.
    app.config["WTF_CSRF_ENABLED"] = True
    first = client.post(path, data={"List-Unsubscribe": "One-Click"})
    replay = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert first.status_code == 200 and replay.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id))) == 0


def test_forged_or_altered_unsubscribe_links_are_refused(app: Flask, catalogue) -> None:
    follow_anonymously(app, catalogue)
    confirm(app)
    follow_anonymously(app, catalogue, email="ander@example.org")
    confirm(app, "ander@example.org")
    with app.app_context():
        other = db.session.scalar(select(Follow).where(Follow.email == "ander@example.org"))
        # Guessing: the right id with a wrong secret, signed with another key.
        guessed = services.unsubscribe_token("not-the-key", [other])
        other.secret = "0" * 32
        wrong_secret = services.unsubscribe_token(app.config["SECRET_KEY"], [other])
        db.session.rollback()
    client = app.test_client()
    for token in ("not-a-token", guessed, guessed[:-2] + "xx"):
        assert client.post(f"/pipeline/unsubscribe/{token}").status_code == 400
    assert client.post(f"/pipeline/unsubscribe/{wrong_secret}").status_code == 200  # valid form, ends nothing
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id))) == 2


def test_old_unsubscribe_link_does_not_end_a_later_follow(app: Flask, catalogue) -> None:
    follow_anonymously(app, catalogue)
    confirm(app)
    with app.app_context():
        old_token = services.unsubscribe_token(app.config["SECRET_KEY"], list(db.session.scalars(select(Follow))))
    client = app.test_client()
    client.post(f"/pipeline/unsubscribe/{old_token}")
    follow_anonymously(app, catalogue)
    confirm(app)
    client.post(f"/pipeline/unsubscribe/{old_token}")  # replayed from the old mail
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id))) == 1


def test_forged_confirmation_link_is_refused(app: Flask, catalogue) -> None:
    client = app.test_client()
    assert client.get("/pipeline/follow/confirm/forged").status_code == 400
    assert client.post("/pipeline/follow/confirm/forged").status_code == 400


def test_follow_form_errors_keep_what_was_typed(app: Flask, catalogue) -> None:
    response = app.test_client().post("/pipeline/follow", data={"topic": "", "email": "geen-adres"})
    assert response.status_code == 400
    assert 'value="geen-adres"' in response.get_data(as_text=True)
    assert page_text(response).count("form-group--invalid") == 0  # plain text check below
    assert response.get_data(as_text=True).count("form-group--invalid") == 2


def test_delivered_digest_carries_rfc_8058_headers(app: Flask, catalogue, monkeypatch) -> None:
    follow_anonymously(app, catalogue)
    confirm(app)
    staff_client(app).post("/staff/pipeline/new", data=plan_form(catalogue))
    run_digest(app)
    sent = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args) -> None:
            pass

        def send_message(self, message) -> None:
            sent.append(message)

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    with app.app_context():
        deliver_pending(db.session, {**app.config, "MAIL_SERVER": "localhost"})
        db.session.commit()
    digest = next(m for m in sent if m["List-Unsubscribe"])
    assert digest["List-Unsubscribe"].startswith("<http") and "/pipeline/unsubscribe/" in digest["List-Unsubscribe"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
