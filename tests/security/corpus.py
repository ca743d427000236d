"""The payload corpus (tests/security/payloads/*.txt) and helpers to pack it into form fields.

Each non-empty line of a payload file is one payload, taken literally, except that ⟨TAB⟩, ⟨CR⟩
and ⟨LF⟩ stand for a tab, a carriage return and a line feed (so multi-line Markdown and the CSV
prefixes fit on one line). NUL is left out on purpose: the app refuses it with 400 at the door
(mvi_challenges/infra/request_guards.py), which tests/public/test_hardening.py covers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path

PAYLOAD_DIR = Path(__file__).parent / "payloads"
ESCAPES = {"⟨TAB⟩": "\t", "⟨CR⟩": "\r", "⟨LF⟩": "\n"}

# Template injection canaries: if a template engine ever evaluated user text, the left side would
# turn into the right side on the page.
SSTI_EVALUATED = ("ssti49ssti", "ssti7777777ssti", "ssti1787569ssti", "sstievaluatedssti")
# The test app's SECRET_KEY (tests/conftest.py): `{{config}}` evaluated would print it.
SECRET = "test-secret"
CSV_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Pages that show a short field again, in another template than its main page, are rendered for
# every SAMPLE_STRIDE-th record (and for the records carrying the long fields): see each test.
SAMPLE_STRIDE = 8


def _decode(line: str) -> str:
    for token, char in ESCAPES.items():
        line = line.replace(token, char)
    return line


@cache
def payloads_by_file() -> dict[str, tuple[str, ...]]:
    result = {}
    for path in sorted(PAYLOAD_DIR.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        result[path.stem] = tuple(_decode(line) for line in lines if line.strip())
    return result


@cache
def all_payloads() -> tuple[str, ...]:
    """Every distinct payload, in file order."""
    seen: dict[str, None] = {}
    for payloads in payloads_by_file().values():
        for payload in payloads:
            seen.setdefault(payload, None)
    return tuple(seen)


def csv_payloads() -> tuple[str, ...]:
    return payloads_by_file()["csv_injection"]


def pack(limit: int, *, separator: str = " ", payloads: Sequence[str] | None = None,
         single_line: bool = False) -> list[str]:
    """The corpus packed greedily into values of at most `limit` characters.

    Every payload that fits the field lands in exactly one value; longer ones are left out (the
    form refuses them anyway). `single_line` replaces line breaks by spaces, as an `<input>` would.
    """
    chunks: list[str] = []
    current = ""
    for payload in payloads if payloads is not None else all_payloads():
        text = payload.replace("\r", " ").replace("\n", " ") if single_line else payload
        if len(text) > limit:
            continue
        candidate = f"{current}{separator}{text}" if current else text
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = text
    if current:
        chunks.append(current)
    return chunks


def markdown_document(payloads: Sequence[str] | None = None) -> str:
    """All payloads as one Markdown source: one block each, so one cannot swallow the next."""
    return "\n\n".join(payloads if payloads is not None else all_payloads())


def cycle(values: Sequence[str], index: int, default: str) -> str:
    return values[index] if index < len(values) else default


def batched(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
