"""The jury's texts: names of invited experts, conflict reasons, score motivations, consensus
reasons and decision motivations, on the jury's and staff's pages, the public call page and in
the invitation and decision mails. Everything goes through the real forms except the invitations.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Phase
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.evaluation import services as evaluation

from ..factories import make_call, make_proposal, make_user
from .checks import Findings, check_outbox
from .conftest import logged_in
from .corpus import SAMPLE_STRIDE, all_payloads, pack


def test_jury_texts_are_escaped_everywhere(app: Flask, catalogue, admin) -> None:
    payloads = all_payloads()
    half = len(payloads) // 2
    short = pack(200, single_line=True)
    call = make_call(app, title="Uitvraag voor de jury")
    owners = [make_user(app, Role.ENTREPRENEUR) for _ in range(3)]
    proposals = [make_proposal(app, owner, call, submit=True, attachment=True, title=short[n], budget_cents=100_000)
                 for n, owner in enumerate(owners)]
    chair, member = make_user(app, Role.JURY, name=short[3]), make_user(app, Role.JURY, name=short[4])
    staff = admin.client
    for user, is_chair in ((chair, True), (member, False)):
        staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": user.email, "is_chair": "y" if is_chair else ""})
    # The external experts sit on another call's jury: on this one, the consensus waits for every
    # member's final sheet, and they do not score.
    experts_call = make_call(app, title="Uitvraag voor de experts")
    with app.test_request_context():
        phase = db.session.scalar(select(Phase).where(Phase.call_id == call.id))
        experts_phase = db.session.scalar(select(Phase).where(Phase.call_id == experts_call.id))
        actor = db.session.get(User, admin.id)
        for index, name in enumerate(short):  # external experts, invited by mail
            evaluation.assign_member(db.session, actor, experts_phase, email=f"expert{index}@example.org", name=name,
                                     is_chair=False, secret_key=app.config["SECRET_KEY"])
        phase.closes_at = now_utc() - dt.timedelta(minutes=5)  # the jury works after the deadline
        db.session.commit()
        phase_id, criteria = phase.id, [c.id for c in phase.criteria]
        tokens = [evaluation.invitation_token(app.config["SECRET_KEY"], user) for user in db.session.scalars(
            select(User).where(User.email.like("expert%"))).all()[::SAMPLE_STRIDE]]

    findings = Findings()
    base = f"/jury/phases/{phase_id}"
    chair_client, member_client = logged_in(app, chair), logged_in(app, member)
    first, second, third = (p.id for p in proposals)
    conflict_reason = "\n".join(payloads)
    chair_client.post(base, data={f"declare-{p.id}": "none" for p in proposals})
    member_client.post(base, data={f"declare-{first}": "none", f"declare-{second}": "none",
                                   f"declare-{third}": "conflict", f"reason-{third}": conflict_reason})
    motivations = ["\n".join(payloads[:half]), "\n".join(payloads[half:])]
    for client, order in ((chair_client, motivations), (member_client, motivations[::-1])):
        for proposal_id in (first, second):
            data = {"action": "finalise", "confirm": "yes"}
            for criterion, motivation in zip(criteria, order, strict=True):
                data[f"score-{criterion}"], data[f"motivation-{criterion}"] = "5", motivation
            refused = client.post(f"{base}/proposals/{proposal_id}", data={**data, f"score-{criteria[0]}": "veel"})
            findings.page(refused, "refused score sheet", payloads, status=400)
            saved = client.post(f"{base}/proposals/{proposal_id}", data=data)
            if saved.status_code != 302:
                findings.page(saved, "finalising scores", payloads, status=302)
    for (proposal_id, criterion), reason in zip(((first, criteria[0]), (first, criteria[1]), (second, criteria[0])),
                                                pack(5000), strict=False):
        chair_client.post(f"{base}/results/{proposal_id}",
                          data={"criterion": criterion, f"c{criterion}-value": "6", f"c{criterion}-reason": reason})
    decisions = pack(10_000)
    for proposal_id, outcome, motivation in ((first, "awarded", decisions[0]),
                                             (second, "not_awarded", decisions[-1]),
                                             (third, "not_awarded", "Past niet binnen de uitvraag.")):
        staff.post(f"/staff/calls/{call.id}/phases/1/results/{proposal_id}",
                   data={"outcome": outcome, "motivation": motivation})

    for where, client, url in (
        ("staff jury page", staff, f"/staff/calls/{call.id}/phases/1/jury"),
        ("staff jury page of the experts", staff, f"/staff/calls/{experts_call.id}/phases/1/jury"),
        ("staff results", staff, f"/staff/calls/{call.id}/phases/1/results"),
        ("staff report", staff, f"/staff/calls/{call.id}/phases/1/report"),
        ("chair results", chair_client, f"{base}/results"),
        ("chair's page of the first proposal", chair_client, f"{base}/results/{first}"),
        ("staff page of the first proposal", staff, f"/staff/calls/{call.id}/phases/1/results/{first}"),
        ("staff page of the second proposal", staff, f"/staff/calls/{call.id}/phases/1/results/{second}"),
        ("chair overview", chair_client, base),
        ("member overview", member_client, base),
        ("chair's juries", chair_client, "/jury"),
        ("chair scores first", chair_client, f"{base}/proposals/{first}"),
        ("member scores first", member_client, f"{base}/proposals/{first}"),
        ("chair scores second", chair_client, f"{base}/proposals/{second}"),
    ):
        findings.page(client.get(url), where, payloads)
    published = staff.post(f"/staff/calls/{call.id}/phases/1/publish-decisions", data={"confirm": "yes"})
    if published.status_code != 302:
        findings.page(published, "publishing decisions", payloads, status=302)
    findings.page(staff.get(f"/staff/calls/{call.id}/phases/1/results"), "published results", payloads)
    findings.page(app.test_client().get(f"/calls/{call.slug}"), "call page with decisions", payloads)
    for token in tokens:
        findings.page(app.test_client().get(f"/jury/invitation/{token}"), "invitation page", payloads)
    mails = check_outbox(app, findings, payloads)
    assert mails >= len(short) + 3, "invitations and decisions were mailed"
    with app.app_context():
        phase = db.session.get(Phase, phase_id)
        assert len(evaluation.final_sheets(db.session, phase)) == 4, "the score sheets were finalised"
        assert len(evaluation.consensus_scores(db.session, phase)) == min(3, len(pack(5000)))
        assert len(evaluation.decisions(db.session, phase)) == 3 and phase.decisions_published_at is not None
    findings.check()


def test_vulnerability_jury_form_error_shows_the_member_name_as_html(app: Flask, catalogue, admin) -> None:
    """VULNERABILITY (stored XSS on a staff page), found by this suite; this test fails until fixed.

    Adding someone who is already on the jury raises
    `DomainError(lazy_gettext("%(name)s is already on this jury.", name=user.name))`
    (mvi_challenges/evaluation/services.py, assign_member); `errors.attach_to_form` puts that
    LazyString into the field's errors and templates/_macros.html prints it with `{{ message }}`.
    LazyString has `__html__`, so Jinja does not escape it: anyone who registers with a name like
    `<img src=x onerror=…>` runs script in the staff member's session when staff add them twice.
    Fix: `attach_to_form` stores `str(error.message)` (field errors and form errors), so messages
    are escaped like any other text; never interpolate user text into a lazy string that reaches
    HTML unconverted.
    """
    call = make_call(app)
    payloads = all_payloads()
    findings = Findings()
    for index, name in enumerate(pack(200, single_line=True)):
        if index % 2:
            continue  # every other chunk keeps this test quick; each chunk holds several payloads
        person = make_user(app, Role.CITIZEN, name=name)
        admin.client.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": person.email})
        again = admin.client.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": person.email})
        findings.page(again, f"adding member {index} twice", payloads, status=400)
    findings.check()
