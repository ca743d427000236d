from __future__ import annotations

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
from .models import DialogueKind, DialogueStatus, Disposition

TIME_HINT = _l("Time in Amsterdam (CET/CEST).")
KIND_LABELS = {DialogueKind.CITY: _l("City dialogue"), DialogueKind.MARKET: _l("Market dialogue")}
STATUS_LABELS = {
    DialogueStatus.DRAFT: _l("draft"), DialogueStatus.PUBLISHED: _l("published"),
    DialogueStatus.REPORTED: _l("report published"), DialogueStatus.CANCELLED: _l("cancelled"),
}
DISPOSITION_LABELS = {
    Disposition.ADOPTED: _l("adopted"),
    Disposition.CONSIDERED: _l("taken into account"),
    Disposition.NOT_ADOPTED: _l("not adopted"),
}


class DialogueForm(FlaskForm):
    kind = ChoiceField(_l("Kind of dialogue"), choices=[(k.value, label) for k, label in KIND_LABELS.items()],
                       default=DialogueKind.CITY.value,
                       required_message=_l("Choose a city dialogue or a market dialogue."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body_source = TextAreaField(_l("Description"), validators=[Length(max=50000)], render_kw={"rows": 8},
                                description=_l("What the dialogue is about and what we ask. Markdown: **bold**, "
                                               "*italic*, lists and links."))
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
    followup_calls = MultiCheckboxField(_l("Calls that followed"), coerce=int)


class SlotForm(FlaskForm):
    slot = SelectField(_l("Time for your one-to-one conversation"), validators=[DataRequired()])


class DialogueReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling (published, required)"), validators=[Length(max=2000)],
                           render_kw={"rows": 2})
