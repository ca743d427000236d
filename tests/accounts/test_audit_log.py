"""Administrators read who did what; passwords and tokens never reach the log."""

from __future__ import annotations

import logging
import re

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db

from ..factories import login, make_call, make_user, page_text


def _actions(response) -> set[str]:
    """The actions listed in the table (the filter's options list all of them)."""
    return set(re.findall(r'<td class="utrecht-table__cell audit-action"><code>([^<]+)</code>', response.get_data(as_text=True)))


def test_admin_filters_the_audit_log_by_action_person_and_object(app: Flask, catalogue) -> None:
    call = make_call(app)
    user = make_user(app, Role.CITIZEN, email="bea@example.org")
    visitor = app.test_client()
    visitor.post("/account/login", data={"email": user.email, "password": "fout-wachtwoord-123"})
    login(visitor, user)
    admin = app.test_client()
    login(admin, make_user(app, Role.ADMIN))
    admin.post("/language", data={"lang": "en", "next": "/"})
    actions = _actions(admin.get("/admin/audit?action=user."))
    assert {"user.login_failed", "user.login"} <= actions and all(a.startswith("user.") for a in actions)
    response = admin.get("/admin/audit?actor=bea@example.org")
    assert _actions(response) == {"user.login", "user.created"} and "bea@example.org" in page_text(response)
    assert _actions(admin.get(f"/admin/audit?subject_type=Call&subject_id={call.id}")) >= {"call.published"}
    assert "user.login" not in _actions(admin.get(f"/admin/audit?subject_type=Call&subject_id={call.id}"))
    assert admin.get("/admin/audit?since=not-a-date&subject_id=abc").status_code == 400  # told, not a 500
    assert admin.get("/admin/audit?action=nonsense").status_code == 400
    # The last day there is: the day after it overflowed (a 500). Now told, next to the field.
    far = admin.get("/admin/audit?until=9999-12-31&since=0001-01-01")
    assert far.status_code == 400 and "Enter a date between the years" in page_text(far)
    assert admin.get("/admin/audit?since=31-12-2026").status_code == 200  # the Dutch way of writing it


def test_no_password_or_token_is_ever_logged(app: Flask, client_en, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    user = make_user(app, Role.ENTREPRENEUR)
    secret = "mijn-geheime-wachtwoord-42"
    client_en.post("/account/login", data={"email": user.email, "password": secret})
    client_en.post("/account/password-reset", data={"email": user.email})
    from mvi_challenges.core.outbox import OutboxEmail

    with app.app_context():
        body = db.session.scalar(select(OutboxEmail.body))
        token = re.search(r"/account/password-reset/(\S+)", body).group(1)
        client_en.post(f"/account/password-reset/{token}", data={"password": secret, "password_repeat": secret})
        details = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    everything = details + caplog.text
    assert secret not in everything and token not in everything and user.password not in everything


def test_the_events_that_matter_are_audited(app: Flask, catalogue) -> None:
    """Logins, failures, roles, publication, submission, scores, decisions, exports, deletions."""
    from ..evaluation.test_evaluation import _client, _scores, _setup

    world = _setup(app, proposals=1)
    chair = _client(app, world.chair)
    base = f"/jury/phases/{world.phase_id}"
    proposal_id = world.proposals[0].id
    chair.post(base, data={f"declare-{proposal_id}": "none"})
    chair.post(f"{base}/proposals/{proposal_id}", data=_scores(world.criteria, [7, 6]))
    world.staff.get(f"/staff/calls/{world.call.id}/proposals.csv")
    admin = app.test_client()
    login(admin, make_user(app, Role.ADMIN))
    someone = make_user(app, Role.CITIZEN)
    admin.post(f"/admin/users/{someone.id}/roles", data={"role": "jury", "action": "grant"})
    app.test_client().post("/account/login", data={"email": someone.email, "password": "niet-het-wachtwoord"})
    person = app.test_client()
    login(person, someone)
    person.post("/account/delete", data={"password": someone.password, "understood": "y"})
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    expected = {"user.login", "user.login_failed", "user.role_granted", "call.published", "proposal.submitted",
                "jury.conflict_declared", "jury.sheet_finalised", "export.proposals_csv", "privacy.anonymised"}
    assert expected <= actions, expected - actions
