"""The call cards (calls/cards.py) are plain rows read in a few queries; they must say exactly what
the Call objects say: public state, deadline, texts in the visitor's language, labels."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from mvi_challenges.calls import cards
from mvi_challenges.calls.models import Call, CallKind, CallStatus, PublicState, call_text
from mvi_challenges.calls.services import count_calls_by_state
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc

from ..factories import make_call

DAY = dt.timedelta(days=1)


def _calls(app: Flask) -> list[int]:
    made = [
        make_call(app, values=("klimaat", "circulaire-economie", "sociale-stad")),  # open
        make_call(app, kind=CallKind.SBIR, opens_in=5 * DAY, closes_in=9 * DAY, values=("innovatie",)),  # upcoming
        make_call(app, opens_in=-9 * DAY, closes_in=-2 * DAY),  # published, its deadline passed
        make_call(app, status=CallStatus.CLOSED),
        make_call(app, status=CallStatus.DECIDED),
        make_call(app, status=CallStatus.CANCELLED),
        make_call(app, level=1, explanation="De markt is nog niet zo ver, dat bleek uit de marktconsultatie."),
    ]
    with app.app_context():
        english = db.session.get(Call, made[0].id)
        english.title_en, english.summary_en = "An English title", "An English summary."
        db.session.commit()
    return [call.id for call in made]


def test_cards_say_what_the_calls_say(app: Flask) -> None:
    ids = _calls(app)
    now = now_utc()
    for locale in ("nl", "en"):
        with app.test_request_context(), force_locale(locale):
            shown = cards.card_rows(db.session, list(reversed(ids)), now, locale)
            assert [card.id for card in shown] == list(reversed(ids))  # the order of the keys
            for card in shown:
                call = db.session.get(Call, card.id)
                state = call.public_state(now)
                assert card.state == state.value
                assert card.state_label == str(cards.STATE_LABELS[state])
                expected_deadline = call.next_deadline(now) if state in (PublicState.OPEN, PublicState.UPCOMING) \
                    else None
                assert card.deadline == expected_deadline
                assert card.title == call_text(call, "title", locale)
                assert card.summary == call_text(call, "summary", locale)
                assert card.only_dutch == (locale != "nl" and not call.has_english)
                assert card.category == call.category.localised("name", locale)
                assert card.social_values == ", ".join(v.localised("name", locale) for v in call.social_values)
                assert card.url == f"/calls/{call.slug}"
            states = {card.state for card in shown}
            assert {"open", "upcoming", "closed", "decided", "cancelled"} <= states
            assert shown[-1].title.lang == ("en" if locale == "en" else "nl")


def test_home_cards_and_counts_match_the_rules(app: Flask) -> None:
    ids = _calls(app)
    now = now_utc()
    with app.test_request_context(), force_locale("en"):
        home = cards.open_call_cards(db.session, now, "en", limit=6)
        open_ids = [call_id for call_id in ids
                    if db.session.get(Call, call_id).public_state(now) is PublicState.OPEN]
        assert len(home) == len(open_ids)
        assert all(card.deadline > now for card in home)
        assert cards.count_open_and_upcoming(db.session, now) == count_calls_by_state(db.session, now)
        slugs = set(db.session.scalars(select(Call.slug).where(Call.id.in_(open_ids))))
        assert {card.url.rsplit("/", 1)[-1] for card in home} == slugs


def test_text_search_ignores_case_and_takes_wildcards_literally(app: Flask, client) -> None:
    make_call(app, title="Circulaire Bouwplaats Overvecht")
    for text, found in (("circulaire bouw", True), ("BOUWPLAATS", True), ("overVECHT", True),
                        ("circul_ire", False), ("circulaire%overvecht", False), ("ontbreekt", False)):
        body = client.get("/calls", query_string={"q": text}).get_data(as_text=True)
        assert ("Circulaire Bouwplaats Overvecht" in body) is found, text
