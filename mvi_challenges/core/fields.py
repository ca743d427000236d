"""Form fields shared by the areas: euros, Amsterdam times, choices, checkbox lists."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from babel.numbers import get_group_symbol
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from wtforms import Field, RadioField, SelectMultipleField, StringField, validators, widgets
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import StopValidation
from wtforms.widgets import DateInput, DateTimeLocalInput

from .timezones import NonexistentLocalTime, local_to_utc, to_local_input

_EURO_CHARS = re.compile(r"^[0-9.,]+$")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_EUROS = 10**10  # ten billion: beyond any procurement budget, within a BIGINT of cents


def parse_euros_to_cents(raw: str) -> int:
    """'15000', '15.000', '15.000,50', '15,000.50', '€ 40k' → cents. Raises ValueError.

    Dutch and English writers both use this form, so a last separator followed by one or two
    digits is the decimal mark, and one followed by three digits groups thousands.
    """
    text = raw.strip().replace("€", "").replace("EUR", "").replace(" ", "").replace("\u00a0", "")
    multiplier = 1
    if text.lower().endswith("k"):
        text, multiplier = text[:-1], 1000
    if not text or not _EURO_CHARS.match(text):
        raise ValueError(raw)
    last_separator = max(text.rfind("."), text.rfind(","))
    whole, fraction = text, ""
    if last_separator >= 0:
        tail = text[last_separator + 1 :]
        if len(tail) in (1, 2):
            whole, fraction = text[:last_separator], tail
        elif len(tail) != 3:
            raise ValueError(raw)
    digits = whole.replace(".", "").replace(",", "") or "0"
    if not digits.isdigit() or int(digits) * multiplier > MAX_EUROS:
        raise ValueError(raw)
    cents = int(digits) * 100 + (int(fraction.ljust(2, "0")) if fraction else 0)
    return cents * multiplier


class _WrittenNumberField(StringField):
    """A number people type the Dutch or English way; the subclass says how to read and show it.

    What was typed comes back unchanged when the form has to be shown again."""

    invalid_message: Any = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(*args, **kwargs)

    def parse(self, raw: str) -> Any:
        raise NotImplementedError

    def display(self, data: Any) -> str:
        raise NotImplementedError

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        if not self.raw.strip():
            self.data = None
            return
        try:
            self.data = self.parse(self.raw)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else self.display(self.data)


class EuroField(_WrittenNumberField):
    """An amount in euros, stored as integer cents in `.data`."""

    invalid_message = _l("Enter an amount in euros, for example 15000 or 15.000,00.")

    def parse(self, raw: str) -> int:
        return parse_euros_to_cents(raw)

    def display(self, data: int) -> str:
        return format_decimal(data / 100, format="#,##0.##")


class LocalDateTimeField(Field):
    """A date and time as people in Utrecht read it (Europe/Amsterdam); `.data` is aware UTC."""

    widget = DateTimeLocalInput()
    formats = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M")

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        for fmt in self.formats:
            try:
                naive = dt.datetime.strptime(raw, fmt)
            except ValueError:
                continue
            if not MIN_YEAR <= naive.year <= MAX_YEAR:
                self.data = None
                raise ValueError(_l("Enter a date between the years %(min)d and %(max)d.", min=MIN_YEAR, max=MAX_YEAR))
            try:
                self.data = local_to_utc(naive)
            except NonexistentLocalTime:
                self.data = None
                raise ValueError(
                    _l("This time does not exist in Amsterdam: the clocks move forward an hour then.")
                ) from None
            return
        self.data = None
        raise ValueError(_l("Enter a date and time, for example 2027-03-01 12:00."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        local = to_local_input(self.data)
        return local.strftime("%Y-%m-%dT%H:%M") if local else ""


class ChoiceField(RadioField):
    """Radio buttons where a person must choose: nothing is chosen for them, and choosing nothing
    gives one message that says what to choose (not WTForms' "Not a valid choice")."""

    def __init__(self, *args: Any, required_message: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required_message = required_message

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, "", "None") and not self.process_errors:
            raise StopValidation(self.required_message)
        super().pre_validate(form)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


_PLAIN_QUANTITY = re.compile(r"\d+(?:[.,]\d{1,2})?")
_GROUPED_QUANTITY = re.compile(r"(\d{1,3}(?:([.,])\d{3})+)(?:([.,])(\d{1,2}))?")


def parse_quantity(raw: str, group_separator: str | None = None) -> Decimal:
    """'1250', '12,5', '12.50', '1.250.000', '1.250,5', '1,250.75' → Decimal. Raises ValueError.

    A quantity such as '1.250' or '12,345' could be a thousand times too large or too small
    (tonnes of CO2!): it is read as thousands only when its separator is the page language's
    thousands separator (`group_separator`: '.' on Dutch pages, ',' on English ones, as the
    numbers are shown there), and refused otherwise, so we ask rather than guess.
    """
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if _PLAIN_QUANTITY.fullmatch(text):
        return Decimal(text.replace(",", "."))
    grouped = _GROUPED_QUANTITY.fullmatch(text)
    if grouped:
        whole, separator, decimal_mark, decimals = grouped.groups()
        several_groups = decimal_mark is None and whole.count(separator) > 1
        if decimal_mark != separator and (several_groups or decimal_mark is not None
                                          or separator == group_separator):
            return Decimal(whole.replace(separator, "") + (f".{decimals}" if decimals else ""))
    raise ValueError(raw)


class AmountField(_WrittenNumberField):
    """A quantity with at most two decimals (tonnes, hours, %); `.data` is a Decimal."""

    invalid_message = _l("Enter a number with at most two decimals, for example 1250 or 12,5.")

    def parse(self, raw: str) -> Decimal:
        return parse_quantity(raw, get_group_symbol(str(get_locale())))

    def display(self, data: Decimal) -> str:
        return format_decimal(data, format="#,##0.##")


class LocalDateField(Field):
    """A calendar date (no time), e.g. the date a contract was signed."""

    widget = DateInput()
    formats = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        for fmt in self.formats:
            try:
                day = dt.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                self.data = None
                raise ValueError(_l("Enter a date between the years %(min)d and %(max)d.", min=MIN_YEAR, max=MAX_YEAR))
            self.data = day
            return
        self.data = None
        raise ValueError(_l("Enter a date, for example 2027-03-01."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""


# --- Validators whose messages say what to do, naming the field ------------------------------
# WTForms' own messages are generic ("This field is required.", "Field must be between 12 and
# 200 characters long."). These take the same arguments; a message given explicitly still wins.
# Forms import them from here instead of from wtforms.validators.

def _label(field: Any) -> Any:
    # Lazy, like the messages: working out the language here would fix it for the whole request
    # before a view that changes it (the profile's language choice) has run.
    return field.label.text


def _number(value: Any) -> LazyString:
    return LazyString(format_decimal, value)


def _is_choice(field: Any) -> bool:
    return isinstance(field, SelectFieldBase)


def _required_message(field: Any) -> Any:
    if _is_choice(field):
        return _l("Choose an option for “%(label)s”.", label=_label(field))
    return _l("Fill in “%(label)s”.", label=_label(field))


class DataRequired(validators.DataRequired):
    def __call__(self, form: Any, field: Any) -> None:
        validators.DataRequired(self.message or _required_message(field))(form, field)


class InputRequired(validators.InputRequired):
    def __call__(self, form: Any, field: Any) -> None:
        validators.InputRequired(self.message or _required_message(field))(form, field)


class Length(validators.Length):
    def __call__(self, form: Any, field: Any) -> None:
        length = len(field.data) if field.data else 0
        if self.min != -1 and length < self.min:
            raise validators.ValidationError(self.message or _l(
                "Write at least %(min)d characters in “%(label)s” (now %(length)d).",
                min=self.min, label=_label(field), length=length))
        if self.max != -1 and length > self.max:
            raise validators.ValidationError(self.message or _l(
                "Shorten “%(label)s” to at most %(max)s characters (now %(length)s).",
                max=_number(self.max), label=_label(field), length=_number(length)))


class NumberRange(validators.NumberRange):
    def __call__(self, form: Any, field: Any) -> None:
        if self.message is not None:
            return super().__call__(form, field)
        data = field.data
        low, high = self.min, self.max
        if data is not None and (low is None or data >= low) and (high is None or data <= high):
            return None
        if low is not None and high is not None:
            message = _l("Enter a number from %(min)s to %(max)s.", min=_number(low), max=_number(high))
        elif low is not None:
            message = _l("Enter a number of at least %(min)s.", min=_number(low))
        else:
            message = _l("Enter a number of at most %(max)s.", max=_number(high))
        raise validators.ValidationError(message)


_WHOLE_NUMBER = re.compile(r"[+-]?(\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+)")


def parse_whole_number(raw: str) -> int:
    """'2500', '2.500', '2,500', '1.000.000' → int: a dot or comma before groups of three digits
    only groups thousands (a whole number has no decimals). Raises ValueError."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError(raw)
    return int(text.replace(".", "").replace(",", ""))


class IntegerField(_WrittenNumberField):
    """A whole number, written the Dutch or English way ("2.500" and "2500" alike)."""

    invalid_message = _l("Enter a whole number, for example 2500 or 2.500.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(*args, **kwargs)

    def parse(self, raw: str) -> int:
        return parse_whole_number(raw)

    def display(self, data: int) -> str:
        return str(data)


class PlainSelect(widgets.Select):
    """WTForms' Select, writing the same HTML faster for a plain list of (value, label) choices.

    A filter form's five selects hold some 30 options; WTForms builds each option's attributes
    with `html_params` (sorting, escaping, formatting a Markup per attribute), which made the
    select boxes the costliest part of the public call list (issue #20). Grouped choices, choices
    with render_kw, and multiple selects go the ordinary way. Use: `SelectField(..., widget=PlainSelect())`."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        choices = field.choices
        if self.multiple or not isinstance(choices, list) or any(
                not isinstance(choice, tuple) or len(choice) != 2 for choice in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        html = [f"<select {widgets.html_params(name=field.name, **kwargs)}>"]
        data, coerce = field.data, field.coerce
        for value, label in choices:
            if isinstance(value, bool):
                value = str(value)
            selected = " selected" if coerce(value) == data else ""
            if isinstance(label, LazyString):
                # Translated once (not for `or` and again for escape), and shown as WTForms shows
                # it: escape() takes a lazy string's text as it is (its __html__).
                text = str(label)
                shown = text if text else escape(value)
            else:
                shown = escape(label or value)
            html.append(f'<option{selected} value="{escape(value)}">{shown}</option>')
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - every value and label is escaped above

