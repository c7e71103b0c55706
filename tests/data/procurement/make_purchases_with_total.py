"""Writes ``purchases_with_total.xlsx`` beside this file: a finance system's export of invoice
lines as accountants download it (a title row and a note row above the header, typed dates and
numbers, account codes for categories, units t and kg, a "Total" row at the bottom).

Run it again after changing the rows:
``.venv/bin/python tests/data/procurement/make_purchases_with_total.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

OUT = Path(__file__).with_name("purchases_with_total.xlsx")

HEADER = (
    "Document No",
    "Posting Date",
    "G/L Account",
    "Vendor",
    "Text",
    "Net Amount",
    "Currency",
    "Qty",
    "UoM",
    "Cost Center",
    "Approved by",
)
#: one invoice line each; G/L accounts 61200 paper, 61210 recycled paper, 62400 IT equipment,
#: 61500 stationery (mapped to categories by the import profile)
ROWS = (
    (
        "5100001",
        dt.date(2024, 3, 4),
        "61200",
        "Papeterie SA",
        "A4 copy paper",
        4250.0,
        "USD",
        2.5,
        "t",
        "PRG",
        "J. Doe",
    ),
    (
        "5100002",
        dt.date(2024, 5, 17),
        "61210",
        "Papeterie SA",
        "Recycled A4",
        1800.0,
        "USD",
        850,
        "kg",
        "PRG",
        "J. Doe",
    ),
    (
        "5100003",
        dt.date(2024, 6, 3),
        "62400",
        "Acme Computers",
        "12 laptops",
        12000.0,
        "USD",
        None,
        None,
        "PRG",
        "A. Roe",
    ),
    (
        "5100004",
        dt.date(2024, 9, 30),
        "61500",
        "Office Depot",
        "Pens and folders",
        950.5,
        "USD",
        None,
        None,
        "",
        "A. Roe",
    ),
)


TITLE = "Global Environment Programme - Accounts payable, invoice lines FY2024"


def build(path: Path = OUT, *, title: str = TITLE) -> Path:
    """Write the workbook (another ``title``: the same rows in another file); its path."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = "AP lines"
    sheet.append((title,))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(("Company code 1000 · exported 15.01.2025 · amounts net of VAT",))
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
        sheet.cell(sheet.max_row, 2).number_format = "DD.MM.YYYY"
    sheet.append(("Total", None, None, None, None, sum(row[5] for row in ROWS), "USD"))
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    workbook.properties.creator = "Finance system export"
    workbook.save(path)
    return path


if __name__ == "__main__":
    print(build())
