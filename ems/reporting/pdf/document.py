"""The annual report rendered as PDF (reportlab Platypus), from its snapshot alone.

Rendering reads nothing from the database: the same snapshot, logo and assets (reports/) give
the same bytes (``invariant`` output: fixed creation date and document id).
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from flask import current_app
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from ems import formatting
from ems import labels as code_labels
from ems.units import GRAMS_PER_TONNE

FONT = "EmsSans"
FONT_BOLD = "EmsSans-Bold"


@dataclass(frozen=True)
class Assets:
    """What the report is built with, from the assets folder (reports/)."""

    styles: dict[str, Any]
    texts: dict[str, Any]
    default_logo_png: bytes


@functools.cache
def load_assets(directory: str) -> Assets:
    """Read the styles, texts and default logo, and register the fonts (once per folder)."""
    folder = Path(directory)
    styles = tomllib.loads((folder / "styles.toml").read_text(encoding="utf-8"))
    texts = tomllib.loads((folder / "texts" / "en.toml").read_text(encoding="utf-8"))
    fonts = styles["fonts"]
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "fonts" / fonts["regular"])))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "fonts" / fonts["bold"])))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )
    return Assets(styles=styles, texts=texts, default_logo_png=(folder / "logo.png").read_bytes())


# --- figures as text --------------------------------------------------------------------------

#: the report's language (its fixed texts are reports/texts/en.toml): numbers are formatted by
#: Babel in it, never in the reader's locale, so that the same snapshot gives the same bytes
LOCALE = "en"
MINUS = "−"  # a typographic minus, not a hyphen


def _one_line(text: str) -> str:
    """A text of the assets on one line: runs of spaces and line ends as one space (a no-break
    space stays)."""
    return " ".join(part for part in re.split(r"[ \t\r\n]+", text) if part)


def _typeset(text: str) -> str:
    return text.replace("-", MINUS)


def tonnes(grams: int | None, places: int = 1) -> str:
    """Grams as tonnes with thousands separators, rounded half up: 1234567890 → "1,234.6"."""
    if grams is None:
        return "–"
    return _typeset(formatting.tonnes(grams, places, locale=LOCALE))


def figure(grams: int | None, *, sign: bool = False) -> str:
    """A figure of a table in tonnes: one decimal ("1,234.6"), or kilograms with their unit
    where it is below one tonne ("420 kg", "0.4 kg"); zero is "0.0"."""
    if grams is None:
        return "–"
    if abs(grams) < 50 or abs(grams) >= GRAMS_PER_TONNE:  # 0.0 kg reads "0.0"
        return _typeset(formatting.tonnes(grams, 1, locale=LOCALE, sign=sign))
    return _typeset(formatting.co2e(grams, locale=LOCALE, sign=sign))


def signed_figure(grams: int) -> str:
    """A change in tonnes with its sign: "+12.5", "−3.0", "−420 kg", "0.0"."""
    return figure(grams, sign=True)


def with_unit(grams: int | None) -> str:
    """A figure in a sentence, with its unit: "1,234.6 t", "420 kg"."""
    if grams is None:
        return "–"
    return _typeset(formatting.co2e(grams, locale=LOCALE))


def number(value: object, places: int = 0) -> str:
    """A count or a quantity with thousands separators: 19487924 → "19,487,924"."""
    return _typeset(formatting.number(value, places, locale=LOCALE))


def percent(value: float | None, places: int = 1) -> str:
    """A share or change in percent; "–" when unknown."""
    return "–" if value is None else _typeset(formatting.percent(value, places, locale=LOCALE))


def _share(part: int, whole: int) -> str:
    """``part`` as a share of ``whole``; a share that rounds to nothing reads "< 0.1 %"."""
    if not whole:
        return "–"
    share = part * 100 / whole
    return f"< {percent(0.1)}" if 0 < share < 0.05 else percent(share)


# --- the document -----------------------------------------------------------------------------


class _Heading(Paragraph):
    """A section heading: listed in the contents and the PDF outline."""

    def __init__(self, text: str, style: ParagraphStyle, level: int, key: str) -> None:
        super().__init__(escape(text), style)
        self.level, self.key, self.title = level, key, text


class _ReportDoc(BaseDocTemplate):
    """Page templates, contents entries, outline, and the page count of the previous pass."""

    pages_counted: int | None = None

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's hook)
        """Add headings to the contents and the outline."""
        if isinstance(flowable, _Heading):
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(flowable.title, flowable.key, level=flowable.level)
            entry = (flowable.level, escape(flowable.title), self.page, flowable.key)
            self.notify("TOCEntry", entry)  # the contents parse their entries as markup

    def build(self, flowables: list[Flowable], **kwargs: Any) -> None:  # type: ignore[override]
        """One layout pass; the next pass knows the page count ("Page 3 of 12")."""
        super().build(flowables, **kwargs)
        self.pages_counted = self.page


#: a table is set at most this wide (the frame's width); its columns take the width their
#: content needs, text columns wrapping at spaces only
CELL_PADDING = 5
#: a table of up to this many rows is kept on one page with what precedes it
KEEP_TOGETHER_ROWS = 14


class _WholeTable(Table):
    """A short table: moved whole to the next page rather than split (and, unlike a
    KeepTogether, still kept with the heading before it); split only if even a whole page
    cannot hold it."""

    page_height: float = 0

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        """Nothing here while a page can hold it whole."""
        if getattr(self, "_height", 0) <= self.page_height:  # set by wrap(), before split()
            return []
        return list(super().split(availWidth, availHeight))


@dataclass(frozen=True)
class _Cell:
    """A table cell's text and how it is set: wrapping text, or a figure on one line."""

    text: str
    wraps: bool
    bold: bool = False
    indent: float = 0


class _Renderer:
    """Builds the story of one report from its snapshot."""

    def __init__(self, data: dict[str, Any], assets: Assets, logo_png: bytes | None) -> None:
        self.data, self.assets, self.logo_png = data, assets, logo_png or assets.default_logo_png
        self.t: dict[str, Any] = assets.texts
        self.labels: dict[str, str] = assets.texts["labels"]
        # the labels of the codes, as issued (older snapshots: today's labels)
        self.code_labels: dict[str, dict[str, str]] = (
            data.get("labels") or code_labels.snapshot_labels()
        )
        style = assets.styles
        self.colour = {
            k: colors.HexColor(v) for k, v in style["colours"].items() if isinstance(v, str)
        }
        self.series_colours = [colors.HexColor(c) for c in style["colours"]["series"]]
        size = style["fonts"]["body_size"]
        small = style["fonts"]["small_size"]
        self.body = ParagraphStyle(
            "Body", fontName=FONT, fontSize=size, leading=size * 1.35, spaceAfter=5
        )
        self.small = ParagraphStyle("Small", parent=self.body, fontSize=small, leading=small * 1.3)
        self.note = ParagraphStyle(
            "Note", parent=self.small, textColor=self.colour["muted"], spaceBefore=2
        )
        # cells wrap at spaces only: a word, a date or a code is never split
        self.cell = ParagraphStyle("Cell", parent=self.small, spaceAfter=0, splitLongWords=0)
        self.cell_bold = ParagraphStyle(
            "CellBold", parent=self.cell, fontName=FONT_BOLD, textColor=self.colour["header_text"]
        )
        self.cell_bold_right = ParagraphStyle("CellBoldRight", parent=self.cell_bold, alignment=2)
        self.bullet = ParagraphStyle("Bullet", parent=self.body, leftIndent=12, bulletIndent=2)
        h1, h2 = style["fonts"]["heading1_size"], style["fonts"]["heading2_size"]
        self.h1 = ParagraphStyle(
            "H1",
            fontName=FONT_BOLD,
            fontSize=h1,
            leading=h1 * 1.25,
            textColor=self.colour["primary"],
            spaceBefore=16,
            spaceAfter=8,
            keepWithNext=True,
        )
        self.h2 = ParagraphStyle(
            "H2",
            fontName=FONT_BOLD,
            fontSize=h2,
            leading=h2 * 1.3,
            textColor=self.colour["primary"],
            spaceBefore=12,
            spaceAfter=5,
            keepWithNext=True,
        )
        title = style["fonts"]["title_size"]
        self.title = ParagraphStyle(
            "Title",
            fontName=FONT_BOLD,
            fontSize=title,
            leading=title * 1.2,
            textColor=self.colour["primary"],
            spaceAfter=10,
        )
        self.subtitle = ParagraphStyle(
            "Subtitle", parent=self.body, fontSize=14, leading=18, spaceAfter=6
        )
        self.sections = 0
        page = style["page"]
        self.width = A4[0] - (page["margin_left_mm"] + page["margin_right_mm"]) * mm
        self.height = A4[1] - (page["margin_top_mm"] + page["margin_bottom_mm"]) * mm

    # --- helpers --------------------------------------------------------------------------

    def text(self, key: str, **values: Any) -> str:
        """A fixed text of the report, placeholders filled."""
        section, _, name = key.rpartition(".")
        table = self.t[section] if section else self.t
        return _one_line(str(table[name])).format(**values)

    def label(self, kind: str, code: object) -> str:
        """The label of a code, as the snapshot holds it (a code it lacks, made readable)."""
        text = "" if code is None else str(code)
        found = self.code_labels.get(kind, {}).get(text)
        return found if found is not None else code_labels.humanise(text)

    def source(self, key: str) -> str:
        return self.label("source", key)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(text), style or self.body)

    def heading(self, key: str, level: int = 0) -> Flowable:
        self.sections += 1
        text = self.t["headings"].get(key, key)
        return _Heading(text, self.h1 if level == 0 else self.h2, level, f"section-{self.sections}")

    def sub(self, key: str) -> Flowable:
        """A sub-heading, by its key among the report's sub-headings."""
        self.sections += 1
        text = self.t["subheadings"][key]
        return _Heading(text, self.h2, 1, f"section-{self.sections}")

    def _column_widths(
        self, cells: list[list[_Cell]], header: Sequence[str], width: float
    ) -> tuple[list[float], bool]:
        """Column widths from the content, as a browser sets a table: each column at least as
        wide as its longest word (a figure: its whole text); where everything fits on one line,
        the text columns share the rest; else the headers wrap first (at spaces), then the text
        cells, the room shared in proportion to what each column needs; ``width`` in all. And
        whether every column is as wide as its longest word (else words must break)."""
        size = self.cell.fontSize
        pad = 2 * CELL_PADDING

        def text_width(text: str, bold: bool) -> float:
            return pdfmetrics.stringWidth(text, FONT_BOLD if bold else FONT, size)

        # words are split at spaces only: a no-break space holds "Electricity (kWh)" together
        lowest = [max(text_width(w, True) for w in h.split(" ")) + pad for h in header]
        body = [0.0] * len(header)
        for row in cells:
            for index, cell in enumerate(row):
                whole = text_width(cell.text, cell.bold) + cell.indent + pad
                words = cell.text.split(" ") if cell.wraps else [cell.text]
                word = max((text_width(w, cell.bold) for w in words), default=0)
                lowest[index] = max(lowest[index], word + cell.indent + pad)
                body[index] = max(body[index], whole)
        body = [max(b, low) for b, low in zip(body, lowest, strict=True)]
        widest = [max(b, text_width(h, True) + pad) for b, h in zip(body, header, strict=True)]
        texts = [i for i, c in enumerate(cells[0] if cells else []) if c.wraps] or [0]

        def share(base: list[float], room: float, weights: list[float]) -> list[float]:
            total = sum(weights)
            if total <= 0:
                return base
            return [b + room * w / total for b, w in zip(base, weights, strict=True)]

        if sum(widest) <= width:  # every cell and header on one line
            weights = [widest[i] if i in texts else 0.0 for i in range(len(widest))]
            return share(widest, width - sum(widest), weights), True
        if sum(body) <= width:  # the cells on one line; as many headers as can be on one line
            widths, room = list(body), width - sum(body)
            for index in sorted(range(len(body)), key=lambda i: widest[i] - body[i]):
                need = widest[index] - body[index]
                if 0 < need <= room:
                    widths[index], room = widest[index], room - need
            weights = [w - b for w, b in zip(widest, widths, strict=True)]
            return share(widths, room, weights), True
        room = width - sum(lowest)
        if room < 0:  # only by breaking words (the caller lets them break): as they need
            return [low * width / sum(lowest) for low in lowest], False
        # short cells ("In progress", an owner's name) on one line first, the longest needs
        # (a description) sharing what is left
        widths = list(lowest)
        for index in sorted(range(len(body)), key=lambda i: body[i] - lowest[i]):
            need = body[index] - lowest[index]
            if 0 < need <= room and body[index] <= width / 6:
                widths[index], room = body[index], room - need
        weights = [b - w for b, w in zip(body, widths, strict=True)]
        return share(widths, room, weights), True

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        numeric_from: int = 1,
        total_last: bool = False,
        width: float | None = None,
        indented: frozenset[int] = frozenset(),
        rules_above: frozenset[int] = frozenset(),
    ) -> Flowable:
        """A table with a coloured header row: text from column 0 to ``numeric_from`` (wrapping
        at spaces), figures right-aligned after it; columns as wide as their content needs, the
        whole ``width`` (mm; default: the frame's) at most. ``indented``: rows (0-based) whose
        first cell is indented, as a part of the row above; ``rules_above``: rows (0-based) that
        start a group, ruled above. A short table is never split: it moves whole to the next
        page, with the heading before it."""
        total_row = len(rows) - 1 if total_last else -1
        header = [h.replace(" (", "\u00a0(") for h in header]  # "(t)" never alone on a line
        cells = [
            [
                _Cell(
                    str(value),
                    wraps=i < numeric_from,
                    bold=r == total_row,
                    indent=10 if i == 0 and r in indented else 0,
                )
                for i, value in enumerate(row)
            ]
            for r, row in enumerate(rows)
        ]
        widths, words_fit = self._column_widths(
            cells, header, (width * mm) if width else self.width
        )
        # only where the longest words cannot fit side by side may a word break (last resort)
        cell = self.cell if words_fit else ParagraphStyle("CellSplit", self.cell, splitLongWords=1)
        total = ParagraphStyle("CellTotalRow", cell, fontName=FONT_BOLD)
        indent = ParagraphStyle("CellIndent", parent=cell, leftIndent=10)
        body: list[list[Paragraph | str]] = [
            [
                Paragraph(escape(h), self.cell_bold if i < numeric_from else self.cell_bold_right)
                for i, h in enumerate(header)
            ]
        ]
        for r, row in enumerate(cells):
            style = total if r == total_row else cell
            body.append(
                [
                    Paragraph(escape(c.text), indent if c.indent else style) if c.wraps else c.text
                    for c in row
                ]
            )
        kind = _WholeTable if len(rows) <= KEEP_TOGETHER_ROWS else Table
        table = kind(  # rows split across pages: a long action description never overflows one
            body, colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=1
        )
        if isinstance(table, _WholeTable):
            table.page_height = self.height
        commands: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, 0), self.colour["primary"]),
            ("FONT", (0, 1), (-1, -1), FONT, self.cell.fontSize),
            ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, self.colour["grid"]),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        for index in range(2, len(body), 2):
            commands.append(("BACKGROUND", (0, index), (-1, index), self.colour["zebra"]))
        if total_last and len(body) > 1:
            commands += [
                ("FONT", (0, -1), (-1, -1), FONT_BOLD, self.cell.fontSize),
                ("LINEABOVE", (0, -1), (-1, -1), 0.75, self.colour["primary"]),
            ]
        for index in rules_above:
            commands.append(
                ("LINEABOVE", (0, index + 1), (-1, index + 1), 0.6, self.colour["muted"])
            )
        table.setStyle(TableStyle(commands))
        return table

    # --- sections -------------------------------------------------------------------------

    def cover(self) -> list[Flowable]:
        d = self.data
        logo = ImageReader(io.BytesIO(self.logo_png))
        width, height = logo.getSize()
        side = 40 * mm
        scale = min(side / width, side / height)
        story: list[Flowable] = [
            Image(
                io.BytesIO(self.logo_png), width=width * scale, height=height * scale, hAlign="LEFT"
            ),
            Spacer(1, 25 * mm),
            Paragraph(escape(self.text("title")), self.title),
            self.p(self.text("subtitle", year=d["year"]), self.subtitle),
            self.p(d["organisation"], self.subtitle),
            Spacer(1, 12 * mm),
            self.p(self.text("identifier", identifier=d["identifier"])),
        ]
        if d["draft"]:  # a draft is not issued: its cover says so, in the draft's colour
            colour = self.assets.styles["colours"]["draft"]
            story += [
                Paragraph(
                    f'<font color="{colour}"><b>{escape(self.text("draft_status"))}</b></font>',
                    self.body,
                ),
                Paragraph(
                    f'<font color="{colour}">'
                    f"{escape(self.text('draft_notice', date=d['issued_on']))}</font>",
                    self.body,
                ),
            ]
        else:
            story.append(self.p(self.text("issued_on", date=d["issued_on"])))
        story += [
            Spacer(1, 8 * mm),
            self.p(self.text("prepared_with"), self.small),
            self.p(self.text("unit_note"), self.small),
        ]
        toc = TableOfContents()
        toc.levelStyles = [
            ParagraphStyle(
                "TOC1",
                parent=self.body,
                fontName=FONT_BOLD,
                leftIndent=0,
                firstLineIndent=0,
                spaceBefore=3,
            ),
            ParagraphStyle(
                "TOC2", parent=self.body, leftIndent=14, firstLineIndent=0, spaceAfter=1
            ),
        ]
        toc.dotsMinLevel = 0
        story += [
            NextPageTemplate("body"),
            PageBreak(),
            Paragraph(escape(self.text("contents")), self.h1),
            toc,
            PageBreak(),
        ]
        return story

    def _position(self, summary: dict[str, Any]) -> str:
        if summary["on_track"] is not None:
            return self.labels["on_track"] if summary["on_track"] else self.labels["off_track"]
        return self.labels["in_progress"] if summary.get("year_state") == "open" else "–"

    def summary(self) -> list[Flowable]:
        s, d = self.data["summary"], self.data
        inv = d["inventory"]
        lab = self.labels
        year = d["year"]
        gtb, full = self.label("boundary_short", "gtb"), self.label("boundary_short", "full")
        rows = [
            [f"{lab['total']} {year} — {gtb}", figure(s["total_g"])],
            [f"{lab['total']} {year - 1} — {gtb}", figure(s["previous_g"])],
            [f"{lab['change']} {year - 1} → {year}", percent(s["change_pct"])],
            [f"{lab['baseline']} {s['baseline_year']}", figure(s["baseline_g"])],
            [
                self.text("labels.change_from_baseline", year=s["baseline_year"]),
                percent(s["change_from_baseline_pct"]),
            ],
            [f"{lab['trajectory']} {year}", figure(s["trajectory_g"])],
            [lab["position"], self._position(s)],
            [
                f"{lab['target']} {s['target_year']} (−{s['reduction_pct']} %)",
                figure(s["target_g"]),
            ],
            [
                f"{lab['per_capita']} (kg)",
                "–" if s["per_capita_g"] is None else number(s["per_capita_g"] / 1000, 1),
            ],
            [lab["headcount"], "–" if s["headcount"] is None else number(s["headcount"])],
            [f"{lab['total']} {year} — {full}", figure(s["full_total_g"])],
            [lab["with_rf"], figure(inv["gtb"]["air_with_rf_g"])],
            [
                f"{lab['scope2_location']} {lab['not_counted']}",
                figure(inv["gtb"]["scope2_location_g"]),
            ],
        ]
        story: list[Flowable] = [
            self.heading("summary"),
            self.p(
                self.text("paragraphs.summary_intro", organisation=d["organisation"], year=year)
            ),
        ]
        story += [
            Paragraph(escape(sentence), self.bullet, bulletText="•") for sentence in s["sentences"]
        ]
        story += [
            Spacer(1, 4),
            self.table([lab["measure"], lab["value"]], rows),
        ]
        return story

    @staticmethod
    def _runs(points: list[tuple[int, float]]) -> list[list[tuple[int, float]]]:
        """Points of consecutive years, each run apart: a year without data is a gap."""
        runs: list[list[tuple[int, float]]] = []
        for point in points:
            if runs and point[0] == runs[-1][-1][0] + 1:
                runs[-1].append(point)
            else:
                runs.append([point])
        return runs

    @staticmethod
    def _missing(years: list[int]) -> str:
        """The years missing between the first and last of ``years``: "2011–2017, 2019"."""
        spans = []
        for before, after in itertools.pairwise(years):
            if after - before == 2:
                spans.append(str(before + 1))
            elif after - before > 2:
                spans.append(f"{before + 1}–{after - 1}")
        return ", ".join(spans)

    def trend(self) -> list[Flowable]:
        trend = self.data["trend"]
        lab = self.labels
        years = list(trend["years"])
        actual = [
            (r["year"], r["actual_g"] / GRAMS_PER_TONNE) for r in years if r["actual_g"] is not None
        ]
        line = [
            (r["year"], r["trajectory_g"] / GRAMS_PER_TONNE)
            for r in years
            if r["trajectory_g"] is not None
        ]
        story: list[Flowable] = [self.heading("trend")]
        s = self.data["summary"]
        story.append(
            self.p(
                self.text(
                    "paragraphs.trend",
                    baseline_year=s["baseline_year"],
                    target_year=s["target_year"],
                    reduction_pct=s["reduction_pct"],
                )
            )
        )
        if actual or line:
            story.append(self._trend_chart(actual, line, trend))
            missing = self._missing([year for year, _ in actual])
            if missing:
                story.append(self.p(self.text("sentences.trend_gaps", years=missing), self.note))
        rows = [
            [str(r["year"]), tonnes(r["actual_g"]), tonnes(r["trajectory_g"])]
            for r in years
            if r["actual_g"] is not None or r["year"] == trend.get("target_year")
        ]
        story.append(Spacer(1, 6))
        story.append(
            self.table(
                [lab["year"], f"{lab['actual']} (t)", f"{lab['trajectory']} (t)"], rows, width=100
            )
        )
        editions = self.data["methodology"].get("gwp_editions") or {}
        if editions.get("mixed"):  # which GWP edition each year's refrigerants are on
            story.append(self.p(editions["message"]))
        return story

    def _trend_chart(
        self, actual: list[tuple[int, float]], line: list[tuple[int, float]], trend: dict[str, Any]
    ) -> Drawing:
        width, height = self.width, 70 * mm
        drawing = Drawing(width, height)
        plot = LinePlot()
        plot.x, plot.y, plot.width, plot.height = 45, 30, int(width - 60), int(height - 55)
        lab = self.labels
        # the actual series in runs of consecutive years: no line across years without data
        named: list[tuple[list[tuple[int, float]], Any, str, str]] = [
            (run, self.colour["primary"], lab["actual"], "actual") for run in self._runs(actual)
        ]
        if line:
            named.append((line, self.colour["trajectory"], lab["trajectory"], "trajectory"))
        if trend.get("target_g") is not None:
            named.append(
                (
                    [(trend["target_year"], trend["target_g"] / GRAMS_PER_TONNE)],
                    self.colour["accent"],
                    lab["target"],
                    "target",
                )
            )
        series = [points for points, _, _, _ in named]
        plot.data = series
        for index, (_, colour, _name, kind) in enumerate(named):
            plot.lines[index].strokeColor = colour
            if kind == "actual":
                plot.lines[index].strokeWidth = 2
                plot.lines[index].symbol = makeMarker("FilledCircle", size=4)
                plot.lines[index].symbol.fillColor = colour
                plot.lines[index].symbol.strokeColor = colour
            elif kind == "trajectory":
                plot.lines[index].strokeDashArray = (4, 3)
            else:
                plot.lines[index].symbol = makeMarker("FilledDiamond", size=7)
                plot.lines[index].symbol.fillColor = colour
        years = [x for points in series for x, _ in points]
        plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(years), max(years)
        span = max(years) - min(years)
        step = 1 if span <= 12 else (2 if span <= 24 else 5)
        plot.xValueAxis.valueSteps = list(range(min(years), max(years) + 1, step))
        plot.xValueAxis.labelTextFormat = "%d"
        plot.xValueAxis.labels.fontName = FONT
        plot.xValueAxis.labels.fontSize = 7
        plot.yValueAxis.valueMin = 0  # a value axis from zero, always
        plot.yValueAxis.labels.fontName = FONT
        plot.yValueAxis.labels.fontSize = 7
        plot.yValueAxis.labelTextFormat = lambda v: number(v)
        plot.yValueAxis.visibleGrid = True
        plot.yValueAxis.gridStrokeColor = self.colour["grid"]
        drawing.add(plot)
        drawing.add(String(2, height - 12, lab["t_co2e"], fontName=FONT, fontSize=7))
        legend = Legend()
        legend.x, legend.y = 60, int(height - 8)
        legend.fontName, legend.fontSize = FONT, 7
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.deltax = 90
        legend.dx = legend.dy = 7
        shown: dict[str, Any] = {}
        for _, colour, name, _kind in named:  # one entry per series, however many runs
            shown.setdefault(name, colour)
        legend.colorNamePairs = [(colour, name) for name, colour in shown.items()]
        drawing.add(legend)
        return drawing

    def breakdown(self) -> list[Flowable]:
        inv = self.data["inventory"]
        gtb, full = inv["gtb"], inv["full"]
        lab = self.labels
        gtb_name, full_name = (
            self.label("boundary_short", "gtb"),
            self.label("boundary_short", "full"),
        )
        sources = list(full["by_source"])
        rows = [
            [
                self.source(s),
                figure(gtb["by_source"].get(s)) if s in gtb["by_source"] else "–",
                figure(full["by_source"][s]),
                _share(full["by_source"][s], full["total_g"]),
            ]
            for s in sources
        ]
        rows.append(
            [
                lab["total"],
                figure(gtb["total_g"]),
                figure(full["total_g"]),
                _share(full["total_g"], full["total_g"]),
            ]
        )
        story: list[Flowable] = [
            self.heading("breakdown"),
            self.p(self.text("paragraphs.breakdown")),
            self._sub(lab["source"]),
        ]
        story.append(
            self.table(
                [
                    lab["source"],
                    f"{gtb_name} (t)",
                    f"{full_name} (t)",
                    f"{lab['share']} ({full_name})",
                ],
                rows,
                total_last=True,
            )
        )
        if sources:
            story.append(Spacer(1, 6))
            story.append(
                self._source_chart([(self.source(s), full["by_source"][s]) for s in sources])
            )
        story.append(self._sub(lab["scope"]))
        scope_rows = []
        indented = set()
        for scope in ("1", "2", "3"):
            if scope in full["by_scope"]:
                scope_rows.append(
                    [
                        self.label("scope_description", scope),
                        figure(gtb["by_scope"].get(scope, 0)),
                        figure(full["by_scope"][scope]),
                    ]
                )
        for category, grams in full["by_scope3_category"].items():
            indented.add(len(scope_rows))
            scope_rows.append(
                [
                    f"3.{category} {self.label('scope3_category', category)}",
                    figure(gtb["by_scope3_category"][category])
                    if category in gtb["by_scope3_category"]
                    else "–",  # not in the boundary
                    figure(grams),
                ]
            )
        scope_rows.append([lab["total"], figure(gtb["total_g"]), figure(full["total_g"])])
        story.append(
            self.table(
                [lab["scope"], f"{gtb_name} (t)", f"{full_name} (t)"],
                scope_rows,
                total_last=True,
                indented=frozenset(indented),
            )
        )
        story.append(self.sub("two_figures"))
        pairs = [
            [
                f"{lab['without_rf']} {lab['counted']}",
                figure(gtb["air_without_rf_g"]),
                figure(full["air_without_rf_g"]),
            ],
            [lab["with_rf"], figure(gtb["air_with_rf_g"]), figure(full["air_with_rf_g"])],
            [
                f"{lab['scope2_market']} {lab['counted']}",
                figure(gtb["scope2_market_g"]),
                figure(full["scope2_market_g"]),
            ],
            [
                f"{lab['scope2_location']} {lab['not_counted']}",
                figure(gtb["scope2_location_g"]),
                figure(full["scope2_location_g"]),
            ],
        ]
        story.append(self.table([lab["measure"], f"{gtb_name} (t)", f"{full_name} (t)"], pairs))
        return story

    def _sub(self, text: str) -> Flowable:
        """A sub-heading of a given text (a column's name)."""
        self.sections += 1
        return _Heading(text, self.h2, 1, f"section-{self.sections}")

    def _source_chart(self, values: list[tuple[str, int]]) -> Drawing:
        bar_height = 14
        height = len(values) * bar_height + 40
        width = self.width
        label_width = max(pdfmetrics.stringWidth(name, FONT, 7) for name, _ in values) + 12
        drawing = Drawing(width, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = int(label_width), 20
        chart.width, chart.height = int(width - label_width - 30), int(height - 30)
        chart.data = [[grams / GRAMS_PER_TONNE for _, grams in reversed(values)]]
        chart.categoryAxis.categoryNames = [name for name, _ in reversed(values)]
        chart.categoryAxis.labels.fontName = FONT
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -3
        chart.valueAxis.valueMin = 0  # a value axis from zero, always: no bar hides
        chart.valueAxis.labels.fontName = FONT
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.labelTextFormat = lambda v: number(v)
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = self.colour["grid"]
        chart.bars[0].fillColor = self.colour["primary"]
        chart.bars.strokeColor = None
        drawing.add(chart)
        drawing.add(
            String(width, 4, self.labels["t_co2e"], fontName=FONT, fontSize=7, textAnchor="end")
        )
        return drawing

    def change(self) -> list[Flowable]:
        lab = self.labels
        rows = [
            [
                self.source(c["source"]),
                figure(c["before_g"]),
                figure(c["after_g"]),
                signed_figure(c["after_g"] - c["before_g"]),
                signed_figure(c["activity_g"]),
                signed_figure(c["factor_g"]),
                signed_figure(c["mix_g"]),
            ]
            for c in self.data["change"]
        ]
        story: list[Flowable] = [self.heading("change"), self.p(self.text("paragraphs.change"))]
        if rows:
            story.append(
                self.table(
                    [
                        lab["source"],
                        f"{lab['before']} (t)",
                        f"{lab['after']} (t)",
                        f"{lab['change']} (t)",
                        f"{lab['activity']} (t)",
                        f"{lab['factor']} (t)",
                        f"{lab['mix']} (t)",
                    ],
                    rows,
                )
            )
        else:
            story.append(self.p(lab["none"]))
        return story

    def _route_rows(self, routes: list[dict[str, Any]]) -> list[list[str]]:
        return [
            [
                r["route"],
                number(r["legs"]),
                number(r["passenger_km"]),
                figure(r["co2e_without_rf_g"]),
                figure(r["co2e_with_rf_g"]),
            ]
            for r in routes
        ]

    def flights(self) -> list[Flowable]:
        f = self.data["flights"]
        total, business, rail = f["total"], f["business"], f["rail_replaceable"]
        lab = self.labels
        rail_km = number(self.data["methodology"]["rail_replaceable_max_km"])
        story: list[Flowable] = [
            self.heading("flights"),
            self.p(self.text("paragraphs.flights", rail_km=rail_km)),
        ]
        if not total["legs"]:
            return [*story, self.p(lab["none"])]
        without_rf = total["co2e_without_rf_g"]
        figures = [
            [lab["legs"], number(total["legs"])],
            [lab["passenger_km"], number(total["passenger_km"])],
            [lab["without_rf"], figure(without_rf)],
            [lab["with_rf"], figure(total["co2e_with_rf_g"])],
            [
                lab["business_legs"],
                f"{number(business['legs'])} ({_share(business['legs'], total['legs'])})",
            ],
            [lab["business_share"], _share(business["co2e_without_rf_g"], without_rf)],
        ]
        story.append(self.table([lab["measure"], lab["value"]], figures))
        story.append(self.sub("haul_class"))
        haul_rows = []
        previous = None
        starts = set()
        for r in f["by_haul_class"]:  # the haul named once, on the first row of its classes
            haul = self.label("haul", r["haul"])
            if previous is not None and haul != previous:
                starts.add(len(haul_rows))
            haul_rows.append(
                [
                    haul if haul != previous else "",
                    self.label("cabin_class", r["cabin_class"]),
                    number(r["legs"]),
                    number(r["passenger_km"]),
                    figure(r["co2e_without_rf_g"]),
                    figure(r["co2e_with_rf_g"]),
                ]
            )
            previous = haul
        header = [
            lab["haul"],
            lab["cabin"],
            lab["legs"],
            lab["passenger_km"],
            lab["t_no_rf"],
            lab["t_rf"],
        ]
        story.append(self.table(header, haul_rows, numeric_from=2, rules_above=frozenset(starts)))
        story.append(self.sub("top_routes"))
        header = [lab["route"], lab["legs"], lab["passenger_km"], lab["t_no_rf"], lab["t_rf"]]
        story.append(self.table(header, self._route_rows(f["top_routes"])))
        story.append(self.sub("rail"))
        story.append(
            self.p(
                self.text(
                    "sentences.rail",
                    legs=number(rail["legs"]),
                    share=_share(rail["legs"], total["legs"]),
                    km=rail_km,
                    passenger_km=number(rail["passenger_km"]),
                    co2e=with_unit(rail["co2e_without_rf_g"]),
                    share_co2e=_share(rail["co2e_without_rf_g"], without_rf),
                )
            )
        )
        if f["rail_replaceable_routes"]:
            rows = self._route_rows(f["rail_replaceable_routes"])
            story.append(self.table(header, rows))
        return story

    def buildings(self) -> list[Flowable]:
        lab = self.labels
        rows = [
            [
                b["site"],
                "–" if b["floor_area_m2"] is None else number(b["floor_area_m2"]),
                number(b["electricity_kwh"]),
                figure(b["scope1_g"]),
                figure(b["scope2_market_g"]),
                figure(b["scope2_location_g"]),
                "–" if b["per_m2_kg"] is None else number(b["per_m2_kg"], 1),
            ]
            for b in self.data["buildings"]
        ]
        story: list[Flowable] = [
            self.heading("buildings"),
            self.p(self.text("paragraphs.buildings")),
        ]
        if rows:
            story.append(
                self.table(
                    [
                        lab["site"],
                        lab["floor_area"],
                        lab["electricity_kwh"],
                        lab["scope1"],
                        lab["scope2_market_t"],
                        lab["scope2_location_t"],
                        lab["per_m2"],
                    ],
                    rows,
                )
            )
        else:
            story.append(self.p(lab["none"]))
        return story

    def procurement(self) -> list[Flowable]:
        lab = self.labels
        rows = self.data["procurement"]
        total = sum(r["co2e_g"] for r in rows)
        story: list[Flowable] = [
            self.heading("procurement"),
            self.p(self.text("paragraphs.procurement")),
        ]
        if not rows:
            return [*story, self.p(lab["none"])]
        body = [
            [r["category"], number(r["purchases"]), figure(r["co2e_g"]), _share(r["co2e_g"], total)]
            for r in rows
        ]
        body.append(
            [
                lab["total"],
                number(sum(r["purchases"] for r in rows)),
                figure(total),
                _share(total, total),
            ]
        )
        story.append(
            self.table(
                [lab["category"], lab["purchases"], lab["t_co2e"], lab["share"]],
                body,
                total_last=True,
            )
        )
        return story

    def _verdict(self, verdict: str | None) -> str:
        return "–" if not verdict else self.label("verdict", verdict.replace(" ", "_"))

    def actions(self) -> list[Flowable]:
        a = self.data["actions"]
        lab = self.labels
        story: list[Flowable] = [self.heading("actions"), self.p(self.text("paragraphs.actions"))]
        if a["nonconformities"]:
            story.append(
                self.table(
                    ["#", lab["nonconformity"], lab["found"], lab["severity"], lab["status"]],
                    [
                        [
                            str(n["id"]),
                            n["title"],
                            n["detected_on"],
                            self.label("severity", n["severity"]),
                            self.label("nonconformity_status", n["status"]),
                        ]
                        for n in a["nonconformities"]
                    ],
                    numeric_from=5,
                )
            )
        if a["actions"]:
            story.append(Spacer(1, 6))
            story.append(
                self.table(
                    [
                        "#",
                        lab["action"],
                        lab["owner"],
                        lab["due"],
                        lab["status"],
                        lab["verdict"],
                        lab["expected"],
                    ],
                    [
                        [
                            f"{r['nonconformity_id']}.{r['id']}",
                            r["description"],
                            r["owner"],
                            r["due_on"],
                            self.label("action_status", r["status"]),
                            self._verdict(r["verdict"]),
                            "–"
                            if r["expected_reduction_t"] is None
                            else number(Decimal(r["expected_reduction_t"]), 1),
                        ]
                        for r in a["actions"]
                    ],
                    numeric_from=6,
                )
            )
            for r in a["actions"]:  # a verdict's justification, printed beside it
                if r.get("justification"):
                    against = (
                        " (against the measured figures)" if r.get("against_measurement") else ""
                    )
                    story.append(
                        self.p(
                            f"{r['nonconformity_id']}.{r['id']}: verdict “{r['verdict']}”"
                            f"{against}. Justification: {r['justification']}"
                        )
                    )
        if not a["nonconformities"] and not a["actions"]:
            story.append(self.p(lab["none"]))
        projection = a["projection"]
        if projection:
            reached = projection["gap_g"] == 0
            story.append(self.sub("projection"))
            sentence = self.text(
                "sentences.projection",
                latest_year=projection["latest_year"],
                latest=with_unit(projection["latest_g"]),
                target_year=projection["target_year"],
                projected=with_unit(projection["projected_g"]),
                change=percent(projection["change_from_baseline_pct"]),
                target=with_unit(projection["target_g"]),
            )
            outcome = (
                self.text("sentences.projection_met")
                if reached
                else self.text("sentences.projection_gap", gap=with_unit(projection["gap_g"]))
            )
            story.append(self.p(f"{sentence} {outcome}"))
        return story

    def quality(self) -> list[Flowable]:
        q = self.data["quality"]
        items = [
            self.text(
                "sentences.fallback",
                source=self.source(source),
                lines=number(figures["lines"]),
                co2e=with_unit(figures["co2e_g"]),
            )
            for source, figures in q["fallback_by_source"].items()
        ]
        if q["flights"]:
            items.append(
                self.text(
                    "sentences.flights",
                    legs=number(q["flights"]),
                    unknown=number(q["flights_unknown_cabin"]),
                )
            )
        if q["estimated_energy_records"]:
            items.append(
                self.text("sentences.estimated", records=number(q["estimated_energy_records"]))
            )
        for site, months in q["months_without_energy"].items():
            key = "sentences.months_missing" if len(months) > 1 else "sentences.month_missing"
            items.append(self.text(key, site=site, months=", ".join(str(m) for m in months)))
        story: list[Flowable] = [self.heading("quality"), self.p(self.text("paragraphs.quality"))]
        story += [Paragraph(escape(item), self.bullet, bulletText="•") for item in items] or [
            self.p(self.text("sentences.no_gaps"))
        ]
        return story

    def methodology(self) -> list[Flowable]:
        m = self.data["methodology"]
        lab = self.labels
        texts = self.t["methodology"]
        story: list[Flowable] = [
            self.heading("methodology"),
            self.p(self.text("paragraphs.methodology")),
        ]
        haul = "haul_distance_bands" if m["haul_method"] == "distance_bands" else "haul_desnz"
        for key in ("boundary", "rf_policy", "distance", haul, "factor_year", "electricity"):
            story.append(self.p(_one_line(texts[key])))
        story.append(self.p(_one_line(texts["gwp"]).format(gwp=m["gwp_report"])))
        story.append(
            self.p(
                _one_line(texts["restatements"]).format(threshold=m["restatement_threshold_pct"])
            )
        )
        story.append(self.sub("factor_sets"))
        story.append(
            self.table(
                [
                    lab["factor_set"],
                    lab["publisher"],
                    lab["licence"],
                    lab["lines"],
                    lab["fallbacks"],
                ],
                [
                    [
                        f"{f['code']} — {f['title']} ({lab['edition'].lower()} "
                        f"{f['edition_year']}, {f['version']})",
                        f["publisher"],
                        f["licence"],
                        number(f["lines"]),
                        number(f["fallback_lines"]),
                    ]
                    for f in m["factor_sets"]
                ],
                numeric_from=3,
            )
        )
        fallbacks = sum(f["fallback_lines"] for f in m["factor_sets"])
        if not fallbacks:
            story.append(self.p(texts["no_fallbacks"], self.small))
        story.append(self.sub("restatements"))
        if m["restatements"]:
            story.append(
                self.table(
                    [
                        lab["year"],
                        lab["boundary"],
                        f"{lab['reported']} (t)",
                        f"{lab['restated']} (t)",
                        lab["reason"],
                        lab["approved_by"],
                        lab["date"],
                    ],
                    [
                        [
                            str(r["year"]),
                            self.label("boundary_short", r["boundary"]),
                            figure(r["reported_g"]),
                            figure(r["restated_g"]),
                            r["reason"],
                            r["approved_by"],
                            r["date"],
                        ]
                        for r in m["restatements"]
                    ],
                    numeric_from=7,
                )
            )
        else:
            story.append(self.p(texts["no_restatements"]))
        return story

    def story(self) -> list[Flowable]:
        story = self.cover()
        for section in (
            self.summary,
            self.trend,
            self.breakdown,
            self.change,
            self.flights,
            self.buildings,
            self.procurement,
            self.actions,
            self.quality,
            self.methodology,
        ):
            story.append(CondPageBreak(60 * mm))
            story += section()
        return story

    # --- pages ----------------------------------------------------------------------------

    def draft_mark(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        if not self.data["draft"]:
            return
        canvas.saveState()
        canvas.setFillColor(self.colour["draft"], alpha=0.18)
        canvas.setFont(FONT_BOLD, 110)
        canvas.translate(doc.pagesize[0] / 2, doc.pagesize[1] / 2)
        canvas.rotate(50)
        canvas.drawCentredString(0, -35, self.text("draft_mark"))
        canvas.restoreState()

    def on_cover(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        self.draft_mark(canvas, doc)

    def on_page(self, canvas: Canvas, doc: _ReportDoc) -> None:
        self.draft_mark(canvas, doc)
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(self.colour["muted"])
        top = height - 12 * mm
        left, right = doc.leftMargin, width - doc.rightMargin
        header = f"{self.data['organisation']} — {self.text('title')} {self.data['year']}"
        canvas.drawString(left, top, header)
        mark = self.data["identifier"] + (
            f"  ·  {self.text('draft_mark')}" if self.data["draft"] else ""
        )
        canvas.drawRightString(right, top, mark)
        canvas.setStrokeColor(self.colour["grid"])
        canvas.line(left, top - 2 * mm, right, top - 2 * mm)
        pages = doc.pages_counted or 0
        canvas.drawRightString(right, 10 * mm, self.text("page", page=doc.page, pages=pages or "?"))
        status = "draft_footer" if self.data["draft"] else "issued_on"
        canvas.drawString(left, 10 * mm, self.text(status, date=self.data["issued_on"]))
        canvas.restoreState()


def render_annual_report(data: dict[str, Any], *, logo_png: bytes | None = None) -> bytes:
    """The report of the snapshot ``data`` as PDF bytes; the same input gives the same bytes."""
    assets = load_assets(current_app.config["REPORT_ASSETS_DIR"])
    renderer = _Renderer(data, assets, logo_png)
    page = assets.styles["page"]
    buffer = io.BytesIO()
    doc = _ReportDoc(
        buffer,
        pagesize=A4,
        leftMargin=page["margin_left_mm"] * mm,
        rightMargin=page["margin_right_mm"] * mm,
        topMargin=page["margin_top_mm"] * mm,
        bottomMargin=page["margin_bottom_mm"] * mm,
        title=f"{renderer.text('title')} {data['year']} — {data['organisation']}",
        author=data["organisation"],
        subject=renderer.text("subtitle", year=data["year"]),
        creator="ems",
        lang="en",
        displayDocTitle=1,
        invariant=1,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates(
        [
            PageTemplate(id="cover", frames=[frame], onPage=renderer.on_cover),
            PageTemplate(id="body", frames=[frame], onPage=renderer.on_page),
        ]
    )
    doc.multiBuild(renderer.story())
    return buffer.getvalue()
