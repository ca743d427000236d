"""The procurement pipeline: staff keep it, the public reads it, a plan starts as a call or tender.

Abuse considered: a citizen or entrepreneur editing or starting plans (403, matrix); a draft call
leaking through the pipeline before publication (page, category page); starting a plan twice by a
second click or two colleagues at once (one call only); internal plans shown in public.
"""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.calls.services import transition_call
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.monitoring.models import ProcurementRecord
from mvi_challenges.pipeline.models import PlannedPurchase

from ..factories import login, make_user, page_text

NEXT_YEAR = now_utc().year + 1


def plan_form(catalogue, **overrides) -> dict:
    data = {"title": "Elektrische veegwagens", "description": "Vier veegwagens, emissievrij.",
            "category_id": catalogue.categories["mobiliteit"].id, "expected_year": NEXT_YEAR,
            "expected_quarter": "2", "value_class": "221k_1m", "intended_level": "3",
            "social_values": [catalogue.values["klimaat"]], "department_id": 0, "contact_name": "Ilse",
            "contact_email": "ilse@utrecht.example", "is_public": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def staff_client(app: Flask):
    client = app.test_client()
    login(client, make_user(app, Role.STAFF))
    return client


def only_item(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(PlannedPurchase.id).order_by(PlannedPurchase.id))


def test_staff_plan_shows_on_public_pipeline_with_range_not_amount(app: Flask, catalogue) -> None:
    client = staff_client(app)
    response = client.post("/staff/pipeline/new", data=plan_form(catalogue))
    assert response.status_code == 302
    text = page_text(app.test_client().get("/pipeline"))
    assert "Elektrische veegwagens" in text
    assert f"{NEXT_YEAR}-Q2" in text
    assert "€ 221.000 – € 1 miljoen" in text or "221,000" in text
    assert "gepland" in text or "planned" in text


def test_plan_form_shows_all_errors_and_keeps_what_was_typed(app: Flask, catalogue) -> None:
    client = staff_client(app)
    response = client.post("/staff/pipeline/new", data=plan_form(catalogue, expected_quarter=None,
                                                                 value_class=None, title="Mijn titel"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Mijn titel"' in html
    assert html.count("form-group--invalid") >= 2


def test_below_target_plan_needs_an_explanation(app: Flask, catalogue) -> None:
    client = staff_client(app)
    response = client.post("/staff/pipeline/new", data=plan_form(catalogue, intended_level="1"))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(PlannedPurchase.id))) == 0


def test_internal_plan_is_not_public(app: Flask, catalogue) -> None:
    client = staff_client(app)
    client.post("/staff/pipeline/new", data=plan_form(catalogue, title="Geheim plan", is_public=None))
    assert "Geheim plan" not in page_text(app.test_client().get("/pipeline"))
    assert "Geheim plan" not in page_text(app.test_client().get("/categories/mobiliteit"))
    assert "Geheim plan" in page_text(client.get("/staff/pipeline"))


def test_pipeline_filters_by_category_quarter_and_value(app: Flask, catalogue) -> None:
    client = staff_client(app)
    client.post("/staff/pipeline/new", data=plan_form(catalogue, title="Plan A"))
    client.post("/staff/pipeline/new", data=plan_form(catalogue, title="Plan B", expected_quarter="4",
                                                      category_id=catalogue.categories["ict"].id,
                                                      social_values=[catalogue.values["circulaire-economie"]]))
    public = app.test_client()
    assert "Plan B" not in page_text(public.get(f"/pipeline?quarter={NEXT_YEAR}-Q2"))
    assert "Plan A" in page_text(public.get(f"/pipeline?quarter={NEXT_YEAR}-Q2"))
    assert "Plan A" not in page_text(public.get("/pipeline?category=ict"))
    assert "Plan B" in page_text(public.get("/pipeline?value=circulaire-economie"))
    assert "Plan A" not in page_text(public.get("/pipeline?value=circulaire-economie"))
    # Nonsense in the query string shows everything, never an error.
    assert public.get("/pipeline?quarter=%27;--&category=x&page=abc").status_code == 200


def test_start_as_call_makes_a_linked_draft_that_does_not_leak_until_published(app: Flask, catalogue) -> None:
    client = staff_client(app)
    client.post("/staff/pipeline/new", data=plan_form(catalogue))
    item_id = only_item(app)
    asked = client.post(f"/staff/pipeline/{item_id}/start-call")
    assert asked.status_code == 200 and "confirm" in asked.get_data(as_text=True)
    response = client.post(f"/staff/pipeline/{item_id}/start-call", data={"confirm": "yes"})
    assert response.status_code == 302 and "/staff/calls/" in response.headers["Location"]
    with app.app_context():
        call = db.session.scalar(select(Call))
        assert call.status is CallStatus.DRAFT and call.title == "Elektrische veegwagens"
        assert call.ambition_level == 3 and [v.slug for v in call.social_values] == ["klimaat"]
        assert db.session.get(PlannedPurchase, item_id).call_id == call.id
        slug = call.slug
    public = app.test_client()
    for page in ("/pipeline", "/categories/mobiliteit"):
        html = public.get(page).get_data(as_text=True)
        assert slug not in html and "/calls/" + slug not in html
        assert "gestart" not in page_text(public.get(page))
    # Published: the plan now shows started with the link, and the call links back.
    with app.app_context():
        call = db.session.scalar(select(Call))
        import datetime as dt

        from mvi_challenges.calls.services import CriterionInput, save_phase
        save_phase(db.session, None, call, None, title="Fase 1", opens_at=now_utc() - dt.timedelta(hours=1),
                   closes_at=now_utc() + dt.timedelta(days=20), budget_cents=100, max_awards=1,
                   score_scale_max=10, criteria=[CriterionInput("Impact", 100)])
        transition_call(db.session, None, call, CallStatus.PUBLISHED, now=now_utc() - dt.timedelta(minutes=5))
        db.session.commit()
    html = public.get("/pipeline").get_data(as_text=True)
    assert f"/calls/{slug}" in html
    assert "gestart" in page_text(public.get("/pipeline"))
    assert "procurement pipeline" in page_text(public.get(f"/calls/{slug}")).lower() \
        or "inkoopplanning" in page_text(public.get(f"/calls/{slug}")).lower()


def test_second_start_is_refused(app: Flask, catalogue) -> None:
    client = staff_client(app)
    client.post("/staff/pipeline/new", data=plan_form(catalogue))
    item_id = only_item(app)
    client.post(f"/staff/pipeline/{item_id}/start-call", data={"confirm": "yes"})
    again = client.post(f"/staff/pipeline/{item_id}/start-tender", data={"confirm": "yes", "reference": "X"},
                        follow_redirects=True)
    assert "al gestart" in page_text(again) or "already been started" in page_text(again)
    with app.app_context():
        assert db.session.scalar(select(func.count(Call.id))) == 1
        assert db.session.scalar(select(func.count(ProcurementRecord.id))) == 0


def test_two_colleagues_starting_at_once_make_one_call(app: Flask, catalogue) -> None:
    staff_client(app).post("/staff/pipeline/new", data=plan_form(catalogue))
    item_id = only_item(app)
    clients = [staff_client(app) for _ in range(4)]
    barrier = threading.Barrier(len(clients))

    def start(client) -> None:
        barrier.wait()
        client.post(f"/staff/pipeline/{item_id}/start-call", data={"confirm": "yes"})

    threads = [threading.Thread(target=start, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert db.session.scalar(select(func.count(Call.id))) == 1


def test_start_as_outside_tender_enters_the_register(app: Flask, catalogue) -> None:
    client = staff_client(app)
    client.post("/staff/pipeline/new", data=plan_form(catalogue))
    item_id = only_item(app)
    response = client.post(f"/staff/pipeline/{item_id}/start-tender", data={"confirm": "yes", "reference": "TN-1"})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(ProcurementRecord))
        assert record.reference == "TN-1" and record.applied_level == 3
        assert db.session.get(PlannedPurchase, item_id).record_id == record.id
    assert f"/monitoring/register/{record.id}" in app.test_client().get("/pipeline").get_data(as_text=True)


def test_citizen_cannot_start_or_edit(app: Flask, catalogue) -> None:
    staff_client(app).post("/staff/pipeline/new", data=plan_form(catalogue))
    item_id = only_item(app)
    client = app.test_client()
    login(client, make_user(app, Role.ENTREPRENEUR))
    assert client.post(f"/staff/pipeline/{item_id}/start-call", data={"confirm": "yes"}).status_code == 403
    assert client.post(f"/staff/pipeline/{item_id}", data=plan_form(catalogue, title="Gekaapt")).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Call.id))) == 0
        assert db.session.get(PlannedPurchase, item_id).title == "Elektrische veegwagens"


def test_dashboard_counts_planned_and_started_per_quarter(app: Flask, catalogue) -> None:
    client = staff_client(app)
    client.post("/staff/pipeline/new", data=plan_form(catalogue, title="Plan A"))
    client.post("/staff/pipeline/new", data=plan_form(catalogue, title="Plan B"))
    client.post("/staff/pipeline/new", data=plan_form(catalogue, title="Plan C", expected_quarter="3"))
    client.post("/staff/pipeline/new", data=plan_form(catalogue, title="Intern", is_public=None))
    with app.app_context():
        first = db.session.scalar(select(PlannedPurchase.id).where(PlannedPurchase.title == "Plan A"))
    client.post(f"/staff/pipeline/{first}/start-tender", data={"confirm": "yes", "reference": ""})
    with app.app_context():
        from mvi_challenges.pipeline.services import count_by_quarter
        rows = count_by_quarter(db.session, NEXT_YEAR)
    assert rows == [(f"{NEXT_YEAR}-Q1", 0, 0), (f"{NEXT_YEAR}-Q2", 2, 1), (f"{NEXT_YEAR}-Q3", 1, 0),
                    (f"{NEXT_YEAR}-Q4", 0, 0)]
    text = page_text(app.test_client().get(f"/monitoring?year={now_utc().year}"))
    assert "inkoopplanning" in text.lower()
