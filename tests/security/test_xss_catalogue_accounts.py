"""The catalogue (category names and tailored approach, social value names and descriptions,
department names) and the people (user and organisation names): on the public pages, in every
form that lists them as choices, on the admin pages, and in the mails that name them.

Names are short, so there is one category, social value, department or user per chunk; the pages
that list them all are rendered once, each one's own page and form for every SAMPLE_STRIDE-th one
and the ones with long texts.
"""

from __future__ import annotations

import datetime as dt
import math

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls import services as call_services
from mvi_challenges.calls.models import CallKind, CallStatus, Eligibility
from mvi_challenges.catalogue import services
from mvi_challenges.catalogue.models import Category, Department, SocialValue
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.core.timezones import now_utc

from ..factories import PASSWORD, confirm_registration, mailed_link, make_user
from .checks import Findings, check_outbox
from .conftest import logged_in
from .corpus import SAMPLE_STRIDE, all_payloads, cycle, markdown_document, pack


def _sampled(ids: list[int], keep_first: int = 1) -> list[int]:
    return [item for index, item in enumerate(ids) if index < keep_first or index % SAMPLE_STRIDE == 0]


def test_catalogue_texts_are_escaped_everywhere(app: Flask, client, client_en, catalogue, admin) -> None:
    names, department_names, descriptions = pack(120, single_line=True), pack(160, single_line=True), pack(2000)
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        values = [services.save_social_value(db.session, actor, None, name_nl=name, name_en=names[(i + 1) % len(names)],
                                             description_nl=cycle(descriptions, i, ""),
                                             description_en=cycle(descriptions, i + 1, ""))
                  for i, name in enumerate(names)]
        categories = [services.save_category(db.session, actor, None, name_nl=name,
                                             name_en=names[(i + 1) % len(names)], target_level=2, promising=i % 2 == 0,
                                             approach_source=markdown_document() if i == 0 else "",
                                             social_values=values[:len(descriptions)] if i == 0 else [])
                      for i, name in enumerate(names)]
        departments = [services.save_department(db.session, actor, None, name_nl=name,
                                                name_en=department_names[(i + 1) % len(department_names)])
                       for i, name in enumerate(department_names)]
        # A call in the first category, serving the described values: its page names them all.
        call = call_services.save_call(
            db.session, actor, None, kind=CallKind.CHALLENGE, title="Uitvraag in de categorie", summary="Kort.",
            body_source="Tekst.", category=categories[0], ambition_level=2, level_explanation="",
            social_values=values[:len(descriptions)], eligibility=Eligibility.BOTH, department=departments[0])
        now = now_utc()
        call_services.save_phase(db.session, actor, call, None, title="Fase 1", opens_at=now - dt.timedelta(days=1),
                                 closes_at=now + dt.timedelta(days=9), budget_cents=100_000, max_awards=1,
                                 score_scale_max=10, criteria=[call_services.CriterionInput("Impact", 100)])
        call_services.transition_call(db.session, actor, call, CallStatus.PUBLISHED, now=now - dt.timedelta(days=2))
        db.session.commit()
        category_ids, category_slugs = [c.id for c in categories], [c.slug for c in categories]
        value_ids, department_ids, call_slug = [v.id for v in values], [d.id for d in departments], call.slug

    payloads = all_payloads()
    findings = Findings()
    staff = admin.client
    for language, visitor in (("nl", client), ("en", client_en)):
        for url in ("/categories", f"/categories/{category_slugs[0]}", f"/calls/{call_slug}", "/calls",
                    f"/calls?category={category_slugs[0]}", "/dialogues", "/monitoring", "/monitoring/register"):
            findings.page(visitor.get(url), f"{url} ({language})", payloads)
    for url in ("/admin/catalogue/", "/staff/calls/new", "/staff/dialogues/new", "/staff/monitoring/records/new",
                f"/admin/catalogue/categories/{category_ids[0]}"):
        findings.page(staff.get(url), url, payloads)
    for index, slug in enumerate(category_slugs):
        if index % SAMPLE_STRIDE == 0:
            findings.page(client.get(f"/categories/{slug}"), f"category page {index}", payloads)
    for category_id in _sampled(category_ids):
        findings.page(staff.get(f"/admin/catalogue/categories/{category_id}"), f"category form {category_id}", payloads)
    for value_id in _sampled(value_ids, keep_first=len(descriptions)):
        findings.page(staff.get(f"/admin/catalogue/values/{value_id}"), f"value form {value_id}", payloads)
    for department_id in _sampled(department_ids):
        findings.page(staff.get(f"/admin/catalogue/departments/{department_id}"), f"department form {department_id}",
                      payloads)

    # Through the real forms: saved, and refused (the typed text comes back in the form).
    for index in range(0, len(names), SAMPLE_STRIDE):
        # A new name: the same name again would need the slug "<80 characters>-2", which does not
        # fit (test_bug_a_long_name_taken_twice_overflows_the_slug_column).
        name = f"Nieuw {index}: {names[index]}"[:120]
        saved = staff.post("/admin/catalogue/categories/new",
                           data={"name_nl": name, "name_en": name, "target_level": "2", "approach_source": name})
        if saved.status_code != 302:
            findings.page(saved, f"saving category {index}", payloads, status=302)
        refused = staff.post("/admin/catalogue/values/new", data={"name_nl": name, "name_en": "",
                                                                  "description_nl": cycle(descriptions, index, "")})
        findings.page(refused, f"refused value form {index}", payloads, status=400)
        saved = staff.post("/admin/catalogue/departments/new", data={"name_nl": name, "name_en": name})
        if saved.status_code != 302:
            findings.page(saved, f"saving department {index}", payloads, status=302)
    findings.page(staff.get("/admin/catalogue/"), "catalogue after the forms", payloads)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Category.id))) > len(names)
        assert db.session.scalar(select(db.func.count(Department.id))) > len(department_names)
        assert db.session.scalar(select(db.func.count(SocialValue.id))) >= len(names)
    findings.check()


def test_people_and_organisation_names_are_escaped(app: Flask, catalogue, admin) -> None:
    short = pack(200, single_line=True)
    n = len(short)
    users = [make_user(app, Role.ENTREPRENEUR, name=short[i], organisation_name=short[(i + 1) % n]) for i in range(n)]
    payloads = all_payloads()
    findings = Findings()
    staff = admin.client
    for page in range(1, math.ceil((n + 2) / app.config["PAGE_SIZE"]) + 1):
        findings.page(staff.get(f"/admin/users?page={page}"), f"user list {page}", payloads)
    for index in range(0, n, SAMPLE_STRIDE):
        findings.page(staff.get("/admin/users", query_string={"q": short[index]}), f"user search {index}", payloads)
        findings.page(logged_in(app, users[index]).get("/account"), f"profile {index}", payloads)

    # Registration through the real form; a colleague of the same organisation asks to join.
    for index in range(0, n, SAMPLE_STRIDE):
        data = {"name": short[index], "email": f"nieuw{index}@example.org", "password": PASSWORD,
                "password_repeat": PASSWORD, "account_type": "entrepreneur",
                "organisation_name": short[(index + 3) % n], "kvk_number": f"{90000000 + index}"}
        refused = app.test_client().post("/account/register", data={**data, "password_repeat": "anders-dan-eerst"})
        findings.page(refused, f"refused registration {index}", payloads, status=400)
        founder = app.test_client()
        registered = founder.post("/account/register", data=data)
        if registered.status_code != 302:
            findings.page(registered, f"registration {index}", payloads, status=302)
            continue
        findings.page(founder.get(registered.location), f"check your mail {index}", payloads)
        link = mailed_link(app, data["email"], "/account/confirm/")
        findings.page(founder.get(link), f"confirm the address {index}", payloads)
        confirmed = founder.post(link, data={"password": PASSWORD})
        if confirmed.status_code != 302:
            findings.page(confirmed, f"confirmation {index}", payloads, status=302)
            continue
        colleague = app.test_client()
        # Short enough that "<name> asks to join <organisation>" fits the subject column
        # (test_bug_a_long_name_in_a_join_request_overflows_the_mail_subject).
        colleague.post("/account/register", data={**data, "email": f"collega{index}@example.org",
                                                  "name": short[(index + 5) % n][:80]})
        confirm_registration(app, colleague, f"collega{index}@example.org")
        findings.page(colleague.get("/account"), f"profile of the one asking to join {index}", payloads)
        findings.page(founder.get("/account"), f"profile with the join request {index}", payloads)
        renamed = founder.post("/account", data={"name": short[(index + 7) % n], "locale": "en"})
        if renamed.status_code != 302:
            findings.page(renamed, f"renaming {index}", payloads, status=302)
        findings.page(founder.get("/account"), f"renamed profile {index}", payloads)
    check_outbox(app, findings, payloads)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(OutboxEmail.id))) > 0, "welcome and join mails were queued"
    findings.check()


def test_bug_a_long_name_in_a_join_request_overflows_the_mail_subject(app: Flask, catalogue) -> None:
    """BUG (500 on PostgreSQL), found by this suite; this test fails until fixed.

    `request_to_join` (mvi_challenges/accounts/services.py) queues a mail whose subject is
    "%(name)s asks to join %(org)s": a name and an organisation name of up to 200 characters each
    (what the registration form allows) exceed `OutboxEmail.subject` (String(300)). PostgreSQL
    refuses the insert, so registering to join an organisation fails with a 500 and the account is
    not created; SQLite stores the over-long subject silently.
    Fix: keep user text out of subjects (or shorten it, e.g. to 60 characters with an ellipsis) in
    `queue_email`/`request_to_join`, and truncate `subject` to the column size in `queue_email`.
    """
    long_name, long_org = "N" * 200, "O" * 200
    data = {"name": long_name, "email": "eerste@example.org", "password": PASSWORD, "password_repeat": PASSWORD,
            "account_type": "entrepreneur", "organisation_name": long_org, "kvk_number": "87654322"}
    founder = app.test_client()
    assert founder.post("/account/register", data=data).status_code == 302
    assert confirm_registration(app, founder, "eerste@example.org").status_code == 302
    joining = app.test_client()
    assert joining.post("/account/register", data={**data, "email": "tweede@example.org"}).status_code == 302
    confirmed = confirm_registration(app, joining, "tweede@example.org")
    assert confirmed.status_code == 302, f"joining an organisation answered {confirmed.status_code}"
    with app.app_context():
        limit = OutboxEmail.__table__.c.subject.type.length
        too_long = [m.subject for m in db.session.scalars(select(OutboxEmail)) if len(m.subject) > limit]
    assert not too_long, f"mail subjects longer than the column ({limit}): {[s[:60] for s in too_long]}"


def test_bug_a_long_name_taken_twice_overflows_the_slug_column(app: Flask, catalogue, admin) -> None:
    """BUG (500 on PostgreSQL), found by this suite; this test fails until fixed.

    `slugs.unique_slug` cuts the slug to 80 characters and then appends "-2", "-3"… for a taken
    slug. Categories, social values and departments keep their slug in String(80): a second one
    whose name starts with the same 80 slug characters gets an 82-character slug, which PostgreSQL
    refuses (500 on the admin form); SQLite stores it silently.
    Fix: in `unique_slug`, cut the base so that base + suffix fits the column (pass the column
    length, or cut the base to `max_length - len(suffix)`).
    """
    name = "Circulair inkopen van meubilair en bedrijfskleding voor alle gemeentelijke gebouwen en locaties"
    for url in ("/admin/catalogue/categories/new", "/admin/catalogue/values/new", "/admin/catalogue/departments/new"):
        for _ in range(2):
            response = admin.client.post(url, data={"name_nl": name, "name_en": name, "target_level": "2"})
            assert response.status_code in (302, 400), f"{url} answered {response.status_code}"
    with app.app_context():
        for model in (Category, SocialValue, Department):
            limit = model.__table__.c.slug.type.length
            slugs = [slug for slug in db.session.scalars(select(model.slug)) if len(slug) > limit]
            assert not slugs, f"{model.__name__} slugs longer than the column ({limit}): {slugs}"
