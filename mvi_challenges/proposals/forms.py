from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm, file
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Optional

from ..core.fields import DataRequired, EuroField, Length
from .models import ProposalStatus

STATUS_LABELS = {
    ProposalStatus.DRAFT: _l("draft (not submitted)"),
    ProposalStatus.SUBMITTED: _l("submitted"),
    ProposalStatus.WITHDRAWN: _l("withdrawn"),
    ProposalStatus.UNDER_REVIEW: _l("under review"),
    ProposalStatus.ADVANCED: _l("selected for the next phase"),
    ProposalStatus.SHORTLISTED: _l("shortlisted"),
    ProposalStatus.AWARDED: _l("awarded"),
    ProposalStatus.NOT_AWARDED: _l("not awarded"),
}


class ProposalForm(FlaskForm):
    title = StringField(_l("Title of your proposal"), validators=[Optional(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=1000)],
                            description=_l("At most 1,000 characters; plain text."), render_kw={"rows": 4})
    body_source = TextAreaField(
        _l("Your proposal"), validators=[Optional(), Length(max=100_000)],
        description=_l("How you solve the problem, and how you meet each criterion. Markdown: **bold**, "
                       "*italic*, ## headings, lists and links."),
        render_kw={"rows": 16},
    )
    requested_budget = EuroField(_l("Requested budget (euros)"), validators=[Optional()])


class AttachmentForm(FlaskForm):
    file = file.FileField(
        _l("Add an attachment (PDF, ODT, DOCX, XLSX, ODS, PNG or JPEG; at most 20 MB)"),
        validators=[file.FileRequired(message=_l("Choose a file."))],
    )


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Your question"),
                         validators=[DataRequired(message=_l("Type your question.")), Length(max=5000)],
                         description=_l("The question and its answer are published for everyone, without your name."),
                         render_kw={"rows": 4})


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Question (as published)"), validators=[DataRequired(), Length(max=5000)],
                         description=_l("You may rephrase it so the asker cannot be recognised."),
                         render_kw={"rows": 3})
    answer_source = TextAreaField(_l("Answer"), validators=[Length(max=20000)], render_kw={"rows": 5})
    publish = BooleanField(_l("Published for everyone"))


class PartnerForm(FlaskForm):
    """The lead invites a partner organisation: by address and/or KvK number, with its part."""

    email = StringField(_l("Email address of the partner's contact person"), validators=[Optional(), Length(max=320)],
                        description=_l("Give the address, the KvK number, or both. With both, only that person "
                                       "of that organisation can accept."),
                        render_kw={"autocomplete": "email", "type": "email"})
    kvk_number = StringField(_l("KvK number of the partner organisation"), validators=[Optional(), Length(max=20)],
                             description=_l("8 digits."), render_kw={"inputmode": "numeric"})
    role = StringField(_l("Role in the consortium"), validators=[DataRequired(
        message=_l("Describe the partner's role in the consortium.")), Length(max=200)],
        description=_l("For example: knowledge institute, measurements and validation."))
    share = EuroField(_l("Budget share of the partner (euros)"), validators=[DataRequired(
        message=_l("State the partner's share of the budget in euros."))],
        description=_l("Part of your requested budget. Your own share is what remains."))


class InvitationAnswerForm(FlaskForm):
    """Only the CSRF token: the answer is the button that was pressed."""
