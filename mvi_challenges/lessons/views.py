"""Lessons' pages: the public search and lesson, staff recording them, the call page's verdict."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.auth import require
from ..calls.models import Call
from ..calls.panels import CallLinks, CallPanel, add_call_panel
from ..catalogue.models import Category, SocialValue
from ..catalogue.services import all_categories, all_social_values
from ..core.actions import run_action
from ..core.db import db
from ..core.errors import DomainError
from ..core.pagination import paginate
from ..core.templating import offer_to_templates
from ..core.timezones import now_utc, to_local
from ..monitoring.models import Contract, ProcurementRecord
from ..monitoring.panels import DashboardPanel, add_dashboard_panel
from . import services
from .forms import LessonForm
from .models import MOMENT_LABELS, PAID_OFF_LABELS, Lesson, LessonMoment, PaidOff
from .permissions import can_manage_lessons

bp = Blueprint("lessons", __name__)
LINK_CHOICES = 200  # the most recent calls, tenders and contracts offered to link


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The lessons' template hook (core/templating.py) and their panel on the call page."""
    add_call_panel(state.app, CallPanel(order=40, template="lessons/_call_panel.html", build=_call_panel))
    add_dashboard_panel(state.app, DashboardPanel(
        order=20, template="lessons/_dashboard_panel.html", build=_dashboard_panel,
        depends_on=((Lesson, ("is_public", "social_value_id", "paid_off", "category_id")),)))
    offer_to_templates(state.app, can_manage_lessons=can_manage_lessons,
                       lesson_moment_label=lambda value: str(MOMENT_LABELS[LessonMoment(value)]),
                       paid_off_label=lambda value: str(PAID_OFF_LABELS[PaidOff(value)]))


def _dashboard_panel(filters) -> dict:
    """The monitoring dashboard's view of learning: public lessons per social value, and the verdicts
    on experiment space (all years: lessons are few, and a lesson stays a lesson)."""
    return {"per_value": services.counts_per_value(db.session, filters.category_id),
            "paid_off": services.paid_off_counts(db.session, filters.category_id)}


def _call_panel(call: Call, _links: CallLinks) -> list[Lesson]:
    """Whether the experiment space paid off: public verdicts, after the call ended."""
    return services.experiment_verdicts(db.session, call)


@bp.route("/lessons")
def search():
    locale = str(get_locale())
    categories, values = all_categories(db.session, locale), all_social_values(db.session, locale)
    args = {"q": request.args.get("q", "")[:services.MAX_QUERY],
            "category": request.args.get("category", ""), "value": request.args.get("value", "")}
    args["category"] = args["category"] if args["category"] in {c.slug for c in categories} else ""
    args["value"] = args["value"] if args["value"] in {v.slug for v in values} else ""
    filters = services.LessonFilters(text=args["q"], category_slug=args["category"], value_slug=args["value"])
    page = paginate(services.search_query(filters), current_app.config["PAGE_SIZE"])
    return render_template("lessons/search.html", page=page, categories=categories, values=values,
                           args={k: v for k, v in args.items() if v})


@bp.route("/lessons/<int:lesson_id>")
def detail(lesson_id: int):
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not lesson.is_public:  # an internal lesson does not exist for the public
        abort(404)
    return render_template("lessons/detail.html", lesson=lesson)


@bp.route("/staff/lessons")
@require(can_manage_lessons)
def staff_list():
    page = paginate(services.search_query(services.LessonFilters(), public=False), current_app.config["PAGE_SIZE"])
    return render_template("lessons/staff_list.html", page=page)


def _lesson_form(lesson: Lesson | None) -> LessonForm:
    locale = str(get_locale())
    form = LessonForm(obj=lesson)
    none = [(0, _("None"))]
    form.social_value_id.choices = [(v.id, v.localised("name", locale)) for v in all_social_values(db.session, locale)]
    form.category_id.choices = none + [(c.id, c.localised("name", locale)) for c in all_categories(db.session, locale)]
    form.call_id.choices = none + [(c.id, c.title) for c in db.session.scalars(
        select(Call).order_by(Call.id.desc()).limit(LINK_CHOICES))]
    form.record_id.choices = none + [(r.id, r.title) for r in db.session.scalars(
        select(ProcurementRecord).order_by(ProcurementRecord.id.desc()).limit(LINK_CHOICES))]
    form.contract_id.choices = none + [(c.id, c.title) for c in db.session.scalars(
        select(Contract).order_by(Contract.id.desc()).limit(LINK_CHOICES))]
    if lesson is not None and not form.is_submitted():
        form.moment.data = lesson.moment.value
        form.paid_off.data = lesson.paid_off.value if lesson.paid_off else ""
        for name in ("call_id", "record_id", "contract_id", "category_id"):
            getattr(form, name).data = getattr(lesson, name) or 0
    elif lesson is None and not form.is_submitted():
        form.recorded_on.data = to_local(now_utc()).date()
        form.call_id.data = request.args.get("call", 0, type=int)
    return form


def _lesson_input(form: LessonForm) -> services.LessonInput:
    value = db.session.get(SocialValue, form.social_value_id.data)
    if value is None:
        raise DomainError(_("Choose a social value."), field="social_value_id")

    def linked(model, field):
        chosen = getattr(form, field).data
        return db.session.get(model, chosen) if chosen else None

    return services.LessonInput(
        title=form.title.data, moment=LessonMoment(form.moment.data), recorded_on=form.recorded_on.data,
        social_value=value, what_worked=form.what_worked.data or "", what_did_not=form.what_did_not.data or "",
        category=linked(Category, "category_id"), call=linked(Call, "call_id"),
        record=linked(ProcurementRecord, "record_id"), contract=linked(Contract, "contract_id"),
        paid_off=PaidOff(form.paid_off.data) if form.paid_off.data else None,
        paid_off_explanation=form.paid_off_explanation.data or "", is_public=form.is_public.data)


@bp.route("/staff/lessons/new", methods=["GET", "POST"], defaults={"lesson_id": None})
@bp.route("/staff/lessons/<int:lesson_id>", methods=["GET", "POST"])
@require(can_manage_lessons)
def edit(lesson_id: int | None):
    lesson = None
    if lesson_id is not None:
        lesson = db.session.get(Lesson, lesson_id) or abort(404)
    form = _lesson_form(lesson)
    if form.validate_on_submit() and run_action(
            lambda: services.save_lesson(db.session, current_user, lesson, _lesson_input(form)),
            form=form, success=_("The lesson has been saved.")).ok:
        return redirect(url_for("lessons.staff_list"))
    return render_template("lessons/form.html", form=form, lesson=lesson), 400 if form.errors else 200
