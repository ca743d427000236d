"""Every route × method × role against an expected-access table.

The table is the specification: a new route that is missing from it fails the suite, so nobody
can add a page without deciding who may use it.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import JoinRequest, Role, User
from mvi_challenges.calls.models import Call, CallDocument, CallKind, CallStatus, Phase
from mvi_challenges.core.db import db
from mvi_challenges.dialogues.models import Contribution
from mvi_challenges.evaluation.models import JuryMember
from mvi_challenges.proposals.models import Question

from .factories import close_phase, login, make_call, make_dialogue, make_proposal, make_user

PUBLIC, GUEST, LOGIN, STAFF, ADMIN = "public", "guest", "login", "staff", "admin"
OWNER, OWNER_OR_STAFF = "owner", "owner-or-staff"  # the proposal's own organisation (and staff)
ENTREPRENEUR = "entrepreneur"  # an entrepreneur who is a member of an organisation (any organisation)
JURY = "jury"  # a member of this phase's jury, also one who declared a conflict on the proposal
JURY_CLEAR = "jury-clear"  # a member who declared no conflict of interest with this proposal
JURY_CHAIR = "jury-chair"  # the chair of this phase's jury
CALL_MANAGER = "call-manager"  # the call's responsible manager: no role in this world is
# A step of logging in: without a password typed first it sends anyone back to log in (tested in
# tests/accounts/test_two_step.py); here it must only never fail.
LOGIN_FLOW = "login-flow"

EXPECTED: dict[str, str] = {
    "public.home": PUBLIC,
    "public.healthz": PUBLIC,
    "public.favicon": PUBLIC,
    "ops.readyz": PUBLIC,  # a load balancer asks it; it names what is down, nothing more
    "ops.metrics": PUBLIC,  # loopback (the test client) by default; anyone else not listed gets a 404
    "public.set_language": PUBLIC,
    "public.set_language:GET": GUEST,  # everyone; it only sets the display language and redirects back
    "public.privacy": PUBLIC,
    "public.accessibility": PUBLIC,
    "accounts.register": GUEST,
    "accounts.registration_sent": GUEST,  # without a registration in this session: back to the form
    "accounts.confirm_email": GUEST,  # a forged token is a 400 for everyone
    "accounts.login": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts.profile": LOGIN,
    "accounts.change_password": LOGIN,
    "accounts.change_email": LOGIN,
    "accounts.confirm_email_change": GUEST,  # a forged, used or expired link is a 400 for everyone
    "accounts.user_list": ADMIN,
    "accounts.change_role": ADMIN,
    "accounts.block_user": ADMIN,
    "accounts.audit_log": ADMIN,
    "accounts.organisation_queue": ADMIN,
    "accounts.check_organisation": ADMIN,
    "accounts.two_step_code": LOGIN_FLOW,
    "accounts.two_step_setup": LOGIN_FLOW,
    "privacy.my_data": LOGIN,
    "privacy.download": LOGIN,
    "privacy.download_export": OWNER,  # a prepared ZIP of the owner's data: anyone else gets a 404
    "privacy.delete_account": LOGIN,
    "privacy.retention": ADMIN,
    "accounts.request_reset": PUBLIC,
    "accounts.reset_password": GUEST,  # a forged token is a 400 for everyone
    "accounts.login_link": GUEST,  # a forged or used login link is a 400 for everyone
    "catalogue.index": ADMIN,
    "catalogue.edit_category": ADMIN,
    "catalogue.edit_social_value": ADMIN,
    "catalogue.edit_department": ADMIN,
    # The criteria library and the leading principles: administrators only (issue #19).
    "criteria.index": ADMIN,
    "criteria.edit_criterion": ADMIN,
    "criteria.retire_criterion": ADMIN,
    "criteria.restore_criterion": ADMIN,
    "criteria.export_csv": ADMIN,
    "criteria.import_csv": ADMIN,
    "criteria.principles": ADMIN,
    "criteria.edit_principle": ADMIN,
    "criteria.retire_principle": ADMIN,
    "criteria.restore_principle": ADMIN,
    "calls.pick_criteria": STAFF,
    "api.principle_list": PUBLIC,
    "api.criteria_list": PUBLIC,
    "public.my_home": LOGIN,
    "public.categories": PUBLIC,
    "public.category": PUBLIC,
    "calls.mvi_paragraph": PUBLIC,
    "calls.mvi_paragraph_text": PUBLIC,
    "monitoring.dashboard": PUBLIC,
    "pipeline.pipeline": PUBLIC,
    "pipeline.follow": PUBLIC,
    "pipeline.confirm_follow": GUEST,  # a forged token is a 400 for everyone
    "pipeline.unsubscribe": GUEST,  # a forged token is a 400 for everyone; no login (RFC 8058)
    "pipeline.staff_list": STAFF,
    "pipeline.edit": STAFF,
    "pipeline.start_call": STAFF,
    "pipeline.start_tender": STAFF,
    "lessons.search": PUBLIC,
    "api.pipeline_list": PUBLIC,
    "api.lesson_list": PUBLIC,
    "lessons.detail": PUBLIC,
    "lessons.staff_list": STAFF,
    "lessons.edit": STAFF,
    "monitoring.dashboard_csv": PUBLIC,
    "monitoring.register": PUBLIC,
    "monitoring.register_csv": PUBLIC,
    "monitoring.record_detail": PUBLIC,
    "monitoring.contract_detail": PUBLIC,
    "monitoring.staff_overview": STAFF,
    "monitoring.edit_record": STAFF,
    "monitoring.new_contract": STAFF,
    "monitoring.edit_contract": STAFF,
    "monitoring.manage_contract": STAFF,
    "monitoring.add_target": STAFF,
    "monitoring.remove_target": STAFF,
    "monitoring.add_update": STAFF,
    # Result talks: internal figures for staff and admins; a manager is staff, so sees their own
    # (tests/monitoring/test_talks.py: also a former manager without the staff role is refused).
    "monitoring.talk_list": STAFF,
    "monitoring.talk": STAFF,
    "monitoring.talk_csv": STAFF,
    "monitoring.record_document": PUBLIC,  # the public register entry as ODT/PDF
    "monitoring.category_report": PUBLIC,  # the public dashboard's figures as ODT/PDF
    "monitoring.call_document": STAFF,  # any call, also a draft
    "feeds.calls_feed": PUBLIC,
    "api.index": PUBLIC,
    "api.root": PUBLIC,
    "api.openapi_document": PUBLIC,
    "api.call_list": PUBLIC,
    "api.call_detail": PUBLIC,
    "api.decision_list": PUBLIC,
    "api.dialogue_list": PUBLIC,
    "api.dialogue_detail": PUBLIC,
    "api.register_list": PUBLIC,
    "api.contract_list": PUBLIC,
    "api.figures": PUBLIC,
    "api.catalogue": PUBLIC,
    "api.ocds_releases": PUBLIC,
    "calls.call_list": PUBLIC,
    "calls.call_detail": PUBLIC,
    "calls.document_download": PUBLIC,
    "calls.staff_list": STAFF,
    "calls.create_call": STAFF,
    "calls.edit_call": STAFF,
    "calls.manage": STAFF,
    "calls.edit_phase": STAFF,
    "calls.delete_phase": STAFF,
    "calls.upload_document": STAFF,
    "calls.delete_document": STAFF,
    "calls.change_status": STAFF,
    "calls.close_early": STAFF,
    # The call's named responsible manager only (four eyes): other staff and admins get a 403;
    # the manager's own success is tested in tests/calls/test_explanation_approval.py.
    "calls.approve_explanation": CALL_MANAGER,
    "calls.send_back_explanation": CALL_MANAGER,
    "accounts.decide_join": LOGIN,  # the service refuses non-members with a message
    "proposals.start": LOGIN,  # eligibility is explained on the call page, not a 403
    "proposals.edit": OWNER,
    "proposals.upload_attachment": OWNER,
    "proposals.remove_attachment": OWNER,
    "proposals.withdraw": OWNER,
    "proposals.detail": OWNER_OR_STAFF,
    "proposals.receipt": OWNER_OR_STAFF,
    "proposals.download_attachment": OWNER_OR_STAFF,
    "proposals.mine": LOGIN,
    "proposals.consortium": OWNER,  # the lead organisation; partners read the consortium on the proposal page
    "proposals.withdraw_partner": OWNER,
    "proposals.invitation": GUEST,  # a signed token decides; a wrong one is a 404 (tests/proposals/test_consortia.py)
    "proposals.questions": PUBLIC,  # reading is public; asking needs a login
    "proposals.questions:POST": LOGIN,
    "proposals.follow": LOGIN,
    "proposals.staff_proposals": STAFF,
    "proposals.export_csv": STAFF,
    "proposals.export_zip": STAFF,
    "proposals.change_status": STAFF,
    "proposals.staff_questions": STAFF,
    "proposals.answer": STAFF,
    "proposals.edit_answer": STAFF,
    "notices.note": PUBLIC,
    "notices.note_download": PUBLIC,
    "notices.note_json": PUBLIC,
    "notices.staff_notes": STAFF,
    "notices.issue": STAFF,
    "dialogues.dialogue_list": PUBLIC,
    "dialogues.detail": PUBLIC,
    "dialogues.ics": PUBLIC,
    "dialogues.feed": PUBLIC,
    "dialogues.register": LOGIN,  # eligibility is explained on the page, not a 403
    "dialogues.cancel": LOGIN,
    "dialogues.book_slot": LOGIN,
    "dialogues.contribute": LOGIN,
    "dialogues.staff_list": STAFF,
    "dialogues.edit": STAFF,
    "dialogues.manage": STAFF,
    "dialogues.change_status": STAFF,
    "dialogues.attendees_csv": STAFF,
    "dialogues.attendance": STAFF,
    "dialogues.moderate": STAFF,
    "dialogues.publish_report": STAFF,
    "dialogues.draw_page": PUBLIC,
    "dialogues.draw_json": PUBLIC,
    "dialogues.draw": STAFF,
    "dialogues.plan_pitch": STAFF,  # the pitch slots of a staged challenge's pitch stage
    "consultations.consultation_list": PUBLIC,
    "consultations.detail": PUBLIC,
    "consultations.document_download": PUBLIC,
    "consultations.answers": ENTREPRENEUR,  # on behalf of an organisation; its own answers only
    "consultations.save_answers": ENTREPRENEUR,
    "consultations.staff_list": STAFF,
    "consultations.new": STAFF,
    "consultations.manage": STAFF,
    "consultations.follow_up": STAFF,
    "consultations.upload_document": STAFF,
    "consultations.delete_document": STAFF,
    "consultations.open_consultation": STAFF,
    "consultations.responses": STAFF,
    "consultations.export": STAFF,
    "consultations.summary": STAFF,
    "consultations.save_summary": STAFF,
    "consultations.publish_summary": STAFF,
    "api.consultation_list": PUBLIC,
    "api.consultation_detail": PUBLIC,
    "evaluation.jury": STAFF,
    "evaluation.settings": STAFF,
    "evaluation.remove_member": STAFF,
    "evaluation.carry_over": STAFF,
    "evaluation.staff_results": STAFF,
    "evaluation.staff_result": STAFF,
    "evaluation.publish": STAFF,
    "evaluation.scores_csv": STAFF,
    "evaluation.staff_report": STAFF,
    "evaluation.my_juries": LOGIN,
    # Jury pages: members of this phase's jury only (tested in tests/evaluation with real members).
    "evaluation.phase_overview": JURY,
    "evaluation.score": JURY_CLEAR,
    "evaluation.attachment": JURY_CLEAR,
    "evaluation.chair_results": JURY_CHAIR,
    "evaluation.chair_result": JURY_CHAIR,
    "evaluation.invitation": GUEST,  # a signed token decides; a wrong one is a 404
    "evaluation.lift_conflict": STAFF,
    "evaluation.decision": OWNER_OR_STAFF,
    # Until the pitch's decisions are published the winners page is a 404 for everyone (tests/calls/test_stages.py).
    "evaluation.winners": GUEST,
}

ROLES: dict[str, tuple[Role, ...]] = {
    "anonymous": (),
    "owner": (Role.ENTREPRENEUR,),  # member of the organisation that owns the proposal
    "citizen": (Role.CITIZEN,),
    "entrepreneur": (Role.ENTREPRENEUR,),
    "jury": (Role.JURY,),  # a jury member, but of no jury in this world
    "jury_chair": (Role.JURY,),  # chair of the call's phase 1, no conflict with the proposal
    "jury_conflicted": (Role.JURY,),  # member of that jury who declared a conflict with the proposal
    "jury_other_call": (Role.JURY,),  # member of the jury of another call
    "staff": (Role.STAFF,),
    "admin": (Role.ADMIN,),
}


def _allowed(level: str, role: str) -> bool:
    if level == CALL_MANAGER:
        return False  # nobody here is the published call's manager; staff and admin are refused
    if level == JURY:
        return role in ("jury_chair", "jury_conflicted")
    if level in (JURY_CLEAR, JURY_CHAIR):
        return role == "jury_chair"
    if level == OWNER:
        return role == "owner"
    if level == ENTREPRENEUR:
        return role in ("owner", "entrepreneur")
    if level == OWNER_OR_STAFF:
        return role in ("owner", "staff", "admin")
    if level in (PUBLIC, GUEST, LOGIN_FLOW):
        return True
    if level == LOGIN:
        return role != "anonymous"
    if level == STAFF:
        return role in ("staff", "admin")
    return role == "admin"


def _routes(app: Flask) -> list[tuple[str, str, object]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule))
    # GETs first: a POST that is allowed may remove what a later GET needs; logging out last.
    return sorted(routes, key=lambda item: (item[1] != "GET", item[0] == "accounts.logout", item[0]))


def test_every_route_is_in_the_table(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - EXPECTED.keys() == set(), "add new routes to EXPECTED with who may use them"
    assert {key.split(":")[0] for key in EXPECTED} - endpoints == set(), "remove routes that no longer exist"


def _level(endpoint: str, method: str) -> str:
    return EXPECTED.get(f"{endpoint}:{method}", EXPECTED[endpoint])


def _world(app: Flask) -> SimpleNamespace:
    published = make_call(app, kind=CallKind.SBIR)
    draft = make_call(app, status=CallStatus.DRAFT)
    staff = make_user(app, Role.STAFF)
    client = app.test_client()
    login(client, staff)
    client.post(f"/staff/calls/{published.id}/documents", data={
        "title": "PvE", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "pve.pdf")}, content_type="multipart/form-data")
    owner = make_user(app, Role.ENTREPRENEUR)
    proposal = make_proposal(app, owner, published, submit=True, attachment=True)
    close_phase(app, published)  # opened: the jury and staff may read it (sealed before: tests/proposals)
    newcomer = make_user(app, Role.ENTREPRENEUR)
    with app.app_context():
        document_id = db.session.scalar(select(CallDocument.id))
        organisation_id = db.session.get(User, owner.id).organisation_id
        question = Question(call_id=published.id, asker_id=owner.id, text="Mag dat?")
        db.session.add(question)
        join = JoinRequest(user_id=newcomer.id, organisation_id=organisation_id)
        db.session.add(join)
        db.session.commit()
        question_id, join_id = question.id, join.id
    _clarification_note(app, published.id, question_id)
    other = make_user(app, Role.CITIZEN)
    # The dialogue shares the call's slug, so one `slug` value serves both kinds of route.
    dialogue = make_dialogue(app, title=published.title)
    assert dialogue.slug == published.slug
    _drawn_by_lot(app, dialogue.id)
    with app.app_context():
        contribution = Contribution(dialogue_id=dialogue.id, user_id=other.id, text_source="Idee", text_html="Idee")
        db.session.add(contribution)
        db.session.commit()
        contribution_id = contribution.id
        phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == published.id, Phase.number == 1))
        juror = make_user(app, Role.JURY)
        member = JuryMember(phase_id=phase_id, user_id=juror.id)
        db.session.add(member)
        db.session.commit()
        member_id = member.id
        jurors, declaration_id = _jurors(
            app, phase_id, db.session.scalar(select(Phase.id).where(Phase.call_id == draft.id)), proposal.id)
    consultation_id = _consultation(app, published.title, document_id)
    record_id, contract_id, target_id = _monitoring_world(app)
    # Published before the library exists: afterwards a mobility draft would first have to choose criteria.
    staged = _staged_challenge(app)
    with app.app_context():  # principle 1 and library criterion 1 exist for the library's routes
        from mvi_challenges.demo.criteria import seed_library

        seed_library(db.session)
        db.session.commit()
    item_id, lesson_id = _pipeline_world(app, record_id)
    export_id = _prepared_export(app, owner.id)
    return SimpleNamespace(staged=staged, item_id=item_id, lesson_id=lesson_id, export_id=export_id, jurors=jurors, declaration_id=declaration_id, record_id=record_id, contract_id=contract_id, target_id=target_id,
                           phase_id=phase_id, member_id=member_id, published=published, draft=draft, document_id=document_id, other_user=other, owner=owner,
                           proposal=proposal, question_id=question_id, join_id=join_id, dialogue=dialogue,
                           contribution_id=contribution_id, consultation_id=consultation_id)


def _consultation(app: Flask, title: str, document_id: int) -> int:
    """An open market consultation sharing the call's slug, with one attachment sharing the call
    document's id, so the `slug` and `document_id` values serve both kinds of route."""
    import datetime as dt

    from mvi_challenges.consultations import services
    from mvi_challenges.consultations.models import ConsultationDocument, ConsultationStatus
    from mvi_challenges.core.timezones import now_utc

    with app.app_context():
        now = now_utc()
        consultation = services.save_consultation(
            db.session, None, None, title=title, body_source="", category=None, closes_at=now + dt.timedelta(days=9),
            questions=["Wat vindt u?"], follow_up_call=None, now=now)
        consultation.documents.append(ConsultationDocument(
            id=document_id, title="Document", filename="document.pdf", content_type="application/pdf", size=1,
            sha256="0" * 64, storage_key=db.session.get(CallDocument, document_id).storage_key))
        services.transition_consultation(db.session, None, consultation, ConsultationStatus.OPEN, now)
        db.session.commit()
        assert consultation.slug == db.session.get(Call, db.session.get(CallDocument, document_id).call_id).slug
        return consultation.id


def _staged_challenge(app: Flask) -> SimpleNamespace:
    """A challenge in rounds whose stage 2 is a pitch: the pitch-slot page answers for it."""
    from .calls.test_stages import make_staged_call

    return make_staged_call(app, title="Rondes voor de matrix")


def _drawn_by_lot(app: Flask, dialogue_id: int) -> None:
    """The dialogue selects by lot and its (empty) draw is published: the draw pages answer."""
    from mvi_challenges.core.timezones import now_utc
    from mvi_challenges.dialogues import lottery
    from mvi_challenges.dialogues.models import Dialogue, LotDraw, Selection

    with app.app_context():
        dialogue = db.session.get(Dialogue, dialogue_id)
        dialogue.selection, dialogue.lot_secret = Selection.LOT, "0" * 64
        dialogue.lot_commitment = lottery.commitment_of(dialogue.lot_secret)
        db.session.add(LotDraw(dialogue_id=dialogue_id, drawn_at=now_utc(), algorithm=lottery.ALGORITHM,
                               secret=dialogue.lot_secret, seed=lottery.seed_of(dialogue.lot_secret, []),
                               capacity=dialogue.capacity, quotas={}, candidates=[], order=[], selected=[]))
        db.session.commit()


def _clarification_note(app: Flask, call_id: int, question_id: int) -> None:
    """Clarification note 1 of the call, with the question answered and published in it."""
    from mvi_challenges.core.timezones import now_utc
    from mvi_challenges.notices.services import issue_note

    with app.test_request_context():
        question = db.session.get(Question, question_id)
        question.answer_source, question.answer_html = "Ja.", "<p>Ja.</p>"
        question.published_at, question.number = now_utc(), 1
        issue_note(db.session, None, db.session.get(Call, call_id), changes_source="", expected_number=1,
                   now=now_utc())
        db.session.commit()


def _jurors(app: Flask, phase_id: int, other_phase_id: int,
            proposal_id: int) -> tuple[dict[str, SimpleNamespace], int]:
    """The chair (no conflict, scores final), a member with a conflict, and a member of another
    call's jury; and the id of the conflict declaration."""
    from mvi_challenges.evaluation.models import ConflictDeclaration, Score, ScoreSheet, SheetStatus

    people = {role: make_user(app, Role.JURY) for role in ("jury_chair", "jury_conflicted", "jury_other_call")}
    chair = JuryMember(phase_id=phase_id, user_id=people["jury_chair"].id, is_chair=True)
    conflicted = JuryMember(phase_id=phase_id, user_id=people["jury_conflicted"].id)
    db.session.add_all([chair, conflicted,
                        JuryMember(phase_id=other_phase_id, user_id=people["jury_other_call"].id)])
    db.session.flush()
    declaration = ConflictDeclaration(member_id=conflicted.id, proposal_id=proposal_id, has_conflict=True,
                                      reason="Oud-collega van de indiener")
    db.session.add_all([
        ConflictDeclaration(member_id=chair.id, proposal_id=proposal_id, has_conflict=False),
        declaration,
        # The chair has finalised their own sheet: the other members' scores are theirs to see.
        ScoreSheet(member_id=chair.id, proposal_id=proposal_id, status=SheetStatus.FINAL,
                   scores=[Score(criterion_id=criterion.id, value=7, motivation="Goed")
                           for criterion in db.session.get(Phase, phase_id).criteria]),
    ])
    db.session.commit()
    return people, declaration.id


def _prepared_export(app: Flask, user_id: int) -> int:
    """A ZIP of the owner's data, prepared as the worker does."""
    from mvi_challenges.core.timezones import now_utc
    from mvi_challenges.privacy import jobs as privacy_jobs
    from mvi_challenges.privacy.services import request_export

    with app.app_context():
        export, _new = request_export(db.session, db.session.get(User, user_id), now_utc())
        db.session.commit()
        privacy_jobs.prepare_data_export(export.id)
        return export.id


def _monitoring_world(app: Flask) -> tuple[int, int, int]:
    """An external tender with a contract and one agreed target."""
    import datetime as dt
    from decimal import Decimal

    from mvi_challenges.catalogue.models import Category, SocialValue
    from mvi_challenges.monitoring import services
    from mvi_challenges.monitoring.models import TargetUnit

    with app.app_context():
        record = services.save_record(
            db.session, None, None, title="Catering", reference="", description="",
            category=db.session.scalar(select(Category)), department=None, manager=None, target_level=2,
            applied_level=2, explanation="", published_on=dt.date(2026, 1, 5), estimated_value_cents=None)
        contract = services.save_contract(db.session, None, None, record=record, proposal=None, supplier_name="BV",
                                          title="Catering", value_cents=100, signed_on=dt.date(2026, 2, 1),
                                          ends_on=None)
        target = services.add_target(db.session, None, contract, social_value=db.session.scalar(select(SocialValue)),
                                     indicator="CO2", unit=TargetUnit.TONNES_CO2, agreed_value=Decimal(5))
        db.session.commit()
        return record.id, contract.id, target.id


def _pipeline_world(app: Flask, record_id: int) -> tuple[int, int]:
    """A public planned purchase and a public lesson (tests/pipeline and tests/lessons test the rest)."""
    import datetime as dt

    from mvi_challenges.catalogue.models import Category, SocialValue
    from mvi_challenges.core.timezones import now_utc
    from mvi_challenges.lessons.models import LessonMoment
    from mvi_challenges.lessons.services import LessonInput, save_lesson
    from mvi_challenges.pipeline.models import ValueClass
    from mvi_challenges.pipeline.services import PlanInput, save_planned_purchase

    with app.app_context():
        category = db.session.scalar(select(Category))
        item = save_planned_purchase(db.session, None, None, PlanInput(
            title="Schoonmaak", description="", category=category, expected_year=now_utc().year + 1,
            expected_quarter=2, value_class=ValueClass.FROM_50K, intended_level=3))
        lesson = save_lesson(db.session, None, None, LessonInput(
            title="Les", moment=LessonMoment.MILESTONE, recorded_on=dt.date(2026, 1, 1),
            social_value=db.session.scalar(select(SocialValue)), what_worked="Goed", what_did_not="",
            category=category, is_public=True))
        db.session.commit()
        return item.id, lesson.id


def _url(app: Flask, rule, world: SimpleNamespace) -> str:
    values = {
        "slug": world.published.slug, "call_id": world.published.id, "number": 1,
        "document_id": world.document_id, "user_id": world.other_user.id, "category_id": 1, "value_id": 1,
        "target": "closed", "proposal_id": world.proposal.id, "attachment_id": world.proposal.attachment_id,
        "question_id": world.question_id, "request_id": world.join_id, "dialogue_id": world.dialogue.id,
        "contribution_id": world.contribution_id, "phase_id": world.phase_id, "member_id": world.member_id,
        "criterion_id": 1, "token": "not-a-valid-token", "department_id": 1, "category_slug": "mobiliteit",
        "item_id": world.item_id, "lesson_id": world.lesson_id,
        "record_id": world.record_id, "contract_id": world.contract_id, "target_id": world.target_id,
        "name": "levels", "export_id": world.export_id, "declaration_id": world.declaration_id,
        "organisation_id": world.owner.organisation_id, "principle_id": 1,
        "kind": "departments", "subject_id": 1, "part": "procurements", "fmt": "pdf", "year": 2026,
        "consultation_id": world.consultation_id, "partner_id": 1,
    }
    if rule.endpoint == "dialogues.plan_pitch":
        values.update(call_id=world.staged.id, number=2)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments if name in values})


@pytest.mark.parametrize("role", list(ROLES))
def test_route_access_by_role(app: Flask, catalogue, role: str) -> None:
    world = _world(app)
    client = app.test_client()
    if role == "owner":
        login(client, world.owner)
    elif role in world.jurors:
        login(client, world.jurors[role])
    elif ROLES[role]:
        login(client, make_user(app, *ROLES[role]))
    failures = []
    for endpoint, method, rule in _routes(app):
        url = _url(app, rule, world)
        response = client.open(url, method=method, data={})
        status, location = response.status_code, response.headers.get("Location", "")
        level = _level(endpoint, method)
        allowed = _allowed(level, role)
        if status >= 500:
            failures.append(f"{method} {url}: {status}")
        elif level == LOGIN_FLOW:
            continue
        elif allowed and (status == 403 or location.startswith("/account/login")):
            failures.append(f"{method} {url}: refused ({status}) but {role} may use it")
        elif not allowed and role == "anonymous" and not (status == 302 and location.startswith("/account/login")):
            failures.append(f"{method} {url}: anonymous got {status}, expected a redirect to log in")
        elif not allowed and role != "anonymous" and status not in (403, 404):
            failures.append(f"{method} {url}: {role} got {status}, expected 403 or 404")
        elif allowed and method == "GET" and level != GUEST and status != 200:
            failures.append(f"{method} {url}: {role} got {status}, expected 200")
    assert failures == []


# Explicit: every other state-changing route needs the token. The one-click unsubscribe is POSTed by
# mail programs without a session (RFC 8058); its signed token is what authorises it.
CSRF_EXEMPT: set[str] = {"pipeline.unsubscribe"}


def test_every_post_route_refuses_missing_or_foreign_csrf_token(app: Flask, catalogue) -> None:
    world = _world(app)
    admin = make_user(app, Role.ADMIN, Role.STAFF)
    client = app.test_client()
    login(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    # A real token, but from another visitor's session.
    foreign_page = app.test_client().get("/account/login").get_data(as_text=True)
    foreign_token = re.search(r'name="csrf_token" value="([^"]+)"', foreign_page).group(1)
    failures = []
    for endpoint, method, rule in _routes(app):
        if method != "POST" or endpoint in CSRF_EXEMPT:
            continue
        url = _url(app, rule, world)
        missing = client.post(url, data={})
        forged = client.post(url, data={"csrf_token": foreign_token})
        for label, response in (("missing", missing), ("forged", forged)):
            if response.status_code != 400:
                failures.append(f"POST {url} with {label} token: {response.status_code}")
    assert failures == []


def test_get_requests_change_nothing(app: Flask, catalogue) -> None:
    world = _world(app)
    client = app.test_client()
    login(client, make_user(app, Role.ADMIN, Role.STAFF))

    def snapshot() -> tuple[int, ...]:
        # The audit log may grow: recording who downloaded an export is not changing data.
        with app.app_context():
            return tuple(db.session.query(table).count() for table in db.metadata.sorted_tables
                         if table.name != "audit_events")

    before = snapshot()
    for _endpoint, method, rule in _routes(app):
        if method == "GET":
            client.get(_url(app, rule, world))
    assert snapshot() == before
