"""A home per role after logging in: what waits for staff, a jury member, an applicant, a resident."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallKind
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.proposals.models import Question

from ..factories import PASSWORD, close_phase, make_call, make_dialogue, make_proposal, make_user, page_text


def _log_in(app: Flask, user):
    client = app.test_client()
    client.post("/language", data={"lang": "en", "next": "/"})
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/my"  # where they land
    return client


def test_staff_land_on_their_work_list(app: Flask, catalogue) -> None:
    closing = make_call(app, title="Bijna dicht", closes_in=dt.timedelta(days=3))
    judged = make_call(app, title="Klaar voor besluit", kind=CallKind.SBIR)
    owner = make_user(app, Role.ENTREPRENEUR)
    make_proposal(app, owner, judged, submit=True)
    close_phase(app, judged)
    with app.app_context():
        db.session.add(Question(call_id=closing.id, asker_id=owner.id, text="Mag dat?"))
        db.session.commit()
    text = page_text(_log_in(app, make_user(app, Role.STAFF)).get("/my"))
    assert "Work list" in text
    assert "Questions waiting for an answer Bijna dicht : 1 question" in text
    assert "Calls closing this week Bijna dicht" in text
    assert "Phases ready for a decision Klaar voor besluit — Fase 1 : 1 proposal" in text
    # An applicant sees no work list.
    assert "Work list" not in page_text(_log_in(app, owner).get("/my"))


def test_a_jury_member_sees_what_is_left_per_phase(app: Flask, catalogue) -> None:
    call = make_call(app, title="Jurywerk")
    owners = [make_user(app, Role.ENTREPRENEUR) for _ in range(2)]
    for owner in owners:
        make_proposal(app, owner, call, submit=True)
    juror = make_user(app, Role.JURY)
    staff = _log_in(app, make_user(app, Role.STAFF))
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    member = _log_in(app, juror)
    assert "Jurywerk — Fase 1 : sealed until the deadline" in page_text(member.get("/my"))
    close_phase(app, call)
    assert "2 proposals to declare, 0 to score" in page_text(member.get("/my"))


def test_an_applicant_sees_proposals_fitting_calls_and_dialogues(app: Flask, catalogue) -> None:
    started = make_call(app, title="Al begonnen")
    make_call(app, title="Nog te beginnen")
    owner = make_user(app, Role.ENTREPRENEUR)
    make_proposal(app, owner, started, title="Mijn plan")
    dialogue = make_dialogue(app, title="Buurtgesprek")
    client = _log_in(app, owner)
    client.post(f"/dialogues/{dialogue.slug}/register")
    text = page_text(client.get("/my"))
    assert "My proposals Mijn plan — Al begonnen" in text
    assert "Open calls you can submit on Nog te beginnen" in text
    assert "Al begonnen — deadline" not in text  # started already: not offered again
    assert "My dialogues Buurtgesprek" in text and "Add “Buurtgesprek” to your calendar" in text
    with app.app_context():
        assert db.session.scalar(select(Call.id).where(Call.title == "Nog te beginnen")) is not None


def test_a_resident_without_anything_is_told_where_to_look(app: Flask, catalogue) -> None:
    text = page_text(_log_in(app, make_user(app, Role.CITIZEN)).get("/my"))
    assert "You are not registered for any upcoming dialogue." in text
    assert now_utc()  # (the page needs no data to render)


def test_long_work_lists_show_the_first_rows_and_lead_to_the_rest(app: Flask, catalogue) -> None:
    """At city scale a list can hold hundreds of rows: each shows ten, says how many are left out,
    and links to the full list where one exists (the explanations due: the staff monitoring page)."""
    from mvi_challenges.catalogue.models import Category
    from mvi_challenges.monitoring.models import ProcurementRecord

    asker = make_user(app, Role.ENTREPRENEUR)
    with app.app_context():
        category_id = db.session.scalar(select(Category.id).limit(1))
        for n in range(1, 14):
            db.session.add(ProcurementRecord(title=f"Aanbesteding {n:02d}", category_id=category_id, target_level=3,
                                             applied_level=1, published_on=dt.date(2026, 1, n)))
        db.session.commit()
    for n in range(1, 13):
        call = make_call(app, title=f"Uitvraag {n:02d}")
        with app.app_context():
            db.session.add(Question(call_id=call.id, asker_id=asker.id, text="Mag dat?",
                                    asked_at=now_utc() + dt.timedelta(minutes=n)))
            db.session.commit()
    client = _log_in(app, make_user(app, Role.STAFF))
    response = client.get("/my")
    text = page_text(response)
    assert "Uitvraag 10" in text and "Uitvraag 11" not in text  # the oldest questions first
    assert "and 2 more" in text
    assert "Aanbesteding 13" in text and "Aanbesteding 03" not in text  # newest first
    html = response.get_data(as_text=True)
    assert '<a class="utrecht-link" href="/staff/monitoring#lacking-heading">Show all (13)</a>' in html
    full = page_text(client.get("/staff/monitoring"))
    assert all(f"Aanbesteding {n:02d}" in full for n in range(1, 14))


def test_open_calls_are_those_a_resident_may_submit_on(app: Flask, catalogue) -> None:
    """Issue #20: eligibility and "not started yet" are asked in SQL (proposals.open_calls_to_start):
    a resident is offered calls open to citizens (or both), not those for entrepreneurs only, and
    staff, who cannot submit anywhere, are offered none."""
    from mvi_challenges.calls.models import Eligibility

    for_citizens = make_call(app, title="Voor bewoners")
    for_both = make_call(app, title="Voor iedereen")
    for_entrepreneurs = make_call(app, title="Alleen ondernemers")
    started = make_call(app, title="Al mee bezig")
    with app.app_context():
        for call, eligibility in ((for_citizens, Eligibility.CITIZENS), (for_entrepreneurs, Eligibility.ENTREPRENEURS),
                                  (started, Eligibility.CITIZENS)):
            db.session.get(Call, call.id).eligibility = eligibility
        db.session.commit()
    resident = make_user(app, Role.CITIZEN)
    make_proposal(app, resident, started, title="Mijn idee")
    text = page_text(_log_in(app, resident).get("/my"))
    offered = text[text.index("Open calls you can submit on"):]
    assert "Voor bewoners" in offered and "Voor iedereen" in offered
    assert "Alleen ondernemers" not in offered and "Al mee bezig" not in offered
    assert "My proposals Mijn idee — Al mee bezig" in text
    assert "Open calls you can submit on" not in page_text(_log_in(app, make_user(app, Role.STAFF)).get("/my"))
    assert for_both.id


def test_work_list_links_are_what_url_for_builds(app: Flask) -> None:
    """The work list builds each kind of link once (public.views._url_pattern) and puts each row's
    ids in: the result must be url_for's, for every link of the list."""
    from flask import url_for

    from mvi_challenges.public.views import _url_pattern

    links = {("proposals.staff_questions", "call_id"): (7,), ("calls.manage", "call_id"): (12,),
             ("evaluation.staff_results", "call_id", "number"): (3, 2),
             ("monitoring.record_detail", "record_id"): (98765,),
             ("monitoring.new_contract", "record_id", "proposal"): (5, 4321),
             ("monitoring.manage_contract", "contract_id"): (1,)}
    with app.test_request_context():
        for (endpoint, *names), values in links.items():
            assert _url_pattern(endpoint, *names).format(*values) == url_for(endpoint, **dict(zip(names, values, strict=True)))


def test_the_work_list_names_explanations_awards_and_contracts_due(app: Flask, catalogue) -> None:
    """Every list of the work list, read as plain rows: an explanation due (with its manager), an
    award without a contract (by its submitted title, not the working copy), and the contracts
    without a result update for half a year (one never reported, one reported only long ago), not
    the one reported recently nor one that has ended."""
    from mvi_challenges.catalogue.models import Category
    from mvi_challenges.monitoring.models import Contract, ProcurementRecord, ResultUpdate

    from ..factories import decide_and_publish

    call = make_call(app, title="Met winnaar")
    winner = make_user(app, Role.ENTREPRENEUR)
    proposal = make_proposal(app, winner, call, submit=True, title="Ingediende titel")
    decide_and_publish(app, call, {proposal.id: "awarded"}, days_ago=30)
    manager = make_user(app, Role.STAFF, name="Mia Manager")
    today = now_utc().date()
    with app.app_context():
        from mvi_challenges.proposals.models import Proposal

        db.session.get(Proposal, proposal.id).title = "Werktitel na indienen"
        category = db.session.scalar(select(Category))
        record = ProcurementRecord(title="Aanbesteding zonder uitleg", category_id=category.id, manager_id=manager.id,
                                   target_level=3, applied_level=1, published_on=today)
        db.session.add(record)
        db.session.flush()
        old = today - dt.timedelta(days=400)

        def contract(title: str, *, ends_on=None, reported=()) -> None:
            made = Contract(record_id=record.id, supplier_name=f"Leverancier {title}", title=title, value_cents=100,
                            signed_on=old, ends_on=ends_on)
            db.session.add(made)
            db.session.flush()
            for day in reported:
                db.session.add(ResultUpdate(contract_id=made.id, reported_on=day, progress_percent=10))

        contract("Nooit gerapporteerd")
        contract("Lang geleden gerapporteerd", reported=(old + dt.timedelta(days=30),))
        contract("Net gerapporteerd", reported=(old, today - dt.timedelta(days=10)))
        contract("Afgelopen", ends_on=today - dt.timedelta(days=1))
        db.session.commit()
    text = page_text(_log_in(app, make_user(app, Role.STAFF)).get("/my"))
    assert "Explanations due (below the target level) Aanbesteding zonder uitleg — Mia Manager" in text
    assert "Record the contract for “Ingediende titel”" in text and "Werktitel na indienen" not in text
    due = text[text.index("Contracts due for a result update"):]
    assert "Nooit gerapporteerd — Leverancier Nooit gerapporteerd" in due
    assert "Lang geleden gerapporteerd — Leverancier Lang geleden gerapporteerd" in due
    assert "Net gerapporteerd" not in due and "Afgelopen" not in due


def test_a_jury_member_of_two_juries_sees_each_ones_counts(app: Flask, catalogue) -> None:
    """jury_work counts every jury at once (grouped queries, not four per jury): per jury, what is
    left to declare on and to score, counting only that jury's phase's proposals in evaluation."""
    from mvi_challenges.evaluation.models import ConflictDeclaration, JuryMember, ScoreSheet, SheetStatus

    first, second = make_call(app, title="Eerste jury"), make_call(app, title="Tweede jury")
    juror = make_user(app, Role.JURY)
    staff = _log_in(app, make_user(app, Role.STAFF))
    proposals = {}
    for call in (first, second):
        proposals[call.id] = [make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True).id
                              for _ in range(3)]
        staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
        close_phase(app, call)
    with app.app_context():
        members = {m.phase.call_id: m.id for m in db.session.scalars(select(JuryMember)
                                                                      .where(JuryMember.user_id == juror.id))}
        one, two, three = proposals[first.id]
        member = members[first.id]
        db.session.add_all([ConflictDeclaration(member_id=member, proposal_id=one, has_conflict=False),
                            ConflictDeclaration(member_id=member, proposal_id=two, has_conflict=False),
                            ConflictDeclaration(member_id=member, proposal_id=three, has_conflict=True),
                            ScoreSheet(member_id=member, proposal_id=one, status=SheetStatus.FINAL),
                            ConflictDeclaration(member_id=members[second.id], proposal_id=proposals[second.id][0],
                                                has_conflict=False)])
        db.session.commit()
    text = page_text(_log_in(app, juror).get("/my"))
    assert "Eerste jury — Fase 1 : 0 proposals to declare, 1 to score" in text
    assert "Tweede jury — Fase 1 : 2 proposals to declare, 1 to score" in text


def test_the_kept_monitoring_lists_of_the_work_list_follow_every_change_at_once(app: Flask, catalogue) -> None:
    """The explanations due and the awards without a contract are kept under the monitoring data's
    version: an explanation written, a contract recorded or a new award shows on the next visit."""
    from mvi_challenges.catalogue.models import Category
    from mvi_challenges.monitoring.models import Contract, ProcurementRecord

    from ..factories import decide_and_publish

    call = make_call(app, title="Met winnaar")
    winner = make_user(app, Role.ENTREPRENEUR)
    proposal = make_proposal(app, winner, call, submit=True, title="Winnend voorstel")
    staff = _log_in(app, make_user(app, Role.STAFF))
    assert "Winnend voorstel" not in page_text(staff.get("/my"))  # kept now: nothing awarded yet
    decide_and_publish(app, call, {proposal.id: "awarded"}, days_ago=1)
    assert "Record the contract for “Winnend voorstel”" in page_text(staff.get("/my"))
    with app.app_context():
        category = db.session.scalar(select(Category))
        record = ProcurementRecord(title="Zonder uitleg", category_id=category.id, target_level=3, applied_level=1,
                                   published_on=now_utc().date())
        db.session.add(record)
        db.session.commit()
        record_id = record.id
    assert "Zonder uitleg" in page_text(staff.get("/my"))
    with app.app_context():
        db.session.get(ProcurementRecord, record_id).explanation = "De markt kon het nog niet."
        db.session.add(Contract(record_id=record_id, proposal_id=proposal.id, supplier_name="Winnaar BV",
                                title="Contract", value_cents=100, signed_on=now_utc().date()))
        db.session.commit()
    text = page_text(staff.get("/my"))
    assert "Zonder uitleg" not in text and "Winnend voorstel" not in text


def test_phases_to_decide_and_contracts_due_follow_the_clock_and_every_change(app: Flask, catalogue) -> None:
    """Kept under the monitoring data's version and the day, until the next phase closes: a phase
    that closes by the clock alone, one closed by an edit, and a result update all show at once."""
    import time

    from mvi_challenges.catalogue.models import Category
    from mvi_challenges.monitoring.models import Contract, ProcurementRecord, ResultUpdate

    from ..factories import close_phase

    soon = make_call(app, title="Sluit zo meteen", closes_in=dt.timedelta(days=1))  # three seconds, below
    later = make_call(app, title="Sluit volgende week", closes_in=dt.timedelta(days=7))
    applicant = make_user(app, Role.ENTREPRENEUR)
    make_proposal(app, applicant, soon, submit=True)
    make_proposal(app, make_user(app, Role.ENTREPRENEUR), later, submit=True)
    with app.app_context():
        record = ProcurementRecord(title="Met contract", category_id=db.session.scalar(select(Category)).id,
                                   target_level=3, applied_level=3, published_on=now_utc().date())
        db.session.add(record)
        db.session.flush()
        contract = Contract(record_id=record.id, supplier_name="Leverancier", title="Onderhoud", value_cents=100,
                            signed_on=now_utc().date() - dt.timedelta(days=400))
        db.session.add(contract)
        db.session.commit()
        contract_id = contract.id
    staff = _log_in(app, make_user(app, Role.STAFF))
    with app.app_context():  # the deadline three seconds away only now: the set-up above may take longer
        from mvi_challenges.calls.models import Phase

        db.session.scalar(select(Phase).where(Phase.call_id == soon.id)).closes_at = now_utc() + dt.timedelta(seconds=3)
        db.session.commit()
    text = page_text(staff.get("/my"))
    assert "Phases ready for a decision" not in text and "Onderhoud — Leverancier" in text
    time.sleep(3.5)  # the first phase closes by the clock: nothing was written
    assert "Sluit zo meteen" in _to_decide(staff)
    close_phase(app, later)  # an edit closes the other one
    assert "Sluit volgende week" in _to_decide(staff)
    with app.app_context():
        db.session.add(ResultUpdate(contract_id=contract_id, reported_on=now_utc().date(), progress_percent=40))
        db.session.commit()
    assert "Onderhoud — Leverancier" not in page_text(staff.get("/my"))


def _to_decide(client) -> str:
    """The text of the work list's "Phases ready for a decision" section."""
    text = page_text(client.get("/my"))
    return text.split("Phases ready for a decision", 1)[1].split("Contracts due", 1)[0] if "Phases ready" in text else ""


def test_dialogue_lines_print_what_the_template_built_per_row(app: Flask) -> None:
    """/my prepares its dialogue rows once per page (public.lines): the links must be url_for's, for
    plain slugs and for any other, the notes those of the registration guards, and the titles escaped
    inside the translated sentences as the template's `_()` escaped them."""
    from types import SimpleNamespace

    from flask import url_for
    from flask_babel import force_locale

    from mvi_challenges.dialogues.models import RegistrationStatus as S
    from mvi_challenges.public.lines import dialogue_lines

    starts = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)
    rows = [SimpleNamespace(slug=slug, title=title, starts_at=starts, status=status, lot_rank=rank)
            for slug, title, status, rank in (
                ("plain-1", "A <b>&", S.CONFIRMED, None), ("Odd slug/é", "B", S.WAITLISTED, None),
                ("c", "C", S.WAITLISTED, 4), ("d", "D", S.CANDIDATE, None), ("e", "E", S.CONFIRMED, 2))]
    with app.test_request_context(), force_locale("en"):
        lines = dialogue_lines(rows)
        for row, line in zip(rows, lines, strict=True):
            assert line.url == url_for("dialogues.detail", slug=row.slug)
            assert line.calendar_url == url_for("dialogues.ics", slug=row.slug)
            assert line.cancel_url == url_for("dialogues.cancel", slug=row.slug)
            assert line.starts == "Wednesday 1 July 2026, 12:00 CEST"
        assert [str(line.note) for line in lines] == [
            "", "on the waiting list", "not drawn, on the reserve list", "waiting for the draw", "drawn: you have a seat"]
        assert str(lines[0].calendar_label) == "Add “A &lt;b&gt;&amp;” to your calendar"
        assert str(lines[0].cancel_label) == "Cancel my registration for “A &lt;b&gt;&amp;”"
        assert lines[0].title == "A <b>&"  # a plain string: the template escapes it


def test_a_row_to_approve_is_below_target_exactly_when_its_call_is() -> None:
    """work.ExplanationToApprove stands in for a Call in the lifecycle's explanation rules: its
    below_target must be Call.below_target (the call's own target level, else its category's)."""
    from mvi_challenges.catalogue.models import Category
    from mvi_challenges.public.work import ExplanationToApprove

    for ambition in (1, 2, 3):
        for own in (None, 1, 2, 3):
            for of_category in (1, 2, 3):
                call = Call(ambition_level=ambition, target_level=own, category=Category(target_level=of_category))
                row = ExplanationToApprove(1, "t", ambition, own, of_category, None, "", "", None, None, None, None)
                assert row.below_target is call.below_target, (ambition, own, of_category)


def test_closing_lines_print_what_the_filters_printed(app: Flask) -> None:
    """Staff's calls closing this week (public.lines.closing_lines): the deadline and the time left
    as the template's local_datetime('long') and time_left filters wrote them, in each language."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from mvi_challenges.core.formatting import local_datetime, time_left
    from mvi_challenges.public.lines import closing_lines

    now = dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC)
    rows = [SimpleNamespace(call_id=7, title="T", phase_title="Fase 1", closes_at=now + dt.timedelta(hours=hours))
            for hours in (3, 50)]  # the second one after the change to summer time
    with app.test_request_context():
        for language in ("nl", "en"):
            with force_locale(language):
                lines = closing_lines(rows, "/staff/calls/{0}", now)
                assert [line.url for line in lines] == ["/staff/calls/7", "/staff/calls/7"]
                assert [line.deadline for line in lines] == [local_datetime(row.closes_at, "long") for row in rows]
                assert [line.left for line in lines] == [time_left(row.closes_at, now) for row in rows]
