"""Rate limits: guessing passwords (and asking for reset mails) is slowed down per person and per IP.

Flask-Limiter with in-memory counters by default (one process: fine for `make run`); with several
workers or servers set `RATELIMIT_STORAGE_URI=redis://…` so they share one count.
Only failed attempts count: a person who types their password right is never held up.

Wrong passwords for one account are paused per account *and address*: an attacker's address is
stopped, the owner elsewhere is not (a lock-out per account alone is a weapon: five wrong passwords
from anywhere would lock the owner out). Guessing one account from many addresses is answered by
asking for more at login (accounts.services.check_login), not by refusing everyone.
"""

from __future__ import annotations

import ipaddress

from flask import request
from flask_limiter import Limiter


def client_address() -> str:
    """The address a request comes from; for IPv6 its /64 network, which one household or server has
    whole (privacy extensions change the rest every day, and an attacker could rotate through it)."""
    raw = request.remote_addr or "127.0.0.1"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)

# Per account and address: a handful of wrong passwords, then a pause (for that address only);
# per address: more, for shared offices, and so one address cannot guess many accounts.
LOGIN_PER_ACCOUNT = "5 per 5 minutes"
LOGIN_PER_IP = "30 per 10 minutes"
RESET_PER_ACCOUNT = "3 per hour"
RESET_PER_IP = "10 per hour"
# Every registration sends a mail: enough for a school class on one network, too few to flood mailboxes.
REGISTER_PER_IP = "20 per hour"
EMAIL_CHANGES = "5 per hour"  # per account: each sends a mail to an address the person types
TWO_STEP_ATTEMPTS = "5 per 5 minutes"  # a 6-digit code must not be guessable by trying


def submitted_email() -> str:
    """The account a request is about, normalised, so `Anna@x.nl ` and `anna@x.nl` share a count."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def submitted_email_from_address() -> str:
    """One account guessed from one address: the pause holds the guesser, not the owner elsewhere."""
    return submitted_email() + "|" + client_address()


def signed_in_account() -> str:
    """The logged-in account a form asks the current password of (changing it, deleting the
    account): guesses through an open session pause like guesses at the login form."""
    from flask_login import current_user

    return "password-check:" + str(current_user.get_id() if current_user.is_authenticated else client_address())


def failed(response) -> bool:
    """A login or reset attempt that did not succeed (success redirects)."""
    return response.status_code != 302


def succeeded(response) -> bool:
    """A submission that went through (and sent a mail): the ones that count towards a limit on mails."""
    return response.status_code == 302
