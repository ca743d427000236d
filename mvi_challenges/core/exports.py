"""Exports staff open in spreadsheets: CSV that cannot smuggle formulas, and ZIP bundles."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A spreadsheet executes cells that start with = + - @ (and tab/CR tricks): prefix a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly (é, ë, €)
    writer = csv.writer(buffer, delimiter=";")  # the separator Dutch spreadsheets expect
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]):
    """A CSV download; the filename is ASCII we made ourselves (slugs, numbers)."""
    from flask import Response

    return Response(to_csv(header, rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def decimal_cell(value: Decimal | int | None) -> str:
    """A number as Dutch spreadsheets read it beside the ';' separator: a decimal comma, no grouping."""
    return "" if value is None else str(value).replace(".", ",")


def euros_cell(cents: int | None) -> str:
    """Cents as euros with two decimals and a decimal comma: 1500,00."""
    return "" if cents is None else decimal_cell((Decimal(cents) / 100).quantize(Decimal("0.01")))


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV of `to_csv` line by line: a long export goes out while it is being written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")

    def line(cells: Sequence[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def streamed_csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]):
    """A CSV download streamed row by row (the same bytes as csv_response).

    The rows are written after the view has returned, outside the request: give rows that need
    no request, database session or translation any more (load and translate first)."""
    from flask import Response

    return Response(csv_lines(header, rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
