"""Proposals: what entrepreneurs type (title, summary, Markdown body, file names) and who they are
(name, organisation), on the applicant's, the staff's and the jury's pages and in the receipt mail.

One entrepreneur (with an organisation) per chunk of the short fields, each with one submitted
proposal. Every proposal is rendered on its staff page, the staff list and the jury's list; the
applicant's own pages (proposal, form, receipt, list) and the jury's scoring page for the
proposals carrying the long fields and files and for every SAMPLE_STRIDE-th one.
"""

from __future__ import annotations

import io
import math
from types import SimpleNamespace

from flask import Flask

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db
from mvi_challenges.core.storage import get_storage
from mvi_challenges.core.timezones import now_utc
from mvi_challenges.core.uploads import inspect_upload
from mvi_challenges.evaluation import services as evaluation
from mvi_challenges.proposals import services
from mvi_challenges.proposals.services import MAX_ATTACHMENTS

from ..factories import PDF_BYTES, close_phase, make_call, make_user
from .checks import Findings, check_outbox
from .conftest import logged_in
from .corpus import SAMPLE_STRIDE, all_payloads, cycle, markdown_document, pack


def make_payload_proposals(app: Flask, admin_id: int) -> SimpleNamespace:
    short = pack(200, single_line=True)
    n = len(short)
    summaries = pack(1000)
    file_names = pack(200, single_line=True)
    with_files = math.ceil(len(file_names) / MAX_ATTACHMENTS)
    call = make_call(app, title="Uitvraag met voorstellen")
    owners = [make_user(app, Role.ENTREPRENEUR, organisation_name=short[i], name=short[(i + 1) % n])
              for i in range(n)]
    juror = make_user(app, Role.JURY, name="Jurylid")
    storage = get_storage(app.config)
    staged_files, proposals = [], []
    with app.test_request_context():
        call_obj = db.session.get(Call, call.id)
        phase = call_obj.phases[0]
        now = now_utc()
        for i, owner in enumerate(owners):
            user = db.session.get(User, owner.id)
            proposal = services.start_proposal(db.session, user, call_obj, phase, now)
            services.save_draft(db.session, user, proposal, title=short[(i + 2) % n],
                                summary=cycle(summaries, i, "Kort gezegd."),
                                body_source=markdown_document() if i == 0 else "## Aanpak\nZo doen we het.",
                                requested_budget_cents=100_000, now=now)
            for k in range(MAX_ATTACHMENTS if i < with_files else 0):
                index = i * MAX_ATTACHMENTS + k
                if index >= len(file_names):
                    break
                upload = inspect_upload(io.BytesIO(PDF_BYTES), file_names[index] + ".pdf", 1024 * 1024)
                staged = storage.stage(upload.data)
                staged_files.append(staged)
                services.add_attachment(db.session, user, proposal, upload, staged.key, now)
            services.submit(db.session, user, proposal, now)
            proposals.append(SimpleNamespace(id=proposal.id, owner=owner))
        admin = db.session.get(User, admin_id)
        evaluation.assign_member(db.session, admin, phase, email=juror.email, name="", is_chair=True,
                                 secret_key=app.config["SECRET_KEY"])
        db.session.commit()
        phase_id = phase.id
    for staged in staged_files:
        storage.promote(staged)
    return SimpleNamespace(call=call, proposals=proposals, phase_id=phase_id, juror=juror, with_files=with_files,
                           long_fields=max(len(summaries), with_files, 1), short=short)


def test_proposal_fields_are_escaped_for_applicant_staff_and_jury(app: Flask, catalogue, admin) -> None:
    made = make_payload_proposals(app, admin.id)
    close_phase(app, made.call)  # staff and the jury read proposals once the deadline has passed
    payloads = all_payloads()
    findings = Findings()
    staff = admin.client
    for index, proposal in enumerate(made.proposals):
        findings.page(staff.get(f"/proposals/{proposal.id}"), f"proposal {index} (staff)", payloads)
    pages = math.ceil(len(made.proposals) / 50)
    for page in range(1, pages + 1):
        findings.page(staff.get(f"/staff/calls/{made.call.id}/proposals?page={page}"), f"staff list {page}", payloads)
    for suffix in ("jury", "results", "report"):
        findings.page(staff.get(f"/staff/calls/{made.call.id}/phases/1/{suffix}"), f"staff {suffix}", payloads)

    juror = logged_in(app, made.juror)
    base = f"/jury/phases/{made.phase_id}"
    juror.post(base, data={f"declare-{p.id}": "none" for p in made.proposals})
    findings.page(juror.get("/jury"), "my juries", payloads)
    findings.page(juror.get(base), "jury overview", payloads)
    findings.page(juror.get(f"{base}/results"), "chair results", payloads)

    for index, proposal in enumerate(made.proposals):
        if index >= made.long_fields and index % SAMPLE_STRIDE:
            continue
        findings.page(juror.get(f"{base}/proposals/{proposal.id}"), f"jury score page {index}", payloads)
        owner = logged_in(app, proposal.owner)
        findings.page(owner.get(f"/proposals/{proposal.id}"), f"proposal {index} (owner)", payloads)
        findings.page(owner.get(f"/proposals/{proposal.id}/edit"), f"proposal form {index}", payloads)
        findings.page(owner.get(f"/proposals/{proposal.id}/receipt/1"), f"receipt {index}", payloads)
        findings.page(owner.get("/my/proposals"), f"my proposals {index}", payloads)
    check_outbox(app, findings, payloads)  # the receipts
    findings.check()


def test_the_proposal_form_round_trip_keeps_payloads_inert(app: Flask, catalogue) -> None:
    """Through the real form: saved drafts, and a refused form that shows what was typed again."""
    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    client = logged_in(app, owner)
    response = client.post(f"/calls/{call.slug}/phases/1/proposal")
    proposal_id = int(response.headers["Location"].rstrip("/").split("/")[-2])
    payloads = all_payloads()
    findings = Findings()
    titles, summaries, bodies = pack(200, single_line=True), pack(1000), pack(100_000, separator="\n\n")
    for index in range(0, len(titles), SAMPLE_STRIDE // 2):
        data = {"title": titles[index], "summary": cycle(summaries, index, "Kort."),
                "body_source": cycle(bodies, index, "Tekst."), "requested_budget": "1000", "action": "save"}
        saved = client.post(f"/proposals/{proposal_id}/edit", data=data)
        if saved.status_code != 302:
            findings.page(saved, f"saving draft {index}", payloads, status=302)
        findings.page(client.get(f"/proposals/{proposal_id}/edit"), f"draft form {index}", payloads)
        refused = client.post(f"/proposals/{proposal_id}/edit", data={**data, "requested_budget": "veel"})
        findings.page(refused, f"refused form {index}", payloads, status=400)
    findings.page(client.get(f"/proposals/{proposal_id}"), "draft proposal", payloads)
    findings.check()
