"""The request's language, fast: its Babel locale, its name and its translations, looked up once.

flask-babel answers `get_locale()` and every `_()` by walking `flask.g` through werkzeug's proxies
several times (about 20 proxy look-ups and a locale-to-string conversion per translated string); a
call list asked that 120 times and spent a fifth of its rendering time there (issue #20). Here the
answers are kept on flask-babel's own per-request state, keyed by the identity of the locale it
selected, so `force_locale` (mails in the recipient's language) and a language switch within a
request are still obeyed: a different locale object means a new look-up.

The template functions `_`, `gettext` and `ngettext` behave exactly as Jinja's "new style" gettext
(autoescaping the translation, `%`-formatting it with the keyword arguments, `num` for ngettext), so
templates need no change; a string without arguments is formatted once per locale and kept.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import Flask
from flask.globals import _cv_app
from flask_babel import Domain, get_locale, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


def _babel_state() -> Any:
    """flask-babel's per-request namespace (`g._flask_babel`), without going through the proxies."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    return app_context.g.__dict__.get("_flask_babel")


def current_locale() -> Locale | None:
    """The request's Babel locale (as `flask_babel.get_locale()`), cheaply after the first call."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    return locale if locale is not None else get_locale()


def locale_name() -> str:
    """'nl' or 'en': `str(get_locale())`, computed once per locale per request."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is None:
        return str(get_locale())
    kept = getattr(state, "mvi_locale_name", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    name = str(locale)
    state.mvi_locale_name = (locale, name)
    return name


def _kept_translations(state: Any) -> Translations | NullTranslations | None:
    locale = getattr(state, "babel_locale", None) if state is not None else None
    kept = getattr(state, "mvi_translations", None) if locale is not None else None
    return kept[1] if kept is not None and kept[0] is locale else None


def current_translations() -> Translations | NullTranslations:
    """The request's translations (as `flask_babel.get_translations()`), kept per locale."""
    return _kept_translations(_babel_state()) or get_translations()


class KeptDomain(Domain):
    """flask-babel's message domain, which keeps the request's translations per locale, so that
    `gettext`, `lazy_gettext` and the forms' labels in Python code look them up once too."""

    def get_translations(self) -> Translations | NullTranslations:
        state = _babel_state()
        kept = _kept_translations(state)
        if kept is not None:
            return kept
        translations = super().get_translations()  # selects the locale on the first call
        state = _babel_state()
        locale = getattr(state, "babel_locale", None) if state is not None else None
        if locale is not None:
            state.mvi_translations = (locale, translations)
        return translations


def _finished_markup(translations: Translations | NullTranslations, string: str) -> Markup:
    """The finished Markup of a string used without arguments, kept on the translations object: the
    catalogues are loaded once per process and never change while it runs, so neither does this."""
    kept: dict[str, Markup] | None = translations.__dict__.get("_mvi_finished")
    if kept is None:
        kept = translations.__dict__["_mvi_finished"] = {}
    markup = kept.get(string)
    if markup is None:
        # As Jinja's new-style gettext: always a format string, so "%%" becomes "%".
        markup = kept[string] = Markup(translations.ugettext(string)) % {}  # noqa: S704 - our catalogue
    return markup


@pass_eval_context
def template_gettext(eval_context: EvalContext, string: str, **variables: Any) -> str:
    translations = current_translations()
    if eval_context.autoescape and not variables:
        return _finished_markup(translations, string)
    text: str = translations.ugettext(string)
    if eval_context.autoescape:
        text = Markup(text)  # noqa: S704 - our own catalogue, as Jinja's gettext
    return text % variables


@pass_eval_context
def template_ngettext(eval_context: EvalContext, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    text: str = current_translations().ungettext(singular, plural, num)
    if eval_context.autoescape:
        text = Markup(text)  # noqa: S704 - our own catalogue, as Jinja's gettext
    return text % variables


def install(app: Flask) -> None:
    """Replace flask-babel's domain and template callables by the kept ones (after `babel.init_app`)."""
    babel = app.extensions["babel"].instance
    if not isinstance(babel.__dict__.get("domain_instance"), KeptDomain):
        # `domain_instance` is a cached property of the Babel object: this is what it would hold.
        babel.__dict__["domain_instance"] = KeptDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
