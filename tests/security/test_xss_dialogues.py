"""Dialogues: title, description, address and online link, input from participants (Markdown),
moderation and disposition reasons, the report and cancel reasons; on the public page (as visitor
and as participant), the staff pages, and in the confirmation, cancellation and report mails.

One dialogue per chunk of the short fields. Every dialogue page is rendered as a participant
(who also sees the address); the visitor's view and the staff pages for the dialogues with the
long texts and every SAMPLE_STRIDE-th one.
"""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

from flask import Flask
from sqlalchemy import update

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Eligibility
from mvi_challenges.core.db import db
from mvi_challenges.core.errors import DomainError
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.dialogues import services
from mvi_challenges.dialogues.models import Contribution, Dialogue, DialogueKind, DialogueStatus

from ..factories import make_user
from .checks import Findings, check_outbox
from .conftest import logged_in
from .corpus import SAMPLE_STRIDE, all_payloads, cycle, markdown_document, pack


def _new_dialogue(session, actor, *, title: str, body: str, address: str, online_url: str = "", title_en: str = "",
                  body_en: str = "") -> Dialogue:
    now = now_utc()
    starts = now + dt.timedelta(days=5)
    dialogue = services.save_dialogue(
        session, actor, None, kind=DialogueKind.CITY, title=title, body_source=body, category=None, related_call=None,
        starts_at=starts, ends_at=starts + dt.timedelta(hours=2), address=address, online_url=online_url, capacity=50,
        registration_closes_at=starts - dt.timedelta(hours=1), eligibility=Eligibility.BOTH, slot_minutes=None,
        title_en=title_en, body_source_en=body_en)
    services.transition_dialogue(session, actor, dialogue, DialogueStatus.PUBLISHED, now=now - dt.timedelta(days=1))
    return dialogue


def make_payload_dialogues(app: Flask, admin_id: int, participant_id: int) -> SimpleNamespace:
    short = pack(200, single_line=True)
    addresses = pack(300, single_line=True)
    hidden_reasons, disposition_reasons = pack(500), pack(2000)
    dialogues = []
    with app.test_request_context():
        actor, participant = db.session.get(User, admin_id), db.session.get(User, participant_id)
        for i in range(len(short)):
            dialogue = _new_dialogue(db.session, actor, title=short[i],
                                     body=markdown_document() if i == 0 else "Praat **mee**.",
                                     address=cycle(addresses, i, "Stadhuis"))
            services.register(db.session, participant, dialogue, now_utc())
            dialogues.append(SimpleNamespace(id=dialogue.id, slug=dialogue.slug))
        first = db.session.get(Dialogue, dialogues[0].id)
        moderated = []
        for k in range(len(hidden_reasons) + len(disposition_reasons)):
            contribution = services.add_contribution(db.session, participant, first, f"Inbreng {k}")
            # Given over the weeks before (input is limited per hour, lifecycle.CONTRIBUTIONS_PER_HOUR).
            contribution.created_at = now_utc() - dt.timedelta(days=1, minutes=k)
            db.session.flush()
            moderated.append(contribution.id)
        db.session.commit()
    return SimpleNamespace(dialogues=dialogues, moderated=moderated, hidden_reasons=hidden_reasons,
                           disposition_reasons=disposition_reasons)


def test_dialogue_texts_are_escaped_everywhere(app: Flask, catalogue, admin) -> None:
    participant = make_user(app, Role.CITIZEN, name="Deelnemer")
    made = make_payload_dialogues(app, admin.id, participant.id)
    payloads = all_payloads()
    findings = Findings()
    staff, visitor, person = admin.client, app.test_client(), logged_in(app, participant)
    first = made.dialogues[0]

    # Input through the real form, one refused for being too long (it comes back as typed).
    for text in pack(10_000, separator="\n\n"):
        sent = person.post(f"/dialogues/{first.slug}/input", data={"text": text})
        if sent.status_code != 302:
            findings.page(sent, "giving input", payloads, status=302)
    refused = person.post(f"/dialogues/{first.slug}/input", data={"text": markdown_document() + " " * 10_000})
    findings.page(refused, "refused input", payloads, status=400)
    # Moderation through the staff form: hidden with a reason, or not adopted with a reason.
    for contribution_id, reason in zip(made.moderated, made.hidden_reasons, strict=False):
        staff.post(f"/staff/contributions/{contribution_id}",
                   data={f"c{contribution_id}-hide": "y", f"c{contribution_id}-hidden_reason": reason})
    for contribution_id, reason in zip(made.moderated[len(made.hidden_reasons):], made.disposition_reasons,
                                       strict=False):
        staff.post(f"/staff/contributions/{contribution_id}",
                   data={f"c{contribution_id}-disposition": "not_adopted",
                         f"c{contribution_id}-disposition_reason": reason})
    with app.app_context():
        hidden = db.session.query(Contribution).filter(Contribution.hidden_reason.is_not(None)).count()
        assert hidden == len(made.hidden_reasons), "the moderation form stored the reasons"

    for index, dialogue in enumerate(made.dialogues):
        findings.page(person.get(f"/dialogues/{dialogue.slug}"), f"dialogue {index} (participant)", payloads)
        if index % SAMPLE_STRIDE == 0:
            findings.page(visitor.get(f"/dialogues/{dialogue.slug}"), f"dialogue {index} (visitor)", payloads)
            findings.page(staff.get(f"/staff/dialogues/{dialogue.id}"), f"staff dialogue {index}", payloads)
            findings.page(staff.get(f"/staff/dialogues/{dialogue.id}/edit"), f"dialogue form {index}", payloads)
    pages = math.ceil(len(made.dialogues) / app.config["PAGE_SIZE"])
    for page in range(1, pages + 1):
        findings.page(visitor.get(f"/dialogues?page={page}"), f"dialogue list {page}", payloads)
        findings.page(staff.get(f"/staff/dialogues?page={page}"), f"staff dialogue list {page}", payloads)

    # Cancelled with a public reason (mailed to the participant).
    for index, reason in enumerate(pack(2000), start=1):
        dialogue = made.dialogues[index]
        staff.post(f"/staff/dialogues/{dialogue.id}/status/cancelled", data={"reason": reason})
        findings.page(visitor.get(f"/dialogues/{dialogue.slug}"), f"cancelled dialogue {index}", payloads)
    # The dialogue took place; the report is published (and mailed).
    with app.app_context():
        past = now_utc() - dt.timedelta(days=1)
        db.session.execute(update(Dialogue).where(Dialogue.id == first.id).values(
            starts_at=past - dt.timedelta(hours=2), ends_at=past, registration_closes_at=past - dt.timedelta(hours=3)))
        db.session.commit()
    reported = staff.post(f"/staff/dialogues/{first.id}/report", data={"summary": markdown_document()})
    if reported.status_code != 302:
        findings.page(reported, "publishing the report", payloads, status=302)
    findings.page(visitor.get(f"/dialogues/{first.slug}"), "report (visitor)", payloads)
    findings.page(person.get(f"/dialogues/{first.slug}"), "report (participant)", payloads)
    findings.page(staff.get(f"/staff/dialogues/{first.id}"), "staff page with report", payloads)
    mails = check_outbox(app, findings, payloads)
    assert mails > len(made.dialogues), "confirmations, cancellations and the report were mailed"
    findings.check()


def test_english_dialogue_texts_are_escaped_everywhere(app: Flask, catalogue, admin) -> None:
    """The English version (migration 0033): every payload as an English title, the document as the English
    description and the English report, read by English visitors, a participant's /my and staff's forms."""
    participant = make_user(app, Role.CITIZEN, name="Deelnemer")
    payloads, findings = all_payloads(), Findings()
    dialogues = []
    with app.test_request_context():
        actor, person = db.session.get(User, admin.id), db.session.get(User, participant.id)
        for i, title_en in enumerate(pack(200, single_line=True)):
            dialogue = _new_dialogue(db.session, actor, title=f"Gesprek {i}", body="Praat mee.", address="Stadhuis",
                                     title_en=title_en, body_en=markdown_document() if i == 0 else "Talk **with us**.")
            services.register(db.session, person, dialogue, now_utc())
            dialogues.append(SimpleNamespace(id=dialogue.id, slug=dialogue.slug))
        db.session.commit()
    staff, visitor, person = admin.client, app.test_client(), logged_in(app, participant, lang="en")
    visitor.post("/language", data={"lang": "en", "next": "/"})
    for index, dialogue in enumerate(dialogues):
        if index % SAMPLE_STRIDE == 0:
            findings.page(visitor.get(f"/dialogues/{dialogue.slug}"), f"English dialogue {index}", payloads)
            findings.page(staff.get(f"/staff/dialogues/{dialogue.id}/edit"), f"dialogue form {index}", payloads)
    for page in range(1, math.ceil(len(dialogues) / app.config["PAGE_SIZE"]) + 1):
        findings.page(visitor.get(f"/dialogues?page={page}"), f"English dialogue list {page}", payloads)
    findings.page(person.get("/my"), "English /my with every title", payloads)
    first = dialogues[0]
    with app.app_context():
        past = now_utc() - dt.timedelta(days=1)
        db.session.execute(update(Dialogue).where(Dialogue.id == first.id).values(
            starts_at=past - dt.timedelta(hours=2), ends_at=past, registration_closes_at=past - dt.timedelta(hours=3)))
        db.session.commit()
    reported = staff.post(f"/staff/dialogues/{first.id}/report",
                          data={"summary": "Verslag.", "summary_en": markdown_document()})
    if reported.status_code != 302:
        findings.page(reported, "publishing the English report", payloads, status=302)
    findings.page(visitor.get(f"/dialogues/{first.slug}"), "English report (visitor)", payloads)
    findings.page(person.get(f"/dialogues/{first.slug}"), "English report (participant)", payloads)
    findings.page(staff.get(f"/staff/dialogues/{first.id}"), "staff page with the English report", payloads)
    check_outbox(app, findings, payloads)
    findings.check()


def test_the_online_link_is_only_ever_a_web_address(app: Flask, catalogue, admin) -> None:
    """Every payload as the online link: refused unless http(s); an accepted one stays an inert
    href on the participant's page and in the mail about the change."""
    participant = make_user(app, Role.CITIZEN)
    accepted = []
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        dialogue = _new_dialogue(db.session, actor, title="Online gesprek", body="", address="Stadhuis")
        services.register(db.session, db.session.get(User, participant.id), dialogue, now_utc())
        db.session.commit()
        slug = dialogue.slug
        for payload in all_payloads():
            try:
                with db.session.begin_nested():
                    services.save_dialogue(
                        db.session, actor, dialogue, kind=dialogue.kind, title=dialogue.title, body_source="",
                        category=None, related_call=None, starts_at=dialogue.starts_at, ends_at=dialogue.ends_at,
                        address="", online_url=payload, capacity=50,
                        registration_closes_at=dialogue.registration_closes_at, eligibility=Eligibility.BOTH,
                        slot_minutes=None)
            except DomainError:
                continue
            accepted.append(payload)
        db.session.commit()
    assert len(accepted) >= 5, "web addresses among the payloads are accepted"

    findings = Findings()
    person = logged_in(app, participant)
    for payload in accepted:
        with app.app_context():
            db.session.execute(update(Dialogue).where(Dialogue.slug == slug).values(online_url=payload.strip()))
            db.session.commit()
        findings.page(person.get(f"/dialogues/{slug}"), f"online link {payload[:40]!r}", all_payloads())
    check_outbox(app, findings, all_payloads())
    findings.check()
