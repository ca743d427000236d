"""Checking a KvK number against the Chamber of Commerce register, behind one small interface.

Anyone with a mailbox can name a KvK number when registering. Until the number is checked, the
organisation is "unverified": staff see so, and administrators (not its first registrant) decide who
joins it. Today an administrator checks by hand (`ManualKvkVerifier`: nothing is decided
automatically, the queue at /admin/organisations links to the register). The KvK API
(developers.kvk.nl, "Zoeken" and "Basisprofiel") can be plugged in later as another `KvkVerifier`
that answers VERIFIED when the number exists and is active and the name matches; it is chosen in
one place, `verifier()`, by the KVK_VERIFIER setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from flask import current_app

from .models import KvkStatus


def register_url(kvk_number: str) -> str:
    """The public KvK register's search page for this number: where an administrator checks it."""
    return f"https://www.kvk.nl/zoeken/?source=all&q={quote(kvk_number)}"


@dataclass(frozen=True)
class KvkCheck:
    """What a verifier found: VERIFIED (decided, no administrator needed), REJECTED (with a reason), or
    UNVERIFIED (an administrator decides)."""

    status: KvkStatus
    reason: str = ""
    source: str = "manual"


class KvkVerifier(Protocol):
    def check(self, kvk_number: str, name: str) -> KvkCheck:
        """Check a newly registered organisation's number and name."""
        ...


class ManualKvkVerifier:
    """No automatic check: every new organisation waits in the administrators' queue."""

    def check(self, kvk_number: str, name: str) -> KvkCheck:
        return KvkCheck(KvkStatus.UNVERIFIED)


VERIFIERS: dict[str, type] = {"manual": ManualKvkVerifier}


def verifier() -> KvkVerifier:
    """The configured verifier (KVK_VERIFIER, default "manual")."""
    return VERIFIERS[current_app.config.get("KVK_VERIFIER", "manual")]()
