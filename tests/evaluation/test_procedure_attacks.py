"""Attacks an independent reviewer found on the procedure's promises, kept as tests that must hold:
a contract edited into the standstill period, a staff member on the jury reading around their
conflict, a sealed title on the decision page, the ranking's gaps giving a hidden proposal's place
away, the working copy's title in monitoring, and document properties a blind jury still received.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc, to_local
from mvi_challenges.core.uploads import inspect_upload
from mvi_challenges.evaluation.blind_copies import strip_document_metadata

from ..factories import decide_and_publish, make_call, make_proposal, make_user, page_text
from .test_evaluation import _client, _scores, _setup


def test_a_contract_cannot_be_edited_into_the_standstill_period(app, catalogue) -> None:
    from mvi_challenges.monitoring.models import Contract, ProcurementRecord

    call = make_call(app)
    made = make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True, title="Winnaar")
    decide_and_publish(app, call, {made.id: "awarded"})
    staff = _client(app, make_user(app, Role.STAFF))
    with app.app_context():
        record_id = db.session.scalar(select(ProcurementRecord.id).where(ProcurementRecord.call_id == call.id))
    today = to_local(now_utc()).date().isoformat()
    created = staff.post(f"/staff/monitoring/records/{record_id}/contracts/new", data={
        "proposal_id": "0", "supplier_name": "Wie dan ook", "title": "Pilot", "value": "5000",
        "signed_on": today, "ends_on": ""})
    assert created.status_code == 302
    with app.app_context():
        contract_id = db.session.scalar(select(Contract.id))
    edited = staff.post(f"/staff/monitoring/contracts/{contract_id}/edit", data={
        "proposal_id": str(made.id), "supplier_name": "", "title": "Pilot", "value": "5000",
        "signed_on": today, "ends_on": ""})
    assert edited.status_code == 400 and "The standstill period after the decision runs until" in page_text(edited)
    with app.app_context():
        assert db.session.get(Contract, contract_id).proposal_id is None


def test_a_staff_member_on_the_jury_reads_only_through_the_jury_pages(app, catalogue) -> None:
    world = _setup(app)
    staff_juror = make_user(app, Role.STAFF, Role.JURY)
    world.staff.post(f"/staff/calls/{world.call.id}/phases/1/jury", data={"email": staff_juror.email})
    me = _client(app, staff_juror)
    base = f"/jury/phases/{world.phase_id}"
    first = world.proposals[0].id
    me.post(base, data={f"declare-{first}": "conflict", f"reason-{first}": "Eigen bedrijf"})
    juror = _client(app, world.juror)
    juror.post(base, data={f"declare-{first}": "none"})
    juror.post(f"{base}/proposals/{first}", data=_scores(world.criteria, [7, 3]))
    staff_pages = [f"/staff/calls/{world.call.id}/phases/1/results/{first}",
                   f"/staff/calls/{world.call.id}/phases/1/results", f"/staff/calls/{world.call.id}/phases/1/report",
                   f"/staff/calls/{world.call.id}/phases/1/scores.csv"]
    for url in staff_pages:
        assert me.get(url).status_code == 403, url
    proposal_page = page_text(me.get(f"/proposals/{first}"))
    assert "Zo doen we het" not in proposal_page and "Sealed until the deadline" in proposal_page
    assert me.get(f"/proposals/{first}/attachments/{world.proposals[0].attachment_id}").status_code == 403
    csv = me.get(f"/staff/calls/{world.call.id}/proposals.csv").get_data(as_text=True)
    assert "Plan 0" not in csv
    # Another staff member, not on the jury, still reads everything.
    assert world.staff.get(f"/staff/calls/{world.call.id}/phases/1/results/{first}").status_code == 200


def test_staff_see_no_decision_page_of_a_sealed_or_draft_proposal(app, catalogue) -> None:
    call = make_call(app)
    made = make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, submit=True, title="Verzegelde titel")
    draft = make_proposal(app, make_user(app, Role.ENTREPRENEUR), call, title="Nooit ingediend concept")
    admin = _client(app, make_user(app, Role.ADMIN))
    assert admin.get(f"/proposals/{made.id}/decision").status_code == 404
    assert admin.get(f"/proposals/{draft.id}/decision").status_code == 404


def test_the_ranking_gives_away_no_place_of_a_hidden_proposal(app, catalogue) -> None:
    world = _setup(app, proposals=3)
    chair, juror = _client(app, world.chair), _client(app, world.juror)
    base = f"/jury/phases/{world.phase_id}"
    p0, p1, p2 = (p.id for p in world.proposals)
    chair.post(base, data={f"declare-{p0}": "none", f"declare-{p2}": "none",
                           f"declare-{p1}": "conflict", f"reason-{p1}": "Mijn zwager"})
    juror.post(base, data={f"declare-{p.id}": "none" for p in world.proposals})
    for pid, values in ((p0, [6, 6]), (p1, [9, 9]), (p2, [5, 5])):  # the conflicted p1 is the best
        juror.post(f"{base}/proposals/{pid}", data=_scores(world.criteria, values))
    for pid, values in ((p0, [6, 6]), (p2, [5, 5])):
        chair.post(f"{base}/proposals/{pid}", data=_scores(world.criteria, values))
    html = chair.get(f"{base}/results").get_data(as_text=True)
    ranks = re.findall(r'<td class="utrecht-table__cell">(\d+)</td>\s*<th', html)
    assert ranks == ["1", "2"]  # numbered among the visible ones: no gap where p1 stands
    one = page_text(chair.get(f"{base}/results/{p0}"))
    assert "1 of 2" in one and "Plan 1" not in one  # no hidden neighbour, no place among all three


def test_monitoring_names_the_submitted_title_not_the_working_copy(app, catalogue) -> None:
    from mvi_challenges.monitoring.models import ProcurementRecord
    from mvi_challenges.proposals import services
    from mvi_challenges.proposals.models import Proposal

    call = make_call(app)
    owner = make_user(app, Role.ENTREPRENEUR)
    made = make_proposal(app, owner, call, submit=True, title="Ingediende titel")
    with app.test_request_context():
        services.save_draft(db.session, db.session.get(User, owner.id), db.session.get(Proposal, made.id),
                            title="Geheime werkkopie", summary="x", body_source="y", requested_budget_cents=4_000_000,
                            now=now_utc())
        db.session.commit()
    decide_and_publish(app, call, {made.id: "awarded"}, days_ago=21)
    staff = _client(app, make_user(app, Role.STAFF))
    with app.app_context():
        record_id = db.session.scalar(select(ProcurementRecord.id).where(ProcurementRecord.call_id == call.id))
    for url in ("/staff/monitoring", f"/staff/monitoring/records/{record_id}/contracts/new", "/my"):
        text = page_text(staff.get(url))
        assert "Geheime werkkopie" not in text and "Ingediende titel" in text, url


# --- blind review: what else carries a name -----------------------------------------------


def _pdf(*, encrypt: bool) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "Bedrijf Geheim BV"})
    if encrypt:  # "restrict editing": an owner password only, any viewer opens it
        writer.encrypt(user_password="", owner_password="eigenaar", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_restricted_from_editing_loses_its_author_too() -> None:
    upload = inspect_upload(io.BytesIO(_pdf(encrypt=True)), "plan.pdf", 10 * 1024 * 1024)
    reader = PdfReader(io.BytesIO(strip_document_metadata(upload.data, upload.content_type)))
    if reader.is_encrypted:
        reader.decrypt("")
    assert (reader.metadata or {}).get("/Author") is None and len(reader.pages) == 1


def _package(names: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_spreadsheets_and_comment_authors_lose_their_names() -> None:
    from mvi_challenges.evaluation.blind_copies import DOCX, ODS, XLSX

    xlsx = _package({"docProps/core.xml": "<cp:coreProperties><dc:creator>Bedrijf Geheim BV</dc:creator>"
                                          "</cp:coreProperties>",
                     "xl/comments1.xml": "<comments><authors><author>Jan Geheim</author></authors></comments>"})
    cleaned = zipfile.ZipFile(io.BytesIO(strip_document_metadata(xlsx, XLSX)))
    assert b"Bedrijf Geheim" not in cleaned.read("docProps/core.xml")
    assert b"Jan Geheim" not in cleaned.read("xl/comments1.xml")
    docx = _package({"word/comments.xml": '<w:comments><w:comment w:author="Jan Geheim" w:initials="JG">'
                                          '<w:p>Tekst blijft</w:p></w:comment></w:comments>',
                     "word/document.xml": '<w:document><w:ins w:author="Jan Geheim"/></w:document>'})
    cleaned = zipfile.ZipFile(io.BytesIO(strip_document_metadata(docx, DOCX)))
    assert b"Jan Geheim" not in cleaned.read("word/comments.xml") and b"Tekst blijft" in cleaned.read(
        "word/comments.xml")
    assert b"Jan Geheim" not in cleaned.read("word/document.xml")
    ods = _package({"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                    "meta.xml": "<office:document-meta><dc:creator>Jan Geheim</dc:creator></office:document-meta>"})
    assert b"Jan Geheim" not in zipfile.ZipFile(io.BytesIO(strip_document_metadata(ods, ODS))).read("meta.xml")


def _png_with_author() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", b"Author\x00Jan Geheim")
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def test_images_lose_their_text_and_exif() -> None:
    from mvi_challenges.evaluation.blind_copies import JPEG, PNG

    png = strip_document_metadata(_png_with_author(), PNG)
    assert b"Jan Geheim" not in png and b"IDAT" in png and png.endswith(b"IEND\xaeB`\x82")
    exif = b"Exif\x00\x00Jan Geheim"
    jpeg = (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
            + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + b"\xff\xda\x00\x02pixels\xff\xd9")
    cleaned = strip_document_metadata(jpeg, JPEG)
    assert b"Jan Geheim" not in cleaned and b"JFIF" in cleaned and cleaned.endswith(b"pixels\xff\xd9")
