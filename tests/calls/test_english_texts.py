"""A call's own texts in English: written by staff in the call form, read by visitors who chose English,
and marked as Dutch (lang="nl", WCAG 3.1.2) with a note where no English version exists."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import Role

from ..factories import login, make_call, make_user, page_text

ENGLISH = {
    "title_en": "Smart benches", "summary_en": "Benches that measure the air.",
    "body_source_en": "## The question\nBenches that **measure**.", "prize_text_en": "2 × €10,000",
}


def _call_form(catalogue, **overrides) -> dict:
    data = {
        "kind": "challenge", "title": "Slimme bankjes", "summary": "Bankjes die de lucht meten.",
        "body_source": "## Vraag\nBankjes die **meten**.",
        "category_id": catalogue.categories["openbare-ruimte"].id, "ambition_level": "3",
        "level_explanation": "", "social_values": [catalogue.values["innovatie"]], "eligibility": "entrepreneurs",
        "prize_text": "2 × €10.000", "contact_name": "Ilse", "contact_email": "ilse@utrecht.example",
    }
    data.update(overrides)
    return data


def _create(app: Flask, client: FlaskClient, catalogue, **overrides) -> int:
    """A published challenge made through the staff form, with one open phase; returns its id."""
    login(client, make_user(app, Role.STAFF))
    response = client.post("/staff/calls/new", data=_call_form(catalogue, **overrides))
    assert response.status_code == 302, page_text(response)
    return int(re.search(r"/staff/calls/(\d+)", response.location).group(1))


def _publish(app: Flask, client: FlaskClient, call_id: int) -> str:
    import datetime as dt

    today = dt.date.today()
    phase = {"title": "Voorstellen", "opens_at": f"{today - dt.timedelta(days=1)}T09:00",
             "closes_at": f"{today + dt.timedelta(days=20)}T12:00", "budget": "20.000", "max_awards": "2",
             "score_scale_max": "10", "criteria-0-name": "Impact", "criteria-0-weight": "100"}
    assert client.post(f"/staff/calls/{call_id}/phases/new", data=phase).status_code == 302
    assert client.post(f"/staff/calls/{call_id}/status/published", data={"confirm": "yes"}).status_code == 302
    from mvi_challenges.calls.models import Call
    from mvi_challenges.core.db import db

    with app.app_context():
        return db.session.get(Call, call_id).slug


def test_english_visitor_reads_the_english_version_and_a_dutch_visitor_the_dutch(
        app: Flask, client: FlaskClient, catalogue) -> None:
    slug = _publish(app, client, _create(app, client, catalogue, **ENGLISH))
    english = app.test_client()
    with english.session_transaction() as session:
        session["lang"] = "en"
    html = english.get(f"/calls/{slug}").get_data(as_text=True)
    assert '<h1 class="utrecht-heading-1" lang="en">Smart benches</h1>' in html
    assert 'lang="en">Benches that measure the air.</p>' in html
    assert "<strong>measure</strong>" in html and "2 × €10,000" in html
    assert "Slimme bankjes" not in page_text(english.get(f"/calls/{slug}"))
    assert "only available in Dutch" not in html

    dutch = app.test_client().get(f"/calls/{slug}").get_data(as_text=True)
    assert '<h1 class="utrecht-heading-1" lang="nl">Slimme bankjes</h1>' in dutch
    assert "Smart benches" not in dutch and "Nederlands" not in page_text(app.test_client().get(f"/calls/{slug}"))


def test_a_call_only_in_dutch_says_so_in_english_and_marks_its_texts_dutch(app: Flask, client_en: FlaskClient) -> None:
    call = make_call(app, title="Schone lucht", summary="Een samenvatting over schone lucht.")
    response = client_en.get(f"/calls/{call.slug}")
    html = response.get_data(as_text=True)
    assert "This call is only available in Dutch." in page_text(response)
    assert '<h1 class="utrecht-heading-1" lang="nl">Schone lucht</h1>' in html
    assert 'lang="nl">Een samenvatting over schone lucht.</p>' in html
    assert '<div class="rich-text" lang="nl">' in html
    # The Dutch page never needs the note.
    assert "alleen in het Nederlands" not in page_text(app.test_client().get(f"/calls/{call.slug}"))


def test_a_partial_english_version_marks_the_dutch_main_text_and_says_so(
        app: Flask, client: FlaskClient, client_en: FlaskClient, catalogue) -> None:
    slug = _publish(app, client, _create(app, client, catalogue, title_en="Smart benches",
                                         summary_en="Benches that measure the air."))
    response = client_en.get(f"/calls/{slug}")
    html = response.get_data(as_text=True)
    assert "Some texts of this call are only available in Dutch" in page_text(response)
    assert '<div class="rich-text" lang="nl"><h3>Vraag</h3>' in html
    assert 'lang="nl">2 × €10.000</dd>' in html


def test_english_texts_in_cards_feed_api_and_ocds(app: Flask, client: FlaskClient, client_en: FlaskClient,
                                                   catalogue) -> None:
    slug = _publish(app, client, _create(app, client, catalogue, **ENGLISH))
    dutch_only = make_call(app, title="Alleen Nederlands")

    cards = client_en.get("/calls").get_data(as_text=True)
    assert 'lang="en"><a class="utrecht-link" href="/calls/' + slug + '">Smart benches</a>' in cards
    assert f'lang="nl"><a class="utrecht-link" href="/calls/{dutch_only.slug}">Alleen Nederlands</a>' in cards
    assert page_text(client_en.get("/calls")).count("Only available in Dutch") == 1
    assert "Alleen in het Nederlands" not in page_text(client.get("/calls"))
    assert "Smart benches" in page_text(client_en.get("/"))

    feed = client_en.get("/feeds/calls.atom").get_data(as_text=True)
    assert '<title xml:lang="en">Smart benches</title>' in feed
    assert '<title xml:lang="nl">Alleen Nederlands</title>' in feed
    assert '<title xml:lang="nl">Slimme bankjes</title>' in client.get("/feeds/calls.atom").get_data(as_text=True)

    api = client.get(f"/api/v1/calls/{slug}").get_json()
    assert api["title"] == "Slimme bankjes"
    assert api["english"]["title"] == "Smart benches" and "<strong>measure</strong>" in api["english"]["body_html"]
    assert client.get(f"/api/v1/calls/{dutch_only.slug}").get_json()["english"] is None

    releases = client.get("/api/v1/ocds/releases.json").get_json()["releases"]
    tender = next(r["tender"] for r in releases if r["tender"]["title"] == "Slimme bankjes")
    assert tender["title_en"] == "Smart benches" and tender["description_en"] == "Benches that measure the air."
    plain = next(r["tender"] for r in releases if r["tender"]["title"] == "Alleen Nederlands")
    assert "title_en" not in plain


def test_searching_in_english_finds_the_call(app: Flask, client: FlaskClient, client_en: FlaskClient,
                                             catalogue) -> None:
    _publish(app, client, _create(app, client, catalogue, **ENGLISH))
    assert "Smart benches" in page_text(client_en.get("/calls?q=benches"))


def test_english_fields_are_checked_with_the_rest_and_kept_as_typed(app: Flask, client_en: FlaskClient,
                                                                    catalogue) -> None:
    login(client_en, make_user(app, Role.STAFF))
    response = client_en.post("/staff/calls/new", data=_call_form(
        catalogue, title="", body_source_en="An English text without a title", prize_text_en="Two pilots"))
    assert response.status_code == 400
    text = page_text(response)
    # All at once: the missing Dutch title and both missing English fields.
    assert "Fill in “Title”." in text
    assert "Give the English title too, or leave all English fields empty." in text
    assert "Give the English summary too, or leave all English fields empty." in text
    html = response.get_data(as_text=True)
    assert "An English text without a title</textarea>" in html and 'value="Two pilots"' in html
    assert "English (optional)" in text
    assert re.search(r'<input[^>]*id="title_en"[^>]*lang="en"|<input[^>]*lang="en"[^>]*id="title_en"', html)


def test_the_call_form_names_its_english_group_in_dutch(app: Flask, client: FlaskClient) -> None:
    login(client, make_user(app, Role.STAFF))
    text = page_text(client.get("/staff/calls/new"))
    assert "Engels (optioneel)" in text and "Titel in het Engels" in text


def test_script_in_english_texts_is_escaped_or_removed(app: Flask, client: FlaskClient, client_en: FlaskClient,
                                                       catalogue) -> None:
    slug = _publish(app, client, _create(
        app, client, catalogue, title_en="<script>alert(1)</script>Benches",
        summary_en="Fine <img src=x onerror=alert(1)>",
        body_source_en="Hello <script>alert(2)</script> [link](javascript:alert(3))"))
    for html in (client_en.get(f"/calls/{slug}").get_data(as_text=True),
                 client_en.get("/calls").get_data(as_text=True),
                 client_en.get("/feeds/calls.atom").get_data(as_text=True)):
        assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Benches" in client_en.get(f"/calls/{slug}").get_data(as_text=True)
    api = client.get(f"/api/v1/calls/{slug}").get_json()["english"]
    assert "<script" not in api["body_html"] and 'href="javascript' not in api["body_html"]


def test_editing_a_call_shows_its_english_texts_and_clearing_them_makes_it_dutch_only(
        app: Flask, client: FlaskClient, client_en: FlaskClient, catalogue) -> None:
    call_id = _create(app, client, catalogue, **ENGLISH)
    form = client.get(f"/staff/calls/{call_id}/edit").get_data(as_text=True)
    assert 'value="Smart benches"' in form and "Benches that measure the air.</textarea>" in form
    cleared = {key: "" for key in ENGLISH}
    assert client.post(f"/staff/calls/{call_id}/edit", data=_call_form(catalogue, **cleared)).status_code == 302
    slug = _publish(app, client, call_id)
    assert "This call is only available in Dutch." in page_text(client_en.get(f"/calls/{slug}"))
