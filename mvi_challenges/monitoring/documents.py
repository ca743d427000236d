"""Decision documents: the MVI paragraph of a procurement and the yearly MVI report of a category.

The content is built once, as plain headings, facts and tables (`Document`), in the reader's
language; `decision_docs.py` writes it as ODT and as PDF, so both formats say the same.
Staff paste the paragraph into a college or council proposal: every figure is a sentence or a
table cell of its own, without layout that would break when copied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..calls import lifecycle as call_lifecycle
from ..calls.models import Call
from ..catalogue.models import LEVEL_LABELS, Category
from ..core.formatting import amount, local_date, money
from .models import UNIT_LABELS, ProcurementRecord
from .services import RegisterFilters, register_query
from .yearly_counts import DashboardFilters, dashboard


@dataclass
class Section:
    heading: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # a table, when there are columns
    rows: list[list[str]] = field(default_factory=list)
    text: str = ""  # a sentence after the facts/table, e.g. "none recorded"


@dataclass
class Document:
    title: str
    subtitle: str
    sections: list[Section]
    filename: str  # without extension; ASCII we made ourselves (slugs, numbers)


def _level(level: int) -> str:
    return f"{level} – {LEVEL_LABELS[level]}"


def _approval_fact(call: Call) -> tuple[str, str]:
    if call_lifecycle.explanation_state(call) is call_lifecycle.ExplanationState.APPROVED \
            and call.explanation_approved_by is not None and call.explanation_approved_at is not None:
        return _("Explanation approved"), _("by %(name)s on %(date)s", name=call.explanation_approved_by.name,
                                            date=local_date(call.explanation_approved_at))
    return _("Explanation approved"), _("not yet approved by the responsible manager")


def _experiment(call: Call) -> str:
    if not call.has_experiment_space:
        return _("none")
    text = _("%(weeks)d extra weeks, process budget %(budget)s", weeks=call.experiment_extra_weeks,
             budget=money(call.experiment_budget_cents))
    return f"{text}. {call.experiment_note}" if call.experiment_note else text


def _library_section(call: Call, locale: str) -> Section:
    """The MVI criteria chosen from the library: the applied ambition level follows from them, so a
    council proposal states them with the level, how each is verified and the principle it serves."""
    section = Section(_("MVI criteria from the library"),
                      columns=[_("Code"), _("Level"), _("Criterion"), _("Leading principle"), _("Verified by")])
    section.rows = [[c.code, str(c.level), c.localised("text", locale), c.principle.localised("name", locale),
                     c.localised("verification", locale)] for c in call.library_criteria]
    if not call.library_criteria:
        section.text = _("No criteria chosen from the library; the ambition level is the one recorded with the "
                         "call.")
    return section


def call_paragraph(call: Call, locale: str) -> Document:
    """The MVI paragraph of a call on this platform (also before publication: the proposal to
    the college is often written first)."""
    facts = [
        (_("Category"), call.category.localised("name", locale)),
        (_("Target ambition level of the category"), _level(call.effective_target_level)),
        (_("Ambition level applied"), _level(call.ambition_level)),
    ]
    if call.below_target:
        facts.append((_("Explanation (comply or explain)"),
                      str(call.text("level_explanation", locale)) or _("still to follow")))
        facts.append(_approval_fact(call))
    facts += [
        (_("Social values"), ", ".join(v.localised("name", locale) for v in call.social_values)
         or _("none chosen yet")),
        (_("Department responsible"), call.department.localised("name", locale) if call.department
         else _("not recorded")),
        (_("Budget"), money(sum(phase.budget_cents for phase in call.phases))),
        (_("Experiment space granted"), _experiment(call)),
    ]
    sections = [Section(_("MVI choices"), facts=facts), _library_section(call, locale)]
    for phase in call.phases:
        section = Section(_("Award criteria, phase %(n)d (%(title)s)", n=phase.number, title=phase.title),
                          columns=[_("Criterion"), _("Weight"), _("Knock-out minimum")])
        section.rows = [[c.name, f"{c.weight}%", str(c.knockout_minimum) if c.knockout_minimum is not None
                         else _("none")] for c in phase.criteria]
        section.facts = [(_("Budget of the phase"), money(phase.budget_cents))]
        if not phase.criteria:
            section.text = _("No criteria set yet.")
        sections.append(section)
    title = str(call.text("title", locale))
    return Document(_("MVI paragraph: %(title)s", title=title), _("Call on this platform"), sections,
                    f"mvi-paragraph-{call.slug}")


def record_paragraph(record: ProcurementRecord, locale: str) -> Document:
    """A register entry's paragraph: the call's own for a call, the register's for an outside tender."""
    if record.call is not None:
        return call_paragraph(record.call, locale)
    facts = [
        (_("Reference"), record.reference or _("not recorded")),
        (_("Published on"), local_date(record.published_on)),
        (_("Category"), record.category.localised("name", locale)),
        (_("Target ambition level of the category"), _level(record.target_level)),
        (_("Ambition level applied"), _level(record.applied_level)),
    ]
    if record.below_target:
        facts.append((_("Explanation (comply or explain)"), record.explanation or _("still to follow")))
    facts += [
        (_("Department responsible"), record.department.localised("name", locale) if record.department
         else _("not recorded")),
        (_("Budget"), money(record.estimated_value_cents) if record.estimated_value_cents is not None
         else _("not recorded")),
    ]
    note = _("Social values, criteria and experiment space of a tender outside the platform are not kept in the "
             "register; add them from the tender documents.")
    return Document(_("MVI paragraph: %(title)s", title=record.title), _("Tender outside the platform"),
                    [Section(_("MVI choices"), facts=facts, text=note)], f"mvi-paragraph-register-{record.id}")


def category_report(session: Session, category: Category, year: int, locale: str, now: dt.datetime) -> Document:
    """The yearly MVI report of a category: effort beside results, with the figures of the
    dashboard (same queries) and the register entries of the year."""
    figures = dashboard(session, DashboardFilters(year=year, category_id=category.id), now)
    name = category.localised("name", locale)
    share = "–" if figures.share_at_target is None else f"{figures.share_at_target}%"
    effort = Section(_("Effort"), facts=[
        (_("Calls published"), str(figures.calls_published)),
        *[(_("Calls at level %(n)d", n=level), str(count)) for level, count in figures.calls_per_level.items()],
        (_("Calls with experiment space"), str(figures.experiments)),
        (_("Experiment space: extra weeks"), str(figures.experiment_weeks)),
        (_("Experiment space: process budget"), money(figures.experiment_budget_cents)),
        (_("Dialogues held"), str(figures.dialogues_held)),
        (_("Participants"), str(figures.participants)),
        (_("Questions answered"), str(figures.questions_answered)),
        (_("Procurements in the register"), str(figures.procurements)),
        (_("Procurements at target level"), f"{figures.procurements_at_target} ({share})"),
    ])
    results = Section(_("Results"), facts=[
        (_("Proposals received"), str(figures.proposals_received)),
        (_("Awards"), str(figures.awards)),
        (_("Contracts signed"), str(figures.contracts)),
        (_("Contract value"), money(figures.contract_value_cents)),
    ], columns=[_("Social value"), _("Unit"), _("Targets"), _("Met"), _("Agreed"), _("Realised")])
    results.rows = [[t.social_value.localised("name", locale), str(UNIT_LABELS[t.unit]), str(t.targets), str(t.met),
                     amount(t.agreed) if t.agreed is not None else "–",
                     amount(t.realised) if t.realised is not None else "–"] for t in figures.targets]
    if not figures.targets:
        results.text = _("No targets agreed in contracts signed this year.")
    register = Section(_("Procurements of %(year)d", year=year),
                       columns=[_("Published on"), _("Title"), _("Target level"), _("Applied level"),
                                _("Explanation")])
    records = session.scalars(register_query(RegisterFilters(year=year, category_id=category.id)))
    register.rows = [[local_date(r.published_on), r.title, str(r.target_level), str(r.applied_level),
                      r.explanation if r.below_target else _("at target level")]
                     for r in sorted(records, key=lambda r: (r.published_on, r.id))]
    if not register.rows:
        register.text = _("No procurements published this year.")
    return Document(_("MVI report %(year)d: %(category)s", year=year, category=name),
                    _("Target ambition level of the category: %(level)s", level=_level(category.target_level)),
                    [effort, results, register], f"mvi-report-{category.slug}-{year}")
