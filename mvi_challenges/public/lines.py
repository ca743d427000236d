"""What /my prints per row, prepared once per request in the view's language (issue #20).

A citizen registered for 40 dialogues made the template build three links (url_for), a CSRF field,
a date and two translated sentences per row, through about 30 template calls each: 146 url_for, 42
csrf_token and 40 date formats per request, most of the page's time. Here each link is built once
per page and each slug put into it, each sentence translated once and each row's title put into it
(escaped, as the template's `_()` does), so the template only prints; staff's calls closing this
week likewise. The rules stay where they are: which note a registration gets is asked of the
dialogues' lifecycle guards, dates and times left are core.formatting's.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..core.formatting import local_datetime, time_left
from ..core.i18n import locale_name
from ..dialogues import lifecycle as dialogue_lifecycle
from ..dialogues.models import dialogue_text

_PLAIN_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")  # core.slugs.slugify's words: nothing to quote in a URL
_STAND_IN = "zz0slug0zz"


class _SlugLinks:
    """url_for(endpoint, slug=...) of several endpoints for the many rows of a list: each address is
    built once (with a stand-in for the slug) and each plain slug put into it; any other slug goes
    through url_for."""

    def __init__(self, *endpoints: str) -> None:
        self.endpoints = endpoints
        self.parts = [url_for(endpoint, slug=_STAND_IN).split(_STAND_IN, 1) for endpoint in endpoints]

    def of(self, slug: str) -> list[str]:
        if _PLAIN_SLUG.fullmatch(slug):
            return [head + slug + tail for head, tail in self.parts]
        return [url_for(endpoint, slug=slug) for endpoint in self.endpoints]


def _markup(translated: str) -> Markup:
    """A translated sentence as the template's `_()` makes it: our own catalogue's text is markup,
    the values put into it with `%` are escaped."""
    return Markup(translated)  # noqa: S704 - our own catalogue, as Jinja's gettext


# The registration's state, as the dialogues' lifecycle guards tell it.
_RESERVE, _WAITING = _l("not drawn, on the reserve list"), _l("on the waiting list")
_CANDIDATE, _SEATED = _l("waiting for the draw"), _l("drawn: you have a seat")


@functools.lru_cache(maxsize=4096)
def _long_moment(locale: str, moment: dt.datetime) -> str:
    """local_datetime(moment, 'long') in the request's language (`locale`, the request's, is only the
    key): the same dialogues start, and the same phases close, at the same moments on every page that
    lists them, so each is formatted once per process and language (10-50 µs each with Babel)."""
    return local_datetime(moment, "long")


class DialogueLine(NamedTuple):
    """One upcoming dialogue of this person on /my, ready to print."""

    url: str
    title: str  # in the visitor's language when the dialogue has it, else Dutch (title_lang)
    title_lang: str
    only_dutch: bool  # no English version while the visitor reads English
    starts: str  # the start, long form, in Amsterdam's time
    note: Markup  # the registration's state (printed in brackets), or "" (a confirmed seat without a draw)
    calendar_url: str
    calendar_label: Markup
    cancel_url: str
    cancel_label: Markup


def dialogue_lines(rows: Iterable[Any]) -> list[DialogueLine]:
    """`rows` of work.my_dialogues (slug, title, title_en, starts_at, and the registration's status and
    lot_rank)."""
    rows = list(rows)
    if not rows:
        return []
    links = _SlugLinks("dialogues.detail", "dialogues.ics", "dialogues.cancel")
    # The template's `_("…", title=…)` is Markup(translation) % {"title": title}: the title escaped, put
    # in as text. The same, without Markup's per-call escaping helpers: the title escaped once per row.
    calendar = str(gettext("Add “%(title)s” to your calendar"))
    cancel_label = str(gettext("Cancel my registration for “%(title)s”"))
    notes: dict[int, Markup] = {}

    def note(message: Any) -> Markup:  # each translated once per page, "%%" read as "%" as in `_()`
        kept = notes.get(id(message))
        if kept is None:
            kept = notes[id(message)] = _markup(str(message)) % {}
        return kept

    locale = locale_name()
    lines = []
    for row in rows:
        if dialogue_lifecycle.is_waitlisted(row):
            state = note(_RESERVE) if row.lot_rank else note(_WAITING)
        elif dialogue_lifecycle.is_candidate(row):
            state = note(_CANDIDATE)
        elif row.lot_rank:
            state = note(_SEATED)
        else:
            state = Markup("")
        url, ics, cancel = links.of(row.slug)
        text = dialogue_text(row, "title", locale)
        title = {"title": escape(text.text)}
        lines.append(DialogueLine(url, text.text, text.lang, locale != "nl" and text.lang == "nl",
                                  _long_moment(locale, row.starts_at), state, ics,
                                  _markup(calendar % title), cancel, _markup(cancel_label % title)))
    return lines


class ClosingLine(NamedTuple):
    """A call phase closing this week, on staff's work list, ready to print."""

    url: str
    title: str
    phase_title: str
    deadline: str  # long form, in Amsterdam's time
    left: str  # how long until then


def closing_lines(rows: Iterable[Any], manage: str, now: dt.datetime) -> list[ClosingLine]:
    """`rows` of StaffWork.closing (call_id, title, phase_title, closes_at); `manage` the call's
    manage page as a pattern for str.format (public.views._url_pattern)."""
    locale = locale_name()
    return [ClosingLine(manage.format(row.call_id), row.title, row.phase_title, _long_moment(locale, row.closes_at),
                        time_left(row.closes_at, now)) for row in rows]
