"""PlainSelect (core/fields.py) writes exactly the HTML of WTForms' Select, only faster."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Form, SelectField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import Select

from mvi_challenges.core.fields import PlainSelect

CHOICES = [("", _l("All")), ("a&b", "Tom & Jerry"), ("q\"x", "<b>bold</b>"), ("m", Markup("<em>safe</em>")),
           ("open", _l("Open")), ("empty", ""), ("it's", "l'été")]


def _pair(data: str | None, **field_options):
    class Plain(Form):
        pick = SelectField("Pick", choices=CHOICES, widget=PlainSelect(), **field_options)

    class Ordinary(Form):
        pick = SelectField("Pick", choices=CHOICES, widget=Select(), **field_options)

    formdata = None
    if data is not None:
        from werkzeug.datastructures import MultiDict
        formdata = MultiDict({"pick": data})
    return Plain(formdata).pick, Ordinary(formdata).pick


def test_plain_select_writes_what_wtforms_writes(app: Flask) -> None:
    with app.test_request_context():
        for data in (None, "", "a&b", "q\"x", "open", "missing"):
            for options in ({"validators": [Optional()]}, {"validators": [InputRequired()]}):
                plain, ordinary = _pair(data, **options)
                for attrs in ({}, {"class": "utrecht-select x", "aria-describedby": "pick-hint"},
                              {"id": "other", "aria-invalid": "true"}):
                    assert plain(**attrs) == ordinary(**attrs)


def test_plain_select_leaves_unusual_choices_to_wtforms(app: Flask) -> None:
    class WithAttributes(Form):  # (value, label, render_kw): drawn by WTForms itself
        pick = SelectField("Pick", choices=[("a", "A", {"disabled": True}), ("b", "B")], widget=PlainSelect())

    class Ordinary(Form):
        pick = SelectField("Pick", choices=[("a", "A", {"disabled": True}), ("b", "B")], widget=Select())

    with app.test_request_context():
        assert WithAttributes().pick() == Ordinary().pick()
        assert "disabled" in WithAttributes().pick()
