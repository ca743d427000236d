"""Template filters and globals: money, times and localised names in the user's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale
from flask import Flask, has_request_context, request
from flask_babel import format_currency, format_date, format_datetime, format_decimal, format_timedelta, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.forms import ROLE_LABELS
from ..accounts.permissions import can_manage_users, can_see_kvk_status
from ..calls import lifecycle as call_lifecycle
from ..calls.permissions import can_manage_calls
from ..catalogue.forms import LEVEL_LABELS
from ..catalogue.permissions import can_manage_catalogue
from ..dialogues import lifecycle as dialogue_lifecycle
from .links import public_url
from .sanitize import as_markup
from .timezones import now_utc, to_local


def money(cents: int | None) -> str:
    """Euros in the user's locale; whole amounts without cents (€ 15.000 / €15,000)."""
    if cents is None:
        return ""
    if cents % 100:
        return format_currency(cents / 100, "EUR")
    pattern = Locale.parse(str(get_locale())).currency_formats["standard"].pattern.replace(".00", "")
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
    return obj.localised(field, str(get_locale())) if obj is not None else ""


def form_error_list(form: Any) -> list[tuple[str, str]]:
    """(field id, message) for every error in a form, nested lists included, in field order.

    Feeds the error summary at the top of a form, whose links take keyboard users to the field.
    """
    items: list[tuple[str, str]] = [("", str(message)) for message in getattr(form, "form_errors", [])]
    for field in form:
        if hasattr(field, "entries"):
            # A FieldList's own errors (about the list as a whole) are strings among the
            # per-entry ones.
            items.extend((field.id, str(e)) for e in field.errors if not isinstance(e, dict | list))
            for entry in field.entries:
                subform = getattr(entry, "form", None)
                if subform is not None:
                    items.extend(form_error_list(subform))
            continue
        for message in field.errors if isinstance(field.errors, list) else []:
            items.append((field.id, str(message)))
    return items


def register_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, amount=amount, decimal=decimal, local_datetime=local_datetime, iso_local=iso_local,
        time_left=time_left, rich=as_markup, localised=localised, local_date=local_date,
    )
    app.jinja_env.globals["form_error_list"] = form_error_list
    # The lifecycles' guards: templates ask these, never compare status strings themselves.
    app.jinja_env.globals.update(call_lifecycle.TEMPLATE_GUARDS, **dialogue_lifecycle.TEMPLATE_GUARDS)
    app.jinja_env.globals["public_url"] = public_url  # mails: links on PUBLIC_URL, never the request's Host
    app.jinja_env.globals["level_label"] = lambda level: str(LEVEL_LABELS.get(level, level))
    app.jinja_env.globals["role_label"] = lambda role: str(ROLE_LABELS[role])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        if not has_request_context():
            return {"current_locale": str(get_locale())}
        return {
            "current_locale": str(get_locale()),
            "current_path": request.full_path.rstrip("?"),
            "can_manage_calls": can_manage_calls(current_user),
            "can_manage_catalogue": can_manage_catalogue(current_user),
            "can_manage_users": can_manage_users(current_user),
            "can_see_kvk_status": can_see_kvk_status(current_user),
        }
