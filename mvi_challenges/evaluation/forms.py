from __future__ import annotations

import functools
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import Email, EqualTo, Optional

from ..accounts.services import MIN_PASSWORD_LENGTH
from ..calls import stages
from ..calls.models import Criterion, Phase
from ..core.fields import ChoiceField, DataRequired, InputRequired, IntegerField, Length, NumberRange
from .models import Outcome, ScoreSheet
from .services import ScoreInput

OUTCOME_LABELS = {
    Outcome.AWARDED: _l("awarded"),
    Outcome.SHORTLISTED: _l("shortlisted"),
    Outcome.ADVANCED: _l("advanced to the next phase"),
    Outcome.NOT_AWARDED: _l("not awarded"),
}


def outcome_label(outcome: Outcome | str, phase: Phase | None = None) -> str:
    """The outcome as people of this stage call it: "advanced" is a shortlist in a challenge's round,
    a selection of partners, a "go" in an R&D stage (calls/stages.py); without a phase, the plain word."""
    outcome = Outcome(outcome)
    stage_type = phase.stage_type if phase is not None else None
    if outcome is Outcome.ADVANCED and stage_type in stages.ADVANCE_LABELS:
        return str(stages.ADVANCE_LABELS[stage_type])
    if outcome is Outcome.NOT_AWARDED and stage_type in stages.STOP_LABELS:
        return str(stages.STOP_LABELS[stage_type])
    return str(OUTCOME_LABELS[outcome])


def outcome_choices(phase: Phase) -> list[tuple[str, str]]:
    """The outcomes a stage offers: a stage with a next stage advances (or not); the last stage awards.
    Challenge and SBIR phases keep every outcome, as before."""
    if not stages.is_staged(phase.call):
        return [(o.value, str(label)) for o, label in OUTCOME_LABELS.items()]
    has_next = phase.number < len(phase.call.phases)
    offered = (Outcome.ADVANCED, Outcome.NOT_AWARDED) if has_next else (Outcome.AWARDED, Outcome.NOT_AWARDED)
    return [(o.value, outcome_label(o, phase)) for o in offered]


class MemberForm(FlaskForm):
    email = EmailField(_l("Email address of the jury member"),
                       validators=[DataRequired(), Email(message=_l("Enter a valid email address.")), Length(max=320)],
                       filters=[lambda value: value.strip() if value else value])
    name = StringField(_l("Name (needed for an external expert without an account)"), validators=[Length(max=200)])
    is_chair = BooleanField(_l("Chair of this jury"))


class SettingsForm(FlaskForm):
    blind_review = BooleanField(_l("Blind review: the jury does not see names, organisations or KvK numbers"))
    threshold = IntegerField(_l("Flag a proposal when scores on a criterion differ by more than"),
                             validators=[InputRequired(), NumberRange(min=0, max=100)],
                             render_kw={"inputmode": "numeric"})


class DecisionForm(FlaskForm):
    outcome = ChoiceField(_l("Outcome"), choices=[(o.value, label) for o, label in OUTCOME_LABELS.items()],
                          required_message=_l("Choose the outcome for this proposal."))
    motivation = TextAreaField(_l("Motivation (published and sent to the applicant)"),
                               validators=[DataRequired(), Length(max=10000)], render_kw={"rows": 3})
    knockout_reason = TextAreaField(
        _l("Why it is awarded or advanced despite a score below a knock-out minimum (only then)"),
        validators=[Length(max=5000)], render_kw={"rows": 2})
    # Only in a stage with prizes per place (a staged challenge's pitch); the view removes it elsewhere.
    place = IntegerField(_l("Place (for a winner: 1 is the first prize)"),
                         validators=[Optional(), NumberRange(min=1, max=3)], render_kw={"inputmode": "numeric"})


class LiftConflictForm(FlaskForm):
    reason = TextAreaField(_l("Reason for lifting the conflict of interest (kept in the record)"),
                           validators=[DataRequired(message=_l("Give the reason for lifting the conflict of "
                                                               "interest.")), Length(max=2000)],
                           render_kw={"rows": 2})


class ConsensusForm(FlaskForm):
    # The range is the phase's own scale: services.record_consensus says which.
    value = IntegerField(_l("Consensus score"), validators=[InputRequired()], render_kw={"inputmode": "numeric"})
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 2})


class InvitationForm(FlaskForm):
    password = PasswordField(_l("Choose a password"),
                             validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
                             description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
                             render_kw={"autocomplete": "new-password"})
    password_repeat = PasswordField(_l("Repeat password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"})


class ScoreField(IntegerField):
    """A jury score: a whole number from 0 to the phase's highest score."""

    def __init__(self, label: Any = None, validators: Any = None, *, scale_max: int = 10, **kwargs: Any) -> None:
        range_check = NumberRange(min=0, max=scale_max,
                                  message=_l("A score lies between 0 and %(max)d.", max=scale_max))
        super().__init__(label, [*(validators or []), range_check], **kwargs)
        self.invalid_message = _l("Enter a whole number from 0 to %(max)d.", max=scale_max)


class ScoreSheetForm(FlaskForm):
    """A member's scores for one proposal: a score and a motivation per criterion of the phase,
    named `score-<criterion id>` and `motivation-<criterion id>` (see `for_phase`).

    Every problem is reported at once, next to its field: a score that is not a whole number or out
    of range, and, when finalising, every missing score and motivation. What was typed comes back."""

    criteria: list[Criterion]
    finalising: bool = False

    @classmethod
    def for_phase(cls, phase: Phase, sheet: ScoreSheet | None, finalising: bool = False) -> ScoreSheetForm:
        saved = {score.criterion_id: score for score in sheet.scores} if sheet is not None else {}
        data = {}
        for criterion_id, score in saved.items():
            data[f"score-{criterion_id}"], data[f"motivation-{criterion_id}"] = score.value, score.motivation
        shape = (phase.score_scale_max, tuple((criterion.id, criterion.name) for criterion in phase.criteria))
        form = _sheet_form_class(cls, *shape)(data=data)
        form.criteria, form.finalising = list(phase.criteria), finalising
        return form

    def score_field(self, criterion: Criterion) -> ScoreField:
        return self[f"score-{criterion.id}"]

    def motivation_field(self, criterion: Criterion) -> TextAreaField:
        return self[f"motivation-{criterion.id}"]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.finalising:
            return valid
        for criterion in self.criteria:
            score, motivation = self.score_field(criterion), self.motivation_field(criterion)
            if score.data is None and not score.errors:
                score.errors.append(_l("Score every criterion before finalising (%(name)s is missing).",
                                       name=criterion.name))
            if not (motivation.data or "").strip():
                motivation.errors.append(_l("Give a motivation for %(name)s.", name=criterion.name))
        return valid and not any(self.score_field(c).errors or self.motivation_field(c).errors for c in self.criteria)

    def inputs(self) -> dict[int, ScoreInput]:
        return {criterion.id: ScoreInput(value=self.score_field(criterion).data,
                                         motivation=self.motivation_field(criterion).data or "")
                for criterion in self.criteria}


@functools.lru_cache(maxsize=256)
def _sheet_form_class(base: type[ScoreSheetForm], scale_max: int,
                      criteria: tuple[tuple[int, str], ...]) -> type[ScoreSheetForm]:
    """The form class of a phase's sheet, made once per scale and criteria (ids and names, which its
    labels show; the labels translate when rendered): making a class with a dozen fields on every
    request cost more than rendering them."""
    fields: dict[str, Any] = {}
    for criterion_id, name in criteria:
        fields[f"score-{criterion_id}"] = ScoreField(_l("Score for %(name)s (0 to %(max)d)", name=name, max=scale_max),
                                                     scale_max=scale_max)
        fields[f"motivation-{criterion_id}"] = TextAreaField(_l("Motivation for %(name)s", name=name))
    return type("PhaseScoreSheetForm", (base,), fields)
