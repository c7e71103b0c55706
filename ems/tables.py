"""Reading uploaded tables (CSV or XLSX): size, type and header checks, row-level errors.

Every import is all or nothing: a file with any bad row imports nothing, and each problem names
the row (as a spreadsheet numbers it) and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ems.errors import ValidationFailed
from ems.validation import has_control_characters

#: the largest file accepted, in bytes
MAX_FILE_BYTES = 10 * 1024 * 1024
#: compatibility name used by the factor import
MAX_CSV_BYTES = MAX_FILE_BYTES
#: an XLSX (a ZIP) must not unpack to more than this, nor hold more entries
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XLSX_ENTRIES = 2000
MAX_ROWS = 200_000
#: values beyond the header's width that are still read (to report them, not to use them)
MAX_EXTRA_COLUMNS = 20
#: how many row errors are listed at most (all are counted)
MAX_REPORTED_ERRORS = 200


@dataclass(frozen=True)
class RowError:
    """What is wrong with one field of one row; rows are numbered as a spreadsheet shows them."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return _(
            "Row %(row)d, %(field)s: %(message)s",
            row=self.row,
            field=self.field,
            message=self.message,
        )


class ImportFailed(ValidationFailed):
    """The file was refused; nothing was imported. ``row_errors`` says where and why."""

    def __init__(self, row_errors: Sequence[RowError], message: str | None = None) -> None:
        self.row_errors = list(row_errors)
        summary = message or _("%(n)d problems found; nothing was imported.", n=len(row_errors))
        super().__init__({"file": summary})


def _header_name(raw: str, aliases: Mapping[str, str]) -> str:
    name = " ".join(raw.replace("_", " ").replace("-", " ").lower().split())
    return aliases.get(name, name.replace(" ", "_"))


def _table(
    matrix: Iterable[Sequence[str]],
    *,
    required: Sequence[str],
    optional: Iterable[str],
    aliases: Mapping[str, str],
) -> list[tuple[int, dict[str, str]]]:
    rows_in = iter(matrix)
    try:
        header = [_header_name(name, aliases) for name in next(rows_in)]
    except StopIteration:
        raise ImportFailed([], _("The file is empty.")) from None
    while header and not header[-1]:
        header.pop()  # trailing empty header cells (spreadsheets keep them)
    allowed = set(required) | set(optional)
    problems = [
        RowError(1, name or "?", _("unknown column")) for name in header if name not in allowed
    ]
    problems += [RowError(1, name, _("column missing")) for name in required if name not in header]
    problems += [
        RowError(1, name, _("column repeated"))
        for name in sorted(set(header))
        if header.count(name) > 1
    ]
    if problems:
        raise ImportFailed(problems)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(rows_in, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(rows) == MAX_ROWS:
            raise ImportFailed([], _("The file has more than %(n)d rows; split it.", n=MAX_ROWS))
        extra = [value for value in values[len(header) :] if value.strip()]
        if extra:
            problems.append(
                RowError(
                    number,
                    "?",
                    _(
                        "%(n)d values for %(columns)d columns (a decimal comma, or an unquoted "
                        "comma in a text?)",
                        n=len(header) + len(extra),
                        columns=len(header),
                    ),
                )
            )
            continue
        padded = [*values[: len(header)], *[""] * (len(header) - len(values))]
        rows.append(
            (number, {name: value.strip() for name, value in zip(header, padded, strict=True)})
        )
    if problems:
        raise ImportFailed(problems)
    if not rows:
        raise ImportFailed([], _("The file has no rows below its header."))
    return rows


def _csv_matrix(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [], _("The file is not UTF-8 text (byte %(n)d). Save it as “CSV UTF-8”.", n=exc.start)
        ) from None
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise ImportFailed([], _("The file is not valid CSV: %(error)s", error=str(exc))) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_xlsx(data: bytes) -> None:
    """Refuse anything but a plausible XLSX before a parser touches it (zip bombs included)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except zipfile.BadZipFile:
        raise ImportFailed([], _("The file is not an XLSX workbook.")) from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportFailed([], _("The file is not an XLSX workbook."))
    if (
        len(entries) > MAX_XLSX_ENTRIES
        or sum(entry.file_size for entry in entries) > MAX_XLSX_UNPACKED_BYTES
    ):
        raise ImportFailed(
            [],
            _(
                "The workbook unpacks to more than %(n)d MB; it is refused.",
                n=MAX_XLSX_UNPACKED_BYTES // 2**20,
            ),
        )


def _xlsx_matrix(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook  # imported here: only XLSX uploads need it

    _check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise ImportFailed([], _("The workbook cannot be read; save it again as .xlsx.")) from None
    try:
        sheet = workbook.worksheets[0]
        # the sheet's declared size cannot be trusted (a tiny file may claim a million rows by
        # 16,384 columns): read what is there, as wide as the header, and stop at the row limit
        sheet.reset_dimensions()
        header = [
            _cell_text(value)
            for row in sheet.iter_rows(max_row=1, values_only=True)
            for value in row
        ]
        yield header
        width = len(header) + MAX_EXTRA_COLUMNS
        for count, row in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True)):
            if count > MAX_ROWS:
                raise ImportFailed(
                    [], _("The file has more than %(n)d rows; split it.", n=MAX_ROWS)
                )
            yield [_cell_text(value) for value in row]
    except ImportFailed:
        raise
    except Exception:  # a damaged sheet shows itself only while it is read
        raise ImportFailed([], _("The workbook cannot be read; save it again as .xlsx.")) from None
    finally:
        workbook.close()


def read_table(
    data: bytes,
    filename: str,
    *,
    required: Sequence[str],
    optional: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """Rows of an uploaded CSV or XLSX file: (row number, {column: stripped text}).

    Column names are matched case-insensitively, with ``aliases`` (lower-case names as exports
    write them → our column names). Checks the size, the type (by content, not only by name),
    the encoding and the header: required columns present, no unknown or repeated ones.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed([], _("The file is larger than %(n)d MB.", n=MAX_FILE_BYTES // 2**20))
    is_zip = data[:4] == b"PK\x03\x04"
    if filename.lower().endswith((".xlsx", ".xlsm")) or is_zip:
        matrix: Iterable[Sequence[str]] = _xlsx_matrix(data)
    elif filename.lower().endswith((".csv", ".txt")) or not filename:
        matrix = _csv_matrix(data)
    else:
        raise ImportFailed([], _("Upload a .csv or .xlsx file."))
    return _table(matrix, required=required, optional=optional, aliases=aliases or {})


#: the date formats of uploaded files: ISO first (spreadsheet date cells come as such), then
#: day first as European exports write them
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")


def parse_date(text: str) -> dt.date | None:
    """A date written YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or YYYY/MM/DD; the whole text must be
    the date. None if it is not one."""
    try:
        return dt.date.fromisoformat(text)  # the usual case, and much faster
    except ValueError:
        pass
    for pattern in DATE_FORMATS[1:]:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def row_date(errors: list[RowError], row: int, column: str, text: str) -> dt.date | None:
    """The date in ``text`` (see parse_date); an error naming the row and column if none."""
    day = parse_date(text)
    if day is None:
        errors.append(
            RowError(
                row,
                column,
                _("“%(value)s” is not a date (YYYY-MM-DD or DD.MM.YYYY)", value=text[:20]),
            )
        )
    return day


def control_character_errors(
    row: int, values: Mapping[str, str], *, multiline: Iterable[str] = ()
) -> list[RowError]:
    """An error for each field of a row that holds control characters (line breaks allowed in
    the ``multiline`` columns only); none, usually."""
    if not has_control_characters("".join(values.values()), multiline=True) and not any(
        has_control_characters(value) for column, value in values.items() if column not in multiline
    ):
        return []
    allowed = set(multiline)
    return [
        RowError(row, column, _("remove the control characters from this text"))
        for column, value in values.items()
        if has_control_characters(value, multiline=column in allowed)
    ]


def read_csv(
    data: bytes, *, required: Sequence[str], optional: Iterable[str] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV upload (see read_table)."""
    return read_table(data, "upload.csv", required=required, optional=optional)
