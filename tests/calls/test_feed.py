"""The Atom feed of new and changed calls."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import Flask

from mvi_challenges.calls.models import CallStatus

from ..factories import make_call

ATOM = "{http://www.w3.org/2005/Atom}"


def test_feed_lists_public_calls_newest_change_first_and_links_the_dialogue_calendar(app: Flask, client,
                                                                                     catalogue) -> None:
    older = make_call(app, title="Schone bouwlogistiek")
    newer = make_call(app, title="Koele wijken & <groen>")
    draft = make_call(app, title="Geheim concept", status=CallStatus.DRAFT)
    cancelled = make_call(app, title="Afgeblazen", status=CallStatus.CANCELLED)
    response = client.get("/feeds/calls.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 - our own output; well-formed even with & and <
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert titles[0] == cancelled.title  # cancelled last: the most recent change comes first
    assert set(titles) == {older.title, newer.title, cancelled.title}
    assert draft.title not in titles
    entry = next(e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == newer.title)
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/calls/{newer.slug}")
    assert entry.findtext(f"{ATOM}id").endswith(f":call:{newer.id}")
    cancelled_entry = next(e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == cancelled.title)
    assert "Geen budget meer." in cancelled_entry.findtext(f"{ATOM}summary")
    related = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "related"]
    assert related and related[0].endswith("/dialogues/upcoming.ics")
    # Links and ids use the public address, whatever Host the request named.
    forged = client.get("/feeds/calls.atom", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in forged and app.config["PUBLIC_URL"] in forged
    # Conditional GET: an unchanged feed costs a reader no download.
    again = client.get("/feeds/calls.atom", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # Every page announces the feed to browsers and feed readers.
    assert 'type="application/atom+xml"' in client.get("/").get_data(as_text=True)


def test_a_phase_change_moves_the_call_up_in_the_feed(app: Flask, client, catalogue) -> None:
    import datetime as dt

    from mvi_challenges.calls.models import Call
    from mvi_challenges.calls.services import CriterionInput, save_phase
    from mvi_challenges.core.db import db

    first = make_call(app, title="Eerste")
    make_call(app, title="Tweede")
    with app.app_context():
        call = db.session.get(Call, first.id)
        phase = call.phases[0]
        save_phase(db.session, None, call, phase, title=phase.title, opens_at=phase.opens_at,
                   closes_at=phase.closes_at + dt.timedelta(days=7), budget_cents=phase.budget_cents,
                   max_awards=phase.max_awards, score_scale_max=10,
                   criteria=[CriterionInput(c.name, c.weight) for c in phase.criteria])
        db.session.commit()
    feed = ET.fromstring(client.get("/feeds/calls.atom").data)  # noqa: S314 - our own output
    assert feed.find(f"{ATOM}entry").findtext(f"{ATOM}title") == "Eerste"  # the deadline moved: news
