"""Factories: plain functions with defaults and **overrides, returning plain data (ids)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient

from mvi_challenges.accounts.models import KvkStatus, Organisation, Role
from mvi_challenges.accounts.services import create_user
from mvi_challenges.calls.models import CallKind, CallStatus, Eligibility
from mvi_challenges.calls.services import (
    CriterionInput,
    approve_explanation,
    choose_library_criteria,
    save_call,
    save_phase,
    transition_call,
)
from mvi_challenges.catalogue.models import Category, SocialValue
from mvi_challenges.catalogue.services import seed_catalogue
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc

PASSWORD = "correct-horse-battery"

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def make_user(app: Flask, *roles: Role, **overrides: object) -> SimpleNamespace:
    roles = roles or (Role.CITIZEN,)
    n = _next()
    with app.app_context():
        organisation = None
        if Role.ENTREPRENEUR in roles:
            # Verified unless a test says otherwise: a KvK number an administrator confirmed.
            organisation = Organisation(name=overrides.pop("organisation_name", f"Bedrijf {n}"),
                                        kvk_number=str(overrides.pop("kvk", f"{10000000 + n}")),
                                        kvk_status=KvkStatus(overrides.pop("kvk_status", KvkStatus.VERIFIED)))
            db.session.add(organisation)
        user = create_user(
            db.session,
            email=str(overrides.pop("email", f"user{n}@example.org")),
            password=str(overrides.pop("password", PASSWORD)),
            name=str(overrides.pop("name", f"Gebruiker {n}")),
            roles=tuple(roles),
            organisation=organisation,
        )
        db.session.commit()
        return SimpleNamespace(id=user.id, email=user.email, password=PASSWORD, name=user.name,
                               organisation_id=user.organisation_id)


def login(client: FlaskClient, user: SimpleNamespace) -> None:
    response = client.post("/account/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 302, response.get_data(as_text=True)


def make_call(
    app: Flask,
    *,
    title: str | None = None,
    kind: CallKind = CallKind.CHALLENGE,
    category: str = "mobiliteit",
    level: int = 3,
    values: tuple[str, ...] = ("klimaat",),
    status: CallStatus = CallStatus.PUBLISHED,
    phases: int | None = None,
    opens_in: dt.timedelta = dt.timedelta(days=-1),
    closes_in: dt.timedelta = dt.timedelta(days=10),
    explanation: str = "",
    summary: str = "Een samenvatting van de uitvraag.",
    body: str = "## Vraag\nWat we vragen.",
    library: tuple[int, ...] = (),
) -> SimpleNamespace:
    """A call with weighted criteria per phase; SBIR phases follow each other a month apart.

    `library`: ids of library criteria chosen before publishing (needed when the category has a library).
    """
    n = _next()
    with app.app_context():
        seed_catalogue(db.session)
        category_obj = db.session.scalar(db.select(Category).where(Category.slug == category))
        value_objs = list(db.session.scalars(db.select(SocialValue).where(SocialValue.slug.in_(values))))
        call = save_call(
            db.session, None, None, kind=kind, title=title or f"Uitvraag {n}", summary=summary,
            body_source=body, category=category_obj, ambition_level=level, level_explanation=explanation,
            social_values=value_objs, eligibility=Eligibility.BOTH, prize_text="€ 10.000",
            contact_name="Ilse", contact_email="ilse@utrecht.example",
        )
        now = now_utc()
        count = phases if phases is not None else (2 if kind is CallKind.SBIR else 1)
        for index in range(count):
            shift = dt.timedelta(days=60 * index)
            save_phase(
                db.session, None, call, None, title=f"Fase {index + 1}",
                opens_at=now + opens_in + shift, closes_at=now + closes_in + shift,
                budget_cents=5_000_000, max_awards=3, score_scale_max=10,
                criteria=[CriterionInput("Impact", 60, knockout_minimum=4), CriterionInput("Haalbaarheid", 40)],
            )
        if library:
            choose_library_criteria(db.session, None, call, list(library))
        if status is not CallStatus.DRAFT and call.below_target:
            # Comply or explain: a manager (not the writer) approves the explanation before publishing.
            call.manager = create_user(db.session, email=f"manager{n}@utrecht.example", password=PASSWORD,
                                       name=f"Manager {n}", roles=(Role.STAFF,))
            db.session.flush()
            approve_explanation(db.session, call.manager, call)
        if status is not CallStatus.DRAFT:
            transition_call(db.session, None, call, CallStatus.PUBLISHED,
                            now=min(now, now + opens_in) - dt.timedelta(hours=1))
        if status in (CallStatus.CLOSED, CallStatus.DECIDED, CallStatus.ARCHIVED, CallStatus.CANCELLED):
            if status is CallStatus.CANCELLED:
                transition_call(db.session, None, call, CallStatus.CANCELLED, reason="Geen budget meer.")
            else:
                transition_call(db.session, None, call, CallStatus.CLOSED, reason="Genoeg voorstellen.")
                if status in (CallStatus.DECIDED, CallStatus.ARCHIVED):
                    call.phases[-1].decisions_published_at = now  # a call is decided by its published decisions
                    transition_call(db.session, None, call, CallStatus.DECIDED)
                if status is CallStatus.ARCHIVED:
                    transition_call(db.session, None, call, CallStatus.ARCHIVED)
        db.session.commit()
        return SimpleNamespace(id=call.id, slug=call.slug, title=call.title)


def page_text(response) -> str:
    """The visible text of a page, whitespace collapsed, for assertions about what users read."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def mailed_link(app: Flask, to: str, path_prefix: str) -> str:
    """The path of the newest link starting with `path_prefix` in the mails queued for `to`."""
    from sqlalchemy import select

    from mvi_challenges.core.outbox import OutboxEmail

    with app.app_context():
        bodies = db.session.scalars(select(OutboxEmail.body).where(OutboxEmail.to == to)
                                    .order_by(OutboxEmail.id.desc()))
        for body in bodies:
            found = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]+)", body)
            if found:
                return found.group(1)
    raise AssertionError(f"no mail to {to} with a link to {path_prefix}")


def confirm_registration(app: Flask, client: FlaskClient, email: str, password: str = PASSWORD):
    """Follow the confirmation mail's link and confirm with the password: what a registrant does."""
    link = mailed_link(app, email, "/account/confirm/")
    assert client.get(link).status_code == 200
    return client.post(link, data={"password": password})


PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def make_proposal(app: Flask, owner: SimpleNamespace, call: SimpleNamespace, *, submit: bool = False,
                  attachment: bool = False, phase_number: int = 1, title: str = "Ons voorstel",
                  budget_cents: int = 1_000_000) -> SimpleNamespace:
    """A proposal of `owner` for `call`, made through the services as the owner would."""
    import io

    from mvi_challenges.accounts.models import User
    from mvi_challenges.calls.models import Call
    from mvi_challenges.core.storage import get_storage
    from mvi_challenges.core.uploads import inspect_upload
    from mvi_challenges.proposals import services

    with app.test_request_context():
        user = db.session.get(User, owner.id)
        call_obj = db.session.get(Call, call.id)
        phase = next(p for p in call_obj.phases if p.number == phase_number)
        now = now_utc()
        proposal = services.start_proposal(db.session, user, call_obj, phase, now)
        services.save_draft(db.session, user, proposal, title=title, summary="Kort gezegd.",
                            body_source="## Aanpak\nZo doen we het.", requested_budget_cents=budget_cents, now=now)
        attachment_id = None
        if attachment:
            upload = inspect_upload(io.BytesIO(PDF_BYTES), "plan.pdf", 1024 * 1024)
            storage = get_storage(app.config)
            staged = storage.stage(upload.data)
            attachment_id = services.add_attachment(db.session, user, proposal, upload, staged.key, now).id
        if submit:
            services.submit(db.session, user, proposal, now)
        db.session.commit()
        if attachment:
            storage.promote(staged)
        return SimpleNamespace(id=proposal.id, attachment_id=attachment_id, owner_id=owner.id)


def make_dialogue(app: Flask, *, title: str = "Stadsgesprek", capacity: int = 10, starts_in: dt.timedelta =
                  dt.timedelta(days=5), kind: str = "city", eligibility: str = "both", online_url: str = "",
                  address: str = "Stadhuis", slot_minutes: int | None = None, publish: bool = True,
                  title_en: str = "", body_source_en: str = "") -> SimpleNamespace:
    from mvi_challenges.dialogues import services
    from mvi_challenges.dialogues.models import DialogueKind, DialogueStatus

    with app.test_request_context():
        now = now_utc()
        dialogue = services.save_dialogue(
            db.session, None, None, kind=DialogueKind(kind), title=title, body_source="Praat **mee**.",
            category=None, related_call=None, starts_at=now + starts_in, ends_at=now + starts_in + dt.timedelta(hours=2),
            address=address, online_url=online_url, capacity=capacity,
            registration_closes_at=now + starts_in - dt.timedelta(hours=1), eligibility=Eligibility(eligibility),
            slot_minutes=slot_minutes, title_en=title_en, body_source_en=body_source_en)
        if publish:
            services.transition_dialogue(db.session, None, dialogue, DialogueStatus.PUBLISHED,
                                         now=now - dt.timedelta(days=60))
        db.session.commit()
        return SimpleNamespace(id=dialogue.id, slug=dialogue.slug, title=dialogue.title)


def decide_and_publish(app: Flask, call: SimpleNamespace, outcomes: dict[int, str], *, days_ago: int = 0) -> None:
    """Close phase 1 of `call`, decide every proposal (`{proposal_id: "awarded" | "not_awarded"}`)
    and publish the decisions, as staff would after the jury; `days_ago` days ago (a contract
    can be recorded once the 20-day standstill period after publication is over)."""
    from mvi_challenges.calls.models import Call
    from mvi_challenges.evaluation import services as evaluation
    from mvi_challenges.evaluation.models import Outcome
    from mvi_challenges.proposals.models import Proposal

    with app.test_request_context():
        phase = db.session.get(Call, call.id).phases[0]
        published_at = now_utc() - dt.timedelta(days=days_ago)
        phase.closes_at = published_at - dt.timedelta(minutes=5)
        for proposal_id, outcome in outcomes.items():
            evaluation.decide(db.session, None, db.session.get(Proposal, proposal_id), Outcome(outcome),
                              "Zo besloten, met redenen.")
        evaluation.publish_decisions(db.session, None, phase, published_at)
        db.session.commit()


def close_phase(app: Flask, call: SimpleNamespace, number: int = 1) -> None:
    """Let the deadline of phase `number` pass (five minutes ago, past the opening grace): its proposals are no longer sealed."""
    from mvi_challenges.calls.models import Call

    with app.app_context():
        phase = next(p for p in db.session.get(Call, call.id).phases if p.number == number)
        phase.closes_at = now_utc() - dt.timedelta(minutes=5)
        db.session.commit()


# --- the criteria library (issue #19) ---------------------------------------------------------

# (code, category, level, value, principle slug): a small library with known levels and principles.
LIBRARY = (
    ("MOB-1", "mobiliteit", 1, "gezonde-leefomgeving", "schoon"),
    ("MOB-1B", "mobiliteit", 1, "klimaat", "schoon"),
    ("MOB-2", "mobiliteit", 2, "klimaat", "schoon"),
    ("MOB-3", "mobiliteit", 3, "klimaat", "schoon"),
    ("MOB-3I", "mobiliteit", 3, "innovatie", "samen"),
    ("ICT-1", "ict", 1, "circulaire-economie", "eerlijk"),
    ("ICT-2", "ict", 2, "ketenverantwoordelijkheid", "eerlijk"),
)
PRINCIPLES = (("schoon", "Schoon en emissievrij", "Clean and zero-emission", ("klimaat",)),
              ("samen", "Samen innoveren", "Innovating together", ("innovatie",)),
              ("eerlijk", "Eerlijke keten", "Fair supply chain", ("ketenverantwoordelijkheid",)))


def make_library(app: Flask) -> SimpleNamespace:
    """Three leading principles and seven library criteria; ids by code and by principle slug."""
    from mvi_challenges.criteria.models import LeadingPrinciple, LibraryCriterion

    with app.app_context():
        seed_catalogue(db.session)
        values = {v.slug: v for v in db.session.scalars(db.select(SocialValue))}
        categories = {c.slug: c for c in db.session.scalars(db.select(Category))}
        principles = {}
        for slug, nl, en, value_slugs in PRINCIPLES:
            principle = LeadingPrinciple(slug=slug, name_nl=nl, name_en=en, description_nl=f"Over {nl}.",
                                         description_en=f"About {en}.",
                                         social_values=[values[v] for v in value_slugs])
            db.session.add(principle)
            principles[slug] = principle
        criteria = {}
        for code, category, level, value, principle in LIBRARY:
            criterion = LibraryCriterion(
                code=code, category=categories[category], level=level, text_nl=f"Eis {code} in het Nederlands.",
                text_en=f"Requirement {code} in English.", verification_nl=f"Bewijs {code}.",
                verification_en=f"Proof {code}.", social_value=values[value], principle=principles[principle])
            db.session.add(criterion)
            criteria[code] = criterion
        db.session.commit()
        return SimpleNamespace(criteria={code: c.id for code, c in criteria.items()},
                               principles={slug: p.id for slug, p in principles.items()})


def pick_criteria(app: Flask, call_id: int, criterion_ids: list[int]) -> int | None:
    """Choose library criteria for a call through the service, as the picker page does."""
    from mvi_challenges.calls.models import Call
    from mvi_challenges.calls.services import choose_library_criteria

    with app.test_request_context():
        level = choose_library_criteria(db.session, None, db.session.get(Call, call_id), criterion_ids)
        db.session.commit()
        return level
def add_partners(app: Flask, proposal: SimpleNamespace, partners: list[tuple[SimpleNamespace, int]], *,
                 submit: bool = True) -> None:
    """Invite each (partner user, share in cents) into the proposal's consortium, let each confirm,
    and (by default) submit the proposal, through the services as the people would."""
    from mvi_challenges.accounts.models import User
    from mvi_challenges.proposals import services
    from mvi_challenges.proposals.models import Proposal

    with app.test_request_context():
        record = db.session.get(Proposal, proposal.id)
        lead = db.session.get(User, proposal.owner_id)
        for partner_user, share in partners:
            user = db.session.get(User, partner_user.id)
            invitation = services.invite_partner(
                db.session, lead, record, email=user.email, kvk_number=user.organisation.kvk_number,
                role="Kennispartner", share_cents=share, now=now_utc(), secret_key=app.config["SECRET_KEY"])
            services.answer_invitation(db.session, user, invitation, accept=True, now=now_utc())
        if submit:
            services.submit(db.session, lead, record, now_utc())
        db.session.commit()
