"""A planned purchase's life, in one place: planned → preparing (a draft call exists) → started.

"Started" is what the public sees only once the call is public (or the outside tender is in the
register): a draft call is the municipality's working copy, so while it is a draft the planned
item still reads "planned" and no link to the draft leaks (not on the page, not in the API).
"""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l

from .models import PlannedPurchase


class PipelineState(enum.StrEnum):
    PLANNED = "planned"
    PREPARING = "preparing"  # staff only: a draft call is being written
    STARTED = "started"


STATE_LABELS = {
    PipelineState.PLANNED: _l("planned"),
    PipelineState.PREPARING: _l("being prepared"),
    PipelineState.STARTED: _l("started"),
}


def state(item: PlannedPurchase) -> PipelineState:
    if item.record_id is not None:
        return PipelineState.STARTED
    if item.call is not None:
        return PipelineState.STARTED if item.call.is_public else PipelineState.PREPARING
    return PipelineState.PLANNED


def public_state(item: PlannedPurchase) -> PipelineState:
    """What anyone outside the municipality sees: a draft call is still "planned"."""
    found = state(item)
    return PipelineState.PLANNED if found is PipelineState.PREPARING else found


def public_call(item: PlannedPurchase) -> Any | None:
    """The call to link publicly, only once it is public."""
    return item.call if item.call is not None and item.call.is_public else None


def start_refusal(item: PlannedPurchase) -> str | None:
    """Why this item cannot be started (again): it became a call or a tender already."""
    if item.call_id is not None or item.record_id is not None:
        return str(_l("This planned purchase has already been started."))
    return None


def can_start(item: PlannedPurchase) -> bool:
    return start_refusal(item) is None


def is_editable(item: PlannedPurchase) -> bool:
    """A started item is history: its plan is kept as it was announced."""
    return state(item) is not PipelineState.STARTED


def state_label(item: PlannedPurchase, *, public: bool = True) -> str:
    return str(STATE_LABELS[public_state(item) if public else state(item)])
