"""What other areas add to the monitoring dashboard, without monitoring importing them.

The pipeline (what is coming) and the lessons learned are built on top of monitoring (a plan
becomes a tender in the register; a lesson is about a contract). They register a panel here
when their blueprint is registered; the dashboard's view builds each with the dashboard's
filters and `monitoring/dashboard.html` includes its template with the data as `panel`, as the
call page does with calls/panels.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask


@dataclass(frozen=True)
class DashboardPanel:
    order: int  # place on the dashboard, smallest first
    template: str  # included by monitoring/dashboard.html with the built data as `panel`
    build: Callable[[Any], Any]  # takes yearly_counts.DashboardFilters
    depends_on: tuple[tuple[type, tuple[str, ...] | None], ...] = ()  # what `build` reads


def _tracked_by_dashboard(panel: DashboardPanel) -> None:
    from . import figures_version

    for model, keys in panel.depends_on:
        figures_version.track(model, keys)


def add_dashboard_panel(app: Flask, panel: DashboardPanel) -> None:
    panels: list[DashboardPanel] = app.extensions.setdefault("mvi_dashboard_panels", [])
    if all(known.template != panel.template for known in panels):
        _tracked_by_dashboard(panel)
        panels.append(panel)
        panels.sort(key=lambda known: known.order)


def build_dashboard_panels(app: Flask, filters: Any) -> list[tuple[str, Any]]:
    return [(panel.template, panel.build(filters)) for panel in app.extensions.get("mvi_dashboard_panels", [])]
