"""Models → plain JSON data for the open data API, exactly as described in openapi.py.

Conventions (also stated in the OpenAPI document):
- times are ISO 8601 in UTC with a `Z` (`2025-03-01T09:00:00Z`); calendar dates are `YYYY-MM-DD`;
- money is an object with integer `amount_cents`, the same in euros as a decimal string
  `amount` ("1500.00") and `currency` "EUR";
- measured quantities (two decimals, exact) are decimal strings ("12.50");
- names of catalogue entries come in Dutch and English, so a response does not depend on the
  visitor's language (and caches well);
- every key is always present; what is unknown is `null`.
Nothing personal is published: no contact persons, managers, jury members, addresses or links
meant for registered participants only.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ..calls.models import Call, CallStatus, Phase, effective_target_level_of, next_deadline_of, public_state_of
from ..calls.stages import prize_for
from ..catalogue.models import Category, Department, SocialValue
from ..consultations import lifecycle as consultation_lifecycle
from ..consultations import models as consultation_models
from ..consultations.models import Consultation, ConsultationQuestion, ConsultationTheme
from ..core.links import public_slug_url, public_url
from ..criteria.models import LeadingPrinciple, LibraryCriterion
from ..dialogues import models as dialogue_models
from ..dialogues.models import Contribution, Dialogue
from ..monitoring.models import Contract, ContractTarget, ProcurementRecord, ResultUpdate
from ..monitoring.yearly_counts import CategoryRow, Figures, TargetTotal
from .queries import CallData, DialogueExtras, PhaseDecisions, PublishedDecision

Json = dict[str, Any]


# --- building blocks -------------------------------------------------------------------------


def absolute(endpoint: str, **values: Any) -> str:
    """A full URL on the public address of the site (PUBLIC_URL), whatever Host the request used:
    identifiers in open data must not depend on how a client reached the server."""
    return public_url(endpoint, **values)


def timestamp(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.astimezone(dt.UTC)
    if moment.year < 1000:  # strftime does not pad such a year to four digits; isoformat does
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    # The same text as strftime("%Y-%m-%dT%H:%M:%SZ") at about half its cost (a page has some 110).
    return moment.isoformat(timespec="seconds")[:19] + "Z"


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def decimal(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def money(cents: int | None) -> Json | None:
    if cents is None:
        return None
    return {"amount_cents": cents, "amount": f"{Decimal(cents) / 100:.2f}", "currency": "EUR"}


def score(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def category_ref(category: Category) -> Json:
    return {"slug": category.slug, "name_nl": category.name_nl, "name_en": category.name_en,
            "target_level": category.target_level, "promising": category.promising}


def social_value_ref(value: SocialValue) -> Json:
    return {"slug": value.slug, "name_nl": value.name_nl, "name_en": value.name_en}


def principle_ref(principle: LeadingPrinciple) -> Json:
    return {"slug": principle.slug, "name_nl": principle.name_nl, "name_en": principle.name_en}


def library_criterion_ref(criterion: LibraryCriterion) -> Json:
    return {"code": criterion.code, "level": criterion.level, "text_nl": criterion.text_nl,
            "text_en": criterion.text_en, "verification_nl": criterion.verification_nl,
            "verification_en": criterion.verification_en, "social_value": criterion.social_value.slug,
            "principle": criterion.principle.slug}


def department_ref(department: Department | None) -> Json | None:
    if department is None:
        return None
    return {"slug": department.slug, "name_nl": department.name_nl, "name_en": department.name_en}


def call_ref(call: Call | None) -> Json | None:
    """A link to a call, or None for a call the public cannot see."""
    if call is None or not call.is_public:
        return None
    return {"slug": call.slug, "title": call.title,
            "links": {"html": absolute("calls.call_detail", slug=call.slug),
                      "api": absolute("api.call_detail", slug=call.slug)}}


# --- calls -----------------------------------------------------------------------------------


def phase(item: Any, criteria: list[Json]) -> Json:
    """A phase row of queries.CallData, with its criteria already serialised."""
    return {
        "number": item.number, "title": item.title,
        "opens_at": timestamp(item.opens_at), "closes_at": timestamp(item.closes_at),
        "budget": money(item.budget_cents), "max_awards": item.max_awards, "score_scale_max": item.score_scale_max,
        "decisions_published_at": timestamp(item.decisions_published_at),
        "criteria": criteria,
        "stage_type": item.stage_type.value, "targets": item.targets,
        "prizes": [money(cents) for cents in item.prizes_cents],
    }


def english_texts(row: Any) -> Json | None:
    """The call's English version, or null when it is only in Dutch (an empty title: Dutch only, as
    Call.has_english)."""
    if not row.title_en:
        return None
    return {"title": row.title_en, "summary": row.summary_en, "body_markdown": row.body_source_en,
            "body_html": row.body_html_en, "prize_text": row.prize_text_en,
            "level_explanation": row.level_explanation_en}


def _leading_principles(library_criteria: list[Any]) -> list[Json]:
    """The distinct principles the criteria serve, in first-seen order (criteria.services.principles_of)."""
    seen: dict[int, Json] = {}
    for c in library_criteria:
        if c.principle_id not in seen:
            seen[c.principle_id] = {"slug": c.principle_slug, "name_nl": c.principle_name_nl,
                                    "name_en": c.principle_name_en}
    return list(seen.values())


_PLAIN_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")  # core.slugs.slugify's words: nothing to quote in a URL
_STAND_IN = "zz0slug0zz"


class CallLinks:
    """A call's four links, from addresses built once per response with a stand-in for the slug
    (core.links.public_slug_url, whose lookups of the app's settings cost as much as the rest of
    a link, 80 times a page)."""

    ENDPOINTS = (("html", "calls.call_detail", "slug"), ("api", "api.call_detail", "slug"),
                 ("questions", "proposals.questions", "slug"), ("decisions", "api.decision_list", "call"))

    def __init__(self) -> None:
        self._templates = [(key, public_slug_url(endpoint, _STAND_IN, name=name))
                           for key, endpoint, name in self.ENDPOINTS]

    def __call__(self, slug: str) -> Json:
        if not _PLAIN_SLUG.fullmatch(slug):
            return {key: public_slug_url(endpoint, slug, name=name) for key, endpoint, name in self.ENDPOINTS}
        return {key: template.replace(_STAND_IN, slug) for key, template in self._templates}


def call(item: CallData, now: dt.datetime, links: CallLinks) -> Json:
    """A public call from its plain rows (queries.public_call_data); the rules are the models' own:
    the public state and the deadline `public_state_of`/`next_deadline_of`, the target level
    `effective_target_level_of`. `links`: made once per response."""
    row = item.row
    target_level = effective_target_level_of(row.target_level, row.category_target_level)
    department = None if row.department_slug is None else {
        "slug": row.department_slug, "name_nl": row.department_name_nl, "name_en": row.department_name_en}
    slug = row.slug
    return {
        "id": row.id, "slug": slug, "kind": row.kind.value, "title": row.title, "summary": row.summary,
        "body_markdown": row.body_source, "body_html": row.body_html,
        "english": english_texts(row),
        "category": {"slug": row.category_slug, "name_nl": row.category_name_nl, "name_en": row.category_name_en,
                     "target_level": row.category_target_level, "promising": row.category_promising},
        "department": department,
        "ambition_level": row.ambition_level, "target_level": target_level,
        "below_target": row.ambition_level < target_level, "level_explanation": row.level_explanation,
        "social_values": [{"slug": v.slug, "name_nl": v.name_nl, "name_en": v.name_en} for v in item.social_values],
        "library_criteria": [{"code": c.code, "level": c.level, "text_nl": c.text_nl, "text_en": c.text_en,
                              "verification_nl": c.verification_nl, "verification_en": c.verification_en,
                              "social_value": c.social_value_slug, "principle": c.principle_slug}
                             for c in item.library_criteria],
        "leading_principles": _leading_principles(item.library_criteria),
        "eligibility": row.eligibility.value, "prize_text": row.prize_text,
        "status": row.status.value, "public_state": public_state_of(row.status, item.phases, now).value,
        "status_reason": row.status_reason,
        "published_at": timestamp(row.published_at), "updated_at": timestamp(row.updated_at),
        "questions_close_at": timestamp(row.questions_close_at),
        "next_deadline": timestamp(next_deadline_of(item.phases, now)) if row.status is CallStatus.PUBLISHED else None,
        "budget": money(sum(p.budget_cents for p in item.phases)),
        "phases": [phase(p, item.criteria.get(p.id, [])) for p in item.phases],
        "documents": [{"title": d.title, "filename": d.filename, "content_type": d.content_type, "size": d.size,
                       "sha256": d.sha256, "uploaded_at": timestamp(d.uploaded_at),
                       "url": absolute("calls.document_download", slug=slug, document_id=d.id)}
                      for d in item.documents],
        "links": links(slug),
    }


# --- published decisions ---------------------------------------------------------------------


def published_decision(item: PublishedDecision, phase_: Phase) -> Json:
    result = item.result
    effective = result.effective if result is not None else {}
    organisation = item.proposal.organisation
    return {
        "proposal_title": item.title,
        "organisation": organisation.name if organisation is not None else None,
        "outcome": item.decision.outcome.value,
        "score": score(result.score) if result is not None else None,
        "criterion_scores": [{"criterion": c.name, "weight": c.weight, "score": score(effective[c.id])}
                             for c in phase_.criteria if c.id in effective],
        "motivation": item.decision.motivation,
        # Funded outcomes are OCDS awards whose value is the requested budget; the others keep it private.
        "requested_budget": money(item.budget_cents) if item.funded else None,
        # A winner's place and prize in a stage with prizes per place (a staged challenge's pitch).
        "place": item.decision.place,
        "prize": money(prize_for(phase_, item.decision.place)),
        "consortium": consortium(item),
    }


def consortium(item: PublishedDecision) -> list[Json]:
    """The partners of the submitted version (never the live invitations); shares only when funded,
    like the budget they are part of."""
    latest = item.proposal.latest_version
    partners = (latest.consortium or []) if latest is not None else []
    return [{"organisation": p["name"], "role": p["role"], "share": money(p["share_cents"]) if item.funded else None}
            for p in partners]


def phase_decisions(item: PhaseDecisions) -> Json:
    return {
        "call": call_ref(item.phase.call),
        "phase": {"number": item.phase.number, "title": item.phase.title},
        "published_at": timestamp(item.phase.decisions_published_at),
        "decisions": [published_decision(d, item.phase) for d in item.decisions],
        "recusals": item.recusals,
    }


# --- dialogues -------------------------------------------------------------------------------


def contribution(item: Contribution) -> Json:
    return {"text_html": item.text_html, "disposition": item.disposition.value if item.disposition else None,
            "disposition_reason": item.disposition_reason, "disposition_call": call_ref(item.disposition_call)}


def dialogue_english(item: Dialogue) -> Json | None:
    """The dialogue's English version, or null when it is only in Dutch: as a call's and a consultation's,
    it exists with its English title (dialogues.models.has_english); an empty text: only in Dutch."""
    if not dialogue_models.has_english(item):
        return None
    return {"title": item.title_en, "body_markdown": item.body_source_en, "body_html": item.body_html_en}


def dialogue(item: Dialogue, extras: DialogueExtras) -> Json:
    """A public dialogue. Its texts and its report's summary each carry `english`: null when only in
    Dutch, as the pages show them (dialogues.models.dialogue_text)."""
    report = None
    if item.report_published_at is not None:
        report_english = None
        if dialogue_models.report_has_english(item):
            report_english = {"summary_markdown": item.report_source_en, "summary_html": item.report_html_en}
        report = {
            "published_at": timestamp(item.report_published_at),
            "summary_markdown": item.report_source, "summary_html": item.report_html,
            "english": report_english,
            "followup_calls": [ref for ref in (call_ref(c) for c in item.followup_calls) if ref is not None],
            "contributions": [contribution(c) for c in extras.contributions.get(item.id, [])],
        }
    return {
        "id": item.id, "slug": item.slug, "kind": item.kind.value, "title": item.title,
        "body_markdown": item.body_source, "body_html": item.body_html,
        "english": dialogue_english(item),
        "category": category_ref(item.category) if item.category is not None else None,
        "related_call": call_ref(item.related_call),
        "starts_at": timestamp(item.starts_at), "ends_at": timestamp(item.ends_at),
        "registration_closes_at": timestamp(item.registration_closes_at),
        "capacity": item.capacity,
        "seats_left": max(item.capacity - extras.confirmed.get(item.id, 0), 0),
        "eligibility": item.eligibility.value, "slot_minutes": item.slot_minutes,
        "status": item.status.value, "status_reason": item.status_reason,
        "published_at": timestamp(item.published_at), "updated_at": timestamp(item.updated_at),
        "report": report,
        "links": {"html": absolute("dialogues.detail", slug=item.slug),
                  "api": absolute("api.dialogue_detail", slug=item.slug),
                  "ics": absolute("dialogues.ics", slug=item.slug)},
    }


# --- market consultations --------------------------------------------------------------------


def consultation_english(item: Consultation) -> Json | None:
    """The consultation's English version, or null when it is only in Dutch: as a call's (english_texts),
    it exists with its English title (consultations.models.has_english); an empty text: only in Dutch."""
    if not consultation_models.has_english(item):
        return None
    return {"title": item.title_en, "body_markdown": item.body_source_en, "body_html": item.body_html_en}


def consultation_question(item: ConsultationQuestion) -> Json:
    english = {"text": item.text_en} if consultation_models.question_has_english(item) else None
    return {"number": item.number, "text": item.text, "english": english}


def consultation_theme(item: ConsultationTheme) -> Json:
    english = None
    if consultation_models.theme_has_english(item):
        english = {"title": item.title_en, "action_markdown": item.action_source_en,
                   "action_html": item.action_html_en}
    return {"title": item.title, "disposition": item.disposition.value,
            "action_markdown": item.action_source, "action_html": item.action_html, "english": english}


def consultation(item: Consultation, now: dt.datetime) -> Json:
    """A public consultation. The answers are not here: they are private to each company. Its texts,
    questions, summary and themes each carry `english`: null when only in Dutch, as the pages show them
    (consultations.models: consultation_text, question_text, theme_text)."""
    summary = None
    if item.summary_published_at is not None:
        summary_english = None
        if consultation_models.summary_has_english(item):
            summary_english = {"summary_markdown": item.summary_source_en, "summary_html": item.summary_html_en}
        summary = {"published_at": timestamp(item.summary_published_at),
                   "summary_markdown": item.summary_source, "summary_html": item.summary_html,
                   "english": summary_english,
                   "themes": [consultation_theme(t) for t in item.themes]}
    follow_up = item.follow_up_call if consultation_lifecycle.shows_follow_up(item, item.follow_up_call) else None
    return {
        "id": item.id, "slug": item.slug, "title": item.title,
        "body_markdown": item.body_source, "body_html": item.body_html,
        "english": consultation_english(item),
        "category": category_ref(item.category) if item.category is not None else None,
        "stage": consultation_lifecycle.stage(item, now).value,
        "closes_at": timestamp(item.closes_at), "published_at": timestamp(item.published_at),
        "questions": [consultation_question(q) for q in item.questions],
        "documents": [{"title": d.title, "format": d.content_type, "size": d.size, "sha256": d.sha256,
                       "url": absolute("consultations.document_download", slug=item.slug, document_id=d.id)}
                      for d in item.documents],
        "follow_up_call": call_ref(follow_up),
        "summary": summary,
        "links": {"html": absolute("consultations.detail", slug=item.slug),
                  "api": absolute("api.consultation_detail", slug=item.slug)},
    }


# --- monitoring: register, contracts, figures ------------------------------------------------


def record(item: ProcurementRecord) -> Json:
    return {
        "id": item.id, "reference": item.reference, "title": item.title, "description": item.description,
        "source": "external" if item.is_external else "platform", "call": call_ref(item.call),
        "category": category_ref(item.category), "department": department_ref(item.department),
        "target_level": item.target_level, "applied_level": item.applied_level,
        "below_target": item.below_target, "explanation": item.explanation,
        "explanation_pending": item.lacks_explanation,
        "published_on": day(item.published_on), "estimated_value": money(item.estimated_value_cents),
        "links": {"html": absolute("monitoring.record_detail", record_id=item.id),
                  "contracts": absolute("api.contract_list", record=item.id)},
    }


def target(item: ContractTarget) -> Json:
    return {"id": item.id, "social_value": social_value_ref(item.social_value), "indicator": item.indicator,
            "unit": item.unit.value, "agreed_value": decimal(item.agreed_value),
            "realised_value": decimal(item.realised_value), "met": item.is_met}


def result_update(item: ResultUpdate) -> Json:
    return {"id": item.id, "reported_on": day(item.reported_on), "progress_percent": item.progress_percent,
            "note": item.note,
            "measurements": [{"target_id": m.target_id, "value": decimal(m.value)}
                             for m in sorted(item.measurements, key=lambda m: m.target_id)]}


def contract(item: Contract) -> Json:
    record_ = item.record
    return {
        "id": item.id, "title": item.title, "supplier_name": item.supplier_name, "value": money(item.value_cents),
        "signed_on": day(item.signed_on), "ends_on": day(item.ends_on),
        "procurement": {"id": record_.id, "reference": record_.reference, "title": record_.title,
                        "links": {"html": absolute("monitoring.record_detail", record_id=record_.id)}},
        "call": call_ref(record_.call),
        "progress_percent": item.progress_percent,
        "targets": [target(t) for t in item.targets],
        "result_updates": [result_update(u) for u in item.updates],
        "links": {"html": absolute("monitoring.contract_detail", contract_id=item.id)},
    }


def target_total(item: TargetTotal) -> Json:
    return {"social_value": social_value_ref(item.social_value), "unit": item.unit.value, "targets": item.targets,
            "met": item.met, "agreed": decimal(item.agreed), "realised": decimal(item.realised)}


def category_row(item: CategoryRow) -> Json:
    return {"category": category_ref(item.category), "procurements": item.procurements,
            "at_target": item.at_target, "share_at_target": item.share_at_target, "contracts": item.contracts,
            "contract_value": money(item.contract_value_cents)}


def figures(item: Figures, *, category: Category | None, department: Department | None,
            years: list[int]) -> Json:
    return {
        "filters": {"year": item.filters.year, "category": category.slug if category else None,
                    "department": department.slug if department else None},
        "available_years": years,
        "calls_published": item.calls_published,
        "calls_per_level": [{"level": level, "calls": count} for level, count in sorted(item.calls_per_level.items())],
        "experiment_space": {"calls": item.experiments, "extra_weeks": item.experiment_weeks,
                             "process_budget": money(item.experiment_budget_cents)},
        "dialogues_held": item.dialogues_held,
        "consultations_held": item.consultations_held, "participants": item.participants,
        "questions_answered": item.questions_answered, "proposals_received": item.proposals_received,
        "awards": item.awards, "contracts": item.contracts, "contract_value": money(item.contract_value_cents),
        "procurements": item.procurements, "procurements_at_target": item.procurements_at_target,
        "share_at_target": item.share_at_target,
        "targets": [target_total(t) for t in item.targets],
        "categories": [category_row(row) for row in item.categories],
        "principles": [{"principle": principle_ref(row.principle), "calls": row.calls,
                        "criteria_chosen": row.criteria_chosen} for row in item.principles],
    }


# --- catalogue -------------------------------------------------------------------------------


def catalogue(categories: list[Category], values: list[SocialValue], departments: list[Department]) -> Json:
    return {
        "categories": [{**category_ref(c), "social_values": [v.slug for v in c.social_values]} for c in categories],
        "social_values": [{**social_value_ref(v), "description_nl": v.description_nl,
                           "description_en": v.description_en} for v in values],
        "departments": [department_ref(d) for d in departments],
    }


# --- leading principles and the criteria library ---------------------------------------------


def principles(items: list[LeadingPrinciple], criteria: list[LibraryCriterion],
               calls_per_year: dict[int, dict[int, int]]) -> Json:
    """Every principle with its social values, its library criteria per level and its calls per year."""
    def levels(principle: LeadingPrinciple) -> list[Json]:
        return [{"level": level, "criteria": sum(1 for c in criteria if c.principle_id == principle.id
                                                 and c.level == level and not c.is_retired)}
                for level in (1, 2, 3)]

    return {"principles": [{
        **principle_ref(p), "description_nl": p.description_nl, "description_en": p.description_en,
        "retired": p.is_retired, "social_values": [v.slug for v in p.social_values],
        "criteria_per_level": levels(p),
        "calls_per_year": [{"year": year, "calls": counts.get(p.id, 0)}
                           for year, counts in sorted(calls_per_year.items(), reverse=True)],
    } for p in items]}


def library(criteria: list[LibraryCriterion]) -> Json:
    return {"criteria": [{**library_criterion_ref(c), "category": c.category.slug, "retired": c.is_retired}
                         for c in criteria]}
# --- pipeline and lessons (issue #19, parts 6 and 7) ---------------------------------------------


def planned_purchase(item: Any) -> Json:
    """A public planned purchase. The call it became is named only once that call is public (a draft
    never leaks); the contact person is not published (no personal data)."""
    from ..pipeline import lifecycle as pipeline_lifecycle

    return {
        "id": item.id, "title": item.title, "title_en": item.title_en or None,
        "description": item.description, "description_en": item.description_en or None,
        "category": category_ref(item.category), "expected_year": item.expected_year,
        "expected_quarter": item.expected_quarter, "quarter": item.quarter_key,
        "value_class": item.value_class.value, "intended_level": item.intended_level,
        "level_explanation": item.level_explanation or None,
        "social_values": [social_value_ref(v) for v in item.social_values],
        "department": department_ref(item.department),
        "state": pipeline_lifecycle.public_state(item).value,
        "call": call_ref(pipeline_lifecycle.public_call(item)),
        "register_entry_id": item.record_id,
        "announced_at": timestamp(item.announced_at),
        "links": {"html": absolute("pipeline.pipeline", category=item.category.slug)},
    }


def lesson(item: Any) -> Json:
    """A public lesson learned (internal ones never reach the open data)."""
    return {
        "id": item.id, "title": item.title, "moment": item.moment.value,
        "recorded_on": item.recorded_on.isoformat(), "category": category_ref(item.category),
        "social_value": social_value_ref(item.social_value), "what_worked": item.what_worked,
        "what_did_not": item.what_did_not, "call": call_ref(item.call), "register_entry_id": item.record_id,
        "contract_id": item.contract_id,
        "experiment_paid_off": item.paid_off.value if item.paid_off else None,
        "paid_off_explanation": item.paid_off_explanation or None,
        "links": {"html": absolute("lessons.detail", lesson_id=item.id)},
    }
