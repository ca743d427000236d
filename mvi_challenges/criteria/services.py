"""Criteria library and leading principles: maintenance, CSV import/export, lookups."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..catalogue.models import Category, SocialValue
from ..core import audit
from ..core.errors import DomainError
from ..core.exports import FORMULA_PREFIXES, neutralise
from ..core.slugs import unique_slug
from ..core.timezones import now_utc
from .models import LeadingPrinciple, LibraryCriterion

LEVELS = (1, 2, 3)
MAX_TEXT = 4000
MAX_CSV_BYTES = 2 * 1024 * 1024  # thousands of criteria; a larger file is not a library
CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

# The CSV columns, in order: stable English keys (slugs for the references), so that a file
# exported here imports again unchanged, in any language of the page.
CSV_HEADER = ("code", "category", "level", "text_nl", "text_en", "verification_nl", "verification_en",
              "social_value", "principle", "retired")
YES = frozenset({"yes", "ja", "1", "true", "waar", "x"})
NO = frozenset({"", "no", "nee", "0", "false", "onwaar"})


# --- leading principles ---------------------------------------------------------------------


def all_principles(session: Session, locale: str = "nl", *, include_retired: bool = True) -> list[LeadingPrinciple]:
    stmt = select(LeadingPrinciple)
    if not include_retired:
        stmt = stmt.where(LeadingPrinciple.retired_at.is_(None))
    return sorted(session.scalars(stmt), key=lambda p: p.localised("name", locale).casefold())


def save_principle(session: Session, actor: Any, principle: LeadingPrinciple | None, *, name_nl: str,
                   name_en: str, description_nl: str = "", description_en: str = "",
                   social_values: Sequence[SocialValue] = ()) -> LeadingPrinciple:
    """Create or update a leading principle. Side effect: audit `principle.saved`."""
    if not name_nl.strip():
        raise DomainError(_l("Give the principle a Dutch name."), field="name_nl")
    if principle is None:  # the slug is set once: the CSV and the open data refer to it
        principle = LeadingPrinciple(slug=unique_slug(session, LeadingPrinciple, name_nl, "principe"))
        session.add(principle)
    principle.name_nl = name_nl.strip()
    principle.name_en = name_en.strip()
    principle.description_nl = description_nl.strip()
    principle.description_en = description_en.strip()
    principle.social_values = list(social_values)
    session.flush()
    audit.record(session, actor, "principle.saved", principle)
    return principle


def set_principle_retired(session: Session, actor: Any, principle: LeadingPrinciple, retired: bool,
                          now: dt.datetime | None = None) -> None:
    """Retire a principle (no longer offered for new criteria) or bring it back. Audited."""
    if retired == principle.is_retired:
        return  # a second click changes nothing
    principle.retired_at = (now or now_utc()) if retired else None
    session.flush()
    audit.record(session, actor, "principle.retired" if retired else "principle.restored", principle)


# --- the library ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryFilters:
    category_id: int | None = None
    level: int | None = None
    include_retired: bool = True


def library(session: Session, filters: LibraryFilters = LibraryFilters()) -> list[LibraryCriterion]:
    """The criteria in library order: category, level, code."""
    return list(session.scalars(library_query(filters)))


def library_query(filters: LibraryFilters = LibraryFilters()) -> Select[tuple[LibraryCriterion]]:
    """The criteria in library order (category, level, code), for a list or a page of it."""
    stmt = select(LibraryCriterion).join(Category, LibraryCriterion.category_id == Category.id)
    if filters.category_id is not None:
        stmt = stmt.where(LibraryCriterion.category_id == filters.category_id)
    if filters.level is not None:
        stmt = stmt.where(LibraryCriterion.level == filters.level)
    if not filters.include_retired:
        stmt = stmt.where(LibraryCriterion.retired_at.is_(None))
    return stmt.order_by(Category.slug, LibraryCriterion.level, LibraryCriterion.code, LibraryCriterion.id)


def criteria_for_category(session: Session, category_id: int) -> dict[int, list[LibraryCriterion]]:
    """The active criteria of one category per level (the call's picker and the category page)."""
    grouped: dict[int, list[LibraryCriterion]] = {level: [] for level in LEVELS}
    for criterion in library(session, LibraryFilters(category_id=category_id, include_retired=False)):
        grouped[criterion.level].append(criterion)
    return grouped


def has_active_library(session: Session, category_id: int) -> bool:
    """Whether the category has any active criterion to choose (then a new call must choose)."""
    stmt = select(LibraryCriterion.id).where(LibraryCriterion.category_id == category_id,
                                             LibraryCriterion.retired_at.is_(None)).limit(1)
    return session.scalar(stmt) is not None


def principles_of(criteria: Sequence[LibraryCriterion]) -> list[LeadingPrinciple]:
    """The distinct leading principles the criteria serve, in first-seen order."""
    seen: dict[int, LeadingPrinciple] = {}
    for criterion in criteria:
        seen.setdefault(criterion.principle_id, criterion.principle)
    return list(seen.values())


@dataclass(frozen=True)
class CriterionInput:
    """A criterion as typed in the form or read from a CSV row (references already resolved)."""

    code: str
    category: Category
    level: int
    text_nl: str
    text_en: str
    verification_nl: str
    verification_en: str
    social_value: SocialValue
    principle: LeadingPrinciple
    retired: bool = False


def criterion_problems(data: CriterionInput) -> dict[str, str]:
    """Everything wrong with `data`, per field (all at once)."""
    problems: dict[str, str] = {}
    code = data.code.strip()
    if not code:
        problems["code"] = str(_l("Give the criterion a code, for example ICT-2-01."))
    elif len(code) > 40 or not set(code) <= CODE_CHARS:
        problems["code"] = str(_l("A code has at most 40 letters, digits, dots, hyphens or underscores."))
    if data.level not in LEVELS:
        problems["level"] = str(_l("The ambition level is 1, 2 or 3."))
    if not data.text_nl.strip():
        problems["text_nl"] = str(_l("Give the criterion's text in Dutch."))
    for name in ("text_nl", "text_en", "verification_nl", "verification_en"):
        if len(getattr(data, name)) > MAX_TEXT and name not in problems:
            problems[name] = str(_l("At most %(n)d characters.", n=MAX_TEXT))
    return problems


def _code_taken(session: Session, code: str, current_id: int | None) -> bool:
    with session.no_autoflush:
        found = session.scalar(select(LibraryCriterion.id).where(func.lower(LibraryCriterion.code) == code.lower()))
    return found is not None and found != current_id


def save_criterion(session: Session, actor: Any, criterion: LibraryCriterion | None, data: CriterionInput,
                   now: dt.datetime | None = None) -> LibraryCriterion:
    """Create or update a library criterion. Side effect: audit `library_criterion.saved`."""
    for name, message in criterion_problems(data).items():
        raise DomainError(message, field=name)
    if _code_taken(session, data.code.strip(), criterion.id if criterion else None):
        raise DomainError(_l("Another criterion already has this code."), field="code")
    if criterion is None:
        criterion = LibraryCriterion()
        session.add(criterion)
    _apply(criterion, data, now or now_utc())
    session.flush()
    audit.record(session, actor, "library_criterion.saved", criterion)
    return criterion


def _apply(criterion: LibraryCriterion, data: CriterionInput, now: dt.datetime) -> None:
    criterion.code = data.code.strip()
    criterion.category = data.category
    criterion.category_id = data.category.id
    criterion.level = data.level
    criterion.text_nl = data.text_nl.strip()
    criterion.text_en = data.text_en.strip()
    criterion.verification_nl = data.verification_nl.strip()
    criterion.verification_en = data.verification_en.strip()
    criterion.social_value = data.social_value
    criterion.social_value_id = data.social_value.id
    criterion.principle = data.principle
    criterion.principle_id = data.principle.id
    if data.retired != criterion.is_retired:  # keep the first retirement date
        criterion.retired_at = now if data.retired else None


def set_criterion_retired(session: Session, actor: Any, criterion: LibraryCriterion, retired: bool,
                          now: dt.datetime | None = None) -> None:
    """Retire a criterion (calls that chose it keep it; it is not offered any more) or restore it."""
    if retired == criterion.is_retired:
        return
    criterion.retired_at = (now or now_utc()) if retired else None
    session.flush()
    audit.record(session, actor, "library_criterion.retired" if retired else "library_criterion.restored",
                 criterion)


# --- CSV export (streamed) and import (all or nothing) ---------------------------------------


def _row(criterion: LibraryCriterion) -> list[str]:
    return [criterion.code, criterion.category.slug, str(criterion.level), criterion.text_nl, criterion.text_en,
            criterion.verification_nl, criterion.verification_en, criterion.social_value.slug,
            criterion.principle.slug, "yes" if criterion.is_retired else ""]


def export_lines(session: Session) -> Iterator[str]:
    """The library as CSV (';', UTF-8 with BOM, formulas neutralised), one line at a time, so a
    download starts at once and never holds the whole file in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")

    def line(cells: Sequence[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(CSV_HEADER)
    stmt = (select(LibraryCriterion).join(Category, LibraryCriterion.category_id == Category.id)
            .order_by(Category.slug, LibraryCriterion.level, LibraryCriterion.code))
    for criterion in session.scalars(stmt.execution_options(yield_per=200)):
        yield line(_row(criterion))


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportRefused(DomainError):
    """The file has errors: nothing was imported; `errors` lists every one with its line."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_l("Nothing was imported: the file has %(n)d error(s). Correct them and upload the file "
                            "again.", n=len(errors)), field="file")
        self.errors = errors


def _unneutralise(value: str) -> str:
    """Undo the export's formula guard ('=…' became \"'=…\"), so an export imports unchanged."""
    return value[1:] if value.startswith("'") and value[1:2].startswith(FORMULA_PREFIXES) and value[1:2] else value


def _decode(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise ImportRefused([RowError(0, str(_l("The file is larger than 2 MB.")))])
    if b"\x00" in data:  # checked by content: a spreadsheet (.xlsx) or any binary is no CSV
        raise ImportRefused([RowError(0, str(_l("This is not a CSV text file. Save the sheet as CSV (UTF-8).")))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = str(_l("The file is not UTF-8 text. Save the sheet as CSV (UTF-8)."))
        raise ImportRefused([RowError(0, message)]) from None


def _reader(text: str) -> Any:
    """A plain csv reader (blank lines come back as empty rows, so line numbers stay exact)."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


@dataclass
class _References:
    categories: dict[str, Category]
    values: dict[str, SocialValue]
    principles: dict[str, LeadingPrinciple]
    existing: dict[str, LibraryCriterion]

    @classmethod
    def load(cls, session: Session) -> _References:
        return cls({c.slug: c for c in session.scalars(select(Category))},
                   {v.slug: v for v in session.scalars(select(SocialValue))},
                   {p.slug: p for p in session.scalars(select(LeadingPrinciple))},
                   {c.code.lower(): c for c in session.scalars(select(LibraryCriterion))})


def _parse_row(row: dict[str, str], refs: _References) -> tuple[CriterionInput | None, list[str]]:
    """A CSV row as input, or the plain-language problems with it."""
    cell = {name: _unneutralise((row.get(name) or "").strip()) for name in CSV_HEADER}
    problems: list[str] = []
    category = refs.categories.get(cell["category"])
    if category is None:
        problems.append(str(_l("unknown category “%(slug)s”", slug=cell["category"])))
    value = refs.values.get(cell["social_value"])
    if value is None:
        problems.append(str(_l("unknown social value “%(slug)s”", slug=cell["social_value"])))
    principle = refs.principles.get(cell["principle"])
    if principle is None:
        problems.append(str(_l("unknown leading principle “%(slug)s”", slug=cell["principle"])))
    level = int(cell["level"]) if cell["level"] in {"1", "2", "3"} else 0
    if cell["retired"].lower() not in YES | NO:
        problems.append(str(_l("“retired” is “yes” or empty")))
    # Checked also when a reference is unknown: every problem of the row is told at once.
    data = CriterionInput(code=cell["code"], category=category, level=level, text_nl=cell["text_nl"],  # type: ignore[arg-type]
                          text_en=cell["text_en"], verification_nl=cell["verification_nl"],
                          verification_en=cell["verification_en"], social_value=value,  # type: ignore[arg-type]
                          principle=principle, retired=cell["retired"].lower() in YES)  # type: ignore[arg-type]
    problems += list(criterion_problems(data).values())
    return (data if not problems else None), problems


def read_library_csv(session: Session, data: bytes) -> list[CriterionInput]:
    """Every row of the file as input, or ImportRefused with every error and its line number."""
    reader = _reader(_decode(data))
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in CSV_HEADER if name not in header]
    if missing:
        raise ImportRefused([RowError(1, str(_l("The header lacks the column(s): %(names)s. The first line must be: "
                                                "%(header)s", names=", ".join(missing), header=";".join(CSV_HEADER))))])
    refs = _References.load(session)
    rows: list[CriterionInput] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num  # a quoted cell may span lines: report where the row starts
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between rows are no error
        row = dict(zip(header, cells, strict=False))
        parsed, problems = _parse_row(row, refs)
        code = (row.get("code") or "").strip().lower()
        if code and code in seen:
            problems.append(str(_l("code also on line %(line)d", line=seen[code])))
        seen.setdefault(code, start)
        errors += [RowError(start, problem) for problem in problems]
        if parsed is not None and not problems:
            rows.append(parsed)
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise ImportRefused([RowError(0, str(_l("The file has no criteria.")))])
    return rows


def import_library(session: Session, actor: Any, data: bytes, now: dt.datetime | None = None) -> ImportResult:
    """Create or update the criteria of a CSV file by their code, all of them or none.

    Rows are matched on `code`; criteria not in the file stay as they are (retire one with
    `retired` = yes). Side effect: audit `library_criterion.imported` per criterion created or changed.
    """
    rows = read_library_csv(session, data)
    existing = {c.code.lower(): c for c in session.scalars(select(LibraryCriterion))}
    result = ImportResult()
    moment = now or now_utc()
    changed: list[tuple[LibraryCriterion, bool]] = []
    for row in rows:
        criterion = existing.get(row.code.lower())
        if criterion is None:
            criterion = LibraryCriterion()
            session.add(criterion)
            result.created += 1
        elif _row(criterion) == _row_of_input(row, criterion):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        _apply(criterion, row, moment)
        changed.append((criterion, criterion.id is None))
    session.flush()
    for criterion, created in changed:  # one trace per criterion the file created or changed
        audit.record(session, actor, "library_criterion.imported", criterion, {"created": created})
    return result


def _row_of_input(row: CriterionInput, criterion: LibraryCriterion) -> list[str]:
    return [row.code.strip(), row.category.slug, str(row.level), row.text_nl.strip(), row.text_en.strip(),
            row.verification_nl.strip(), row.verification_en.strip(), row.social_value.slug, row.principle.slug,
            "yes" if row.retired else ""]
