from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.auth import require, require_login
from ..calls.models import Call, CallStatus, Eligibility, StageType
from ..catalogue.models import Category
from ..catalogue.services import all_categories
from ..core import audit
from ..core.actions import run_action
from ..core.confirmation import ask_first
from ..core.db import commit_with_retry, db
from ..core.errors import flash_form_errors, status_for
from ..core.exports import to_csv
from ..core.formatting import local_datetime
from ..core.i18n import locale_name
from ..core.pagination import paginate
from ..core.templating import offer_to_templates
from ..core.timezones import request_time
from . import kept_counts, lifecycle, services
from .forms import (
    DISPOSITION_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    ContributionForm,
    DialogueForm,
    DialogueReasonForm,
    LotRegistrationForm,
    ModerationForm,
    PitchForm,
    ReportForm,
    SlotForm,
    fill_quotas,
    quota_fields,
    quotas_from,
)
from .lottery import DIMENSIONS
from .models import Contribution, Dialogue, DialogueKind, DialogueStatus, Disposition, Selection, dialogue_text
from .permissions import can_manage_dialogues, can_see_location, can_view_dialogue

bp = Blueprint("dialogues", __name__)


def _public_dialogue(slug: str) -> Dialogue:
    dialogue = services.find_dialogue_by_slug(db.session, slug)
    if dialogue is None or not can_view_dialogue(current_user, dialogue):
        abort(404)
    return dialogue


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The dialogues' template hook (core/templating.py): labels and the lifecycle's guards."""
    offer_to_templates(state.app, dialogue_kind_label=lambda kind: str(KIND_LABELS[DialogueKind(kind)]),
                       dialogue_status_label=lambda status: str(STATUS_LABELS[DialogueStatus(status)]),
                       disposition_label=lambda d: str(DISPOSITION_LABELS[Disposition(d)]),
                       lot_group_label=lambda dimension, group: str(dict(DIMENSIONS[dimension]).get(group,
                                                                                                  group or "—")),
                       dialogue_text=lambda d, field="title": dialogue_text(d, field, locale_name()),
                       **lifecycle.TEMPLATE_GUARDS)


# --- public -------------------------------------------------------------------------------


@bp.route("/dialogues")
def dialogue_list():
    now = request_time()
    past = request.args.get("when") == "past"
    kind_arg = request.args.get("kind", "")
    kind = DialogueKind(kind_arg) if kind_arg in {k.value for k in DialogueKind} else None
    # Read first, once: the theme choices and the count are kept under it (kept_counts.py).
    version = kept_counts.current_version(db.session)
    choices = kept_counts.theme_choices(db.session, str(get_locale()), version)
    category = request.args.get("category", "")
    category = category if category in {slug for slug, _name in choices} else ""
    page = paginate(services.public_dialogue_rows_query(past=past, kind=kind, category_slug=category or None,
                                                        now=now), per_page=current_app.config["PAGE_SIZE"], rows=True,
                    counter=lambda count: kept_counts.public_count(db.session, (past, kind, category), now, version,
                                                                   count))
    # The seats left show on upcoming dialogues only (dialogues/list.html).
    counts = {} if past else services.confirmed_counts(db.session, [d.id for d in page.items])
    args = {k: v for k, v in {"when": "past" if past else "", "kind": kind_arg if kind else "",
                              "category": category}.items() if v}
    # Per request, not per row: the kinds' labels and the detail links; per row, the model's own
    # registration rule on the row's columns.
    kind_labels = {k: str(KIND_LABELS[k]) for k in DialogueKind}
    prefix = url_for("dialogues.detail", slug="slug")[: -len("slug")]
    urls = {d.id: prefix + d.slug if _PLAIN_SLUG.fullmatch(d.slug) else url_for("dialogues.detail", slug=d.slug)
            for d in page.items}
    registration_open = {d.id: Dialogue.registration_open(d, now) for d in page.items}  # type: ignore[arg-type]
    return render_template("dialogues/list.html", page=page, counts=counts, past=past, kind=kind,
                           category=category, category_choices=choices, args=args, now=now,
                           kind_labels=kind_labels, urls=urls, registration_open=registration_open)


_PLAIN_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")  # core.slugs.slugify's words: no quoting needed in a URL


@bp.route("/dialogues/<slug>")
def detail(slug: str):
    dialogue = _public_dialogue(slug)
    return _render_detail(dialogue)


def _render_detail(dialogue: Dialogue, *, contribution_form: ContributionForm | None = None,
                   slot_form: SlotForm | None = None, lot_form: LotRegistrationForm | None = None, status: int = 200):
    now = request_time()
    registration = services.find_registration(db.session, dialogue, current_user)
    position = (services.waitlist_position(db.session, registration)
                if lifecycle.is_waitlisted(registration) else None)
    # Forms only post for people logged in: anonymous visitors get them without a CSRF token, so the
    # page holds nothing personal and can be shared (page_cache.py).
    meta = {} if current_user.is_authenticated else {"csrf": False}
    slot_form = slot_form or SlotForm(meta=meta)
    booked = services.booked_slots(db.session, dialogue)
    slot_form.slot.choices = [(s.isoformat(), local_datetime(s)) for s in dialogue.slots()
                              if s not in booked or (registration is not None and registration.slot_start == s)]
    return render_template(
        "dialogues/detail.html", dialogue=dialogue, now=now, registration=registration, position=position,
        seats_left=services.seats_left(db.session, dialogue),
        problem=services.eligibility_problem(dialogue, current_user)
        or services.pitch_problem(db.session, dialogue, current_user),
        show_location=can_see_location(registration) or can_manage_dialogues(current_user),
        can_contribute=services.can_contribute(db.session, dialogue, current_user),
        slots_closed=lifecycle.slot_refusal(dialogue, now),
        contribution_form=contribution_form or ContributionForm(meta=meta), slot_form=slot_form,
        own=services.own_contributions(db.session, dialogue, current_user),
        visible=services.visible_contributions(db.session, dialogue) if dialogue.report_published_at else [],
        lot_form=lot_form or LotRegistrationForm(meta=meta),
        draw=services.find_draw(db.session, dialogue) if lifecycle.uses_lot(dialogue) else None,
    ), status


@bp.route("/dialogues/<slug>.ics")
def ics(slug: str):
    dialogue = _public_dialogue(slug)
    registration = services.find_registration(db.session, dialogue, current_user)
    body = services.calendar_bytes([dialogue], for_participant=can_see_location(registration), locale=locale_name())
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="{dialogue.slug}.ics"'})


@bp.route("/dialogues/upcoming.ics")
def feed():
    body = services.calendar_bytes(services.upcoming_for_feed(db.session, request_time()),
                                   name=_("MVI dialogues Utrecht"), locale=locale_name())
    return Response(body, mimetype="text/calendar")


@bp.route("/dialogues/<slug>/register", methods=["POST"])
@require_login
def register(slug: str):
    dialogue = _public_dialogue(slug)
    lot_form = LotRegistrationForm()
    if lifecycle.uses_lot(dialogue) and not (lot_form.validate_on_submit() and lot_form.check_for(dialogue.lot_quotas)):
        return _render_detail(dialogue, lot_form=lot_form, status=400)
    # Seats are counted under a lock: commit_with_retry commits (and retries a lost race) itself.
    outcome = run_action(lambda: commit_with_retry(
        lambda: services.register(db.session, current_user, dialogue, request_time(),
                                  characteristics=lot_form.characteristics())),
        form=lot_form, form_fields=("district", "age_group"), commit=False)
    if outcome.error is not None and outcome.error.field in ("district", "age_group"):
        return _render_detail(dialogue, lot_form=lot_form, status=400)
    if (registration := outcome.value) is not None:
        if lifecycle.is_candidate(registration):
            flash(_("You are registered for the draw. After registration closes we draw lots and email you the "
                    "outcome."), "success")
        elif registration.status.value == "confirmed":
            flash(_("You are registered. We sent a confirmation with a calendar file."), "success")
        else:
            flash(_("The dialogue is full. You are on the waitlist at place %(n)d; we email you when a seat "
                    "comes free.", n=services.waitlist_position(db.session, registration)), "success")
    return redirect(url_for("dialogues.detail", slug=slug) + "#registration")


@bp.route("/dialogues/<slug>/cancel", methods=["POST"])
@require_login
def cancel(slug: str):
    dialogue = _public_dialogue(slug)
    registration = services.find_registration(db.session, dialogue, current_user) or abort(404)
    if (question := ask_first(
            title=_("Cancel your registration for “%(title)s”?",
                    title=dialogue_text(dialogue, "title", locale_name()).text),
            consequences=[_("Your seat goes to the next person on the waiting list."),
                          _("To come after all you must register again; the dialogue may be full by then.")],
            button=_("Yes, cancel my registration"),
            back_url=url_for("dialogues.detail", slug=slug) + "#registration")) is not None:
        return question
    run_action(lambda: commit_with_retry(lambda: services.cancel_registration(db.session, current_user, registration,
                                                                              request_time())),
               commit=False, success=_("Your registration has been cancelled."))
    return redirect(url_for("dialogues.detail", slug=slug) + "#registration")


@bp.route("/dialogues/<slug>/slot", methods=["POST"])
@require_login
def book_slot(slug: str):
    dialogue = _public_dialogue(slug)
    registration = services.find_registration(db.session, dialogue, current_user) or abort(404)
    form = SlotForm()
    form.slot.choices = [(s.isoformat(), s.isoformat()) for s in dialogue.slots()]
    if not form.validate_on_submit():
        return _render_detail(dialogue, slot_form=form, status=400)
    if not run_action(lambda: services.book_slot(db.session, current_user, registration,
                                                 dt.datetime.fromisoformat(form.slot.data), request_time()),
                      form=form, success=_("Your time has been booked.")).ok:
        return _render_detail(dialogue, slot_form=form, status=400)
    return redirect(url_for("dialogues.detail", slug=slug) + "#registration")


@bp.route("/dialogues/<slug>/input", methods=["POST"])
@require_login
def contribute(slug: str):
    dialogue = _public_dialogue(slug)
    form = ContributionForm()
    if form.validate_on_submit() and run_action(
            lambda: services.add_contribution(db.session, current_user, dialogue, form.text.data,
                                             request_time()), form=form,
            success=_("Thank you for your input. You will see here what is done with it.")).ok:
        return redirect(url_for("dialogues.detail", slug=slug) + "#input")
    return _render_detail(dialogue, contribution_form=form, status=400)


# --- staff --------------------------------------------------------------------------------


def _staff_dialogue(dialogue_id: int) -> Dialogue:
    return db.session.get(Dialogue, dialogue_id) or abort(404)


def _choices(form: DialogueForm) -> None:
    locale = str(get_locale())
    form.category_id.choices = [(0, _("No theme"))] + [(c.id, c.localised("name", locale))
                                                        for c in all_categories(db.session, locale)]
    calls = db.session.scalars(select(Call).where(Call.status != CallStatus.DRAFT).order_by(Call.title))
    form.related_call_id.choices = [(0, _("No related call"))] + [(c.id, c.title) for c in calls]


@bp.route("/staff/dialogues")
@require(can_manage_dialogues)
def staff_list():
    stmt = select(Dialogue).order_by(Dialogue.starts_at.desc(), Dialogue.id.desc())
    return render_template("dialogues/staff_list.html", page=paginate(stmt, current_app.config["PAGE_SIZE"]))


@bp.route("/staff/dialogues/new", methods=["GET", "POST"], defaults={"dialogue_id": None})
@bp.route("/staff/dialogues/<int:dialogue_id>/edit", methods=["GET", "POST"])
@require(can_manage_dialogues)
def edit(dialogue_id: int | None):
    dialogue = _staff_dialogue(dialogue_id) if dialogue_id is not None else None
    form = DialogueForm(obj=dialogue)
    if dialogue is not None and not form.is_submitted():
        form.kind.data, form.eligibility.data = dialogue.kind.value, dialogue.eligibility.value
        form.category_id.data = dialogue.category_id or 0
        form.related_call_id.data = dialogue.related_call_id or 0
        form.selection.data = dialogue.selection.value
        fill_quotas(form, dialogue.lot_quotas)
    _choices(form)
    if form.validate_on_submit():
        outcome = run_action(lambda: services.save_dialogue(
            db.session, current_user, dialogue, kind=DialogueKind(form.kind.data), title=form.title.data,
            body_source=form.body_source.data or "", title_en=form.title_en.data or "",
            body_source_en=form.body_source_en.data or "",
            category=db.session.get(Category, form.category_id.data) if form.category_id.data else None,
            related_call=db.session.get(Call, form.related_call_id.data) if form.related_call_id.data else None,
            starts_at=form.starts_at.data, ends_at=form.ends_at.data, address=form.address.data or "",
            online_url=form.online_url.data or "", capacity=form.capacity.data,
            registration_closes_at=form.registration_closes_at.data,
            eligibility=Eligibility(form.eligibility.data), slot_minutes=form.slot_minutes.data,
            selection=Selection(form.selection.data), lot_quotas=quotas_from(form),
        ), form=form, success=_("The dialogue has been saved."))
        if outcome.ok:
            return redirect(url_for("dialogues.manage", dialogue_id=outcome.value.id))
    quota_groups = {dimension: quota_fields(form, dimension) for dimension in DIMENSIONS}
    return render_template("dialogues/form.html", form=form, dialogue=dialogue,
                           quota_groups=quota_groups), status_for(form)


@bp.route("/staff/calls/<int:call_id>/stages/<int:number>/pitch", methods=["GET", "POST"])
@require(can_manage_dialogues)
def plan_pitch(call_id: int, number: int):
    """Staff plan the pitch of a staged challenge: the dialogue slot machinery, for the shortlist only."""
    call = db.session.get(Call, call_id) or abort(404)
    phase = next((p for p in call.phases if p.number == number and p.stage_type is StageType.PITCH), None) or abort(404)
    pitch = services.pitch_for(db.session, phase)
    form = PitchForm(obj=pitch)
    if form.validate_on_submit():
        outcome = run_action(lambda: services.plan_pitch(
            db.session, current_user, phase, starts_at=form.starts_at.data, ends_at=form.ends_at.data,
            slot_minutes=form.slot_minutes.data, registration_closes_at=form.registration_closes_at.data,
            address=form.address.data or "", online_url=form.online_url.data or "", now=request_time(),
        ), form=form, success=_("The pitch slots have been published to the shortlist."))
        if outcome.ok:
            return redirect(url_for("dialogues.manage", dialogue_id=outcome.value.id))
    return render_template("dialogues/pitch_form.html", form=form, call=call, phase=phase, pitch=pitch,
                           problem=lifecycle.pitch_planning_refusal(phase)), status_for(form)


@bp.route("/staff/dialogues/<int:dialogue_id>")
@require(can_manage_dialogues)
def manage(dialogue_id: int):
    return _render_manage(_staff_dialogue(dialogue_id))


def _render_manage(dialogue: Dialogue, *, reason_form: DialogueReasonForm | None = None,
                   report_form: ReportForm | None = None, status: int = 200):
    calls = list(db.session.scalars(select(Call).where(Call.status != CallStatus.DRAFT).order_by(Call.title)))
    report_form = report_form or ReportForm(summary=dialogue.report_source, summary_en=dialogue.report_source_en,
                                            dialogue=dialogue)
    report_form.followup_calls.choices = [(c.id, c.title) for c in calls]
    moderation = {}
    for contribution in services.all_contributions(db.session, dialogue):
        form = ModerationForm(prefix=f"c{contribution.id}", hide=contribution.is_hidden,
                              hidden_reason=contribution.hidden_reason or "",
                              disposition=contribution.disposition.value if contribution.disposition else "",
                              disposition_reason=contribution.disposition_reason,
                              disposition_call_id=contribution.disposition_call_id or 0)
        form.disposition.choices = [("", _("Not decided yet"))] + [(d.value, label) for d, label
                                                                    in DISPOSITION_LABELS.items()]
        form.disposition_call_id.choices = [(0, _("No call"))] + [(c.id, c.title) for c in calls]
        moderation[contribution.id] = (contribution, form)
    return render_template(
        "dialogues/manage.html", dialogue=dialogue, now=request_time(), moderation=moderation,
        registrations=services.active_registrations(db.session, dialogue),
        reason_form=reason_form or DialogueReasonForm(), report_form=report_form,
        transitions=lifecycle.allowed_targets(dialogue, request_time()),
        seats_left=services.seats_left(db.session, dialogue),
        draw=services.find_draw(db.session, dialogue) if lifecycle.uses_lot(dialogue) else None,
        draw_refusal=lifecycle.draw_refusal(dialogue, request_time(), already_drawn=False)
        if lifecycle.uses_lot(dialogue) else None,
        candidate_count=len(services.lot_candidates(db.session, dialogue)) if lifecycle.uses_lot(dialogue) else 0,
    ), status


@bp.route("/staff/dialogues/<int:dialogue_id>/status/<target>", methods=["POST"])
@require(can_manage_dialogues)
def change_status(dialogue_id: int, target: str):
    dialogue = _staff_dialogue(dialogue_id)
    if target not in (DialogueStatus.PUBLISHED.value, DialogueStatus.CANCELLED.value):
        abort(404)
    form = DialogueReasonForm()
    if not form.validate_on_submit():
        return _render_manage(dialogue, reason_form=form, status=400)
    if not run_action(lambda: services.transition_dialogue(db.session, current_user, dialogue, DialogueStatus(target),
                                                           reason=form.reason.data or "", now=request_time()),
                      form=form, success=_("The dialogue has been published.") if target == "published"
                      else _("The dialogue has been cancelled.")).ok:
        return _render_manage(dialogue, reason_form=form, status=400)
    return redirect(url_for("dialogues.manage", dialogue_id=dialogue.id))


@bp.route("/staff/dialogues/<int:dialogue_id>/attendees.csv")
@require(can_manage_dialogues)
def attendees_csv(dialogue_id: int):
    dialogue = _staff_dialogue(dialogue_id)
    status_labels = {"confirmed": _("registered"), "waitlisted": _("waitlist"),
                     "candidate": _("candidate for the draw")}
    rows = [[r.user.name, r.user.email, status_labels.get(r.status.value, r.status.value), r.position,
             local_datetime(r.created_at),
             local_datetime(r.slot_start) if r.slot_start else "",
             "" if r.attended is None else (_("yes") if r.attended else _("no"))]
            for r in services.active_registrations(db.session, dialogue)]
    header = [_("Name"), _("Email address"), _("Status"), _("Order of registration"), _("Registered at"),
              _("One-to-one time"), _("Attended")]
    audit.record_export(db.session, current_user, "attendees_csv", dialogue)
    return Response(to_csv(header, rows), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{dialogue.slug}-attendees.csv"'})


@bp.route("/staff/dialogues/<int:dialogue_id>/attendance", methods=["POST"])
@require(can_manage_dialogues)
def attendance(dialogue_id: int):
    dialogue = _staff_dialogue(dialogue_id)  # CSRFProtect has checked the token of this POST
    # Registration ids are ASCII digits that fit a BIGINT: anything else was never a box on the page.
    attended = {int(value) for value in request.form.getlist("attended")
                if value.isascii() and value.isdigit() and len(value) <= 18}
    run_action(lambda: services.mark_attendance(db.session, current_user, dialogue, attended),
               success=_("Attendance has been saved."))
    return redirect(url_for("dialogues.manage", dialogue_id=dialogue.id) + "#attendees")


@bp.route("/staff/contributions/<int:contribution_id>", methods=["POST"])
@require(can_manage_dialogues)
def moderate(contribution_id: int):
    contribution = db.session.get(Contribution, contribution_id) or abort(404)
    form = ModerationForm(prefix=f"c{contribution.id}")
    form.disposition.choices = [("", "")] + [(d.value, d.value) for d in Disposition]
    form.disposition_call_id.choices = [(0, "")] + [(c, str(c)) for c in db.session.scalars(select(Call.id))]
    if form.validate_on_submit():

        def moderate() -> None:
            services.moderate(db.session, current_user, contribution, hide=form.hide.data,
                              reason=form.hidden_reason.data or "")
            services.set_disposition(
                db.session, current_user, contribution,
                disposition=Disposition(form.disposition.data) if form.disposition.data else None,
                reason=form.disposition_reason.data or "",
                call=db.session.get(Call, form.disposition_call_id.data) if form.disposition_call_id.data else None)

        run_action(moderate, success=_("The input has been updated."))
    else:
        flash_form_errors(form)
    return redirect(url_for("dialogues.manage", dialogue_id=contribution.dialogue_id) + f"#input-{contribution.id}")


@bp.route("/staff/dialogues/<int:dialogue_id>/report", methods=["POST"])
@require(can_manage_dialogues)
def publish_report(dialogue_id: int):
    dialogue = _staff_dialogue(dialogue_id)
    form = ReportForm(dialogue=dialogue)
    form.followup_calls.choices = [(c.id, c.title) for c in db.session.scalars(select(Call))]
    if not form.validate_on_submit():
        return _render_manage(dialogue, report_form=form, status=400)
    calls = list(db.session.scalars(select(Call).where(Call.id.in_(form.followup_calls.data or []))))
    if not run_action(lambda: services.publish_report(db.session, current_user, dialogue, summary=form.summary.data,
                                                      summary_en=form.summary_en.data or "",
                                                      followup_calls=calls, now=request_time()),
                      form=form, success=_("The report has been published.")).ok:
        return _render_manage(dialogue, report_form=form, status=400)
    return redirect(url_for("dialogues.manage", dialogue_id=dialogue.id))



# --- selection by lot ---------------------------------------------------------------------


@bp.route("/dialogues/<slug>/draw")
def draw_page(slug: str):
    """The published draw: commitment before, and every input and the outcome after."""
    dialogue = _public_dialogue(slug)
    if not lifecycle.uses_lot(dialogue):
        abort(404)
    draw = services.find_draw(db.session, dialogue)
    return render_template("dialogues/draw.html", dialogue=dialogue, draw=draw,
                           rows=services.draw_rows(draw) if draw else [],
                           candidates_digest=services.draw_candidates_digest(draw) if draw else None)


@bp.route("/dialogues/<slug>/draw.json")
def draw_json(slug: str):
    """Everything needed to recompute the draw (dialogues/lottery.py says how)."""
    dialogue = _public_dialogue(slug)
    draw = services.find_draw(db.session, dialogue) if lifecycle.uses_lot(dialogue) else None
    if draw is None:
        abort(404)
    return services.draw_data(draw)


@bp.route("/staff/dialogues/<int:dialogue_id>/draw", methods=["POST"])
@require(can_manage_dialogues)
def draw(dialogue_id: int):
    dialogue = _staff_dialogue(dialogue_id)
    candidates = len(services.lot_candidates(db.session, dialogue))
    if (question := ask_first(
            title=_("Draw lots for “%(title)s”?", title=dialogue.title),
            consequences=[ngettext("%(num)d candidate takes part in the draw.",
                                   "%(num)d candidates take part in the draw.", candidates),
                          ngettext("%(num)d seat is given; everyone else goes on the reserve list in drawn order.",
                                   "%(num)d seats are given; everyone else goes on the reserve list in drawn order.",
                                   dialogue.capacity),
                          _("The draw happens once and cannot be undone. Its secret value, the seed and the outcome "
                            "are published, and every candidate is emailed the outcome.")],
            button=_("Yes, draw lots now"), back_url=url_for("dialogues.manage", dialogue_id=dialogue.id))) is not None:
        return question
    run_action(lambda: commit_with_retry(lambda: services.draw_lots(db.session, current_user, dialogue,
                                                                    request_time())),
               commit=False, success=_("The lots have been drawn and everyone has been emailed the outcome."))
    return redirect(url_for("dialogues.manage", dialogue_id=dialogue.id) + "#draw")
