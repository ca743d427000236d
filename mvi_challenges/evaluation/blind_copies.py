"""Blind review: document properties removed from files before a blind jury receives them.

A PDF's Info dictionary (/Author, /Creator, /Producer, /Title …) and its XMP metadata stream, and
the core, app and custom properties of Word (DOCX) and OpenDocument (ODT) files, often carry the
applicant's name or organisation. They are removed from the copy the jury downloads; the stored
file stays as it was submitted, so the receipt's digest still verifies.

PDF is handled by pypdf (pure Python, actively maintained, no system libraries to install on a
server, unlike pikepdf's qpdf): it rewrites the document without the /Info entry and without the
catalogue's /Metadata stream. DOCX and ODT are ZIP packages: their property parts are replaced by
empty ones with the standard library's zipfile. Text on the pages themselves cannot be removed
here; applicants are told so (templates/proposals/_blind_note.html).

The proposal's own text is a different matter: there the names and KvK numbers of the lead
organisation and of its consortium partners, and the names and e-mail addresses of the people behind
the proposal (its submitter, citizen or contact person, and the accounts of the lead's and the
partners' organisations), are replaced before a blind jury reads it (`jury_copy`). It is worked out
on every reading, never stored: a copy cannot go stale when a rule here changes.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from sqlalchemy import literal, or_, select, union_all
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..core.uploads import MAX_UNPACKED_BYTES
from ..proposals.models import ConsortiumPartner, Proposal, ProposalVersion

log = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
PNG = "image/png"
JPEG = "image/jpeg"

# Names of people inside the parts themselves: comment and tracked-change authors (Word, Excel,
# OpenDocument). Their values are emptied; the comments' text stays (the jury may need it).
_AUTHOR_ATTRIBUTE = re.compile(rb'(\b[\w]+:(?:author|initials|userId|providerId))="[^"]*"')
_AUTHOR_ELEMENTS = re.compile(rb"<(author|dc:creator|displayName)>[^<]*</\1>")

_EMPTY_DOCX_PARTS = {
    "docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    ),
    "docProps/app.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>'
    ),
    "docProps/custom.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>'
    ),
}
_EMPTY_ODT_PARTS = {
    "meta.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'office:version="1.3"><office:meta/></office:document-meta>'
    ),
}


def strip_document_metadata(data: bytes, content_type: str) -> bytes:
    """The file without its document properties. A file that cannot be rewritten (damaged, or
    encrypted) is returned unchanged rather than withheld from the jury; this is logged."""
    try:
        if content_type == PDF:
            return _strip_pdf(data)
        if content_type in (DOCX, XLSX):
            return _replace_zip_parts(data, _EMPTY_DOCX_PARTS)
        if content_type in (ODT, ODS):
            return _replace_zip_parts(data, _EMPTY_ODT_PARTS)
        if content_type == PNG:
            return _strip_png(data)
        if content_type == JPEG:
            return _strip_jpeg(data)
    except Exception:
        log.warning("could not remove document properties from a %s file", content_type, exc_info=True)
    return data


def _strip_pdf(data: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(data))
    # "Restrict editing" encrypts with an empty user password: any viewer opens it, and its author
    # with it. Such a file is decrypted and rewritten; one with a real password stays as it is (its
    # properties are encrypted too, and the jury would need the password to read it at all).
    if reader.is_encrypted and not reader.decrypt(""):
        return data
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None  # the /Info dictionary
    root = writer._root_object
    if NameObject("/Metadata") in root:
        del root[NameObject("/Metadata")]  # the XMP stream
    for page in writer.pages:
        if NameObject("/Metadata") in page:
            del page[NameObject("/Metadata")]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _replace_zip_parts(data: bytes, replacements: dict[str, str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    if sum(item.file_size for item in source.infolist()) > MAX_UNPACKED_BYTES:
        # A ZIP bomb stored before uploads were checked: unpacking it would exhaust the server.
        raise ValueError("package unpacks to more than MAX_UNPACKED_BYTES")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename in replacements:
                content = replacements[item.filename].encode("utf-8")
            elif item.filename.endswith(".xml"):
                content = _AUTHOR_ELEMENTS.sub(rb"<\1></\1>", _AUTHOR_ATTRIBUTE.sub(rb'\1=""', content))
            # ODT's "mimetype" entry must stay first and uncompressed: keep each entry's own method.
            target.writestr(item, content, compress_type=item.compress_type)
    return out.getvalue()


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def _strip_png(data: bytes) -> bytes:
    """The PNG without its text, EXIF and time chunks (author, software, place); pixels untouched."""
    if not data.startswith(_PNG_SIGNATURE):
        return data
    out, position = [_PNG_SIGNATURE], len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        end = position + 12 + length
        if kind not in _PNG_TEXT_CHUNKS:
            out.append(data[position:end])
        position = end
    return b"".join(out)


def _strip_jpeg(data: bytes) -> bytes:
    """The JPEG without its APP1..APP15 and comment segments (EXIF, XMP with author and GPS);
    APP0 (JFIF) and the image data stay."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, position = [b"\xff\xd8"], 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            out.append(data[position:])
            return b"".join(out)
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        end = position + 2 + length
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out.append(data[position:end])
        position = end
    return data  # not a layout we recognise: unchanged rather than damaged


# --- names in the proposal's own text ---------------------------------------------------------
# A consortium names its partners, and applicants often name themselves in their text ("Ik, Pietje
# Puk, ..."; "Contact: Jan de Vries, jan@bedrijf.nl"). In a blind review the jury's copy of the
# text has those names, numbers and addresses replaced; the stored, submitted text (and its
# receipt's digest) stays as it was.
#
# How names are matched, and why:
# - whole names, organisation names, KvK numbers and e-mail addresses: in any case, as whole words
#   ("Jan de Vries" hides "JAN DE VRIES", not "Jan de Vriesland");
# - the parts of a person's name of 3 letters or more ("Pietje", "Puk", "Vries"), for people also
#   write just their first or last name: only as a capitalised whole word, so "Jan" hides "Jan" and
#   "JAN" but not "Janssenstraat", and a person called "Groen" hides "Groen" but not "groen dak" or
#   "groene". Particles ("van", "der", "den", "ter" ...) are no name of their own and stay.

HIDDEN = "[…]"

# Name particles (tussenvoegsels and their neighbours abroad) of 3+ letters: words of the language
# too, which hiding would blank out of every sentence while saying nothing about whom.
_PARTICLES = frozenset({"van", "der", "den", "het", "ter", "ten", "aan", "bij", "uit", "voor", "onder", "over",
                        "les", "des", "del", "della", "dos", "das", "von", "vom", "zum", "zur", "bin", "ben"})
_MIN_LENGTH = 3


def identifying_names(organisation: Any, consortium: Iterable[dict[str, Any]],
                      people: Iterable[tuple[str, str]] = ()) -> list[str]:
    """What a blind jury must not read in any case: the names and KvK numbers of the lead
    organisation and of every partner of the submitted version, and the full names and e-mail
    addresses of the `people` (name, address) behind the proposal."""
    names = []
    if organisation is not None:
        names += [organisation.name, organisation.kvk_number]
    for partner in consortium:
        names += [partner.get("name", ""), partner.get("kvk_number", "")]
    for name, email in people:
        names += [name, email]
    return [name.strip() for name in names if name and len(name.strip()) >= _MIN_LENGTH]


def name_parts(people: Iterable[tuple[str, str]]) -> list[str]:
    """The parts of the people's names a blind jury must not read on their own either ("Pietje",
    "Puk"): letters only, at least three, particles left out."""
    parts = set()
    for name, _email in people:
        for word in re.findall(r"[^\W\d_]+", name or ""):
            if len(word) >= _MIN_LENGTH and word.lower() not in _PARTICLES:
                parts.add(word)
    return sorted(parts)


def people_behind(session: Session, proposal: Proposal, version: ProposalVersion) -> list[tuple[str, str]]:
    """(name, e-mail address) of everyone whose name would tell the jury who applied: the
    submitter (a citizen, or a company's contact person), every account of the lead organisation
    and of the partner organisations of the submitted version, and the addresses the lead invited
    partners by. One query."""
    organisations = {proposal.organisation_id} | {p.get("organisation_id") for p in version.consortium or []}
    organisations.discard(None)
    accounts = [User.id == proposal.submitter_id]
    if organisations:
        accounts.append(User.organisation_id.in_(organisations))
    people = select(User.name, User.email).where(or_(*accounts))
    invited = select(literal(""), ConsortiumPartner.invited_email).where(
        ConsortiumPartner.proposal_id == proposal.id, ConsortiumPartner.invited_email != "")
    return [(name, email) for name, email in session.execute(union_all(people, invited))]


def jury_copy(session: Session, proposal: Proposal, version: ProposalVersion) -> dict[str, str]:
    """The submitted summary and text (sanitised HTML) as a blind jury reads them: without the
    names, numbers and addresses of `identifying_names` and `name_parts`. (The title a blind jury
    does not read at all: its pages name a proposal by number.)"""
    people = people_behind(session, proposal, version)
    names = identifying_names(proposal.organisation, version.consortium or [], people)
    parts = name_parts(people)
    return {"summary": redact_names(version.summary, names, parts=parts),
            "body_html": redact_names(version.body_html, names, parts=parts, html=True)}


def _as_in_clean_html(text: str) -> str:
    """`text` as the sanitiser writes it in HTML (core/sanitize.py: bleach): `&`, `<`, `>` and `"`
    escaped, an apostrophe not."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# A tag of clean HTML (its attribute values double-quoted, and they may hold a ">"), and a value.
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
_ATTRIBUTE_VALUE = re.compile(r'"[^"]*"')


def _in_text_and_values(html: str, replace: Callable[[str], str]) -> str:
    """`replace` applied to the text and to the attribute values (a mailto: address, a link's
    title) of clean HTML, never to tag or attribute names: an applicant named "a href" or
    "strong" blanks no markup, and HIDDEN brings no `<`, `>` or `"`, so the result is the same
    safe HTML with only text replaced."""
    out, position = [], 0
    for tag in _TAG.finditer(html):
        out.append(replace(html[position:tag.start()]))
        out.append(_ATTRIBUTE_VALUE.sub(lambda value: '"' + replace(value.group()[1:-1]) + '"', tag.group()))
        position = tag.end()
    out.append(replace(html[position:]))
    return "".join(out)


def redact_names(text: str, names: Iterable[str], *, parts: Iterable[str] = (), html: bool = False) -> str:
    """`text` with every occurrence of each name (any case, as a whole word) and of each part
    (capitalised, as a whole word) replaced by HIDDEN. In sanitised HTML only text and attribute
    values change, and names are matched as they are escaped there (`&amp;` for `&`)."""
    form = _as_in_clean_html if html else str
    # Longest first, whole names before parts (a regex takes the first alternative that matches):
    # "Pietje Puk" becomes one HIDDEN, not two.
    alternatives = ["(?i:" + re.escape(name) + ")"
                    for name in sorted({form(name) for name in names if name.strip()}, key=len, reverse=True)]
    # A part's first letter in capitals, the rest in any case: "Puk" and "PUK", not "puk".
    alternatives += [re.escape(part[0].upper()) + "(?i:" + re.escape(part[1:]) + ")"
                     for part in sorted({form(part) for part in parts if part.strip()}, key=len, reverse=True)]
    if not alternatives or not text:
        return text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    if html:
        return _in_text_and_values(text, lambda segment: pattern.sub(HIDDEN, segment))
    return pattern.sub(HIDDEN, text)
