"""public_slug_url (core/links.py) builds the same absolute links as public_url, faster."""

from __future__ import annotations

import pytest
from flask import Flask

from mvi_challenges.core.links import public_slug_url, public_url


def test_slug_links_equal_public_url(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in ("http://127.0.0.1:5000", "https://mvi.utrecht.example/platform/"):
        monkeypatch.setitem(app.config, "PUBLIC_URL", setting)  # restored after the test
        with app.test_request_context(base_url="http://attacker.example"):
            for slug in ("uitvraag-12", "a", "Hoofdletters", "met spatie", "é-accent", "a/b"):
                assert public_slug_url("calls.call_detail", slug) == public_url("calls.call_detail", slug=slug)
                assert public_slug_url("api.decision_list", slug, name="call") == public_url("api.decision_list",
                                                                                             call=slug)
            assert public_slug_url("calls.call_detail", "x").startswith(setting.rstrip("/"))
