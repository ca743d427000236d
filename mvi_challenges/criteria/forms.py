"""Forms of the criteria library and the leading principles (administrators)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm, file
from wtforms import SelectField, StringField, TextAreaField

from ..catalogue.models import LEVEL_CHOICES
from ..core.fields import ChoiceField, DataRequired, Length, MultiCheckboxField


class PrincipleForm(FlaskForm):
    name_nl = StringField(_l("Name in Dutch"), validators=[DataRequired(), Length(max=160)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=160)],
                          render_kw={"lang": "en"})
    description_nl = TextAreaField(_l("Description in Dutch"), validators=[Length(max=2000)], render_kw={"rows": 3})
    description_en = TextAreaField(_l("Description in English"), validators=[Length(max=2000)],
                                   render_kw={"rows": 3, "lang": "en"})
    social_values = MultiCheckboxField(_l("Social values this principle serves"), coerce=int)


class CriterionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("A short, unique key, for example ICT-2-01. The CSV import matches on it."))
    category_id = SelectField(_l("Category"), coerce=int)
    level = ChoiceField(_l("Ambition level"), choices=LEVEL_CHOICES,
                        required_message=_l("Choose the ambition level of this criterion."))
    text_nl = TextAreaField(_l("Criterion in Dutch"), validators=[DataRequired(), Length(max=4000)],
                            render_kw={"rows": 3})
    text_en = TextAreaField(_l("Criterion in English"), validators=[Length(max=4000)],
                            render_kw={"rows": 3, "lang": "en"})
    verification_nl = TextAreaField(_l("How it is verified, in Dutch"), validators=[Length(max=4000)],
                                    description=_l("For example: certificate, declaration, audit, monitoring report."),
                                    render_kw={"rows": 2})
    verification_en = TextAreaField(_l("How it is verified, in English"), validators=[Length(max=4000)],
                                    render_kw={"rows": 2, "lang": "en"})
    social_value_id = SelectField(_l("Social value it serves"), coerce=int)
    principle_id = SelectField(_l("Leading principle it serves"), coerce=int)

    def validate(self, extra_validators=None) -> bool:
        # A select whose choice disappeared (or a forged value) is told next to its field, not as a 400.
        valid = super().validate(extra_validators)
        for name, message in (("category_id", _l("Choose a category.")),
                              ("social_value_id", _l("Choose the social value.")),
                              ("principle_id", _l("Choose the leading principle."))):
            select = self[name]
            if not select.data and not select.errors:
                select.errors = [*select.errors, message]
                valid = False
        return valid


class ImportForm(FlaskForm):
    file = file.FileField(_l("CSV file (UTF-8, separated by semicolons)"),
                          validators=[file.FileRequired(message=_l("Choose a file."))])


class PickForm(FlaskForm):
    """The call's step "criteria from the library": checkboxes per level."""

    criteria = MultiCheckboxField(_l("Criteria"), coerce=int)
