"""The request's language looked up once (core/i18n.py): the same words as flask-babel gives, a forced
locale (mails in the recipient's language) obeyed inside a request, Jinja's formatting rules kept."""

from __future__ import annotations

import datetime as dt

from flask import Flask, render_template_string, session
from flask_babel import force_locale, get_locale
from flask_babel import gettext as babel_gettext

from mvi_challenges.core import formatting, i18n


def test_templates_translate_as_flask_babel_does(app: Flask) -> None:
    with app.test_request_context("/"):
        session["lang"] = "nl"
        assert render_template_string('{{ _("Skip to main content") }}') == "Ga direct naar de inhoud"
        assert render_template_string('{{ _("Skip to main content") }}') == babel_gettext("Skip to main content")
        # "%%" is a format string's percent sign, with or without arguments (Jinja's new-style gettext)
        assert render_template_string('{{ _("weight %(n)d%%", n=30) }}').endswith("30%")
        assert "%%" not in render_template_string('{{ ngettext("%(num)d call found", "%(num)d calls found", 2) }}')
        assert render_template_string('{{ ngettext("%(num)d call found", "%(num)d calls found", 2) }}').startswith("2 ")


def test_a_forced_locale_inside_a_request_is_obeyed_and_then_left(app: Flask) -> None:
    with app.test_request_context("/"):
        session["lang"] = "nl"
        assert render_template_string('{{ _("Skip to main content") }}') == "Ga direct naar de inhoud"
        assert i18n.locale_name() == "nl"
        with force_locale("en"):  # a mail to an English-speaking recipient, written during a Dutch request
            assert render_template_string('{{ _("Skip to main content") }}') == "Skip to main content"
            assert babel_gettext("Skip to main content") == "Skip to main content"
            assert i18n.locale_name() == "en"
            assert "December" in formatting.local_date(dt.date(2026, 12, 7))
        assert render_template_string('{{ _("Skip to main content") }}') == "Ga direct naar de inhoud"
        assert i18n.locale_name() == "nl" == str(get_locale())
        assert "december" in formatting.local_date(dt.date(2026, 12, 7))


def test_arguments_are_escaped_in_html_and_left_alone_in_text(app: Flask) -> None:
    with app.test_request_context("/"):
        html = render_template_string('{{ _("signed %(date)s", date=value) }}', value="<b>&")
        assert "&lt;b&gt;&amp;" in html
        text = render_template_string('{% autoescape false %}{{ _("signed %(date)s", date=value) }}{% endautoescape %}',
                                      value="<b>&")
        assert "<b>&" in text and "&lt;" not in text


def test_times_and_money_in_amsterdam_and_the_visitors_language(app: Flask) -> None:
    winter = dt.datetime(2026, 1, 15, 11, 0, tzinfo=dt.UTC)
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert formatting.local_datetime(winter) == "15 Jan 2026, 12:00"
        assert formatting.local_datetime(winter, "long") == "Thursday 15 January 2026, 12:00 CET"
        assert formatting.money(1_500_000) == "€15,000"
    with app.test_request_context("/"):
        session["lang"] = "nl"
        assert formatting.local_datetime(winter, "long") == "donderdag 15 januari 2026, 12:00 CET"
        assert formatting.money(1_500_000) == "€\xa015.000"
        assert formatting.local_datetime(winter.replace(tzinfo=None)) == "15 jan 2026, 12:00"  # naive counts as UTC
