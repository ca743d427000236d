"""The dashboard's tables and charts, built once from the figures.

The HTML page, the SVG charts and the CSV downloads all read these same tables, so what a
chart shows, what its table says and what a spreadsheet receives cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from ..core.exports import decimal_cell, euros_cell
from .models import UNIT_LABELS
from .yearly_counts import LEVELS, Figures

# Column kinds: how a raw value is shown on the page (the CSV gets the raw value).
TEXT, COUNT, MONEY, AMOUNT, PERCENT = "text", "count", "money", "amount", "percent"


class Money(int):
    """Cents in a column that otherwise holds other things (shown as euros)."""


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    def cells(self, row: list[Any]) -> list[tuple[Any, str]]:
        """(value, kind) per cell: the column's kind, or money for a Money value."""
        return [(value, MONEY if isinstance(value, Money) else column.kind)
                for column, value in zip(self.columns, row, strict=True)]

    def csv_rows(self) -> list[list[Any]]:
        """Money in euros and quantities with a decimal comma, empty for 'not applicable'."""
        return [
            [euros_cell(value) if kind == MONEY else decimal_cell(value) if kind == AMOUNT else
             ("" if value is None else value)
             for value, kind in self.cells(row)]
            for row in self.rows
        ]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    maximum: float
    table_id: str


def _name(obj: Any) -> str:
    return obj.localised("name", str(get_locale()))


def build_tables(figures: Figures) -> dict[str, Table]:
    levels = Table("levels", _("Calls published per ambition level"),
                   [Column(_("Ambition level")), Column(_("Calls published"), COUNT)],
                   [[_("Level %(n)d", n=level), figures.calls_per_level[level]] for level in LEVELS])
    effort = Table("effort", _("Effort"), [Column(_("Measure")), Column(_("Count"), COUNT)], [
        [_("Calls published"), figures.calls_published],
        [_("Dialogues held"), figures.dialogues_held],
        [_("Market consultations held"), figures.consultations_held],
        [_("Participants in dialogues"), figures.participants],
        [_("Questions answered"), figures.questions_answered],
        [_("Proposals received"), figures.proposals_received],
        [_("Calls granted experiment space"), figures.experiments],
        [_("Extra weeks granted for experiments"), figures.experiment_weeks],
        [_("Process budget granted for experiments"), Money(figures.experiment_budget_cents)],
    ])
    results = Table("results", _("Results"), [Column(_("Measure")), Column(_("Value"), COUNT)], [
        [_("Proposals awarded"), figures.awards],
        [_("Contracts signed"), figures.contracts],
        [_("Contract value"), Money(figures.contract_value_cents)],
        [_("Procurements in the register"), figures.procurements],
        [_("Procurements at or above the target level"), figures.procurements_at_target],
        [_("Share at target level (%)"), figures.share_at_target],
    ])
    targets = Table("targets", _("Agreed and realised targets"), [
        Column(_("Social value")), Column(_("Unit")), Column(_("Targets agreed"), COUNT),
        Column(_("Targets met"), COUNT), Column(_("Agreed in total"), AMOUNT), Column(_("Realised so far"), AMOUNT),
    ], [
        [_name(total.social_value), str(UNIT_LABELS[total.unit]), total.targets, total.met, total.agreed,
         total.realised]
        for total in figures.targets
    ])
    categories = Table("categories", _("Procurements at target level per category"), [
        Column(_("Category")), Column(_("Target level"), COUNT), Column(_("Procurements"), COUNT),
        Column(_("At target level"), COUNT), Column(_("Share at target level (%)"), PERCENT),
        Column(_("Contracts signed"), COUNT), Column(_("Contract value"), MONEY),
    ], [
        [_name(row.category), row.category.target_level, row.procurements, row.at_target, row.share_at_target,
         row.contracts, row.contract_value_cents]
        for row in sorted(figures.categories, key=lambda r: _name(r.category).casefold())
    ])
    principles = Table("principles", _("Effort per leading principle"), [
        Column(_("Leading principle")), Column(_("Calls using its criteria"), COUNT),
        Column(_("Criteria chosen"), COUNT),
    ], [
        [_name(row.principle), row.calls, row.criteria_chosen]
        for row in sorted(figures.principles, key=lambda r: _name(r.principle).casefold())
    ])
    return {table.name: table for table in (levels, effort, results, targets, categories, principles)}


def build_charts(figures: Figures, tables: dict[str, Table]) -> list[Chart]:
    level_bars = [Bar(row[0], row[1], str(row[1])) for row in tables["levels"].rows]
    share_bars = [
        Bar(row[0], row[4] or 0, _("%(share)d%% of %(count)d", share=row[4], count=row[2])
            if row[4] is not None else _("no procurements"))
        for row in tables["categories"].rows
    ]
    year = figures.filters.year

    def spoken(bars: list[Bar]) -> str:
        return "; ".join(f"{bar.label}: {bar.shown}" for bar in bars)

    return [
        Chart("chart-levels", _("Calls published in %(year)d per ambition level", year=year),
              _("Bar chart. %(parts)s.", parts=spoken(level_bars)),
              level_bars, max((bar.value for bar in level_bars), default=0) or 1, "table-levels"),
        Chart("chart-categories", _("Share of procurements at target level per category, %(year)d", year=year),
              _("Bar chart, 0 to 100%%. %(parts)s.", parts=spoken(share_bars)),
              share_bars, 100, "table-categories"),
    ]
