from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..accounts.auth import require
from ..accounts.models import User
from ..accounts.permissions import is_staff
from ..accounts.services import manager_choices, staff_member
from ..calls.models import Call
from ..catalogue.models import LEVEL_CHOICES, Category, Department, SocialValue
from ..catalogue.services import all_categories, all_departments, all_social_values, department_choices
from ..core.actions import run_action
from ..core.db import db
from ..core.errors import DomainError, status_for
from ..core.exports import csv_response, euros_cell, streamed_csv_response
from ..core.formatting import local_date, money
from ..core.pagination import filter_args, paginate
from ..core.templating import offer_to_templates
from ..core.timezones import now_utc, to_local
from ..infra import fingerprint_cache
from . import decision_docs, documents, figures_version, services, talk_exports, talks, yearly_counts
from .dashboard_tables import Chart, Table, build_charts, build_tables
from .forms import (
    UNIT_LABELS,
    ContractForm,
    RecordForm,
    RegisterFilterForm,
    TargetForm,
    result_update_form,
)
from .models import Contract, ContractTarget, ProcurementRecord, TargetUnit
from .panels import build_dashboard_panels
from .permissions import can_manage_monitoring, can_see_result_talks

bp = Blueprint("monitoring", __name__)


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The monitoring area's template hook (core/templating.py)."""
    figures_version.install()  # the dashboard's data version, drawn anew by every change it counts
    offer_to_templates(state.app, unit_label=lambda unit: str(UNIT_LABELS[unit]), supplier_label=_supplier_label,
                       can_manage_monitoring=can_manage_monitoring, can_see_result_talks=can_see_result_talks)


def _supplier_label(contract: Contract) -> str:
    return _("a private person (name not published)") if contract.has_private_supplier else contract.supplier_name


# --- public: dashboard ---------------------------------------------------------------------


def _choice(value: str | None, allowed: set[str]) -> str:
    return value if value in allowed else ""


@dataclass(frozen=True)
class Named:
    """A category or department as the dashboard's filters show it (plain data, kept)."""

    id: int
    slug: str
    name_nl: str
    name_en: str

    def localised(self, field: str, locale: str) -> str:  # as catalogue.models does, for |localised
        value = getattr(self, f"{field}_{locale}", None) if locale != "nl" else None
        return value or getattr(self, f"{field}_nl")


@dataclass(frozen=True)
class DashboardChoices:
    """What the dashboard's filters may be set to, as plain data kept under the data's version."""

    years: list[int]
    categories: list[Named]
    departments: list[Named]

    def sorted(self, named: list[Named]) -> list[Named]:
        locale = str(get_locale())
        return sorted(named, key=lambda n: n.localised("name", locale).casefold())


@dataclass(frozen=True)
class KeyFigures:
    filters: yearly_counts.DashboardFilters
    calls_published: int
    proposals_received: int
    contracts: int
    contract_value_cents: int
    share_at_target: int | None


@dataclass(frozen=True)
class KeptFigures:
    """The dashboard's figures for one selection and language, until `valid_until` (the clock: a
    dialogue that ends counts from then on) or a change of the data (the version in the key)."""

    figures: KeyFigures
    tables: dict[str, Table]
    charts: list[Chart]
    valid_until: dt.datetime | None


@dataclass(frozen=True)
class KeptPage:
    html: str
    valid_until: dt.datetime | None


def _dashboard_choices(version: str, now: dt.datetime) -> DashboardChoices:
    def compute() -> DashboardChoices:
        return DashboardChoices(
            years=yearly_counts.available_years(db.session, now),
            categories=[Named(*row) for row in db.session.execute(
                select(Category.id, Category.slug, Category.name_nl, Category.name_en))],
            departments=[Named(*row) for row in db.session.execute(
                select(Department.id, Department.slug, Department.name_nl, Department.name_en))])

    return fingerprint_cache.remember(f"dashboard-choices|{version}|{to_local(now).year}", compute)


def _dashboard_filters(version: str, now: dt.datetime) -> tuple[yearly_counts.DashboardFilters, dict[str, Any]]:
    """Year, category and department from the query string; unknown values fall back quietly.
    Also the arguments that name the selection in the dashboard's links."""
    choices = _dashboard_choices(version, now)
    year_text = _choice(request.args.get("year"), {str(y) for y in choices.years})
    category_slug = _choice(request.args.get("category"), {c.slug for c in choices.categories})
    department_slug = _choice(request.args.get("department"), {d.slug for d in choices.departments})
    filters = yearly_counts.DashboardFilters(
        year=int(year_text) if year_text else choices.years[0],
        category_id=next((c.id for c in choices.categories if c.slug == category_slug), None),
        department_id=next((d.id for d in choices.departments if d.slug == department_slug), None),
    )
    args: dict[str, Any] = {"year": filters.year}
    if category_slug:
        args["category"] = category_slug
    if department_slug:
        args["department"] = department_slug
    return filters, args


def _still_valid(now: dt.datetime) -> Callable[[KeptFigures | KeptPage], bool]:
    return lambda kept: kept.valid_until is None or now < kept.valid_until


def _selection_key(version: str, filters: yearly_counts.DashboardFilters, now: dt.datetime) -> str:
    return (f"{version}|{get_locale()}|{to_local(now).year}|{filters.year}|{filters.category_id}|"
            f"{filters.department_id}")


def _dashboard_figures(version: str, filters: yearly_counts.DashboardFilters, now: dt.datetime) -> KeptFigures:
    """The figures, tables and charts of a selection: computed once per version of the data (read
    before the data: figures_version.py) and language, and again when the clock changes them."""

    def compute() -> KeptFigures:
        start, end = yearly_counts.utc_year(filters.year)
        valid_until = figures_version.next_change(db.session, start, end, now)
        figures = yearly_counts.dashboard(db.session, filters, now)
        tables = build_tables(figures)
        key_figures = KeyFigures(filters, figures.calls_published, figures.proposals_received, figures.contracts,
                                 figures.contract_value_cents, figures.share_at_target)
        return KeptFigures(key_figures, tables, build_charts(figures, tables), valid_until)

    return fingerprint_cache.remember(f"dashboard-figures|{_selection_key(version, filters, now)}", compute,
                                      fresh=_still_valid(now))


@bp.route("/monitoring")
def dashboard():
    now = now_utc()
    version = figures_version.current(db.session)  # first: what is read after it is at least as new
    filters, args = _dashboard_filters(version, now)

    def render() -> KeptPage:
        kept = _dashboard_figures(version, filters, now)
        choices = _dashboard_choices(version, now)
        categories, departments = choices.sorted(choices.categories), choices.sorted(choices.departments)
        html = render_template(
            "monitoring/_dashboard_content.html", figures=kept.figures, tables=kept.tables, charts=kept.charts,
            years=choices.years, args=args, categories=categories,
            departments=departments, category=next((c for c in categories if c.id == filters.category_id), None),
            department=next((d for d in departments if d.id == filters.department_id), None),
            dashboard_panels=build_dashboard_panels(current_app, filters))
        return KeptPage(html, kept.valid_until)

    page = fingerprint_cache.remember(f"dashboard-page|{_selection_key(version, filters, now)}", render,
                                      fresh=_still_valid(now))
    return render_template("monitoring/dashboard.html", year=filters.year,
                           content=Markup(page.html))  # noqa: S704 - rendered by Jinja above, from escaped values


@bp.route("/monitoring/tables/<name>.csv")
def dashboard_csv(name: str):
    now = now_utc()
    version = figures_version.current(db.session)
    filters, args = _dashboard_filters(version, now)
    tables = _dashboard_figures(version, filters, now).tables
    table = tables.get(name) or abort(404)
    parts = [name, str(filters.year)] + [args[key] for key in ("category", "department") if key in args]
    return csv_response("monitoring-" + "-".join(parts) + ".csv",
                        [column.header for column in table.columns], table.csv_rows())


# --- public: the comply-or-explain register -------------------------------------------------


def _register_filter_form() -> tuple[RegisterFilterForm, services.RegisterFilters]:
    locale = str(get_locale())
    form = RegisterFilterForm(request.args)
    years = yearly_counts.available_years(db.session, now_utc())
    categories = all_categories(db.session, locale)
    departments = all_departments(db.session, locale)
    form.year.choices = [("", _("All years"))] + [(str(y), str(y)) for y in years]
    form.category.choices = [("", _("All categories"))] + [(c.slug, c.localised("name", locale)) for c in categories]
    form.department.choices = [("", _("All departments"))] + [
        (d.slug, d.localised("name", locale)) for d in departments]
    form.level.choices = [("", _("All levels"))] + [(str(n), _("Level %(n)d", n=n)) for n in (1, 2, 3)]
    form.below.choices = [("", _("All procurements")), ("below", _("Below the target level")),
                          ("unexplained", _("Below the target level without explanation"))]
    form.source.choices = [("", _("On the platform and elsewhere")), ("platform", _("Calls on this platform")),
                           ("external", _("Tenders outside the platform"))]
    for field in (form.year, form.category, form.department, form.level, form.below, form.source):
        if field.data not in {value for value, _label in field.choices}:
            field.data = ""
    category = next((c for c in categories if c.slug == form.category.data), None)
    department = next((d for d in departments if d.slug == form.department.data), None)
    filters = services.RegisterFilters(
        year=int(form.year.data) if form.year.data else None,
        category_id=category.id if category else None,
        department_id=department.id if department else None,
        applied_level=int(form.level.data) if form.level.data else None,
        below_target=form.below.data == "below",
        lacks_explanation=form.below.data == "unexplained",
        source=form.source.data or None,
    )
    return form, filters


@bp.route("/monitoring/register")
def register():
    form, filters = _register_filter_form()
    page = paginate(services.register_query(filters), per_page=current_app.config["PAGE_SIZE"])
    args = filter_args(form)
    return render_template("monitoring/register.html", form=form, page=page, args=args)


@bp.route("/monitoring/register.csv")
def register_csv():
    _form, filters = _register_filter_form()
    records = db.session.scalars(services.register_query(filters))
    header = [_("Published on"), _("Title"), _("Reference"), _("Where"), _("Category"), _("Department"),
              _("Target level"), _("Applied level"), _("Explanation"), _("Estimated value (euros)")]
    rows = ([r.published_on.isoformat(), r.title, r.reference,
             _("platform") if r.call_id else _("external"), r.category.localised("name", str(get_locale())),
             r.department.localised("name", str(get_locale())) if r.department else "",
             r.target_level, r.applied_level, r.explanation,
             euros_cell(r.estimated_value_cents)]
            for r in records)
    return csv_response("comply-or-explain-register.csv", header, rows)


@bp.route("/monitoring/register/<int:record_id>")
def record_detail(record_id: int):
    record = db.session.get(ProcurementRecord, record_id) or abort(404)
    return render_template("monitoring/record.html", record=record,
                           contracts=services.contracts_of(db.session, record))


@bp.route("/monitoring/contracts/<int:contract_id>")
def contract_detail(contract_id: int):
    contract = db.session.get(Contract, contract_id) or abort(404)
    return render_template("monitoring/contract.html", contract=contract)


# --- decision documents: the MVI paragraph and the yearly report, as ODT and PDF --------------


def _document_response(document: documents.Document, fmt: str) -> Response:
    if fmt == "odt":
        body, mimetype = decision_docs.to_odt(document), decision_docs.ODT_MIMETYPE
    else:
        body, mimetype = decision_docs.to_pdf(document), "application/pdf"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{document.filename}.{fmt}"'})


@bp.route("/monitoring/register/<int:record_id>/mvi-paragraph.<any(odt, pdf):fmt>")
def record_document(record_id: int, fmt: str):
    """Public like the register entry itself: what it shows, in a document."""
    record = db.session.get(ProcurementRecord, record_id) or abort(404)
    return _document_response(documents.record_paragraph(record, str(get_locale())), fmt)


@bp.route("/staff/monitoring/calls/<int:call_id>/mvi-paragraph.<any(odt, pdf):fmt>")
@require(can_manage_monitoring)
def call_document(call_id: int, fmt: str):
    """For staff, also before publication: the proposal to the college often comes first."""
    call = db.session.get(Call, call_id) or abort(404)
    return _document_response(documents.call_paragraph(call, str(get_locale())), fmt)


@bp.route("/monitoring/categories/<category_slug>/mvi-report-<int:year>.<any(odt, pdf):fmt>")
def category_report(category_slug: str, year: int, fmt: str):
    """Public like the dashboard whose figures it holds."""
    category = db.session.scalar(select(Category).where(Category.slug == category_slug)) or abort(404)
    if year not in yearly_counts.available_years(db.session, now_utc()):
        abort(404)
    document = documents.category_report(db.session, category, year, str(get_locale()), now_utc())
    return _document_response(document, fmt)


# --- staff: register entries, contracts, results --------------------------------------------


def _url_with_ids(endpoint: str, *names: str) -> Callable[..., str]:
    """url_for once, for lists: the URL of each row with its ids put in (url_for is some 10 µs a call)."""
    samples = {name: 987_654_321 + n for n, name in enumerate(names)}
    pattern = url_for(endpoint, **samples)
    for name, sample in samples.items():
        pattern = pattern.replace(str(sample), "{" + name + "}")
    return pattern.format


def _label(text: str) -> Markup:
    """A translated label with %(…)s parts, once per list: `_label(t) % values` is what `_(t, **values)`
    gives in a template (its values escaped)."""
    return Markup(_(text))  # noqa: S704 - a translation of our own text; the values are escaped by %


@bp.route("/staff/monitoring")
@require(can_manage_monitoring)
def staff_overview():
    """The lists walk the register, every award and the contracts: they are rendered once (their
    URLs and labels made once per list) and kept under the monitoring data's version
    (figures_version.py, read first) and the language."""
    version = figures_version.current(db.session)
    waiting, contracts = fingerprint_cache.remember(f"staff-monitoring|{version}|{get_locale()}", _staff_lists)
    return render_template("monitoring/staff.html", waiting=Markup(waiting),  # noqa: S704 - rendered by Jinja
                           contracts=Markup(contracts),  # noqa: S704 - rendered by Jinja, from escaped values
                           is_manager=talks.is_manager(db.session, current_user.id))


def _staff_lists() -> tuple[str, str]:
    """The lists, rendered (the same for every member of staff)."""
    locale = str(get_locale())
    edit_record, edit_call = _url_with_ids("monitoring.edit_record", "record_id"), _url_with_ids(
        "calls.edit_call", "call_id")
    add_explanation, levels = _label("Add the explanation for “%(title)s”"), _label(
        "level %(applied)d of target %(target)d")
    lacking = [(edit_record(record_id=row.id) if row.is_external else edit_call(call_id=row.call_id),
                add_explanation % {"title": row.title}, row.category_name(locale),
                levels % {"applied": row.applied_level, "target": row.target_level}, row.manager)
               for row in services.records_lacking_explanation_rows(db.session)]
    record_contract, for_proposal = _url_with_ids("monitoring.new_contract", "record_id", "proposal"), _label(
        "Record the contract for “%(title)s”")
    awaiting = [(record_contract(record_id=row.record_id, proposal=row.proposal_id),
                 for_proposal % {"title": row.title}, row.organisation, row.record_title)
                for row in services.awarded_without_contract_rows(db.session)]
    manage, manage_label = _url_with_ids("monitoring.manage_contract", "contract_id"), _label("Manage “%(title)s”")
    signed, private = _label("signed %(date)s"), _("a private person (name not published)")
    contracts = [(manage(contract_id=line.id), manage_label % {"title": line.title},
                  private if line.has_private_supplier else line.supplier_name, money(line.value_cents),
                  signed % {"date": local_date(line.signed_on)})
                 for line in services.latest_contract_lines(db.session, limit=50)]
    return (render_template("monitoring/_staff_waiting.html", lacking=lacking, awaiting=awaiting),
            render_template("monitoring/_staff_contracts.html", contracts=contracts))


# --- staff: result talks per manager and per department --------------------------------------


def _talk_year() -> tuple[int, list[int]]:
    """The year from the query string; an unknown one falls back to this year, quietly."""
    years = yearly_counts.available_years(db.session, now_utc())
    chosen = request.args.get("year", type=int)
    return (chosen if chosen in years else years[0]), years


def _talk_subject(kind: str, subject_id: int) -> User | Department:
    """A manager is staff or answers for a procurement; anyone else is no talk (and no name shown)."""
    if kind == "departments":
        return db.session.get(Department, subject_id) or abort(404)
    user = db.session.get(User, subject_id)
    if user is None or not (is_staff(user) or talks.is_manager(db.session, user.id)):
        abort(404)
    return user


@bp.route("/staff/monitoring/talks")
@require(can_see_result_talks)
def talk_list():
    year, years = _talk_year()
    return render_template("monitoring/talks.html", year=year, years=years,
                           managers=talks.managers_of_year(db.session, year),
                           departments=talks.departments_of_year(db.session, year))


@bp.route("/staff/monitoring/talks/<any(managers, departments):kind>/<int:subject_id>")
@require(can_see_result_talks)
def talk(kind: str, subject_id: int):
    year, years = _talk_year()
    subject = _talk_subject(kind, subject_id)
    figures = talks.result_talk(db.session, subject, year, to_local(now_utc()).date())
    return render_template("monitoring/talk.html", talk=figures, kind=kind, years=years,
                           recent_days=talks.RECENT_UPDATE_DAYS)


@bp.route("/staff/monitoring/talks/<any(managers, departments):kind>/<int:subject_id>/"
          "<any(procurements, results):part>.csv")
@require(can_see_result_talks)
def talk_csv(kind: str, subject_id: int, part: str):
    year, _years = _talk_year()
    subject = _talk_subject(kind, subject_id)
    figures = talks.result_talk(db.session, subject, year, to_local(now_utc()).date())
    name = f"result-talk-{kind[:-1]}-{subject.id}-{year}-{part}.csv"
    if part == "procurements":
        return streamed_csv_response(name, *talk_exports.procurement_table(figures, str(get_locale())))
    return streamed_csv_response(name, *talk_exports.result_table(figures, str(get_locale())))


@bp.route("/staff/monitoring/records/new", methods=["GET", "POST"], defaults={"record_id": None})
@bp.route("/staff/monitoring/records/<int:record_id>", methods=["GET", "POST"])
@require(can_manage_monitoring)
def edit_record(record_id: int | None):
    record = None
    if record_id is not None:
        record = db.session.get(ProcurementRecord, record_id) or abort(404)
        if not record.is_external:  # a call's entry follows the call
            return redirect(url_for("calls.edit_call", call_id=record.call_id))
    form = RecordForm(obj=record)
    locale = str(get_locale())
    form.category_id.choices = [(c.id, c.localised("name", locale) + " — " + _("target level %(n)d", n=c.target_level))
                                for c in all_categories(db.session, locale)]
    form.department_id.choices = department_choices(db.session, locale)
    form.manager_id.choices = manager_choices(db.session)
    if record is not None and not form.is_submitted():
        form.target_level.data = str(record.target_level)
        form.applied_level.data = str(record.applied_level)
        form.department_id.data = record.department_id or 0
        form.manager_id.data = record.manager_id or 0
        form.estimated_value.data = record.estimated_value_cents
    if form.validate_on_submit():
        category = db.session.get(Category, form.category_id.data)

        def save() -> ProcurementRecord:
            if category is None:
                raise DomainError(_("Choose a category."), field="category_id")
            return services.save_record(
                db.session, current_user, record,
                title=form.title.data, reference=form.reference.data or "", description=form.description.data or "",
                category=category, department=db.session.get(Department, form.department_id.data or 0),
                manager=staff_member(db.session, form.manager_id.data), target_level=int(form.target_level.data),
                applied_level=int(form.applied_level.data), explanation=form.explanation.data or "",
                published_on=form.published_on.data, estimated_value_cents=form.estimated_value.data,
            )

        if (saved := run_action(save, form=form).value) is not None:
            if saved.lacks_explanation:
                flash(_("Saved. This tender is below its target level and still lacks an explanation."), "warning")
            else:
                flash(_("The tender has been saved in the register."), "success")
            return redirect(url_for("monitoring.record_detail", record_id=saved.id))
    return render_template("monitoring/record_form.html", form=form, record=record,
                           level_choices=LEVEL_CHOICES), status_for(form)


def _load_contract(contract_id: int) -> Contract:
    return db.session.get(Contract, contract_id) or abort(404)


@bp.route("/staff/monitoring/records/<int:record_id>/contracts/new", methods=["GET", "POST"])
@require(can_manage_monitoring)
def new_contract(record_id: int):
    return _contract_form(None, db.session.get(ProcurementRecord, record_id) or abort(404))


@bp.route("/staff/monitoring/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@require(can_manage_monitoring)
def edit_contract(contract_id: int):
    contract = _load_contract(contract_id)
    return _contract_form(contract, contract.record)


def _contract_form(contract: Contract | None, record: ProcurementRecord):
    form = ContractForm(obj=contract)
    proposals = services.awarded_proposals(db.session, record)
    private_person = _("a private person")
    form.proposal_id.choices = [(0, _("— not from a proposal on this platform —"))] + [
        (p.id, p.submitted_title + " — " + (p.organisation.name if p.organisation else private_person))
        for p in proposals]
    if not form.is_submitted():
        if contract is not None:
            form.proposal_id.data = contract.proposal_id or 0
            form.value.data = contract.value_cents
        elif request.args.get("proposal", type=int) in {p.id for p in proposals}:
            form.proposal_id.data = request.args.get("proposal", type=int)
    if form.validate_on_submit():
        proposal = next((p for p in proposals if p.id == form.proposal_id.data), None)
        outcome = run_action(lambda: services.save_contract(
            db.session, current_user, contract, record=record, proposal=proposal,
            supplier_name=form.supplier_name.data or "", title=form.title.data, value_cents=form.value.data,
            signed_on=form.signed_on.data, ends_on=form.ends_on.data,
        ), form=form, success=_("The contract has been saved. Add the agreed targets below."))
        if outcome.ok:
            return redirect(url_for("monitoring.manage_contract", contract_id=outcome.value.id))
    return render_template("monitoring/contract_form.html", form=form, contract=contract,
                           record=record), status_for(form)


def _target_form() -> TargetForm:
    form = TargetForm()
    locale = str(get_locale())
    form.social_value_id.choices = [(v.id, v.localised("name", locale)) for v in all_social_values(db.session, locale)]
    return form


def _render_manage(contract: Contract, *, target_form: TargetForm | None = None, update_form=None,
                   status: int = 200):
    locale = str(get_locale())
    return render_template(
        "monitoring/manage_contract.html", contract=contract,
        target_form=target_form or _target_form(),
        update_form=update_form or result_update_form(contract.targets, locale, formdata=None),
    ), status


@bp.route("/staff/monitoring/contracts/<int:contract_id>")
@require(can_manage_monitoring)
def manage_contract(contract_id: int):
    return _render_manage(_load_contract(contract_id))


@bp.route("/staff/monitoring/contracts/<int:contract_id>/targets", methods=["POST"])
@require(can_manage_monitoring)
def add_target(contract_id: int):
    contract = _load_contract(contract_id)
    form = _target_form()
    if form.validate_on_submit():
        value = db.session.get(SocialValue, form.social_value_id.data)

        def add() -> None:
            if value is None:
                raise DomainError(_("Choose a social value."), field="social_value_id")
            services.add_target(db.session, current_user, contract, social_value=value,
                                indicator=form.indicator.data, unit=TargetUnit(form.unit.data),
                                agreed_value=form.agreed_value.data)

        if run_action(add, form=form, success=_("The target has been added.")).ok:
            return redirect(url_for("monitoring.manage_contract", contract_id=contract.id) + "#targets")
    return _render_manage(_load_contract(contract_id), target_form=form, status=400)


@bp.route("/staff/monitoring/contracts/<int:contract_id>/targets/<int:target_id>/remove", methods=["POST"])
@require(can_manage_monitoring)
def remove_target(contract_id: int, target_id: int):
    target = db.session.get(ContractTarget, target_id)
    if target is None or target.contract_id != contract_id:
        abort(404)
    run_action(lambda: services.remove_target(db.session, current_user, target),
               success=_("The target has been removed."))
    return redirect(url_for("monitoring.manage_contract", contract_id=contract_id) + "#targets")


@bp.route("/staff/monitoring/contracts/<int:contract_id>/updates", methods=["POST"])
@require(can_manage_monitoring)
def add_update(contract_id: int):
    contract = _load_contract(contract_id)
    form = result_update_form(contract.targets, str(get_locale()))
    if form.validate_on_submit():
        measured: dict[int, Decimal | None] = {t.id: getattr(form, f"target_{t.id}").data for t in contract.targets}
        if run_action(lambda: services.add_result_update(
            db.session, current_user, contract, reported_on=form.reported_on.data,
            today=to_local(now_utc()).date(), progress_percent=form.progress_percent.data,
            note=form.note.data or "", measured=measured,
        ), form=form, success=_("The result has been recorded.")).ok:
            return redirect(url_for("monitoring.manage_contract", contract_id=contract.id) + "#results")
    return _render_manage(_load_contract(contract_id), update_form=form, status=400)
