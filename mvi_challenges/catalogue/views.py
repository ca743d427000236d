from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.auth import require
from ..core.actions import run_action
from ..core.db import db
from ..core.templating import offer_to_templates
from . import services
from .forms import CategoryForm, DepartmentForm, SocialValueForm
from .models import LEVEL_LABELS, Category, Department, SocialValue
from .permissions import can_manage_catalogue

bp = Blueprint("catalogue", __name__, url_prefix="/admin/catalogue")


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The catalogue's template hook (core/templating.py): the ambition levels and the menu's question."""
    offer_to_templates(state.app, level_label=lambda level: str(LEVEL_LABELS.get(level, level)),
                       can_manage_catalogue=can_manage_catalogue)


@bp.route("/")
@require(can_manage_catalogue)
def index():
    return render_template(
        "catalogue/index.html",
        categories=services.all_categories(db.session),
        social_values=services.all_social_values(db.session),
        departments=services.all_departments(db.session),
    )


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@require(can_manage_catalogue)
def edit_category(category_id: int | None):
    category = None
    if category_id is not None:
        category = db.session.get(Category, category_id) or abort(404)
    form = CategoryForm(obj=category)
    form.social_values.choices = [(v.id, v.localised("name", str(get_locale())))
                                  for v in services.all_social_values(db.session, str(get_locale()))]
    if category is not None and not form.is_submitted():
        form.target_level.data = str(category.target_level)
        form.social_values.data = [v.id for v in category.social_values]
    if form.validate_on_submit() and run_action(lambda: services.save_category(
        db.session, current_user, category,
        name_nl=form.name_nl.data, name_en=form.name_en.data,
        target_level=int(form.target_level.data), promising=form.promising.data,
        approach_source=form.approach_source.data,
        social_values=[v for v in services.all_social_values(db.session)
                       if v.id in (form.social_values.data or [])],
    ), form=form, success=_("The category has been saved.")).ok:
        return redirect(url_for("catalogue.index"))
    status = 400 if form.errors else 200
    return render_template("catalogue/category_form.html", form=form, category=category), status


@bp.route("/values/new", methods=["GET", "POST"], defaults={"value_id": None})
@bp.route("/values/<int:value_id>", methods=["GET", "POST"])
@require(can_manage_catalogue)
def edit_social_value(value_id: int | None):
    value = None
    if value_id is not None:
        value = db.session.get(SocialValue, value_id) or abort(404)
    form = SocialValueForm(obj=value)
    if form.validate_on_submit():
        run_action(lambda: services.save_social_value(db.session, current_user, value, **form.data),
                   success=_("The social value has been saved."))
        return redirect(url_for("catalogue.index"))
    status = 400 if form.errors else 200
    return render_template("catalogue/value_form.html", form=form, value=value), status


@bp.route("/departments/new", methods=["GET", "POST"], defaults={"department_id": None})
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@require(can_manage_catalogue)
def edit_department(department_id: int | None):
    department = None
    if department_id is not None:
        department = db.session.get(Department, department_id) or abort(404)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        run_action(lambda: services.save_department(db.session, current_user, department,
                                                    name_nl=form.name_nl.data, name_en=form.name_en.data),
                   success=_("The department has been saved."))
        return redirect(url_for("catalogue.index"))
    status = 400 if form.errors else 200
    return render_template("catalogue/department_form.html", form=form, department=department), status
