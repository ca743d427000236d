"""Templates: the filters, the form error summary, and the one documented template hook.

**The template hook.** Templates get what an area offers them only through
`offer_to_templates(app, name=function, ...)`, which an area calls when its blueprint is
registered (`@bp.record_once`): its lifecycle guards (pure questions such as `call_is_draft(call)`,
so templates never compare status strings), labels of its vocabularies (`outcome_label(value)`)
and the permission predicates the menu asks (`can_manage_calls(current_user)`). They are plain
functions, evaluated only where a template calls them; no context processor runs area code for
every page. What a page needs from *another* area (the call page shows the proposals' and the
decisions' panels) reaches it through the view instead (calls/panels.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, has_request_context, request

from . import i18n
from .formatting import amount, decimal, iso_local, local_date, local_datetime, localised, money, time_left
from .fragments import kept_fragment
from .links import kept_url_for, public_url
from .sanitize import as_markup


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
    app.jinja_env.globals["public_url"] = public_url  # mails: links on PUBLIC_URL, never the request's Host
    app.jinja_env.globals["url_for"] = kept_url_for  # the same links, built once (core/links.py)
    app.jinja_env.globals["kept_fragment"] = kept_fragment  # base.html's menu and footer (core/fragments.py)
    i18n.install(app)  # after babel.init_app: its template gettext, looked up once per request
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        if not has_request_context():
            return {"current_locale": i18n.locale_name()}
        return {"current_locale": i18n.locale_name(), "current_path": request.full_path.rstrip("?")}


def offer_to_templates(app: Flask, **functions: Callable[..., Any]) -> None:
    """The template hook (see the module's docstring): make an area's functions callable in every
    template. A name offered twice for different functions is a mistake caught at start-up."""
    for name, function in functions.items():
        known = app.jinja_env.globals.get(name)
        if known is not None and known is not function:
            raise RuntimeError(f"template name {name!r} is offered twice")
        app.jinja_env.globals[name] = function
