"""Numbers, money and times as people read them, in their language and in Europe/Amsterdam.

Used by templates (as filters, see templating.py) and by services that write texts for people,
such as error messages that name an amount or a deadline.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from babel import Locale, dates, numbers
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


def _locale() -> Locale:
    # Outside a request (a command, say) flask-babel has no locale: Babel's own default then, as before.
    return current_locale() or Locale.parse(dates.LC_TIME)


@lru_cache(maxsize=8)
def _calendar_names(locale: Locale) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """The names Babel's patterns MMM, MMMM and EEEE write (the 'format' context)."""
    return (dict(locale.months["format"]["abbreviated"]), dict(locale.months["format"]["wide"]),
            dict(locale.days["format"]["wide"]))


def _in_amsterdam(moment: dt.datetime) -> dt.datetime:
    # A naive moment counts as UTC, as in Babel and flask-babel.
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TZ)


def local_datetime(moment: dt.datetime | None, fmt: str = "medium") -> str:
    """A moment in Amsterdam's time: 'd MMM y, HH:mm', or with the weekday and the zone ('long',
    'precise' with seconds). Written from the locale's own month and day names: exactly what Babel's
    format_datetime writes for these patterns (tests/test_dutch_numbers.py compares them over years of
    moments), at a tenth of the cost; a list shows dozens of them."""
    if moment is None:
        return ""
    local = _in_amsterdam(moment)
    abbreviated, wide, weekdays = _calendar_names(_locale())
    if fmt == "long" or fmt == "precise":
        # Long forms name the zone (CET/CEST): visitors from elsewhere must know whose 12:00 it is.
        # The abbreviation comes from the zone itself, so every language says CET/CEST (Babel's
        # English would write "+0100").
        seconds = f":{local.second:02d}" if fmt == "precise" else ""
        return (f"{weekdays[local.weekday()]} {local.day} {wide[local.month]} {local.year}, "
                f"{local.hour:02d}:{local.minute:02d}{seconds} {local.tzname()}")
    return f"{local.day} {abbreviated[local.month]} {local.year}, {local.hour:02d}:{local.minute:02d}"


def local_date(day: dt.date | None) -> str:
    """A day, 'd MMMM y'. A moment (a datetime) is first put in Amsterdam's time: an approval at
    00:30 on 3 March in Utrecht is 23:30 on 2 March in UTC, and happened on 3 March."""
    if not day:
        return ""
    if isinstance(day, dt.datetime):
        day = _in_amsterdam(day).date()
    return f"{day.day} {_calendar_names(_locale())[1][day.month]} {day.year}"


def iso_local(moment: dt.datetime | None) -> str:
    return to_local(moment).isoformat() if moment else ""


def _rounded_span(seconds: float, granularity: str, threshold: float) -> tuple[str, int]:
    """The unit and whole number Babel's format_timedelta chooses for `seconds` (its own loop)."""
    for unit, seconds_per_unit in dates.TIMEDELTA_UNITS:
        value = abs(seconds) / seconds_per_unit
        if value >= threshold or unit == granularity:
            if unit == granularity and value > 0:
                value = max(1, value)
            return unit, round(value)
    return granularity, 0


@lru_cache(maxsize=1024)
def _time_left_text(unit: str, value: int, locale: Locale) -> str:
    # Babel with the threshold out of reach writes exactly `value` `unit`s; the few texts a site
    # shows ("nog 5 dagen") are kept per language instead of formatted for every card.
    span = dates.format_timedelta(value * dict(dates.TIMEDELTA_UNITS)[unit], granularity=unit,
                                  threshold=float("inf"), locale=locale)
    return _("%(span)s left", span=span)


def time_left(deadline: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if deadline is None:
        return ""
    remaining = deadline - (now or now_utc())
    if remaining.total_seconds() <= 0:
        return _("deadline passed")
    unit, value = _rounded_span(remaining.total_seconds(), "minute", 1.5)
    return _time_left_text(unit, value, _locale())


def localised(obj: Any, field: str = "name") -> str:
    return obj.localised(field, locale_name()) if obj is not None else ""
