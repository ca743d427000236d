from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, Optional

from ..catalogue.models import LEVEL_CHOICES
from ..core.fields import ChoiceField, DataRequired, InputRequired, Length, MultiCheckboxField
from .models import VALUE_CLASS_LABELS

QUARTER_CHOICES = [("1", _l("Q1 (January–March)")), ("2", _l("Q2 (April–June)")),
                   ("3", _l("Q3 (July–September)")), ("4", _l("Q4 (October–December)"))]


class PlannedPurchaseForm(FlaskForm):
    title = StringField(_l("What will be bought"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description for the market"), validators=[Length(max=5000)],
                                render_kw={"rows": 5},
                                description=_l("What the market can prepare for. Becomes the draft call's text."))
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    expected_year = SelectField(_l("Expected year"), coerce=int, validators=[InputRequired()])
    expected_quarter = ChoiceField(_l("Expected quarter of the start"), choices=QUARTER_CHOICES,
                                   required_message=_l("Choose the quarter in which it is expected to start."))
    value_class = ChoiceField(_l("Value class"), choices=[(k.value, v) for k, v in VALUE_CLASS_LABELS.items()],
                              required_message=_l("Choose the value class."),
                              description=_l("A range, never the exact estimate."))
    intended_level = ChoiceField(_l("Intended ambition level"), choices=LEVEL_CHOICES,
                                 required_message=_l("Choose the intended ambition level."))
    level_explanation = TextAreaField(
        _l("Explanation when below the category's target level"), validators=[Length(max=5000)],
        render_kw={"rows": 3}, description=_l("Comply or explain: published with the plan."))
    social_values = MultiCheckboxField(_l("Social values"), coerce=int, validators=[Optional()])
    department_id = SelectField(_l("Department"), coerce=int, validators=[Optional()])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=200)])
    contact_email = StringField(_l("Contact email"), validators=[Optional(), Email(), Length(max=320)])
    is_public = BooleanField(_l("Show on the public pipeline"), default=True)
    title_en = StringField(_l("Title in English (optional)"), validators=[Length(max=200)])
    description_en = TextAreaField(_l("Description in English (optional)"), validators=[Length(max=5000)],
                                   render_kw={"rows": 3})


class StartTenderForm(FlaskForm):
    reference = StringField(_l("Tender reference (optional)"), validators=[Length(max=80)],
                            description=_l("For example the TenderNed number."))


class FollowForm(FlaskForm):
    topic = SelectField(_l("What do you want to follow?"), validators=[DataRequired()])
    email = StringField(_l("Your email address"), validators=[DataRequired(), Email(), Length(max=320)],
                        description=_l("We send a link to confirm first. Every mail has a link to stop."))


class ButtonForm(FlaskForm):
    """Only the CSRF token: a button that confirms or starts something."""
