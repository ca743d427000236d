from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm, file, i18n
from wtforms import FieldList as _FieldList
from wtforms import (
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Optional

from ..catalogue.models import LEVEL_CHOICES
from ..core.fields import (
    ChoiceField,
    DataRequired,
    EuroField,
    InputRequired,
    IntegerField,
    Length,
    LocalDateTimeField,
    MultiCheckboxField,
    NumberRange,
    PlainSelect,
)
from ..criteria import lifecycle as level_rule
from .lifecycle import explanation_problem
from .models import ELIGIBILITY_CHOICES, Eligibility
from .services import CriterionInput, EnglishTexts, english_problems
from .stages import KIND_LABELS

KIND_CHOICES = [(kind.value, label) for kind, label in KIND_LABELS.items()]
PRIZE_PLACES = 3  # a pitch names prizes for at most this many places
TIME_HINT = _l("Time in Amsterdam (CET/CEST).")


class CallForm(FlaskForm):
    kind = ChoiceField(_l("Kind of call"), choices=KIND_CHOICES,
                       required_message=_l("Choose whether this is a challenge or an SBIR call."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(), Length(max=600)],
        description=_l("One or two sentences, shown in lists and search results (plain text)."),
        render_kw={"rows": 3},
    )
    body_source = TextAreaField(
        _l("Main text"),
        validators=[Length(max=50000)],
        description=_l("The problem, what you ask and what you offer. Markdown: **bold**, *italic*, "
                       "## headings, lists and links."),
        render_kw={"rows": 12},
    )
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    ambition_level = ChoiceField(
        _l("Ambition level"), choices=LEVEL_CHOICES,
        required_message=_l("Choose the ambition level of this call."),
        description=_l("With criteria from the library the level follows from them: the highest level among the "
                       "chosen criteria. A higher level is refused. Without library criteria the level chosen here "
                       "stands."),
    )
    level_explanation = TextAreaField(
        _l("Explanation when below the category's target level"),
        validators=[Length(max=5000)],
        description=_l("Comply or explain: required and published when the ambition level is below "
                       "the target level of the category."),
        render_kw={"rows": 4},
    )
    social_values = MultiCheckboxField(_l("Social values"), coerce=int)
    eligibility = ChoiceField(_l("Who may submit a proposal"), choices=ELIGIBILITY_CHOICES,
                              default=Eligibility.ENTREPRENEURS.value,
                              required_message=_l("Choose who may submit a proposal."))
    prize_text = StringField(
        _l("Budget or prize, in words"),
        validators=[Length(max=300)],
        description=_l("For example: 3 pilots of €15,000 with a launching-customer option."),
    )
    questions_close_at = LocalDateTimeField(
        _l("Questions can be asked until (optional)"), validators=[Optional()],
        description=_l("Time in Amsterdam (CET/CEST). Empty: until the deadline of the open phase."),
    )
    contact_name = StringField(_l("Contact person"), validators=[Length(max=200)])
    contact_email = StringField(
        _l("Contact email address"),
        validators=[Optional(), Email(message=_l("Enter a valid email address.")), Length(max=320)],
        filters=[lambda value: value.strip() if value else value],
    )
    department_id = SelectField(_l("Department responsible"), coerce=int, validators=[Optional()])
    manager_id = SelectField(
        _l("Responsible manager"), coerce=int, validators=[Optional()],
        description=_l("Monitoring is read per department and per manager (result talks)."),
    )
    experiment_extra_weeks = IntegerField(
        _l("Extra time granted for the experiment (weeks)"),
        validators=[Optional(), NumberRange(min=0, max=260, message=_l("Enter a number of weeks from 0 to 260."))],
        render_kw={"inputmode": "numeric"},
    )
    experiment_budget = EuroField(_l("Process budget granted for the experiment (euros)"), validators=[Optional()])
    experiment_note = TextAreaField(
        _l("Experiment space: what was granted and why"), validators=[Length(max=5000)],
        description=_l("Reported in monitoring and in the MVI paragraph for decision documents."),
        render_kw={"rows": 3},
    )
    # The English version (optional). lang="en" lets spelling checkers and screen readers treat the
    # typed text as English, whatever the language of the page.
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)], render_kw={"lang": "en"})
    summary_en = TextAreaField(_l("Summary in English"), validators=[Length(max=600)],
                               render_kw={"rows": 3, "lang": "en"})
    body_source_en = TextAreaField(
        _l("Main text in English"), validators=[Length(max=50000)],
        description=_l("Markdown, like the Dutch main text. Empty: the Dutch text is shown, marked as Dutch."),
        render_kw={"rows": 8, "lang": "en"},
    )
    prize_text_en = StringField(_l("Budget or prize in English"), validators=[Length(max=300)],
                                render_kw={"lang": "en"})
    level_explanation_en = TextAreaField(
        _l("Explanation below the target level in English"), validators=[Length(max=5000)],
        render_kw={"rows": 3, "lang": "en"},
    )

    def english(self) -> EnglishTexts:
        return EnglishTexts(
            title=self.title_en.data or "", summary=self.summary_en.data or "",
            body_source=self.body_source_en.data or "", prize_text=self.prize_text_en.data or "",
            level_explanation=self.level_explanation_en.data or "",
        )

    def validate(self, extra_validators=None) -> bool:
        # All at once: an English title missing is told together with every other error.
        valid = super().validate(extra_validators)
        for name, message in english_problems(self.english()).items():
            self[name].errors = [*self[name].errors, message]
            valid = False
        level = self.ambition_level.data
        if level in {"1", "2", "3"} and (problem := level_rule.level_claim_problem(int(level), self.chosen_levels)):
            self.ambition_level.errors = [*self.ambition_level.errors, problem]
            valid = False
        for name, message in self._explanation_problems().items():
            self[name].errors = [*self[name].errors, message]
            valid = False
        return valid

    # The target level per category id, set by the view with the choices: the explanation is
    # checked with every other field, not after them (all errors at once).
    target_levels: dict[int, int] = {}
    # The levels of the call's library criteria, set by the view: the level claimed is checked
    # against them with every other field (criteria/lifecycle.py holds the rule).
    chosen_levels: list[int] = []

    def _explanation_problems(self) -> dict[str, str]:
        target = self.target_levels.get(self.category_id.data or 0)
        level = self.ambition_level.data
        applied = level_rule.applied_level(self.chosen_levels)
        if applied is not None and level in {"1", "2", "3"} and int(level) <= applied:
            level = str(applied)  # the level that is stored is the one the criteria give
        if target is None or level not in {"1", "2", "3"} or int(level) >= target:
            return {}
        problems: dict[str, str] = {}
        if not (self.level_explanation.data or "").strip():
            problems["level_explanation"] = str(_l(
                "The ambition level is below the target level %(target)d of this category. "
                "Explain why (comply or explain); the explanation is published.", target=target))
        for name in ("level_explanation", "level_explanation_en"):
            if name in problems:
                continue
            text = self[name].data or ""
            if (name == "level_explanation" or text.strip()) and (problem := explanation_problem(text)) is not None:
                problems[name] = problem
        return problems


class _TranslatedMeta:
    """A plain sub-form gets no translations from Flask-WTF; give it the same ones."""

    def get_translations(self, form):
        return i18n.translations


class CriterionForm(Form):
    Meta = _TranslatedMeta

    name = StringField(_l("Criterion"), validators=[Optional(), Length(max=200)])
    weight = IntegerField(
        _l("Weight (%)"),
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("A weight is between 1 and 100."))],
        render_kw={"inputmode": "numeric"},
    )
    description = TextAreaField(_l("What the jury looks at"), validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 2})
    knockout_minimum = IntegerField(
        _l("Knock-out minimum (optional)"),
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("A knock-out minimum is between 0 and 100."))],
        description=_l("A proposal scoring lower on this criterion is out."),
        render_kw={"inputmode": "numeric"},
    )

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and self.weight.data is None


class PhaseForm(FlaskForm):
    title = StringField(_l("Phase title"), validators=[DataRequired(), Length(max=200)])
    opens_at = LocalDateTimeField(_l("Opens at"), validators=[InputRequired()], description=TIME_HINT)
    closes_at = LocalDateTimeField(_l("Deadline"), validators=[InputRequired()], description=TIME_HINT)
    budget = EuroField(_l("Budget for this phase (euros)"), validators=[InputRequired()])
    max_awards = IntegerField(
        _l("Maximum number of awards"),
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
        default=1,
        render_kw={"inputmode": "numeric"},
    )
    score_scale_max = IntegerField(
        _l("Highest score per criterion"),
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        default=10,
        description=_l("The jury scores each criterion from 0 to this number."),
        render_kw={"inputmode": "numeric"},
    )
    # Only for the new kinds (calls/stages.py); the view removes these fields for challenge and SBIR.
    stage_type = ChoiceField(_l("Type of stage"), choices=[], required_message=_l("Choose the type of stage."))
    targets = TextAreaField(
        _l("Targets a partner must reach for a go (R&D stage)"), validators=[Length(max=4000)],
        description=_l("Public: applicants read what counts at the go/no-go moment."), render_kw={"rows": 4})
    prize_1 = EuroField(_l("Prize for the 1st place (euros, pitch stage)"), validators=[Optional()])
    prize_2 = EuroField(_l("Prize for the 2nd place (euros, optional)"), validators=[Optional()])
    prize_3 = EuroField(_l("Prize for the 3rd place (euros, optional)"), validators=[Optional()])
    criteria = _FieldList(FormField(CriterionForm), min_entries=5, max_entries=15)

    def targets_input(self) -> str:
        """The R&D targets as typed; empty when this call's stages have none (the field was removed)."""
        field = getattr(self, "targets", None)
        return (field.data or "") if field is not None else ""

    def prizes_input(self) -> list[int]:
        """The prizes per place as typed, first place first; an empty place ends the list."""
        prizes: list[int] = []
        for field in (getattr(self, f"prize_{place}", None) for place in range(1, PRIZE_PLACES + 1)):
            if field is None or field.data is None:
                break
            prizes.append(field.data)
        return prizes

    def criteria_input(self) -> list[CriterionInput]:
        return [
            CriterionInput(
                name=entry.form.name.data or "",
                weight=entry.form.weight.data,
                description=entry.form.description.data or "",
                knockout_minimum=entry.form.knockout_minimum.data,
            )
            for entry in self.criteria
            if not entry.form.is_blank()
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for entry in self.criteria:
            row = entry.form
            if row.is_blank():
                continue
            if not (row.name.data or "").strip():
                row.name.errors = [*row.name.errors, _l("Give this criterion a name.")]
                valid = False
            if row.weight.data is None and not row.weight.errors:
                row.weight.errors = [*row.weight.errors, _l("Give this criterion a weight.")]
                valid = False
        return valid


class DocumentForm(FlaskForm):
    title = StringField(_l("Document title"), validators=[Length(max=200)])
    file = file.FileField(_l("File (PDF, ODT, DOCX, XLSX, ODS, PNG or JPEG; at most 20 MB)"),
                          validators=[file.FileRequired(message=_l("Choose a file."))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (published)"), validators=[Length(max=2000)], render_kw={"rows": 3})


class RemarkForm(FlaskForm):
    remark = TextAreaField(_l("What should change in the explanation"), validators=[Length(max=2000)],
                           description=_l("The writer sees this remark when editing the call."),
                           render_kw={"rows": 3})


class CallFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search by word"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), validators=[Optional()], widget=PlainSelect())
    category = SelectField(_l("Category"), validators=[Optional()], widget=PlainSelect())
    level = SelectField(_l("Ambition level"), validators=[Optional()], widget=PlainSelect())
    value = SelectField(_l("Social value"), validators=[Optional()], widget=PlainSelect())
    state = SelectField(_l("Status"), validators=[Optional()], widget=PlainSelect())
