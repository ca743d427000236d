"""The procedure's promises, tried as a competitor, a juror, staff and an applicant would.

Each test names the crack it closes (issue #15): sealed until the deadline, independent scoring,
conflicts lifted by staff only, decisions unknown until published, the submitted version counts,
the jury gets only what was submitted, blind means blind, knock-out awards need a reason, a call
with published decisions is decided, and the applicant's decision page with the standstill period.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.calls.models import Call, CallKind, CallStatus, Phase
from mvi_challenges.core.audit import AuditEvent
from mvi_challenges.core.db import db
from mvi_challenges.core.outbox import OutboxEmail
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.proposals.models import Proposal, ProposalStatus

from ..factories import close_phase, make_call, make_proposal, make_user, page_text
from .test_evaluation import _client, _scores, _setup


def _english(app: Flask, user) -> FlaskClient:
    return _client(app, user)


def _sealed_world(app: Flask):
    """Two submitted proposals on an open SBIR phase, with a jury of two (not yet closed)."""
    call = make_call(app, kind=CallKind.SBIR)
    owners = [make_user(app, Role.ENTREPRENEUR, organisation_name=f"Bedrijf Geheim {n}") for n in range(2)]
    made = [make_proposal(app, owner, call, submit=True, attachment=True, title=f"Verzegeld plan {n}",
                          budget_cents=1_000_000) for n, owner in enumerate(owners)]
    staff_user = make_user(app, Role.STAFF)
    staff = _english(app, staff_user)
    chair, juror = make_user(app, Role.JURY), make_user(app, Role.JURY)
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": chair.email, "is_chair": "y"})
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": juror.email})
    with app.app_context():
        phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == call.id, Phase.number == 1))
    return call, owners, made, staff, chair, juror, phase_id


# --- sealed until the deadline -----------------------------------------------------------


def test_before_the_deadline_neither_jury_nor_staff_read_a_proposal(app: Flask, catalogue) -> None:
    call, _owners, made, staff, chair_user, _juror, phase_id = _sealed_world(app)
    chair = _english(app, chair_user)
    first = made[0]
    phase_page = chair.get(f"/jury/phases/{phase_id}")
    assert phase_page.status_code == 200
    text = page_text(phase_page)
    assert "Sealed until the deadline" in text and "2 proposals have arrived so far." in text
    assert "Verzegeld plan" not in text and "Bedrijf Geheim" not in text
    # Declaring, scoring and the files stay closed, whatever the juror posts.
    chair.post(f"/jury/phases/{phase_id}", data={f"declare-{first.id}": "none"})
    assert chair.get(f"/jury/phases/{phase_id}/proposals/{first.id}").status_code == 403
    assert chair.post(f"/jury/phases/{phase_id}/proposals/{first.id}", data={"action": "finalise"}).status_code == 403
    assert chair.get(f"/jury/phases/{phase_id}/proposals/{first.id}/attachments/{first.attachment_id}"
                     ).status_code == 403
    assert "Verzegeld plan" not in page_text(chair.get(f"/jury/phases/{phase_id}/results"))
    # Staff see who submitted and when, with the receipt's digest; not the text, amount or files.
    listing = page_text(staff.get(f"/staff/calls/{call.id}/proposals"))
    assert "Bedrijf Geheim 0" in listing and "Verzegeld plan" not in listing and "sealed until the deadline" in listing
    detail = staff.get(f"/proposals/{first.id}")
    assert detail.status_code == 200
    detail_text = page_text(detail)
    assert "Verzegeld plan" not in detail_text and "Zo doen we het" not in detail_text and "10,000" not in detail_text
    assert "Sealed until the deadline" in detail_text
    with app.app_context():
        digest = db.session.get(Proposal, first.id).latest_version.digest
    assert digest in detail_text
    assert staff.get(f"/proposals/{first.id}/receipt/1").status_code == 403
    assert staff.get(f"/proposals/{first.id}/attachments/{first.attachment_id}").status_code == 403
    csv_text = staff.get(f"/staff/calls/{call.id}/proposals.csv").get_data(as_text=True)
    assert "Verzegeld plan" not in csv_text and digest in csv_text
    archive = zipfile.ZipFile(io.BytesIO(staff.get(f"/staff/calls/{call.id}/proposals.zip").data))
    assert archive.namelist() == []
    assert page_text(staff.get(f"/staff/calls/{call.id}/phases/1/results")).count("Verzegeld plan") == 0
    assert staff.get(f"/staff/calls/{call.id}/phases/1/results/{first.id}").status_code == 403
    # Nothing was opened, and the applicant still works on their own proposal.
    with app.app_context():
        assert db.session.get(Phase, phase_id).opened_at is None


def test_the_seal_lifts_by_time_alone_and_the_opening_is_recorded_once(app: Flask, catalogue) -> None:
    call, _owners, made, staff, chair_user, _juror, phase_id = _sealed_world(app)
    close_phase(app, call)
    chair = _english(app, chair_user)
    assert "Verzegeld plan 0" in page_text(chair.get(f"/jury/phases/{phase_id}"))
    assert "Verzegeld plan 0" in page_text(staff.get(f"/proposals/{made[0].id}"))
    chair.get(f"/jury/phases/{phase_id}")
    with app.app_context():
        opened = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "phase.opened")).all()
        assert len(opened) == 1 and opened[0].subject_id == phase_id and opened[0].details["proposals"] == 2
        assert db.session.get(Phase, phase_id).opened_at is not None


# --- independent scoring -----------------------------------------------------------------


def test_the_chair_sees_no_other_scores_before_finalising_their_own(app: Flask, catalogue) -> None:
    world = _setup(app)
    chair, juror = _client(app, world.chair), _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    first = world.proposals[0].id
    for client in (chair, juror):
        client.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [3, 4]))
    # The juror's scores are final; the chair has not scored: no totals, no means, no rank.
    early = chair.get(f"{base}/results/{first}")
    assert early.status_code == 302 and early.headers["Location"].endswith(f"{base}/proposals/{first}")
    ranking = page_text(chair.get(f"{base}/results"))
    assert "3.60" not in ranking and "Not shown: finalise your own scores first" in ranking
    assert "Joris Jurylid" not in page_text(chair.get(f"{base}/proposals/{first}"))
    # The consensus cannot be recorded either, by posting directly.
    refused = chair.post(f"{base}/results/{first}", data={"criterion": world.criteria[0],
                                                          f"c{world.criteria[0]}-value": "5",
                                                          f"c{world.criteria[0]}-reason": "Vooraf"})
    assert refused.status_code == 302
    chair.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [8, 8]))
    after = page_text(chair.get(f"{base}/results/{first}"))
    assert "Joris Jurylid" in after and "Save consensus on" in after


def test_the_consensus_waits_for_every_member_without_a_conflict(app: Flask, catalogue) -> None:
    world = _setup(app)
    chair, juror = _client(app, world.chair), _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    first = world.proposals[0].id
    for client in (chair, juror):
        client.post(base, data={f"declare-{first}": "none"})
    chair.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [8, 8]))
    impact = world.criteria[0]
    waiting = page_text(chair.get(f"{base}/results/{first}"))
    assert "Save consensus on" not in waiting and "(1 of 2 so far)" in waiting  # says why there is no form yet
    early = chair.post(f"{base}/results/{first}", data={"criterion": impact, f"c{impact}-value": "6",
                                                        f"c{impact}-reason": "Te vroeg"})
    assert early.status_code == 400 and "(1 of 2 so far)" in page_text(early)
    juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [6, 6]))
    saved = chair.post(f"{base}/results/{first}", data={"criterion": impact, f"c{impact}-value": "6",
                                                        f"c{impact}-reason": "Samen"}, follow_redirects=True)
    assert "The consensus score has been saved." in page_text(saved)


def test_a_conflicted_chair_is_shut_out_of_the_proposal_everywhere(app: Flask, catalogue) -> None:
    world = _setup(app)
    chair = _client(app, world.chair)
    base = f"/jury/phases/{world.phase_id}"
    first = world.proposals[0]
    chair.post(base, data={f"declare-{first.id}": "conflict", f"reason-{first.id}": "Mijn broer"})
    assert chair.get(f"{base}/proposals/{first.id}").status_code == 403
    assert chair.get(f"{base}/results/{first.id}").status_code == 403
    assert chair.get(f"{base}/proposals/{first.id}/attachments/{first.attachment_id}").status_code == 403
    ranking = page_text(chair.get(f"{base}/results"))
    assert "Not shown: finalise your own scores first, or you declared a conflict" in ranking


def test_a_conflict_is_lifted_only_by_staff_with_a_reason(app: Flask, catalogue) -> None:
    world = _setup(app)
    juror = _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    first = world.proposals[0].id
    juror.post(base, data={f"declare-{first}": "conflict", f"reason-{first}": "Oud-collega"})
    # The member changes their mind by posting "no conflict": refused, still shut out.
    again = juror.post(base, data={f"declare-{first}": "none"}, follow_redirects=True)
    assert "Only staff can lift it" in page_text(again)
    assert juror.get(f"{base}/proposals/{first}").status_code == 403
    with app.app_context():
        from mvi_challenges.evaluation.models import ConflictDeclaration

        declaration_id = db.session.scalar(select(ConflictDeclaration.id).where(
            ConflictDeclaration.proposal_id == first, ConflictDeclaration.has_conflict.is_(True)))
    world.staff.post("/language", data={"lang": "en", "next": "/"})
    empty = world.staff.post(f"/staff/conflicts/{declaration_id}/lift", data={"reason": " "}, follow_redirects=True)
    assert "Give the reason for lifting the conflict of interest." in page_text(empty)
    assert juror.get(f"{base}/proposals/{first}").status_code == 403
    lifted = world.staff.post(f"/staff/conflicts/{declaration_id}/lift", data={"reason": "Verkeerd aangeklikt"},
                              follow_redirects=True)
    assert "The conflict of interest has been lifted" in page_text(lifted)
    assert "a declared conflict was lifted by staff: Verkeerd aangeklikt" in page_text(lifted)
    assert juror.get(f"{base}/proposals/{first}").status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "jury.conflict_lifted"))
        assert event.details["reason"] == "Verkeerd aangeklikt" and event.details["declared_reason"] == "Oud-collega"


# --- decisions are drafts until published ------------------------------------------------


def _decided_world(app: Flask):
    """An SBIR phase 1 after its deadline: one proposal decided 'advanced', one 'not awarded',
    not yet published."""
    call = make_call(app, kind=CallKind.SBIR)
    winner, loser = make_user(app, Role.ENTREPRENEUR), make_user(app, Role.ENTREPRENEUR)
    won = make_proposal(app, winner, call, submit=True, title="Het winnende plan", budget_cents=1_000_000)
    lost = make_proposal(app, loser, call, submit=True, title="Het andere plan", budget_cents=1_000_000)
    close_phase(app, call)
    staff = _english(app, make_user(app, Role.STAFF))
    for made, outcome in ((won, "advanced"), (lost, "not_awarded")):
        response = staff.post(f"/staff/calls/{call.id}/phases/1/results/{made.id}",
                              data={"outcome": outcome, "motivation": f"Motivatie {outcome}"})
        assert response.status_code == 302
    return call, winner, loser, won, lost, staff


def test_a_recorded_decision_stays_unknown_until_published(app: Flask, catalogue) -> None:
    call, winner_user, _loser, won, _lost, staff = _decided_world(app)
    winner = _english(app, winner_user)
    for page in (f"/proposals/{won.id}", "/my/proposals", f"/calls/{call.slug}"):
        text = page_text(winner.get(page))
        assert "selected for the next phase" not in text and "not awarded" not in text, page
    assert "under review" in page_text(winner.get(f"/proposals/{won.id}"))
    assert "No decision has been published" in page_text(winner.get(f"/proposals/{won.id}/decision"))
    assert winner.get("/api/v1/decisions").get_json()["items"] == []
    ocds = winner.get("/api/v1/ocds/releases.json").get_data(as_text=True)
    assert "Het winnende plan" not in ocds
    with app.app_context():
        assert db.session.get(Proposal, won.id).status is ProposalStatus.SUBMITTED
        phase_two = db.session.get(Call, call.id).phases[1]
        phase_two.opens_at = now_utc() - dt.timedelta(hours=1)
        db.session.commit()
    # The "advanced" applicant cannot start phase 2 on an unpublished decision.
    refused = winner.post(f"/calls/{call.slug}/phases/2/proposal", follow_redirects=True)
    assert "Only participants whose proposal in phase 1 was selected" in page_text(refused)
    published = staff.post(f"/staff/calls/{call.id}/phases/1/publish-decisions", data={"confirm": "yes"},
                            follow_redirects=True)
    assert "The decisions have been published" in page_text(published)
    assert "selected for the next phase" in page_text(winner.get(f"/proposals/{won.id}"))
    assert winner.post(f"/calls/{call.slug}/phases/2/proposal").headers["Location"].endswith("/edit")
    with app.app_context():
        moved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.advanced")).all()
        assert [(e.subject_id, e.details["from"]) for e in moved] == [(won.id, "submitted")]


def test_staff_cannot_set_an_outcome_by_hand(app: Flask, catalogue) -> None:
    _call, _winner, _loser, _won, lost, staff = _decided_world(app)
    for target in ("awarded", "advanced", "not_awarded"):
        response = staff.post(f"/staff/proposals/{lost.id}/status/{target}", follow_redirects=True)
        assert "An outcome follows from a recorded decision" in page_text(response)
    reviewed = staff.post(f"/staff/proposals/{lost.id}/status/under_review", follow_redirects=True)
    assert "The status of the proposal has been changed." in page_text(reviewed)
    awarded = staff.post(f"/staff/proposals/{lost.id}/status/awarded", follow_redirects=True)
    assert "An outcome follows from a recorded decision" in page_text(awarded)  # under_review → awarded too
    with app.app_context():
        assert db.session.get(Proposal, lost.id).status is ProposalStatus.UNDER_REVIEW


def test_a_call_whose_decisions_are_published_is_decided(app: Flask, client_en, catalogue) -> None:
    call = make_call(app, title="Een kleine uitdaging")
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True)
    from ..factories import decide_and_publish

    decide_and_publish(app, call, {made.id: "awarded"})
    with app.app_context():
        assert db.session.get(Call, call.id).status is CallStatus.DECIDED
    assert "Een kleine uitdaging" in page_text(client_en.get("/calls?state=decided"))


# --- the submitted version counts --------------------------------------------------------


def test_the_submitted_budget_counts_not_the_working_copy(app: Flask, client_en, catalogue) -> None:
    call = make_call(app, kind=CallKind.SBIR)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, title="Tienduizend", budget_cents=1_000_000)
    applicant = _english(app, owner)
    applicant.post(f"/proposals/{made.id}/edit", data={
        "title": "Tienduizend", "summary": "Kort gezegd.", "body_source": "Tekst", "requested_budget": "49000",
        "action": "save"})
    with app.app_context():
        assert db.session.get(Proposal, made.id).requested_budget_cents == 4_900_000  # the working copy
    from ..factories import decide_and_publish

    decide_and_publish(app, call, {made.id: "advanced"})
    decisions = client_en.get("/api/v1/decisions").get_json()["items"][0]["decisions"][0]
    assert decisions["requested_budget"]["amount_cents"] == 1_000_000
    release = client_en.get("/api/v1/ocds/releases.json").get_json()
    awards = [a for r in release["releases"] for a in r.get("awards", []) if a.get("value")]
    assert [a["value"]["amount"] for a in awards] == [10000]


def test_the_budget_check_counts_submitted_versions(app: Flask, catalogue) -> None:
    """A working copy raised after submission must not block (or allow) an award."""
    call = make_call(app, kind=CallKind.SBIR)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, budget_cents=1_000_000)
    with app.app_context():
        proposal = db.session.get(Proposal, made.id)
        proposal.requested_budget_cents = proposal.phase.budget_cents * 10  # edited but never submitted
        db.session.commit()
    close_phase(app, call)
    staff = _english(app, make_user(app, Role.STAFF))
    response = staff.post(f"/staff/calls/{call.id}/phases/1/results/{made.id}",
                          data={"outcome": "advanced", "motivation": "Goed"})
    assert response.status_code == 302


# --- the jury gets what was submitted, blind means blind ---------------------------------


def _pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Jan Jansen, Groene Logistiek", "/Title": "Plan van Groene Logistiek"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx_with_creator() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("docProps/core.xml", "<cp:coreProperties><dc:creator>Jan Jansen</dc:creator>"
                                              "</cp:coreProperties>")
        archive.writestr("docProps/app.xml", "<Properties><Company>Groene Logistiek BV</Company></Properties>")
    return out.getvalue()


def test_a_blind_jury_gets_the_submitted_files_without_their_author(app: Flask, catalogue) -> None:
    from mvi_challenges.evaluation.blind_copies import DOCX, strip_document_metadata

    call = make_call(app, kind=CallKind.SBIR)
    owner = make_user(app, Role.ENTREPRENEUR, organisation_name="Groene Logistiek")
    made = make_proposal(app, owner, call)
    applicant = _english(app, owner)
    applicant.post(f"/proposals/{made.id}/attachments", data={"file": (io.BytesIO(_pdf_with_author()), "plan.pdf")},
                   content_type="multipart/form-data")
    applicant.post(f"/proposals/{made.id}/edit", data={
        "title": "Plan", "summary": "Kort.", "body_source": "Tekst", "requested_budget": "1000", "action": "submit"})
    # A file added after the submission (a draft change) and one removed are not for the jury.
    applicant.post(f"/proposals/{made.id}/attachments",
                   data={"file": (io.BytesIO(_pdf_with_author() + b" "), "later.pdf")},
                   content_type="multipart/form-data")
    with app.app_context():
        from mvi_challenges.proposals.models import Attachment

        ids = {a.filename: a.id for a in db.session.scalars(select(Attachment).where(Attachment.proposal_id == made.id))}
        stored_before = db.session.get(Proposal, made.id).latest_version.digest
    close_phase(app, call)
    staff = _english(app, make_user(app, Role.STAFF))
    chair_user = make_user(app, Role.JURY)
    staff.post(f"/staff/calls/{call.id}/phases/1/jury", data={"email": chair_user.email, "is_chair": "y"})
    staff.post(f"/staff/calls/{call.id}/phases/1/jury/settings", data={"blind_review": "y", "threshold": "3"})
    with app.app_context():
        phase_id = db.session.scalar(select(Phase.id).where(Phase.call_id == call.id, Phase.number == 1))
    chair = _english(app, chair_user)
    chair.post(f"/jury/phases/{phase_id}", data={f"declare-{made.id}": "none"})
    base = f"/jury/phases/{phase_id}/proposals/{made.id}/attachments"
    assert chair.get(f"{base}/{ids['later.pdf']}").status_code == 404
    download = chair.get(f"{base}/{ids['plan.pdf']}")
    assert download.status_code == 200 and "plan.pdf" not in download.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(download.data))
    assert (reader.metadata or {}).get("/Author") is None and b"Jan Jansen" not in download.data
    assert len(reader.pages) == 1  # the content itself is intact
    # What the applicant submitted stays as it was: the receipt still verifies.
    assert "Content matches the digest" in page_text(applicant.get(f"/proposals/{made.id}"))
    with app.app_context():
        assert db.session.get(Proposal, made.id).latest_version.digest == stored_before
    cleaned = strip_document_metadata(_docx_with_creator(), DOCX)
    parts = zipfile.ZipFile(io.BytesIO(cleaned))
    assert b"Jan Jansen" not in parts.read("docProps/core.xml")
    assert b"Groene Logistiek" not in parts.read("docProps/app.xml")
    assert parts.read("word/document.xml") == b"<w:document/>"


def test_applicants_are_told_that_a_phase_is_reviewed_blind(app: Flask, catalogue) -> None:
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call)
    with app.app_context():
        db.session.get(Call, call.id).phases[0].blind_review = True
        db.session.commit()
    applicant = _english(app, owner)
    assert "This phase is reviewed blind." in page_text(applicant.get(f"/calls/{call.slug}"))
    form = page_text(applicant.get(f"/proposals/{made.id}/edit"))
    assert "This phase is reviewed blind." in form and "We remove the author" in form


# --- knock-out, decision page, standstill ------------------------------------------------


def test_awarding_a_knocked_out_proposal_needs_a_recorded_reason(app: Flask, catalogue) -> None:
    world = _setup(app)
    chair, juror = _client(app, world.chair), _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    first = world.proposals[0].id
    with app.app_context():
        phase = db.session.get(Phase, world.phase_id)
        phase.criteria[0].knockout_minimum = 5
        db.session.commit()
    for client, values in ((chair, [2, 8]), (juror, [3, 8])):
        client.post(base, data={f"declare-{first}": "none"})
        client.post(f"{base}/proposals/{first}", data=_scores(world.criteria, values))
    url = f"/staff/calls/{world.call.id}/phases/1/results/{first}"
    world.staff.post("/language", data={"lang": "en", "next": "/"})
    refused = world.staff.post(url, data={"outcome": "advanced", "motivation": "Toch goed"})
    assert refused.status_code == 400 and "below the knock-out minimum" in page_text(refused)
    assert 'value="Toch goed"' in refused.get_data(as_text=True) or "Toch goed" in page_text(refused)
    saved = world.staff.post(url, data={"outcome": "advanced", "motivation": "Toch goed",
                                        "knockout_reason": "Impact wordt in fase 2 bewezen"})
    assert saved.status_code == 302
    report = page_text(world.staff.get(f"/staff/calls/{world.call.id}/phases/1/report"))
    assert "Impact wordt in fase 2 bewezen" in report
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decision.recorded"))
        assert event.details["knockout_reason"] == "Impact wordt in fase 2 bewezen"


def test_the_applicant_learns_everything_the_law_requires_after_publication(app: Flask, catalogue) -> None:
    call, _winner, loser_user, won, lost, staff = _decided_world(app)
    staff.post(f"/staff/calls/{call.id}/phases/1/publish-decisions", data={"confirm": "yes"})
    loser = _english(app, loser_user)
    page = loser.get(f"/proposals/{lost.id}/decision")
    text = page_text(page)
    assert page.status_code == 200
    assert "not awarded" in text and "Motivatie not_awarded" in text
    assert "Chosen: Het winnende plan" in text  # the winner's scores beside theirs
    with app.app_context():
        end = db.session.get(Call, call.id).phases[0].standstill_ends_at
    assert "standstill period of 20 calendar days" in text and "kort geding" in text
    assert end is not None and end > now_utc() + dt.timedelta(days=19)
    # Only their own decision: another applicant's page does not exist for them.
    assert loser.get(f"/proposals/{won.id}/decision").status_code == 404
    with app.app_context():
        mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == loser_user.email)
                                  .order_by(OutboxEmail.id.desc())).first()
        assert f"/proposals/{lost.id}/decision" in mail.body and f"/proposals/{lost.id}/decision" in mail.html_body


def test_no_contract_before_the_standstill_period_ends(app: Flask, catalogue) -> None:
    from mvi_challenges.core.timezones import to_local
    from mvi_challenges.monitoring.models import ProcurementRecord

    from ..factories import decide_and_publish

    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, title="Winnaar")
    decide_and_publish(app, call, {made.id: "awarded"})
    staff = _english(app, make_user(app, Role.STAFF))
    with app.app_context():
        record_id = db.session.scalar(select(ProcurementRecord.id).where(ProcurementRecord.call_id == call.id))
    today = to_local(now_utc()).date()
    for signed in (today, today + dt.timedelta(days=30)):
        response = staff.post(f"/staff/monitoring/records/{record_id}/contracts/new", data={
            "proposal_id": str(made.id), "supplier_name": "", "title": "Pilot", "value": "5000",
            "signed_on": signed.isoformat(), "ends_on": ""})
        assert response.status_code == 400 and "The standstill period after the decision runs until" in page_text(
            response)
