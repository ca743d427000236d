"""The documented template hook (core.templating.offer_to_templates) and the call page's panels."""

from __future__ import annotations

import pytest
from flask import Flask

from mvi_challenges.core.templating import offer_to_templates


def test_two_areas_cannot_offer_templates_the_same_name(app: Flask) -> None:
    """A second area offering `outcome_label` would silently change what every template shows."""
    with pytest.raises(RuntimeError, match="outcome_label"):
        offer_to_templates(app, outcome_label=lambda outcome: "something else")
    offer_to_templates(app, outcome_label=app.jinja_env.globals["outcome_label"])  # the same one again is fine


def test_the_call_page_shows_the_decisions_before_the_submit_panel(app: Flask) -> None:
    templates = [panel.template for panel in app.extensions["mvi_call_panels"]]
    # The market consultation that prepared the call comes first (context), then the decisions, then the
    # submit panel; the plan the call started from and the lessons learned come last.
    assert templates == ["consultations/_call_panel.html", "evaluation/_decisions_panel.html",
                         "proposals/_call_panel.html", "pipeline/_call_panel.html", "lessons/_call_panel.html"]
