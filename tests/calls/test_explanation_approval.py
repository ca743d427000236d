"""Comply or explain with four eyes (issue #19, part 3): a below-target explanation is approved by
the call's responsible manager before publication, or sent back with a remark; placeholders are
refused; an edit withdraws the approval; the register shows who approved and when."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.monitoring.models import ProcurementRecord

from ..factories import login, make_call, make_user, page_text

EXPLANATION = "De markt voor emissievrije voertuigen is hier nog te klein."


def _client(app: Flask, user: SimpleNamespace) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def _form(catalogue, call: Call | SimpleNamespace, manager_id: int, **overrides) -> dict:
    data = {
        "kind": "challenge", "title": call.title, "summary": "Kort.", "body_source": "## Vraag\nWat we vragen.",
        "category_id": str(catalogue.categories["mobiliteit"].id), "ambition_level": "1",  # target level 3
        "level_explanation": EXPLANATION, "social_values": str(catalogue.values["klimaat"]), "eligibility": "both",
        "prize_text": "", "contact_name": "", "contact_email": "", "manager_id": str(manager_id),
    }
    data.update(overrides)
    return data


def _world(app: Flask, catalogue) -> SimpleNamespace:
    """A draft call at level 1 of 3 (complete apart from the explanation), written by one staff
    member with another as its responsible manager, and a third staff member."""
    writer = make_user(app, Role.STAFF, name="Wim Schrijver")
    manager = make_user(app, Role.STAFF, name="Mira Manager")
    other = make_user(app, Role.STAFF, name="Olaf Collega")
    call = make_call(app, status=CallStatus.DRAFT)
    world = SimpleNamespace(call=call, writer=_client(app, writer), manager=_client(app, manager),
                            other=_client(app, other), manager_id=manager.id, writer_id=writer.id)
    response = world.writer.post(f"/staff/calls/{call.id}/edit", data=_form(catalogue, call, manager.id))
    assert response.status_code == 302, page_text(response)
    return world


def _invalid(html: str, field_id: str) -> bool:
    """Whether the field with this id is marked invalid (its error is shown next to it)."""
    tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{field_id}"[^>]*>', html)
    assert tag is not None, field_id
    return 'aria-invalid="true"' in tag.group(0)


def _publish(client: FlaskClient, call_id: int):
    return client.post(f"/staff/calls/{call_id}/status/published", data={"confirm": "yes"}, follow_redirects=True)


def _status(app: Flask, call_id: int) -> CallStatus:
    with app.app_context():
        return db.session.get(Call, call_id).status


def test_publishing_waits_for_the_managers_approval(app: Flask, catalogue) -> None:
    world = _world(app, catalogue)
    manage = page_text(world.writer.get(f"/staff/calls/{world.call.id}"))
    assert "Waiting for the manager's approval" in manage
    assert "the responsible manager must approve the explanation before the call can be published" in manage
    page = page_text(_publish(world.writer, world.call.id))
    assert "the responsible manager must approve the explanation" in page
    assert _status(app, world.call.id) is CallStatus.DRAFT

    response = world.manager.post(f"/staff/calls/{world.call.id}/explanation/approve", follow_redirects=True)
    assert "You approved the explanation." in page_text(response)
    assert "Approved by Mira Manager" in page_text(response)
    _publish(world.writer, world.call.id)
    assert _status(app, world.call.id) is CallStatus.PUBLISHED


def test_publish_is_refused_in_dutch_too(app: Flask, catalogue) -> None:
    world = _world(app, catalogue)
    world.writer.post("/language", data={"lang": "nl", "next": "/"})
    page = page_text(_publish(world.writer, world.call.id))
    assert "moet de verantwoordelijke manager de uitleg goedkeuren" in page
    assert _status(app, world.call.id) is CallStatus.DRAFT


def test_only_the_named_manager_decides_and_not_on_their_own_text(app: Flask, catalogue) -> None:
    world = _world(app, catalogue)
    for client in (world.other, world.writer):  # other staff, and the writer who is not the manager
        assert client.post(f"/staff/calls/{world.call.id}/explanation/approve").status_code == 403
        assert client.post(f"/staff/calls/{world.call.id}/explanation/send-back",
                           data={"remark-remark": "Nee"}).status_code == 403
    assert "Approve this explanation" not in page_text(world.other.get(f"/staff/calls/{world.call.id}"))
    # Four eyes: the manager who rewrites the explanation cannot approve it themselves.
    world.manager.post(f"/staff/calls/{world.call.id}/edit", data=_form(
        catalogue, world.call, world.manager_id, level_explanation=EXPLANATION + " Zelf aangevuld."))
    response = world.manager.post(f"/staff/calls/{world.call.id}/explanation/approve", follow_redirects=True)
    assert "You wrote this explanation yourself" in page_text(response)
    with app.app_context():
        assert db.session.get(Call, world.call.id).explanation_approved_at is None


def test_send_back_with_a_remark_the_writer_sees_and_answers(app: Flask, catalogue) -> None:
    world = _world(app, catalogue)
    empty = world.manager.post(f"/staff/calls/{world.call.id}/explanation/send-back", data={"remark-remark": " "})
    assert empty.status_code == 400 and "Say what should change in the explanation." in page_text(empty)
    world.manager.post(f"/staff/calls/{world.call.id}/explanation/send-back",
                       data={"remark-remark": "Noem welke marktverkenning dit laat zien."})
    edit = page_text(world.writer.get(f"/staff/calls/{world.call.id}/edit"))
    assert "The manager sent the explanation back: Noem welke marktverkenning dit laat zien." in edit
    assert "The responsible manager sent the explanation back" in page_text(_publish(world.writer, world.call.id))
    world.writer.post(f"/staff/calls/{world.call.id}/edit", data=_form(
        catalogue, world.call, world.manager_id, level_explanation=EXPLANATION + " Zie de marktverkenning 2026."))
    waiting = page_text(world.manager.get("/my"))
    assert "Explanations waiting for your approval" in waiting and world.call.title in waiting
    assert f"{world.call.title} — written by Wim Schrijver" in waiting  # the work list names the writer
    assert "Explanations waiting for your approval" not in page_text(world.other.get("/my"))


def test_an_edit_after_approval_withdraws_it(app: Flask, catalogue) -> None:
    world = _world(app, catalogue)
    world.manager.post(f"/staff/calls/{world.call.id}/explanation/approve")
    # Saving without touching the explanation keeps the approval.
    world.writer.post(f"/staff/calls/{world.call.id}/edit", data=_form(catalogue, world.call, world.manager_id,
                                                                       summary="Andere samenvatting."))
    with app.app_context():
        assert db.session.get(Call, world.call.id).explanation_approved_at is not None
    world.writer.post(f"/staff/calls/{world.call.id}/edit", data=_form(
        catalogue, world.call, world.manager_id, level_explanation="Iets anders: de markt is nog niet zover."))
    with app.app_context():
        call = db.session.get(Call, world.call.id)
        assert call.explanation_approved_at is None and call.explanation_approved_by_id is None
    assert "Waiting for the manager's approval" in page_text(world.writer.get(f"/staff/calls/{world.call.id}"))
    _publish(world.writer, world.call.id)
    assert _status(app, world.call.id) is CallStatus.DRAFT
    # Lowering the level (2 → 1 is a change of what was approved) withdraws it too.
    world.manager.post(f"/staff/calls/{world.call.id}/explanation/approve")
    world.writer.post(f"/staff/calls/{world.call.id}/edit", data=_form(
        catalogue, world.call, world.manager_id, ambition_level="2", level_explanation="Iets anders: de markt is nog niet zover."))
    with app.app_context():
        assert db.session.get(Call, world.call.id).explanation_approved_at is None


def test_placeholders_are_refused_next_to_the_field_with_every_other_error(app: Flask, catalogue) -> None:
    world = _world(app, catalogue)
    for placeholder in ("Uitleg volgt nog.", "n.t.b.", "volgt", "TBD", "-", "Te klein."):
        response = world.writer.post(f"/staff/calls/{world.call.id}/edit", data=_form(
            catalogue, world.call, world.manager_id, title="", level_explanation=placeholder))
        assert response.status_code == 400, placeholder
        html = response.get_data(as_text=True)
        assert _invalid(html, "level_explanation") and _invalid(html, "title"), placeholder  # all at once
        assert not _invalid(html, "summary")
        page = page_text(response)
        assert ("a placeholder such as" in page or "at least 20 characters" in page), placeholder
        with app.app_context():
            assert db.session.get(Call, world.call.id).level_explanation == EXPLANATION


def test_the_register_shows_who_approved_and_when(app: Flask, client_en: FlaskClient, catalogue) -> None:
    world = _world(app, catalogue)
    world.manager.post(f"/staff/calls/{world.call.id}/explanation/approve")
    _publish(world.writer, world.call.id)
    with app.app_context():
        record = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == world.call.id))
        record_id = record.id
    today = now_utc().astimezone().strftime("%Y")
    register = page_text(client_en.get("/monitoring/register?below=below"))
    assert "Explanation approved by the responsible manager, Mira Manager, on" in register and today in register
    detail = page_text(client_en.get(f"/monitoring/register/{record_id}"))
    assert "Explanation approved by the responsible manager, Mira Manager" in detail
    # An edit of the published explanation withdraws the approval; the register says so.
    world.writer.post(f"/staff/calls/{world.call.id}/edit", data=_form(
        catalogue, world.call, world.manager_id, level_explanation=EXPLANATION + " Aangevuld na publicatie."))
    register = page_text(client_en.get("/monitoring/register?below=below"))
    assert "Mira Manager" not in register
    assert "The responsible manager has not approved this explanation yet." in register
