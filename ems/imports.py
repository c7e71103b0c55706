"""Reading uploaded CSV files: size and encoding checks, row-level errors, all or nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from ems.errors import ValidationFailed

#: the largest CSV file accepted, in bytes
MAX_CSV_BYTES = 10 * 1024 * 1024
#: how many row errors are reported at most (the rest are counted)
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


def read_csv(
    data: bytes, *, required: Sequence[str], optional: Iterable[str] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Decode a CSV upload; return (row number, {column: stripped value}) for each row.

    Checks the size, the encoding (UTF-8, with or without BOM) and the header: every required
    column present, no unknown or repeated columns. Rows that are entirely empty are skipped.
    """
    if len(data) > MAX_CSV_BYTES:
        raise ImportFailed([], _("The file is larger than %(n)d MB.", n=MAX_CSV_BYTES // 2**20))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [], _("The file is not UTF-8 text (byte %(n)d). Save it as “CSV UTF-8”.", n=exc.start)
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportFailed([], _("The file is empty.")) from None
    except csv.Error as exc:
        raise ImportFailed([], _("The file is not valid CSV: %(error)s", error=str(exc))) from None
    allowed = set(required) | set(optional)
    problems = [
        RowError(1, name or "?", _("unknown column")) for name in header if name not in allowed
    ]
    problems += [RowError(1, name, _("column missing")) for name in required if name not in header]
    problems += [
        RowError(1, name, _("column repeated")) for name in set(header) if header.count(name) > 1
    ]
    if problems:
        raise ImportFailed(problems)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(header):
                problems.append(
                    RowError(
                        number,
                        "?",
                        _(
                            "%(n)d values for %(columns)d columns (a decimal comma, or an unquoted "
                            "comma in a text?)",
                            n=len(values),
                            columns=len(header),
                        ),
                    )
                )
                continue
            padded = values + [""] * (len(header) - len(values))
            rows.append(
                (number, {name: value.strip() for name, value in zip(header, padded, strict=True)})
            )
    except csv.Error as exc:
        raise ImportFailed([], _("The file is not valid CSV: %(error)s", error=str(exc))) from None
    if problems:
        raise ImportFailed(problems)
    if not rows:
        raise ImportFailed([], _("The file has no rows below its header."))
    return rows
