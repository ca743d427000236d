"""Administrators' pages for the criteria library and the leading principles."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.auth import require
from ..catalogue.models import Category, SocialValue
from ..catalogue.services import all_categories, all_social_values
from ..core.actions import run_action
from ..core.confirmation import ask_first
from ..core.db import db
from ..core.errors import status_for
from ..core.templating import offer_to_templates
from . import services
from .forms import CriterionForm, ImportForm, PrincipleForm
from .models import LeadingPrinciple, LibraryCriterion
from .permissions import can_manage_library

bp = Blueprint("criteria", __name__, url_prefix="/admin/library")


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The library's template hook (core/templating.py): the menu's question."""
    offer_to_templates(state.app, can_manage_library=can_manage_library)


def _locale() -> str:
    return str(get_locale())


# --- the library ----------------------------------------------------------------------------


@bp.route("/")
@require(can_manage_library)
def index():
    categories = all_categories(db.session, _locale())
    category = next((c for c in categories if c.slug == request.args.get("category")), None)
    level_arg = request.args.get("level", "")
    level = int(level_arg) if level_arg in {"1", "2", "3"} else None
    criteria = services.library(db.session, services.LibraryFilters(category_id=category.id if category else None,
                                                                     level=level))
    return render_template("criteria/index.html", criteria=criteria, categories=categories, category=category,
                           level=level, import_form=ImportForm())


def _fill_choices(form: CriterionForm, criterion: LibraryCriterion | None) -> None:
    locale = _locale()
    form.category_id.choices = [(0, _("— choose —"))] + [
        (c.id, c.localised("name", locale)) for c in all_categories(db.session, locale)]
    form.social_value_id.choices = [(0, _("— choose —"))] + [
        (v.id, v.localised("name", locale)) for v in all_social_values(db.session, locale)]
    # A retired principle stays selectable for the criterion that already has it (nothing changes unasked).
    form.principle_id.choices = [(0, _("— choose —"))] + [
        (p.id, p.localised("name", locale)) for p in services.all_principles(db.session, locale)
        if not p.is_retired or (criterion is not None and criterion.principle_id == p.id)]


@bp.route("/criteria/new", methods=["GET", "POST"], defaults={"criterion_id": None})
@bp.route("/criteria/<int:criterion_id>", methods=["GET", "POST"])
@require(can_manage_library)
def edit_criterion(criterion_id: int | None):
    criterion = None
    if criterion_id is not None:
        criterion = db.session.get(LibraryCriterion, criterion_id) or abort(404)
    form = CriterionForm(obj=criterion)
    _fill_choices(form, criterion)
    if criterion is not None and not form.is_submitted():
        form.level.data = str(criterion.level)
    if form.validate_on_submit():
        def save() -> LibraryCriterion:
            data = services.CriterionInput(
                code=form.code.data or "", category=db.session.get(Category, form.category_id.data),
                level=int(form.level.data), text_nl=form.text_nl.data or "", text_en=form.text_en.data or "",
                verification_nl=form.verification_nl.data or "", verification_en=form.verification_en.data or "",
                social_value=db.session.get(SocialValue, form.social_value_id.data),
                principle=db.session.get(LeadingPrinciple, form.principle_id.data),
                retired=criterion.is_retired if criterion else False,
            )
            return services.save_criterion(db.session, current_user, criterion, data)

        if run_action(save, form=form, success=_("The criterion has been saved.")).ok:
            return redirect(url_for("criteria.index"))
    return render_template("criteria/criterion_form.html", form=form, criterion=criterion), status_for(form)


@bp.route("/criteria/<int:criterion_id>/retire", methods=["POST"])
@require(can_manage_library)
def retire_criterion(criterion_id: int):
    criterion = db.session.get(LibraryCriterion, criterion_id) or abort(404)
    question = ask_first(
        title=_("Retire criterion %(code)s?", code=criterion.code),
        consequences=[_("Staff can no longer choose it for a call."),
                      _("Calls that chose it keep it, with the level it gave them."),
                      _("You can bring it back later.")],
        button=_("Retire criterion"), back_url=url_for("criteria.edit_criterion", criterion_id=criterion.id),
        condition=not criterion.is_retired)
    if question is not None:
        return question
    run_action(lambda: services.set_criterion_retired(db.session, current_user, criterion, True),
               success=_("The criterion has been retired."))
    return redirect(url_for("criteria.index"))


@bp.route("/criteria/<int:criterion_id>/restore", methods=["POST"])
@require(can_manage_library)
def restore_criterion(criterion_id: int):
    criterion = db.session.get(LibraryCriterion, criterion_id) or abort(404)
    run_action(lambda: services.set_criterion_retired(db.session, current_user, criterion, False),
               success=_("The criterion can be chosen again."))
    return redirect(url_for("criteria.index"))


@bp.route("/export.csv")
@require(can_manage_library)
def export_csv():
    # Streamed: the response starts with the header line while the rows are still being read.
    return Response(stream_with_context(services.export_lines(db.session)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="mvi-criteria-library.csv"'})


@bp.route("/import", methods=["GET", "POST"])
@require(can_manage_library)
def import_csv():
    form = ImportForm()
    errors: list[services.RowError] = []
    if form.validate_on_submit():
        outcome = run_action(lambda: services.import_library(db.session, current_user, form.file.data.read()),
                             form=form, success=_import_message)
        if outcome.ok:
            return redirect(url_for("criteria.index"))
        errors = getattr(outcome.error, "errors", [])
    return render_template("criteria/import.html", form=form, errors=errors,
                           columns=";".join(services.CSV_HEADER)), status_for(form)


def _import_message(result: services.ImportResult) -> str:
    return _("Imported: %(created)s, %(updated)s, %(unchanged)s.",
             created=ngettext("%(num)d criterion added", "%(num)d criteria added", result.created),
             updated=ngettext("%(num)d changed", "%(num)d changed", result.updated),
             unchanged=ngettext("%(num)d unchanged", "%(num)d unchanged", result.unchanged))


# --- leading principles ---------------------------------------------------------------------


@bp.route("/principles")
@require(can_manage_library)
def principles():
    return render_template("criteria/principles.html", principles=services.all_principles(db.session, _locale()))


@bp.route("/principles/new", methods=["GET", "POST"], defaults={"principle_id": None})
@bp.route("/principles/<int:principle_id>", methods=["GET", "POST"])
@require(can_manage_library)
def edit_principle(principle_id: int | None):
    principle = None
    if principle_id is not None:
        principle = db.session.get(LeadingPrinciple, principle_id) or abort(404)
    form = PrincipleForm(obj=principle)
    values = all_social_values(db.session, _locale())
    form.social_values.choices = [(v.id, v.localised("name", _locale())) for v in values]
    if principle is not None and not form.is_submitted():
        form.social_values.data = [v.id for v in principle.social_values]
    if form.validate_on_submit() and run_action(lambda: services.save_principle(
        db.session, current_user, principle, name_nl=form.name_nl.data or "", name_en=form.name_en.data or "",
        description_nl=form.description_nl.data or "", description_en=form.description_en.data or "",
        social_values=[v for v in values if v.id in (form.social_values.data or [])],
    ), form=form, success=_("The leading principle has been saved.")).ok:
        return redirect(url_for("criteria.principles"))
    return render_template("criteria/principle_form.html", form=form, principle=principle), status_for(form)


@bp.route("/principles/<int:principle_id>/retire", methods=["POST"])
@require(can_manage_library)
def retire_principle(principle_id: int):
    principle = db.session.get(LeadingPrinciple, principle_id) or abort(404)
    question = ask_first(
        title=_("Retire the principle “%(name)s”?", name=principle.localised("name", _locale())),
        consequences=[_("It can no longer be chosen for a new criterion."),
                      _("Criteria and calls that use it keep it, and the monitoring still counts it."),
                      _("You can bring it back later.")],
        button=_("Retire principle"), back_url=url_for("criteria.edit_principle", principle_id=principle.id),
        condition=not principle.is_retired)
    if question is not None:
        return question
    run_action(lambda: services.set_principle_retired(db.session, current_user, principle, True),
               success=_("The leading principle has been retired."))
    return redirect(url_for("criteria.principles"))


@bp.route("/principles/<int:principle_id>/restore", methods=["POST"])
@require(can_manage_library)
def restore_principle(principle_id: int):
    principle = db.session.get(LeadingPrinciple, principle_id) or abort(404)
    run_action(lambda: services.set_principle_retired(db.session, current_user, principle, False),
               success=_("The leading principle can be chosen again."))
    return redirect(url_for("criteria.principles"))
