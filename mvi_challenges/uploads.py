"""Uploaded files: the type is decided by the content, never by the name or the browser.

`inspect_upload` reads the file once, checks size and kind and returns what the models store;
storage.py writes the bytes. Both are shared by call documents and (later) proposal attachments.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
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


@dataclass(frozen=True)
class InspectedUpload:
    filename: str
    extension: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def clean_filename(name: str, extension: str) -> str:
    """A safe, readable download name: no paths, no control characters, the true extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w\s.()-]", "", stem, flags=re.UNICODE).strip(" .")[:100]
    return f"{stem or 'document'}.{extension}"


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
    return InspectedUpload(
        filename=clean_filename(original_name, "jpg" if extension == "jpg" else extension),
        extension=extension,
        content_type=ALLOWED_KINDS[extension][0],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


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
