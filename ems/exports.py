"""CSV and XLSX downloads, safe against formula injection (ASVS 1.2.10)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: a cell starting with one of these is run as a formula by spreadsheet programs
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable[Sequence[object]], *, title: str = "Data") -> bytes:
    """A one-sheet workbook; text is never stored as a formula."""
    from openpyxl import Workbook  # imported here: only XLSX downloads need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(rows: Sequence[Sequence[object]], name: str, fmt: str) -> Response:
    """``rows`` as a CSV or XLSX (``fmt``) attachment named ``name``.``fmt``."""
    if fmt == "xlsx":
        body, mimetype = xlsx_bytes(rows), XLSX_MIME
    else:
        body, mimetype = csv_bytes(rows), "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={name}.{fmt}"},
    )
