"""A person sees and takes along all their data, and nobody else's; deleting forgets them but keeps the record."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues.models import Registration, RegistrationStatus
from mvi_challenges.proposals.models import Proposal

from ..factories import PDF_BYTES, login, make_call, make_dialogue, make_proposal, make_user, page_text


def _archive(client) -> tuple[dict, dict[str, bytes]]:
    response = client.post("/account/my-data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("personal-data.json")), files


def test_export_holds_my_data_and_files_and_nobody_elses(app: Flask, catalogue) -> None:
    call = make_call(app)
    me = make_user(app, Role.ENTREPRENEUR, name="Olga Ondernemer")
    other = make_user(app, Role.ENTREPRENEUR, name="Karel Concurrent")
    mine = make_proposal(app, me, call, submit=True, attachment=True, title="Mijn plan")
    make_proposal(app, other, call, submit=True, attachment=True, title="Zijn geheime plan")
    client = app.test_client()
    login(client, me)
    data, files = _archive(client)
    assert data["account"]["email"] == me.email and data["account"]["name"] == "Olga Ondernemer"
    assert [p["title"] for p in data["proposals"]] == ["Mijn plan"]
    assert data["proposals"][0]["versions"][0]["receipt_sha256"]
    assert list(files) == [f"files/{mine.attachment_id}-plan.pdf"] and files[f"files/{mine.attachment_id}-plan.pdf"] == PDF_BYTES
    everything = json.dumps(data)
    assert "Zijn geheime plan" not in everything and other.email not in everything and "Karel" not in everything
    assert {"proposal.started", "proposal.submitted"} <= {a["action"] for a in data["activity"]}


def test_deleting_an_account_forgets_the_person_and_keeps_the_procurement_record(app: Flask, catalogue) -> None:
    call = make_call(app, title="Slimme bankjes")
    citizen = make_user(app, Role.CITIZEN, name="Bea Bewoner", email="bea@example.org")
    submitted = make_proposal(app, citizen, call, submit=True, title="Bankje met zonnepaneel")
    second_call = make_call(app, title="Tweede uitvraag")
    draft = make_proposal(app, citizen, second_call, attachment=True, title="Half af")
    dialogue = make_dialogue(app, capacity=1, starts_in=dt.timedelta(days=3))
    waiting = make_user(app, Role.CITIZEN)
    from mvi_challenges.dialogues import services as dialogues
    from mvi_challenges.dialogues.models import Dialogue

    with app.test_request_context():
        row = db.session.get(Dialogue, dialogue.id)
        dialogues.register(db.session, db.session.get(User, citizen.id), row, now_utc())
        dialogues.register(db.session, db.session.get(User, waiting.id), row, now_utc())
        db.session.commit()
        draft_file = db.session.get(Proposal, draft.id).attachments[0].storage_key
    browser, other_device = app.test_client(), app.test_client()
    login(browser, citizen)
    login(other_device, citizen)
    browser.post("/language", data={"lang": "en", "next": "/"})
    refused = browser.post("/account/delete", data={"password": "not-my-password", "understood": "y"})
    assert refused.status_code == 400 and "Your password is not correct." in page_text(refused)
    unticked = browser.post("/account/delete", data={"password": citizen.password})
    assert unticked.status_code == 400 and "Tick the box to confirm." in page_text(unticked)
    response = browser.post("/account/delete", data={"password": citizen.password, "understood": "y"},
                            follow_redirects=True)
    assert "Your account has been deleted." in page_text(response)
    assert other_device.get("/account").status_code == 302  # every session has ended
    assert browser.post("/account/login", data={"email": "bea@example.org", "password": citizen.password}
                        ).status_code == 400
    with app.app_context():
        user = db.session.get(User, citizen.id)
        assert "Bea" not in user.name and user.email != "bea@example.org" and user.blocked and not user.roles
        kept = db.session.get(Proposal, submitted.id)
        assert kept is not None and kept.title == "Bankje met zonnepaneel"  # the procurement record stays
        assert db.session.get(Proposal, draft.id) is None  # an unfinished draft goes
        statuses = {r.user_id: r.status for r in db.session.scalars(select(Registration))}
        assert statuses[citizen.id] is RegistrationStatus.CANCELLED
        assert statuses[waiting.id] is RegistrationStatus.CONFIRMED  # the waitlist moved up
    from mvi_challenges.core.storage import get_storage

    assert not get_storage(app.config).exists(draft_file)


def test_retention_lists_and_anonymises_inactive_accounts_but_not_staff(app: Flask) -> None:
    old = make_user(app, Role.CITIZEN, name="Oude Gebruiker")
    recent = make_user(app, Role.CITIZEN, name="Recente Gebruiker")
    old_staff = make_user(app, Role.STAFF, name="Oude Ambtenaar")
    with app.app_context():
        long_ago = now_utc() - dt.timedelta(days=app.config["RETENTION_DAYS"] + 10)
        for user_id in (old.id, old_staff.id):
            db.session.get(User, user_id).last_login_at = long_ago
        db.session.get(User, recent.id).last_login_at = now_utc()
        db.session.commit()
    admin = app.test_client()
    login(admin, make_user(app, Role.ADMIN))
    page = page_text(admin.get("/admin/retention"))
    assert "Oude Gebruiker" in page and "Recente Gebruiker" not in page and "Oude Ambtenaar" not in page
    runner = app.test_cli_runner()
    assert "1 accounts are due" in runner.invoke(args=["apply-retention", "--dry-run"]).output
    result = runner.invoke(args=["apply-retention"])
    assert f"1 accounts anonymised after {app.config['RETENTION_DAYS']} days without activity: [{old.id}]" in result.output
    with app.app_context():
        assert db.session.get(User, old.id).name.startswith("Verwijderde gebruiker")
        assert db.session.get(User, recent.id).name == "Recente Gebruiker"
    assert "Oude Gebruiker" not in page_text(admin.get("/admin/retention"))
