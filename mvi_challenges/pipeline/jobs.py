"""The pipeline's scheduled work: the daily digest for followers (infra.jobs, or `flask send-digests`)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from flask import current_app

from ..core.db import db
from ..core.links import public_url
from ..core.outbox import queue_user_email
from ..core.timezones import now_utc
from ..infra.jobs import deliver_outbox
from . import services
from .models import Follow


def queue_digest(address: str, follows: Sequence[Follow], news: list[services.TopicNews], token: str) -> None:
    """One digest mail through the outbox, with the RFC 8058 headers and a link per topic."""
    secret_key = current_app.config["SECRET_KEY"]
    unsubscribe_all = public_url("pipeline.unsubscribe", token=token)
    per_topic = {found.follow.id: public_url("pipeline.unsubscribe",
                                             token=services.unsubscribe_token(secret_key, [found.follow]))
                 for found in news}
    reader = SimpleNamespace(email=address, locale=follows[0].locale, name="")
    queue_user_email(db.session, reader, "pipeline_digest", to=address, list_unsubscribe=unsubscribe_all,
                     news=news, unsubscribe_all=unsubscribe_all, per_topic=per_topic)


def digest_now() -> int:
    """Queue today's digests and commit; the number of mails."""
    count = services.send_digests(db.session, current_app.config["SECRET_KEY"], now_utc(), queue_digest)
    db.session.commit()
    return count


def send_digests() -> str:
    """The scheduled job: queue the digests and deliver them."""
    with current_app.app_context():
        count = digest_now()
    deliver_outbox()
    return f"{count} digests queued"
