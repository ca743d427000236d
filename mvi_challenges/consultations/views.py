"""Market consultations: the public list and page, the organisations' answer form, and the staff
pages to write, open, read, export and summarise. Views load, ask permissions, call one service."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.auth import require
from ..calls.models import Call
from ..calls.panels import CallLinks, CallPanel, add_call_link, add_call_panel
from ..catalogue.models import Category
from ..catalogue.services import all_categories
from ..core import audit
from ..core.actions import run_action, run_upload
from ..core.confirmation import ask_first
from ..core.db import db
from ..core.errors import status_for
from ..core.i18n import locale_name
from ..core.pagination import paginate
from ..core.storage import get_storage, send_stored
from ..core.templating import offer_to_templates
from ..core.timezones import request_time
from ..dialogues.models import Disposition
from . import lifecycle, services
from .forms import (
    ConsultationForm,
    DocumentForm,
    FollowUpForm,
    SummaryForm,
    answer_field_name,
    answer_form,
)
from .models import (
    Consultation,
    ConsultationDocument,
    ConsultationStatus,
    consultation_text,
    question_text,
    theme_text,
)
from .permissions import can_answer, can_manage_consultations, can_view_consultation

bp = Blueprint("consultations", __name__)

STAGE_LABELS = {
    lifecycle.Stage.DRAFT: _l("draft"),
    lifecycle.Stage.OPEN: _l("open for answers"),
    lifecycle.Stage.CLOSED: _l("closed"),
    lifecycle.Stage.SUMMARISED: _l("summary published"),
}


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The consultations' template hook (core/templating.py), and the panel on the call page that
    links a call back to the consultation it follows (calls/panels.py)."""
    offer_to_templates(state.app, consultation_stage_label=lambda c, now: str(STAGE_LABELS[lifecycle.stage(c, now)]),
                       can_manage_consultations=can_manage_consultations, **lifecycle.TEMPLATE_GUARDS,
                       consultation_text=lambda c, field="title": consultation_text(c, field, locale_name()),
                       question_text=lambda q: question_text(q, locale_name()),
                       theme_text=lambda t, field="title": theme_text(t, field, locale_name()))
    add_call_panel(state.app, CallPanel(order=5, template="consultations/_call_panel.html", build=_call_panel))
    add_call_link(state.app, "follow_up_consultations", services.opened_for_call)


def _call_panel(call: Call, links: CallLinks) -> list[Consultation]:
    """The consultations the call follows from; none read when the call's query found none."""
    return services.public_for_call(db.session, call) if links.has("follow_up_consultations") else []


# --- public -------------------------------------------------------------------------------


def _public(slug: str) -> Consultation:
    consultation = services.find_by_slug(db.session, slug)
    if consultation is None or not can_view_consultation(current_user, consultation):
        abort(404)
    return consultation


@bp.route("/consultations")
def consultation_list():
    now = request_time()
    categories = all_categories(db.session, str(get_locale()))
    category = request.args.get("category", "")
    category = category if category in {c.slug for c in categories} else ""
    stage_arg = request.args.get("stage", "")
    stage = lifecycle.Stage(stage_arg) if stage_arg in {"open", "closed", "summarised"} else None
    page = paginate(services.public_query(category_slug=category or None, stage=stage, now=now),
                    per_page=current_app.config["PAGE_SIZE"])
    args = {k: v for k, v in {"category": category, "stage": stage.value if stage else ""}.items() if v}
    return render_template("consultations/list.html", page=page, categories=categories, category=category,
                           stage=stage, args=args, now=now, stage_labels=STAGE_LABELS)


@bp.route("/consultations/<slug>")
def detail(slug: str):
    consultation = _public(slug)
    now = request_time()
    response = (services.response_of(db.session, consultation, current_user.organisation_id)
                if can_answer(current_user) else None)
    return render_template("consultations/detail.html", consultation=consultation, now=now, response=response,
                           can_answer=can_answer(current_user), staff_account=can_manage_consultations(current_user),
                           show_follow_up=lifecycle.shows_follow_up(consultation, consultation.follow_up_call),
                           stage_labels=STAGE_LABELS)


@bp.route("/consultations/<slug>/documents/<int:document_id>")
def document_download(slug: str, document_id: int):
    consultation = _public(slug)
    document = db.session.get(ConsultationDocument, document_id)
    if document is None or document.consultation_id != consultation.id:
        abort(404)
    return send_stored(get_storage(current_app.config), document.storage_key, mimetype=document.content_type,
                       download_name=document.filename)


def _render_answers(consultation: Consultation, form, status: int = 200, *, stale: bool = False):
    """The answer form; after a stale save (`stale`) it carries the current revision, so saving again
    deliberately replaces the saved version, which is shown beside each field."""
    now = request_time()
    response = services.response_of(db.session, consultation, current_user.organisation_id)
    if stale or not form.is_submitted():
        form.revision.data = str(response.revision if response is not None else 0)
    return render_template("consultations/answer.html", consultation=consultation, form=form, response=response,
                           refusal=lifecycle.answer_refusal(consultation, response, now), now=now,
                           answer_field_name=answer_field_name,
                           saved=services.answers_by_number(response) if stale else {}), status


@bp.route("/consultations/<slug>/answers", methods=["GET"])
@require(can_answer)
def answers(slug: str):
    consultation = _public(slug)
    response = services.response_of(db.session, consultation, current_user.organisation_id)
    stored = services.answers_by_number(response)
    form = answer_form(consultation, data={answer_field_name(n): text for n, text in stored.items()})
    return _render_answers(consultation, form)


@bp.route("/consultations/<slug>/answers", methods=["POST"])
@require(can_answer)
def save_answers(slug: str):
    consultation = _public(slug)
    form = answer_form(consultation)
    if not form.validate_on_submit():
        return _render_answers(consultation, form, 400)
    submit = request.form.get("action") == "submit"
    texts = {q.number: form[answer_field_name(q.number)].data or "" for q in consultation.questions}
    revision = form.revision.data or ""
    expected = int(revision) if revision.isdigit() else None
    if submit and (question := ask_first(
            title=_("Submit your organisation's answers?"),
            consequences=[_("After submitting, nobody in your organisation can change the answers."),
                          _("Only the municipality reads them; other companies never see them.")],
            button=_("Yes, submit the answers"),
            back_url=url_for("consultations.answers", slug=consultation.slug))) is not None:
        return question
    outcome = run_action(lambda: services.save_answers(db.session, current_user, consultation, texts, submit=submit,
                                                       now=request_time(), expected_revision=expected),
                         form=form,
                         success=_("Your answers have been submitted.") if submit else _("Your draft has been saved."))
    if not outcome.ok:
        return _render_answers(consultation, form, 409, stale=isinstance(outcome.error, services.StaleAnswers))
    return redirect(url_for("consultations.answers", slug=consultation.slug))


# --- staff --------------------------------------------------------------------------------


def _load(consultation_id: int) -> Consultation:
    return db.session.get(Consultation, consultation_id) or abort(404)


def _call_choices() -> list[tuple[int, str]]:
    return [(0, _("No call"))] + [(c.id, c.title) for c in services.linkable_calls(db.session)]


@bp.route("/staff/consultations")
@require(can_manage_consultations)
def staff_list():
    return render_template("consultations/staff_list.html", consultations=services.staff_list(db.session),
                           now=request_time(), stage_labels=STAGE_LABELS)


def _fill_choices(form: ConsultationForm | FollowUpForm) -> None:
    form.follow_up_call_id.choices = _call_choices()
    if isinstance(form, ConsultationForm):
        form.category_id.choices = [(0, _("No theme"))] + [(c.id, c.localised("name", str(get_locale())))
                                                             for c in all_categories(db.session, str(get_locale()))]


def _save(consultation: Consultation | None, form: ConsultationForm):
    return services.save_consultation(
        db.session, current_user, consultation, title=form.title.data or "", body_source=form.body_source.data or "",
        category=db.session.get(Category, form.category_id.data) if form.category_id.data else None,
        closes_at=form.closes_at.data, questions=services.parse_questions(form.questions.data or ""),
        follow_up_call=db.session.get(Call, form.follow_up_call_id.data) if form.follow_up_call_id.data else None,
        now=request_time(), title_en=form.title_en.data or "", body_source_en=form.body_source_en.data or "",
        questions_en=services.parse_questions(form.questions_en.data or ""))


@bp.route("/staff/consultations/new", methods=["GET", "POST"])
@require(can_manage_consultations)
def new():
    form = ConsultationForm()
    _fill_choices(form)
    if form.validate_on_submit():
        outcome = run_action(lambda: _save(None, form), form=form, success=_("The consultation has been saved."))
        if outcome.ok and outcome.value is not None:
            return redirect(url_for("consultations.manage", consultation_id=outcome.value.id))
    return render_template("consultations/form.html", form=form, consultation=None), status_for(form)


def _render_manage(consultation: Consultation, *, form: ConsultationForm | None = None,
                   document_form: DocumentForm | None = None, follow_up_form: FollowUpForm | None = None,
                   status: int = 200):
    if form is None:
        form = ConsultationForm(obj=consultation, formdata=None)
        form.questions.data = "\n".join(q.text for q in consultation.questions)
        form.questions_en.data = "\n".join(q.text_en for q in consultation.questions if q.text_en)
        form.category_id.data = consultation.category_id or 0
        form.follow_up_call_id.data = consultation.follow_up_call_id or 0
    _fill_choices(form)
    if follow_up_form is None:
        follow_up_form = FollowUpForm(formdata=None)
        follow_up_form.follow_up_call_id.data = consultation.follow_up_call_id or 0
    _fill_choices(follow_up_form)
    now = request_time()
    return render_template("consultations/manage.html", consultation=consultation, form=form,
                           document_form=document_form or DocumentForm(), follow_up_form=follow_up_form, now=now,
                           open_refusal=lifecycle.refusal(consultation, ConsultationStatus.OPEN, now),
                           counts=services.response_counts(db.session, consultation),
                           stage_labels=STAGE_LABELS), status


@bp.route("/staff/consultations/<int:consultation_id>", methods=["GET", "POST"])
@require(can_manage_consultations)
def manage(consultation_id: int):
    consultation = _load(consultation_id)
    if request.method == "GET":
        return _render_manage(consultation)
    form = ConsultationForm()
    _fill_choices(form)
    # A refusal about the whole consultation (it is open already) is a message, not a field error.
    if form.validate_on_submit() and run_action(lambda: _save(consultation, form), form=form,
                                                form_fields=("questions", "closes_at", "title_en", "questions_en"),
                                                success=_("The consultation has been saved.")).ok:
        return redirect(url_for("consultations.manage", consultation_id=consultation.id))
    return _render_manage(consultation, form=form, status=400)


@bp.route("/staff/consultations/<int:consultation_id>/follow-up", methods=["POST"])
@require(can_manage_consultations)
def follow_up(consultation_id: int):
    consultation = _load(consultation_id)
    form = FollowUpForm()
    _fill_choices(form)
    if not form.validate_on_submit():
        return _render_manage(consultation, follow_up_form=form, status=400)
    call = db.session.get(Call, form.follow_up_call_id.data) if form.follow_up_call_id.data else None
    run_action(lambda: services.set_follow_up_call(db.session, current_user, consultation, call),
               success=_("The follow-up call has been saved."))
    return redirect(url_for("consultations.manage", consultation_id=consultation.id))


@bp.route("/staff/consultations/<int:consultation_id>/documents", methods=["POST"])
@require(can_manage_consultations)
def upload_document(consultation_id: int):
    consultation = _load(consultation_id)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _render_manage(consultation, document_form=form, status=400)
    outcome = run_upload(form.file.data, lambda upload, key: services.add_document(
        db.session, current_user, consultation, form.title.data or "", upload, key),
        form=form, success=_("The document has been added."))
    if not outcome.ok:
        return _render_manage(consultation, document_form=form, status=400)
    return redirect(url_for("consultations.manage", consultation_id=consultation.id) + "#documents")


@bp.route("/staff/consultations/<int:consultation_id>/documents/<int:document_id>/delete", methods=["POST"])
@require(can_manage_consultations)
def delete_document(consultation_id: int, document_id: int):
    consultation = _load(consultation_id)
    document = db.session.get(ConsultationDocument, document_id)
    if document is None or document.consultation_id != consultation.id:
        abort(404)
    outcome = run_action(lambda: services.remove_document(db.session, current_user, consultation, document),
                         success=_("The document has been removed."))
    if outcome.ok and outcome.value:
        get_storage(current_app.config).delete(outcome.value)
    return redirect(url_for("consultations.manage", consultation_id=consultation.id) + "#documents")


@bp.route("/staff/consultations/<int:consultation_id>/open", methods=["POST"])
@require(can_manage_consultations)
def open_consultation(consultation_id: int):
    consultation = _load(consultation_id)
    if (question := ask_first(
            title=_("Open the consultation “%(title)s”?", title=consultation.title),
            consequences=[_("Everyone can read the document and its questions; companies can answer them."),
                          _("The document and the questions can no longer be changed.")],
            button=_("Yes, open the consultation"),
            back_url=url_for("consultations.manage", consultation_id=consultation.id))) is not None:
        return question
    run_action(lambda: services.transition_consultation(db.session, current_user, consultation,
                                                        ConsultationStatus.OPEN, request_time()),
               success=_("The consultation is open."))
    return redirect(url_for("consultations.manage", consultation_id=consultation.id))


@bp.route("/staff/consultations/<int:consultation_id>/responses")
@require(can_manage_consultations)
def responses(consultation_id: int):
    consultation = _load(consultation_id)
    return render_template("consultations/responses.html", consultation=consultation,
                           responses=services.submitted_responses(db.session, consultation),
                           counts=services.response_counts(db.session, consultation), now=request_time())


@bp.route("/staff/consultations/<int:consultation_id>/responses.csv")
@require(can_manage_consultations)
def export(consultation_id: int):
    """Streamed: one response at a time, so a large consultation does not sit in memory."""
    consultation = _load(consultation_id)
    audit.record_export(db.session, current_user, "consultation_answers", consultation)
    filename = f"marktconsultatie-{consultation_id}.csv"
    return Response(stream_with_context(services.export_rows(db.session, consultation_id)),
                    mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _render_summary(consultation: Consultation, form: SummaryForm, status: int = 200):
    now = request_time()
    return render_template("consultations/summary_form.html", consultation=consultation, form=form, now=now,
                           publish_refusal=lifecycle.refusal(consultation, ConsultationStatus.SUMMARISED, now),
                           responses=services.submitted_responses(db.session, consultation)), status


@bp.route("/staff/consultations/<int:consultation_id>/summary", methods=["GET"])
@require(can_manage_consultations)
def summary(consultation_id: int):
    consultation = _load(consultation_id)
    form = SummaryForm(formdata=None, consultation=consultation, data={
        "summary_source": consultation.summary_source, "summary_source_en": consultation.summary_source_en,
        "themes": [{"title": t.title, "disposition": t.disposition.value, "action_source": t.action_source,
                    "title_en": t.title_en, "action_source_en": t.action_source_en}
                   for t in consultation.themes]})
    while len(form.themes.entries) < min(len(consultation.themes) + 2, 12):
        form.themes.append_entry()
    return _render_summary(consultation, form)


def _themes_from(form: SummaryForm) -> list[services.ThemeInput] | None:
    """The filled-in themes; None (with errors next to the fields) when one is half filled in."""
    themes: list[services.ThemeInput] = []
    complete = True
    for theme in form.filled_themes():
        if not (theme.title.data or "").strip():
            theme.title.errors = [*theme.title.errors, _("Give the theme a name.")]
            complete = False
        if theme.disposition.data not in {d.value for d in Disposition}:
            theme.disposition.errors = [*theme.disposition.errors,
                                        _("Choose what the municipality does with this theme.")]
            complete = False
        if complete:
            themes.append(services.ThemeInput(theme.title.data or "", Disposition(theme.disposition.data),
                                              theme.action_source.data or "", theme.title_en.data or "",
                                              theme.action_source_en.data or ""))
    return themes if complete else None


@bp.route("/staff/consultations/<int:consultation_id>/summary", methods=["POST"])
@require(can_manage_consultations)
def save_summary(consultation_id: int):
    consultation = _load(consultation_id)
    form = SummaryForm(consultation=consultation)
    valid = form.validate_on_submit()
    themes = _themes_from(form)
    if not valid or themes is None:
        return _render_summary(consultation, form, 400)
    outcome = run_action(lambda: services.save_summary(db.session, current_user, consultation,
                                                       summary_source=form.summary_source.data or "", themes=themes,
                                                       summary_source_en=form.summary_source_en.data or "",
                                                       now=request_time()),
                         form=form, success=_("The summary has been saved."))
    if not outcome.ok:
        return _render_summary(consultation, form, 409)
    return redirect(url_for("consultations.summary", consultation_id=consultation.id))


@bp.route("/staff/consultations/<int:consultation_id>/summary/publish", methods=["POST"])
@require(can_manage_consultations)
def publish_summary(consultation_id: int):
    consultation = _load(consultation_id)
    if (question := ask_first(
            title=_("Publish the summary of “%(title)s”?", title=consultation.title),
            consequences=[ngettext("The summary with %(num)d theme becomes public.",
                                   "The summary with %(num)d themes becomes public.", len(consultation.themes)),
                          _("It can no longer be changed afterwards.")],
            button=_("Yes, publish the summary"),
            back_url=url_for("consultations.summary", consultation_id=consultation.id))) is not None:
        return question
    run_action(lambda: services.transition_consultation(db.session, current_user, consultation,
                                                        ConsultationStatus.SUMMARISED, request_time()),
               success=_("The summary has been published."))
    return redirect(url_for("consultations.summary", consultation_id=consultation.id))
