"""Rate limits: guessing passwords (and asking for reset mails) is slowed down per person and per IP.

Flask-Limiter with in-memory counters by default (one process: fine for `make run`); with several
workers or servers set `RATELIMIT_STORAGE_URI=redis://…` so they share one count.
Only failed attempts count: a person who types their password right is never held up.
"""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

# Per account: a handful of wrong passwords, then a pause; per IP: more, for shared offices.
LOGIN_PER_ACCOUNT = "5 per 5 minutes"
LOGIN_PER_IP = "30 per 10 minutes"
RESET_PER_ACCOUNT = "3 per hour"
RESET_PER_IP = "10 per hour"
# Every registration sends a mail: enough for a school class on one network, too few to flood mailboxes.
REGISTER_PER_IP = "20 per hour"
TWO_STEP_ATTEMPTS = "5 per 5 minutes"  # a 6-digit code must not be guessable by trying


def submitted_email() -> str:
    """The account a request is about, normalised, so `Anna@x.nl ` and `anna@x.nl` share a count."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def failed(response) -> bool:
    """A login or reset attempt that did not succeed (success redirects)."""
    return response.status_code != 302


def succeeded(response) -> bool:
    """A submission that went through (and sent a mail): the ones that count towards a limit on mails."""
    return response.status_code == 302
