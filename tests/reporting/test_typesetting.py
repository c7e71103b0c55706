"""The report, typeset: tonnes to one decimal (kilograms below a tonne), table cells that never
split a word or a date, columns as wide as their content, a draft that says it is not issued,
and a trend line that leaves years without data as gaps."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from flask import current_app
from pypdf import PdfReader
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.platypus import Paragraph

from ems.reporting import pdf, services
from tests.inventory.test_inventory import organisation  # noqa: F401 (the fixture)
from tests.reporting.test_report import year_2025  # noqa: F401 (the fixture)

#: a figure printed with three decimals, as tonnes were before: "1,234.568"
THREE_DECIMALS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})*\.\d{3}(?![\d.])")


def _renderer(data: dict[str, Any] | None = None) -> Any:
    assets = pdf.load_assets(current_app.config["REPORT_ASSETS_DIR"])
    return pdf._Renderer(data or {}, assets, None)


def _paragraph(cell: object) -> Paragraph | None:
    """A table cell's paragraph (reportlab keeps a cell's flowables in a tuple), if any."""
    if isinstance(cell, tuple | list):
        cell = cell[0] if len(cell) == 1 else None
    return cell if isinstance(cell, Paragraph) else None


def _line_words(paragraph: Paragraph) -> list[list[str]]:
    """The words of each line a paragraph was set in (after its table was wrapped)."""
    lines = []
    for line in paragraph.blPara.lines:
        if isinstance(line, tuple):  # a plain paragraph: (space left, words)
            lines.append(list(line[1]))
        else:  # a paragraph with markup: fragments
            lines.append("".join(f.text for f in line.words).split(" "))
    return [[w for w in words if w] for words in lines]


def test_figures_are_tonnes_to_one_decimal_or_kilograms_below_a_tonne():
    assert pdf.figure(2_299_804_552) == "2,299.8"
    assert pdf.figure(999_999) == "1,000\u00a0kg"
    assert pdf.figure(812_000) == "812\u00a0kg"
    assert pdf.figure(400) == "0.4\u00a0kg"
    assert pdf.figure(30) == "0.0"  # too small to show: no "0.0 kg"
    assert pdf.figure(1_000_000) == "1.0"
    assert pdf.signed_figure(481_000 * -1) == "−481\u00a0kg"
    assert pdf.signed_figure(235_557_000) == "+235.6"
    assert pdf.with_unit(2_299_804_552) == "2,299.8\u00a0t"
    assert pdf.with_unit(792_000) == "792\u00a0kg"
    assert pdf.number(19_487_924.4) == "19,487,924"
    assert pdf._share(792_000, 2_513_516_000) == "< 0.1\u00a0%"
    assert pdf._share(1, 2) == "50.0\u00a0%"


def test_a_cell_wraps_at_spaces_only_never_inside_a_word_or_a_date(app):
    renderer = _renderer()
    words = "Intergovernmental Panel on Climate Change (via globalwarmingpotentials)"
    rows = [
        ["ipcc-gwp-ar5 — Global warming potentials, 100-year horizon", words, "2026-12-07", "2"],
        ["ember-grid-2024 — Yearly electricity data", "Ember (co2.js-2025-08)", "2025-03-31", "48"],
    ]
    header = ["Factor set", "Publisher of the factors", "Due", "Lines"]
    table = renderer.table(header, rows, numeric_from=3, width=120)
    table.wrap(renderer.width, renderer.height)
    checked = 0
    for r, row in enumerate(table._cellvalues):
        for c, value in enumerate(row):
            cell = _paragraph(value)
            if cell is None:
                continue
            original = (header, *rows)[r][c]
            whole = set(original.replace("\u00a0", " ").split(" "))
            lines = _line_words(cell)
            for line in lines:
                assert set(line) <= whole, (original, lines)  # no part of a word on a line
            checked += 1
    assert checked == 4 + 2 * 3  # the header, and the text of each row
    # the columns took the width their words need: the dates on one line, within 120 mm
    assert sum(table._argW) == pytest.approx(120 * pdf.mm)
    for row in table._cellvalues[1:]:
        assert len(_line_words(_paragraph(row[2]))) == 1


def test_headers_wrap_at_spaces_and_keep_their_unit(app):
    renderer = _renderer()
    table = renderer.table(
        ["Site", "Scope 2 market (t)", "Scope 2 location (t)"],
        [["Geneva headquarters", "146.1", "206.0"]],
        width=70,
    )
    table.wrap(renderer.width, renderer.height)
    for cell in table._cellvalues[0][1:]:
        for line in _line_words(_paragraph(cell)):
            assert line != ["(t)"]  # the unit stays with the word before it


def test_the_trend_leaves_years_without_data_as_gaps(app):
    renderer = _renderer()
    points = [(2010, 2900.1), (2018, 2600.1), (2019, 2699.4), (2020, 1251.1), (2022, 1969.0)]
    assert renderer._runs(points) == [
        [(2010, 2900.1)],
        [(2018, 2600.1), (2019, 2699.4), (2020, 1251.1)],
        [(2022, 1969.0)],
    ]
    assert renderer._missing([2010, 2018, 2019, 2020, 2022]) == "2011–2017, 2021"
    trajectory = [(year, 2900.1 - (year - 2010) * 65) for year in range(2010, 2031)]
    drawing = renderer._trend_chart(
        points, trajectory, {"target_year": 2030, "target_g": 1_595_053_000}
    )
    (plot,) = [shape for shape in drawing.contents if isinstance(shape, LinePlot)]
    actual = [series for series in plot.data if series is not trajectory and len(series) > 0]
    for series in actual[:-1]:  # every run of actual figures, the target's marker aside
        years = [year for year, _ in series]
        assert years == list(range(years[0], years[-1] + 1)), years  # no line across a gap


def test_a_draft_says_it_is_not_issued_and_an_issue_says_when(year_2025):  # noqa: F811
    draft = PdfReader(io.BytesIO(services.draft_pdf(2025)))
    cover = draft.pages[0].extract_text()
    assert "Draft — not issued" in cover
    assert "Issued on" not in cover
    assert all("Issued on" not in page.extract_text() for page in draft.pages)
    assert "Draft — not issued · figures as of" in draft.pages[2].extract_text()
    issued = PdfReader(io.BytesIO(services.issue_report(actor=None, year=2025).pdf))
    today = dt.date.today()
    # the date as UN English writes it: "Issued on 8 December 2026"
    assert f"Issued on {today.day} {today:%B %Y}" in issued.pages[0].extract_text()
    assert "not issued" not in " ".join(page.extract_text() for page in issued.pages)


def test_a_report_prints_no_figure_with_three_decimals(year_2025):  # noqa: F811
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(services.draft_pdf(2025))).pages
    )
    assert not THREE_DECIMALS.findall(text)
    assert re.search(r"\d,\d{3}\.\d\b|\b\d+\.\d\b", text)  # one decimal
