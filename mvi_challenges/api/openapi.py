"""The OpenAPI 3.1 document of the open data API.

Kept next to serializers.py and checked against real responses in tests/api: every object
schema lists all its keys as required and forbids others, so a field added to or dropped from a
response without updating this document fails the tests.
"""

from __future__ import annotations

from typing import Any

from ..calls.models import CallKind, StageType
from .params import DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_YEAR, MIN_YEAR

Schema = dict[str, Any]

CONVENTIONS = """Open data of MVI Challenges, the platform of the municipality of Utrecht for socially
responsible procurement (maatschappelijk verantwoord inkopen, MVI): calls (challenges and SBIR
calls) with their phases and weighted criteria, city and market dialogues, published jury
decisions, the comply-or-explain register of procurements, contracts with agreed social targets
and measured results, and the monitoring figures. Licence: CC0 1.0.

Conventions:
- Times are ISO 8601 in UTC with a `Z` suffix, e.g. `2025-03-01T09:00:00Z`. Calendar dates
  (register entries, contracts, result reports) are `YYYY-MM-DD` in Amsterdam time.
- Money is an object: `amount_cents` (integer euro cents, exact), `amount` (the same in euros as
  a decimal string with two decimals, e.g. `"1500.00"`) and `currency` (always `EUR`).
- Measured quantities (tonnes CO2, hours, percentages, ...) are exact decimal strings with two
  decimals, e.g. `"12.50"`. Jury scores are JSON numbers rounded to two decimals.
- Every documented key is always present; unknown values are `null`.
- Names of categories, social values and departments are given in Dutch (`name_nl`) and
  English (`name_en`). Texts of calls, market consultations and dialogues are in Dutch, with their
  English version in `english`: `null` when the text is only in Dutch (a consultation's questions,
  summary and themes, and a dialogue's report, each have their own `english`).
- Lists are paginated with `page` (from 1) and `per_page` (1-100, default 20); a page after the
  last one is a 404. Filter values are checked: an unknown value is a 400 with a JSON error that
  names the parameter; parameters that an endpoint does not know are ignored. The valid
  category, social value and department slugs are listed at `/api/v1/catalogue`.
- Responses carry an `ETag` (send it back in `If-None-Match` to get a `304 Not Modified`),
  `Cache-Control: public, max-age=300` and `Access-Control-Allow-Origin: *`.
- No personal data is published: no contact persons, managers or jury members, and no address
  or online link of a dialogue (those go to registered participants only).
"""


# --- schema helpers --------------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*kind, "null"] if isinstance(kind, list) else [kind, "null"]}


def obj(properties: dict[str, Schema], description: str = "") -> Schema:
    """An object with exactly these keys, all present."""
    schema: Schema = {"type": "object", "required": list(properties), "properties": properties,
                      "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def string(description: str = "", **extra: Any) -> Schema:
    schema: Schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def integer(description: str = "", **extra: Any) -> Schema:
    schema: Schema = {"type": "integer", **extra}
    if description:
        schema["description"] = description
    return schema


def enum(values: list[str], description: str = "") -> Schema:
    return string(description, enum=values)


TIMESTAMP = string("UTC time, ISO 8601.", format="date-time")
DATE = string("Calendar date (Amsterdam).", format="date")
URL = string(format="uri")
LEVEL = integer("MVI ambition level: 1, 2 or 3.", minimum=1, maximum=3)
BOOLEAN: Schema = {"type": "boolean"}
COUNT = integer(minimum=0)
SCORE: Schema = {"type": "number", "description": "Jury score, rounded to two decimals."}
DECIMAL = string("Exact decimal with two places.", pattern=r"^-?\d+\.\d{2}$")
UNITS = ["tonnes_co2", "percent", "euros", "hours", "people", "items"]


def links(*names: str) -> Schema:
    return obj({name: URL for name in names})


# --- components ------------------------------------------------------------------------------


def _shared() -> dict[str, Schema]:
    return {
        "Error": obj({
            "status": integer("The HTTP status."),
            "error": string("Short name of the status, e.g. `bad_request`."),
            "message": string("What is wrong, in English."),
            "parameter": nullable(string("The query parameter at fault, if one is.")),
        }),
        "Money": obj({
            "amount_cents": integer("Euro cents, exact.", minimum=0),
            "amount": string("Euros with two decimals.", pattern=r"^\d+\.\d{2}$"),
            "currency": enum(["EUR"]),
        }, "An amount of money."),
        "PageLinks": obj({"self": URL, "next": nullable(URL), "prev": nullable(URL)}),
        "CategoryRef": obj({
            "slug": string(), "name_nl": string(), "name_en": string(),
            "target_level": LEVEL, "promising": BOOLEAN,
        }, "A product group with the MVI ambition level the municipality aims for."),
        "SocialValueRef": obj({"slug": string(), "name_nl": string(), "name_en": string()}),
        "DepartmentRef": obj({"slug": string(), "name_nl": string(), "name_en": string()}),
        "CallRef": obj({"slug": string(), "title": string(), "links": links("html", "api")}),
        "PrincipleRef": obj({"slug": string(), "name_nl": string(), "name_en": string()},
                            "A leading principle (leidend principe) of the municipality's MVI policy."),
        "LibraryCriterionRef": obj({
            "code": string("Stable key of the criterion in the library."), "level": LEVEL,
            "text_nl": string(), "text_en": string("Empty: only in Dutch."),
            "verification_nl": string("How compliance is verified."), "verification_en": string(),
            "social_value": string("Social value slug (see /catalogue)."),
            "principle": string("Leading principle slug (see /principles)."),
        }, "An MVI criterion from the library, per category and ambition level."),
    }


def _calls() -> dict[str, Schema]:
    return {
        "Criterion": obj({
            "position": integer(minimum=1), "name": string(), "description": string(),
            "weight": integer("Percentage; the weights of a phase add up to 100.", minimum=1, maximum=100),
            "knockout_minimum": nullable(integer("A lower score on this criterion rules a proposal out.")),
        }),
        "Phase": obj({
            "number": integer(minimum=1, maximum=8), "title": string(),
            "opens_at": TIMESTAMP, "closes_at": TIMESTAMP, "budget": ref("Money"),
            "max_awards": integer(minimum=1), "score_scale_max": integer(minimum=1),
            "decisions_published_at": nullable(TIMESTAMP),
            "criteria": array(ref("Criterion")),
            "stage_type": enum([t.value for t in StageType],
                               "The stage's role: phase (challenge, SBIR); selection, rnd, purchase (innovation "
                               "partnership); round, pitch (challenge in rounds)."),
            "targets": string("R&D stage: what a partner must reach for a go."),
            "prizes": {**array(ref("Money")), "description": "Pitch stage: the prize per place, first place first."},
        }, "A stage of a call; stage n+1 admits only proposals advanced in stage n."),
        "CallDocument": obj({
            "title": string(), "filename": string(), "content_type": string(), "size": integer(minimum=0),
            "sha256": string(pattern="^[0-9a-f]{64}$"), "uploaded_at": TIMESTAMP, "url": URL,
        }),
        "Call": obj({
            "id": integer(), "slug": string(), "kind": enum([kind.value for kind in CallKind]),
            "title": string(), "summary": string(),
            "body_markdown": string("The call text as written (Markdown)."),
            "body_html": string("The call text as sanitised HTML."),
            "english": nullable(obj({
                "title": string(), "summary": string(), "body_markdown": string(), "body_html": string(),
                "prize_text": string("Empty: only in Dutch."), "level_explanation": string("Empty: only in Dutch."),
            }, "The English version of the call's texts; null when the call is only in Dutch.")),
            "category": ref("CategoryRef"), "department": nullable(ref("DepartmentRef")),
            "ambition_level": LEVEL,
            "target_level": integer("The category's target level when the call was published.", minimum=1,
                                    maximum=3),
            "below_target": BOOLEAN,
            "level_explanation": string("Why the ambition level is below the target (comply or explain)."),
            "social_values": array(ref("SocialValueRef")),
            "library_criteria": array(ref("LibraryCriterionRef")),
            "leading_principles": array(ref("PrincipleRef")),
            "eligibility": enum(["entrepreneurs", "citizens", "both"]),
            "prize_text": string(),
            "status": enum(["published", "closed", "decided", "archived", "cancelled"]),
            "public_state": enum(["upcoming", "open", "closed", "decided", "cancelled"],
                                 "The state a visitor sees now, from the status and the phase times."),
            "status_reason": string("Public reason for cancelling or closing early."),
            "published_at": TIMESTAMP, "updated_at": TIMESTAMP,
            "questions_close_at": nullable(TIMESTAMP), "next_deadline": nullable(TIMESTAMP),
            "budget": ref("Money"),
            "phases": array(ref("Phase")), "documents": array(ref("CallDocument")),
            "links": links("html", "api", "questions", "decisions"),
        }, "A published call: a challenge, an SBIR call, an innovation partnership or a challenge in rounds."),
        "CallList": _page_of("Call"),
    }


def _decisions() -> dict[str, Schema]:
    return {
        "CriterionScore": obj({"criterion": string(), "weight": integer(), "score": SCORE}),
        "PublishedDecision": obj({
            "proposal_title": string(),
            "organisation": nullable(string("The applicant organisation; null for a private person.")),
            "outcome": enum(["awarded", "advanced", "shortlisted"]),
            "score": nullable(SCORE),
            "criterion_scores": array(ref("CriterionScore")),
            "motivation": string(),
            "requested_budget": nullable({**ref("Money"),
                                          "description": "For awarded and advanced proposals (funded)."}),
            "place": nullable(integer("A winner's place in a stage with prizes per place.", minimum=1)),
            "prize": nullable({**ref("Money"), "description": "The prize of that place."}),
            "consortium": array(ref("ConsortiumPartner")),
        }),
        "ConsortiumPartner": obj({
            "organisation": string(),
            "role": string("The partner's role in the consortium, as the lead described it."),
            "share": nullable({**ref("Money"), "description": "Its part of the requested budget, for funded "
                                                               "proposals; the lead has the rest."}),
        }, "A partner organisation of the submitted version (empty list: no consortium)."),
        "PhaseDecisions": obj({
            "call": ref("CallRef"),
            "phase": obj({"number": integer(minimum=1, maximum=8), "title": string()}),
            "published_at": TIMESTAMP,
            "decisions": array(ref("PublishedDecision")),
            "recusals": integer("How often a jury member stood aside for a conflict of interest.", minimum=0),
        }, "The published decisions of one phase: the selected proposals (empty when none was)."),
        "DecisionList": _page_of("PhaseDecisions"),
    }


def _dialogues() -> dict[str, Schema]:
    return {
        "Contribution": obj({
            "text_html": string("Input of a participant (anonymous), as sanitised HTML."),
            "disposition": nullable(enum(["adopted", "considered", "not_adopted"])),
            "disposition_reason": string(),
            "disposition_call": nullable(ref("CallRef")),
        }),
        "DialogueReport": obj({
            "published_at": TIMESTAMP, "summary_markdown": string(), "summary_html": string(),
            "english": nullable(obj({
                "summary_markdown": string(), "summary_html": string(),
            }, "The report's summary in English; null when it is only in Dutch (always so in a dialogue "
               "without its English version).")),
            "followup_calls": array(ref("CallRef")), "contributions": array(ref("Contribution")),
        }),
        "Dialogue": obj({
            "id": integer(), "slug": string(), "kind": enum(["city", "market"]), "title": string(),
            "body_markdown": string(), "body_html": string(),
            "english": nullable(obj({
                "title": string(), "body_markdown": string("Empty: only in Dutch."),
                "body_html": string("Empty: only in Dutch."),
            }, "The English version of the dialogue's texts; null when the dialogue is only in Dutch. Its "
               "report says whether its summary is in English.")),
            "category": nullable(ref("CategoryRef")), "related_call": nullable(ref("CallRef")),
            "starts_at": TIMESTAMP, "ends_at": TIMESTAMP, "registration_closes_at": TIMESTAMP,
            "capacity": integer(minimum=1), "seats_left": COUNT,
            "eligibility": enum(["entrepreneurs", "citizens", "both"]),
            "slot_minutes": nullable(integer("Length of one-to-one slots of a market dialogue.")),
            "status": enum(["published", "reported", "cancelled"]), "status_reason": string(),
            "published_at": TIMESTAMP, "updated_at": TIMESTAMP,
            "report": nullable(ref("DialogueReport")),
            "links": links("html", "api", "ics"),
        }, "A public city or market dialogue (without its address or online link)."),
        "DialogueList": _page_of("Dialogue"),
        "ConsultationTheme": obj({
            "title": string(), "disposition": enum(["adopted", "considered", "not_adopted"]),
            "action_markdown": string(), "action_html": string(),
            "english": nullable(obj({
                "title": string(), "action_markdown": string(), "action_html": string(),
            }, "The theme in English; null when it is only in Dutch (always so in a consultation without "
               "its English version).")),
        }, "One theme of the summary: what the market said and what the municipality does with it."),
        "ConsultationSummary": obj({
            "published_at": TIMESTAMP, "summary_markdown": string(), "summary_html": string(),
            "english": nullable(obj({
                "summary_markdown": string(), "summary_html": string(),
            }, "The summary text in English; null when it is only in Dutch (always so in a consultation "
               "without its English version).")),
            "themes": array(ref("ConsultationTheme")),
        }),
        "ConsultationQuestion": obj({
            "number": integer(minimum=1), "text": string(),
            "english": nullable(obj({"text": string()},
                                    "The question in English; null when it is only in Dutch (always so in a "
                                    "consultation without its English version).")),
        }),
        "Consultation": obj({
            "id": integer(), "slug": string(), "title": string(), "body_markdown": string(), "body_html": string(),
            "english": nullable(obj({
                "title": string(), "body_markdown": string("Empty: only in Dutch."),
                "body_html": string("Empty: only in Dutch."),
            }, "The English version of the consultation's texts; null when the consultation is only in Dutch. "
               "Its questions, summary and themes say per text whether it is in English.")),
            "category": nullable(ref("CategoryRef")),
            "stage": enum(["open", "closed", "summarised"], "Open for answers until `closes_at`, then closed."),
            "closes_at": TIMESTAMP, "published_at": TIMESTAMP,
            "questions": array(ref("ConsultationQuestion")),
            "documents": array(obj({"title": string(), "format": string(), "size": COUNT, "sha256": string(),
                                    "url": URL})),
            "follow_up_call": nullable(ref("CallRef")),
            "summary": nullable(ref("ConsultationSummary")),
            "links": links("html", "api"),
        }, "A public market consultation with its numbered questions. The companies' answers are private "
           "and never published; the summary says what was done with them per theme."),
        "ConsultationList": _page_of("Consultation"),
    }


def _monitoring() -> dict[str, Schema]:
    return {
        "ProcurementRecord": obj({
            "id": integer(), "reference": string(), "title": string(), "description": string(),
            "source": enum(["platform", "external"], "A call on this platform or a tender elsewhere."),
            "call": nullable(ref("CallRef")),
            "category": ref("CategoryRef"), "department": nullable(ref("DepartmentRef")),
            "target_level": LEVEL, "applied_level": LEVEL, "below_target": BOOLEAN,
            "explanation": string("Why the applied level is below the target (comply or explain)."),
            "explanation_pending": BOOLEAN,
            "published_on": DATE, "estimated_value": nullable(ref("Money")),
            "links": links("html", "contracts"),
        }, "An entry of the comply-or-explain register."),
        "RegisterList": _page_of("ProcurementRecord"),
        "ContractTarget": obj({
            "id": integer(), "social_value": ref("SocialValueRef"), "indicator": string(),
            "unit": enum(UNITS), "agreed_value": DECIMAL,
            "realised_value": nullable({**DECIMAL, "description": "The latest measurement (they are cumulative)."}),
            "met": BOOLEAN,
        }),
        "Measurement": obj({"target_id": integer(), "value": DECIMAL}),
        "ResultUpdate": obj({
            "id": integer(), "reported_on": DATE, "progress_percent": integer(minimum=0, maximum=100),
            "note": string(), "measurements": array(ref("Measurement")),
        }),
        "Contract": obj({
            "id": integer(), "title": string(), "supplier_name": string(), "value": ref("Money"),
            "signed_on": DATE, "ends_on": nullable(DATE),
            "procurement": obj({"id": integer(), "reference": string(), "title": string(), "links": links("html")}),
            "call": nullable(ref("CallRef")),
            "progress_percent": integer(minimum=0, maximum=100),
            "targets": array(ref("ContractTarget")), "result_updates": array(ref("ResultUpdate")),
            "links": links("html"),
        }, "A contract with its agreed social targets and the results measured so far."),
        "ContractList": _page_of("Contract"),
        "TargetTotal": obj({
            "social_value": ref("SocialValueRef"), "unit": enum(UNITS), "targets": COUNT, "met": COUNT,
            "agreed": nullable({**DECIMAL, "description": "Null for percentages: they do not add up."}),
            "realised": nullable(DECIMAL),
        }),
        "CategoryFigures": obj({
            "category": ref("CategoryRef"), "procurements": COUNT, "at_target": COUNT,
            "share_at_target": nullable(integer("Percentage, rounded.", minimum=0, maximum=100)),
            "contracts": COUNT, "contract_value": ref("Money"),
        }),
        "Figures": obj({
            "filters": obj({"year": integer(), "category": nullable(string()), "department": nullable(string())}),
            "available_years": array(integer()),
            "calls_published": COUNT,
            "calls_per_level": array(obj({"level": LEVEL, "calls": COUNT})),
            "experiment_space": obj({
                "calls": COUNT, "extra_weeks": COUNT, "process_budget": ref("Money"),
            }, "Calls published in the year that were granted extra time or a process budget, with the totals."),
            "dialogues_held": COUNT, "consultations_held": COUNT, "participants": COUNT, "questions_answered": COUNT,
            "proposals_received": COUNT, "awards": COUNT, "contracts": COUNT, "contract_value": ref("Money"),
            "procurements": COUNT, "procurements_at_target": COUNT,
            "share_at_target": nullable(integer(minimum=0, maximum=100)),
            "targets": array(ref("TargetTotal")), "categories": array(ref("CategoryFigures")),
            "principles": array(obj({
                "principle": ref("PrincipleRef"),
                "calls": integer("Calls published in the year using at least one criterion of the principle.",
                                 minimum=0),
                "criteria_chosen": integer("How many of the principle's criteria those calls chose together.",
                                           minimum=0),
            })),
        }, "Effort next to results for one calendar year, as on the monitoring dashboard."),
    }


def _catalogue() -> dict[str, Schema]:
    category = _shared()["CategoryRef"]
    return {
        "Catalogue": obj({
            "categories": array(obj({**category["properties"], "social_values": array(string())})),
            "social_values": array(obj({"slug": string(), "name_nl": string(), "name_en": string(),
                                        "description_nl": string(), "description_en": string()})),
            "departments": array(ref("DepartmentRef")),
        }, "The values the `category`, `value` and `department` filters accept."),
        "Principles": obj({
            "principles": array(obj({
                "slug": string(), "name_nl": string(), "name_en": string(),
                "description_nl": string(), "description_en": string(),
                "retired": BOOLEAN, "social_values": array(string("Social value slug.")),
                "criteria_per_level": array(obj({"level": LEVEL, "criteria": COUNT})),
                "calls_per_year": array(obj({"year": integer(), "calls": COUNT})),
            })),
        }, "The leading principles, their library criteria per level and their calls per year (effort)."),
        "Library": obj({
            "criteria": array(obj({**_shared()["LibraryCriterionRef"]["properties"],
                                   "category": string("Category slug."), "retired": BOOLEAN})),
        }, "The MVI criteria library; a retired criterion is no longer chosen but calls may still use it."),
        "Index": obj({
            "name": string(), "description": string(), "license": URL,
            "links": links("calls", "dialogues", "consultations", "decisions", "register", "contracts", "monitoring",
                           "catalogue", "principles", "criteria", "openapi", "ocds", "pipeline", "lessons", "html"),
        }),
        "ReleasePackage": {
            "type": "object",
            "description": ("An OCDS 1.1 release package; see the OCDS release package and release schemas. "
                            "Each release is written once, when its stage of the contracting process happens, "
                            "and never changes afterwards: a later correction is a new release with its own "
                            "`id` and `date` (tags `tenderAmendment`, `awardUpdate`, `contractAmendment`, "
                            "`implementationUpdate`). A page holds the releases of up to `per_page` contracting "
                            "processes: the public calls first (per call oldest first), then the planned purchases "
                            "of the procurement pipeline that are or were public (per plan oldest first; first "
                            "release tag `planning`, `tender.status` `planning`, the value class in "
                            "`planning.budget.description`, the expected quarter as a planning milestone). "
                            "Planning releases are stored like the calls': "
                            "a changed plan is a new release (tag `planningUpdate`) and the earlier ones stay; a "
                            "plan made internal again ends with one saying `tender.status` `withdrawn`. A call that "
                            "started from a public planned purchase names it in `relatedProcesses` "
                            "(relationship `planning`)."),
            "externalDocs": {"url": "https://standard.open-contracting.org/1.1/en/schema/release_package/"},
            "required": ["uri", "version", "publishedDate", "publisher", "releases"],
            "properties": {
                "uri": URL, "version": enum(["1.1"]), "publishedDate": string(format="date-time"),
                "publisher": {"type": "object", "required": ["name"]},
                "license": URL, "publicationPolicy": URL,
                "releases": array({"type": "object", "required": ["ocid", "id", "date", "tag", "initiationType"]}),
                "links": {"type": "object", "description": "Only the pages that exist.",
                          "properties": {"next": URL, "prev": URL}, "additionalProperties": False},
            },
        },
    }


def _page_of(item: str) -> Schema:
    return obj({
        "items": array(ref(item)), "page": integer(minimum=1), "per_page": integer(minimum=1, maximum=MAX_PER_PAGE),
        "total": integer(minimum=0), "pages": integer(minimum=0), "links": ref("PageLinks"),
    }, f"One page of {item} items.")


def _pipeline_and_lessons() -> dict[str, Schema]:
    return {
        "PlannedPurchase": obj({
            "id": integer(), "title": string(), "title_en": nullable(string()),
            "description": string(), "description_en": nullable(string()),
            "category": ref("CategoryRef"), "expected_year": integer(minimum=MIN_YEAR, maximum=MAX_YEAR),
            "expected_quarter": integer(minimum=1, maximum=4), "quarter": string("Year and quarter, e.g. `2027-Q1`."),
            "value_class": enum(["under_50k", "50k_221k", "221k_1m", "1m_5m", "over_5m"],
                                "A range of the expected value in euros, never the exact estimate."),
            "intended_level": LEVEL,
            "level_explanation": nullable(string("Why the intended level is below the category's target.")),
            "social_values": array(ref("SocialValueRef")), "department": nullable(ref("DepartmentRef")),
            "state": enum(["planned", "started"], "Started: it became a public call or a tender in the register."),
            "call": nullable(ref("CallRef")),
            "register_entry_id": nullable(integer("The tender outside the platform in /register (its id).")),
            "announced_at": nullable(TIMESTAMP), "links": links("html"),
        }, "A purchase the municipality plans (inkoopplanning), so the market can prepare."),
        "Lesson": obj({
            "id": integer(), "title": string(),
            "moment": enum(["contract_ended", "experiment_ended", "milestone"], "Why it was recorded then."),
            "recorded_on": DATE, "category": ref("CategoryRef"), "social_value": ref("SocialValueRef"),
            "what_worked": string(), "what_did_not": string(), "call": nullable(ref("CallRef")),
            "register_entry_id": nullable(integer()), "contract_id": nullable(integer()),
            "experiment_paid_off": nullable(enum(["yes", "partly", "no"],
                                                 "Whether the call's experiment space paid off.")),
            "paid_off_explanation": nullable(string()), "links": links("html"),
        }, "A public lesson learned, per social value."),
        "PlannedPurchaseList": _page_of("PlannedPurchase"),
        "LessonList": _page_of("Lesson"),
    }


def components() -> dict[str, Schema]:
    schemas: dict[str, Schema] = {}
    for part in (_shared, _calls, _decisions, _dialogues, _monitoring, _catalogue, _pipeline_and_lessons):
        schemas.update(part())
    return schemas


# --- parameters and paths --------------------------------------------------------------------


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PARAMETERS: dict[str, Schema] = {
    "page": _query("page", integer(minimum=1, default=1), "Page number, from 1."),
    "per_page": _query("per_page", integer(minimum=1, maximum=MAX_PER_PAGE, default=DEFAULT_PER_PAGE),
                       "Items per page."),
    "category": _query("category", string(), "A category slug (see /catalogue)."),
    "department": _query("department", string(), "A department slug (see /catalogue)."),
    "level": _query("level", integer(minimum=1, maximum=3), "Ambition level (applied level in the register)."),
    "year": _query("year", integer(minimum=MIN_YEAR, maximum=MAX_YEAR), "Calendar year (Amsterdam)."),
}


def _param(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


def _responses(schema: str, description: str, *, not_found: bool = False) -> Schema:
    headers = {name: {"$ref": f"#/components/headers/{name}"}
               for name in ("ETag", "Cache-Control", "Access-Control-Allow-Origin")}
    responses: Schema = {
        "200": {"description": description, "headers": headers,
                "content": {"application/json": {"schema": ref(schema)}}},
        "304": {"description": "Not modified: the `If-None-Match` ETag still matches."},
        "400": {"$ref": "#/components/responses/BadRequest"},
    }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return responses


def _get(operation_id: str, summary: str, schema: str, parameters: list[Schema] | None = None, *,
         not_found: bool = False, tag: str = "open data") -> Schema:
    return {"get": {"operationId": operation_id, "summary": summary, "tags": [tag],
                    "parameters": parameters or [],
                    "responses": _responses(schema, summary, not_found=not_found)}}


def _paths() -> Schema:
    paging = [_param("page"), _param("per_page")]
    slug = {"name": "slug", "in": "path", "required": True, "schema": string()}
    return {
        "/": _get("index", "The datasets of this API.", "Index"),
        "/calls": _get("listCalls", "Published calls, newest first.", "CallList", [
            *paging,
            _query("kind", enum([kind.value for kind in CallKind]), "Kind of call."),
            _param("category"),
            _param("level"),
            _query("value", string(), "A social value slug (see /catalogue)."),
            _query("state", enum(["upcoming", "open", "closed", "decided", "cancelled"]), "Public state now."),
            _query("q", string(maxLength=200), "Words in the title, summary or text."),
        ], not_found=True),
        "/calls/{slug}": _get("getCall", "One published call.", "Call", [slug], not_found=True),
        "/decisions": _get("listDecisions", "Published jury decisions per phase, newest first.", "DecisionList", [
            *paging, _query("call", string(), "Only the decisions of the call with this slug."),
        ], not_found=True),
        "/dialogues": _get("listDialogues", "Public dialogues.", "DialogueList", [
            *paging,
            _query("when", enum(["upcoming", "past"]),
                   "Upcoming (soonest first) or past (latest first); all when absent (latest first)."),
            _query("kind", enum(["city", "market"]), "Kind of dialogue."),
            _param("category"),
        ], not_found=True),
        "/dialogues/{slug}": _get("getDialogue", "One public dialogue.", "Dialogue", [slug], not_found=True),
        "/consultations": _get("listConsultations", "Public market consultations, latest deadline first.",
                               "ConsultationList", [
            *paging,
            _query("stage", enum(["open", "closed", "summarised"]), "Stage now."),
            _param("category"),
        ], not_found=True),
        "/consultations/{slug}": _get("getConsultation", "One public market consultation.", "Consultation", [slug],
                                      not_found=True),
        "/register": _get("listRegister", "The comply-or-explain register, newest first.", "RegisterList", [
            *paging, _param("year"), _param("category"), _param("department"), _param("level"),
            _query("source", enum(["platform", "external"]), "Calls on this platform or tenders elsewhere."),
            _query("below", enum(["below", "unexplained"]),
                   "Only entries below the target level, or those without an explanation yet."),
        ], not_found=True),
        "/contracts": _get("listContracts", "Contracts with targets and results, newest first.", "ContractList", [
            *paging, _query("year", integer(minimum=MIN_YEAR, maximum=MAX_YEAR), "Year of signing."),
            _param("category"), _param("department"),
            _query("record", integer(minimum=1), "Only the contracts of this register entry (its id)."),
        ], not_found=True),
        "/monitoring": _get("getFigures", "Monitoring figures for one year.", "Figures", [
            _query("year", integer(), "One of `available_years`; the current year when absent."),
            _param("category"), _param("department"),
        ]),
        "/catalogue": _get("getCatalogue", "Categories, social values and departments.", "Catalogue"),
        "/principles": _get("getPrinciples", "Leading principles with their criteria and calls per year.",
                            "Principles"),
        "/criteria": _get("getCriteria", "The MVI criteria library.", "Library", [
            _param("category"), _param("level"),
        ]),
        "/pipeline": _get("listPipeline", "The public procurement pipeline, by expected start.",
                          "PlannedPurchaseList", [
            *paging, _param("category"),
            _query("quarter", string(pattern=r"^\d{4}-Q[1-4]$"),
                   "Expected year and quarter, e.g. `2027-Q1`."),
            _query("value", string(), "A social value slug (see /catalogue)."),
        ], not_found=True),
        "/lessons": _get("listLessons", "Public lessons learned, newest first.", "LessonList", [
            *paging, _param("category"), _query("value", string(), "A social value slug (see /catalogue)."),
            _query("q", string(maxLength=200), "Words in the title or the lesson's texts."),
        ], not_found=True),
        "/ocds/releases.json": _get("getOcdsReleases", "OCDS 1.1 release package of the calls, then of the "
                                    "public planned purchases (tag `planning`, ocid `…-plan-{id}`).",
                                    "ReleasePackage", paging, not_found=True, tag="OCDS"),
        "/openapi.json": {"get": {"operationId": "getOpenApi", "summary": "This document.", "tags": ["open data"],
                                  "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                                        "content": {"application/json": {"schema": {
                                                            "type": "object"}}}}}}},
    }


def _error_response(description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def document(server_url: str) -> Schema:
    """The OpenAPI document; `server_url` is the absolute URL of /api/v1."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "MVI Challenges open data",
            "version": "1.0.0",
            "summary": "Calls, dialogues, decisions, contracts, results and the comply-or-explain register.",
            "description": CONVENTIONS,
            "license": {"name": "CC0 1.0", "identifier": "CC0-1.0"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "open data"}, {"name": "OCDS", "description": "Open Contracting Data Standard 1.1."}],
        "paths": _paths(),
        "components": {
            "schemas": components(),
            "parameters": PARAMETERS,
            "headers": {
                "ETag": {"description": "Version of the response.", "schema": string()},
                "Cache-Control": {"description": "`public, max-age=300`.", "schema": string()},
                "Access-Control-Allow-Origin": {"description": "`*`: usable from any web page.", "schema": string()},
            },
            "responses": {
                "BadRequest": _error_response("A query parameter has a value that is not accepted."),
                "NotFound": _error_response("No such object, or a page after the last one."),
            },
        },
    }
