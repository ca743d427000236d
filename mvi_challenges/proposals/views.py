from __future__ import annotations

import datetime as dt
import io
import zipfile
from types import SimpleNamespace
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.auth import require, require_login
from ..calls.models import Call, CallStatus
from ..calls.panels import CallLinks, CallPanel, add_call_link, add_call_panel
from ..calls.permissions import can_view_call
from ..calls.services import find_call_by_slug
from ..core import audit
from ..core.actions import run_action, run_upload
from ..core.confirmation import ask_first
from ..core.db import db
from ..core.errors import DomainError, attach_to_form, flash_form_errors, render_error
from ..core.exports import to_csv
from ..core.formatting import local_datetime, money
from ..core.i18n import locale_name
from ..core.pagination import paginate
from ..core.storage import get_storage, send_stored
from ..core.templating import offer_to_templates
from ..core.timezones import request_time, to_local
from . import lifecycle, services
from .forms import (
    STATUS_LABELS,
    AnswerForm,
    AttachmentForm,
    InvitationAnswerForm,
    PartnerForm,
    ProposalForm,
    QuestionForm,
)
from .models import Attachment, ConsortiumPartner, Proposal, ProposalStatus, ProposalVersion, Question
from .permissions import (
    can_answer_questions,
    can_edit_proposal,
    can_manage_proposals,
    can_read_proposal,
    can_view_proposal,
)

bp = Blueprint("proposals", __name__)


def _load_proposal(proposal_id: int, options: tuple[Any, ...] = ()) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id, options=options)
    if proposal is None or not can_view_proposal(current_user, proposal):
        abort(404)  # another organisation's proposal does not exist for you
    if lifecycle.kept_from_proposal(db.session, current_user, proposal, contents=False, asked=_asked()):
        abort(404)  # a blind juror would read the applicant beside the jury's number; a competing civil servant
    return proposal


def _asked() -> lifecycle.Asked:
    """The request's answers for `lifecycle.reads_as_staff`: the staff list asks for every row."""
    return g.setdefault("reads_as_staff", {})


def _refuse_change(proposal: Proposal):
    """The 403 of a change this person may not make, saying why when it is a colleague at the
    municipality reading their organisation's proposal (`lifecycle.change_refusal`), with the way back."""
    return render_error(403, lifecycle.change_refusal(current_user, proposal),
                        back=(url_for("proposals.detail", proposal_id=proposal.id), _("Back to the proposal")))


def _readable(proposal: Proposal) -> bool:
    """Whether the current user may read the proposal's content; a first reading by the
    municipality after the deadline records the opening of the phase."""
    now = request_time()
    if not can_read_proposal(current_user, proposal, now):
        return False
    if lifecycle.kept_from_proposal(db.session, current_user, proposal, asked=_asked()):
        return False  # a juror who is also staff reads it through the jury pages
    # The opening is the municipality's first reading, never the applicant's (lead or partner).
    if proposal.phase.opened_at is None and not lifecycle.has_stake(current_user, proposal) and \
            lifecycle.record_opening(db.session, current_user, proposal.phase, now):
        db.session.commit()
    return True


def _load_public_call(slug: str) -> Call:
    call = find_call_by_slug(db.session, slug)
    if call is None or not can_view_call(current_user, call):
        abort(404)
    return call


# --- applicants ---------------------------------------------------------------------------


@bp.route("/calls/<slug>/phases/<int:number>/proposal", methods=["POST"])
@require_login
def start(slug: str, number: int):
    call = _load_public_call(slug)
    phase = next((p for p in call.phases if p.number == number), None) or abort(404)
    outcome = run_action(lambda: services.start_proposal(db.session, current_user, call, phase, request_time()))
    if not outcome.ok:
        return redirect(url_for("calls.call_detail", slug=call.slug) + "#submit")
    return redirect(url_for("proposals.edit", proposal_id=outcome.value.id))


# The proposal form shows the proposal's call and phase (joined: two round trips fewer, #20) and of
# its submitted versions only the latest's number and time: not their texts, which are as long as
# the proposal's and grow with every submission. Saving reads the versions whole (lazy loads).
_FORM_OPTIONS = (joinedload(Proposal.call), joinedload(Proposal.phase))
_SHOW_FORM_OPTIONS = (*_FORM_OPTIONS, selectinload(Proposal.versions).load_only(
    ProposalVersion.id, ProposalVersion.proposal_id, ProposalVersion.number, ProposalVersion.submitted_at))


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@require_login
def edit(proposal_id: int):
    proposal = _load_proposal(proposal_id, _SHOW_FORM_OPTIONS if request.method == "GET" else _FORM_OPTIONS)
    if not can_edit_proposal(current_user, proposal):
        return _refuse_change(proposal)
    form = ProposalForm(obj=proposal)
    if not form.is_submitted():
        form.requested_budget.data = proposal.requested_budget_cents
    if form.validate_on_submit():
        now = request_time()
        submitting = request.form.get("action") == "submit"

        def save_and_submit() -> ProposalVersion | None:
            services.save_draft(
                db.session, current_user, proposal, title=form.title.data or "", summary=form.summary.data or "",
                body_source=form.body_source.data or "", requested_budget_cents=form.requested_budget.data, now=now,
            )
            return services.submit(db.session, current_user, proposal, now) if submitting else None

        outcome = run_action(save_and_submit, form=form,
                             success=None if submitting else _("Your draft has been saved."))
        if outcome.ok:
            if outcome.value is not None:
                return redirect(url_for("proposals.receipt", proposal_id=proposal.id, number=outcome.value.number))
            return redirect(url_for("proposals.edit", proposal_id=proposal.id))
        if submitting and outcome.error.field is not None:
            # The content itself is fine; keep it saved so nothing is lost.
            _save_quietly(proposal_id, form)
            # Say everything that is missing at once, not one thing per round.
            for field, message in services.completeness_problems(db.session.get(Proposal, proposal_id)):
                if field != outcome.error.field:
                    attach_to_form(form, DomainError(message, field=field))
    return _render_edit(proposal, form)


def _render_edit(proposal: Proposal, form: ProposalForm):
    status = 400 if form.errors or form.form_errors else 200
    return render_template("proposals/edit.html", form=form, proposal=proposal, now=request_time(),
                           attachment_form=AttachmentForm(), max_attachments=services.MAX_ATTACHMENTS), status


def _save_typed_text(proposal: Proposal) -> ProposalForm | None:
    """The attachment buttons belong to the proposal form: keep what was typed there too.

    Returns the form, with its errors, when what was typed could not be saved (a budget above the
    maximum, a title too long): the page is then shown again with the typed text, never lost."""
    form = ProposalForm()
    if "title" not in request.form:
        return None
    if form.validate() and run_action(lambda: services.save_draft(
            db.session, current_user, proposal, title=form.title.data or "", summary=form.summary.data or "",
            body_source=form.body_source.data or "", requested_budget_cents=form.requested_budget.data,
            now=request_time()), form=form).ok:
        return None
    form.form_errors.append(_("What you typed is not saved yet: correct the marked fields and save your draft."))
    return form


def _save_quietly(proposal_id: int, form: ProposalForm) -> None:
    """After a refused submission for missing parts, still save what was typed as the draft."""
    proposal = db.session.get(Proposal, proposal_id)
    run_action(lambda: services.save_draft(
        db.session, current_user, proposal, title=form.title.data or "", summary=form.summary.data or "",
        body_source=form.body_source.data or "", requested_budget_cents=form.requested_budget.data,
        now=request_time(),
    ), quiet=True)


@bp.route("/proposals/<int:proposal_id>/attachments", methods=["POST"])
@require_login
def upload_attachment(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    if not can_edit_proposal(current_user, proposal):
        return _refuse_change(proposal)
    form = AttachmentForm()
    unsaved = _save_typed_text(proposal)
    if not form.validate_on_submit():
        flash_form_errors(form)
        if unsaved is not None:
            return _render_edit(proposal, unsaved)
        return redirect(url_for("proposals.edit", proposal_id=proposal.id) + "#attachments")
    run_upload(form.file.data, lambda upload, key: services.add_attachment(
        db.session, current_user, proposal, upload, key, request_time()),
        success=_("The attachment has been added."))
    if unsaved is not None:
        return _render_edit(db.session.get(Proposal, proposal_id), unsaved)
    return redirect(url_for("proposals.edit", proposal_id=proposal.id) + "#attachments")


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@require_login
def remove_attachment(proposal_id: int, attachment_id: int):
    proposal = _load_proposal(proposal_id)
    attachment = db.session.get(Attachment, attachment_id)
    if not can_edit_proposal(current_user, proposal) or attachment is None or attachment.proposal_id != proposal.id:
        abort(404)
    unsaved = _save_typed_text(proposal)
    run_action(lambda: services.remove_attachment(db.session, current_user, proposal, attachment, request_time()),
               success=_("The attachment has been removed from your proposal."))
    if unsaved is not None:
        return _render_edit(db.session.get(Proposal, proposal_id), unsaved)
    return redirect(url_for("proposals.edit", proposal_id=proposal.id) + "#attachments")


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
@require_login
def download_attachment(proposal_id: int, attachment_id: int):
    proposal = _load_proposal(proposal_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.proposal_id != proposal.id:
        abort(404)
    if not can_edit_proposal(current_user, proposal):  # others see only what was submitted, once opened
        if not _readable(proposal):
            abort(403)
        submitted_ids = {item["id"] for version in proposal.versions for item in version.attachment_manifest}
        if attachment.id not in submitted_ids:
            abort(404)
    return send_stored(get_storage(current_app.config), attachment.storage_key, mimetype=attachment.content_type,
                       download_name=attachment.filename)


@bp.route("/proposals/<int:proposal_id>")
@require_login
def detail(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    now = request_time()
    storage = get_storage(current_app.config)
    verified = {version.number: services.verify_version(version, proposal.attachments, storage)
                for version in proposal.versions}
    return render_template("proposals/detail.html", proposal=proposal, verified=verified, now=now,
                           can_edit=can_edit_proposal(current_user, proposal),
                           is_partner=lifecycle.is_partner(current_user, proposal),
                           partner_shares=services.partner_shares(proposal),
                           readable=_readable(proposal),
                           may_change=lifecycle.can_edit(proposal, now),
                           may_withdraw=lifecycle.can_withdraw(proposal, now),
                           decision_published=lifecycle.decisions_published(proposal))


@bp.route("/proposals/<int:proposal_id>/receipt/<int:number>")
@require_login
def receipt(proposal_id: int, number: int):
    proposal = _load_proposal(proposal_id)
    if not _readable(proposal):
        abort(403)  # the receipt names the title and files: sealed like the rest until the deadline
    version = next((v for v in proposal.versions if v.number == number), None) or abort(404)
    return render_template("proposals/receipt.html", proposal=proposal, version=version)


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@require_login
def withdraw(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    if not can_edit_proposal(current_user, proposal):
        return _refuse_change(proposal)
    if (question := ask_first(
            title=_("Withdraw your proposal “%(title)s”?", title=proposal.title or proposal.call.title),
            consequences=[_("Your proposal no longer counts: the jury will not judge it."),
                          _("To take part again you must submit it again before the deadline (%(deadline)s).",
                            deadline=local_datetime(proposal.phase.closes_at, "long"))],
            button=_("Yes, withdraw my proposal"),
            back_url=url_for("proposals.edit", proposal_id=proposal.id))) is not None:
        return question
    run_action(lambda: services.withdraw(db.session, current_user, proposal, request_time()),
               success=_("Your proposal has been withdrawn. You can submit it again before the deadline."))
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.route("/my/proposals")
@require_login
def mine():
    now = request_time()
    # A person's own list (an organisation's proposals: dozens), counted in the page's query.
    page = paginate(services.proposal_list_query(current_user), per_page=current_app.config["PAGE_SIZE"],
                    counted_rows=True)
    partnered = (list(db.session.execute(services.partner_proposals_query(current_user).limit(100)))
                 if current_user.organisation_id is not None else [])
    return render_template("proposals/mine.html", page=page, proposals=page.items, partnered=partnered,
                           now=now, status_of=lambda row: _row_status_label(row, now))


def _row_status_label(row: Any, now: dt.datetime) -> str:
    """`status_label` for a plain row of a list (a status and its phase's deadline)."""
    return str(STATUS_LABELS[lifecycle.shown_status(row.status, row.closes_at, now)])


# --- consortia ------------------------------------------------------------------------------


def _render_consortium(proposal: Proposal, form: PartnerForm):
    status = 400 if form.errors or form.form_errors else 200
    now = request_time()
    return render_template("proposals/consortium.html", proposal=proposal, form=form, now=now,
                           may_manage=lifecycle.can_manage_consortium(current_user, proposal, now),
                           lead_share=lifecycle.lead_share_cents(proposal),
                           problems=lifecycle.consortium_problems(proposal)), status


@bp.route("/proposals/<int:proposal_id>/consortium", methods=["GET", "POST"])
@require_login
def consortium(proposal_id: int):
    """The lead's page: the partners with their answers, and the invitation form."""
    proposal = _load_proposal(proposal_id)
    if not can_edit_proposal(current_user, proposal):
        # A partner reads the consortium on the proposal's page; only the lead changes it.
        return _refuse_change(proposal)
    form = PartnerForm()
    if form.validate_on_submit() and run_action(lambda: services.invite_partner(
            db.session, current_user, proposal, email=form.email.data or "", kvk_number=form.kvk_number.data or "",
            role=form.role.data or "", share_cents=form.share.data, now=request_time(),
            secret_key=current_app.config["SECRET_KEY"]),
            form=form, success=_("The invitation has been sent. The partner confirms or declines its part.")).ok:
        return redirect(url_for("proposals.consortium", proposal_id=proposal.id))
    return _render_consortium(proposal, form)


@bp.route("/proposals/<int:proposal_id>/consortium/<int:partner_id>/withdraw", methods=["POST"])
@require_login
def withdraw_partner(proposal_id: int, partner_id: int):
    proposal = _load_proposal(proposal_id)
    partner = db.session.get(ConsortiumPartner, partner_id)
    if not can_edit_proposal(current_user, proposal) or partner is None or partner.proposal_id != proposal.id:
        abort(404)
    name = partner.organisation.name if partner.organisation else partner.invited_as
    if (question := ask_first(
            title=_("Remove %(name)s from the consortium?", name=name),
            consequences=[_("The invitation link stops working; the partner no longer reads the proposal."),
                          _("If your proposal was submitted, submit it again so the change counts.")],
            button=_("Yes, remove this partner"),
            back_url=url_for("proposals.consortium", proposal_id=proposal.id))) is not None:
        return question
    run_action(lambda: services.withdraw_partner(db.session, current_user, partner, request_time()),
               success=_("The partner has been removed from the consortium."))
    return redirect(url_for("proposals.consortium", proposal_id=proposal.id))


@bp.route("/consortium/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """A partner's answer to an invitation. The signed link finds the invitation (a forged or
    expired one is a 404 for everyone); the person must log in, and the lifecycle decides whether
    this person, of this organisation, may answer it now."""
    partner = services.invitation_for_token(db.session, current_app.config["SECRET_KEY"], token)
    if partner is None:
        abort(404)
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    form = InvitationAnswerForm()
    if request.method == "POST" and form.validate_on_submit():
        accept = request.form.get("action") == "confirm"
        if run_action(lambda: services.answer_invitation(db.session, current_user, partner, accept=accept,
                                                         now=request_time()),
                      success=_("You have confirmed your part. You can now read the proposal.") if accept
                      else _("You have declined the invitation.")).ok and accept:
            return redirect(url_for("proposals.detail", proposal_id=partner.proposal_id))
        return redirect(url_for("proposals.invitation", token=token))
    problem = lifecycle.invitation_refusal(partner, current_user, request_time())
    return render_template("proposals/invitation.html", partner=partner, proposal=partner.proposal, form=form,
                           problem=problem), 200 if problem is None else 409


# --- questions and following --------------------------------------------------------------


@bp.route("/calls/<slug>/questions", methods=["GET", "POST"])
def questions(slug: str):
    """GET: the clarification notice (all published answers, printable). POST: ask a question."""
    call = _load_public_call(slug)
    form = QuestionForm()
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=url_for("calls.call_detail", slug=slug)))
        if form.validate_on_submit() and run_action(
                lambda: services.ask_question(db.session, current_user, call, form.text.data, request_time()),
                form=form, success=_("Your question has been sent. The answer will be published on this page for "
                                     "everyone.")).ok:
            return redirect(url_for("calls.call_detail", slug=slug) + "#questions")
        return render_template("proposals/ask.html", call=call, form=form), 400
    return render_template("proposals/questions.html", call=call,
                           questions=services.published_questions(db.session, call), now=request_time())


@bp.route("/calls/<slug>/follow", methods=["POST"])
@require_login
def follow(slug: str):
    call = _load_public_call(slug)
    follow_it = request.form.get("follow") == "1"
    run_action(lambda: services.set_following(db.session, current_user, call, follow_it),
               success=_("You follow this call: we email you when answers are published or the call changes.")
               if follow_it else _("You no longer follow this call."))
    return redirect(url_for("calls.call_detail", slug=slug))


# --- staff --------------------------------------------------------------------------------


def _staff_call(call_id: int, options: tuple[Any, ...] = ()) -> Call:
    call = db.session.get(Call, call_id, options=options)
    if call is None:
        abort(404)
    return call


def _proposals_call(call_id: int) -> Call:
    """The call whose proposals (with who applied) a staff member lists or exports: only for whoever
    may see who applied in every phase of it (`lifecycle.reads_as_staff`)."""
    call = _staff_call(call_id)
    if not all(lifecycle.reads_as_staff(db.session, current_user, phase, contents=False, asked=_asked())
               for phase in call.phases):
        abort(403)  # a member of a blind jury of the call, or a civil servant whose organisation competes in it
    return call


@bp.route("/staff/calls/<int:call_id>/proposals")
@require(can_manage_proposals)
def staff_proposals(call_id: int):
    call = _proposals_call(call_id)
    page = paginate(services.submitted_proposals_query(call), per_page=50)
    return render_template("proposals/staff_list.html", call=call, page=page, proposals=page.items,
                           counts=services.counts_per_phase(db.session, call), statuses=ProposalStatus,
                           now=request_time())


@bp.route("/staff/calls/<int:call_id>/proposals.csv")
@require(can_manage_proposals)
def export_csv(call_id: int):
    call = _proposals_call(call_id)
    header = [_("Number"), _("Phase"), _("Title"), _("Organisation"), _("KvK number"), _("Submitter"),
              _("Email address"), _("Status"), _("Submitted at"), _("Version"), _("Requested budget"),
              _("SHA-256 digest")]
    rows = []
    for proposal in services.submitted_proposals(db.session, call):
        # Sealed until the deadline: that it arrived (who, when, the digest), not what it says.
        latest = proposal.latest_version if _readable(proposal) else None
        rows.append([
            proposal.id, proposal.phase.number, latest.title if latest else "",
            proposal.organisation.name if proposal.organisation else "",
            proposal.organisation.kvk_number if proposal.organisation else "",
            proposal.submitter.name if proposal.submitter else "",
            proposal.submitter.email if proposal.submitter else "",
            str(STATUS_LABELS[proposal.status]), local_datetime(proposal.submitted_at),
            len(proposal.versions) or "", money(latest.requested_budget_cents) if latest else "",
            proposal.latest_version.digest if proposal.latest_version else "",
        ])
    audit.record_export(db.session, current_user, "proposals_csv", call)
    return Response(to_csv(header, rows), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{call.slug}-proposals.csv"'})


@bp.route("/staff/calls/<int:call_id>/proposals.zip")
@require(can_manage_proposals)
def export_zip(call_id: int):
    """The attachments of every proposal's latest submitted version, one folder per proposal."""
    call = _proposals_call(call_id)
    storage = get_storage(current_app.config)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for proposal in services.submitted_proposals(db.session, call):
            latest = proposal.latest_version
            if latest is None or not _readable(proposal):
                continue  # sealed until its phase's deadline, withdrawn proposals are not evaluated
            stored = {a.id: a for a in proposal.attachments}
            for item in latest.attachment_manifest:
                attachment = stored.get(item["id"])
                data = storage.read(attachment.storage_key) if attachment is not None else None
                if data is None:
                    continue
                # The attachment id keeps two files with the same name apart.
                archive.writestr(f"{proposal.id:05d}/{attachment.id}-{item['filename']}", data)
    buffer.seek(0)
    audit.record_export(db.session, current_user, "attachments_zip", call)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name=f"{call.slug}-attachments.zip", max_age=0)


@bp.route("/staff/proposals/<int:proposal_id>/status/<target>", methods=["POST"])
@require(can_manage_proposals)
def change_status(proposal_id: int, target: str):
    proposal = _load_proposal(proposal_id)
    if target not in {s.value for s in ProposalStatus}:
        abort(404)
    run_action(lambda: services.transition_proposal(db.session, current_user, proposal, ProposalStatus(target),
                                                    request_time()),
               success=_("The status of the proposal has been changed."))
    return redirect(url_for("proposals.staff_proposals", call_id=proposal.call_id))


@bp.route("/staff/calls/<int:call_id>/questions")
@require(can_answer_questions)
def staff_questions(call_id: int):
    # With its phases joined (a call has one to three): whether an answer may still change asks for
    # them, a round trip of its own before (#20).
    return _render_staff_questions(_staff_call(call_id, (joinedload(Call.phases),)))


def _render_staff_questions(call: Call, bound: AnswerForm | None = None, bound_id: int | None = None,
                            status: int = 200):
    """Forms only for the questions that still need an answer (a bound one with its errors too): at
    city scale a call has dozens of published answers, each edited on its own page."""
    questions = services.all_questions(db.session, call)
    waiting = {q.id for q in questions if lifecycle.question_needs_answer(q)}
    forms = {}
    if bound is not None:
        forms[bound_id] = bound
        waiting.discard(bound_id)
    return render_template("proposals/staff_questions.html", call=call, forms=forms, waiting=waiting,
                           questions=questions, blank=_BlankAnswerForm() if waiting else None,
                           labels=_question_labels()), status


def _question_labels() -> SimpleNamespace:
    """The questions page's words, translated once per page instead of per question; the ones with
    a number or a time are patterns, filled in per question (Markup: as the template's _() does, the
    values are escaped into them). The edit link is its prefix and the question's id."""
    words = {"new": _("New question"), "in_note": _("in a clarification note"), "published": _("published"),
             "not_published": _("not published"), "answer": _("Answer"), "edit_this": _("Edit this answer"),
             # gettext without values returns the translated pattern, filled in per question
             "numbered": _("Question %(n)d"), "asked_on": _("Asked on %(when)s"),
             "edit_numbered": _("Edit the answer to question %(n)d")}
    labels = SimpleNamespace(**{key: Markup(text) for key, text in words.items()})  # noqa: S704 - our translations
    labels.edit_url = url_for("proposals.edit_answer", question_id=0).removesuffix("0")
    return labels


class _BlankAnswerForm:
    """Each waiting question's answer form, from one blank form rendered once per page.

    The answer_form macro renders an empty AnswerForm for a stand-in question (with and without a
    number), split where the question and the answer go; per question the parts get its id and
    number and the escaped texts go between them (escaped as WTForms escapes a textarea's value).
    The same markup as an AnswerForm(obj=question, publish=False) per question through the field
    macros, which were two thirds of the page (40 questions: 122,000 Python calls a request). The
    stand-ins are numbers (the answer URL takes an integer) too long to occur in a CSRF token."""

    ID, NUMBER = 987654321987654321, 876543219876543219
    TEXT, ANSWER, TOKEN = "\x01question\x01", "\x01answer\x01", "\x01token\x01"

    def __init__(self) -> None:
        token = generate_csrf()  # the page's token, as the macro's csrf() renders it
        # The parts differ only by language and the address the app is served under, and the token,
        # which goes in per page: rendered once per process (the two renders were a quarter of the
        # page), anew while templates reload (development).
        key = (locale_name(), request.script_root)
        kept = current_app.extensions.setdefault("blank_answer_form_parts", {})
        parts = kept.get(key)
        if parts is None:
            parts = self._render(token)
            if not current_app.jinja_env.auto_reload:
                kept[key] = parts
        self.parts = {numbered: tuple(part.replace(self.TOKEN, token) for part in split)
                      for numbered, split in parts.items()}

    def _render(self, token: str) -> dict[bool, tuple[str, ...]]:
        macro = get_template_attribute("proposals/_answer_form.html", "answer_form")
        form = AnswerForm(formdata=None, prefix=f"q{self.ID}", text=self.TEXT, answer_source=self.ANSWER,
                          publish=False, meta={"csrf": False})  # the macro renders the page's token
        parts = {}
        for numbered in (False, True):
            html = str(macro(form, SimpleNamespace(id=self.ID, number=self.NUMBER if numbered else None)))
            before, rest = html.replace(token, self.TOKEN).split(self.TEXT)
            parts[numbered] = (before, *rest.split(self.ANSWER))
        return parts

    def __call__(self, question: Question) -> Markup:
        def filled(part: str) -> Markup:
            part = part.replace(str(self.ID), str(question.id))
            return Markup(part.replace(str(self.NUMBER), str(question.number)) if question.number else part)  # noqa: S704

        before, middle, after = self.parts[bool(question.number)]
        return (filled(before) + escape(question.text) + filled(middle) + escape(question.answer_source)
                + filled(after))


def _render_answer_page(question: Question, form: AnswerForm | None, status: int = 200):
    return render_template("proposals/staff_answer.html", call=question.call, question=question, form=form), status


@bp.route("/staff/questions/<int:question_id>", methods=["GET"])
@require(can_answer_questions)
def edit_answer(question_id: int):
    """One question with its answer form: where staff change a published answer."""
    question = db.session.get(Question, question_id) or abort(404)
    if not lifecycle.answer_is_editable(question, question.call, request_time()):
        return _render_answer_page(question, None)  # fixed (issued note, deadline passed): shown as is, with why
    form = AnswerForm(obj=question, prefix=f"q{question.id}", publish=question.published_at is not None)
    return _render_answer_page(question, form)


@bp.route("/staff/questions/<int:question_id>", methods=["POST"])
@require(can_answer_questions)
def answer(question_id: int):
    question = db.session.get(Question, question_id) or abort(404)
    form = AnswerForm(prefix=f"q{question.id}")
    if form.validate_on_submit() and run_action(lambda: services.answer_question(
            db.session, current_user, question, text=form.text.data,
            answer_source=form.answer_source.data or "", publish=form.publish.data, now=request_time()),
            form=form, success=_("The answer has been saved.")).ok:
        return redirect(url_for("proposals.staff_questions", call_id=question.call_id) + f"#question-{question.id}")
    if question.published_at is not None:
        return _render_answer_page(question, form, 400)  # edited on its own page: back there, as typed, with why
    return _render_staff_questions(question.call, form, question.id, 400)


# --- the panel on the call page -------------------------------------------------------------


def proposal_panel(call: Call, links: CallLinks) -> dict:
    """The call page's panel for submitting, questions and following (calls/panels.py); the
    questions are read only when the call's query found published ones."""
    now = request_time()
    phase = call.current_phase(now)
    own = None
    problem = None
    if phase is not None:
        problem = services.eligibility_problem(call, current_user)
        if current_user.is_authenticated:
            own = services.find_own_proposal(db.session, current_user, phase)
            if own is None and problem is None and not services.admitted_to_phase(db.session, current_user, call,
                                                                                  phase):
                problem = str(_l("Only participants whose proposal in phase %(n)d was selected can take part "
                                 "in this phase.", n=phase.number - 1))
    return {
        "phase": phase, "own": own, "problem": problem,
        "questions": services.published_questions(db.session, call) if links.has("published_questions") else [],
        "questions_open": call.questions_open(now),
        # Only for those who may ask: a form starts a session (its CSRF token), and the page
        # as anonymous visitors see it must stay the same for all of them (page_cache.py).
        "question_form": QuestionForm() if current_user.is_authenticated else None,
        "following": services.is_following(db.session, current_user, call),
        "is_published": call.status is CallStatus.PUBLISHED,
        "changes_own": lifecycle.changes_own_proposals(current_user),
    }


def status_label(proposal_or_status: Proposal | ProposalStatus | str) -> str:
    """A proposal's status as its readers see it (after the deadline "under evaluation" until the
    decisions are published), or a bare status's label."""
    if isinstance(proposal_or_status, Proposal):
        return str(STATUS_LABELS[ProposalStatus(lifecycle.status_label_key(proposal_or_status, request_time()))])
    return str(STATUS_LABELS[ProposalStatus(proposal_or_status)])


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The proposals' template hook (core/templating.py) and their panel on the call page (calls/panels.py)."""
    add_call_panel(state.app, CallPanel(order=20, template="proposals/_call_panel.html", build=proposal_panel))
    add_call_link(state.app, "published_questions", services.published_question_of)
    offer_to_templates(
        state.app, proposal_status_label=status_label,
        # The lifecycle's guards, for templates: they never compare status strings themselves.
        proposal_can_edit=lambda proposal: lifecycle.can_edit(proposal, request_time()),
        proposal_can_withdraw=lambda proposal: lifecycle.can_withdraw(proposal, request_time()),
        proposal_is_submitted=lambda proposal: lifecycle.has_arrived(proposal),
        # Why an owner reads but does not change (municipal staff), per proposal and above their lists.
        proposal_change_refusal=lambda proposal: lifecycle.change_refusal(current_user, proposal),
        own_proposals_note=lambda: lifecycle.own_proposals_note(current_user),
        proposal_readable=_readable,
        # Why a published answer can no longer change (None while it can): the staff pages say so.
        question_answer_refusal=lambda question, call: lifecycle.answer_refusal(question, call, request_time()),
        # Why a question never published can no longer be published (None while it can).
        question_publication_refusal=lambda question, call: lifecycle.publication_refusal(question, call,
                                                                                          request_time()),
        # "HH:MM" in Amsterdam: when staff and the jury may open the phase's proposals (the grace after the deadline).
        proposal_phase_sealed=lambda phase: lifecycle.is_sealed(phase, request_time()),
        proposals_open_from=lambda phase: to_local(lifecycle.opens_at(phase)).strftime("%H:%M"),
        # A contract with a consortium (monitoring): each organisation's part of its value.
        consortium_shares_of=services.shares_of_amount,
        # The consortium's states, asked of the lifecycle rather than compared as strings.
        partner_in_consortium=lifecycle.is_in_consortium, partner_confirmed=lifecycle.is_confirmed,
        partner_declined=lifecycle.has_declined, partner_withdrawn=lifecycle.was_withdrawn,
        consortium_active_partners=lifecycle.active_partners,
        consortium_confirmed_partners=lifecycle.confirmed_partners)

