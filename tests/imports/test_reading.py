"""Files as they come: encodings, delimiters, workbooks, title and total rows, formats, and the
proposal of a mapping for a layout ems has not seen."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from ems.imports.mapping import (
    ColumnMapping,
    Field,
    Formats,
    apply,
    guess_formats,
    normal_date,
    normal_number,
    propose,
)
from ems.tables import ImportFailed, read_sheet

FIELDS = (
    Field("reference", "Reference", required=True, synonyms=("pnr", "booking ref")),
    Field("traveller", "Traveller", required=True, synonyms=("passenger", "voyageur")),
    Field("day", "Date", required=True, synonyms=("date", "travel date"), kind="date"),
    Field("amount", "Amount", synonyms=("fare", "montant"), kind="number"),
    Field(
        "code",
        "Code",
        synonyms=("airport",),
        looks_like=lambda value: len(value) == 3 and value.isupper(),
    ),
)

ROWS = [
    ["Agency X — monthly travel report, March 2025"],
    [],
    ["PNR", "Voyageur", "Date", "Fare", "Station", "Airline"],
    ["AB12", "Jürg Müller", "03.04.2025", "1.234,50", "GVA", "LX"],
    ["AB13", "Zoé Genève", "13/04/2025", "99,00", "ZRH", "LX"],
    ["Total", "", "", "1.333,50", "", ""],
]


def _csv(rows: list[list[str]], delimiter: str) -> str:
    return "\n".join(delimiter.join(row) for row in rows) + "\n"


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ";"),
        ("cp1252", ";"),
        ("latin-1", "\t"),
        ("utf-16", "|"),
    ],
)
def test_text_files_are_read_in_their_encoding_and_delimiter(encoding: str, delimiter: str) -> None:
    rows = [[cell.replace(",", " ").replace("—", "-") for cell in row] for row in ROWS]
    sheet = read_sheet(_csv(rows, delimiter).encode(encoding), "export.csv")
    assert sheet.rows[2] == rows[2]
    assert sheet.rows[3][1] == "Jürg Müller"
    assert sheet.rows[4][1] == "Zoé Genève"


def test_the_header_is_found_below_title_rows_and_totals_are_skipped() -> None:
    sheet = read_sheet(_csv(ROWS, ";").encode("cp1252"), "export.csv")
    proposal = propose(sheet, FIELDS)
    assert proposal.header_index == 2
    assert proposal.mapping.columns == {
        "PNR": "reference",
        "Voyageur": "traveller",
        "Date": "day",
        "Fare": "amount",
        "Station": "code",
    }
    assert proposal.matched_by["Station"] == "pattern"
    assert proposal.certain
    proposal.mapping.formats = guess_formats(sheet, 2, proposal.mapping, FIELDS)
    assert proposal.mapping.formats == Formats(day_first=True, decimal_comma=True)
    table = apply(sheet, 2, proposal.mapping, FIELDS)
    assert [number for number, _row in table.rows] == [4, 5]
    assert table.rows[0][1] == {
        "reference": "AB12",
        "traveller": "Jürg Müller",
        "day": "2025-04-03",
        "amount": "1234.50",
        "code": "GVA",
    }
    assert table.rows[1][1]["day"] == "2025-04-13"
    assert table.ignored == ["Airline"]
    assert table.skipped_rows == [6]


def test_a_consumed_sheet_gives_the_same_rows_and_is_emptied_as_they_are_mapped() -> None:
    sheet = read_sheet(_csv(ROWS, ";").encode("cp1252"), "export.csv")
    mapping = propose(sheet, FIELDS).mapping
    mapping.formats = guess_formats(sheet, 2, mapping, FIELDS)
    kept = apply(sheet, 2, mapping, FIELDS)
    consumed = apply(sheet, 2, mapping, FIELDS, consume=True)
    assert consumed.rows == kept.rows
    assert consumed.skipped_rows == kept.skipped_rows
    assert sheet.rows[3:] == [[], [], []]  # the cells below the header are freed
    assert sheet.rows[2][0] == "PNR"  # the header is left as it was


def test_repeated_cells_of_a_text_file_are_kept_once() -> None:
    sheet = read_sheet(b"Ref,Airport\nA1,GVA\nA2,GVA\nA3,GVA\n", "export.csv")
    assert sheet.rows[1][1] is sheet.rows[2][1] is sheet.rows[3][1]


def test_a_workbook_with_a_title_and_a_total_row() -> None:
    workbook = Workbook()
    sheet = workbook.active
    for row in (["Purchases FY2025"], ["Booking ref", "Passenger", "Travel date", "Fare"]):
        sheet.append(row)
    import datetime as dt

    sheet.append(["X1", "Ana", dt.datetime(2025, 3, 4), 1234.5])
    sheet.append(["X2", "Bo", dt.datetime(2025, 3, 5), 10])
    sheet.append(["Grand total", None, None, 1244.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = read_sheet(buffer.getvalue(), "purchases.xlsx")
    proposal = propose(read, FIELDS)
    table = apply(read, proposal.header_index, proposal.mapping, FIELDS)
    assert [row for _n, row in table.rows] == [
        {"reference": "X1", "traveller": "Ana", "day": "2025-03-04", "amount": "1234.5"},
        {"reference": "X2", "traveller": "Bo", "day": "2025-03-05", "amount": "10"},
    ]
    assert table.skipped_rows == [5]


def test_an_uncertain_layout_says_what_is_missing_and_in_doubt() -> None:
    sheet = read_sheet(b"Ref,Passengr,When\nA,B,2025-01-01\n", "x.csv")
    proposal = propose(sheet, FIELDS)
    assert not proposal.certain
    assert proposal.matched_by.get("Passengr") == "close"  # a typing slip, proposed but asked
    assert "reference" in proposal.missing
    assert "day" in proposal.missing


def test_a_required_field_without_a_column_is_refused_by_name() -> None:
    sheet = read_sheet(b"PNR,Passenger\nA,B\n", "x.csv")
    with pytest.raises(ImportFailed) as caught:
        apply(sheet, 0, ColumnMapping({"PNR": "reference", "Passenger": "traveller"}), FIELDS)
    assert [(error.row, error.field) for error in caught.value.row_errors] == [(1, "day")]


def test_value_mappings_translate_before_the_feature_reads() -> None:
    sheet = read_sheet(b"PNR,Passenger,Date,Airport\nA,B,2025-01-01,Gen\xc3\xa8ve\n", "x.csv")
    mapping = ColumnMapping(
        {"PNR": "reference", "Passenger": "traveller", "Date": "day", "Airport": "code"},
        values={"code": {"genève": "GVA"}},
    )
    (row,) = apply(sheet, 0, mapping, FIELDS).rows
    assert row[1]["code"] == "GVA"


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("1,234.5", False, "1234.5"),
        ("1 234.5", False, "1234.5"),
        ("1.234,5", True, "1234.5"),
        ("1 234,5", True, "1234.5"),
        ("12,5", True, "12.5"),
        ("1'234.5", False, "1234.5"),
        ("12", True, "12"),
        ("twelve", False, "twelve"),
    ],
)
def test_numbers_in_the_file_s_format(text: str, decimal_comma: bool, expected: str) -> None:
    assert normal_number(text, Formats(decimal_comma=decimal_comma)) == expected


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2025-03-04", True, "2025-03-04"),
        ("2025-03-04 10:30", True, "2025-03-04"),
        ("04.03.2025", False, "2025-03-04"),
        ("04/03/2025", True, "2025-03-04"),
        ("03/04/2025", False, "2025-03-04"),
        ("4-Mar-2025", True, "2025-03-04"),
        ("Mar 4, 2025", True, "2025-03-04"),
        ("45720", True, "2025-03-04"),
        ("31/02/2025", True, "31/02/2025"),
    ],
)
def test_dates_in_the_common_formats(text: str, day_first: bool, expected: str) -> None:
    assert normal_date(text, Formats(day_first=day_first)) == expected


def test_a_month_first_file_is_recognised_by_its_dates() -> None:
    sheet = read_sheet(b"PNR,Passenger,Date\nA,B,03/14/2025\nC,D,04/01/2025\n", "x.csv")
    proposal = propose(sheet, FIELDS)
    formats = guess_formats(sheet, 0, proposal.mapping, FIELDS)
    assert not formats.day_first
    rows = apply(sheet, 0, ColumnMapping(proposal.mapping.columns, formats=formats), FIELDS).rows
    assert [row["day"] for _n, row in rows] == ["2025-03-14", "2025-04-01"]


def _ods(rows: list[list[str]]) -> bytes:
    """A minimal OpenDocument spreadsheet, as LibreOffice writes one, holding ``rows``."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(value: str) -> str:
        if value.replace(".", "", 1).isdigit():
            return f'<table:table-cell office:value-type="float" office:value="{value}"/>'
        text = f"<text:p>{escape(value)}</text:p>"
        return f'<table:table-cell office:value-type="string">{text}</table:table-cell>'

    body = "".join(
        "<table:table-row>" + "".join(cell(value) for value in row) + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return buffer.getvalue()


def test_an_ods_workbook_is_read_like_any_other() -> None:
    data = _ods(
        [["Travel 2025"], ["PNR", "Passenger", "Date", "Fare"], ["Z9", "Ana", "2025-03-04", "12.5"]]
    )
    sheet = read_sheet(data, "travel.ods")
    assert sheet.format == "ods"
    proposal = propose(sheet, FIELDS)
    (row,) = apply(sheet, proposal.header_index, proposal.mapping, FIELDS).rows
    assert row == (
        3,
        {"reference": "Z9", "traveller": "Ana", "day": "2025-03-04", "amount": "12.5"},
    )


def test_a_workbook_that_is_not_one_is_refused() -> None:
    with pytest.raises(ImportFailed, match="not an ODS workbook"):
        read_sheet(b"PK\x03\x04" + b"\x00" * 40, "broken.ods")


def test_numbers_that_do_not_say_their_separator_are_asked_about() -> None:
    german = "PNR;Passenger;Date;Fare\nA;B;01.01.2024;12.450\nC;D;02.01.2024;1.200\n"
    proposal = propose(read_sheet(german.encode(), "x.csv"), FIELDS)
    assert not proposal.certain
    assert proposal.doubts == [
        "numbers such as 12.450 do not say whether the decimal separator is a point or a comma"
    ]
    mixed = german.replace("1.200", "11.300,5")  # the comma decides: 12.450 is twelve thousand
    sheet = read_sheet(mixed.encode(), "x.csv")
    proposal = propose(sheet, FIELDS)
    assert proposal.certain
    assert proposal.mapping.formats.decimal_comma
    rows = apply(sheet, 0, proposal.mapping, FIELDS).rows
    assert [row["amount"] for _n, row in rows] == ["12450", "11300.5"]


def test_slashed_dates_that_do_not_say_their_order_are_asked_about() -> None:
    us = "PNR,Passenger,Date\nA,B,03/02/2024\nC,D,03/05/2024\n"
    proposal = propose(read_sheet(us.encode(), "x.csv"), FIELDS)
    assert proposal.doubts == [
        "dates such as 03/02/2024 do not say whether the day or the month comes first"
    ]
    told = us + "E,F,03/14/2024\n"  # the 14th can only be a day: month first
    proposal = propose(read_sheet(told.encode(), "x.csv"), FIELDS)
    assert proposal.certain
    assert not proposal.mapping.formats.day_first
    # a date of the other order in a month-first file is left as it is, for the row to say so
    assert normal_date("14/01/2024", Formats(day_first=False)) == "14/01/2024"


def test_totals_notes_and_repeated_headers_are_skipped_but_not_names_that_say_total() -> None:
    text = (
        "PNR,Passenger,Date,Fare\n"
        "A1,Total Gas & Power Ltd,2024-01-01,10\n"  # a supplier, not a total
        "Subtotal,,,10\n"
        "PNR,Passenger,Date,Fare\n"  # the header again, as printed exports repeat it
        "A2,TOTAL Energies Marketing,2024-01-02,5\n"
        "Grand total,,,15\n"
        "\n"
        "Report generated 2024-02-01 by FinanceSystem\n"
        "Confidential\n"
    )
    sheet = read_sheet(text.encode(), "x.csv")
    proposal = propose(sheet, FIELDS)
    table = apply(sheet, 0, proposal.mapping, FIELDS)
    assert [row["traveller"] for _n, row in table.rows] == [
        "Total Gas & Power Ltd",
        "TOTAL Energies Marketing",
    ]
    assert table.skipped_rows == [3, 4, 6, 8, 9]


def test_columns_without_a_header_or_with_the_same_header_can_be_mapped() -> None:
    text = "PNR,Passenger,,Date,Date\nA,B,2024-01-01,2024-01-02,2024-01-03\n"
    sheet = read_sheet(text.encode(), "x.csv")
    proposal = propose(sheet, FIELDS)
    assert proposal.headers == ["PNR", "Passenger", "[column 3]", "Date", "Date (2)"]
    mapping = ColumnMapping({"PNR": "reference", "Passenger": "traveller", "[column 3]": "day"})
    (row,) = apply(sheet, 0, mapping, FIELDS).rows
    assert row[1]["day"] == "2024-01-01"
    assert (
        apply(
            sheet,
            0,
            ColumnMapping({**mapping.columns, "[column 3]": "", "Date (2)": "day"}),
            FIELDS,
        ).rows[0][1]["day"]
        == "2024-01-03"
    )


def test_headers_with_line_breaks_are_read_as_one_line() -> None:
    sheet = read_sheet(b'"Booking\nref",Passenger,"Travel\r\ndate"\nA,B,2024-01-01\n', "x.csv")
    proposal = propose(sheet, FIELDS)
    assert proposal.headers == ["Booking ref", "Passenger", "Travel date"]
    assert proposal.certain


def test_a_file_without_a_header_in_its_first_rows_says_so() -> None:
    text = "Report\n" * 25 + "PNR,Passenger,Date\nA,B,2024-01-01\n"
    with pytest.raises(ImportFailed) as caught:
        propose(read_sheet(text.encode(), "x.csv"), FIELDS)
    assert "No header row" in caught.value.errors["file"]


def test_a_unit_in_brackets_does_not_hide_a_header() -> None:
    sheet = read_sheet(b"PNR,Passenger,Date (local),Fare [EUR]\nA,B,2024-01-01,12.5\n", "x.csv")
    assert propose(sheet, FIELDS).mapping.columns == {
        "PNR": "reference",
        "Passenger": "traveller",
        "Date (local)": "day",
        "Fare [EUR]": "amount",
    }


def test_a_layout_is_recognised_by_all_its_columns_repeats_included() -> None:
    from ems.imports.mapping import find_layout

    sheet = read_sheet(b"Title\nRef,Date,Date,Date (2)\nA,1,2,3\n", "x.csv")
    assert find_layout(sheet, ["Ref", "Date", "Date (2)"]) is None
    assert find_layout(sheet, ["Ref", "Date", "Date (2)", "Date (2) (2)"]) == 1
