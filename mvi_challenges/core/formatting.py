"""Numbers, money and times as people read them, in their language and in Europe/Amsterdam.

Used by templates (as filters, see templating.py) and by services that write texts for people,
such as error messages that name an amount or a deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import dates, numbers
from flask_babel import gettext as _

from .i18n import current_locale, locale_name
from .timezones import LOCAL_TZ, now_utc, to_local

# Babel's own functions with the request's locale (core/i18n.py, looked up once per request) and
# Amsterdam's zone: what flask-babel's format_* do, without their per-call context look-ups (a list of
# 20 calls formats some 60 figures and dates).


def format_currency(number: Any, currency: str, **options: Any) -> str:
    return numbers.format_currency(number, currency, locale=current_locale(), **options)


def format_decimal(number: Any, format: str | None = None) -> str:
    return numbers.format_decimal(number, format=format, locale=current_locale())


def format_datetime(moment: dt.datetime, pattern: str) -> str:
    """`moment` (UTC; a naive one counts as UTC, as in flask-babel) in Amsterdam's time."""
    return dates.format_datetime(moment, pattern, tzinfo=LOCAL_TZ, locale=current_locale())


def format_date(day: dt.date, pattern: str) -> str:
    return dates.format_date(day, pattern, locale=current_locale())


def format_timedelta(delta: dt.timedelta, **options: Any) -> str:
    return dates.format_timedelta(delta, locale=current_locale(), **options)


def money(cents: int | None) -> str:
    """Euros in the user's locale; whole amounts without cents (€ 15.000 / €15,000)."""
    if cents is None:
        return ""
    if cents % 100:
        return format_currency(cents / 100, "EUR")
    pattern = current_locale().currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(cents // 100, "EUR", format=pattern, currency_digits=False)


def amount(value: Any) -> str:
    """A measured quantity (Decimal with two places) in the user's locale: 1.250,5 / 1,250.5."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.##")


def decimal(value: Any, places: int = 2) -> str:
    """A score or mean with a fixed number of decimals, in the user's locale: 6,15 / 6.15."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0")


def local_datetime(moment: dt.datetime | None, fmt: str = "medium") -> str:
    if moment is None:
        return ""
    # Long forms name the zone (CET/CEST): visitors from elsewhere must know whose 12:00 it is. The
    # abbreviation comes from the zone itself, so every language says CET/CEST (Babel's English
    # would write "+0100").
    patterns = {"long": "EEEE d MMMM y, HH:mm", "precise": "EEEE d MMMM y, HH:mm:ss"}
    if fmt in patterns:
        return f"{format_datetime(moment, patterns[fmt])} {to_local(moment).tzname()}"
    return format_datetime(moment, "d MMM y, HH:mm")


def local_date(day: dt.date | None) -> str:
    return format_date(day, "d MMMM y") if day else ""


def iso_local(moment: dt.datetime | None) -> str:
    return to_local(moment).isoformat() if moment else ""


def time_left(deadline: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if deadline is None:
        return ""
    remaining = deadline - (now or now_utc())
    if remaining.total_seconds() <= 0:
        return _("deadline passed")
    return _("%(span)s left", span=format_timedelta(remaining, granularity="minute", threshold=1.5))


def localised(obj: Any, field: str = "name") -> str:
    return obj.localised(field, locale_name()) if obj is not None else ""
