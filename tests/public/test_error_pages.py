"""Error pages in both languages, never a traceback, even in production."""

from __future__ import annotations

import pytest
from flask import Flask, abort

from mvi_challenges import create_app
from mvi_challenges.core.db import db

from ..factories import page_text

PAGES = {
    400: ("Bad request", "Ongeldig verzoek"),
    403: ("No access", "Geen toegang"),
    404: ("Page not found", "Pagina niet gevonden"),
    405: ("Not allowed", "Niet toegestaan"),
    413: ("File too large", "Bestand te groot"),
    429: ("Too many attempts", "Te veel pogingen"),
    500: ("Something went wrong", "Er ging iets mis"),
}


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> Flask:
    import os

    os.environ["MVI_ENV"], os.environ["SECRET_KEY"] = "production", "a-real-secret-for-this-test"
    os.environ["PUBLIC_URL"] = "http://localhost"  # the test client's host
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('prod') / 'p.sqlite3'}"})
    finally:
        del os.environ["MVI_ENV"], os.environ["SECRET_KEY"], os.environ["PUBLIC_URL"]
    for code in PAGES:
        app.add_url_rule(f"/boom/{code}", f"boom{code}", _raiser(code))
    with app.app_context():
        db.create_all()
    return app


def _raiser(code: int):
    def view():
        if code == 500:
            raise RuntimeError("secret internals: /etc/passwd")
        abort(code)
    return view


@pytest.mark.parametrize("code", list(PAGES))
def test_every_error_page_speaks_both_languages_without_a_traceback(production: Flask, code: int) -> None:
    english, dutch = PAGES[code]
    client = production.test_client()
    response = client.get(f"/boom/{code}")
    assert response.status_code == code
    text = page_text(response)
    assert dutch in text and "Traceback" not in text and "secret internals" not in text
    with client.session_transaction() as session:
        session["lang"] = "en"
    text = page_text(client.get(f"/boom/{code}"))
    assert english in text and "Traceback" not in text and "secret internals" not in text


def test_a_wrong_method_is_a_friendly_405(client_en) -> None:
    response = client_en.put("/calls")
    assert response.status_code == 405 and "Not allowed" in page_text(response)
