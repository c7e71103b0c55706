"""CSV and XLSX downloads, safe against formula injection (ASVS 1.2.10)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence

from flask import Response

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the workbook member that holds its created and modified times
CORE_PROPERTIES = "docProps/core.xml"
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


def xlsx_bytes(
    rows: Iterable[Sequence[object]], *, title: str = "Data", dated: dt.datetime | None = None
) -> bytes:
    """A one-sheet workbook; text is never stored as a formula.

    With ``dated``, the workbook says it was created and modified then (not now), and its zip
    members carry that time: the same rows give the same bytes (files issued with a report)."""
    return workbook_bytes({title: rows}, dated=dated)


def workbook_bytes(
    sheets: Mapping[str, Iterable[Sequence[object]]], *, dated: dt.datetime | None = None
) -> bytes:
    """A workbook of one sheet per title of ``sheets``, in their order (see ``xlsx_bytes``)."""
    from openpyxl import Workbook  # imported here: only XLSX downloads need it

    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    if dated is None:
        return buffer.getvalue()
    from openpyxl.xml.functions import tostring

    when = (dated.astimezone(dt.UTC) if dated.tzinfo else dated).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = workbook.properties.modified = when
    core = tostring(workbook.properties.to_tree())
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as saved,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for member in saved.infolist():
            entry = zipfile.ZipInfo(member.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            archive.writestr(
                entry, core if member.filename == CORE_PROPERTIES else saved.read(member)
            )
    return fixed.getvalue()


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
