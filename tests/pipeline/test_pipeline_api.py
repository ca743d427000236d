"""The pipeline and lessons in the open data: documented shapes, and nothing internal or draft.

Abuse considered: a draft call reached through a planned purchase's `call`; internal plans or
lessons in the open data; the contact person (personal data) published.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.calls.services import CriterionInput, save_phase, transition_call
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc

from ..api.conftest import OpenApi
from ..factories import login, make_call, make_user
from ..lessons.test_lessons import lesson_form
from .test_pipeline import NEXT_YEAR, only_item, plan_form, staff_client


def openapi_of(app: Flask) -> OpenApi:
    return OpenApi(app.test_client().get("/api/v1/openapi.json").get_json())


def test_pipeline_api_matches_document_and_hides_drafts_and_contacts(app: Flask, catalogue) -> None:
    client = staff_client(app)
    client.post("/staff/pipeline/new", data=plan_form(catalogue))
    client.post("/staff/pipeline/new", data=plan_form(catalogue, title="Intern plan", is_public=None))
    item_id = only_item(app)
    client.post(f"/staff/pipeline/{item_id}/start-call", data={"confirm": "yes"})
    openapi = openapi_of(app)
    public = app.test_client()
    body = public.get("/api/v1/pipeline").get_json()
    openapi.check("/pipeline", body)
    [item] = body["items"]
    assert item["title"] == "Elektrische veegwagens" and item["state"] == "planned" and item["call"] is None
    assert item["value_class"] == "221k_1m" and item["quarter"] == f"{NEXT_YEAR}-Q2"
    text = public.get("/api/v1/pipeline").get_data(as_text=True)
    assert "Intern plan" not in text and "ilse@utrecht.example" not in text and "Ilse" not in text
    with app.app_context():
        call = db.session.scalar(select(Call))
        save_phase(db.session, None, call, None, title="Fase 1", opens_at=now_utc() - dt.timedelta(hours=1),
                   closes_at=now_utc() + dt.timedelta(days=20), budget_cents=100, max_awards=1,
                   score_scale_max=10, criteria=[CriterionInput("Impact", 100)])
        transition_call(db.session, None, call, CallStatus.PUBLISHED, now=now_utc() - dt.timedelta(minutes=5))
        db.session.commit()
        slug = call.slug
    body = public.get(f"/api/v1/pipeline?quarter={NEXT_YEAR}-Q2&category=mobiliteit&value=klimaat").get_json()
    openapi.check("/pipeline", body)
    assert body["items"][0]["state"] == "started" and body["items"][0]["call"]["slug"] == slug
    assert public.get("/api/v1/pipeline?category=ict").get_json()["total"] == 0
    bad = public.get("/api/v1/pipeline?quarter=2027-Q9")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "quarter"


def test_lessons_api_lists_public_lessons_only(app: Flask, catalogue) -> None:
    client = app.test_client()
    login(client, make_user(app, Role.STAFF))
    ended = make_call(app, title="Afgelopen uitvraag", status=CallStatus.DECIDED)
    client.post("/staff/lessons/new", data=lesson_form(catalogue, call_id=ended.id, paid_off="no",
                                                       paid_off_explanation="Te weinig tijd."))
    client.post("/staff/lessons/new", data=lesson_form(catalogue, title="Interne les", is_public=None))
    public = app.test_client()
    body = public.get("/api/v1/lessons").get_json()
    openapi_of(app).check("/lessons", body)
    assert [lesson["title"] for lesson in body["items"]] == ["Vroeg de markt spreken"]
    assert body["items"][0]["experiment_paid_off"] == "no"
    assert "Interne les" not in public.get("/api/v1/lessons?q=Interne").get_data(as_text=True)
    assert public.get("/api/v1/lessons?q=%25").get_json()["total"] == 0
    assert public.get("/api/v1/lessons?value=nope").status_code == 400
