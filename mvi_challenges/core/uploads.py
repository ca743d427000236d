"""Uploaded files: the type is decided by the content, never by the name or the browser.

`inspect_upload` reads the file once, checks size and kind and returns what the models store;
storage.py writes the bytes. Both are shared by call documents and (later) proposal attachments.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype
from flask_babel import lazy_gettext as _l

from .errors import DomainError

# extension → (MIME type, readable kind)
ALLOWED_KINDS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "PDF"),
    "odt": ("application/vnd.oasis.opendocument.text", "ODT"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
    "png": ("image/png", "PNG"),
    "jpg": ("image/jpeg", "JPEG"),
}
CHUNK = 1024 * 1024
# Office and OpenDocument files are ZIP packages. Whoever unpacks one (the blind jury's copy, a
# juror's word processor) gets what the package declares: a 300 KB "DOCX" of zeros declares
# 300 MB, a 20 MB one 20 GB. Real documents unpack to a few times their size; this is ample.
ZIP_KINDS = frozenset({"odt", "docx", "xlsx", "ods"})
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class InspectedUpload:
    filename: str
    extension: str
    content_type: str
    size: int
    sha256: str
    data: bytes


KEPT_PUNCTUATION = frozenset(" .-_()")
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})  # controls, format, separators
FALLBACK_STEM = "bijlage"


def _clean_stem(text: str) -> str:
    """Letters and digits of any script (with their accents), spaces and `.-_()`; control and format
    characters (CR/LF, bidi overrides, zero-width) and line/paragraph separators go; other spaces
    become one plain space; the rest of the punctuation goes."""
    kept = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if category in DROPPED_CATEGORIES:
            continue
        if char in KEPT_PUNCTUATION or category[0] in ("L", "N") or category in ("Mn", "Mc"):
            kept.append(char)
        elif category == "Zs":
            kept.append(" ")
    return " ".join("".join(kept).split()).strip(" .")[:100].strip(" .")


def clean_filename(name: str, extension: str) -> str:
    """A safe, readable download name: no paths, no control characters, the true extension; a name
    with nothing left becomes `bijlage.<extension>`."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{_clean_stem(stem) or FALLBACK_STEM}.{extension}"


def safe_download_name(stored: str) -> str:
    """The name a download is offered under: stored names from before cleaning may hold a line break,
    which would break the Content-Disposition header (a 500); cleaned the same way here."""
    _stem, dot, extension = (stored or "").rpartition(".")
    if not dot:
        return _clean_stem(stored or "") or FALLBACK_STEM
    return clean_filename(stored, _clean_stem(extension).replace(" ", "") or "bin")


def inspect_upload(stream: IO[bytes], original_name: str, max_bytes: int) -> InspectedUpload:
    data = _read_limited(stream, max_bytes)
    if not data:
        raise DomainError(_l("The file is empty."), field="file")
    kind = filetype.guess(data)
    extension = kind.extension if kind is not None else None
    if extension not in ALLOWED_KINDS:
        raise DomainError(
            _l("This type of file is not accepted. Upload a PDF, ODT, DOCX, XLSX, ODS, PNG or JPEG file."),
            field="file",
        )
    if extension in ZIP_KINDS:
        _check_package(data)
    return InspectedUpload(
        filename=clean_filename(original_name, "jpg" if extension == "jpg" else extension),
        extension=extension,
        content_type=ALLOWED_KINDS[extension][0],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


def unpacked_size(data: bytes) -> int:
    """What a ZIP package declares it unpacks to (its central directory; nothing is unpacked)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return sum(item.file_size for item in package.infolist())


def _check_package(data: bytes) -> None:
    """A damaged package or a ZIP bomb is refused with a plain reason, never stored."""
    try:
        size = unpacked_size(data)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise DomainError(_l("This file is damaged and cannot be opened. Save it again and upload it once more."),
                          field="file") from None
    if size > MAX_UNPACKED_BYTES:
        raise DomainError(_l("This file unpacks to more than %(mb)d MB. Upload a smaller document or a PDF.",
                             mb=MAX_UNPACKED_BYTES // (1024 * 1024)), field="file")


def _read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise DomainError(
                _l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)), field="file"
            )
        chunks.append(chunk)
    return b"".join(chunks)
