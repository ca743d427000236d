"""A result talk as two spreadsheet tables: its procurements, and its contracts with results.

Two flat tables rather than one with sections: each opens in a spreadsheet with one header
row, so it can be sorted and filtered as it is. The rows are streamed after the view returned
(core.exports.streamed_csv_response), so every text is translated here first and the rows read
only what the talk loaded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from flask_babel import gettext as _

from ..core.exports import decimal_cell, euros_cell
from ..core.timezones import to_local
from .models import UNIT_LABELS
from .talks import ResultTalk

Table = tuple[list[str], Iterator[Sequence[object]]]


def procurement_table(talk: ResultTalk, locale: str) -> Table:
    header = [_("Published on"), _("Title"), _("Reference"), _("Where"), _("Category"), _("Target level"),
              _("Applied level"), _("At target level"), _("Explanation"), _("Explanation approved by"),
              _("Approved on"), _("Experiment: extra weeks"), _("Experiment: budget (euros)"),
              _("Estimated value (euros)")]
    yes, no, platform, external = _("yes"), _("no"), _("platform"), _("external")

    def rows() -> Iterator[Sequence[object]]:
        for record in talk.records:
            approval = record.explanation_approval
            call = record.call
            yield [record.published_on.isoformat(), record.title, record.reference,
                   platform if call is not None else external, record.category.localised("name", locale),
                   record.target_level, record.applied_level, no if record.below_target else yes,
                   record.explanation, approval[0].name if approval else "",
                   to_local(approval[1]).date().isoformat() if approval else "",
                   call.experiment_extra_weeks if call is not None else "",
                   euros_cell(call.experiment_budget_cents) if call is not None else "",
                   euros_cell(record.estimated_value_cents)]

    return header, rows()


def result_table(talk: ResultTalk, locale: str) -> Table:
    header = [_("Contract"), _("Supplier"), _("Signed on"), _("Ends on"), _("Value (euros)"),
              _("Last result update"), _("Result update due"), _("Social value"), _("Indicator"), _("Unit"),
              _("Agreed"), _("Realised"), _("Share realised")]
    yes, no, private = _("yes"), _("no"), _("a private person (name not published)")
    units = {unit: str(label) for unit, label in UNIT_LABELS.items()}

    def rows() -> Iterator[Sequence[object]]:
        for row in talk.contracts:
            contract = row.contract
            supplier = private if contract.has_private_supplier else contract.supplier_name
            common = [contract.title, supplier, contract.signed_on.isoformat(),
                      contract.ends_on.isoformat() if contract.ends_on else "", euros_cell(contract.value_cents),
                      row.last_reported_on.isoformat() if row.last_reported_on else "", yes if row.update_due else no]
            if not row.targets:
                yield [*common, "", "", "", "", "", ""]
            for target in row.targets:
                agreed = target.target
                yield [*common, agreed.social_value.localised("name", locale), agreed.indicator,
                       units[agreed.unit], decimal_cell(agreed.agreed_value),
                       decimal_cell(target.realised), "" if target.percent is None else target.percent]

    return header, rows()
