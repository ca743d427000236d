from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role
from mvi_challenges.accounts.services import find_user_by_email
from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db

from ..factories import login, make_user, page_text

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_dutch_is_the_default_and_english_is_one_click_away(client: FlaskClient) -> None:
    home = client.get("/")
    assert 'lang="nl"' in home.get_data(as_text=True)
    assert "Ga direct naar de inhoud" in page_text(home)
    switched = client.post("/language", data={"lang": "en", "next": "/calls?kind=sbir"})
    assert switched.status_code == 302 and switched.location == "/calls?kind=sbir"
    page = client.get("/calls?kind=sbir")
    assert 'lang="en"' in page.get_data(as_text=True)
    assert "Challenges and SBIR calls" in page_text(page)
    back = client.post("/language", data={"lang": "nl", "next": "https://evil.example/"})
    assert back.location == "/"


def test_language_choice_is_remembered_for_a_logged_in_user(app: Flask, client: FlaskClient) -> None:
    user = make_user(app)
    login(client, user)
    client.post("/language", data={"lang": "en", "next": "/"})
    fresh = app.test_client()
    login(fresh, user)
    assert 'lang="en"' in fresh.get("/account").get_data(as_text=True)


def test_not_found_page_is_friendly_and_translated(client: FlaskClient, client_en: FlaskClient) -> None:
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in page_text(response)
    assert "Page not found" in page_text(client_en.get("/does-not-exist"))


def test_forbidden_page_for_a_citizen_on_a_staff_page(app: Flask, client: FlaskClient) -> None:
    login(client, make_user(app, Role.CITIZEN))
    response = client.get("/staff/calls")
    assert response.status_code == 403
    assert "Geen toegang" in page_text(response)


def test_security_headers(app: Flask, client: FlaskClient) -> None:
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    login(client, make_user(app))
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_every_page_has_one_h1_and_a_title(app: Flask, client: FlaskClient, catalogue) -> None:
    for url in ("/", "/calls", "/account/login", "/account/register", "/privacy", "/accessibility", "/nope"):
        html = client.get(url).get_data(as_text=True)
        assert len(re.findall(r"<h1[ >]", html)) == 1, url
        assert re.search(r"<title>[^<]+ · MVI Challenges Utrecht</title>", html), url


def test_seed_demo_is_idempotent_and_makes_a_living_site(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert ("7 users, 9 calls, 4 proposals, 1 clarification notes, 4 dialogues, 3 juries and 5 external tenders "
            "added") in first.output
    second = runner.invoke(args=["seed-demo"])
    assert ("0 users, 0 calls, 0 proposals, 0 clarification notes, 0 dialogues, 0 juries and 0 external tenders "
            "added") in second.output
    with app.app_context():
        assert db.session.query(Call).count() == 9
        assert find_user_by_email(db.session, "admin@demo.mvi.example").roles == {Role.ADMIN, Role.STAFF}
        # The demo's staff and jury have the second step set up (a shared demo authenticator).
        assert find_user_by_email(db.session, "jury@demo.mvi.example").has_two_step
        assert not find_user_by_email(db.session, "burger@demo.mvi.example").has_two_step
        assert find_user_by_email(db.session, "bewoner01@demo.mvi.example").email_confirmed  # can log in
    text = page_text(client.get("/"))
    assert "Zero-emissie bouwlogistiek binnenstad" in text  # open, with time to start a proposal
    assert "Circulair meubilair voor scholen" in text  # open, and the demo entrepreneur has not started on it
    assert "Hittestress Overvecht" in page_text(client.get("/calls"))  # phase 1 being judged, phase 2 ahead
    winners = page_text(client.get("/calls/stille-bouwplaatsen/winners"))  # a challenge in rounds, decided
    assert "Plaats 1: Geluidsscherm van stro" in winners and "€ 10.000" in winners
    # Its decisions are published, so the call is decided: the public "Besloten" filter finds it.
    decided = page_text(client.get("/calls?state=decided"))
    assert "Biodiversiteit Lage Weide" in decided
    assert "Biodiversiteit Lage Weide" not in page_text(client.get("/calls?state=closed"))
    catering = page_text(client.get("/calls/catering-stadskantoor-2027"))
    assert "Het lopende contract loopt binnen vier maanden af" in catering
    # Most demo calls have an English version; the catering call is left in Dutch only.
    english = app.test_client()
    with english.session_transaction() as session:
        session["lang"] = "en"
    english_list = page_text(english.get("/calls"))
    assert "Zero-emission construction logistics in the city centre" in english_list
    assert "Circular furniture for schools" in english_list
    assert "This call is only available in Dutch." in page_text(english.get("/calls/catering-stadskantoor-2027"))
    # Monitoring: the catering tender below target with its explanation, contracts with results.
    register = page_text(client.get("/monitoring/register?category=catering&source=external"))
    assert "Catering stadskantoor en stadhuis 2026–2030" in register and "huurcontract" in register
    assert "Vervanging laptops en telefoons" in page_text(client.get("/monitoring/register?below=unexplained"))
    # The demo's below-target calls were published after their manager approved the explanation.
    platform = page_text(client.get("/monitoring/register?category=catering&source=platform"))
    assert "Catering Stadskantoor 2027" in platform
    assert "Uitleg goedgekeurd door de verantwoordelijke manager, Anna Admin" in platform
    with app.app_context():
        from mvi_challenges.monitoring.models import Contract, ProcurementRecord

        assert db.session.query(ProcurementRecord).count() == 5 + 8  # the tenders and the published calls
        contracts = db.session.query(Contract).all()
        assert {c.supplier_name for c in contracts} >= {"Smaak van Utrecht Catering BV", "Groene Logistiek Utrecht BV"}
        assert all(c.updates for c in contracts), "every demo contract reports results"
        years = {r.published_on.year for r in db.session.query(ProcurementRecord)}
    assert len(years) >= 2  # spread over two years
    _demo_note_and_draw_are_there(app, client)


def _demo_note_and_draw_are_there(app: Flask, client: FlaskClient) -> None:
    """Issue #18 parts 4 and 5 in the demo: an issued clarification note with an answer published
    after it, and a city dialogue by lot whose draw has been made, with the demo resident in it."""
    from mvi_challenges.dialogues.models import Dialogue, LotDraw, Registration
    from mvi_challenges.notices.models import ClarificationNote
    from mvi_challenges.proposals.models import Question

    slug = "zero-emissie-bouwlogistiek-binnenstad"
    note = page_text(client.get(f"/calls/{slug}/notes/1"))
    assert "Nota van inlichtingen 1" in note and "Mag de hub buiten de gemeentegrens liggen?" in note
    assert "Lombok" in note and "Telt een hub die al bestaat ook mee?" not in note
    assert "Telt een hub die al bestaat ook mee?" in page_text(client.get(f"/calls/{slug}/questions"))
    with app.app_context():
        assert db.session.query(ClarificationNote).count() == 1
        pending = db.session.query(Question).filter(Question.published_at.is_not(None), Question.note_id.is_(None))
        assert [q.text for q in pending] == ["Telt een hub die al bestaat ook mee?"]
        dialogue = db.session.query(Dialogue).filter_by(title="Stadspanel schone lucht").one()
        slug, draw = dialogue.slug, db.session.query(LotDraw).filter_by(dialogue_id=dialogue.id).one()
        assert len(draw.selected) == dialogue.capacity < len(draw.candidates)
        burger = find_user_by_email(db.session, "burger@demo.mvi.example")
        mine = db.session.query(Registration).filter_by(dialogue_id=dialogue.id, user_id=burger.id).one()
        assert mine.lot_rank is not None  # drawn or on the reserve list, in drawn order
        seated = [c for c in draw.candidates if c["number"] in draw.selected]
        for dimension, caps in draw.quotas.items():  # the quotas hold, whatever the secret drew
            assert all(sum(c[dimension] == group for c in seated) <= cap for group, cap in caps.items())
        assert sum(c["district"] == "overvecht" for c in draw.candidates) > draw.quotas["district"]["overvecht"]
    assert client.get(f"/dialogues/{slug}/draw").status_code == 200


def test_dutch_catalogue_is_complete_and_current() -> None:
    """Every text in code and templates has a Dutch translation (run `make messages` if not)."""
    with open(ROOT / "mvi_challenges/translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    method_map = [("mvi_challenges/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "lazy_ngettext": (1, 2)}
    missing = []
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords,
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(msgid)
        translated = entry is not None and (all(entry.string) if isinstance(entry.string, tuple) else entry.string)
        if not translated:
            missing.append(msgid)
    assert missing == []
