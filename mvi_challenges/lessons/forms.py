from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..core.fields import ChoiceField, DataRequired, InputRequired, Length, LocalDateField
from .models import MOMENT_LABELS, PAID_OFF_LABELS


class LessonForm(FlaskForm):
    title = StringField(_l("Title of the lesson"), validators=[DataRequired(), Length(max=200)])
    moment = ChoiceField(_l("Recorded because"), choices=[(k.value, v) for k, v in MOMENT_LABELS.items()],
                         required_message=_l("Choose why the lesson is recorded now."))
    recorded_on = LocalDateField(_l("Date"), validators=[InputRequired()])
    social_value_id = SelectField(_l("Social value"), coerce=int, validators=[InputRequired()])
    what_worked = TextAreaField(_l("What worked"), validators=[Length(max=10000)], render_kw={"rows": 5})
    what_did_not = TextAreaField(_l("What did not work"), validators=[Length(max=10000)], render_kw={"rows": 5})
    call_id = SelectField(_l("Call (optional)"), coerce=int, validators=[Optional()])
    record_id = SelectField(_l("Tender in the register (optional)"), coerce=int, validators=[Optional()])
    contract_id = SelectField(_l("Contract (optional)"), coerce=int, validators=[Optional()])
    category_id = SelectField(_l("Category (when nothing is linked)"), coerce=int, validators=[Optional()])
    # Optional, so a plain radio group with "not about it" as its first, default choice.
    paid_off = RadioField(_l("Did the experiment space pay off?"),
                          choices=[("", _l("not about experiment space"))]
                          + [(k.value, v) for k, v in PAID_OFF_LABELS.items()], default="")
    paid_off_explanation = TextAreaField(_l("Why it did or did not pay off"), validators=[Length(max=5000)],
                                         render_kw={"rows": 3})
    is_public = BooleanField(_l("Public (shown on the category page, in the search and the open data)"))
