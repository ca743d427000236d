from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from ..core.fields import ChoiceField, DataRequired, Length, MultiCheckboxField
from .models import LEVEL_CHOICES


class CategoryForm(FlaskForm):
    name_nl = StringField(_l("Name in Dutch"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    target_level = ChoiceField(_l("Target ambition level"), choices=LEVEL_CHOICES, default="1",
                               required_message=_l("Choose the target ambition level of this category."))
    promising = BooleanField(_l("Promising category (kansrijke categorie)"))
    approach_source = TextAreaField(
        _l("Tailored MVI approach"),
        validators=[Length(max=20000)],
        description=_l("Markdown: **bold**, *italic*, lists and links."),
        render_kw={"rows": 8},
    )
    social_values = MultiCheckboxField(_l("Social values this category serves"), coerce=int)


class SocialValueForm(FlaskForm):
    name_nl = StringField(_l("Name in Dutch"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    description_nl = TextAreaField(_l("Description in Dutch"), validators=[Length(max=2000)],
                                   render_kw={"rows": 3})
    description_en = TextAreaField(_l("Description in English"), validators=[Length(max=2000)],
                                   render_kw={"rows": 3})


class DepartmentForm(FlaskForm):
    name_nl = StringField(_l("Name in Dutch"), validators=[DataRequired(), Length(max=160)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=160)])
