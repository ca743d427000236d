"""The dashboard and staff's monitoring lists are kept under a version of the data
(monitoring/figures_version.py): every change they count shows at once, drafts never count, and
what the clock changes (a dialogue that has ended) shows without any write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

from flask import Flask
from sqlalchemy import select, update

from mvi_challenges.accounts.models import Organisation, Role, User
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.core.db import db, lock_row
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.dialogues.models import Dialogue, Registration
from mvi_challenges.monitoring import figures_version, services
from mvi_challenges.monitoring.models import Contract, ContractTarget, ProcurementRecord
from mvi_challenges.proposals import services as proposal_services
from mvi_challenges.proposals.models import Proposal, ProposalStatus

from ..factories import close_phase, login, make_call, make_dialogue, make_proposal, make_user
from .test_figures import _csv, _table, build_world


def _figures(client, year: int) -> dict[str, str]:
    html = client.get(f"/monitoring?year={year}").get_data(as_text=True)
    figures = {row[0]: row[1] for name in ("effort", "results") for row in _table(html, name)[1:]}
    figures["targets"] = _table(html, "targets")[1:]
    return figures


def _version(app: Flask) -> str:
    with app.app_context():
        return figures_version.current(db.session)


def test_every_counted_change_shows_at_once(app: Flask, client_en) -> None:
    world = build_world(app)
    year = world.year
    before = _figures(client_en, year)
    assert (before["Proposals received"], before["Contracts signed"], before["Questions answered"]) == ("3", "2", "1")
    assert _figures(client_en, year) == before  # kept, and the same

    # A proposal submitted (a service's flush): counted once its deadline has passed, which a change
    # of the deadline shows at once too (tests/security/test_attack_counting_bids.py: or the clock).
    make_proposal(app, make_user(app, Role.ENTREPRENEUR), world.calls[1], submit=True)
    assert _figures(client_en, year)["Proposals received"] == "3"

    # An answer published (while the phase it was asked in is open: after it, a question is no longer
    # first published, proposals.lifecycle.publication_refusal).
    asker, staff = make_user(app, Role.ENTREPRENEUR), make_user(app, Role.STAFF)
    with app.test_request_context():
        call = db.session.get(Call, world.calls[1].id)
        question = proposal_services.ask_question(db.session, db.session.get(User, asker.id), call, "Mag het later?",
                                                  now_utc())
        proposal_services.answer_question(db.session, db.session.get(User, staff.id), question,
                                          text=question.text, answer_source="Nee.", publish=True, now=now_utc())
        db.session.commit()
    assert _figures(client_en, year)["Questions answered"] == "2"
    close_phase(app, world.calls[1])
    assert _figures(client_en, year)["Proposals received"] == "4"

    # A contract signed; a result reported (latest_measured is set by an UPDATE statement).
    with app.test_request_context():
        record = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == world.calls[1].id))
        services.save_contract(db.session, None, None, record=record, proposal=None, supplier_name="Nieuw BV",
                               title="Nieuw", value_cents=1_000_00, signed_on=world.today, ends_on=None)
        db.session.commit()
    after = _figures(client_en, year)
    assert (after["Contracts signed"], after["Contract value"]) == ("3", "€113,500")
    with app.test_request_context():
        hours = db.session.scalar(select(ContractTarget).where(ContractTarget.indicator == "Social return"))
        services.add_result_update(db.session, None, hours.contract, reported_on=world.today, today=world.today,
                                   progress_percent=60, note="", measured={hours.id: Decimal(2500)})
        db.session.commit()
    assert ["Social and healthy city", "hours", "1", "0", "4,000", "2,500"] in _figures(client_en, year)["targets"]
    # The CSV download reads the same kept figures, and they too are new.
    assert ["Social and healthy city", "hours", "1", "0", "4000,00", "2500,00"] in _csv(
        client_en, "targets", f"year={year}")

    # Someone marked absent after all (a plain attribute change of a registration).
    if world.held_year == year:
        participants = int(after["Participants in dialogues"])
        with app.app_context():
            registration = db.session.scalar(select(Registration).where(Registration.attended.is_(True)))
            registration.attended = False
            db.session.commit()
        assert _figures(client_en, year)["Participants in dialogues"] == str(participants - 1)

    # A bulk UPDATE through the session counts as well.
    with app.app_context():
        db.session.execute(update(Contract).where(Contract.title == "Nieuw").values(value_cents=2_000_00))
        db.session.commit()
    assert _figures(client_en, year)["Contract value"] == "€114,500"


def test_drafts_and_undone_changes_never_count(app: Flask, client_en) -> None:
    world = build_world(app)
    before = _figures(client_en, world.year)
    version = _version(app)

    # A draft call is the municipality's working copy: the version moves, the figures do not.
    make_call(app, category="ict", level=3, status=CallStatus.DRAFT)
    assert _version(app) != version
    assert _figures(client_en, world.year) == before

    # A change rolled back draws no version; a row lock (`id = id`) changes nothing counted.
    citizen = make_user(app, Role.CITIZEN)
    version = _version(app)
    with app.app_context():
        call = db.session.get(Call, world.calls[0].id)
        call.ambition_level = 1
        db.session.flush()
        db.session.rollback()
        lock_row(db.session, Call, world.calls[0].id)
        db.session.get(User, citizen.id).locale = "en"
        db.session.commit()
    assert _version(app) == version
    assert _figures(client_en, world.year) == before

    # Publishing it counts it at once.
    with app.test_request_context():
        draft = db.session.scalar(select(Call).where(Call.status == CallStatus.DRAFT, Call.ambition_level == 3,
                                                     Call.category.has(slug="ict")))
        draft.status, draft.published_at = CallStatus.PUBLISHED, now_utc()
        db.session.commit()
    assert int(_figures(client_en, world.year)["Calls published"]) == int(before["Calls published"]) + 1


def test_a_dialogue_that_ends_counts_without_any_write(app: Flask, client_en) -> None:
    now = now_utc()
    if to_local(now + dt.timedelta(hours=3)).year != to_local(now).year:  # pragma: no cover - New Year's Eve
        now -= dt.timedelta(hours=4)
    dialogue = make_dialogue(app, starts_in=dt.timedelta(hours=1))
    with app.app_context():
        row = db.session.get(Dialogue, dialogue.id)
        row.starts_at, row.ends_at = now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)
        db.session.commit()
    year = to_local(now).year
    with mock.patch("mvi_challenges.monitoring.views.now_utc", return_value=now):
        assert _figures(client_en, year)["Dialogues held"] == "0"
        assert _figures(client_en, year)["Dialogues held"] == "0"  # kept until it ends
    version = _version(app)
    with mock.patch("mvi_challenges.monitoring.views.now_utc", return_value=now + dt.timedelta(hours=2)):
        assert _figures(client_en, year)["Dialogues held"] == "1"
    assert _version(app) == version  # nothing was written


def test_staff_lists_follow_every_change_at_once(app: Flask) -> None:
    """Staff's lists (awards awaiting a contract, entries lacking an explanation, latest contracts)
    are kept under the same version: each change shows on the next page."""
    world = build_world(app)
    staff = app.test_client()
    login(staff, make_user(app, Role.STAFF))
    with staff.session_transaction() as session:
        session["lang"] = "en"

    def page() -> str:  # from the heading on (the first page after logging in greets)
        return staff.get("/staff/monitoring").get_data(as_text=True).split("<h1", 1)[1]

    with app.app_context():
        awaiting = db.session.scalar(select(Proposal).where(Proposal.status == ProposalStatus.AWARDED,
                                                            ~Proposal.id.in_(select(Contract.proposal_id).where(
                                                                Contract.proposal_id.is_not(None)))))
        organisation_id, awaiting_id = awaiting.organisation_id, awaiting.id
    text = page()
    assert f"proposal={awaiting_id}" in text and "Add the explanation for “Aanbesteding ict”" in text
    assert page() == text  # kept

    with app.app_context():  # the supplier renames itself
        db.session.get(Organisation, organisation_id).name = "Hernoemd & Zo BV"
        db.session.commit()
    assert "Hernoemd &amp; Zo BV" in page()

    with app.test_request_context():  # the contract is recorded, the tender explained
        proposal = db.session.get(Proposal, awaiting_id)
        record = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.call_id == proposal.call_id))
        services.save_contract(db.session, None, None, record=record, proposal=proposal, supplier_name="",
                               title="Tweede pilot", value_cents=7_500_00, signed_on=world.today, ends_on=None)
        tender = db.session.scalar(select(ProcurementRecord).where(ProcurementRecord.title == "Aanbesteding ict"))
        tender.explanation = "Markt nog niet zover."
        db.session.commit()
    text = page()
    assert f"proposal={awaiting_id}" not in text and "Aanbesteding ict" not in text
    assert "Manage “Tweede pilot”</a> — Hernoemd &amp; Zo BV, €7,500" in text


def test_a_savepoint_draws_on_postgresql_only_when_the_transaction_commits(app: Flask) -> None:
    """Drawn in a savepoint (start_proposal's), the version row would stay locked for the rest of the
    request on PostgreSQL: there the draw waits for the whole transaction's commit."""
    call = make_call(app)
    with app.app_context():
        version = figures_version.current(db.session)
        with db.session.begin_nested():
            db.session.get(Call, call.id).ambition_level = 1
        if db.session.get_bind().dialect.name == "postgresql":
            assert figures_version.current(db.session) == version  # not drawn in the savepoint
        db.session.commit()
        assert figures_version.current(db.session) != version
