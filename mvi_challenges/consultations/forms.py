from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm, file
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..core.fields import DataRequired, InputRequired, Length, LocalDateTimeField
from ..dialogues.models import DISPOSITION_LABELS
from .models import Consultation
from .services import (
    MAX_ANSWER_LENGTH,
    MAX_BODY_LENGTH,
    MAX_THEMES,
    ThemeTexts,
    english_problems,
    parse_questions,
    summary_english_problems,
    theme_field,
)

TIME_HINT = _l("Time in Amsterdam (CET/CEST). Answers are accepted until this moment, not at it.")


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body_source = TextAreaField(_l("Consultation document"), validators=[Length(max=MAX_BODY_LENGTH)],
                                render_kw={"rows": 10},
                                description=_l("What the municipality plans and why it asks the market. Markdown: "
                                               "**bold**, *italic*, lists and links."))
    questions = TextAreaField(_l("Questions"), validators=[DataRequired()], render_kw={"rows": 8},
                              description=_l("One question per line. They are numbered in this order."))
    # Optional, as for calls: without an English title, English pages show the Dutch texts (marked lang="nl").
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)], render_kw={"lang": "en"},
                           description=_l("Without an English title, English pages show the Dutch text."))
    body_source_en = TextAreaField(_l("Consultation document in English"), validators=[Length(max=MAX_BODY_LENGTH)],
                                   render_kw={"rows": 6, "lang": "en"})
    questions_en = TextAreaField(_l("Questions in English"), render_kw={"rows": 6, "lang": "en"},
                                 description=_l("One per line, in the same order as the Dutch questions, or none."))
    category_id = SelectField(_l("Theme (category)"), coerce=int, validators=[Optional()])
    closes_at = LocalDateTimeField(_l("Deadline for answers"), validators=[InputRequired()], description=TIME_HINT)
    follow_up_call_id = SelectField(_l("Call that follows (optional)"), coerce=int, validators=[Optional()],
                                    description=_l("Shown on both pages once the call is published."))

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks and the English version's (services.english_problems), all at once."""
        valid = super().validate(extra_validators)
        for problem in english_problems(self.title_en.data or "", self.body_source_en.data or "",
                                        parse_questions(self.questions.data or ""),
                                        parse_questions(self.questions_en.data or "")):
            self[problem.field].errors.append(str(problem))
            valid = False
        return valid


class FollowUpForm(FlaskForm):
    follow_up_call_id = SelectField(_l("Call that follows (optional)"), coerce=int, validators=[Optional()],
                                    description=_l("Shown on both pages once the call is published."))


class DocumentForm(FlaskForm):
    title = StringField(_l("Document title"), validators=[Length(max=200)])
    file = file.FileField(_l("File (PDF, ODT, DOCX, XLSX, ODS, PNG or JPEG; at most 20 MB)"),
                          validators=[file.FileRequired(message=_l("Choose a file."))])


def answer_field_name(number: int) -> str:
    return f"answer_{number}"


def answer_form(consultation: Consultation, **kwargs: Any) -> FlaskForm:
    """A form with one text area per numbered question (the questions differ per consultation)."""

    class AnswerForm(FlaskForm):
        # The response's revision when the page was opened (services.save_answers refuses a stale save).
        revision = HiddenField()

    for question in consultation.questions:
        setattr(AnswerForm, answer_field_name(question.number),
                TextAreaField(_l("Answer to question %(n)d", n=question.number),
                              validators=[Length(max=MAX_ANSWER_LENGTH)], render_kw={"rows": 5}))
    return AnswerForm(**kwargs)


class ThemeForm(Form):
    title = StringField(_l("Theme"), validators=[Length(max=200)])
    disposition = SelectField(_l("What the municipality does with it"),
                              choices=[("", _l("Choose…"))]
                              + [(d.value, label) for d, label in DISPOSITION_LABELS.items()],
                              validators=[Optional()])
    action_source = TextAreaField(_l("What was said, and what is done with it"), validators=[Length(max=5000)],
                                  render_kw={"rows": 3})
    # Offered only for a consultation with its English version (SummaryForm.english).
    title_en = StringField(_l("Theme in English"), validators=[Length(max=200)], render_kw={"lang": "en"})
    action_source_en = TextAreaField(_l("What was said, and what is done with it, in English"),
                                     validators=[Length(max=5000)], render_kw={"rows": 3, "lang": "en"})

    def is_blank(self) -> bool:
        return not any((field.data or "").strip()
                       for field in (self.title, self.action_source, self.title_en, self.action_source_en))

    def texts(self) -> ThemeTexts:
        return ThemeTexts(self.title.data or "", self.action_source.data or "", self.title_en.data or "",
                          self.action_source_en.data or "")


class SummaryForm(FlaskForm):
    summary_source = TextAreaField(_l("Summary"), validators=[Length(max=MAX_BODY_LENGTH)], render_kw={"rows": 6},
                                   description=_l("Published for everyone, without the names of the companies."))
    summary_source_en = TextAreaField(_l("Summary in English"), validators=[Length(max=MAX_BODY_LENGTH)],
                                      render_kw={"rows": 6, "lang": "en"},
                                      description=_l("Optional. When given, every theme needs its English text "
                                                     "too; without it English pages show the Dutch summary."))
    themes = FieldList(FormField(ThemeForm), min_entries=4, max_entries=MAX_THEMES)

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consultation = consultation

    @property
    def english(self) -> bool:
        """The English fields are offered for a consultation with its English version only."""
        return bool(self.consultation.title_en)

    def filled_themes(self) -> list[ThemeForm]:
        """The themes with anything typed in them, in order; blank rows are left out."""
        return [entry.form for entry in self.themes.entries
                if not entry.form.is_blank() or entry.form.disposition.data]

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks and the English version's (services.summary_english_problems), all at
        once, each next to its field."""
        valid = super().validate(extra_validators)
        themes = self.filled_themes()
        for problem in summary_english_problems(self.consultation, self.summary_source.data or "",
                                                self.summary_source_en.data or "", [t.texts() for t in themes]):
            field = problem.field or "summary_source_en"
            if field == "summary_source_en":
                self.summary_source_en.errors.append(str(problem))
            else:
                index, name = next((i, n) for i in range(len(themes)) for n in ("title_en", "action_source_en")
                                   if theme_field(i, n) == field)
                themes[index][name].errors.append(str(problem))
            valid = False
        return valid
