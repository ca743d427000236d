"""Open redirects and forged headers, tried as an attacker sending a victim a crafted link.

- `next` after logging in: only same-site paths; schemes, hosts, `//`, backslashes, control
  characters and encoded tricks are refused (accounts/auth.is_safe_next), also through the login form.
  Found: `///evil.example` passed the check (urlsplit sees no host in it; browsers do). Werkzeug's
  redirect happened to collapse it to the path `/evil.example`, so no redirect left the site, but the
  check itself was wrong: fixed in accounts/auth.is_safe_next.
- A forged `X-Request-Id` never reaches the logs or the response verbatim (infra/operations).
"""

from __future__ import annotations

import pytest
from flask import Flask

from mvi_challenges.accounts.auth import is_safe_next
from mvi_challenges.accounts.models import Role

from ..factories import make_user

HOSTILE = ["https://evil.example/", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
           "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "evil.example", "http:/evil.example",
           " //evil.example", "\x00/evil", "https:evil.example", ""]
SAFE = ["/", "/calls/zero-emissie?page=2", "/my/proposals#top", "/%2F%2Fevil.example"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_next_targets_are_refused(target: str) -> None:
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", SAFE)
def test_same_site_paths_are_kept(target: str) -> None:
    assert is_safe_next(target)


def test_the_login_form_does_not_send_anyone_away(app: Flask, catalogue) -> None:
    user = make_user(app, Role.CITIZEN)
    for target in ("//evil.example/x", "///evil.example/x", "https://evil.example/", "/\\evil.example"):
        browser = app.test_client()
        response = browser.post(f"/account/login?next={target}",
                                data={"email": user.email, "password": user.password, "next": target})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "evil.example" not in location, location


def test_a_forged_request_id_is_replaced(app: Flask) -> None:
    browser = app.test_client()
    for forged in ("abc Set-Cookie: x=1", "<script>", "x" * 200, "../../etc"):
        response = browser.get("/", headers={"X-Request-Id": forged})
        assert response.headers["X-Request-Id"] != forged
    assert browser.get("/", headers={"X-Request-Id": "nginx-1234"}).headers["X-Request-Id"] == "nginx-1234"
