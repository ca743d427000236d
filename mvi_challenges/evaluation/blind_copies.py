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

The proposal's own text is a different matter: there the names of the lead organisation and of its
consortium partners are replaced before a blind jury reads it (`redact_names`).
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
from collections.abc import Iterable
from typing import Any

from markupsafe import escape
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from ..core.uploads import MAX_UNPACKED_BYTES

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
# A consortium names its partners, and applicants often name themselves in their text. In a blind
# review the jury's copy of the text has the lead's and every partner's name and KvK number
# replaced; the stored, submitted text (and its receipt's digest) stays as it was.

HIDDEN = "[…]"


def identifying_names(organisation: Any, consortium: Iterable[dict[str, Any]]) -> list[str]:
    """The names and KvK numbers of the lead organisation and of every partner of the submitted
    version: what a blind jury must not read."""
    names = []
    if organisation is not None:
        names += [organisation.name, organisation.kvk_number]
    for partner in consortium:
        names += [partner.get("name", ""), partner.get("kvk_number", "")]
    return [name for name in names if name and len(name.strip()) >= 3]


def redact_names(text: str, names: Iterable[str], *, html: bool = False) -> str:
    """`text` with every occurrence of each name (any case, as a whole word) replaced by HIDDEN.
    In sanitised HTML the names are matched as they are escaped there (`&amp;` for `&`), so the
    result is still the same safe HTML with only text replaced."""
    wanted = sorted({str(escape(name)) if html else name for name in names if name}, key=len, reverse=True)
    if not wanted or not text:
        return text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(name) for name in wanted) + r")(?!\w)", re.IGNORECASE)
    return pattern.sub(HIDDEN, text)
