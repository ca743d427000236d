"""The pipeline's pages: the public plan, following by mail, and staff maintaining and starting it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.auth import require
from ..calls.models import Call
from ..calls.panels import CallLinks, CallPanel, add_call_link, add_call_panel
from ..catalogue.models import Category, Department
from ..catalogue.services import all_categories, all_departments, all_social_values
from ..core.actions import run_action
from ..core.confirmation import ask_first
from ..core.csrf import csrf
from ..core.db import db
from ..core.errors import DomainError
from ..core.links import public_url
from ..core.outbox import queue_user_email
from ..core.pagination import paginate
from ..core.templating import offer_to_templates
from ..core.timezones import now_utc, to_local
from ..infra.ratelimit import EMAIL_CHANGES, REGISTER_PER_IP, limiter, submitted_email
from ..monitoring.panels import DashboardPanel, add_dashboard_panel
from . import lifecycle, services
from .forms import ButtonForm, FollowForm, PlannedPurchaseForm, StartTenderForm
from .models import VALUE_CLASS_LABELS, PlannedPurchase, TopicKind, ValueClass
from .permissions import can_manage_pipeline

bp = Blueprint("pipeline", __name__)


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The pipeline's template hook (core/templating.py) and its panel on the call page."""
    add_call_panel(state.app, CallPanel(order=30, template="pipeline/_call_panel.html", build=_call_panel))
    add_call_link(state.app, "planned_purchase", services.plan_of)
    add_dashboard_panel(state.app, DashboardPanel(
        order=10, template="pipeline/_dashboard_panel.html", build=_dashboard_panel,
        depends_on=((PlannedPurchase, ("is_public", "expected_year", "expected_quarter", "category_id", "call_id",
                                       "record_id")),)))
    offer_to_templates(
        state.app, can_manage_pipeline=can_manage_pipeline,
        value_class_label=lambda value: str(VALUE_CLASS_LABELS[ValueClass(value)]),
        pipeline_state_label=lifecycle.state_label, pipeline_public_call=lifecycle.public_call,
        pipeline_can_start=lifecycle.can_start, pipeline_is_editable=lifecycle.is_editable,
        pipeline_text=lambda item, field: item.text(field, str(get_locale())))


def _dashboard_panel(filters) -> dict:
    """The monitoring dashboard's view of what is coming: planned purchases per quarter of its year."""
    return {"year": filters.year, "category_id": filters.category_id,
            "rows": services.count_by_quarter(db.session, filters.year, filters.category_id)}


def _call_panel(call: Call, links: CallLinks) -> PlannedPurchase | None:
    """The link back from a call to the plan it came from (calls/panels.py); not read when the
    call's query found no plan."""
    return services.plan_for_call(db.session, call) if links.has("planned_purchase") else None


# --- public ---------------------------------------------------------------------------------


def _topic_choices() -> list[tuple[str, str]]:
    locale = str(get_locale())
    return ([(f"category:{c.id}", _("Category: %(name)s", name=c.localised("name", locale)))
             for c in all_categories(db.session, locale)]
            + [(f"social_value:{v.id}", _("Social value: %(name)s", name=v.localised("name", locale)))
               for v in all_social_values(db.session, locale)])


@bp.route("/pipeline")
def pipeline():
    """What the municipality plans to buy, filterable by category, quarter and social value."""
    locale = str(get_locale())
    categories, values = all_categories(db.session, locale), all_social_values(db.session, locale)
    quarters = services.public_quarters(db.session)
    # Unknown values fall back quietly to "all": a typed URL never fails.
    args = {key: request.args.get(key, "") for key in ("category", "quarter", "value")}
    args["category"] = args["category"] if args["category"] in {c.slug for c in categories} else ""
    args["value"] = args["value"] if args["value"] in {v.slug for v in values} else ""
    args["quarter"] = args["quarter"] if args["quarter"] in quarters else ""
    filters = services.PipelineFilters(category_slug=args["category"], quarter=args["quarter"],
                                       value_slug=args["value"])
    page = paginate(services.public_pipeline_query(filters), current_app.config["PAGE_SIZE"])
    return render_template("pipeline/list.html", page=page, categories=categories, values=values,
                           quarters=quarters, args={k: v for k, v in args.items() if v})


def _follow_form() -> FollowForm:
    form = FollowForm()
    form.topic.choices = [("", _("Choose a category or social value")), *_topic_choices()]
    if not form.is_submitted():
        form.topic.data = request.args.get("topic", "")
        if current_user.is_authenticated:
            form.email.data = current_user.email
    return form


def _parse_topic(text: str) -> tuple[TopicKind, int]:
    kind, _sep, number = (text or "").partition(":")
    if kind not in {k.value for k in TopicKind} or not number.isdigit():
        raise DomainError(_("Choose what you want to follow."), field="topic")
    return TopicKind(kind), int(number)


@bp.route("/pipeline/follow", methods=["GET", "POST"])
# Each request may mail a confirmation to the address typed: limits per visitor and per address, so
# the form cannot be used to flood someone's mailbox.
@limiter.limit(REGISTER_PER_IP, methods=["POST"])
@limiter.limit(EMAIL_CHANGES, key_func=submitted_email, methods=["POST"])
def follow():
    """Follow a category or social value: a daily digest by mail, after confirming the address."""
    form = _follow_form()
    if form.validate_on_submit():
        def act() -> tuple[object, bool]:
            kind, topic_id = _parse_topic(form.topic.data)
            found, needs_confirmation = services.follow_topic(
                db.session, user=current_user if current_user.is_authenticated else None, email=form.email.data,
                kind=kind, topic_id=topic_id, locale=str(get_locale()))
            if needs_confirmation:
                topic = services.topic_of(db.session, kind, topic_id)
                queue_user_email(db.session, found, "pipeline_confirm_follow", to=found.email, topic=topic,
                                 link=public_url("pipeline.confirm_follow", token=services.confirm_token(
                                     current_app.config["SECRET_KEY"], found)))
            return found, needs_confirmation

        outcome = run_action(act, form=form)
        if outcome.ok:
            # Only the address's own, logged-in owner learns that it already follows this; anyone
            # else reads "check your mail" whatever the state, so the form reveals nobody's follows.
            trusted = outcome.value[0].user_id is not None and current_user.is_authenticated \
                and outcome.value[0].user_id == current_user.id
            return render_template("pipeline/follow_done.html", needs_confirmation=not trusted or outcome.value[1])
    follows = services.follows_of_user(db.session, current_user) if current_user.is_authenticated else []
    secret_key = current_app.config["SECRET_KEY"]
    mine = [(f, services.topic_of(db.session, f.topic_kind, f.topic_id),
             services.unsubscribe_token(secret_key, [f])) for f in follows]
    return render_template("pipeline/follow.html", form=form, mine=mine), 400 if form.errors else 200


def _invalid_link(error: DomainError):
    return render_template("pipeline/link_invalid.html", message=error.message), 400


@bp.route("/pipeline/follow/confirm/<token>", methods=["GET", "POST"])
def confirm_follow(token: str):
    """The link in the confirmation mail shows a button; only the button confirms, so a mail
    scanner that opens links confirms nobody."""
    secret_key = current_app.config["SECRET_KEY"]
    try:
        found = services.read_confirm_token(db.session, secret_key, token)
    except DomainError as error:
        return _invalid_link(error)
    form = ButtonForm()
    if form.validate_on_submit():
        outcome = run_action(lambda: services.confirm_follow(db.session, secret_key, token),
                             success=_("Confirmed: you will get a digest when there is news."))
        if outcome.ok:
            return redirect(url_for("pipeline.pipeline"))
    topic = services.topic_of(db.session, found.topic_kind, found.topic_id)
    return render_template("pipeline/confirm_follow.html", form=form, follow=found, topic=topic)


@bp.route("/pipeline/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail programs POST here without any session; the signed token is the key
def unsubscribe(token: str):
    """One click, no login: the signed link names the follows it ends. A GET only shows the
    button (link scanners open links); a POST ends them, again and again without error."""
    secret_key = current_app.config["SECRET_KEY"]
    try:
        pairs = services.read_unsubscribe_token(secret_key, token)
    except DomainError as error:
        return _invalid_link(error)
    if request.method == "POST":
        services.unsubscribe(db.session, secret_key, token)
        db.session.commit()
        return render_template("pipeline/unsubscribed.html")
    return render_template("pipeline/unsubscribe.html", count=len(pairs))


# --- staff ----------------------------------------------------------------------------------


@bp.route("/staff/pipeline")
@require(can_manage_pipeline)
def staff_list():
    page = paginate(services.staff_pipeline_query(), current_app.config["PAGE_SIZE"])
    return render_template("pipeline/staff_list.html", page=page, button_form=ButtonForm(),
                           tender_form=StartTenderForm())


def _plan_form(item: PlannedPurchase | None) -> PlannedPurchaseForm:
    locale = str(get_locale())
    form = PlannedPurchaseForm(obj=item)
    form.category_id.choices = [(c.id, c.localised("name", locale)) for c in all_categories(db.session, locale)]
    this_year = to_local(now_utc()).year
    form.expected_year.choices = [(year, str(year)) for year in range(this_year, this_year + 6)]
    form.social_values.choices = [(v.id, v.localised("name", locale)) for v in all_social_values(db.session, locale)]
    form.department_id.choices = [(0, _("None"))] + [(d.id, d.localised("name", locale))
                                                      for d in all_departments(db.session, locale)]
    if item is not None and not form.is_submitted():
        form.expected_quarter.data = str(item.expected_quarter)
        form.intended_level.data = str(item.intended_level)
        form.value_class.data = item.value_class.value
        form.social_values.data = [v.id for v in item.social_values]
        form.department_id.data = item.department_id or 0
    return form


def _plan_input(form: PlannedPurchaseForm) -> services.PlanInput:
    category = db.session.get(Category, form.category_id.data)
    if category is None:
        raise DomainError(_("Choose a category."), field="category_id")
    chosen = set(form.social_values.data or [])
    return services.PlanInput(
        title=form.title.data, description=form.description.data or "", category=category,
        expected_year=form.expected_year.data, expected_quarter=int(form.expected_quarter.data),
        value_class=ValueClass(form.value_class.data), intended_level=int(form.intended_level.data),
        social_values=[v for v in all_social_values(db.session) if v.id in chosen],
        level_explanation=form.level_explanation.data or "",
        department=db.session.get(Department, form.department_id.data) if form.department_id.data else None,
        contact_name=form.contact_name.data or "", contact_email=form.contact_email.data or "",
        is_public=form.is_public.data, title_en=form.title_en.data or "",
        description_en=form.description_en.data or "")


@bp.route("/staff/pipeline/new", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/staff/pipeline/<int:item_id>", methods=["GET", "POST"])
@require(can_manage_pipeline)
def edit(item_id: int | None):
    item = None
    if item_id is not None:
        item = db.session.get(PlannedPurchase, item_id) or abort(404)
    form = _plan_form(item)
    if form.validate_on_submit() and run_action(
            lambda: services.save_planned_purchase(db.session, current_user, item, _plan_input(form)),
            form=form, success=_("The planned purchase has been saved.")).ok:
        return redirect(url_for("pipeline.staff_list"))
    return render_template("pipeline/form.html", form=form, item=item), 400 if form.errors else 200


@bp.route("/staff/pipeline/<int:item_id>/start-call", methods=["POST"])
@require(can_manage_pipeline)
def start_call(item_id: int):
    item = db.session.get(PlannedPurchase, item_id) or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if (question := ask_first(
            title=_("Start “%(title)s” as a call?", title=item.title),
            consequences=[_("A draft call is made from the plan, with its texts, category, level and social values."),
                          _("The plan shows “started” with a link once the call is published.")],
            button=_("Make the draft call"), back_url=url_for("pipeline.staff_list"))) is not None:
        return question
    outcome = run_action(lambda: services.start_as_call(db.session, current_user, item),
                         success=_("A draft call has been made. Complete it and publish it."))
    if outcome.ok and outcome.value is not None:
        return redirect(url_for("calls.edit_call", call_id=outcome.value.id))
    return redirect(url_for("pipeline.staff_list"))


@bp.route("/staff/pipeline/<int:item_id>/start-tender", methods=["POST"])
@require(can_manage_pipeline)
def start_tender(item_id: int):
    item = db.session.get(PlannedPurchase, item_id) or abort(404)
    form = StartTenderForm()
    if not form.validate_on_submit():
        abort(400)
    if (question := ask_first(
            title=_("Record “%(title)s” as a tender outside the platform?", title=item.title),
            consequences=[_("The tender is entered in the public comply-or-explain register, published today."),
                          _("The plan then shows “started” with a link to it.")],
            button=_("Record the tender"), back_url=url_for("pipeline.staff_list"))) is not None:
        return question
    outcome = run_action(lambda: services.start_as_tender(db.session, current_user, item,
                                                          reference=form.reference.data or ""),
                         success=_("The tender has been entered in the register."))
    if outcome.ok and outcome.value is not None:
        return redirect(url_for("monitoring.edit_record", record_id=outcome.value.id))
    return redirect(url_for("pipeline.staff_list"))
