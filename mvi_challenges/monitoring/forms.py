from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..catalogue.models import LEVEL_CHOICES
from ..core.fields import (
    AmountField,
    ChoiceField,
    DataRequired,
    EuroField,
    InputRequired,
    IntegerField,
    Length,
    LocalDateField,
    NumberRange,
)
from .models import UNIT_LABELS


class RecordForm(FlaskForm):
    """An external tender in the comply-or-explain register."""

    title = StringField(_l("Title of the tender"), validators=[DataRequired(), Length(max=200)])
    reference = StringField(_l("Tender reference (optional)"), validators=[Length(max=80)],
                            description=_l("For example the TenderNed number."))
    description = TextAreaField(_l("Short description (optional)"), validators=[Length(max=5000)],
                                render_kw={"rows": 3})
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    department_id = SelectField(_l("Department responsible"), coerce=int, validators=[Optional()])
    manager_id = SelectField(_l("Responsible manager"), coerce=int, validators=[Optional()])
    target_level = ChoiceField(
        _l("Target ambition level of the category at the time"), choices=LEVEL_CHOICES,
        required_message=_l("Choose the target ambition level the category had at the time."),
    )
    applied_level = ChoiceField(_l("Ambition level applied"), choices=LEVEL_CHOICES,
                                required_message=_l("Choose the ambition level this tender applied."))
    explanation = TextAreaField(
        _l("Explanation when below the target level"),
        validators=[Length(max=5000)],
        description=_l("Comply or explain: published in the register. You may save without it for now; "
                       "the record is then listed as lacking an explanation."),
        render_kw={"rows": 4},
    )
    published_on = LocalDateField(_l("Date the tender was published"), validators=[InputRequired()])
    estimated_value = EuroField(_l("Estimated value (euros, optional)"), validators=[Optional()])


class ContractForm(FlaskForm):
    proposal_id = SelectField(_l("Awarded proposal"), coerce=int, validators=[Optional()],
                              description=_l("The supplier is then taken from the proposal."))
    supplier_name = StringField(_l("Supplier"), validators=[Length(max=200)],
                                description=_l("Name of the company or organisation that signed."))
    title = StringField(_l("What the contract is for"), validators=[DataRequired(), Length(max=200)])
    value = EuroField(_l("Contract value (euros)"), validators=[InputRequired()])
    signed_on = LocalDateField(_l("Date of signing"), validators=[InputRequired()])
    ends_on = LocalDateField(_l("End date (optional)"), validators=[Optional()])


class TargetForm(FlaskForm):
    social_value_id = SelectField(_l("Social value"), coerce=int, validators=[InputRequired()])
    indicator = StringField(_l("Indicator"), validators=[DataRequired(), Length(max=200)],
                            description=_l("What is measured, for example: CO2 avoided by electric transport."))
    unit = SelectField(_l("Unit"), choices=[(unit.value, label) for unit, label in UNIT_LABELS.items()],
                       validators=[DataRequired()])
    agreed_value = AmountField(_l("Agreed target"), validators=[InputRequired()])


class ResultUpdateForm(FlaskForm):
    """The measured value per target is added per contract (`with_targets`)."""

    reported_on = LocalDateField(_l("Date of measurement"), validators=[InputRequired()])
    progress_percent = IntegerField(
        _l("Progress of the contract (%)"),
        validators=[InputRequired(),
                    NumberRange(min=0, max=100, message=_l("Enter a progress from 0 to 100 percent."))],
        render_kw={"inputmode": "numeric"},
    )
    note = TextAreaField(_l("What happened (optional)"), validators=[Length(max=5000)], render_kw={"rows": 3})


def result_update_form(targets, locale: str, **kwargs) -> ResultUpdateForm:
    """A ResultUpdateForm with one optional number field per agreed target of the contract."""

    class _Form(ResultUpdateForm):
        pass

    for target in targets:
        # Plain str, not a lazy string: templates treat lazy strings as safe HTML, and the indicator
        # is text staff typed.
        label = str(_l("Realised so far: %(indicator)s (%(unit)s)", indicator=target.indicator,
                       unit=UNIT_LABELS[target.unit]))
        setattr(_Form, f"target_{target.id}", AmountField(
            label, validators=[Optional()],
            description=str(_l("Cumulative since signing; agreed: %(value)s.",
                               value=format_decimal(target.agreed_value, format="#,##0.##"))),
        ))
    return _Form(**kwargs)


class RegisterFilterForm(FlaskForm):
    """GET filters of the register: no CSRF (they change nothing)."""

    class Meta:
        csrf = False

    year = SelectField(_l("Year"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    department = SelectField(_l("Department"), validators=[Optional()])
    level = SelectField(_l("Ambition level applied"), validators=[Optional()])
    below = SelectField(_l("Compared with the target level"), validators=[Optional()])
    source = SelectField(_l("Where it was tendered"), validators=[Optional()])
