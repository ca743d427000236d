"""The pitch session of a shortlist in the public digest, found by following a category.

Abuser: a competitor (or anyone) who follows the call's category in the procurement pipeline to
learn when and where the shortlisted applicants pitch. A pitch session is for the shortlist, not a
public event: it is in no public list, calendar feed or open data (dialogues.services
`listed_publicly`). But the daily digest announced every published dialogue of the category,
pitch sessions included, with their link. Found broken, fixed in pipeline/services.py `news_for`,
which now asks the same `listed_publicly`.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask

from mvi_challenges.calls.models import Call, CallKind
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues.models import Dialogue

from ..factories import make_call, make_dialogue
from ..pipeline.test_following import backdate_follows, confirm, digests_to, follow_anonymously, run_digest


def test_a_pitch_session_is_not_announced_in_the_digest(app: Flask, catalogue) -> None:
    follow_anonymously(app, catalogue)
    confirm(app)
    backdate_follows(app)
    call = make_call(app, category="mobiliteit", kind=CallKind.SBIR)
    pitch = make_dialogue(app, title="Pitch: Geheime shortlist", kind="market", slot_minutes=20)
    public = make_dialogue(app, title="Marktgesprek schone bussen", kind="market")
    with app.app_context():
        phase_id = db.session.get(Call, call.id).phases[1].id
        category_id = catalogue.categories["mobiliteit"].id
        for made, pitch_phase in ((pitch, phase_id), (public, None)):
            row = db.session.get(Dialogue, made.id)
            row.category_id, row.related_call_id, row.pitch_phase_id = category_id, call.id, pitch_phase
            row.published_at = now_utc() - dt.timedelta(hours=1)
        db.session.commit()
    run_digest(app)
    [mail] = digests_to(app)
    assert "Marktgesprek schone bussen" in mail.body
    assert "Geheime shortlist" not in mail.body and pitch.slug not in mail.body
