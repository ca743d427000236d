"""Calls: every payload through every text field staff fill in, rendered on every page showing it.

Short fields (titles, names) take the corpus packed into chunks, one call per chunk; rich and long
fields take the whole corpus at once. Calls are made through the services (the call form is a
heavy round trip); the pages are the real ones, public and staff.

Every chunk is rendered on the public call page, the staff call form and the lists. The other
pages of a call (MVI paragraph, staff overview, phase forms) are rendered for the calls that carry
the criteria and long texts and for every SAMPLE_STRIDE-th call: they show the same fields through
the same macros, and rendering all of them for every chunk would make the suite take minutes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from types import SimpleNamespace
from xml.etree import ElementTree

from flask import Flask
from sqlalchemy import select

from mvi_challenges.calls import services
from mvi_challenges.calls.models import CallKind, CallStatus, Eligibility
from mvi_challenges.catalogue.models import Category, SocialValue
from mvi_challenges.core.db import db
from mvi_challenges.core.storage import get_storage
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.core.uploads import inspect_upload

from ..factories import PDF_BYTES
from .checks import Findings
from .corpus import SAMPLE_STRIDE, all_payloads, cycle, markdown_document, pack

CRITERIA_PER_PHASE = 15  # the phase form's maximum
ATOM = "{http://www.w3.org/2005/Atom}"


def _criteria(names: list[str], descriptions: list[str]) -> list[services.CriterionInput]:
    weights = [100 // len(names)] * len(names)
    weights[-1] += 100 - sum(weights)
    return [services.CriterionInput(name, weight, description=description)
            for name, weight, description in zip(names, weights, descriptions, strict=True)]


def make_payload_calls(app: Flask, admin_id: int) -> SimpleNamespace:
    """One published call per chunk of the short fields. The first calls are SBIR calls with three
    phases of fifteen criteria (the names and descriptions); the first calls also carry the long
    fields; every call has a document; extra calls carry the cancel reasons."""
    from mvi_challenges.accounts.models import User

    short = pack(200, single_line=True)
    n = len(short)
    summaries, prizes = pack(600), pack(300, single_line=True)
    explanations, notes, descriptions, reasons = pack(5000), pack(5000), pack(2000), pack(2000)
    criteria_calls = math.ceil(n / (3 * CRITERIA_PER_PHASE))
    storage = get_storage(app.config)
    calls, cancelled = [], []
    with app.test_request_context():
        actor = db.session.get(User, admin_id)
        category = db.session.scalar(select(Category).where(Category.slug == "mobiliteit"))  # target level 3
        values = list(db.session.scalars(select(SocialValue).limit(2)))
        now = now_utc()
        staged_files = []
        # Comply or explain: another staff member, the calls' manager, approves the explanations;
        # the register then shows the approver's name, itself a payload.
        from mvi_challenges.accounts.models import Role
        from mvi_challenges.accounts.services import create_user
        approver = create_user(db.session, email="approver@utrecht.example", password="correct-horse-battery",
                               name=short[0], roles=(Role.STAFF,))
        for i in range(n + len(reasons)):
            extra = i >= n
            below = i < len(explanations)
            sbir = i < criteria_calls
            call = services.save_call(
                db.session, actor, None, kind=CallKind.SBIR if sbir else CallKind.CHALLENGE, title=f"Geannuleerd {i}" if extra else short[i],
                summary=cycle(summaries, i, "Een samenvatting."),
                body_source=markdown_document() if i == 0 else "Wat we **vragen**.", category=category,
                ambition_level=2 if below else 3, level_explanation=explanations[i] if below else "",
                social_values=values, eligibility=Eligibility.BOTH, prize_text=cycle(prizes, i, ""),
                contact_name=short[(i + 1) % n], contact_email="inkoop@utrecht.example",
                experiment=services.ExperimentSpace(extra_weeks=2, budget_cents=0, note=cycle(notes, i, "")),
            )
            for number in (1, 2, 3) if sbir else (1,):
                if sbir:
                    first = (i * 3 + number - 1) * CRITERIA_PER_PHASE
                    names = [short[(first + k) % n] for k in range(CRITERIA_PER_PHASE)]
                    texts = [cycle(descriptions, first + k, "") for k in range(CRITERIA_PER_PHASE)]
                else:
                    names, texts = ["Impact", "Haalbaarheid"], ["", ""]
                shift = dt.timedelta(days=60 * (number - 1))
                services.save_phase(
                    db.session, actor, call, None, title=short[(i + number - 1) % n],
                    opens_at=now - dt.timedelta(days=1) + shift, closes_at=now + dt.timedelta(days=10) + shift,
                    budget_cents=5_000_000, max_awards=3, score_scale_max=10, criteria=_criteria(names, texts),
                )
            if not extra:
                upload = inspect_upload(io.BytesIO(PDF_BYTES), "plan.pdf", 1024 * 1024)
                staged = storage.stage(upload.data)
                staged_files.append(staged)
                services.add_document(db.session, actor, call, short[(i + 2) % n], upload, staged.key)
            if below:
                call.manager = approver
                db.session.flush()
                services.approve_explanation(db.session, approver, call)
            services.transition_call(db.session, actor, call, CallStatus.PUBLISHED, now=now - dt.timedelta(days=2))
            if extra:
                services.transition_call(db.session, actor, call, CallStatus.CANCELLED, reason=reasons[i - n])
                cancelled.append(SimpleNamespace(id=call.id, slug=call.slug))
            else:
                calls.append(SimpleNamespace(id=call.id, slug=call.slug))
        db.session.commit()
        for staged in staged_files:
            storage.promote(staged)
    return SimpleNamespace(calls=calls, cancelled=cancelled, criteria_calls=criteria_calls, short=short)


def test_call_fields_are_escaped_on_every_page(app: Flask, client, catalogue, admin) -> None:
    made = make_payload_calls(app, admin.id)
    payloads = all_payloads()
    findings = Findings()
    staff = admin.client
    for index, call in enumerate(made.calls):
        findings.page(client.get(f"/calls/{call.slug}"), f"call page {index}", payloads)
        findings.page(staff.get(f"/staff/calls/{call.id}/edit"), f"call form {index}", payloads)
        if index < made.criteria_calls or index % SAMPLE_STRIDE == 0:
            findings.page(client.get(f"/calls/{call.slug}/mvi-paragraph"), f"MVI paragraph {index}", payloads)
            findings.page(staff.get(f"/staff/calls/{call.id}"), f"staff call page {index}", payloads)
            for number in (1, 2, 3) if index < made.criteria_calls else (1,):
                findings.page(staff.get(f"/staff/calls/{call.id}/phases/{number}"),
                              f"phase form {index}.{number}", payloads)
    for call in made.cancelled:
        findings.page(client.get(f"/calls/{call.slug}"), f"cancelled call {call.id}", payloads)
    pages = math.ceil((len(made.calls) + len(made.cancelled)) / app.config["PAGE_SIZE"])
    for page in range(1, pages + 1):
        findings.page(client.get(f"/calls?page={page}"), f"call list page {page}", payloads)
        findings.page(staff.get(f"/staff/calls?page={page}"), f"staff call list page {page}", payloads)
        findings.page(client.get(f"/monitoring/register?page={page}"), f"register page {page}", payloads)
    findings.page(client.get("/"), "home page", payloads)
    findings.page(client.get("/categories/mobiliteit"), "category page", payloads)
    findings.page(client.get("/calls?q=script"), "call search", payloads)
    _check_feed(client, findings, made)
    findings.check()


def _check_feed(client, findings: Findings, made: SimpleNamespace) -> None:
    """The Atom feed is XML: call text stays text, it never becomes elements of the feed."""
    response = client.get("/feeds/calls.atom")
    try:
        feed = ElementTree.fromstring(response.get_data())  # noqa: S314 - our own feed, in a test
    except ElementTree.ParseError as error:
        findings.add(f"Atom feed: not well-formed XML ({error})")
        return
    allowed = {f"{ATOM}{name}" for name in ("feed", "id", "title", "subtitle", "updated", "author", "name", "link",
                                            "entry", "published", "category", "summary")}
    unexpected = {element.tag for element in feed.iter()} - allowed
    if unexpected:
        findings.add(f"Atom feed: elements from user text: {sorted(unexpected)}")
    shown = {entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")}
    if not shown & set(made.short):
        findings.add("Atom feed: the payload titles are not shown as text")
    if any(summary.get("type") != "text" for summary in feed.iter(f"{ATOM}summary")):
        findings.add("Atom feed: a summary is not of type text")
