"""The calls as an OCDS 1.1 release package (Open Contracting Data Standard, version 1.1.5 schemas).

One contracting process per public call, identified by `{OCDS_PREFIX}-call-{id}`. Each stage of
the call is a release with a stable id, dated when the stage happened:
- `tender`: the call was published (tender with phases, weighted criteria and documents);
- `tenderUpdate`: the call closed, or was decided (status `complete`);
- `tenderCancellation`: the call was cancelled (status `cancelled`, the public reason in `mvi`);
- `award`: the decisions of a phase were published; an award per funded proposal (awarded, or
  advanced to the next phase), valued at its requested budget, or one `unsuccessful` award when
  nobody was selected;
- `contract`: a contract from the monitoring register was signed;
- `implementation`: a result update on such a contract, as a `reporting` milestone.
- `planning` (its own contracting process, `{OCDS_PREFIX}-plan-{id}`): a public planned purchase of
  the procurement pipeline, see `planning_release` (and `withdrawn_planning_release` for one made
  internal again); a call that started from one names it in `relatedProcesses` (relationship
  `planning`).
`releases()` says what the releases of a call are now; api/releases.py stores each one once,
when its stage happens, and stores a later correction as a new release (an amendment with its
own id and date), so a release once published never changes. The package page serves the
stored JSON.

MVI data that OCDS has no field for sits in `mvi` objects (OCDS allows additional fields): the
ambition and target level with the comply-or-explain explanation, the social values, the criteria
per phase, the agreed social targets and the measured results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from ..calls.models import Call, CallKind, CallStatus, Phase, StageType
from ..calls.stages import prize_for
from ..consultations.models import Consultation
from ..core.timezones import local_to_utc
from ..dialogues.models import Dialogue
from ..monitoring.models import Contract, ResultUpdate
from ..pipeline.lifecycle import public_call, public_state
from ..pipeline.models import PlannedPurchase, ValueClass
from ..proposals.services import shares_of_amount
from .queries import PhaseDecisions, PublishedDecision, StatusChange
from .serializers import absolute, timestamp

Json = dict[str, Any]

OCDS_VERSION = "1.1"
DEFAULT_PREFIX = "ocds-mviutr"
BUYER_ID = "gemeente-utrecht"
BUYER_NAME = "Gemeente Utrecht"
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
LANGUAGE = "nl"  # the texts of calls, decisions and reports are written in Dutch
ELIGIBILITY = {"entrepreneurs": "Ondernemers", "citizens": "Inwoners", "both": "Ondernemers en inwoners"}
METHOD_DETAILS = {
    CallKind.CHALLENGE: "Challenge",
    CallKind.SBIR: "SBIR (Small Business Innovation Research)",
    CallKind.PARTNERSHIP: "Innovatiepartnerschap (Aanbestedingswet art. 2.126a)",
    CallKind.STAGED_CHALLENGE: "Challenge in rondes (prijsvraag met shortlist, pitch en prijzen per plaats)",
}
# The closed method codelist: an innovation partnership first selects partners on suitability, and
# only they take part (selective, like the restricted procedure it follows). A challenge, an SBIR
# call and a staged challenge (a prize contest) let anyone eligible submit in the first stage: open.
# That later stages admit only those advanced is part of the procedure, shown in the milestones.
METHODS = {CallKind.PARTNERSHIP: "selective"}
STAGED_KINDS = (CallKind.PARTNERSHIP, CallKind.STAGED_CHALLENGE)
# Each stage is a milestone (open milestoneType codelist): a stage's submissions are assessed; a
# pitch is a session with the applicants (engagement); the purchase delivers the developed result.
MILESTONE_TYPES = {StageType.PITCH: "engagement", StageType.PURCHASE: "delivery"}
# In the release's language (Dutch), whatever the language of the request.
STAGE_NAMES = {StageType.PHASE: "Fase", StageType.SELECTION: "Selectie van partners",
               StageType.RND: "Onderzoek en ontwikkeling (go/no-go per partner)",
               StageType.PURCHASE: "Aankoop van het resultaat",
               StageType.ROUND: "Ronde (shortlist naar de volgende ronde)",
               StageType.PITCH: "Pitch (prijzen per plaats)"}
# Status changes after publication → (release tag, tender status at that moment).
TENDER_CHANGES = {
    CallStatus.CLOSED: ("tenderUpdate", "active"),  # submissions closed; evaluation goes on
    CallStatus.DECIDED: ("tenderUpdate", "complete"),
    CallStatus.CANCELLED: ("tenderCancellation", "cancelled"),
}


@dataclass
class CallStages:
    """Everything about one call that its releases need, loaded for a page of calls at once."""

    call: Call
    decisions: dict[int, PhaseDecisions] = field(default_factory=dict)  # phase id →
    changes: list[StatusChange] = field(default_factory=list)
    questions_updated: dt.datetime | None = None
    dialogues: list[Dialogue] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    notes: list[tuple[int, dt.datetime]] = field(default_factory=list)  # clarification notes: number, issued
    consultations: list[Consultation] = field(default_factory=list)  # market consultations the call follows
    plan: PlannedPurchase | None = None  # the public planned purchase the call started from


def ocid(call: Call) -> str:
    prefix = str(current_app.config.get("OCDS_PREFIX") or DEFAULT_PREFIX)
    return f"{prefix}-call-{call.id}"


def date_time(day: dt.date) -> str:
    """A calendar date (Amsterdam) as the UTC instant of its start: OCDS dates are date-times."""
    return timestamp(local_to_utc(dt.datetime.combine(day, dt.time())))  # type: ignore[return-value]


def value(cents: int) -> Json:
    return {"amount": cents / 100, "currency": "EUR"}


def buyer_party() -> Json:
    return {"id": BUYER_ID, "name": BUYER_NAME, "roles": ["buyer", "procuringEntity"]}


def buyer_ref() -> Json:
    return {"id": BUYER_ID, "name": BUYER_NAME}


# --- tender ---------------------------------------------------------------------------------


def _period(start: dt.datetime | None, end: dt.datetime | None) -> Json:
    return {key: timestamp(moment) for key, moment in (("startDate", start), ("endDate", end)) if moment is not None}


def _criteria_text(phase: Phase) -> str:
    parts = []
    for criterion in phase.criteria:
        knockout = f" (minimum {criterion.knockout_minimum})" if criterion.knockout_minimum is not None else ""
        parts.append(f"{criterion.name} {criterion.weight}%{knockout}")
    return f"{phase.title}: {', '.join(parts)}."


def _documents(stages: CallStages) -> list[Json]:
    call = stages.call
    documents = [{"id": "call", "documentType": "tenderNotice", "title": call.title,
                  "url": absolute("calls.call_detail", slug=call.slug), "datePublished": timestamp(call.published_at),
                  "format": "text/html", "language": LANGUAGE}]
    documents += [{"id": f"document-{d.id}", "documentType": "biddingDocuments", "title": d.title,
                   "url": absolute("calls.document_download", slug=call.slug, document_id=d.id),
                   "datePublished": timestamp(d.uploaded_at), "format": d.content_type, "language": LANGUAGE}
                  for d in call.documents]
    if stages.questions_updated is not None:
        documents.append({"id": "clarifications", "documentType": "clarifications", "title": "Nota van inlichtingen",
                          "url": absolute("proposals.questions", slug=call.slug),
                          "dateModified": timestamp(stages.questions_updated), "format": "text/html",
                          "language": LANGUAGE})
    # Each clarification note is a fixed call document (its PDF); the page above keeps growing.
    documents += [{"id": f"clarification-note-{number}", "documentType": "clarifications",
                   "title": f"Nota van inlichtingen {number}",
                   "url": absolute("notices.note_download", slug=call.slug, number=number),
                   "datePublished": timestamp(issued_at), "format": "application/pdf", "language": LANGUAGE}
                  for number, issued_at in stages.notes]
    documents += [{"id": f"dialogue-report-{d.id}", "documentType": "marketStudies", "title": d.title,
                   "description": "Verslag van een dialoog ter voorbereiding van deze uitvraag.",
                   "url": absolute("dialogues.detail", slug=d.slug, _anchor="report"),
                   "datePublished": timestamp(d.report_published_at), "format": "text/html", "language": LANGUAGE}
                  for d in stages.dialogues]
    return documents


def _mvi(call: Call) -> Json:
    department = call.department
    return {
        "kind": call.kind.value,
        "ambitionLevel": call.ambition_level,
        "targetLevel": call.effective_target_level,
        "belowTarget": call.below_target,
        "levelExplanation": call.level_explanation,
        "category": {"id": call.category.slug, "name": call.category.name_nl, "nameEn": call.category.name_en},
        "department": ({"id": department.slug, "name": department.name_nl, "nameEn": department.name_en}
                       if department is not None else None),
        "socialValues": [{"id": v.slug, "name": v.name_nl, "nameEn": v.name_en} for v in call.social_values],
        "statusReason": call.status_reason,
        "phases": [{
            "number": phase.number, "title": phase.title,
            "period": _period(phase.opens_at, phase.closes_at),
            "value": value(phase.budget_cents), "maxAwards": phase.max_awards,
            "criteria": [{"name": c.name, "description": c.description, "weight": c.weight,
                          "knockoutMinimum": c.knockout_minimum} for c in phase.criteria],
        } for phase in call.phases],
        "api": absolute("api.call_detail", slug=call.slug),
    }


def tender(stages: CallStages, status: str) -> Json:
    call = stages.call
    phases = call.phases
    return {
        "id": f"call-{call.id}",
        "title": call.title,
        "description": call.summary,
        # OCDS language variants (field_lang); Dutch stays the main text.
        **({"title_en": call.title_en, "description_en": call.summary_en} if call.has_english else {}),
        "status": status,
        "procuringEntity": buyer_ref(),
        "value": value(sum(phase.budget_cents for phase in phases)),
        **procurement_method(call),
        "mainProcurementCategory": "services",  # innovation challenges and SBIR research are services
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": " ".join(_criteria_text(phase) for phase in phases),
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": _period(phases[0].opens_at if phases else None, phases[-1].closes_at if phases else None),
        "hasEnquiries": stages.questions_updated is not None,
        "eligibilityCriteria": ELIGIBILITY[call.eligibility.value],
        "documents": _documents(stages),
        **({"milestones": milestones} if (milestones := stage_milestones(call)) else {}),
        "mvi": _mvi(call),
    }


def procurement_method(call: Call) -> Json:
    """`tender.procurementMethod` (closed codelist) and its details, per kind of call."""
    return {"procurementMethod": METHODS.get(call.kind, "open"), "procurementMethodDetails": METHOD_DETAILS[call.kind]}


def stage_milestones(call: Call) -> list[Json]:
    """The call's stages as tender milestones, due at each stage's deadline. No status: the tender
    section is stored as an immutable release and amended only when the call itself changes, so a
    stage's decisions (published as award releases) must not make it look amended. Only the kinds
    whose stages differ in kind (innovation partnership, challenge in rounds): a challenge's or an
    SBIR call's phases are already its tender period and award criteria, as before."""
    if call.kind not in STAGED_KINDS:
        return []
    return [{
        "id": f"call-{call.id}-stage-{phase.number}",
        "title": phase.title,
        "type": MILESTONE_TYPES.get(phase.stage_type, "assessment"),
        "description": STAGE_NAMES[phase.stage_type],
        "dueDate": timestamp(phase.closes_at),
    } for phase in call.phases]


def planning(stages: CallStages) -> Json | None:
    """The market consultations that prepared the call, as planning documents of type `marketStudies`
    (codelist: "market engagement conducted in preparation for the contracting process", section
    planning): the consultation itself and, once published, its summary. A consultation has no
    release of its own: it is not a contracting process and may never lead to one, so an ocid for it
    would announce a procurement that does not exist; it appears here once the call that follows is
    public. The companies' answers are private and never published."""
    documents: list[Json] = []
    for consultation in stages.consultations:
        documents.append({"id": f"market-consultation-{consultation.id}", "documentType": "marketStudies",
                          "title": f"Marktconsultatie: {consultation.title}",
                          "description": "Consultatiedocument met genummerde vragen aan de markt.",
                          "url": absolute("consultations.detail", slug=consultation.slug),
                          "datePublished": timestamp(consultation.published_at), "format": "text/html",
                          "language": LANGUAGE})
        if consultation.summary_published_at is not None:
            documents.append({"id": f"market-consultation-{consultation.id}-summary", "documentType": "marketStudies",
                              "title": f"Samenvatting marktconsultatie: {consultation.title}",
                              "description": "Wat de gemeente per thema met de antwoorden doet.",
                              "url": absolute("consultations.detail", slug=consultation.slug, _anchor="summary"),
                              "datePublished": timestamp(consultation.summary_published_at),
                              "format": "text/html", "language": LANGUAGE})
    return {"documents": documents} if documents else None


def related_processes(stages: CallStages) -> list[Json]:
    """The planning process (a public planned purchase) the call started from: OCDS links a separate
    planning process from the contracting process that follows it (relationship `planning`)."""
    plan = stages.plan
    if plan is None:
        return []
    return [{"id": f"plan-{plan.id}", "relationship": ["planning"], "title": plan.title, "scheme": "ocid",
             "identifier": plan_ocid(plan), "uri": absolute("api.ocds_releases")}]


def _release(stages: CallStages, suffix: str, date: str | None, tags: list[str], **sections: Any) -> Json:
    identifier = ocid(stages.call)
    return {"ocid": identifier, "id": f"{identifier}-{suffix}", "date": date, "tag": tags,
            "initiationType": "tender", "language": LANGUAGE, "buyer": buyer_ref(), **sections}


def tender_releases(stages: CallStages) -> list[Json]:
    call = stages.call
    planned = planning(stages)
    extra: Json = {"planning": planned} if planned is not None else {}
    if related := related_processes(stages):
        extra["relatedProcesses"] = related
    releases = [_release(stages, "tender", timestamp(call.published_at), ["tender"],
                         parties=[buyer_party()], tender=tender(stages, "active"), **extra)]
    for change in stages.changes:
        if change.status not in TENDER_CHANGES:
            continue  # archiving changes nothing in the procurement
        tag, status = TENDER_CHANGES[change.status]
        releases.append(_release(stages, f"tender-{change.status.value}", timestamp(change.at), [tag],
                                 parties=[buyer_party()], tender=tender(stages, status), **extra))
    return releases


# --- awards ----------------------------------------------------------------------------------


def supplier_party(organisation_id: int | None, name: str, fallback_id: str) -> Json:
    return {"id": f"org-{organisation_id}" if organisation_id is not None else fallback_id, "name": name,
            "roles": ["supplier"]}


def _partner_party_id(proposal: Any, partner: dict[str, Any]) -> str:
    if partner["organisation_id"] is not None:
        return f"org-{partner['organisation_id']}"
    return f"proposal-{proposal.id}-partner-{partner['kvk_number']}"


def consortium_parties(proposal: Any) -> list[Json]:
    """The organisations of a published, funded proposal: the lead, and for a consortium every
    partner of the submitted version (never the live invitations), each a tenderer and supplier with
    its role and budget share in `mvi`. Only called for published decisions, so partners are never
    named before publication."""
    lead = proposal.organisation
    latest = proposal.latest_version
    partners = list(latest.consortium or []) if latest is not None else []
    if not partners:
        return [supplier_party(lead.id, lead.name, "")]
    budget = latest.requested_budget_cents or 0
    parties = [{"id": f"org-{lead.id}", "name": lead.name, "roles": ["tenderer", "supplier"],
                "mvi": {"consortiumRole": "lead",
                        "share": value(budget - sum(p["share_cents"] for p in partners))}}]
    for partner in partners:
        parties.append({"id": _partner_party_id(proposal, partner), "name": partner["name"],
                        "roles": ["tenderer", "supplier"],
                        "mvi": {"consortiumRole": "partner", "roleDescription": partner["role"],
                                "share": value(partner["share_cents"])}})
    return parties


def award_id(proposal_id: int) -> str:
    return f"award-{proposal_id}"


def award_suppliers(item: PublishedDecision) -> list[Json]:
    """The parties of a published, funded proposal's award: its organisation, or the whole consortium;
    none for a private person who won (not named). The award release and the release of the contract
    that follows from the award both name exactly these, so the two agree and a compiled record that
    merges the parties by id keeps every member's roles."""
    return consortium_parties(item.proposal) if item.proposal.organisation is not None else []


def award_releases(stages: CallStages) -> list[Json]:
    releases = []
    for phase in stages.call.phases:
        published = stages.decisions.get(phase.id)
        if published is None:
            continue
        date = timestamp(phase.decisions_published_at)
        awards, parties = [], [buyer_party()]
        for item in published.decisions:
            if not item.funded:
                continue  # shortlisted: named on the call page, but not an award
            score = item.result.score if item.result is not None else None
            award: Json = {"id": award_id(item.proposal.id), "title": item.title,
                           "description": item.decision.motivation, "status": "active", "date": date,
                           "mvi": {"phase": phase.number, "outcome": item.decision.outcome.value,
                                   "score": round(score, 2) if score is not None else None}}
            prize = prize_for(phase, item.decision.place)
            if prize is not None:  # a pitch winner receives the prize of their place, not a budget they asked
                award["value"] = value(prize)
            elif item.budget_cents is not None:  # the submitted version's budget, never the working copy
                award["value"] = value(item.budget_cents)
            found = award_suppliers(item)
            if found:  # a private person who won is not named
                parties += found
                award["suppliers"] = [{"id": party["id"], "name": party["name"]} for party in found]
            awards.append(award)
        if not awards:
            awards.append({"id": f"phase-{phase.number}-unsuccessful", "title": "Geen voorstel geselecteerd",
                           "status": "unsuccessful", "date": date, "mvi": {"phase": phase.number}})
        releases.append(_release(stages, f"award-phase-{phase.number}", date, ["award"],
                                 parties=_unique(parties), awards=awards))
    return releases


def _unique(parties: list[Json]) -> list[Json]:
    seen: dict[str, Json] = {}
    for party in parties:
        seen.setdefault(party["id"], party)
    return list(seen.values())


# --- contracts and their implementation --------------------------------------------------------


def _published_awards(stages: CallStages) -> dict[str, PublishedDecision]:
    """The published, funded decisions of the call by their award's id: nothing of a proposal whose
    decision is a draft, or that was not funded, is among them."""
    return {award_id(item.proposal.id): item for published in stages.decisions.values()
            for item in published.decisions if item.funded}


def _contract_award(contract: Contract, published: dict[str, PublishedDecision]) -> tuple[str, Json | None]:
    """The award a contract follows from; a contract without a published award gets its own."""
    if contract.proposal_id is not None and award_id(contract.proposal_id) in published:
        return award_id(contract.proposal_id), None
    own = {"id": f"contract-{contract.id}-award", "title": contract.title, "status": "active",
           "date": date_time(contract.signed_on), "value": value(contract.value_cents),
           "suppliers": [_supplier_ref(contract)]}
    return own["id"], own


def _supplier(contract: Contract) -> Json:
    return supplier_party(contract.supplier_organisation_id, contract.supplier_name, f"contract-{contract.id}-supplier")


def _supplier_ref(contract: Contract) -> Json:
    party = _supplier(contract)
    return {"id": party["id"], "name": party["name"]}


def _targets(contract: Contract) -> list[Json]:
    return [{"id": f"target-{t.id}", "socialValue": {"id": t.social_value.slug, "name": t.social_value.name_nl,
                                                      "nameEn": t.social_value.name_en},
             "indicator": t.indicator, "unit": t.unit.value, "agreedValue": f"{t.agreed_value:.2f}"}
            for t in contract.targets]


def _contract_parties(contract: Contract, awarded: PublishedDecision | None) -> tuple[list[Json], list[Json]]:
    """The parties of a contract's release and each consortium member's part of its value.

    A contract that follows from a published award names the award's suppliers, the same party
    objects as the award release (for a consortium: the lead and every partner of the submitted
    version, tenderer and supplier), and splits its value in proportion to the submitted budget
    shares, as the contract page does; a contract with its own award names its one supplier."""
    if awarded is None:
        return [buyer_party(), _supplier(contract)], []
    suppliers = award_suppliers(awarded)
    proposal = awarded.proposal
    # The lead first, then the partners in the order of the submitted version, as the parties; none
    # when the submitted budget gives no proportion (nothing asked).
    parts = shares_of_amount(proposal, contract.value_cents) if len(suppliers) > 1 else []
    shares = [{"partyId": party["id"], "name": party["name"], "value": value(share["amount_cents"])}
              for party, share in zip(suppliers, parts, strict=True)] if len(parts) == len(suppliers) else []
    return [buyer_party(), *suppliers], shares


def contract_releases(stages: CallStages, today: dt.date) -> list[Json]:
    releases = []
    published = _published_awards(stages)
    for contract in stages.contracts:
        awarded_by, own_award = _contract_award(contract, published)
        parties, shares = _contract_parties(contract, published[awarded_by] if own_award is None else None)
        ended = contract.ends_on is not None and contract.ends_on < today
        body: Json = {
            "id": f"contract-{contract.id}", "awardID": awarded_by, "title": contract.title,
            "status": "terminated" if ended else "active",
            "period": {"startDate": date_time(contract.signed_on),
                       **({"endDate": date_time(contract.ends_on)} if contract.ends_on else {})},
            "value": value(contract.value_cents), "dateSigned": date_time(contract.signed_on),
            "mvi": {"targets": _targets(contract), **({"shares": shares} if shares else {}),
                    "url": absolute("monitoring.contract_detail", contract_id=contract.id)},
        }
        sections: Json = {"parties": parties, "contracts": [body]}
        if own_award is not None:
            sections["awards"] = [own_award]
        releases.append(_release(stages, f"contract-{contract.id}", date_time(contract.signed_on), ["contract"],
                                 **sections))
        releases += [_implementation_release(stages, contract, awarded_by, update) for update in contract.updates]
    return releases


def _implementation_release(stages: CallStages, contract: Contract, awarded_by: str, update: ResultUpdate) -> Json:
    targets = {t.id: t for t in contract.targets}
    milestone = {
        "id": f"result-update-{update.id}", "title": f"Resultaatrapportage {update.reported_on.isoformat()}",
        "type": "reporting", "description": update.note, "status": "met", "dateMet": date_time(update.reported_on),
        "mvi": {"progressPercent": update.progress_percent,
                "measurements": [{"targetId": f"target-{m.target_id}", "indicator": targets[m.target_id].indicator,
                                  "unit": targets[m.target_id].unit.value, "value": f"{m.value:.2f}"}
                                 for m in sorted(update.measurements, key=lambda m: m.target_id)
                                 if m.target_id in targets]},
    }
    return _release(stages, f"contract-{contract.id}-update-{update.id}", date_time(update.reported_on),
                    ["implementation"],
                    contracts=[{"id": f"contract-{contract.id}", "awardID": awarded_by,
                                "implementation": {"milestones": [milestone]}}])


# --- planned purchases (the procurement pipeline) ----------------------------------------------

# The value class of a planned purchase (never the exact estimate) as a range in euros.
VALUE_CLASS_RANGES = {
    ValueClass.UNDER_50K: (None, 50_000), ValueClass.FROM_50K: (50_000, 221_000),
    ValueClass.FROM_221K: (221_000, 1_000_000), ValueClass.FROM_1M: (1_000_000, 5_000_000),
    ValueClass.OVER_5M: (5_000_000, None),
}


def plan_ocid(plan: PlannedPurchase) -> str:
    prefix = str(current_app.config.get("OCDS_PREFIX") or DEFAULT_PREFIX)
    return f"{prefix}-plan-{plan.id}"


def _euros(amount: int) -> str:
    return f"€ {amount:,}".replace(",", ".")


def _value_class_text(low: int | None, high: int | None) -> str:
    if low is None:
        return f"minder dan {_euros(high or 0)}"
    if high is None:
        return f"meer dan {_euros(low)}"
    return f"{_euros(low)} tot {_euros(high)}"


def _quarter_end(year: int, quarter: int) -> dt.date:
    return dt.date(year + 1, 1, 1) - dt.timedelta(days=1) if quarter == 4 else \
        dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)


def planning_release(plan: PlannedPurchase) -> Json:
    """A public planned purchase as the planning release of its own contracting process.

    Only what the public pipeline page and the pipeline API show: no contact person, no exact
    estimate (a value class is a range: `planning.budget` describes it, without an amount), the call
    it became only once that call is public. `tender.status` is `planning`: a future contracting
    process being considered, whose details may still change. The expected quarter is a planning
    milestone, due at the end of the quarter the tender is expected to start in.

    Stored like a call's releases (api/releases.py): this is the plan's first statement, id
    `{ocid}-planning`, dated when it was announced, last changed or its call published; a later
    change of the plan is stored as a new release (`…-planning-amendment-N`, tag `planningUpdate`),
    and the one before stays as it was."""
    identifier = plan_ocid(plan)
    call = public_call(plan)
    low, high = VALUE_CLASS_RANGES[plan.value_class]
    category = plan.category
    department = plan.department
    target = category.target_level
    tender_: Json = {
        "id": f"plan-{plan.id}", "title": plan.title,
        **({"description": plan.description} if plan.description else {}),
        **({"title_en": plan.title_en} if plan.title_en else {}),
        **({"description_en": plan.description_en} if plan.title_en and plan.description_en else {}),
        "status": "planning",
        "procuringEntity": buyer_ref(),
        "mvi": {
            "intendedLevel": plan.intended_level, "targetLevel": target, "belowTarget": plan.intended_level < target,
            "levelExplanation": plan.level_explanation or None,
            "category": {"id": category.slug, "name": category.name_nl, "nameEn": category.name_en},
            "department": ({"id": department.slug, "name": department.name_nl, "nameEn": department.name_en}
                           if department is not None else None),
            "socialValues": [{"id": v.slug, "name": v.name_nl, "nameEn": v.name_en} for v in plan.social_values],
            "expectedQuarter": plan.quarter_key,
            "valueClass": {"id": plan.value_class.value, "minimum": low, "maximum": high, "currency": "EUR"},
            "state": public_state(plan).value,
            "call": {"ocid": ocid(call), "api": absolute("api.call_detail", slug=call.slug)} if call else None,
            "api": absolute("api.pipeline_list", quarter=plan.quarter_key),
            "url": absolute("pipeline.pipeline", category=category.slug),
        },
    }
    planning_: Json = {
        "budget": {"id": f"plan-{plan.id}-budget",
                   "description": f"Waardeklasse: {_value_class_text(low, high)} (een bandbreedte, geen raming)."},
        "milestones": [{"id": f"plan-{plan.id}-expected-start", "title": "Verwachte start van de inkoop",
                        "type": "preProcurement",
                        "description": f"De inkoop start naar verwachting in kwartaal {plan.expected_quarter} "
                                       f"van {plan.expected_year}.",
                        "dueDate": date_time(_quarter_end(plan.expected_year, plan.expected_quarter)),
                        "status": "met" if call is not None else "scheduled"}],
    }
    if plan.level_explanation:  # comply or explain: why the plan stays below the category's target
        planning_["rationale"] = plan.level_explanation
    changed = max(filter(None, (plan.announced_at, plan.updated_at, call.published_at if call else None)))
    release: Json = {"ocid": identifier, "date": timestamp(changed), "tag": ["planning"], "initiationType": "tender",
                     "language": LANGUAGE, "buyer": buyer_ref(), "parties": [buyer_party()],
                     "planning": planning_, "tender": tender_}
    return {"ocid": identifier, "id": f"{identifier}-planning", **release}


def withdrawn_planning_release(plan: PlannedPurchase) -> Json:
    """What is said when a plan that was public is made internal again: its planning process is
    `withdrawn`, and nothing else.

    Why a release at all: the plan's earlier releases were public and stay so (a release is never
    taken back), and a reader merging them would otherwise go on believing the purchase is planned
    for that quarter. Saying nothing more would leave that stale promise standing. Why `withdrawn`:
    OCDS 1.1.5 has no status for a planning process itself (`planning.finalStatus` is a 1.2 idea), and
    of its tender statuses `cancelled` states that the contracting process was called off, which staff
    did not decide (they keep an uncertain plan internal; it may come back, as a new planning
    release), whereas `withdrawn` is "no longer active for any other reason". Why so little: releases
    are merged in order, so the plan's last public statement plus this status is the whole record,
    and whatever staff changed while making the plan internal (a new title, a quarter) stays inside
    the municipality. Tag `planningUpdate`: it updates the planning process."""
    identifier = plan_ocid(plan)
    return {"ocid": identifier, "id": f"{identifier}-planning", "date": timestamp(plan.updated_at),
            "tag": ["planningUpdate"], "initiationType": "tender", "language": LANGUAGE,
            "tender": {"id": f"plan-{plan.id}", "status": "withdrawn"}}


# --- the package -----------------------------------------------------------------------------


def releases(stages: CallStages, today: dt.date) -> list[Json]:
    """All releases of one call, oldest first."""
    found = tender_releases(stages) + award_releases(stages) + contract_releases(stages, today)
    return sorted(found, key=lambda release: (release["date"] or "", release["id"]))


def package_envelope(*, uri: str, published: list[dt.datetime], fallback_date: dt.datetime, links: Json) -> Json:
    """The package around a page of releases. Its publication date is the newest moment a release
    of the page was dated or written: the package changes exactly when one of them does."""
    package_: Json = {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": timestamp(max(published, default=fallback_date)),
        "publisher": {"name": BUYER_NAME, "uri": absolute("api.index")},
        "license": LICENSE,
        "publicationPolicy": absolute("api.index"),
    }
    if links:
        package_["links"] = links
    return package_


def _package_head(envelope: Json) -> str:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def package_text(envelope: Json, release_texts: list[str]) -> str:
    """The package as JSON text, with the stored releases' JSON put in as they are (not re-parsed)."""
    start = f'{_package_head(envelope)[:-1]},"releases":['
    if not release_texts:
        return start + "]}"
    # One join with head and tail put on the first and last release: joining the releases and then
    # putting them between head and tail copied the page's megabyte of JSON twice.
    parts = list(release_texts)
    parts[0] = start + parts[0]
    parts[-1] += "]}"
    return ",".join(parts)


# Part of every package's ETag: change it when a migration rewrites stored releases (their row ids,
# from which the ETag is derived, would not change; see releases._version).
PACKAGE_FORMAT = "1"


def package_etag(envelope: Json, release_versions: Sequence[str]) -> str:
    """The ETag of `package_text(envelope, texts)`, from what that text is made of rather than from
    its megabyte: the envelope as written (its address, links, publication date, publisher) and which
    stored releases follow, in order (`releases.StoredPage.version` of each part). So a conditional
    request is answered without reading the releases' texts, and a changed release, a new one or
    another order gives another ETag."""
    text = "\n".join((PACKAGE_FORMAT, _package_head(envelope), *release_versions))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
