"""The Atom feed of new and changed calls (RFC 4287); it links the dialogue calendar feed."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from sqlalchemy import select

from ..calls.models import Call
from ..calls.services import visible_to_public
from ..db import db
from ..timezones import now_utc

bp = Blueprint("feeds", __name__)

FEED_SIZE = 50


@bp.route("/feeds/calls.atom")
def calls_feed():
    calls = db.session.scalars(
        select(Call).where(visible_to_public()).order_by(Call.updated_at.desc(), Call.id.desc()).limit(FEED_SIZE)
    ).all()
    updated = max((call.updated_at for call in calls), default=now_utc())
    body = render_template("api/calls.atom.xml", calls=calls, updated=updated, host=request.host.split(":")[0])
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)
