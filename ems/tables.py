"""Reading uploaded tables (CSV, TSV, XLSX or ODS): size, type and header checks, row-level errors.

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
from flask_babel import ngettext

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
#: title and note rows a file may hold above its header
HEADER_ROWS = 20
#: the widest row read from a workbook
MAX_COLUMNS = 200
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
        summary = message or ngettext(
            "%(num)d problem found; nothing was imported.",
            "%(num)d problems found; nothing was imported.",
            len(row_errors),
        )
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


#: the delimiters a text file may use, most usual first
DELIMITERS = ",;\t|"
#: encodings a text file is read in when it is not UTF-8 (what spreadsheets and older systems
#: on Windows write); charset-normalizer chooses among them
FALLBACK_ENCODINGS = ("cp1252", "latin_1", "utf_16", "cp1250", "cp1251", "mac_roman")


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read in: UTF-8 (with or without BOM), UTF-16
    with a BOM, or what charset-normalizer finds among the usual Windows and Latin encodings."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        position = exc.start
    from charset_normalizer import from_bytes  # imported here: only non-UTF-8 uploads need it

    matches = list(from_bytes(data, cp_isolation=list(FALLBACK_ENCODINGS)))
    if not matches:
        raise ImportFailed(
            [],
            _(
                "The file is not text in a known encoding (byte %(n)d). Save it as “CSV UTF-8”.",
                n=position,
            ),
        )
    # encodings that read the file equally cleanly (Windows-1250 and -1252 often do) are
    # decided by how common they are, in the order of FALLBACK_ENCODINGS
    least_chaos = min(match.chaos for match in matches)
    best = min(
        (match for match in matches if match.chaos <= least_chaos + 0.01),
        key=lambda match: (
            FALLBACK_ENCODINGS.index(match.encoding)
            if match.encoding in FALLBACK_ENCODINGS
            else len(FALLBACK_ENCODINGS)
        ),
    )
    return str(best), best.encoding


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text: the one that splits the first lines into the same
    number of fields most often (title rows above the header are outvoted)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        widths = [count for count in counts if count > 1]
        if not widths:
            continue
        usual = max(set(widths), key=widths.count)
        score = widths.count(usual) * usual
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_matrix(data: bytes) -> Iterator[list[str]]:
    text, _encoding = decode_text(data)
    delimiter = sniff_delimiter(text)
    # a file repeats most of its values (airports, classes, dates, names): each is kept once,
    # which keeps a large file's cells in a third of the memory
    seen: dict[str, str] = {}
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield [seen.setdefault(cell, cell) for cell in row]
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


def _check_workbook(data: bytes, *, members: tuple[str, ...], name: str) -> None:
    """Refuse anything but a plausible workbook before a parser touches it (zip bombs included)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except zipfile.BadZipFile:
        raise ImportFailed([], _("The file is not an %(kind)s workbook.", kind=name)) from None
    if not set(members) <= names:
        raise ImportFailed([], _("The file is not an %(kind)s workbook.", kind=name))
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

    _check_workbook(data, members=("[Content_Types].xml", "xl/workbook.xml"), name="XLSX")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise ImportFailed([], _("The workbook cannot be read; save it again as .xlsx.")) from None
    try:
        sheet = workbook.worksheets[0]
        # the sheet's declared size cannot be trusted (a tiny file may claim a million rows by
        # 16,384 columns): read what is there, no wider than MAX_COLUMNS, up to the row limit
        sheet.reset_dimensions()
        for count, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)):
            if count > MAX_ROWS + HEADER_ROWS:
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


def _ods_matrix(data: bytes) -> Iterator[list[str]]:
    from python_calamine import CalamineWorkbook  # imported here: only ODS uploads need it

    _check_workbook(data, members=("mimetype", "content.xml"), name="ODS")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = workbook.get_sheet_by_index(0).iter_rows()
        for count, row in enumerate(rows):
            if count > MAX_ROWS + HEADER_ROWS:
                raise ImportFailed(
                    [], _("The file has more than %(n)d rows; split it.", n=MAX_ROWS)
                )
            yield [_cell_text(value) for value in row[:MAX_COLUMNS]]
    except ImportFailed:
        raise
    except Exception:  # calamine raises its own errors on a damaged workbook
        raise ImportFailed([], _("The workbook cannot be read; save it again as .ods.")) from None


@dataclass(frozen=True)
class Sheet:
    """The cells of an uploaded file as text, row by row (the first row is row 1), header and
    title rows included; how it was read."""

    rows: list[list[str]]
    #: "csv" (any delimited text), "xlsx" or "ods"
    format: str
    #: spreadsheet cells hold typed numbers and dates (written in canonical form here)
    typed: bool


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The cells of a CSV (any delimiter, sniffed; UTF-8, UTF-16, Windows-1252 or Latin-1),
    XLSX or ODS upload, checked for size and type by content, not only by name."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed([], _("The file is larger than %(n)d MB.", n=MAX_FILE_BYTES // 2**20))
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        if name.endswith(".ods") or b"opendocument.spreadsheet" in data[:200]:
            return Sheet(list(_ods_matrix(data)), "ods", typed=True)
        return Sheet(list(_xlsx_matrix(data)), "xlsx", typed=True)
    if name.endswith((".xlsx", ".xlsm", ".ods")):
        raise ImportFailed([], _("The file is not a workbook (.xlsx or .ods)."))
    if not name.endswith((".csv", ".txt", ".tsv", ".tab")) and filename:
        raise ImportFailed([], _("Upload a .csv, .tsv, .xlsx or .ods file."))
    matrix = list(_csv_matrix(data))
    if len(matrix) > MAX_ROWS + HEADER_ROWS:
        raise ImportFailed([], _("The file has more than %(n)d rows; split it.", n=MAX_ROWS))
    return Sheet(matrix, "csv", typed=False)


def read_table(
    data: bytes,
    filename: str,
    *,
    required: Sequence[str],
    optional: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a file of a fixed layout (the factor tables): (row number, {column: stripped
    text}); the header must be the first row, with the required columns and no unknown ones.
    Activity imports map columns instead (see ems.imports.mapping)."""
    sheet = read_sheet(data, filename)
    return _table(sheet.rows, required=required, optional=optional, aliases=aliases or {})


def row_date(errors: list[RowError], row: int, column: str, text: str) -> dt.date | None:
    """The date in ``text``, which the import framework has written in ISO form where it could
    read it in the file's format (see ems.imports.mapping.normal_date); an error naming the row
    and column if it is not one (a date of another format is not guessed at here)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(
            RowError(
                row,
                column,
                _(
                    "“%(value)s” is not a date as the file writes them (YYYY-MM-DD, DD.MM.YYYY, "
                    "or DD/MM/YYYY or MM/DD/YYYY as the mapping says)",
                    value=text[:20],
                ),
            )
        )
        return None


def control_character_errors(
    row: int, values: Mapping[str, str], *, multiline: Iterable[str] = ()
) -> list[RowError]:
    """An error for each field of a row that holds control characters (line breaks allowed in
    the ``multiline`` columns only); none, usually."""
    if not has_control_characters("".join(values.values())):
        return []  # the usual row: one look at all its text, line breaks included
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
