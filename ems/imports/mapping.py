"""From a file's own columns to ems's fields: what each kind of import expects (``Field``), the
formats a file writes its numbers and dates in (``Formats``), the mapping of its columns and
values (``ColumnMapping``, proposed by ``propose`` or saved as a profile), and the rows it gives
(``Table``).

A proposal matches the file's headers against each field's synonyms (several languages), then
loosely (a close spelling), then by the values a column holds (three-letter codes that are
airports). It is *certain* when every required field was matched by a synonym or an unmistakable
value pattern and nothing is ambiguous: such a file imports without asking.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from flask_babel import gettext as _

from ems.tables import MAX_ROWS, ImportFailed, RowError, Sheet

FieldKind = Literal["text", "number", "date", "code"]

#: how close (0 to 1) a header must be to a synonym to be proposed loosely
FUZZY_CUTOFF = 0.86
#: share of a column's sample values that must fit a field's value pattern
PATTERN_SHARE = 0.9
#: rows looked at for the header (title and note rows above it) and for value patterns
HEADER_SEARCH_ROWS = 20
SAMPLE_ROWS = 50
#: words that start a total row below the data (several languages)
TOTAL_WORDS = (
    "total",
    "totals",
    "grand total",
    "sum",
    "subtotal",
    "sub total",
    "gesamt",
    "summe",
    "total général",
    "total general",
    "итого",
    "всего",
    "合计",
    "总计",
    "المجموع",
    "الإجمالي",
)


def words(text: str) -> str:
    """A header or value as it is compared: lower case, accents kept, separators as spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[_\-./:()\[\]#*]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Field:
    """One thing an import takes from a file, e.g. a flight's origin."""

    name: str
    #: what people call it (shown on the mapping page)
    label: Any
    required: bool = False
    #: header words that mean this field, lower case, in several languages
    synonyms: tuple[str, ...] = ()
    #: "number" and "date" fields are normalised by the file's Formats before the feature sees them
    kind: FieldKind = "text"
    #: a test of one value that makes a column unmistakably this field (e.g. an airport code);
    #: columns matching the same test go to the fields declaring it in file order
    looks_like: Callable[[str], bool] | None = None
    #: fields of one group are required together: a file must hold at least one of them
    #: (a booking reference or a ticket number)
    one_of: str = ""


def missing_fields(fields: Sequence[Field], mapped: Iterable[str]) -> list[list[Field]]:
    """The required fields (or groups of alternatives) none of ``mapped`` covers."""
    taken = set(mapped)
    missing = [[item] for item in fields if item.required and item.name not in taken]
    groups: dict[str, list[Field]] = {}
    for item in fields:
        if item.one_of:
            groups.setdefault(item.one_of, []).append(item)
    missing += [group for group in groups.values() if not taken & {i.name for i in group}]
    return missing


def fields_text(group: Sequence[Field]) -> str:
    """A required field, or a group of alternatives, in words: "booking reference or ticket"."""
    return _(" or ").join(str(item.label) for item in group)


@dataclass(frozen=True)
class Formats:
    """How a file writes numbers and dates."""

    #: an ambiguous date such as 03/04/2024 is 3 April (True) or 4 March (False)
    day_first: bool = True
    #: "1,5" is one and a half
    decimal_comma: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {"day_first": self.day_first, "decimal_comma": self.decimal_comma}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Formats:
        return cls(
            day_first=bool(values.get("day_first", True)),
            decimal_comma=bool(values.get("decimal_comma", False)),
        )


@dataclass
class ColumnMapping:
    """Which column of a file holds which field, how its values translate, its formats."""

    #: the file's header (as written) → the field's name; columns not listed are ignored
    columns: dict[str, str]
    #: field → {a value as the file writes it (compared by ``words``) → the value ems takes}
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    formats: Formats = field(default_factory=Formats)
    #: the profile's name when the mapping came from one
    profile: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": dict(self.columns),
            "values": {name: dict(values) for name, values in self.values.items()},
            "formats": self.formats.as_dict(),
            "profile": self.profile,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ColumnMapping:
        return cls(
            columns={str(k): str(v) for k, v in dict(values.get("columns") or {}).items()},
            values={
                str(name): {words(str(k)): str(v) for k, v in dict(mapped).items()}
                for name, mapped in dict(values.get("values") or {}).items()
            },
            formats=Formats.from_dict(values.get("formats") or {}),
            profile=values.get("profile"),
        )

    def describe(self, labels: Mapping[str, Any] | None = None) -> str:
        """The mapping in one line, e.g. "From → origin, To → destination" (the fields named
        by their ``labels`` where given)."""
        labels = labels or {}
        return ", ".join(
            f"{header} → {labels.get(name, name)}" for header, name in self.columns.items()
        )


@dataclass
class Table:
    """The rows of a file as an import takes them: (row number as a spreadsheet shows it,
    {field: text}), number fields with a decimal point and no grouping, dates in ISO form where
    they could be read, values translated by the mapping."""

    rows: list[tuple[int, dict[str, str]]]
    mapping: ColumnMapping
    #: the file's columns no field takes (listed to the user, never fatal)
    ignored: list[str] = field(default_factory=list)
    #: rows skipped as totals or notes below the data
    skipped_rows: list[int] = field(default_factory=list)
    #: the row number of the header
    header_row: int = 1


def column_keys(cells: Sequence[str]) -> list[str]:
    """The names a header row's columns are mapped by: each header with its spaces and line
    breaks made single spaces; "[column 5]" for a column without a header; "Date (2)" for the
    second column headed "Date". Empty cells after the last header are not columns."""
    headers = [" ".join(cell.split()) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    keys: list[str] = []
    used: set[str] = set()
    for position, header in enumerate(headers):
        key, count = header or f"[column {position + 1}]", 1
        while words(key) in used:  # the second "Date" is "Date (2)", and so on
            count += 1
            key = f"{header} ({count})"
        used.add(words(key))
        keys.append(key)
    return keys


def _signature(cells: Sequence[str]) -> list[str]:
    """A layout as it is recognised: its columns' keys, in any order (repeats count)."""
    return sorted(words(key) for key in column_keys(cells))


def find_layout(sheet: Sheet, headers: Sequence[str]) -> int | None:
    """The index of the row of ``sheet`` whose headers are exactly ``headers`` (compared by
    ``words``, in any order) among the first rows; None if no row is."""
    wanted = _signature(headers)
    if not wanted:
        return None
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        if _signature(row) == wanted:
            return index
    return None


@dataclass
class Proposal:
    """ems's reading of a file it has no profile for."""

    #: index of the header row in the sheet (title rows above it)
    header_index: int
    #: the file's columns by their keys (see column_keys), in order
    headers: list[str]
    mapping: ColumnMapping
    #: how each mapped header was matched: "synonym", "pattern" or "close" (a loose spelling)
    matched_by: dict[str, str]
    #: required fields (or groups of alternatives, "a / b") no column was found for
    missing: list[str]
    #: what makes the proposal uncertain, in words
    doubts: list[str]
    #: the formats the values leave open: "decimal_comma", "day_first"
    format_questions: set[str] = field(default_factory=set)

    @property
    def certain(self) -> bool:
        """Every required field matched by a synonym or a value pattern, nothing in doubt."""
        return not self.missing and not self.doubts

    def samples(self, sheet: Sheet, count: int = 3) -> dict[str, list[str]]:
        """Up to ``count`` non-empty values of each column below the header."""
        found: dict[str, list[str]] = {header: [] for header in self.headers}
        for row in sheet.rows[self.header_index + 1 : self.header_index + 1 + SAMPLE_ROWS]:
            for header, value in zip(self.headers, row, strict=False):
                if value.strip() and len(found[header]) < count:
                    found[header].append(value.strip()[:40])
        return found


def _synonyms(fields: Sequence[Field]) -> dict[str, str]:
    known: dict[str, str] = {}
    for item in fields:
        for synonym in (item.name, str(item.label), *item.synonyms):
            known.setdefault(words(synonym), item.name)
    return known


def _header_index(sheet: Sheet, known: Mapping[str, str]) -> int:
    """The row most like a header among the first: the most cells that are known synonyms,
    else the first row with two or more cells filled."""
    best, best_hits = None, 0
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        hits = len({known[w] for cell in row if (w := words(cell)) in known})
        if hits > best_hits:
            best, best_hits = index, hits
    if best is not None:
        return best
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if cell.strip()) >= 2:
            return index
    if not any(any(cell.strip() for cell in row) for row in sheet.rows):
        raise ImportFailed([], _("The file is empty."))
    raise ImportFailed(
        [],
        _(
            "No header row (two or more column names) was found in the first %(n)d rows.",
            n=HEADER_SEARCH_ROWS,
        ),
    )


def _column_values(sheet: Sheet, header_index: int, position: int) -> list[str]:
    rows = sheet.rows[header_index + 1 : header_index + 1 + SAMPLE_ROWS]
    return [row[position].strip() for row in rows if position < len(row) and row[position].strip()]


_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def propose(sheet: Sheet, fields: Sequence[Field]) -> Proposal:
    """Propose which column holds which field (header synonyms, then close spellings, then
    value patterns) and the formats the values show; say what is missing and what is in
    doubt."""
    known = _synonyms(fields)
    header_index = _header_index(sheet, known)
    headers = column_keys(sheet.rows[header_index])
    by_name = {item.name: item for item in fields}
    columns: dict[str, str] = {}
    matched_by: dict[str, str] = {}
    doubts: list[str] = []
    taken: dict[str, str] = {}
    for header in headers:
        # "Consumption (kWh)" is "Consumption": a unit or note in brackets aside
        name = known.get(words(header)) or known.get(words(_BRACKETED.sub(" ", header)))
        if name is None:
            continue
        if name in taken:
            doubts.append(
                _(
                    "“%(a)s” and “%(b)s” both look like %(field)s",
                    a=taken[name],
                    b=header,
                    field=by_name[name].label,
                )
            )
            continue
        columns[header], matched_by[header], taken[name] = name, "synonym", header
    close_pool = {synonym: name for synonym, name in known.items() if name not in taken}
    for header in headers:
        if header in columns:
            continue
        close = difflib.get_close_matches(words(header), close_pool, n=1, cutoff=FUZZY_CUTOFF)
        if close and close_pool[close[0]] not in taken:
            name = close_pool[close[0]]
            columns[header], matched_by[header], taken[name] = name, "close", header
            doubts.append(
                _(
                    "“%(header)s” is taken for %(field)s by its spelling",
                    header=header,
                    field=by_name[name].label,
                )
            )
    for item in fields:
        if item.looks_like is None or item.name in taken:
            continue
        for position, header in enumerate(headers):
            if header in columns:
                continue
            values = _column_values(sheet, header_index, position)
            fitting = sum(1 for value in values if item.looks_like(value))
            if values and fitting >= PATTERN_SHARE * len(values):
                columns[header], matched_by[header], taken[item.name] = item.name, "pattern", header
                break
    missing = [" / ".join(item.name for item in group) for group in missing_fields(fields, taken)]
    mapping = ColumnMapping(columns={h: columns[h] for h in headers if h in columns})
    mapping.formats = guess_formats(sheet, header_index, mapping, fields)
    questions = format_doubts(sheet, header_index, mapping, fields)
    return Proposal(
        header_index=header_index,
        headers=headers,
        mapping=mapping,
        matched_by=matched_by,
        missing=missing,
        doubts=[*doubts, *questions.values()],
        format_questions=set(questions),
    )


#: the first letters of TOTAL_WORDS: a row starting otherwise is data (checked first, as it
#: is for every row)
_TOTAL_INITIALS = frozenset(word[0] for word in TOTAL_WORDS)


def _starts_as_total(values: Sequence[str]) -> bool:
    """The row's first value says total ("Total", "Grand total", "Итого" …)."""
    first = next((value.strip() for value in values if value.strip()), "")
    if first[:1].casefold() not in _TOTAL_INITIALS:
        return False
    first = words(first)
    return first in TOTAL_WORDS or first.startswith(("total ", "sum of ", "grand total"))


def _filled(values: Sequence[str]) -> int:
    return sum(1 for value in values if value.strip())


_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_GROUPED_POINT = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_GROUPED_COMMA = re.compile(r"[+-]?[0-9]{1,3}(?:[. ][0-9]{3})+(?:,[0-9]+)?")


def normal_number(text: str, formats: Formats, *, typed: bool = False) -> str:
    """A number as the file writes it, with a decimal point and no grouping ("1.234,5" with a
    decimal comma and "1,234.5" without both give "1234.5"); the text unchanged if it is not
    one (the feature's check then names it)."""
    if text.isdigit():
        return text  # the usual case: a whole number
    value = text.replace("\u00a0", " ").replace("\u202f", " ").replace("'", "").strip()
    if typed and _NUMBER.fullmatch(value):
        return value  # a workbook's number cell, written canonically
    if formats.decimal_comma:
        if _GROUPED_COMMA.fullmatch(value):
            value = value.replace(".", "").replace(" ", "")
        value = value.replace(",", ".") if value.count(",") == 1 else value
    elif _GROUPED_POINT.fullmatch(value) or re.fullmatch(
        r"[+-]?[0-9]{1,3}(?: [0-9]{3})+(?:\.[0-9]+)?", value
    ):
        value = value.replace(",", "").replace(" ", "")
    return value if _NUMBER.fullmatch(value) else text


#: the days before 1 January 1900 in Excel's day numbers (its 1900 leap-year bug included)
EXCEL_EPOCH = dt.date(1899, 12, 30)
_MONTH_NAMES = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y")


def normal_date(text: str, formats: Formats) -> str:
    """A date in ISO form, from ISO, dd.mm.yyyy, dd/mm/yyyy or mm/dd/yyyy (by the formats),
    dd-mm-yyyy, "12 Mar 2024", a date-time or an Excel day number; unchanged if none."""
    value = text.strip()
    if len(value) == 10 and value[4] == "-":  # the usual case: ISO already
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            return text
    if not value:
        return value
    head = value.split("T")[0].split(" ")[0] if re.match(r"\d{4}-\d\d-\d\d", value) else value
    try:
        return dt.date.fromisoformat(head).isoformat()
    except ValueError:
        pass
    if re.fullmatch(r"[0-9]{5}(?:\.0+)?", value):  # an Excel day number (1955 to 2173)
        days = int(float(value))
        if 20000 <= days <= 100000:
            return (EXCEL_EPOCH + dt.timedelta(days=days)).isoformat()
    numeric = re.fullmatch(r"([0-9]{1,4})[./-]([0-9]{1,2})[./-]([0-9]{2,4})", value.split(" ")[0])
    if numeric:
        a, b, c = (int(part) for part in numeric.groups())
        if a > 31:  # yyyy/mm/dd
            year, month, day = a, b, c
        elif "." in value or formats.day_first:
            day, month, year = a, b, c
        else:
            month, day, year = a, b, c
        year += 2000 if year < 100 else 0
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return text
    cleaned = value.replace(",", " ").replace(".", " ")
    for pattern in _MONTH_NAMES:
        try:
            return dt.datetime.strptime(" ".join(cleaned.split()), pattern).date().isoformat()
        except ValueError:
            continue
    return text


def _positions(
    headers: Sequence[str], header_row: int, mapping: ColumnMapping, fields: Sequence[Field]
) -> dict[str, int]:
    """Each mapped field's column; a field given two columns, or a required one none, is
    refused naming it."""
    names = {item.name for item in fields}
    positions: dict[str, int] = {}
    problems: list[RowError] = []
    wanted = {words(header): name for header, name in mapping.columns.items()}
    for position, header in enumerate(headers):
        name = wanted.get(words(header))
        if name is None or name not in names:
            continue
        if name in positions:
            problems.append(
                RowError(header_row, header, _("a second column for %(field)s", field=name))
            )
            continue
        positions[name] = position
    problems += [
        RowError(
            header_row,
            group[0].name,
            _("no column of the file holds %(field)s, which is required", field=fields_text(group))
            if len(group) == 1
            else _(
                "no column of the file holds %(fields)s; one of them is required",
                fields=fields_text(group),
            ),
        )
        for group in missing_fields(fields, positions)
    ]
    if problems:
        raise ImportFailed(problems)
    return positions


def _is_header(cells: Sequence[str], header_words: Sequence[str]) -> bool:
    """The row repeats the header (as printed exports do on every page)."""
    return [words(key) for key in column_keys(cells)] == list(header_words)


def _lacks(cells: Sequence[str], positions: Sequence[int]) -> bool:
    """The row has no value in one of these columns."""
    return any(position >= len(cells) or not cells[position].strip() for position in positions)


def _tail_start(sheet: Sheet, header_index: int, required: Sequence[int]) -> int:
    """Where the notes below the data begin: the trailing rows of at most one value, or that
    say total and lack a required value ("Report generated 3 March", "Confidential", "Total")."""
    start = len(sheet.rows)
    while start > header_index + 1:
        cells = sheet.rows[start - 1]
        if _filled(cells) > 1 and not (_starts_as_total(cells) and _lacks(cells, required)):
            break
        start -= 1
    return start


def apply(
    sheet: Sheet,
    header_index: int,
    mapping: ColumnMapping,
    fields: Sequence[Field],
    *,
    consume: bool = False,
) -> Table:
    """The rows of ``sheet`` below its header as ``fields`` (see Table): a required field no
    column holds, two columns for one field and values beyond the header are refused naming
    the field or row. Skipped, and listed: total rows (one that says total and lacks a required
    value), the header repeated, and notes below the data; unknown columns are ignored.
    ``consume``: each row of the sheet is emptied once mapped (a large file's cells make way
    for its mapped rows; the sheet is of no further use)."""
    header_row = header_index + 1
    headers = column_keys(sheet.rows[header_index])
    header_words = [words(header) for header in headers]
    first_header = sheet.rows[header_index][0].strip() if sheet.rows[header_index] else ""
    by_name = {item.name: item for item in fields}
    positions = _positions(headers, header_row, mapping, fields)
    required = [positions[item.name] for item in fields if item.required]
    used = set(positions.values())
    ignored = [header for position, header in enumerate(headers) if position not in used]
    rows: list[tuple[int, dict[str, str]]] = []
    skipped: list[int] = []
    problems: list[RowError] = []
    # the text fields without value mappings are copied as they are (most of them, in most
    # files); the others are translated and normalised
    plain = [
        (name, position)
        for name, position in positions.items()
        if by_name[name].kind in ("text", "code") and not mapping.values.get(name)
    ]
    reading = [
        (name, position, by_name[name].kind, mapping.values.get(name, {}))
        for name, position in positions.items()
        if (name, position) not in plain
    ]
    width = max(positions.values(), default=-1) + 1
    tail = _tail_start(sheet, header_index, required)
    for index in range(header_index + 1, len(sheet.rows)):
        cells = sheet.rows[index]
        if consume:
            sheet.rows[index] = []
        number = index + 1
        if not "".join(cells).strip():
            continue
        if (
            index >= tail
            or (_lacks(cells, required) and _starts_as_total(cells))
            or (cells[0].strip() == first_header and _is_header(cells, header_words))
        ):
            skipped.append(number)
            continue
        if len(rows) == MAX_ROWS:
            raise ImportFailed([], _("The file has more than %(n)d rows; split it.", n=MAX_ROWS))
        if len(cells) > len(headers) and "".join(cells[len(headers) :]).strip():
            problems.append(
                RowError(
                    number,
                    "?",
                    _(
                        "%(n)d values for %(columns)d columns (a decimal comma, or an unquoted "
                        "delimiter in a text?)",
                        n=len(headers) + _filled(cells[len(headers) :]),
                        columns=len(headers),
                    ),
                )
            )
            continue
        if len(cells) < width:
            cells = [*cells, *[""] * (width - len(cells))]
        row = {name: cells[position].strip() for name, position in plain}
        for name, position, kind, values in reading:
            text = cells[position].strip()
            if values and text:
                text = values.get(words(text), text)
            if kind == "number" and text:
                text = normal_number(text, mapping.formats, typed=sheet.typed)
            elif kind == "date" and text:
                text = normal_date(text, mapping.formats)
            row[name] = text
        rows.append((number, row))
    if problems:
        raise ImportFailed(problems)
    if not rows:
        raise ImportFailed([], _("The file has no rows below its header."))
    return Table(
        rows=rows, mapping=mapping, ignored=ignored, skipped_rows=skipped, header_row=header_row
    )


#: a number that is a decimal in one convention and a whole number in the other: 12.450, 1,200
_AMBIGUOUS_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(?:[.,][0-9]{3})+")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})*,[0-9]+|[+-]?[0-9]+,[0-9]+")
_DECIMAL_POINT = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})*\.[0-9]+|[+-]?[0-9]+\.[0-9]+")
_SLASHED = re.compile(r"([0-9]{1,2})[/-]([0-9]{1,2})[/-][0-9]{2,4}")


@dataclass
class _Votes:
    """What a file's values say of its formats."""

    comma: int = 0
    point: int = 0
    ambiguous_number: str = ""
    month_first: int = 0
    day_first: int = 0
    ambiguous_date: str = ""


def _votes(
    sheet: Sheet, header_index: int, mapping: ColumnMapping, fields: Sequence[Field]
) -> _Votes:
    kinds = {item.name: item.kind for item in fields}
    votes = _Votes()
    for position, header in enumerate(column_keys(sheet.rows[header_index])):
        # number fields, and columns not imported (fares and costs tell the format too)
        kind = kinds.get(mapping.columns.get(header, ""), "number")
        for value in _column_values(sheet, header_index, position):
            if kind == "number" and not sheet.typed:
                if _AMBIGUOUS_NUMBER.fullmatch(value):
                    votes.ambiguous_number = votes.ambiguous_number or value
                elif _DECIMAL_COMMA.fullmatch(value):
                    votes.comma += 1
                elif _DECIMAL_POINT.fullmatch(value):
                    votes.point += 1
            elif kind == "date" and (slashed := _SLASHED.match(value)):
                first, second = int(slashed.group(1)), int(slashed.group(2))
                if second > 12:
                    votes.month_first += 1
                elif first > 12:
                    votes.day_first += 1
                else:
                    votes.ambiguous_date = votes.ambiguous_date or value
    return votes


def guess_formats(
    sheet: Sheet, header_index: int, mapping: ColumnMapping, fields: Sequence[Field]
) -> Formats:
    """The formats a file's own values show: numbers such as "12,5" or "1.234,50" (in number
    fields or columns not imported, such as fares) mean a decimal comma; a slashed date whose
    second part is over 12 means month first (day first otherwise, as most of the world writes
    it)."""
    votes = _votes(sheet, header_index, mapping, fields)
    return Formats(
        day_first=votes.month_first <= votes.day_first, decimal_comma=votes.comma > votes.point
    )


def format_doubts(
    sheet: Sheet, header_index: int, mapping: ColumnMapping, fields: Sequence[Field]
) -> dict[str, str]:
    """What the file's values leave open: numbers such as 12.450 with no decimal to tell the
    separator, slashed dates such as 03/02/2025 with no day over 12 to tell the order, or
    values that say both."""
    votes = _votes(sheet, header_index, mapping, fields)
    doubts = {}
    if (votes.comma and votes.point) or (votes.ambiguous_number and not votes.comma + votes.point):
        doubts["decimal_comma"] = _(
            "numbers such as %(value)s do not say whether the decimal separator is a point "
            "or a comma",
            value=votes.ambiguous_number or "1.234",
        )
    if (votes.month_first and votes.day_first) or (
        votes.ambiguous_date and not votes.month_first + votes.day_first
    ):
        doubts["day_first"] = _(
            "dates such as %(value)s do not say whether the day or the month comes first",
            value=votes.ambiguous_date or "03/04/2025",
        )
    return doubts
