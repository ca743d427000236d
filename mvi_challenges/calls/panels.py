"""What other areas show on a call's public page, without the calls area importing them.

The call page ends with panels that belong to areas built on top of calls: the published
decisions (evaluation) and submitting, questions and following (proposals). Those areas register
a panel here when their blueprint is registered (`add_call_panel`); the call page's view builds
every registered panel and hands the results to `calls/detail.html`, which includes each
panel's template with its data as `panel`. So the dependency stays one way (proposals and
evaluation use calls) and the view, not a global context processor, says what the page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from .models import Call


@dataclass(frozen=True)
class CallPanel:
    order: int  # place on the page, smallest first
    template: str  # included by calls/detail.html with the built data as `panel`
    build: Callable[[Call], Any]


def add_call_panel(app: Flask, panel: CallPanel) -> None:
    """Register a panel for the call page of this app (once per template)."""
    panels: list[CallPanel] = app.extensions.setdefault("mvi_call_panels", [])
    if all(known.template != panel.template for known in panels):
        panels.append(panel)
        panels.sort(key=lambda known: known.order)


def build_call_panels(app: Flask, call: Call) -> list[tuple[str, Any]]:
    """(template, data) for every registered panel, in page order."""
    return [(panel.template, panel.build(call)) for panel in app.extensions.get("mvi_call_panels", [])]
