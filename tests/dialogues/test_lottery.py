"""Selection by lot for city dialogues: a published, reproducible lottery with quotas."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Eligibility
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues import lottery, services
from mvi_challenges.dialogues.models import (
    Dialogue,
    DialogueKind,
    DialogueStatus,
    LotDraw,
    Registration,
    RegistrationStatus,
    Selection,
)

from ..factories import login, make_user, page_text
from ..races import all_at_once

DISTRICTS = ["overvecht", "overvecht", "overvecht", "overvecht", "overvecht", "zuid", "west", "oost"]
AGES = ["16-29", "30-44", "45-64", "65+", "16-29", "30-44", "45-64", "65+"]


def _lot_dialogue(app: Flask, *, capacity: int = 3, quotas: dict | None = None) -> SimpleNamespace:
    with app.test_request_context():
        now = now_utc()
        dialogue = services.save_dialogue(
            db.session, None, None, kind=DialogueKind.CITY, title="Stadspanel", body_source="Praat mee.",
            category=None, related_call=None, starts_at=now + dt.timedelta(days=5),
            ends_at=now + dt.timedelta(days=5, hours=2), address="Stadhuis", online_url="", capacity=capacity,
            registration_closes_at=now + dt.timedelta(days=4), eligibility=Eligibility.BOTH, slot_minutes=None,
            selection=Selection.LOT, lot_quotas=quotas)
        services.transition_dialogue(db.session, None, dialogue, DialogueStatus.PUBLISHED, now=now)
        db.session.commit()
        return SimpleNamespace(id=dialogue.id, slug=dialogue.slug, commitment=dialogue.lot_commitment)


def _register_people(app: Flask, dialogue, count: int) -> list[tuple[SimpleNamespace, FlaskClient]]:
    people = []
    for index in range(count):
        person = make_user(app, Role.CITIZEN)
        client = app.test_client()
        login(client, person)
        response = client.post(f"/dialogues/{dialogue.slug}/register",
                               data={"district": DISTRICTS[index % 8], "age_group": AGES[index % 8]})
        assert response.status_code == 302
        people.append((person, client))
    return people


def _close_registration(app: Flask, dialogue) -> None:
    with app.app_context():
        db.session.get(Dialogue, dialogue.id).registration_closes_at = now_utc() - dt.timedelta(minutes=1)
        db.session.commit()


def _staff(app: Flask) -> FlaskClient:
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    return staff


def _recompute(data: dict) -> tuple[str, list[int], list[int]]:
    """The draw recomputed from its published data alone, as the draw page explains it, without
    the application's code."""
    def sha(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    assert sha(data["secret"]) == data["commitment"]
    listing = json.dumps(data["candidates"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert sha(listing) == data["candidates_digest"]
    seed = sha(f"{data['secret']}:{data['candidates_digest']}")
    order = sorted((c["number"] for c in data["candidates"]), key=lambda n: (sha(f"{seed}:{n}"), n))
    groups = {c["number"]: c for c in data["candidates"]}
    seats: list[int] = []
    for number in order:
        full = any(sum(1 for s in seats if groups[s].get(dim) == groups[number].get(dim)) >= caps[groups[number][dim]]
                   for dim, caps in data["quotas"].items() if groups[number].get(dim) in caps)
        if len(seats) < data["capacity"] and not full:
            seats.append(number)
    seats += [n for n in order if n not in seats][:max(data["capacity"] - len(seats), 0)]
    return seed, order, seats


def test_anyone_can_recompute_the_draw_from_the_published_data(app: Flask, client: FlaskClient, catalogue) -> None:
    dialogue = _lot_dialogue(app, capacity=3, quotas={"district": {"overvecht": 1}})
    before = page_text(client.get(f"/dialogues/{dialogue.slug}/draw"))
    assert dialogue.commitment in before  # the commitment is public before anyone registers
    _register_people(app, dialogue, 8)
    _close_registration(app, dialogue)
    staff = _staff(app)
    asked = staff.post(f"/staff/dialogues/{dialogue.id}/draw")
    assert asked.status_code == 200 and "8 kandidaten doen mee aan de loting." in page_text(asked)
    assert staff.post(f"/staff/dialogues/{dialogue.id}/draw", data={"confirm": "yes"}).status_code == 302

    data = client.get(f"/dialogues/{dialogue.slug}/draw.json").get_json()
    assert data["commitment"] == dialogue.commitment
    seed, order, seats = _recompute(data)
    assert (seed, order, seats) == (data["seed"], data["order"], data["selected"])
    assert len(seats) == 3 and sum(1 for s in seats if data["candidates"][s - 1]["district"] == "overvecht") <= 1
    with app.app_context():
        rows = {r.position: r for r in db.session.scalars(select(Registration))}
        assert {n for n, r in rows.items() if r.status is RegistrationStatus.CONFIRMED} == set(seats)
        reserve = sorted((r for r in rows.values() if r.status is RegistrationStatus.WAITLISTED),
                         key=lambda r: r.lot_rank)
        assert [r.position for r in reserve] == [n for n in order if n not in seats]
    page = page_text(client.get(f"/dialogues/{dialogue.slug}/draw"))
    assert data["secret"] in page and data["seed"] in page


def test_the_same_inputs_give_the_same_draw_and_another_seed_another(app: Flask) -> None:
    candidates = [{"number": n, "district": DISTRICTS[n % 8]} for n in range(1, 41)]
    quotas = {"district": {"overvecht": 4}}
    first = lottery.run("a" * 64, candidates, 10, quotas)
    assert lottery.run("a" * 64, candidates, 10, quotas) == first
    other = lottery.run("b" * 64, candidates, 10, quotas)
    assert other[0] != first[0] and other[1] != first[1] and other[2] != first[2]
    # One more candidate changes the seed, so nobody can add themselves to a known outcome.
    assert lottery.run("a" * 64, [*candidates, {"number": 41, "district": "zuid"}], 10, quotas)[0] != first[0]


def test_quotas_are_respected_when_there_are_enough_candidates(app: Flask) -> None:
    candidates = [{"number": n, "district": "overvecht" if n <= 30 else ["zuid", "west", "oost"][n % 3],
                   "age_group": "65+" if n % 2 else "16-29"} for n in range(1, 51)]
    quotas = {"district": {"overvecht": 3, "zuid": 3, "west": 3, "oost": 3}, "age_group": {"65+": 5, "16-29": 5}}
    for secret in ("1" * 64, "2" * 64, "3" * 64, "4" * 64):
        _seed, _order, seats = lottery.run(secret, candidates, 10, quotas)
        by_number = {c["number"]: c for c in candidates}
        districts = Counter(by_number[s]["district"] for s in seats)
        ages = Counter(by_number[s]["age_group"] for s in seats)
        assert len(seats) == 10
        assert all(districts[group] <= cap for group, cap in quotas["district"].items())
        assert all(ages[group] <= cap for group, cap in quotas["age_group"].items())


def test_no_draw_before_registration_closes_and_only_once(app: Flask, catalogue) -> None:
    dialogue = _lot_dialogue(app)
    _register_people(app, dialogue, 4)
    staff = _staff(app)
    early = staff.post(f"/staff/dialogues/{dialogue.id}/draw", data={"confirm": "yes"}, follow_redirects=True)
    assert "Er wordt geloot nadat de aanmelding is gesloten." in page_text(early)
    _close_registration(app, dialogue)
    staff.post(f"/staff/dialogues/{dialogue.id}/draw", data={"confirm": "yes"})
    again = staff.post(f"/staff/dialogues/{dialogue.id}/draw", data={"confirm": "yes"}, follow_redirects=True)
    assert "Voor dit gesprek is al geloot." in page_text(again)
    with app.app_context():
        assert db.session.scalar(select(func.count(LotDraw.id))) == 1
        with app.test_request_context():
            target = db.session.get(Dialogue, dialogue.id)
            try:
                services.draw_lots(db.session, None, target, now_utc())
            except DomainError as error:
                assert "al geloot" in str(error.message) or "already been drawn" in str(error.message)
            else:
                raise AssertionError("a second draw was allowed")


def test_six_draws_at_once_draw_once(app: Flask, catalogue) -> None:
    dialogue = _lot_dialogue(app, capacity=2)
    _register_people(app, dialogue, 5)
    _close_registration(app, dialogue)
    staff_user = make_user(app, Role.STAFF)
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        login(client, staff_user)
    statuses = all_at_once([lambda client=client: client.post(f"/staff/dialogues/{dialogue.id}/draw",
                                                              data={"confirm": "yes"}).status_code
                            for client in clients])
    assert statuses == [302] * 6
    with app.app_context():
        assert db.session.scalar(select(func.count(LotDraw.id))) == 1
        statuses_now = Counter(r.status for r in db.session.scalars(select(Registration)))
        assert statuses_now == {RegistrationStatus.CONFIRMED: 2, RegistrationStatus.WAITLISTED: 3}
        selected_mails = db.session.scalar(select(func.count(OutboxEmail.id))
                                           .where(OutboxEmail.subject.like("U bent ingeloot%")))
        assert selected_mails == 2


def test_residents_see_their_outcome_and_the_reserve_moves_up_in_drawn_order(app: Flask, catalogue) -> None:
    dialogue = _lot_dialogue(app, capacity=2)
    people = _register_people(app, dialogue, 5)
    first_client = people[0][1]
    assert "U staat aangemeld voor de loting als kandidaat 1." in page_text(first_client.get(f"/dialogues/{dialogue.slug}"))
    assert "wacht op de loting" in page_text(first_client.get("/my"))
    _close_registration(app, dialogue)
    _staff(app).post(f"/staff/dialogues/{dialogue.id}/draw", data={"confirm": "yes"})
    with app.app_context():
        draw = db.session.scalar(select(LotDraw))
        order, selected = list(draw.order), list(draw.selected)
    reserve = [n for n in order if n not in selected]
    by_number = {index + 1: pair for index, pair in enumerate(people)}
    _seated, seated_client = by_number[selected[0]]
    assert "ingeloot: u hebt een plaats" in page_text(seated_client.get("/my"))
    assert "U bent ingeloot: u hebt een plaats." in page_text(seated_client.get(f"/dialogues/{dialogue.slug}"))
    first_reserve_person, first_reserve_client = by_number[reserve[0]]
    assert "niet ingeloot, op de reservelijst" in page_text(first_reserve_client.get("/my"))
    assert "op de reservelijst op plaats 1" in page_text(first_reserve_client.get(f"/dialogues/{dialogue.slug}"))
    with app.app_context():
        mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == first_reserve_person.email)
                                 .order_by(OutboxEmail.id.desc()))
        assert "reservelijst op plaats 1" in mail.body and f"/dialogues/{dialogue.slug}/draw" in mail.body

    seated_client.post(f"/dialogues/{dialogue.slug}/cancel", data={"confirm": "yes"})
    assert "U bent ingeloot: u hebt een plaats." in page_text(first_reserve_client.get(f"/dialogues/{dialogue.slug}"))
    second_reserve_client = by_number[reserve[1]][1]
    assert "op de reservelijst op plaats 1" in page_text(second_reserve_client.get(f"/dialogues/{dialogue.slug}"))


def test_registrants_state_the_groups_the_quotas_ask_for(app: Flask, client_en: FlaskClient, catalogue) -> None:
    dialogue = _lot_dialogue(app, quotas={"district": {"zuid": 2}, "age_group": {"65+": 2}})
    login(client_en, make_user(app, Role.CITIZEN))
    form = page_text(client_en.get(f"/dialogues/{dialogue.slug}"))
    assert "Your district" in form and "Your age group" in form
    missing = client_en.post(f"/dialogues/{dialogue.slug}/register", data={"district": "", "age_group": ""})
    assert missing.status_code == 400
    text = page_text(missing)
    assert "Choose your district." in text and "Choose your age group." in text
    forged = client_en.post(f"/dialogues/{dialogue.slug}/register", data={"district": "atlantis", "age_group": "65+"})
    assert forged.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 0
    assert client_en.post(f"/dialogues/{dialogue.slug}/register",
                          data={"district": "zuid", "age_group": "65+"}).status_code == 302
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert (registration.status, registration.district, registration.age_group) == (
            RegistrationStatus.CANDIDATE, "zuid", "65+")


def test_selection_by_lot_is_for_city_dialogues_and_fixed_once_people_registered(app: Flask, catalogue) -> None:
    dialogue = _lot_dialogue(app)
    _register_people(app, dialogue, 1)
    with app.test_request_context():
        target = db.session.get(Dialogue, dialogue.id)
        for kind, selection in ((DialogueKind.MARKET, Selection.LOT), (DialogueKind.CITY, Selection.FIRST_COME)):
            try:
                services.save_dialogue(
                    db.session, None, target, kind=kind, title=target.title, body_source="", category=None,
                    related_call=None, starts_at=target.starts_at, ends_at=target.ends_at, address="Stadhuis",
                    online_url="", capacity=3, registration_closes_at=target.registration_closes_at,
                    eligibility=Eligibility.BOTH, slot_minutes=None, selection=selection)
            except DomainError as error:
                assert error.field == "selection"
            else:
                raise AssertionError(f"{kind} {selection} was accepted")
            db.session.rollback()


def test_what_a_registrant_stated_is_in_their_own_data_export(app: Flask, catalogue) -> None:
    from mvi_challenges.accounts.models import User
    from mvi_challenges.privacy.services import personal_data

    dialogue = _lot_dialogue(app, quotas={"district": {"zuid": 2}})
    person, _client = _register_people(app, dialogue, 1)[0]
    with app.app_context():
        data = personal_data(db.session, db.session.get(User, person.id))
    [registration] = data["dialogue_registrations"]
    assert (registration["status"], registration["district"], registration["candidate_number"]) == (
        "candidate", "overvecht", 1)
