from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, EqualTo, Optional

from ..core.db import db
from ..core.errors import DomainError
from ..core.fields import ChoiceField, DataRequired, IntegerField, Length, LocalDateField, NumberRange
from . import services
from .models import ROLE_LABELS, Role
from .services import MIN_PASSWORD_LENGTH

LOCALE_CHOICES = [("nl", "Nederlands"), ("en", "English")]


PASSWORD_HINT = _l("At least %(n)d characters; four unrelated words are easy to remember.", n=MIN_PASSWORD_LENGTH)
PASSWORD_TOO_SHORT = _l("Choose a password of at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
PASSWORD_TOO_LONG = _l("Choose a password of at most 200 characters.")
PASSWORDS_DIFFER = _l("Type the same password twice: the two passwords are not the same.")


def _password_validators() -> list:
    return [DataRequired(message=PASSWORD_TOO_SHORT), Length(min=MIN_PASSWORD_LENGTH, message=PASSWORD_TOO_SHORT),
            Length(max=200, message=PASSWORD_TOO_LONG)]


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[
        DataRequired(message=_l("Enter your name.")),
        Length(max=200, message=_l("Enter a name of at most 200 characters."))])
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(message=_l("Enter your email address.")),
                    Email(message=_l("Enter a valid email address.")),
                    Length(max=320, message=_l("Enter an email address of at most 320 characters."))],
        filters=[lambda value: value.strip() if value else value],
        description=_l("We send a link to this address to confirm that it is yours."),
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=_password_validators(),
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )
    password_repeat = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(message=_l("Type your password a second time.")),
                    EqualTo("password", message=PASSWORDS_DIFFER)],
        render_kw={"autocomplete": "new-password"},
    )
    # Nothing chosen in advance: a resident who is in fact an entrepreneur (or the other way round)
    # must not end up with the wrong account because of a choice they never saw.
    account_type = ChoiceField(
        _l("I register as"),
        choices=[
            (Role.CITIZEN.value, _l("Citizen (resident of Utrecht)")),
            (Role.ENTREPRENEUR.value, _l("Entrepreneur (with a KvK number)")),
        ],
        required_message=_l("Choose whether you register as a resident or as an entrepreneur."),
    )
    organisation_name = StringField(
        _l("Organisation name"),
        validators=[Optional(), Length(max=200, message=_l("Enter a name of at most 200 characters."))],
        description=_l("Entrepreneurs only. Leave empty if your organisation is already registered."),
        render_kw={"autocomplete": "organization"},
    )
    kvk_number = StringField(
        _l("KvK number"),
        validators=[Optional(), Length(max=20, message=_l("A KvK number has exactly 8 digits."))],
        description=_l(
            "Entrepreneurs only: the 8-digit Chamber of Commerce number. If your organisation is "
            "already registered, you join it."
        ),
        render_kw={"inputmode": "numeric"},
    )

    def validate(self, extra_validators=None) -> bool:
        """Every problem at once: the service's own rules (common passwords, the KvK number) are
        asked here too, so nobody fixes the password only to hear about the KvK number next."""
        valid = super().validate(extra_validators)
        problems: list[tuple[object, object]] = []
        if self.password.data and not self.password.errors:
            try:
                services.validate_password(self.password.data, self.email.data or "")
            except DomainError as error:
                problems.append((self.password, error.message))
        kvk_typed = (self.kvk_number.data or "").strip()
        name_typed = (self.organisation_name.data or "").strip()
        if self.account_type.data == Role.ENTREPRENEUR.value:
            if not kvk_typed:
                problems.append((self.kvk_number, _l("Enter the 8-digit KvK number of your organisation.")))
            elif not self.kvk_number.errors:
                try:
                    kvk = services.validate_kvk(kvk_typed)
                except DomainError as error:
                    problems.append((self.kvk_number, error.message))
                else:
                    if not name_typed and services.find_organisation_by_kvk(db.session, kvk) is None:
                        problems.append((self.organisation_name, _l("Enter the name of your organisation.")))
        elif self.account_type.data == Role.CITIZEN.value and (kvk_typed or name_typed):
            # Never throw away what was typed without a word: say which choice it needs.
            problems.append((
                self.kvk_number if kvk_typed else self.organisation_name,
                _l("You chose a resident's account, but filled in an organisation. Choose "
                   "“Entrepreneur” to register it, or empty the organisation fields."),
            ))
        for field, message in problems:
            field.errors = [*field.errors, message]
        return valid and not problems


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[DataRequired()], render_kw={"autocomplete": "username"},
        filters=[lambda value: value.strip() if value else value],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class ConfirmEmailForm(FlaskForm):
    password = PasswordField(
        _l("The password you chose when registering"), validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmForm(FlaskForm):
    """A button and its token: links in mails change nothing until the person presses it."""


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language for pages and emails"), choices=LOCALE_CHOICES)


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    password_repeat = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New email address"),
        validators=[DataRequired(), Email(message=_l("Enter a valid email address.")), Length(max=320)],
        filters=[lambda value: value.strip() if value else value],
        description=_l("We send a link to this address; your address changes when you open it."),
        render_kw={"autocomplete": "email"},
    )
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"},
    )


class OrganisationCheckForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (needed to reject; the members read it)"), validators=[Optional(), Length(max=1000)],
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Your email address"),
        validators=[DataRequired(), Email(message=_l("Enter a valid email address.")), Length(max=320)],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "email"},
    )


class AuditFilterForm(FlaskForm):
    """GET filters of the audit log: no CSRF (they change nothing)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = StringField(_l("Email address of the person who acted"), validators=[Optional(), Length(max=320)])
    subject_type = SelectField(_l("Kind of object"), validators=[Optional()])
    subject_id = IntegerField(_l("Number of the object"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    # The project's date field: its years are bounded (a typed 9999-12-31 plus one day overflowed: a 500).
    since = LocalDateField(_l("From (date)"), validators=[Optional()])
    until = LocalDateField(_l("Up to and including (date)"), validators=[Optional()])


class TwoStepCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )


class TwoStepSetupForm(FlaskForm):
    # Only when an app is set up already: a hijacked session must not be able to swap it.
    current_code = StringField(
        _l("A code from the app you use now, or one of your recovery codes"),
        validators=[Optional(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code"},
    )
    code = StringField(
        _l("The 6-digit code your app shows now"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
