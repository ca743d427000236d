"""What other areas show on a call's public page, without the calls area importing them.

The call page ends with panels that belong to areas built on top of calls: the published
decisions (evaluation) and submitting, questions and following (proposals). Those areas register
a panel here when their blueprint is registered (`add_call_panel`); the call page's view builds
every registered panel and hands the results to `calls/detail.html`, which includes each
panel's template with its data as `panel`. So the dependency stays one way (proposals and
evaluation use calls) and the view, not a global context processor, says what the page shows.

Most calls have no questions, clarification notes, consultations or plan behind them, and a query
that finds nothing costs as much as one that finds something (issue #20). So an area may also
register a *link*: an EXISTS correlated on `Call.id` saying whether the call has any of its rows
(`add_call_link`). The call page asks all links in the call's own query (`link_columns`) and hands
the answers to the panels (`CallLinks`), which skip their query when the answer is no.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, exists

from .models import Call

# A labelled EXISTS correlated on Call.id: whether a call has rows of some kind (built once per app).
LinkCondition = ColumnElement[bool]


@dataclass(frozen=True)
class CallLinks:
    """Which links a call has, as read with the call. A link nobody asked about counts as present,
    so a panel that reads one never skips what it was not told is absent."""

    found: Mapping[str, bool] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return self.found.get(name, True)


@dataclass(frozen=True)
class CallPanel:
    order: int  # place on the page, smallest first
    template: str  # included by calls/detail.html with the built data as `panel`
    build: Callable[[Call, CallLinks], Any]


def add_call_panel(app: Flask, panel: CallPanel) -> None:
    """Register a panel for the call page of this app (once per template)."""
    panels: list[CallPanel] = app.extensions.setdefault("mvi_call_panels", [])
    if all(known.template != panel.template for known in panels):
        panels.append(panel)
        panels.sort(key=lambda known: known.order)


def add_call_link(app: Flask, name: str, condition: Callable[[Any], ColumnElement[bool]]) -> None:
    """Register a link the call page reads with the call (once per name). `condition(call_id)` is
    the same rule as the where clause of the query the link saves, given Call.id to correlate on."""
    links: dict[str, LinkCondition] = app.extensions.setdefault("mvi_call_links", {})
    if name not in links:
        links[name] = exists().where(condition(Call.id)).label(f"link_{name}")


def link_columns(app: Flask) -> dict[str, LinkCondition]:
    """The registered links by name, as labelled columns for the call's query."""
    return app.extensions.get("mvi_call_links", {})


def build_call_panels(app: Flask, call: Call, links: CallLinks) -> list[tuple[str, Any]]:
    """(template, data) for every registered panel, in page order."""
    return [(panel.template, panel.build(call, links)) for panel in app.extensions.get("mvi_call_panels", [])]
