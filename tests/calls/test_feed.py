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
    # Conditional GET: an unchanged feed costs a reader no download.
    again = client.get("/feeds/calls.atom", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # Every page announces the feed to browsers and feed readers.
    assert 'type="application/atom+xml"' in client.get("/").get_data(as_text=True)
