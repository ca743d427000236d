"""The proposals' part of /metrics (infra/operations.py reads it at each scrape): the deadline rush."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from ..calls.models import Call, Phase
from ..core.db import db, utcnow
from .models import Proposal


def submissions_last_hour() -> Iterator[GaugeMetricFamily]:
    since = utcnow() - dt.timedelta(hours=1)
    rows = db.session.execute(
        select(Call.slug, Phase.number, func.count(Proposal.id))
        .join(Phase, Proposal.phase_id == Phase.id).join(Call, Phase.call_id == Call.id)
        .where(Proposal.submitted_at >= since).group_by(Call.slug, Phase.number))
    family = GaugeMetricFamily("mvi_proposals_submitted_last_hour",
                               "Proposals submitted (or submitted anew) in the last hour, per call and phase.",
                               labels=["call", "phase"])
    for slug, number, count in rows:
        family.add_metric([slug, str(number)], count)
    yield family
