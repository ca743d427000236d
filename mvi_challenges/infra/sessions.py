"""Server-side sessions in Redis, used when REDIS_URL is set (signed-cookie sessions otherwise).

Why our own small SessionInterface rather than Flask-Session: we need exactly one backend, the
same JSON serialisation Flask's cookie sessions use (so nothing changes for the code that reads
`session`), and one rule Flask-Session does not give: a new session id whenever the logged-in user
changes (login, logout), so a session id planted before login is worthless after it. That is
sixty lines; a dependency would bring its own serialiser, backends and settings to keep in step.

The cookie holds only a random id; the data lives under `<prefix>session:<id>` with a sliding
expiry. Deleting that key ends the session on every server at once: logging out on one server
logs the browser out on all. Password changes, resets and blocks end *every* session of the
account through `auth_version` (see auth.load_user), which is stored in the shared database.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from .redis_client import redis_for, redis_key

USER_KEY = "_user_id"  # where Flask-Login keeps who is logged in
serializer = TaggedJSONSerializer()


class RedisSession(CallbackDict, SessionMixin):  # type: ignore[misc]
    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None, new: bool = False) -> None:
        def on_update(session: RedisSession) -> None:
            session.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.new = new
        self.modified = False
        self.user_at_start = (initial or {}).get(USER_KEY)
        self.expiry_renewed = False  # read with GETEX, which already renewed the sliding expiry


class RedisSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> RedisSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and len(sid) <= 100:
            # Read and renew the sliding expiry in one round trip (GETEX, Redis 6.2+): every
            # logged-in page pays for it (issue #20).
            raw = redis_for(app).getex(redis_key(app, "session", sid), ex=int(app.config["SESSION_LIFETIME_SECONDS"]))
            if raw is not None:
                try:
                    session = RedisSession(serializer.loads(raw.decode("utf-8")), sid=sid)
                except ValueError:
                    pass  # unreadable data: start afresh
                else:
                    session.expiry_renewed = True
                    return session
        return RedisSession(new=True)

    def save_session(self, app: Flask, session: RedisSession, response: Response) -> None:  # type: ignore[override]
        client = redis_for(app)
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if not session:
            if session.sid is not None:  # emptied (logged out, cleared): gone everywhere
                client.delete(redis_key(app, "session", session.sid))
                response.delete_cookie(name, domain=domain, path=path, secure=self.get_cookie_secure(app),
                                       httponly=self.get_cookie_httponly(app),
                                       samesite=self.get_cookie_samesite(app))
            return
        lifetime = int(app.config["SESSION_LIFETIME_SECONDS"])
        if session.get(USER_KEY) != session.user_at_start and session.sid is not None:
            # Someone logged in or out: the old id must not lead to the new state (session fixation).
            client.delete(redis_key(app, "session", session.sid))
            session.sid = None
        if session.sid is None or session.modified:
            session.sid = session.sid or secrets.token_urlsafe(32)
            client.set(redis_key(app, "session", session.sid), serializer.dumps(dict(session)), ex=lifetime)
        elif not session.expiry_renewed:
            client.expire(redis_key(app, "session", session.sid), lifetime)  # still in use: keep it
        response.set_cookie(name, session.sid, httponly=self.get_cookie_httponly(app), domain=domain, path=path,
                            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")


def install(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        app.session_interface = RedisSessionInterface()
