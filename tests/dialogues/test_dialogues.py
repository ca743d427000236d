"""Dialogues as residents, entrepreneurs and staff use them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import commit_with_retry, db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.core.timezones import local_to_utc, now_utc
from mvi_challenges.dialogues import services
from mvi_challenges.dialogues.models import Contribution, Dialogue, Registration, RegistrationStatus

from ..factories import login, make_call, make_dialogue, make_user, page_text


def _staff(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, make_user(app, Role.STAFF))
    return client


def test_staff_create_and_publish_a_dialogue_and_drafts_stay_hidden(app: Flask, client_en: FlaskClient,
                                                                    catalogue) -> None:
    staff = _staff(app)
    response = staff.post("/staff/dialogues/new", data={
        "kind": "market", "title": "Circulaire fietspaden", "body_source": "Praat mee", "category_id": "0",
        "related_call_id": "0", "starts_at": "2027-03-10T14:00", "ends_at": "2027-03-10T16:00",
        "address": "Stadskantoor", "online_url": "", "capacity": "15", "registration_closes_at": "2027-03-09T12:00",
        "eligibility": "entrepreneurs", "slot_minutes": "20"})
    assert response.status_code == 302
    assert client_en.get("/dialogues/circulaire-fietspaden").status_code == 404
    assert "Circulaire fietspaden" not in page_text(client_en.get("/dialogues"))
    dialogue_id = int(response.location.rsplit("/", 1)[1])
    staff.post(f"/staff/dialogues/{dialogue_id}/status/published")
    text = page_text(client_en.get("/dialogues/circulaire-fietspaden"))
    assert "Circulaire fietspaden" in text and "15 seats left" in text
    assert "Stadskantoor" in text  # the place is shown to everyone (only an online link is for participants)


def test_dialogue_form_errors_keep_input(app: Flask, client_en: FlaskClient, catalogue) -> None:
    login(client_en, make_user(app, Role.STAFF))
    response = client_en.post("/staff/dialogues/new", data={
        "kind": "city", "title": "Te vroeg", "category_id": "0", "related_call_id": "0",
        "starts_at": "2027-03-10T14:00", "ends_at": "2027-03-10T13:00", "address": "", "online_url": "ftp://x",
        "capacity": "0", "registration_closes_at": "2027-03-09T12:00", "eligibility": "both"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Enter a number from 1 to 100,000." in text
    assert 'value="Te vroeg"' in response.get_data(as_text=True)


def test_register_confirm_waitlist_cancel_and_promotion(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app, capacity=1, address="Stadhuis, Utrecht")
    first, second = make_user(app, Role.CITIZEN), make_user(app, Role.CITIZEN, email="tweede@example.org")
    one, two = app.test_client(), app.test_client()
    login(one, first)
    login(two, second)
    for client in (one, two):
        client.post("/language", data={"lang": "en", "next": "/"})
    one.post(f"/dialogues/{dialogue.slug}/register")
    response = two.post(f"/dialogues/{dialogue.slug}/register", follow_redirects=True)
    assert "You are on the waitlist at place 1." in page_text(response)
    assert "Stadhuis, Utrecht" in page_text(one.get(f"/dialogues/{dialogue.slug}"))
    assert "Stadhuis, Utrecht" in page_text(two.get(f"/dialogues/{dialogue.slug}"))  # the place is public
    with app.app_context():
        confirmation = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to == first.email))
        assert confirmation.attachment_type == "text/calendar" and "BEGIN:VEVENT" in confirmation.attachment_content
        assert "LOCATION:Stadhuis\\, Utrecht" in confirmation.attachment_content
    one.post(f"/dialogues/{dialogue.slug}/cancel", data={"confirm": "yes"})
    assert "You are registered." in page_text(two.get(f"/dialogues/{dialogue.slug}"))
    with app.app_context():
        promoted = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == "tweede@example.org")
                                      .order_by(OutboxEmail.id)).all()[-1]
        assert "plaats vrij" in promoted.subject.lower() or "seat came free" in promoted.subject.lower()
        assert promoted.attachment_name == f"{dialogue.slug}.ics"


def test_thirty_concurrent_registrations_for_ten_seats(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app, capacity=10)
    people = [make_user(app, Role.CITIZEN) for _ in range(30)]
    barrier = threading.Barrier(30)
    errors: list[BaseException] = []

    def register(person) -> None:
        try:
            barrier.wait(timeout=30)
            with app.test_request_context():
                user = db.session.get(User, person.id)
                target = db.session.get(Dialogue, dialogue.id)
                commit_with_retry(lambda: services.register(db.session, user, target, now_utc()))
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=register, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        rows = list(db.session.scalars(select(Registration).where(Registration.dialogue_id == dialogue.id)
                                       .order_by(Registration.position)))
        assert len(rows) == 30
        assert [r.position for r in rows] == list(range(1, 31))
        assert [r.status for r in rows] == [RegistrationStatus.CONFIRMED] * 10 + [RegistrationStatus.WAITLISTED] * 20


def test_online_link_is_not_visible_to_anonymous_visitors(app: Flask, client: FlaskClient, catalogue) -> None:
    dialogue = make_dialogue(app, online_url="https://meet.example/geheim-1234", address="")
    assert "geheim-1234" not in client.get(f"/dialogues/{dialogue.slug}").get_data(as_text=True)
    assert b"geheim-1234" not in client.get(f"/dialogues/{dialogue.slug}.ics").data
    assert b"geheim-1234" not in client.get("/dialogues/upcoming.ics").data
    participant = app.test_client()
    login(participant, make_user(app, Role.CITIZEN))
    participant.post(f"/dialogues/{dialogue.slug}/register")
    assert "geheim-1234" in participant.get(f"/dialogues/{dialogue.slug}").get_data(as_text=True)


def test_the_place_is_public_and_a_past_dialogue_shows_its_report_not_seats(app: Flask, client_en: FlaskClient,
                                                                          catalogue) -> None:
    online = make_dialogue(app, title="Online gesprek", online_url="https://meet.example/geheim-9", address="")
    text = page_text(client_en.get(f"/dialogues/{online.slug}"))
    assert "Online: the link is sent to people with a confirmed registration." in text and "geheim-9" not in text
    calendar = client_en.get(f"/dialogues/{online.slug}.ics").get_data(as_text=True)
    assert "LOCATION:Online" in calendar and "**" not in calendar and "Praat mee." in calendar  # plain text
    past = make_dialogue(app, title="Vorig gesprek", starts_in=dt.timedelta(days=-3), address="Stadhuis")
    text = page_text(client_en.get(f"/dialogues/{past.slug}"))
    assert "This dialogue took place on" in text and "The report follows." in text
    assert "seats left" not in text and "Registration closes" not in text and "Add this dialogue" not in text
    assert "This dialogue has taken place." in text


def test_calendar_times_are_right_across_the_daylight_saving_change(app: Flask, catalogue) -> None:
    with app.test_request_context():
        before = Dialogue(id=1, slug="voor", title="Voor", body_source="", starts_at=local_to_utc(
            dt.datetime(2027, 3, 27, 19, 0)), ends_at=local_to_utc(dt.datetime(2027, 3, 27, 21, 0)))
        after = Dialogue(id=2, slug="na", title="Na", body_source="", starts_at=local_to_utc(
            dt.datetime(2027, 3, 28, 19, 0)), ends_at=local_to_utc(dt.datetime(2027, 3, 28, 21, 0)))
        calendar = Calendar.from_ical(services.calendar_bytes([before, after]))
    starts = [event.decoded("dtstart") for event in calendar.walk("VEVENT")]
    assert starts == [dt.datetime(2027, 3, 27, 18, 0, tzinfo=dt.UTC), dt.datetime(2027, 3, 28, 17, 0, tzinfo=dt.UTC)]


def test_input_moderation_disposition_and_report(app: Flask, client_en: FlaskClient, catalogue) -> None:
    call = make_call(app, title="Koele haltes")
    dialogue = make_dialogue(app, starts_in=dt.timedelta(hours=3))
    resident = make_user(app, Role.CITIZEN, name="Rik Resident")
    login(client_en, resident)
    client_en.post(f"/dialogues/{dialogue.slug}/register")
    client_en.post(f"/dialogues/{dialogue.slug}/input", data={"text": "Meer bomen bij haltes"})
    client_en.post(f"/dialogues/{dialogue.slug}/input", data={"text": "Scheldwoorden hier"})
    staff = _staff(app)
    with app.app_context():
        good, bad = db.session.scalars(select(Contribution).order_by(Contribution.id)).all()
        call_id = call.id
    staff.post(f"/staff/contributions/{good.id}", data={
        f"c{good.id}-disposition": "adopted", f"c{good.id}-disposition_call_id": str(call_id),
        f"c{good.id}-disposition_reason": "Opgenomen als eis."})
    staff.post(f"/staff/contributions/{bad.id}", data={
        f"c{bad.id}-hide": "y", f"c{bad.id}-hidden_reason": "Kwetsend", f"c{bad.id}-disposition": "",
        f"c{bad.id}-disposition_call_id": "0"})
    own = page_text(client_en.get(f"/dialogues/{dialogue.slug}"))
    assert "adopted" in own and "Koele haltes" in own and "Hidden by the moderator: Kwetsend" in own
    # Too early for a report: the dialogue has not taken place yet.
    early = staff.post(f"/staff/dialogues/{dialogue.id}/report", data={"summary": "Goed gesprek"})
    assert early.status_code == 400
    with app.app_context():
        target = db.session.get(Dialogue, dialogue.id)
        target.starts_at, target.ends_at = now_utc() - dt.timedelta(hours=3), now_utc() - dt.timedelta(hours=1)
        db.session.commit()
    response = staff.post(f"/staff/dialogues/{dialogue.id}/report", data={
        "summary": "Een **goed** gesprek.", "followup_calls": [str(call_id)]})
    assert response.status_code == 302
    public = app.test_client().get(f"/dialogues/{dialogue.slug}")
    text = page_text(public)
    assert "Een goed gesprek." in text and "Meer bomen bij haltes" in text and "Opgenomen als eis." in text
    assert "Scheldwoorden" not in public.get_data(as_text=True)
    assert "Rik Resident" not in text


def test_attendee_csv_is_formula_safe_and_attendance_is_marked(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app)
    person = make_user(app, Role.CITIZEN, name="=HYPERLINK(\"http://evil\")")
    client = app.test_client()
    login(client, person)
    client.post(f"/dialogues/{dialogue.slug}/register")
    staff = _staff(app)
    csv_text = staff.get(f"/staff/dialogues/{dialogue.id}/attendees.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and ";=HYPERLINK" not in csv_text and not csv_text.lstrip("\ufeff").startswith("=")
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))
    staff.post(f"/staff/dialogues/{dialogue.id}/attendance", data={"attended": [str(registration_id)]})
    with app.app_context():
        assert db.session.get(Registration, registration_id).attended is True
    # A forged box with a number of 5,000 digits (beyond what Python turns into an int) was a 500.
    response = staff.post(f"/staff/dialogues/{dialogue.id}/attendance",
                          data={"attended": [str(registration_id), "9" * 5000]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Registration, registration_id).attended is True


def test_reminders_go_out_the_day_before_and_once(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app, starts_in=dt.timedelta(days=3))
    person = make_user(app, Role.CITIZEN)
    client = app.test_client()
    login(client, person)
    client.post(f"/dialogues/{dialogue.slug}/register")
    with app.app_context():
        starts = db.session.get(Dialogue, dialogue.id).starts_at
    with app.test_request_context():
        assert services.send_reminders(db.session, starts - dt.timedelta(days=2)) == 0
        day_before = starts - dt.timedelta(hours=24)
        assert services.send_reminders(db.session, day_before) == 1
        assert services.send_reminders(db.session, day_before + dt.timedelta(hours=1)) == 0
        db.session.commit()
        reminder = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()[-1]
        assert reminder.to == person.email and reminder.attachment_type == "text/calendar"


def test_one_to_one_slots_are_booked_once(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app, kind="market", slot_minutes=30, capacity=5)
    with app.app_context():
        slot = db.session.get(Dialogue, dialogue.id).slots()[0].isoformat()
    first, second = app.test_client(), app.test_client()
    login(first, make_user(app, Role.ENTREPRENEUR))
    login(second, make_user(app, Role.ENTREPRENEUR))
    for client in (first, second):
        client.post(f"/dialogues/{dialogue.slug}/register")
    assert first.post(f"/dialogues/{dialogue.slug}/slot", data={"slot": slot}).status_code == 302
    response = second.post(f"/dialogues/{dialogue.slug}/slot", data={"slot": slot})
    assert response.status_code == 400


def test_entrepreneurs_only_dialogue_refuses_a_citizen(app: Flask, client_en: FlaskClient, catalogue) -> None:
    dialogue = make_dialogue(app, eligibility="entrepreneurs")
    login(client_en, make_user(app, Role.CITIZEN))
    response = client_en.post(f"/dialogues/{dialogue.slug}/register", follow_redirects=True)
    assert "This dialogue is for entrepreneurs." in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(Registration.id)) is None


def test_cancelled_dialogue_shows_its_reason_and_tells_participants(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app)
    person = make_user(app, Role.CITIZEN)
    client = app.test_client()
    login(client, person)
    client.post(f"/dialogues/{dialogue.slug}/register")
    staff = _staff(app)
    refused = staff.post(f"/staff/dialogues/{dialogue.id}/status/cancelled", data={"reason": ""})
    assert refused.status_code == 400
    staff.post(f"/staff/dialogues/{dialogue.id}/status/cancelled", data={"reason": "Zaal niet beschikbaar"})
    assert "Zaal niet beschikbaar" in page_text(app.test_client().get(f"/dialogues/{dialogue.slug}"))
    with app.app_context():
        mails = db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.to == person.email)).all()
        assert len(mails) == 2  # the confirmation, then the cancellation


def test_more_seats_move_the_waitlist_up_and_fewer_than_taken_is_refused(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app, capacity=1)
    people = [make_user(app, Role.CITIZEN) for _ in range(3)]
    for person in people:
        client = app.test_client()
        login(client, person)
        client.post(f"/dialogues/{dialogue.slug}/register")
    with app.test_request_context():
        target = db.session.get(Dialogue, dialogue.id)
        fields = dict(kind=target.kind, title=target.title, body_source="", category=None, related_call=None,
                      starts_at=target.starts_at, ends_at=target.ends_at, address="Stadhuis", online_url="",
                      registration_closes_at=target.registration_closes_at, eligibility=target.eligibility,
                      slot_minutes=None)
        services.save_dialogue(db.session, None, target, capacity=2, **fields)
        db.session.commit()
        statuses = [r.status for r in db.session.scalars(select(Registration).order_by(Registration.position))]
        assert statuses == [RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
        with pytest.raises(DomainError) as refused:
            services.save_dialogue(db.session, None, target, capacity=1, **fields)
        assert refused.value.field == "capacity"


def test_participants_hear_when_time_or_place_changes(app: Flask, catalogue) -> None:
    dialogue = make_dialogue(app)
    person = make_user(app, Role.CITIZEN)
    client = app.test_client()
    login(client, person)
    client.post(f"/dialogues/{dialogue.slug}/register")
    with app.test_request_context():
        target = db.session.get(Dialogue, dialogue.id)
        services.save_dialogue(
            db.session, None, target, kind=target.kind, title=target.title, body_source="", category=None,
            related_call=None, starts_at=target.starts_at + dt.timedelta(hours=1),
            ends_at=target.ends_at + dt.timedelta(hours=1), address="Andere zaal", online_url="", capacity=10,
            registration_closes_at=target.registration_closes_at, eligibility=target.eligibility, slot_minutes=None)
        db.session.commit()
        mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == person.email)
                                  .order_by(OutboxEmail.id)).all()[-1]
    assert "Gewijzigd" in mail.subject and "Andere zaal" in mail.body and "Andere zaal" in mail.html_body
    assert "SEQUENCE" in mail.attachment_content
