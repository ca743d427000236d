"""The JSON open data API: responses match the OpenAPI document, filters, paging, errors, caching,
and nothing private leaks."""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlalchemy import event, select

from mvi_challenges.calls.models import Call, Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.evaluation import services as evaluation

from . import world
from .conftest import OpenApi


def _get(client: FlaskClient, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    return response.get_json()


# --- the document ----------------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3_1(openapi: OpenApi) -> None:
    validate(openapi.document)  # raises on any error
    assert openapi.document["openapi"].startswith("3.1")
    assert openapi.document["servers"][0]["url"].endswith("/api/v1")


def test_every_api_route_is_documented_and_every_documented_path_exists(app: Flask, openapi: OpenApi) -> None:
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1") or "/"
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    assert routes == set(openapi.document["paths"])


def test_main_object_schemas_forbid_undocumented_keys(openapi: OpenApi) -> None:
    schemas = openapi.document["components"]["schemas"]
    for name in ("Call", "Phase", "Criterion", "Dialogue", "Consultation", "ConsultationTheme", "PhaseDecisions", "PublishedDecision",
                 "ProcurementRecord", "Contract", "ContractTarget", "ResultUpdate", "Figures", "Money", "Error"):
        assert schemas[name]["additionalProperties"] is False, name
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name


# --- every response matches its schema -------------------------------------------------------


def test_every_endpoint_response_matches_the_document(client: FlaskClient, populated: SimpleNamespace,
                                                      openapi: OpenApi) -> None:
    year = to_local(now_utc()).year
    slug = populated.sbir.slug
    urls = {
        "/": ["/api/v1/"],
        "/calls": ["/api/v1/calls", "/api/v1/calls?kind=sbir&per_page=1", "/api/v1/calls?state=cancelled"],
        "/calls/{slug}": [f"/api/v1/calls/{slug}", f"/api/v1/calls/{populated.cancelled.slug}",
                          f"/api/v1/calls/{populated.below.slug}"],
        "/decisions": ["/api/v1/decisions", f"/api/v1/decisions?call={slug}"],
        "/dialogues": ["/api/v1/dialogues", "/api/v1/dialogues?when=past", "/api/v1/dialogues?when=upcoming"],
        "/dialogues/{slug}": [f"/api/v1/dialogues/{populated.dialogue.reported.slug}",
                              f"/api/v1/dialogues/{populated.dialogue.upcoming.slug}"],
        "/consultations": ["/api/v1/consultations", "/api/v1/consultations?stage=summarised",
                           "/api/v1/consultations?stage=open"],
        "/consultations/{slug}": [f"/api/v1/consultations/{populated.consultation.slug}"],
        "/register": ["/api/v1/register", "/api/v1/register?below=unexplained"],
        "/contracts": ["/api/v1/contracts", f"/api/v1/contracts?year={year}"],
        "/monitoring": ["/api/v1/monitoring", "/api/v1/monitoring?category=openbare-ruimte&department=ruimte"],
        "/catalogue": ["/api/v1/catalogue"],
        "/principles": ["/api/v1/principles"],
        "/criteria": ["/api/v1/criteria", "/api/v1/criteria?category=ict&level=2"],
        # Filled with a planned purchase and lessons in tests/pipeline and tests/lessons (test_*_api.py).
        "/pipeline": ["/api/v1/pipeline"],
        "/lessons": ["/api/v1/lessons"],
        "/ocds/releases.json": ["/api/v1/ocds/releases.json", "/api/v1/ocds/releases.json?per_page=1",
                                "/api/v1/ocds/releases.json?per_page=1&page=2"],
    }
    assert set(urls) | {"/openapi.json"} == set(openapi.document["paths"])
    for path, examples in urls.items():
        for url in examples:
            openapi.check(path, _get(client, url))


def test_responses_are_populated_with_what_the_site_shows(client: FlaskClient, populated: SimpleNamespace) -> None:
    call = _get(client, f"/api/v1/calls/{populated.sbir.slug}")
    assert call["kind"] == "sbir" and call["status"] == "decided" and call["public_state"] == "decided"
    assert [p["number"] for p in call["phases"]] == [1, 2]
    assert [(c["name"], c["weight"]) for c in call["phases"][0]["criteria"]] == [("Impact", 60), ("Haalbaarheid", 40)]
    assert call["budget"] == {"amount_cents": 10_000_000, "amount": "100000.00", "currency": "EUR"}
    assert call["department"]["slug"] == "ruimte" and call["category"]["slug"] == "openbare-ruimte"
    assert {v["slug"] for v in call["social_values"]} == {"klimaat", "circulaire-economie"}
    assert call["documents"][0]["url"].endswith(f"/calls/{populated.sbir.slug}/documents/1")
    # The list shows the same (it reads documents only when a call of the page has any).
    listed = {c["slug"]: c for c in _get(client, "/api/v1/calls?per_page=100")["items"]}
    assert listed[populated.sbir.slug] == call
    assert listed[populated.below.slug]["documents"] == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", call["published_at"])
    below = _get(client, f"/api/v1/calls/{populated.below.slug}")
    assert below["below_target"] is True and below["target_level"] == 2 and below["ambition_level"] == 1
    assert below["level_explanation"] == "De markt is er nog niet klaar voor."
    assert _get(client, f"/api/v1/calls/{populated.cancelled.slug}")["status_reason"] == "Geen budget meer."

    contract = next(c for c in _get(client, "/api/v1/contracts")["items"] if c["id"] == populated.records.contract)
    assert contract["supplier_name"] == "Bedrijf Alfa" and contract["progress_percent"] == 60
    co2 = contract["targets"][0]
    assert (co2["agreed_value"], co2["realised_value"], co2["met"]) == ("120.50", "130.00", True)
    assert [u["note"] for u in contract["result_updates"]] == ["Eerste meting.", "Tweede meting."]

    register = _get(client, "/api/v1/register?below=unexplained")
    assert [r["reference"] for r in register["items"]] == ["EXT-2025-01"]
    assert register["items"][0]["explanation_pending"] is True
    assert register["items"][0]["estimated_value"]["amount"] == "123456.78"

    figures = _get(client, "/api/v1/monitoring")
    assert figures["calls_published"] == 3 and figures["awards"] == 1 and figures["contracts"] == 2
    assert figures["contract_value"]["amount_cents"] == 51_000_000


def test_published_decisions_mirror_the_call_page(app: Flask, client: FlaskClient, populated: SimpleNamespace) -> None:
    items = _get(client, f"/api/v1/decisions?call={populated.sbir.slug}")["items"]
    assert len(items) == 1 and items[0]["phase"]["number"] == 1 and items[0]["recusals"] == 1
    shown = {d["proposal_title"]: d for d in items[0]["decisions"]}
    assert set(shown) == {"Plan Alfa", "Plan van een inwoner", "Plan Gamma"}  # not the proposal that was not chosen
    assert shown["Plan Alfa"]["organisation"] == "Bedrijf Alfa"
    assert shown["Plan van een inwoner"]["organisation"] is None  # a private person is not named
    assert shown["Plan Gamma"]["requested_budget"] is None  # shortlisted: not funded
    assert shown["Plan Alfa"]["requested_budget"]["amount_cents"] == 1_000_000
    with app.app_context():  # the same scores as the evaluation service computes for the call page
        phase = db.session.scalar(select(Phase).where(Phase.call_id == populated.sbir.id, Phase.number == 1))
        results = {r.proposal_id: r for r in evaluation.results(db.session, phase)}
    for key, title in (("awarded", "Plan Alfa"), ("advanced", "Plan van een inwoner"), ("shortlisted", "Plan Gamma")):
        result = results[populated.proposals[key].id]
        assert shown[title]["score"] == round(result.score, 2)
        assert [s["score"] for s in shown[title]["criterion_scores"]] == [round(v, 2) for v in result.effective.values()]
    assert shown["Plan Alfa"]["criterion_scores"][0]["score"] == 9.0  # the consensus score counts


def test_dialogue_report_shows_visible_input_only(client: FlaskClient, populated: SimpleNamespace) -> None:
    dialogue = _get(client, f"/api/v1/dialogues/{populated.dialogue.reported.slug}")
    assert dialogue["related_call"]["slug"] == populated.sbir.slug
    assert dialogue["seats_left"] == 9
    report = dialogue["report"]
    assert [c["disposition"] for c in report["contributions"]] == ["adopted"]
    assert [c["slug"] for c in report["followup_calls"]] == [populated.sbir.slug]
    assert _get(client, f"/api/v1/dialogues/{populated.dialogue.upcoming.slug}")["report"] is None


def test_nothing_private_is_published(client: FlaskClient, populated: SimpleNamespace) -> None:
    urls = ["/api/v1/calls?per_page=100", "/api/v1/decisions?per_page=100", "/api/v1/dialogues?per_page=100",
            "/api/v1/register?per_page=100", "/api/v1/contracts?per_page=100", "/api/v1/monitoring",
            "/api/v1/catalogue", "/api/v1/ocds/releases.json",
            f"/api/v1/dialogues/{populated.dialogue.reported.slug}", f"/api/v1/calls/{populated.sbir.slug}"]
    everything = " ".join(client.get(url).get_data(as_text=True) for url in urls)
    for secret in (world.SECRET_ADDRESS, world.SECRET_URL, world.CONTACT_EMAIL, world.MANAGER_NAME, world.JUROR_NAME,
                   "Carla Burger", "Piet Participant", world.HIDDEN_INPUT, "Nog niet beantwoord", "Oud-collega",
                   populated.draft.title, "Nog geheim gesprek", "Plan Delta", "Bedrijf Delta", "Motivatie voor not_awarded",
                   "@example.org", "kvk"):
        assert secret not in everything, secret


def test_drafts_and_unknown_objects_are_404(client: FlaskClient, populated: SimpleNamespace, openapi: OpenApi) -> None:
    for url in (f"/api/v1/calls/{populated.draft.slug}", "/api/v1/calls/bestaat-niet", "/api/v1/dialogues/nog-geheim-gesprek",
                "/api/v1/dialogues/bestaat-niet"):
        body = _get(client, url, 404)
        openapi.check("/calls/{slug}" if "/calls/" in url else "/dialogues/{slug}", body, "404")


# --- filters and paging ----------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"schone-bouwplaats", "afgeblazen-uitvraag", "slimme-kantine"}),
    ("kind=sbir", {"schone-bouwplaats"}),
    ("category=catering", {"slimme-kantine"}),
    ("level=1", {"slimme-kantine"}),
    ("value=circulaire-economie", {"schone-bouwplaats"}),
    ("state=cancelled", {"afgeblazen-uitvraag"}),
    ("state=open", {"slimme-kantine"}),
    ("q=kantine", {"slimme-kantine"}),
    ("kind=challenge&level=3", {"afgeblazen-uitvraag"}),
])
def test_call_filters_work_like_the_site(client: FlaskClient, populated: SimpleNamespace, query: str,
                                         expected: set[str]) -> None:
    assert {c["slug"] for c in _get(client, f"/api/v1/calls?{query}")["items"]} == expected


def test_register_contract_and_dialogue_filters(client: FlaskClient, populated: SimpleNamespace) -> None:
    year = to_local(now_utc()).year

    def refs(query: str) -> set[str]:
        return {r["reference"] for r in _get(client, f"/api/v1/register?{query}")["items"]}

    assert refs("source=external") == {"EXT-2025-01"}
    assert refs("source=platform&level=1") == {populated.below.slug}
    assert refs("below=below") == {"EXT-2025-01", populated.below.slug}
    assert refs("category=catering&department=ruimte") == {populated.below.slug}
    assert refs(f"year={year + 1}") == set()
    contracts = _get(client, f"/api/v1/contracts?record={populated.records.external}")["items"]
    assert [c["supplier_name"] for c in contracts] == ["Schoon BV"]
    assert _get(client, f"/api/v1/contracts?year={year - 1}")["total"] == 0
    assert {d["slug"] for d in _get(client, "/api/v1/dialogues?when=past")["items"]} == {
        populated.dialogue.reported.slug}
    assert {d["slug"] for d in _get(client, "/api/v1/dialogues?kind=city")["items"]} == {
        populated.dialogue.upcoming.slug}
    figures = _get(client, "/api/v1/monitoring?category=catering")
    assert figures["filters"]["category"] == "catering" and figures["calls_published"] == 1


def test_lists_page_with_links(client: FlaskClient, populated: SimpleNamespace) -> None:
    first = _get(client, "/api/v1/register?per_page=3&source=platform")
    assert (first["page"], first["per_page"], first["total"], first["pages"], len(first["items"])) == (1, 3, 3, 1, 3)
    first = _get(client, "/api/v1/register?per_page=2")
    assert first["total"] == 4 and first["pages"] == 2 and first["links"]["prev"] is None
    second_url = first["links"]["next"]
    assert "page=2" in second_url and "per_page=2" in second_url
    parts = urlsplit(second_url)
    second = _get(client, f"{parts.path}?{parts.query}")
    assert second["links"]["next"] is None and "page=1" in second["links"]["prev"]
    assert {r["id"] for r in first["items"]}.isdisjoint({r["id"] for r in second["items"]})
    filtered = _get(client, "/api/v1/calls?kind=challenge&per_page=1")
    assert "kind=challenge" in filtered["links"]["next"]
    past_the_end = _get(client, "/api/v1/register?per_page=2&page=3", 404)
    assert past_the_end["parameter"] == "page"


@pytest.mark.parametrize("url", [
    "/api/v1/calls?page=abc", "/api/v1/calls?page=0", "/api/v1/calls?page=-1", "/api/v1/calls?page=99999999999999",
    "/api/v1/calls?per_page=100000", "/api/v1/calls?per_page=0", "/api/v1/calls?per_page=1.5",
    "/api/v1/calls?kind=tender", "/api/v1/calls?category=bestaat-niet", "/api/v1/calls?level=4",
    "/api/v1/calls?level=%C2%B2", "/api/v1/calls?value=geluk", "/api/v1/calls?state=draft", "/api/v1/calls?q=" + "x" * 300,
    "/api/v1/calls?page=1&page=2", "/api/v1/calls?page=--5", "/api/v1/calls?page=%D9%A3", "/api/v1/calls?page=%2B2", "/api/v1/dialogues?when=tomorrow", "/api/v1/dialogues?kind=party",
    "/api/v1/register?year=abc", "/api/v1/register?year=99999", "/api/v1/register?year=0", "/api/v1/register?source=x",
    "/api/v1/register?below=yes", "/api/v1/register?department=nergens", "/api/v1/contracts?record=abc",
    "/api/v1/contracts?record=99999999999", "/api/v1/contracts?year=-5", "/api/v1/monitoring?year=abc",
    "/api/v1/monitoring?year=1990", "/api/v1/monitoring?year=99999", "/api/v1/monitoring?category=onbekend",
    "/api/v1/decisions?call=bestaat-niet", "/api/v1/ocds/releases.json?per_page=101", "/api/v1/calls?q=a%00b",
])
def test_bad_query_values_are_a_clear_400(client: FlaskClient, populated: SimpleNamespace, openapi: OpenApi,
                                          url: str) -> None:
    body = _get(client, url, 400)
    openapi.check("/calls", body, "400")
    assert body["status"] == 400 and body["message"]
    parameter = re.search(r"\?(\w+)=", url).group(1)  # type: ignore[union-attr]
    if "%00" not in url:  # NUL characters are refused before any parameter is read
        assert body["parameter"] == parameter


# --- HTTP behaviour --------------------------------------------------------------------------


def test_an_unexpected_error_is_a_json_500(client: FlaskClient, openapi: OpenApi, monkeypatch) -> None:
    from mvi_challenges.api import views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views.serializers, "catalogue", broken)
    response = client.get("/api/v1/catalogue")
    assert response.status_code == 500 and response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert body["error"] == "internal_error" and "boom" not in body["message"]
    assert openapi.errors({"$ref": "#/components/schemas/Error"}, body) == []


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/calls", "/api/v1/monitoring", "/api/v1/openapi.json",
                                 "/api/v1/ocds/releases.json", "/api/v1/catalogue"])
def test_etag_conditional_requests_caching_and_cors(client: FlaskClient, populated: SimpleNamespace,
                                                    url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    etag = first.headers["ETag"]
    assert client.get(url).headers["ETag"] == etag  # the same data, the same version
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_logged_in_visitors_get_the_same_shareable_response(app: Flask, client: FlaskClient,
                                                           populated: SimpleNamespace) -> None:
    from mvi_challenges.accounts.models import Role

    from ..factories import login, make_user

    anonymous = client.get("/api/v1/calls")
    member = app.test_client()
    login(member, make_user(app, Role.STAFF))
    response = member.get("/api/v1/calls")
    assert response.headers["Cache-Control"] == "public, max-age=300"  # not the site's no-store
    assert response.headers["ETag"] == anonymous.headers["ETag"]


def test_the_etag_changes_when_the_data_changes(app: Flask, client: FlaskClient, populated: SimpleNamespace) -> None:
    before = client.get(f"/api/v1/calls/{populated.below.slug}").headers["ETag"]
    with app.app_context():
        db.session.get(Call, populated.below.id).summary = "Een nieuwe samenvatting."
        db.session.commit()
    response = client.get(f"/api/v1/calls/{populated.below.slug}", headers={"If-None-Match": before})
    assert response.status_code == 200 and response.headers["ETag"] != before


def test_responses_do_not_depend_on_the_visitor_language(client: FlaskClient, client_en: FlaskClient,
                                                         populated: SimpleNamespace) -> None:
    for url in ("/api/v1/calls", "/api/v1/monitoring", "/api/v1/ocds/releases.json"):
        assert client.get(url).data == client_en.get(url).data


def _count_queries(app: Flask, client: FlaskClient, url: str) -> int:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("path", ["/api/v1/calls", "/api/v1/dialogues", "/api/v1/consultations", "/api/v1/register",
                                  "/api/v1/contracts", "/api/v1/decisions", "/api/v1/ocds/releases.json"])
def test_a_page_costs_the_same_queries_whatever_its_size(app: Flask, client: FlaskClient, populated: SimpleNamespace,
                                                         path: str) -> None:
    url = f"{path}?per_page=100"
    key = "releases" if "ocds" in path else "items"
    rows = len(_get(client, url)[key])  # first: a kept count (calls/kept_counts.py) is made on the first request
    single = _count_queries(app, client, url)
    world.build(app)  # a second copy of everything: twice the rows of every kind on the page
    assert len(_get(client, url)[key]) == 2 * rows
    assert _count_queries(app, client, url) == single


# --- the page for people ---------------------------------------------------------------------


def test_open_data_page_links_every_dataset(client: FlaskClient) -> None:
    html = client.get("/open-data").get_data(as_text=True)
    for path in ("/api/v1/calls", "/api/v1/decisions", "/api/v1/dialogues", "/api/v1/register", "/api/v1/contracts",
                 "/api/v1/monitoring", "/api/v1/catalogue", "/api/v1/openapi.json", "/api/v1/ocds/releases.json",
                 "/feeds/calls.atom", "creativecommons.org/publicdomain/zero/1.0/"):
        assert f'href="{path}"' in html or path in html, path
    assert html.count("<h1") == 1


def test_index_lists_the_datasets(client: FlaskClient) -> None:
    body = _get(client, "/api/v1/")
    assert body["links"]["ocds"].endswith("/api/v1/ocds/releases.json")
    assert json.loads(client.get("/api/v1/openapi.json").data)["info"]["license"]["identifier"] == "CC0-1.0"


def test_times_are_utc(client: FlaskClient, populated: SimpleNamespace) -> None:
    phase = _get(client, f"/api/v1/calls/{populated.sbir.slug}")["phases"][0]
    opens = dt.datetime.fromisoformat(phase["opens_at"].replace("Z", "+00:00"))
    assert opens.utcoffset() == dt.timedelta(0)


def test_consultations_publish_questions_and_summary_but_never_answers(client: FlaskClient,
                                                                      populated: SimpleNamespace) -> None:
    from .world import PRIVATE_ANSWER

    body = _get(client, f"/api/v1/consultations/{populated.consultation.slug}")
    assert [q["number"] for q in body["questions"]] == [1, 2]
    assert body["stage"] == "summarised" and body["follow_up_call"]["slug"] == populated.sbir.slug
    assert body["summary"]["themes"][0] == {"title": "Haalbaarheid", "disposition": "adopted",
                                            "action_markdown": "Fasering in de uitvraag.",
                                            "action_html": "<p>Fasering in de uitvraag.</p>", "english": None}
    listing = client.get("/api/v1/consultations").get_data(as_text=True)
    assert PRIVATE_ANSWER not in listing and "Geheime consultatie" not in listing
    assert client.get(f"/api/v1/consultations/{populated.consultation.draft_slug}").status_code == 404
    assert PRIVATE_ANSWER not in client.get("/api/v1/ocds/releases.json").get_data(as_text=True)


def _english_consultation(app: Flask, *, summary_en: bool) -> str:
    """A summarised consultation with its English version (title, text, questions, a theme); its summary
    text in English too when `summary_en`. Returns its slug."""
    from mvi_challenges.consultations import services as consultation_services
    from mvi_challenges.consultations.models import ConsultationStatus
    from mvi_challenges.dialogues.models import Disposition

    with app.test_request_context():
        now = now_utc()
        made = consultation_services.save_consultation(
            db.session, None, None, title="Deelfietsen", body_source="Wij vragen **u**.", category=None,
            closes_at=now + dt.timedelta(days=1), questions=["Wat is haalbaar?", "Wanneer?"], follow_up_call=None,
            now=now, title_en="Shared bicycles", body_source_en="We ask **you**.",
            questions_en=["What is feasible?", "When?"])
        consultation_services.transition_consultation(db.session, None, made, ConsultationStatus.OPEN, now)
        later = now + dt.timedelta(days=2)
        consultation_services.save_summary(
            db.session, None, made, summary_source="Tien bedrijven antwoordden." if summary_en else "",
            summary_source_en="Ten companies answered." if summary_en else "", now=later,
            themes=[consultation_services.ThemeInput("Haalbaarheid", Disposition.ADOPTED, "Fasering.",
                                                     title_en="Feasibility", action_source_en="Phasing.")])
        consultation_services.transition_consultation(db.session, None, made, ConsultationStatus.SUMMARISED, later)
        made.published_at = made.summary_published_at = now - dt.timedelta(days=1)
        made.closes_at = now - dt.timedelta(hours=1)
        db.session.commit()
        return made.slug


def test_a_consultation_in_english_publishes_its_english_texts(app: Flask, client: FlaskClient,
                                                              populated: SimpleNamespace, openapi: OpenApi) -> None:
    slug = _english_consultation(app, summary_en=True)
    body = _get(client, f"/api/v1/consultations/{slug}")
    openapi.check("/consultations/{slug}", body)
    assert (body["title"], body["body_markdown"]) == ("Deelfietsen", "Wij vragen **u**.")
    assert body["english"] == {"title": "Shared bicycles", "body_markdown": "We ask **you**.",
                               "body_html": "<p>We ask <strong>you</strong>.</p>"}
    assert body["questions"] == [{"number": 1, "text": "Wat is haalbaar?", "english": {"text": "What is feasible?"}},
                                 {"number": 2, "text": "Wanneer?", "english": {"text": "When?"}}]
    summary = body["summary"]
    assert summary["summary_markdown"] == "Tien bedrijven antwoordden."
    assert summary["english"] == {"summary_markdown": "Ten companies answered.",
                                  "summary_html": "<p>Ten companies answered.</p>"}
    assert summary["themes"] == [{"title": "Haalbaarheid", "disposition": "adopted", "action_markdown": "Fasering.",
                                  "action_html": "<p>Fasering.</p>",
                                  "english": {"title": "Feasibility", "action_markdown": "Phasing.",
                                              "action_html": "<p>Phasing.</p>"}}]
    listed = next(c for c in _get(client, "/api/v1/consultations")["items"] if c["slug"] == slug)
    assert listed == body
    openapi.check("/consultations", _get(client, "/api/v1/consultations"))


def test_a_summary_without_english_text_is_null_in_a_consultation_in_english(app: Flask, client: FlaskClient,
                                                                             populated: SimpleNamespace,
                                                                             openapi: OpenApi) -> None:
    """The summary text only in Dutch (here: none): its `english` is null, the English theme still shows."""
    body = _get(client, f"/api/v1/consultations/{_english_consultation(app, summary_en=False)}")
    openapi.check("/consultations/{slug}", body)
    assert body["english"]["title"] == "Shared bicycles"
    assert body["summary"]["english"] is None
    assert body["summary"]["themes"][0]["english"]["title"] == "Feasibility"


def _english_dialogue(app: Flask, *, report_en: bool) -> str:
    """A dialogue with its English version, held and reported; its report in English too when
    `report_en`. Returns its slug."""
    from mvi_challenges.dialogues import services as dialogue_services
    from mvi_challenges.dialogues.models import Dialogue

    from ..factories import make_dialogue

    made = make_dialogue(app, title="Stadsgesprek deelfietsen", starts_in=-dt.timedelta(days=3),
                         title_en="City dialogue: shared bicycles", body_source_en="Talk **with us**.")
    with app.test_request_context():
        dialogue_services.publish_report(db.session, None, db.session.get(Dialogue, made.id),
                                         summary="Veel **ideeën**.", summary_en="Many **ideas**." if report_en else "",
                                         followup_calls=[], now=now_utc())
        db.session.commit()
    return made.slug


def test_a_dialogue_in_english_publishes_its_english_texts(app: Flask, client: FlaskClient,
                                                          populated: SimpleNamespace, openapi: OpenApi) -> None:
    slug = _english_dialogue(app, report_en=True)
    body = _get(client, f"/api/v1/dialogues/{slug}")
    openapi.check("/dialogues/{slug}", body)
    assert (body["title"], body["body_markdown"]) == ("Stadsgesprek deelfietsen", "Praat **mee**.")
    assert body["english"] == {"title": "City dialogue: shared bicycles", "body_markdown": "Talk **with us**.",
                               "body_html": "<p>Talk <strong>with us</strong>.</p>"}
    assert body["report"]["summary_markdown"] == "Veel **ideeën**."
    assert body["report"]["english"] == {"summary_markdown": "Many **ideas**.",
                                         "summary_html": "<p>Many <strong>ideas</strong>.</p>"}
    listed = next(d for d in _get(client, "/api/v1/dialogues?when=past")["items"] if d["slug"] == slug)
    assert listed == body
    openapi.check("/dialogues", _get(client, "/api/v1/dialogues?when=past"))


def test_a_report_without_english_text_is_null_in_a_dialogue_in_english(app: Flask, client: FlaskClient,
                                                                        populated: SimpleNamespace,
                                                                        openapi: OpenApi) -> None:
    body = _get(client, f"/api/v1/dialogues/{_english_dialogue(app, report_en=False)}")
    openapi.check("/dialogues/{slug}", body)
    assert body["english"]["title"] == "City dialogue: shared bicycles"
    assert body["report"]["english"] is None


def test_a_dialogue_only_in_dutch_has_no_english(client: FlaskClient, populated: SimpleNamespace) -> None:
    """As a call or consultation without English (`english` null): the dialogue and its report."""
    body = _get(client, f"/api/v1/dialogues/{populated.dialogue.reported.slug}")
    assert body["english"] is None and body["report"]["english"] is None
    assert _get(client, f"/api/v1/dialogues/{populated.dialogue.upcoming.slug}")["english"] is None


def test_a_consultation_only_in_dutch_has_no_english(client: FlaskClient, populated: SimpleNamespace) -> None:
    """As a call without English (`english` null): the consultation, each question, the summary and each theme."""
    body = _get(client, f"/api/v1/consultations/{populated.consultation.slug}")
    assert body["english"] is None
    assert [q["english"] for q in body["questions"]] == [None, None]
    assert body["summary"]["english"] is None
    assert [t["english"] for t in body["summary"]["themes"]] == [None]
    assert _get(client, f"/api/v1/calls/{populated.below.slug}")["english"] is None  # the same convention
