from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..calls.models import ELIGIBILITY_CHOICES
from ..core.fields import (
    ChoiceField,
    DataRequired,
    InputRequired,
    IntegerField,
    Length,
    LocalDateTimeField,
    MultiCheckboxField,
    NumberRange,
)
from .lottery import AGE_GROUPS, DIMENSIONS, DISTRICTS
from .models import DISPOSITION_LABELS, Dialogue, DialogueKind, DialogueStatus, Selection, has_english  # noqa: F401 - labels re-exported
from .services import english_problems, report_english_problem

TIME_HINT = _l("Time in Amsterdam (CET/CEST).")
KIND_LABELS = {DialogueKind.CITY: _l("City dialogue"), DialogueKind.MARKET: _l("Market dialogue")}
STATUS_LABELS = {
    DialogueStatus.DRAFT: _l("draft"), DialogueStatus.PUBLISHED: _l("published"),
    DialogueStatus.REPORTED: _l("report published"), DialogueStatus.CANCELLED: _l("cancelled"),
}


class DialogueForm(FlaskForm):
    kind = ChoiceField(_l("Kind of dialogue"), choices=[(k.value, label) for k, label in KIND_LABELS.items()],
                       default=DialogueKind.CITY.value,
                       required_message=_l("Choose a city dialogue or a market dialogue."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body_source = TextAreaField(_l("Description"), validators=[Length(max=50000)], render_kw={"rows": 8},
                                description=_l("What the dialogue is about and what we ask. Markdown: **bold**, "
                                               "*italic*, lists and links."))
    # Optional, as for calls and consultations: without an English title, English pages show the Dutch
    # texts (marked lang="nl").
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)], render_kw={"lang": "en"},
                           description=_l("Without an English title, English pages show the Dutch text."))
    body_source_en = TextAreaField(_l("Description in English"), validators=[Length(max=50000)],
                                   render_kw={"rows": 6, "lang": "en"})
    category_id = SelectField(_l("Theme (category)"), coerce=int, validators=[Optional()])
    related_call_id = SelectField(_l("Related call (optional)"), coerce=int, validators=[Optional()])
    starts_at = LocalDateTimeField(_l("Starts at"), validators=[InputRequired()], description=TIME_HINT)
    ends_at = LocalDateTimeField(_l("Ends at"), validators=[InputRequired()], description=TIME_HINT)
    address = StringField(_l("Address"), validators=[Length(max=300)],
                          description=_l("Shown only to people with a confirmed registration."))
    online_url = StringField(_l("Online link"), validators=[Length(max=500)],
                             description=_l("Shown only to people with a confirmed registration."))
    capacity = IntegerField(_l("Number of seats"), validators=[InputRequired(), NumberRange(min=1, max=100000)],
                            render_kw={"inputmode": "numeric"})
    registration_closes_at = LocalDateTimeField(_l("Registration closes at"), validators=[InputRequired()],
                                                description=TIME_HINT)
    eligibility = ChoiceField(_l("Who may register"), choices=ELIGIBILITY_CHOICES, default="both",
                              required_message=_l("Choose who may register."))
    slot_minutes = IntegerField(_l("Length of one-to-one slots in minutes (market dialogues, optional)"),
                                validators=[Optional(), NumberRange(min=5, max=240)],
                                render_kw={"inputmode": "numeric"})

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks and the English version's (services.english_problems), all at once."""
        valid = super().validate(extra_validators)
        for problem in english_problems(self.title_en.data or "", self.body_source_en.data or ""):
            self[problem.field].errors.append(str(problem))
            valid = False
        return valid


SELECTION_CHOICES = [(Selection.FIRST_COME.value, _l("First come, first served (waitlist in order of registration)")),
                     (Selection.LOT.value, _l("By lot after registration closes (city dialogues)"))]
# Quota fields are numbered, not named after the group: group keys such as "65+" are no field names.
QUOTA_FIELDS = {dimension: [f"quota_{dimension}_{index}" for index in range(len(groups))]
                for dimension, groups in DIMENSIONS.items()}


def _add_quota_fields(form_class: type) -> None:
    for dimension, groups in DIMENSIONS.items():
        for name, (_key, label) in zip(QUOTA_FIELDS[dimension], groups, strict=True):
            setattr(form_class, name, IntegerField(label, validators=[Optional(), NumberRange(min=0, max=100000)],
                                                   render_kw={"inputmode": "numeric"}))


def quota_fields(form: FlaskForm, dimension: str) -> list:
    return [form[name] for name in QUOTA_FIELDS[dimension]]


def quotas_from(form: FlaskForm) -> dict[str, dict[str, int]]:
    """The maxima typed per group; an empty field is no maximum."""
    quotas: dict[str, dict[str, int]] = {}
    for dimension, groups in DIMENSIONS.items():
        caps = {key: form[name].data for name, (key, _label) in zip(QUOTA_FIELDS[dimension], groups, strict=True)
                if form[name].data is not None}
        if caps:
            quotas[dimension] = caps
    return quotas


def fill_quotas(form: FlaskForm, quotas: dict | None) -> None:
    for dimension, groups in DIMENSIONS.items():
        caps = (quotas or {}).get(dimension, {})
        for name, (key, _label) in zip(QUOTA_FIELDS[dimension], groups, strict=True):
            form[name].data = caps.get(key)


DialogueForm.selection = ChoiceField(_l("How seats are given"), choices=SELECTION_CHOICES,
                                     default=Selection.FIRST_COME.value,
                                     required_message=_l("Choose how seats are given."))
_add_quota_fields(DialogueForm)


class LotRegistrationForm(FlaskForm):
    """What a registrant states when a dialogue draws lots with quotas (only the asked ones count)."""

    district = SelectField(_l("Your district"), choices=[("", _l("Choose your district")), *DISTRICTS],
                           validators=[Optional()])
    age_group = SelectField(_l("Your age group"), choices=[("", _l("Choose your age group")), *AGE_GROUPS],
                            validators=[Optional()])

    def check_for(self, quotas: dict | None) -> bool:
        """All missing answers at once, next to their fields."""
        ok = True
        for dimension in (quotas or {}):
            if not self[dimension].data:
                self[dimension].errors = [*self[dimension].errors,
                                          _l("Choose your district.") if dimension == "district"
                                          else _l("Choose your age group.")]
                ok = False
        return ok

    def characteristics(self) -> dict[str, str]:
        return {"district": self.district.data or "", "age_group": self.age_group.data or ""}


class ContributionForm(FlaskForm):
    text = TextAreaField(_l("Your input"), validators=[DataRequired(), Length(max=10000)], render_kw={"rows": 4},
                         description=_l("Published in the report without your name."))


class ModerationForm(FlaskForm):
    hide = BooleanField(_l("Hide this input"))
    hidden_reason = StringField(_l("Reason for hiding (the contributor sees it)"), validators=[Length(max=500)])
    disposition = SelectField(_l("What was done with it"), validators=[Optional()])
    disposition_reason = TextAreaField(_l("Explanation"), validators=[Length(max=2000)], render_kw={"rows": 2})
    disposition_call_id = SelectField(_l("Adopted in call"), coerce=int, validators=[Optional()])


class ReportForm(FlaskForm):
    summary = TextAreaField(_l("Summary of the dialogue"), validators=[DataRequired(), Length(max=50000)],
                            render_kw={"rows": 8})
    # Offered only for a dialogue with its English version (`english`).
    summary_en = TextAreaField(_l("Summary in English"), validators=[Length(max=50000)],
                               render_kw={"rows": 8, "lang": "en"},
                               description=_l("Optional. Without it, English pages show the Dutch summary."))
    followup_calls = MultiCheckboxField(_l("Calls that followed"), coerce=int)

    def __init__(self, *args: Any, dialogue: Dialogue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dialogue = dialogue

    @property
    def english(self) -> bool:
        """The English summary is offered for a dialogue with its English version only."""
        return has_english(self.dialogue)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks and the English report's (services.report_english_problem), all at once."""
        valid = super().validate(extra_validators)
        if (problem := report_english_problem(self.dialogue, self.summary_en.data or "")) is not None:
            self.summary_en.errors.append(str(problem))
            valid = False
        return valid


class SlotForm(FlaskForm):
    slot = SelectField(_l("Time for your one-to-one conversation"), validators=[DataRequired()])


class DialogueReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling (published, required)"), validators=[Length(max=2000)],
                           render_kw={"rows": 2})


class PitchForm(FlaskForm):
    """The pitch session of a staged challenge's pitch stage: one-to-one slots for the shortlist."""

    starts_at = LocalDateTimeField(_l("First pitch starts at"), validators=[InputRequired()], description=TIME_HINT)
    ends_at = LocalDateTimeField(_l("Last pitch ends at"), validators=[InputRequired()], description=TIME_HINT)
    slot_minutes = IntegerField(_l("Minutes per pitch (one slot)"),
                                validators=[InputRequired(), NumberRange(min=5, max=240)], default=20,
                                render_kw={"inputmode": "numeric"})
    registration_closes_at = LocalDateTimeField(_l("Booking a time closes at"), validators=[InputRequired()],
                                                description=TIME_HINT)
    address = StringField(_l("Address"), validators=[Length(max=300)],
                          description=_l("Shown only to applicants who booked a time."))
    online_url = StringField(_l("Online link"), validators=[Length(max=500)],
                             description=_l("Shown only to applicants who booked a time."))
