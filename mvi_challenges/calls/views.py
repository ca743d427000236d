from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..accounts.auth import require
from ..accounts.services import manager_choices, staff_member
from ..catalogue.models import Department
from ..catalogue.services import all_categories, all_social_values, department_choices
from ..core import data_versions
from ..core.actions import run_action, run_upload
from ..core.confirmation import ask_first
from ..core.db import db
from ..core.errors import status_for
from ..core.pagination import filter_args, paginate
from ..core.storage import get_storage, send_stored
from ..core.templating import offer_to_templates
from ..core.timezones import now_utc
from ..criteria import lifecycle as level_rule
from ..criteria.forms import PickForm
from ..criteria.services import criteria_for_category
from . import kept_counts, lifecycle, services, stages
from .cards import STATE_LABELS, card_rows, filter_choices
from .forms import (
    ELIGIBILITY_CHOICES,
    KIND_CHOICES,
    PRIZE_PLACES,
    CallFilterForm,
    CallForm,
    DocumentForm,
    PhaseForm,
    ReasonForm,
    RemarkForm,
)
from .models import (
    STATUS_LABELS,
    Call,
    CallDocument,
    CallKind,
    CallStatus,
    Eligibility,
    LocalText,
    Phase,
    PublicState,
    StageType,
    call_text,
)
from .panels import build_call_panels, link_columns
from .permissions import can_decide_explanation, can_edit_call, can_manage_calls, can_view_call

bp = Blueprint("calls", __name__)


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The calls area's template hook (core/templating.py): its lifecycle's guards and the menu's question."""
    data_versions.install()  # the list's kept counts (kept_counts.py): drawn anew by every change they count
    offer_to_templates(state.app, can_manage_calls=can_manage_calls, call_text=call_text_in_locale,
                       **lifecycle.TEMPLATE_GUARDS, **stages.TEMPLATE_FUNCTIONS)

def call_text_in_locale(call: Call, field: str) -> LocalText:
    """A call's text in the visitor's language (Dutch when there is no English version), with the
    language it is actually in, for the lang attribute."""
    return call_text(call, field, str(get_locale()))


# --- public pages ---------------------------------------------------------------------------


def _filter_form(version: str) -> tuple[CallFilterForm, services.CallFilters]:
    """The filter form from the query string; unknown values are ignored, never an error. Its
    choices are kept under `version` (kept_counts.current_version)."""
    locale = str(get_locale())
    form = CallFilterForm(request.args)
    form.kind.choices = [("", _("All kinds")), *KIND_CHOICES]
    categories, values = filter_choices(db.session, locale, version)
    form.category.choices = [("", _("All categories")), *categories]
    form.level.choices = [("", _("All levels"))] + [(str(n), _("Level %(n)d", n=n)) for n in (1, 2, 3)]
    form.value.choices = [("", _("All social values")), *values]
    form.state.choices = [("", _("All"))] + [
        (state.value, STATE_LABELS[state])
        for state in (PublicState.OPEN, PublicState.UPCOMING, PublicState.CLOSED, PublicState.DECIDED)
    ]
    for field in (form.kind, form.category, form.level, form.value, form.state):
        if field.data not in {value for value, _label in field.choices}:
            field.data = ""
    filters = services.CallFilters(
        kind=CallKind(form.kind.data) if form.kind.data else None,
        category_slug=form.category.data or None,
        level=int(form.level.data) if form.level.data else None,
        value_slug=form.value.data or None,
        state=PublicState(form.state.data) if form.state.data else None,
        text=(form.q.data or "")[:200],
    )
    return form, filters


@bp.route("/calls")
def call_list():
    # Read first, once: the filter's choices and the count are kept under it (kept_counts.py).
    version = kept_counts.current_version(db.session)
    form, filters = _filter_form(version)
    now = now_utc()
    locale = str(get_locale())
    page = paginate(services.public_calls_query(filters, now), per_page=current_app.config["PAGE_SIZE"],
                    key=Call.id, load=lambda ids: card_rows(db.session, ids, now, locale),
                    counter=lambda count: kept_counts.public_count(db.session, filters, filters.state is not None,
                                                                   now, count, version))
    args = filter_args(form)
    return render_template("calls/list.html", form=form, page=page, now=now, args=args)


@bp.route("/calls/<slug>")
def call_detail(slug: str):
    call, links = services.find_call_page(db.session, slug, link_columns(current_app)) or abort(404)
    if not can_view_call(current_user, call):
        abort(404)  # a draft does not exist for the public
    now = now_utc()
    # The panels of the areas built on calls (decisions, submitting): see calls/panels.py.
    panels = build_call_panels(current_app, call, links) if call.is_public else []
    return render_template("calls/detail.html", call=call, now=now, state=call.public_state(now),
                           state_labels=STATE_LABELS, eligibility_labels=dict(ELIGIBILITY_CHOICES),
                           call_panels=panels, links=links)


def _viewable_call(slug: str) -> Call:
    call = services.find_call_by_slug(db.session, slug) or abort(404)
    if not can_view_call(current_user, call):
        abort(404)
    return call


@bp.route("/calls/<slug>/mvi-paragraph")
def mvi_paragraph(slug: str):
    """The MVI paragraph for decision documents (collegevoorstel, inkoopstrategie), printable."""
    return render_template("calls/mvi_paragraph.html", call=_viewable_call(slug))


@bp.route("/calls/<slug>/mvi-paragraph.txt")
def mvi_paragraph_text(slug: str):
    """The same paragraph as plain text, to paste into a decision document."""
    call = _viewable_call(slug)
    body = render_template("calls/mvi_paragraph.txt", call=call)
    return Response(body, mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{call.slug}-mvi-paragraph.txt"'})


@bp.route("/calls/<slug>/documents/<int:document_id>")
def document_download(slug: str, document_id: int):
    call = services.find_call_by_slug(db.session, slug) or abort(404)
    document = db.session.get(CallDocument, document_id)
    if document is None or document.call_id != call.id or not can_view_call(current_user, call):
        abort(404)
    return send_stored(get_storage(current_app.config), document.storage_key, mimetype=document.content_type,
                       download_name=document.filename)


# --- staff pages ----------------------------------------------------------------------------


def _load_call(call_id: int, options: tuple[Any, ...] = ()) -> Call:
    call = db.session.get(Call, call_id, options=options)
    if call is None:
        abort(404)
    return call


def _fill_call_choices(form: CallForm) -> None:
    locale = str(get_locale())
    categories = all_categories(db.session, locale)
    form.category_id.choices = [
        (c.id, f"{c.localised('name', locale)} — " + _("target level %(n)d", n=c.target_level)) for c in categories
    ]
    form.target_levels = {c.id: c.target_level for c in categories}
    form.social_values.choices = [(v.id, v.localised("name", locale))
                                  for v in all_social_values(db.session, locale)]
    form.department_id.choices = department_choices(db.session, locale)
    form.manager_id.choices = manager_choices(db.session)


@bp.route("/staff/calls")
@require(can_manage_calls)
def staff_list():
    status_arg = request.args.get("status", "")
    status = CallStatus(status_arg) if status_arg in {s.value for s in CallStatus} else None
    now = now_utc()
    page = paginate(services.staff_calls_query(status, now), per_page=current_app.config["PAGE_SIZE"], rows=True)
    # Labels translated once per page, not per row; a call's link is this prefix and its id.
    return render_template("calls/staff_list.html", page=page, status=status, statuses=list(CallStatus),
                           status_labels={s: str(label) for s, label in STATUS_LABELS.items()},
                           kind_labels={kind: stages.kind_label(kind) for kind in CallKind},
                           manage_url=url_for("calls.manage", call_id=0).removesuffix("0"), now=now)


@bp.route("/staff/calls/new", methods=["GET", "POST"])
@require(can_manage_calls)
def create_call():
    form = CallForm()
    if not form.is_submitted():
        kind = request.args.get("kind", CallKind.CHALLENGE.value)
        form.kind.data = kind if kind in {k.value for k in CallKind} else CallKind.CHALLENGE.value
        form.contact_name.data = current_user.name
        form.contact_email.data = current_user.email
    return _save_call_form(form, None)


@bp.route("/staff/calls/<int:call_id>/edit", methods=["GET", "POST"])
@require(can_manage_calls)
def edit_call(call_id: int):
    call = _load_call(call_id)
    form = CallForm(obj=call)
    if not form.is_submitted():
        form.kind.data = call.kind.value
        form.ambition_level.data = str(call.ambition_level)
        form.eligibility.data = call.eligibility.value
        form.social_values.data = [v.id for v in call.social_values]
        form.department_id.data = call.department_id or 0
        form.manager_id.data = call.manager_id or 0
        form.experiment_budget.data = call.experiment_budget_cents or None
    return _save_call_form(form, call)


def _save_call_form(form: CallForm, call: Call | None):
    _fill_call_choices(form)
    form.chosen_levels = [criterion.level for criterion in call.library_criteria] if call is not None else []
    if form.validate_on_submit():
        outcome = run_action(lambda: _save_call(form, call), form=form, success=_("The call has been saved."))
        if outcome.ok:
            return redirect(url_for("calls.manage", call_id=outcome.value.id))
    return render_template("calls/call_form.html", form=form, call=call), status_for(form)


def _save_call(form: CallForm, call: Call | None) -> Call:
    category, values = services.resolve_catalogue(db.session, form.category_id.data,
                                                  form.social_values.data or [])
    return services.save_call(
        db.session, current_user, call,
        kind=CallKind(form.kind.data), title=form.title.data, summary=form.summary.data,
        body_source=form.body_source.data or "", category=category,
        ambition_level=int(form.ambition_level.data),
        level_explanation=form.level_explanation.data or "", social_values=values,
        eligibility=Eligibility(form.eligibility.data), prize_text=form.prize_text.data or "",
        contact_name=form.contact_name.data or "", contact_email=form.contact_email.data or "",
        questions_close_at=form.questions_close_at.data,
        department=db.session.get(Department, form.department_id.data or 0),
        manager=staff_member(db.session, form.manager_id.data),
        experiment=services.ExperimentSpace(
            extra_weeks=form.experiment_extra_weeks.data or 0,
            budget_cents=form.experiment_budget.data or 0,
            note=form.experiment_note.data or "",
        ),
        english=form.english(),
    )


@bp.route("/staff/calls/<int:call_id>")
@require(can_manage_calls)
def manage(call_id: int):
    return _render_manage(_load_call(call_id, _MANAGE_OPTIONS))


# The management page lists each phase with its criteria: the phases with their criteria joined, one
# query instead of one for the phases and one per phase for its criteria (#20: on PostgreSQL a round
# trip costs 0.5-1 ms of a page of about 10).
_MANAGE_OPTIONS = (selectinload(Call.phases).joinedload(Phase.criteria),)


def _render_manage(call: Call, *, document_form: DocumentForm | None = None, close_form: ReasonForm | None = None,
                   cancel_form: ReasonForm | None = None, remark_form: RemarkForm | None = None,
                   status: int = 200):
    """The staff overview of one call; forms with errors come back bound, so nothing typed is lost.

    Only what the page shows is prepared (issue #20): the publication problems of a draft, and the
    forms under the same conditions as the template shows them (each form costs about 0.1 ms)."""
    now = now_utc()
    can_edit = can_edit_call(current_user, call)
    open_phase = call.current_phase(now)
    transitions = lifecycle.allowed_targets(call, now)
    may_decide = can_decide_explanation(current_user, call)
    refusal = lifecycle.explanation_decision_refusal(call, current_user)
    if document_form is None and can_edit:
        document_form = DocumentForm()
    if close_form is None and open_phase is not None and lifecycle.is_running(call):
        close_form = ReasonForm(prefix="close")
    if cancel_form is None and CallStatus.CANCELLED in transitions:
        cancel_form = ReasonForm(prefix="cancel")
    if remark_form is None and may_decide and refusal is None:
        remark_form = RemarkForm(prefix="remark")
    return render_template(
        "calls/manage.html", call=call, now=now,
        problems=services.publication_problems(call, now) if lifecycle.is_draft(call) else [],
        choose_criteria_problem=level_rule.choose_criteria_text(),
        document_form=document_form, close_form=close_form, cancel_form=cancel_form, status_labels=STATUS_LABELS,
        transitions=transitions, max_phases=services.MAX_PHASES[call.kind], open_phase=open_phase,
        can_edit=can_edit, remark_form=remark_form, can_decide_explanation=may_decide, explanation_refusal=refusal,
    ), status


@bp.route("/staff/calls/<int:call_id>/phases/new", methods=["GET", "POST"], defaults={"number": None})
@bp.route("/staff/calls/<int:call_id>/phases/<int:number>", methods=["GET", "POST"])
@require(can_manage_calls)
def edit_phase(call_id: int, number: int | None):
    call = _load_call(call_id)
    phase = None
    if number is not None:
        phase = next((p for p in call.phases if p.number == number), None) or abort(404)
    form = PhaseForm(obj=phase)
    _fit_stage_fields(form, call, phase)
    if phase is not None and not form.is_submitted():
        form.budget.data = phase.budget_cents
        _prefill_criteria(form, phase)
    elif phase is None and not form.is_submitted():
        form.title.data = _default_phase_title(call)
    _pad_criteria(form)
    if form.validate_on_submit():
        stage_type = StageType(form.stage_type.data) if stages.is_staged(call) else None
        outcome = run_action(lambda: services.save_phase(
            db.session, current_user, call, phase,
            title=form.title.data, opens_at=form.opens_at.data, closes_at=form.closes_at.data,
            budget_cents=form.budget.data, max_awards=form.max_awards.data,
            score_scale_max=form.score_scale_max.data, criteria=form.criteria_input(),
            stage_type=stage_type, targets=form.targets_input(),
            prizes_cents=form.prizes_input(),
        ), form=form, success=_("The phase has been saved."))
        if outcome.ok:
            return redirect(url_for("calls.manage", call_id=call.id))
    return render_template("calls/phase_form.html", form=form, call=call, phase=phase), status_for(form)


def _fit_stage_fields(form: PhaseForm, call: Call, phase: Phase | None) -> None:
    """The stage fields of the new kinds: the types this position allows (calls/stages.py); challenge
    and SBIR phases have none of them."""
    if not stages.is_staged(call):
        for name in ("stage_type", "targets", "prize_1", "prize_2", "prize_3"):
            delattr(form, name)
        return
    # Targets belong to an innovation partnership's R&D stages, prizes to a staged challenge's pitch.
    removed = ("prize_1", "prize_2", "prize_3") if call.kind is CallKind.PARTNERSHIP else ("targets",)
    for name in removed:
        delattr(form, name)
    number = phase.number if phase is not None else len(call.phases) + 1
    form.stage_type.choices = [(t.value, stages.stage_label(t)) for t in stages.allowed_stage_types(call, number)]
    if form.is_submitted():
        return
    form.stage_type.data = (phase.stage_type if phase is not None else stages.default_stage_type(call, number)).value
    for place, amount in enumerate(phase.prizes_cents if phase is not None else [], start=1):
        if place <= PRIZE_PLACES and getattr(form, f"prize_{place}", None) is not None:
            getattr(form, f"prize_{place}").data = amount


def _default_phase_title(call: Call) -> str:
    if stages.is_staged(call):
        return stages.stage_label(stages.default_stage_type(call, len(call.phases) + 1))
    if call.kind is CallKind.CHALLENGE:
        return _("Proposals")
    titles = {1: _("Phase 1: feasibility"), 2: _("Phase 2: development and prototype"), 3: _("Phase 3: pilot")}
    return titles.get(len(call.phases) + 1, "")


def _prefill_criteria(form: PhaseForm, phase: Phase) -> None:
    while len(form.criteria.entries):
        form.criteria.pop_entry()
    for criterion in phase.criteria:
        form.criteria.append_entry({
            "name": criterion.name, "weight": criterion.weight,
            "description": criterion.description, "knockout_minimum": criterion.knockout_minimum,
        })


def _pad_criteria(form: PhaseForm) -> None:
    """Always offer a few empty rows, so criteria can be added without JavaScript."""
    filled = sum(1 for entry in form.criteria if not entry.form.is_blank())
    while len(form.criteria.entries) < max(filled + 3, 5) and len(form.criteria.entries) < 15:
        form.criteria.append_entry()


@bp.route("/staff/calls/<int:call_id>/phases/<int:number>/delete", methods=["POST"])
@require(can_manage_calls)
def delete_phase(call_id: int, number: int):
    call = _load_call(call_id)
    phase = next((p for p in call.phases if p.number == number), None) or abort(404)
    run_action(lambda: services.delete_phase(db.session, current_user, call, phase),
               success=_("The phase has been removed."))
    return redirect(url_for("calls.manage", call_id=call.id))


@bp.route("/staff/calls/<int:call_id>/documents", methods=["POST"])
@require(can_manage_calls)
def upload_document(call_id: int):
    call = _load_call(call_id)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _render_manage(call, document_form=form, status=400)
    outcome = run_upload(form.file.data, lambda upload, key: services.add_document(
        db.session, current_user, call, form.title.data or "", upload, key),
        form=form, success=_("The document has been added."))
    if not outcome.ok:
        return _render_manage(call, document_form=form, status=400)
    return redirect(url_for("calls.manage", call_id=call.id) + "#documents")


@bp.route("/staff/calls/<int:call_id>/documents/<int:document_id>/delete", methods=["POST"])
@require(can_manage_calls)
def delete_document(call_id: int, document_id: int):
    call = _load_call(call_id)
    document = db.session.get(CallDocument, document_id)
    if document is None or document.call_id != call.id:
        abort(404)
    outcome = run_action(lambda: services.remove_document(db.session, current_user, call, document),
                         success=_("The document has been removed."))
    if outcome.ok:
        get_storage(current_app.config).delete(outcome.value)
    return redirect(url_for("calls.manage", call_id=call.id) + "#documents")


TRANSITION_MESSAGES = {
    CallStatus.PUBLISHED: _l("The call has been published."),
    CallStatus.CLOSED: _l("The call has been closed."),
    CallStatus.CANCELLED: _l("The call has been cancelled."),
    CallStatus.DECIDED: _l("The call has been marked as decided."),
    CallStatus.ARCHIVED: _l("The call has been archived."),
}


@bp.route("/staff/calls/<int:call_id>/close", methods=["POST"])
@require(can_manage_calls)
def close_early(call_id: int):
    call = _load_call(call_id)
    form = ReasonForm(prefix="close")
    if not form.validate_on_submit():
        return _render_manage(call, close_form=form, status=400)
    outcome = run_action(lambda: services.close_early(db.session, current_user, call, reason=form.reason.data or ""),
                         form=form, success=lambda phase: _("%(phase)s has been closed.", phase=phase.title))
    if not outcome.ok:
        return _render_manage(call, close_form=form, status=400)
    return redirect(url_for("calls.manage", call_id=call.id))


@bp.route("/staff/calls/<int:call_id>/status/<target>", methods=["POST"])
@require(can_manage_calls)
def change_status(call_id: int, target: str):
    call = _load_call(call_id)
    if target not in {s.value for s in CallStatus}:
        abort(404)
    form = ReasonForm(prefix="cancel")
    if not form.validate_on_submit():
        return _render_manage(call, cancel_form=form, status=400)
    status = CallStatus(target)
    if (question := ask_first(
            condition=status is CallStatus.PUBLISHED,
            title=_("Publish the call “%(title)s”?", title=call.title),
            consequences=[_("Everyone can read the call, its criteria and deadlines, and it appears in the news feed "
                            "and the open data."),
                          _("Entrepreneurs and residents can start proposals and ask questions when a phase opens.")],
            button=_("Yes, publish the call"), back_url=url_for("calls.manage", call_id=call.id))) is not None:
        return question
    outcome = run_action(lambda: services.transition_call(db.session, current_user, call, status,
                                                          reason=form.reason.data or ""),
                         form=form, form_fields=("reason",),
                         success=str(TRANSITION_MESSAGES.get(status, _l("Saved."))))
    if outcome.error is not None and outcome.error.field == "reason":
        return _render_manage(call, cancel_form=form, status=400)
    return redirect(url_for("calls.manage", call_id=call.id))


def _call_for_its_manager(call_id: int) -> Call:
    """The call, for its responsible manager only: other staff get a 403, not a refusal to read."""
    call = _load_call(call_id)
    if not can_decide_explanation(current_user, call):
        abort(403)
    return call


@bp.route("/staff/calls/<int:call_id>/explanation/approve", methods=["POST"])
@require(can_manage_calls)
def approve_explanation(call_id: int):
    # No confirmation step: an approval is undone by any edit of the explanation (house rule: ask
    # first only where irreversible); the button's label says what it does.
    call = _call_for_its_manager(call_id)
    run_action(lambda: services.approve_explanation(db.session, current_user, call),
               success=_("You approved the explanation."))
    return redirect(url_for("calls.manage", call_id=call.id) + "#explanation")


@bp.route("/staff/calls/<int:call_id>/explanation/send-back", methods=["POST"])
@require(can_manage_calls)
def send_back_explanation(call_id: int):
    call = _call_for_its_manager(call_id)
    form = RemarkForm(prefix="remark")
    if not form.validate_on_submit():
        return _render_manage(call, remark_form=form, status=400)
    outcome = run_action(lambda: services.send_back_explanation(db.session, current_user, call, form.remark.data or ""),
                         form=form, form_fields=("remark",),
                         success=_("The explanation has been sent back to its writer with your remark."))
    if outcome.error is not None and outcome.error.field == "remark":
        return _render_manage(call, remark_form=form, status=400)
    return redirect(url_for("calls.manage", call_id=call.id) + "#explanation")


# --- criteria from the library (issue #19): the call's level follows from them ---------------


@bp.route("/staff/calls/<int:call_id>/criteria", methods=["GET", "POST"])
@require(can_manage_calls)
def pick_criteria(call_id: int):
    call = _load_call(call_id)
    if not can_edit_call(current_user, call):
        abort(403)
    grouped = criteria_for_category(db.session, call.category_id)
    chosen_ids = {criterion.id for criterion in call.library_criteria}
    # A retired criterion the call already has stays listed (and can be removed), never offered anew.
    for criterion in call.library_criteria:
        if criterion.is_retired and criterion.category_id == call.category_id:
            grouped[criterion.level].append(criterion)
    form = PickForm()
    form.criteria.choices = [(c.id, c.code) for level in grouped.values() for c in level]
    if not form.is_submitted():
        form.criteria.data = sorted(chosen_ids)
    if form.validate_on_submit() and run_action(
        lambda: services.choose_library_criteria(db.session, current_user, call, form.criteria.data or []),
        form=form, form_fields=("criteria",), success=_picked_message,
    ).ok:
        return redirect(url_for("calls.manage", call_id=call.id) + "#library-criteria")
    selected = set(form.criteria.data or [])
    return render_template("calls/pick_criteria.html", call=call, form=form, grouped=grouped,
                           selected=selected), status_for(form)


def _picked_message(level: int | None) -> str:
    if level is None:
        return _("No criteria from the library: the call keeps the ambition level stated in the call form.")
    return _("The criteria have been saved. The call's ambition level is now %(n)d.", n=level)
