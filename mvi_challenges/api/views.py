"""Read-only open data under /api/v1/ (JSON), described by an OpenAPI document, and OCDS.

Every JSON response can be cached and reused by anyone: it depends only on the URL (names come
in both languages), carries an ETag for conditional requests and allows any origin (CORS), as
open data should. Query values are checked strictly (params.py); errors are JSON too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Blueprint, Response, render_template, request
from sqlalchemy import Select, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException
from werkzeug.http import is_resource_modified

from ..calls import kept_counts
from ..calls.models import Call, CallKind, PublicState
from ..calls.services import CallFilters
from ..catalogue.models import Category, Department, SocialValue
from ..catalogue.services import all_departments, all_social_values
from ..consultations import lifecycle as consultation_lifecycle
from ..consultations import services as consultation_services
from ..consultations.lifecycle import Stage as ConsultationStage
from ..core.db import REPLICA, db, use_replica
from ..core.errors import render_error
from ..core.pagination import Counter, paginate_by_key
from ..core.timezones import request_time
from ..criteria.services import LibraryFilters, all_principles, library
from ..dialogues.models import DialogueKind
from ..lessons import services as lesson_services
from ..monitoring import yearly_counts
from ..monitoring.services import RegisterFilters, register_query
from ..pipeline import services as pipeline_services
from . import ocds, openapi, queries, releases, serializers
from .params import MAX_PER_PAGE, ApiError, Params

bp = Blueprint("api", __name__)
bp.before_request(use_replica)  # open data only reads, and a few seconds' lag is harmless
log = logging.getLogger(__name__)

PREFIX = "/api/v1"
CATALOGUE_HINT = f"{PREFIX}/catalogue"
Json = dict[str, Any]


# --- responses and errors ------------------------------------------------------------------


def json_response(payload: Any, status: int = 200) -> Response:
    """JSON with an ETag (If-None-Match → 304), public caching and CORS for any origin."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    if status != 200:
        response.headers["Cache-Control"] = "no-cache"
        return response
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)


def json_text_response(body: str, etag: str) -> Response:
    """Like json_response, for a body already serialised (stored OCDS releases), with the ETag its
    caller derived from what the body is made of (hashing a megabyte per request cost more)."""
    response = Response(body, status=200, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(etag)
    return response.make_conditional(request)


def _error(status: int, message: str, parameter: str | None = None) -> Response:
    name = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 500: "internal_error"}.get(
        status, "error")
    return json_response({"status": status, "error": name, "message": message, "parameter": parameter}, status)


def _is_api_request() -> bool:
    return request.path.startswith(PREFIX + "/") or request.path == PREFIX


@bp.errorhandler(ApiError)
def api_error(error: ApiError) -> Response:
    return _error(error.status, error.message, error.parameter)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    if not _is_api_request():
        return render_error(error.code or 400)
    code = error.code or 500
    message = "Not found." if code == 404 else (error.description or error.name)
    return _error(code, message)


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    if not _is_api_request():
        return render_error(500)
    return _error(500, "Something went wrong on our side; it has been logged.")


# --- pagination ------------------------------------------------------------------------------


def _filter_args(names: Sequence[str]) -> dict[str, str]:
    """The filters of this request as given, to repeat in the page links."""
    return {name: request.args[name].strip() for name in names if request.args.get(name, "").strip()}


def paginated(stmt: Select, params: Params, endpoint: str, filter_names: Sequence[str],
              serialize: Callable[[list[Any]], list[Json]], *, default_per_page: int | None = None,
              key: Any = None, load: Callable[[list[Any]], Iterable[Any]] | None = None,
              counter: Counter | None = None) -> Json:
    """One page of `stmt` as {items, page, per_page, total, pages, links}; past the last page is a 404.

    With `key` (the model's id, last in the order) deep pages are read through the index, and
    `load` may turn the page's keys into its items (instead of the statement's objects)."""
    page, per_page = params.page(default_per_page=default_per_page)
    result = paginate_by_key(stmt, key, page=page, per_page=per_page, error_out=False, load=load, counter=counter) \
        if key is not None else db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    if page > 1 and page > result.pages:
        raise ApiError(404, f"Page {page} does not exist; there are {result.pages} pages.", "page")
    return {"items": serialize(list(result.items)), "page": page, "per_page": per_page, "total": result.total,
            "pages": result.pages, "links": page_links(endpoint, filter_names, page, per_page, result.pages)}


def page_links(endpoint: str, filter_names: Sequence[str], page: int, per_page: int, pages: int) -> Json:
    args = _filter_args(filter_names)

    def link(number: int) -> str:
        return serializers.absolute(endpoint, **args, page=number, per_page=per_page)

    return {"self": link(page), "next": link(page + 1) if page < pages else None,
            "prev": link(page - 1) if page > 1 else None}


# --- catalogue lookups -----------------------------------------------------------------------


def _by_slug(model: type) -> dict[str, Any]:
    return {item.slug: item for item in db.session.scalars(select(model))}


def _catalogue_entry(params: Params, name: str, model: type) -> Any:
    """The catalogue entry the filter `name` names (an unknown slug is a 400), or None when the
    filter is not given: the catalogue is read only when a filter asks for it."""
    if not params.given(name):
        return None
    known = _by_slug(model)
    slug = params.slug(name, known, CATALOGUE_HINT)
    return known[slug] if slug else None


def _category(params: Params) -> Category | None:
    return _catalogue_entry(params, "category", Category)


def _department(params: Params) -> Department | None:
    return _catalogue_entry(params, "department", Department)


# --- pages for people -------------------------------------------------------------------------


@bp.route("/open-data")
def index():
    """A page for people: what is published as open data, and where."""
    return render_template("api/index.html")


# --- JSON ------------------------------------------------------------------------------------


@bp.route(f"{PREFIX}/")
def root():
    links = {name: serializers.absolute(endpoint) for name, endpoint in (
        ("calls", "api.call_list"), ("dialogues", "api.dialogue_list"),
        ("consultations", "api.consultation_list"), ("decisions", "api.decision_list"),
        ("register", "api.register_list"), ("contracts", "api.contract_list"), ("monitoring", "api.figures"),
        ("catalogue", "api.catalogue"), ("principles", "api.principle_list"), ("criteria", "api.criteria_list"),
        ("openapi", "api.openapi_document"), ("ocds", "api.ocds_releases"),
        ("pipeline", "api.pipeline_list"), ("lessons", "api.lesson_list"), ("html", "api.index"))}
    return json_response({"name": "MVI Challenges open data",
                          "description": "Open data of the municipality of Utrecht on socially responsible "
                                         "procurement (MVI): calls, dialogues, decisions, contracts and results.",
                          "license": ocds.LICENSE, "links": links})


@bp.route(f"{PREFIX}/openapi.json")
def openapi_document():
    return json_response(openapi.document(serializers.absolute("api.root").rstrip("/")))


CALL_FILTERS = ("kind", "category", "level", "value", "state", "q")


@bp.route(f"{PREFIX}/calls")
def call_list():
    params = Params(request.args)
    category = _category(params)
    value = params.slug("value", _by_slug(SocialValue), CATALOGUE_HINT) if params.given("value") else None
    states = [s.value for s in PublicState if s is not PublicState.DRAFT]
    state = params.choice("state", states)
    filters = CallFilters(kind=params.member("kind", CallKind), category_slug=category.slug if category else None,
                          level=params.level(), value_slug=value, state=PublicState(state) if state else None,
                          text=params.text("q"))
    now = request_time()

    def serialize(calls: list[queries.CallData]) -> list[Json]:
        links = serializers.CallLinks()
        return [serializers.call(c, now, links) for c in calls]

    return json_response(paginated(queries.calls_query(filters, now), params, "api.call_list", CALL_FILTERS,
                                   serialize, key=Call.id, load=lambda ids: queries.public_call_data(db.session, ids),
                                   counter=lambda count: kept_counts.public_count(
                                       db.session, filters, filters.state is not None, now, count)))


@bp.route(f"{PREFIX}/calls/<slug>")
def call_detail(slug: str):
    call_id = queries.public_call_id(db.session, slug)
    if call_id is None:
        raise ApiError(404, f"No published call {slug[:80]!r}.")
    return json_response(serializers.call(queries.public_call_data(db.session, [call_id])[0], request_time(),
                                          serializers.CallLinks()))


@bp.route(f"{PREFIX}/decisions")
def decision_list():
    params = Params(request.args)
    call_slug = params.text("call")
    call_id = None
    if call_slug:
        call = queries.public_call(db.session, call_slug)
        if call is None:
            raise ApiError(400, f"No published call {call_slug[:80]!r}.", "call")
        call_id = call.id

    def serialize(phases: list) -> list[Json]:
        decided = queries.phase_decisions(db.session, phases)
        return [serializers.phase_decisions(decided[phase.id]) for phase in phases]

    return json_response(paginated(queries.published_phases_query(call_id), params, "api.decision_list", ("call",),
                                   serialize))


DIALOGUE_FILTERS = ("when", "kind", "category")


@bp.route(f"{PREFIX}/dialogues")
def dialogue_list():
    params = Params(request.args)
    category = _category(params)
    filters = queries.DialogueFilters(when=params.choice("when", ("upcoming", "past")),
                                   kind=params.member("kind", DialogueKind),
                                   category_slug=category.slug if category else None)

    def serialize(dialogues: list) -> list[Json]:
        extras = queries.dialogue_extras(db.session, dialogues)
        return [serializers.dialogue(d, extras) for d in dialogues]

    return json_response(paginated(queries.dialogues_query(filters, request_time()), params, "api.dialogue_list",
                                   DIALOGUE_FILTERS, serialize))


@bp.route(f"{PREFIX}/dialogues/<slug>")
def dialogue_detail(slug: str):
    dialogue = queries.public_dialogue(db.session, slug)
    if dialogue is None:
        raise ApiError(404, f"No public dialogue {slug[:80]!r}.")
    return json_response(serializers.dialogue(dialogue, queries.dialogue_extras(db.session, [dialogue])))


CONSULTATION_FILTERS = ("stage", "category")


@bp.route(f"{PREFIX}/consultations")
def consultation_list():
    """Public market consultations: the document, the numbered questions and, once published, the
    summary per theme. Never the answers: they are the companies' own (consultations/permissions.py)."""
    params = Params(request.args)
    category = _category(params)
    stage = params.choice("stage", ("open", "closed", "summarised"))
    stmt = consultation_services.public_query(category_slug=category.slug if category else None,
                                              stage=ConsultationStage(stage) if stage else None, now=request_time())
    now = request_time()
    return json_response(paginated(stmt, params, "api.consultation_list", CONSULTATION_FILTERS,
                                   lambda items: [serializers.consultation(c, now) for c in items]))


@bp.route(f"{PREFIX}/consultations/<slug>")
def consultation_detail(slug: str):
    consultation = consultation_services.find_by_slug(db.session, slug)
    if consultation is None or not consultation_lifecycle.is_public(consultation):
        raise ApiError(404, f"No public market consultation {slug[:80]!r}.")
    return json_response(serializers.consultation(consultation, request_time()))


REGISTER_FILTERS = ("year", "category", "department", "level", "source", "below")


@bp.route(f"{PREFIX}/register")
def register_list():
    params = Params(request.args)
    category, department = _category(params), _department(params)
    below = params.choice("below", ("below", "unexplained"))
    filters = RegisterFilters(year=params.year(), category_id=category.id if category else None,
                              department_id=department.id if department else None, applied_level=params.level(),
                              below_target=below == "below", lacks_explanation=below == "unexplained",
                              source=params.choice("source", ("platform", "external")))
    return json_response(paginated(queries.with_record_details(register_query(filters)), params, "api.register_list",
                                   REGISTER_FILTERS, lambda records: [serializers.record(r) for r in records]))


PIPELINE_FILTERS = ("category", "quarter", "value")


def _value(params: Params) -> SocialValue | None:
    return _catalogue_entry(params, "value", SocialValue)


@bp.route(f"{PREFIX}/pipeline")
def pipeline_list():
    """The public procurement pipeline, in the order of the expected start."""
    params = Params(request.args)
    category, value = _category(params), _value(params)
    quarter = params.text("quarter")
    if quarter and pipeline_services.parse_quarter(quarter) is None:
        raise ApiError(400, "'quarter' is a year and quarter such as 2027-Q1.", "quarter")
    filters = pipeline_services.PipelineFilters(category_slug=category.slug if category else "", quarter=quarter,
                                                value_slug=value.slug if value else "")
    return json_response(paginated(pipeline_services.public_pipeline_query(filters), params, "api.pipeline_list",
                                   PIPELINE_FILTERS, lambda items: [serializers.planned_purchase(i) for i in items]))


LESSON_FILTERS = ("category", "value", "q")


@bp.route(f"{PREFIX}/lessons")
def lesson_list():
    """Public lessons learned, newest first; internal lessons are never included."""
    params = Params(request.args)
    category, value = _category(params), _value(params)
    filters = lesson_services.LessonFilters(text=params.text("q"), category_slug=category.slug if category else "",
                                            value_slug=value.slug if value else "")
    return json_response(paginated(lesson_services.search_query(filters), params, "api.lesson_list",
                                   LESSON_FILTERS, lambda items: [serializers.lesson(i) for i in items]))


CONTRACT_FILTERS = ("year", "category", "department", "record")


@bp.route(f"{PREFIX}/contracts")
def contract_list():
    params = Params(request.args)
    category, department = _category(params), _department(params)
    filters = queries.ContractFilters(year=params.year(), category_id=category.id if category else None,
                                   department_id=department.id if department else None,
                                   record_id=params.integer("record", default=None, minimum=1, maximum=2**31 - 1))
    return json_response(paginated(queries.contracts_query(filters), params, "api.contract_list", CONTRACT_FILTERS,
                                   lambda contracts: [serializers.contract(c) for c in contracts]))


@bp.route(f"{PREFIX}/monitoring")
def figures():
    params = Params(request.args)
    now = request_time()
    years = yearly_counts.available_years(db.session, now)
    year = params.integer("year", default=years[0], minimum=min(years), maximum=max(years))
    category, department = _category(params), _department(params)
    assert year is not None
    filters = yearly_counts.DashboardFilters(year=year, category_id=category.id if category else None,
                                                  department_id=department.id if department else None)
    result = yearly_counts.dashboard(db.session, filters, now)
    return json_response(serializers.figures(result, category=category, department=department, years=years))


@bp.route(f"{PREFIX}/catalogue")
def catalogue():
    categories = sorted(db.session.scalars(select(Category).options(selectinload(Category.social_values))),
                        key=lambda c: c.slug)
    values = sorted(all_social_values(db.session), key=lambda v: v.slug)
    departments = sorted(all_departments(db.session), key=lambda d: d.slug)
    return json_response(serializers.catalogue(categories, values, departments))


@bp.route(f"{PREFIX}/principles")
def principle_list():
    """The leading principles with their social values, library criteria and calls per year (the
    monitoring's effort per principle, for every year the dashboard offers)."""
    items = sorted(all_principles(db.session), key=lambda p: p.slug)
    years = yearly_counts.available_years(db.session, request_time())
    per_year = {year: {row.principle.id: row.calls
                       for row in yearly_counts.principle_rows(db.session, yearly_counts.DashboardFilters(year=year))}
                for year in years}
    return json_response(serializers.principles(items, library(db.session), per_year))


@bp.route(f"{PREFIX}/criteria")
def criteria_list():
    """The MVI criteria library per category and level (retired criteria marked, as calls still use them)."""
    params = Params(request.args)
    category = _category(params)
    level = params.integer("level", default=None, minimum=1, maximum=3)
    return json_response(serializers.library(library(db.session, LibraryFilters(
        category_id=category.id if category else None, level=level))))


@bp.route(f"{PREFIX}/ocds/releases.json")
def ocds_releases():
    """A page of contracting processes: the public calls' stored releases, then the planning
    processes of the planned purchases (public, or public once: their releases stay), each
    concatenated as stored (no release is rebuilt per request). The calls come first, in id order,
    so their pages stay where they were; the plans fill the pages after them. One query counts both;
    a page reads the keys and stored releases of its calls, and of its plans only when it has any.

    The ETag follows from what the page is made of (ocds.package_etag), not from hashing its
    megabyte; a conditional request first reads only which releases the page holds, and when the
    client's copy is current it gets its 304 without any release text being read."""
    params = Params(request.args)
    page, per_page = params.page(default_per_page=MAX_PER_PAGE)
    keys = releases.package_keys(db.session, page, per_page)
    if page > 1 and page > keys.pages:
        raise ApiError(404, f"Page {page} does not exist; there are {keys.pages} pages.", "page")
    links = page_links("api.ocds_releases", (), page, per_page, keys.pages)
    if request.if_none_match and (known := _known_parts(keys)) is not None:
        etag = ocds.package_etag(_package_envelope(links, known), known.versions)
        if not is_resource_modified(request.environ, etag):
            return json_text_response("", etag)  # the client's copy is current: 304
    parts = _package_parts(keys)
    envelope = _package_envelope(links, parts)
    return json_text_response(ocds.package_text(envelope, parts.texts), ocds.package_etag(envelope, parts.versions))


def _package_envelope(links: Json, parts: releases.PackageParts) -> Json:
    return ocds.package_envelope(uri=links["self"], published=parts.published, fallback_date=request_time(),
                                 links={key: links[key] for key in ("next", "prev") if links[key]})


def _package_parts(keys: releases.PackageKeys) -> releases.PackageParts:
    """The stored releases of the page's calls, then of its plans (no query when it has none); a call
    or plan without releases yet gets them written now."""
    stored = releases.stored_page(db.session, keys.call_ids)
    if missing := set(keys.call_ids) - stored.keys:
        stored = _fill_missing(keys.call_ids, missing) or stored
    planned = releases.stored_page(db.session, keys.plan_ids, plans=True)
    if missing_plans := set(keys.plan_ids) - planned.keys:
        planned = _fill_missing_plans(keys.plan_ids, missing_plans) or planned
    return releases.package_parts(stored, planned)


def _known_parts(keys: releases.PackageKeys) -> releases.PackageParts | None:
    """Which stored releases the page holds, without their texts (enough for its ETag); None while a
    call or plan of the page has none yet (`_package_parts` writes them)."""
    stored = releases.stored_page(db.session, keys.call_ids, bodies=False)
    planned = releases.stored_page(db.session, keys.plan_ids, plans=True, bodies=False)
    if stored.keys != set(keys.call_ids) or planned.keys != set(keys.plan_ids):
        return None
    return releases.package_parts(stored, planned)


def _fill_missing(call_ids: list[int], missing: set[int]) -> releases.StoredPage | None:
    """Releases for public calls that have none yet (data older than the release store): written
    now, on the primary, once; later requests read them. Returns the page's rows, or None when
    the write failed (a racing request wrote them; the page then shows what it read)."""
    return _write_missing(
        call_ids, lambda: releases.record_releases(db.session, list(db.session.scalars(
            queries.public_calls_by_id().where(Call.id.in_(sorted(missing)))))),
        failure=f"Could not store the OCDS releases of calls {sorted(missing)}")


def _fill_missing_plans(plan_ids: list[int], missing: set[int]) -> releases.StoredPage | None:
    """The first planning release of public plans that have none yet (plans from before the release
    store), as `_fill_missing` does for calls. A plan that was never public is not on the page at all."""
    return _write_missing(
        plan_ids, lambda: releases.record_plan_releases(db.session, list(db.session.scalars(
            pipeline_services.plans_for_open_data(sorted(missing))).unique())),
        failure=f"Could not store the OCDS planning releases of plans {sorted(missing)}", plans=True)


def _write_missing(ids: list[int], record: Callable[[], Any], *, failure: str,
                   plans: bool = False) -> releases.StoredPage | None:
    db.session.info[REPLICA] = False  # the write and what is read back go to the primary
    try:
        record()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception(failure)
        return None
    return releases.stored_page(db.session, ids, plans=plans)
