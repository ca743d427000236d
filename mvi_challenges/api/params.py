"""Query-string parsing for the open data API: strict, with a message that names the parameter.

The HTML pages forgive odd filter values (a stale link still shows a list). A program is better
served by a clear 400: a typo in `category=` would otherwise silently return everything.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

from werkzeug.datastructures import MultiDict

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 1_000_000  # beyond this the OFFSET would overflow; no list is that long
MAX_TEXT = 200
# Years a register or contract filter may name: wide enough for any real date, narrow enough that
# `date(year + 1, 1, 1)` can never overflow.
MIN_YEAR, MAX_YEAR = 1900, 2999

WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")  # ASCII digits only: int() would also take "²" or "٣"
E = TypeVar("E", bound=enum.Enum)


class ApiError(Exception):
    """A request the API cannot answer; becomes a JSON error body with this status."""

    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


class Params:
    """The query string of one request, read one parameter at a time."""

    def __init__(self, args: MultiDict[str, str]) -> None:
        self.args = args

    def _raw(self, name: str) -> str | None:
        values = self.args.getlist(name)
        if len(values) > 1:
            raise ApiError(400, f"Give '{name}' at most once.", name)
        value = values[0].strip() if values else ""
        return value or None

    def integer(self, name: str, *, default: int | None, minimum: int, maximum: int) -> int | None:
        raw = self._raw(name)
        if raw is None:
            return default
        if not WHOLE_NUMBER.fullmatch(raw):
            raise ApiError(400, f"'{name}' must be a whole number, not {raw[:40]!r}.", name)
        value = int(raw)
        if not minimum <= value <= maximum:
            raise ApiError(400, f"'{name}' must be between {minimum} and {maximum}.", name)
        return value

    def page(self, default_per_page: int | None = None) -> tuple[int, int]:
        page = self.integer("page", default=1, minimum=1, maximum=MAX_PAGE)
        per_page = self.integer("per_page", default=default_per_page or DEFAULT_PER_PAGE, minimum=1,
                                maximum=MAX_PER_PAGE)
        assert page is not None and per_page is not None  # the defaults are set
        return page, per_page

    def choice(self, name: str, allowed: Iterable[str]) -> str | None:
        raw = self._raw(name)
        options = sorted(allowed)
        if raw is not None and raw not in options:
            raise ApiError(400, f"'{name}' must be one of: {', '.join(options)}; got {raw[:40]!r}.", name)
        return raw

    def member(self, name: str, enum_class: type[E]) -> E | None:
        raw = self.choice(name, [member.value for member in enum_class])
        return enum_class(raw) if raw is not None else None

    def given(self, name: str) -> bool:
        """Whether the filter `name` has a value (so that a catalogue is read only when one is asked for)."""
        return self._raw(name) is not None

    def slug(self, name: str, known: Mapping[str, object], where: str) -> str | None:
        """A catalogue slug that must exist; `where` tells the caller where to find the valid ones."""
        raw = self._raw(name)
        if raw is not None and raw not in known:
            raise ApiError(400, f"Unknown {name} {raw[:80]!r}; the valid values are listed at {where}.", name)
        return raw

    def level(self) -> int | None:
        return self.integer("level", default=None, minimum=1, maximum=3)

    def year(self) -> int | None:
        return self.integer("year", default=None, minimum=MIN_YEAR, maximum=MAX_YEAR)

    def text(self, name: str) -> str:
        raw = self._raw(name) or ""
        if len(raw) > MAX_TEXT:
            raise ApiError(400, f"'{name}' is at most {MAX_TEXT} characters.", name)
        return raw
