"""Mails escape user text: the HTML part shows what people typed as text, never as markup, and
no user text can break a mail header. (Every area test also runs its queued mails through the
same checks as its pages; these tests name the escaping explicitly.)"""

from __future__ import annotations

from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail, deliver_pending

from ..factories import PASSWORD, confirm_registration, decide_and_publish, make_call, make_proposal, make_user
from .checks import Findings, check_outbox, problems
from .corpus import all_payloads, pack

TITLE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_receipt_and_decision_mails_show_user_text_escaped(app: Flask, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR, name=TITLE, organisation_name=TITLE)
    proposal = make_proposal(app, owner, call, submit=True, title=TITLE)
    decide_and_publish(app, call, {proposal.id: "awarded"})
    with app.app_context():
        mails = list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == owner.email)))
    assert len(mails) >= 2, "a receipt and a decision"
    escaped = str(escape(TITLE))
    for mail in mails:
        assert mail.html_body, "the mail has an HTML part"
        assert TITLE not in mail.html_body, "the title appears only escaped"
        assert escaped in mail.html_body, mail.html_body
        assert not problems(mail.html_body, f"mail {mail.subject}", [TITLE])
        assert TITLE in mail.body, "the text part holds the title as typed"


def test_every_payload_in_a_mail_stays_text(app: Flask, catalogue) -> None:
    """Proposal titles (one chunk per proposal) in receipts; every payload passes through."""
    call = make_call(app)
    findings = Findings()
    for index, title in enumerate(pack(200, single_line=True)):
        owner = make_user(app, Role.ENTREPRENEUR, name=title)
        make_proposal(app, owner, call, submit=True, title=title)
        if index > 40:
            break
    assert check_outbox(app, findings, all_payloads()) > 40
    findings.check()


def test_vulnerability_a_name_with_a_line_break_breaks_the_join_request_mail(app: Flask, catalogue) -> None:
    """VULNERABILITY (mail header / outbox), found by this suite; this test fails until fixed.

    The name fields of the registration form accept line breaks (WTForms StringField keeps them;
    services only strip the ends). mvi_challenges/accounts/services.py `request_to_join` puts the
    applicant's name and the organisation name into the mail *subject*. Python's email package
    refuses a header with CR/LF (so no header injection), but `outbox._send_smtp` then raises
    ValueError, which `deliver_pending` does not catch: `flask send-outbox` stops at that mail,
    every run, and no later mail is delivered. Anyone can register with such a name.
    Fix: refuse or fold line breaks in single-line fields (a form filter removing \\r and \\n for
    names and titles), and make `deliver_pending` count a ValueError as a failed attempt.
    """
    client = app.test_client()
    data = {"name": "Eerste", "email": "eerste@example.org", "password": PASSWORD, "password_repeat": PASSWORD,
            "account_type": "entrepreneur", "organisation_name": "Bedrijf", "kvk_number": "87654321"}
    assert client.post("/account/register", data=data).status_code == 302
    confirm_registration(app, client, "eerste@example.org")
    mallory = app.test_client()
    second = mallory.post("/account/register", data={
        **data, "email": "tweede@example.org", "name": "Mallory\r\nBcc: everyone@example.org"})
    assert second.status_code in (302, 400)
    if second.status_code == 302:  # the join request (and its mail to Eerste) follows the confirmation
        confirm_registration(app, mallory, "tweede@example.org")
    findings = Findings()
    check_outbox(app, findings)
    with app.app_context():
        try:
            deliver_pending(db.session, {**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9})
        except Exception as error:  # any exception here stops the outbox
            findings.add(f"deliver_pending stops on a queued mail: {type(error).__name__}: {error}")
        db.session.rollback()
    findings.check()
