"""The Atom feed of new and changed calls (RFC 4287); it links the dialogue calendar feed."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import select

from ..calls.models import Call
from ..calls.services import visible_to_public
from ..core.db import db, use_replica
from ..core.timezones import now_utc
from .serializers import absolute

bp = Blueprint("feeds", __name__)
bp.before_request(use_replica)  # feeds only read, and a few seconds' lag is harmless

FEED_SIZE = 50


@bp.route("/feeds/calls.atom")
def calls_feed():
    calls = db.session.scalars(
        select(Call).where(visible_to_public()).order_by(Call.updated_at.desc(), Call.id.desc()).limit(FEED_SIZE)
    ).all()
    updated = max((call.updated_at for call in calls), default=now_utc())
    # Identifiers and links use the site's public address, not the Host header of this request:
    # they must stay the same for every reader and cannot be steered by a forged header.
    host = urlsplit(str(current_app.config["PUBLIC_URL"])).hostname or "localhost"
    body = render_template("api/calls.atom.xml", calls=calls, updated=updated, host=host, absolute=absolute)
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)
