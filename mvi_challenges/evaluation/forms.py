from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import Email, EqualTo

from ..accounts.services import MIN_PASSWORD_LENGTH
from ..core.fields import ChoiceField, DataRequired, InputRequired, IntegerField, Length, NumberRange
from .models import Outcome

OUTCOME_LABELS = {
    Outcome.AWARDED: _l("awarded"),
    Outcome.SHORTLISTED: _l("shortlisted"),
    Outcome.ADVANCED: _l("advanced to the next phase"),
    Outcome.NOT_AWARDED: _l("not awarded"),
}


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
