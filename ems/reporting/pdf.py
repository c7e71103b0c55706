"""The annual report rendered as PDF (reportlab Platypus), from its snapshot alone.

Rendering reads nothing from the database: the same snapshot, logo and assets (reports/) give
the same bytes (``invariant`` output: fixed creation date and document id).
"""

from __future__ import annotations

import functools
import io
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
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

FONT = "EmsSans"
FONT_BOLD = "EmsSans-Bold"
GRAMS_PER_TONNE = 1_000_000


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


def tonnes(grams: int | None, places: int = 3) -> str:
    """Grams as tonnes with thousands separators, rounded half up: 1234567890 → "1,234.568"."""
    if grams is None:
        return "–"
    value = (Decimal(grams) / GRAMS_PER_TONNE).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    value = abs(value) if value == 0 else value  # no "−0.000"
    return f"{value:,.{places}f}".replace("-", "−")


def signed_tonnes(grams: int, places: int = 3) -> str:
    """Tonnes with a sign: "+12.500", "−3.000", "0.000"."""
    text = tonnes(grams, places)
    return "+" + text if grams > 0 and text.strip("0.,") else text


def percent(value: float | None, places: int = 1) -> str:
    """A share or change in percent; "–" when unknown."""
    return "–" if value is None else f"{value:,.{places}f} %".replace("-", "−")


def _share(part: int, whole: int) -> str:
    return percent(part * 100 / whole) if whole else "–"


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


class _Renderer:
    """Builds the story of one report from its snapshot."""

    def __init__(self, data: dict[str, Any], assets: Assets, logo_png: bytes | None) -> None:
        self.data, self.assets, self.logo_png = data, assets, logo_png or assets.default_logo_png
        self.t: dict[str, Any] = assets.texts
        self.labels: dict[str, str] = assets.texts["labels"]
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
        self.cell = ParagraphStyle("Cell", parent=self.small, spaceAfter=0)
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
            spaceBefore=6,
            spaceAfter=8,
            keepWithNext=True,
        )
        self.h2 = ParagraphStyle(
            "H2",
            fontName=FONT_BOLD,
            fontSize=h2,
            leading=h2 * 1.3,
            textColor=self.colour["primary"],
            spaceBefore=8,
            spaceAfter=4,
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
        self.source_labels: dict[str, str] = data["source_labels"]

    # --- helpers --------------------------------------------------------------------------

    def text(self, key: str, **values: Any) -> str:
        """A fixed text of the report, placeholders filled."""
        section, _, name = key.rpartition(".")
        table = self.t[section] if section else self.t
        return " ".join(str(table[name]).split()).format(**values)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(text), style or self.body)

    def heading(self, key: str, level: int = 0) -> Flowable:
        self.sections += 1
        text = self.t["headings"].get(key, key)
        return _Heading(text, self.h1 if level == 0 else self.h2, level, f"section-{self.sections}")

    def sub(self, text: str) -> Flowable:
        self.sections += 1
        return _Heading(text, self.h2, 1, f"section-{self.sections}")

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        numeric_from: int = 1,
        total_last: bool = False,
    ) -> Table:
        """A table with a coloured header row; numbers right-aligned from ``numeric_from``."""
        body: list[list[Paragraph | str]] = [
            [
                Paragraph(escape(h), self.cell_bold if i < numeric_from else self.cell_bold_right)
                for i, h in enumerate(header)
            ]
        ]
        for row in rows:
            body.append(
                [
                    Paragraph(escape(str(value)), self.cell) if i < numeric_from else str(value)
                    for i, value in enumerate(row)
                ]
            )
        table = Table(  # rows split across pages: a long action description never overflows one
            body, colWidths=[w * mm for w in widths], repeatRows=1, hAlign="LEFT", splitInRow=1
        )
        commands: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, 0), self.colour["primary"]),
            ("FONT", (0, 1), (-1, -1), FONT, self.cell.fontSize),
            ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, self.colour["grid"]),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        for index in range(2, len(body), 2):
            commands.append(("BACKGROUND", (0, index), (-1, index), self.colour["zebra"]))
        if total_last and len(body) > 1:
            commands += [
                ("FONT", (0, -1), (-1, -1), FONT_BOLD, self.cell.fontSize),
                ("LINEABOVE", (0, -1), (-1, -1), 0.75, self.colour["primary"]),
            ]
        table.setStyle(TableStyle(commands))
        return table

    def source(self, key: str) -> str:
        return self.source_labels.get(key, key)

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
            self.p(self.text("issued_on", date=d["issued_on"])),
        ]
        if d["draft"]:
            story.append(
                Paragraph(
                    f'<font color="{self.assets.styles["colours"]["draft"]}">'
                    f"<b>{escape(self.text('draft_notice'))}</b></font>",
                    self.body,
                )
            )
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

    def summary(self) -> list[Flowable]:
        s, d = self.data["summary"], self.data
        inv = d["inventory"]
        lab = self.labels
        year = d["year"]
        rows = [
            [f"{lab['total']} {year} — {lab['gtb']}", tonnes(s["total_g"])],
            [f"{year - 1}", tonnes(s["previous_g"])],
            [f"{lab['change']} {year - 1} → {year}", percent(s["change_pct"])],
            [f"Baseline {s['baseline_year']}", tonnes(s["baseline_g"])],
            [f"{lab['change']} vs baseline", percent(s["change_from_baseline_pct"])],
            [f"{lab['trajectory']} {year}", tonnes(s["trajectory_g"])],
            [
                "Position",
                "–" if s["on_track"] is None else ("on track" if s["on_track"] else "off track"),
            ],
            [
                f"{lab['target']} {s['target_year']} (−{s['reduction_pct']} %)",
                tonnes(s["target_g"]),
            ],
            [
                f"{lab['per_capita']} (kg)",
                "–" if s["per_capita_g"] is None else f"{s['per_capita_g'] / 1000:,.1f}",
            ],
            [lab["headcount"], "–" if s["headcount"] is None else f"{s['headcount']:,}"],
            [f"{lab['total']} {year} — {lab['full']}", tonnes(s["full_total_g"])],
            [f"{lab['with_rf']}", tonnes(inv["gtb"]["air_with_rf_g"])],
            [
                f"{lab['scope2_location']} {lab['not_counted']}",
                tonnes(inv["gtb"]["scope2_location_g"]),
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
        story += [Spacer(1, 4), self.table([lab["measure"], lab["value"]], rows, (110, 45))]
        return story

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
        rows = [
            [str(r["year"]), tonnes(r["actual_g"], 1), tonnes(r["trajectory_g"], 1)]
            for r in years
            if r["actual_g"] is not None or r["year"] == trend.get("target_year")
        ]
        story.append(
            self.table(
                [lab["year"], f"{lab['actual']} (t)", f"{lab['trajectory']} (t)"],
                rows,
                (30, 40, 40),
            )
        )
        editions = self.data["methodology"].get("gwp_editions") or {}
        if editions.get("mixed"):  # which GWP edition each year's refrigerants are on
            story.append(self.p(editions["message"]))
        return story

    def _trend_chart(
        self, actual: list[tuple[int, float]], line: list[tuple[int, float]], trend: dict[str, Any]
    ) -> Drawing:
        width, height = 170 * mm, 70 * mm
        drawing = Drawing(width, height)
        plot = LinePlot()
        plot.x, plot.y, plot.width, plot.height = 45, 30, int(width - 60), int(height - 55)
        lab = self.labels
        named = [
            (actual, self.colour["primary"], lab["actual"]),
            (line, self.colour["trajectory"], lab["trajectory"]),
        ]
        if trend.get("target_g") is not None:
            named.append(
                (
                    [(trend["target_year"], trend["target_g"] / GRAMS_PER_TONNE)],
                    self.colour["accent"],
                    lab["target"],
                )
            )
        named = [item for item in named if item[0]]
        series = [points for points, _, _ in named]
        plot.data = series
        for index, (_, colour, name) in enumerate(named):
            plot.lines[index].strokeColor = colour
            if name == lab["actual"]:
                plot.lines[index].strokeWidth = 2
                plot.lines[index].symbol = makeMarker("FilledCircle", size=3)
            elif name == lab["trajectory"]:
                plot.lines[index].strokeDashArray = (4, 3)
            else:
                plot.lines[index].symbol = makeMarker("FilledDiamond", size=7)
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
        plot.yValueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
        plot.yValueAxis.visibleGrid = True
        plot.yValueAxis.gridStrokeColor = self.colour["grid"]
        drawing.add(plot)
        drawing.add(String(2, height - 12, "t CO2e", fontName=FONT, fontSize=7))
        legend = Legend()
        legend.x, legend.y = 60, int(height - 8)
        legend.fontName, legend.fontSize = FONT, 7
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.deltax = 90
        legend.colorNamePairs = [(colour, name) for _, colour, name in named]
        drawing.add(legend)
        return drawing

    def breakdown(self) -> list[Flowable]:
        inv = self.data["inventory"]
        gtb, full = inv["gtb"], inv["full"]
        lab = self.labels
        sources = list(full["by_source"])
        rows = [
            [
                self.source(s),
                tonnes(gtb["by_source"].get(s)) if s in gtb["by_source"] else "–",
                tonnes(full["by_source"][s]),
                _share(full["by_source"][s], full["total_g"]),
            ]
            for s in sources
        ]
        rows.append(
            [
                lab["total"],
                tonnes(gtb["total_g"]),
                tonnes(full["total_g"]),
                _share(full["total_g"], full["total_g"]),
            ]
        )
        story: list[Flowable] = [
            self.heading("breakdown"),
            self.p(self.text("paragraphs.breakdown")),
            self.sub(lab["source"]),
        ]
        story.append(
            self.table(
                [
                    lab["source"],
                    f"{lab['gtb']} (t)",
                    f"{lab['full']} (t)",
                    f"{lab['share']} ({lab['full']})",
                ],
                rows,
                (65, 35, 35, 30),
                total_last=True,
            )
        )
        if sources:
            story.append(Spacer(1, 6))
            story.append(
                self._source_chart([(self.source(s), full["by_source"][s]) for s in sources])
            )
        story.append(self.sub(lab["scope"]))
        scope_rows = []
        for scope in ("1", "2", "3"):
            if scope in full["by_scope"]:
                scope_rows.append(
                    [
                        self.t["scopes"][scope],
                        tonnes(gtb["by_scope"].get(scope, 0)),
                        tonnes(full["by_scope"][scope]),
                    ]
                )
        for category, grams in full["by_scope3_category"].items():
            name = self.t["scope3_categories"].get(category, f"3.{category}")
            scope_rows.append(
                [f"    {name}", tonnes(gtb["by_scope3_category"].get(category, 0)), tonnes(grams)]
            )
        scope_rows.append([lab["total"], tonnes(gtb["total_g"]), tonnes(full["total_g"])])
        story.append(
            self.table(
                [lab["scope"], f"{lab['gtb']} (t)", f"{lab['full']} (t)"],
                scope_rows,
                (95, 35, 35),
                total_last=True,
            )
        )
        story.append(self.sub("Two figures, never added together"))
        pairs = [
            [
                f"{lab['without_rf']} (counted)",
                tonnes(gtb["air_without_rf_g"]),
                tonnes(full["air_without_rf_g"]),
            ],
            [f"{lab['with_rf']}", tonnes(gtb["air_with_rf_g"]), tonnes(full["air_with_rf_g"])],
            [
                f"{lab['scope2_market']} (counted)",
                tonnes(gtb["scope2_market_g"]),
                tonnes(full["scope2_market_g"]),
            ],
            [
                f"{lab['scope2_location']} {lab['not_counted']}",
                tonnes(gtb["scope2_location_g"]),
                tonnes(full["scope2_location_g"]),
            ],
        ]
        story.append(
            self.table(
                [lab["measure"], f"{lab['gtb']} (t)", f"{lab['full']} (t)"], pairs, (95, 35, 35)
            )
        )
        return story

    def _source_chart(self, values: list[tuple[str, int]]) -> Drawing:
        bar_height = 14
        height = len(values) * bar_height + 40
        width = 170 * mm
        drawing = Drawing(width, height)
        chart = HorizontalBarChart()
        chart.x, chart.y, chart.width, chart.height = 150, 20, int(width - 175), int(height - 30)
        chart.data = [[grams / GRAMS_PER_TONNE for _, grams in reversed(values)]]
        chart.categoryAxis.categoryNames = [name for name, _ in reversed(values)]
        chart.categoryAxis.labels.fontName = FONT
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.valueAxis.valueMin = 0  # a value axis from zero, always: no bar hides
        chart.valueAxis.labels.fontName = FONT
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = self.colour["grid"]
        chart.bars[0].fillColor = self.colour["primary"]
        chart.bars.strokeColor = None
        drawing.add(chart)
        drawing.add(String(width - 25, 4, "t CO2e", fontName=FONT, fontSize=7, textAnchor="end"))
        return drawing

    def change(self) -> list[Flowable]:
        lab = self.labels
        rows = [
            [
                self.source(c["source"]),
                tonnes(c["before_g"]),
                tonnes(c["after_g"]),
                signed_tonnes(c["after_g"] - c["before_g"]),
                signed_tonnes(c["activity_g"]),
                signed_tonnes(c["factor_g"]),
                signed_tonnes(c["mix_g"]),
            ]
            for c in self.data["change"]
        ]
        story: list[Flowable] = [self.heading("change"), self.p(self.text("paragraphs.change"))]
        if rows:
            story.append(
                self.table(
                    [
                        lab["source"],
                        lab["before"],
                        lab["after"],
                        lab["change"],
                        lab["activity"],
                        lab["factor"],
                        lab["mix"],
                    ],
                    rows,
                    (42, 22, 22, 22, 22, 20, 20),
                )
            )
        else:
            story.append(self.p(lab["none"]))
        return story

    def _route_rows(self, routes: list[dict[str, Any]]) -> list[list[str]]:
        return [
            [
                r["route"],
                f"{r['legs']:,}",
                f"{r['passenger_km']:,.0f}",
                tonnes(r["co2e_without_rf_g"]),
                tonnes(r["co2e_with_rf_g"]),
            ]
            for r in routes
        ]

    def flights(self) -> list[Flowable]:
        f = self.data["flights"]
        total, business, rail = f["total"], f["business"], f["rail_replaceable"]
        lab = self.labels
        rail_km = f"{self.data['methodology']['rail_replaceable_max_km']:,}"
        story: list[Flowable] = [
            self.heading("flights"),
            self.p(self.text("paragraphs.flights", rail_km=rail_km)),
        ]
        if not total["legs"]:
            return [*story, self.p(lab["none"])]
        without_rf = total["co2e_without_rf_g"]
        figures = [
            [lab["legs"], f"{total['legs']:,}"],
            [lab["passenger_km"], f"{total['passenger_km']:,.0f}"],
            [f"{lab['without_rf']} (t)", tonnes(without_rf)],
            [f"{lab['with_rf']} (t)", tonnes(total["co2e_with_rf_g"])],
            [
                "Legs in business or first class",
                f"{business['legs']:,} ({_share(business['legs'], total['legs'])})",
            ],
            [
                "Share of emissions (without RF) from business or first",
                _share(business["co2e_without_rf_g"], without_rf),
            ],
        ]
        story.append(self.table([lab["measure"], lab["value"]], figures, (110, 50)))
        story.append(self.sub(f"{lab['haul']} and {lab['cabin'].lower()}"))
        haul_rows = [
            [
                self.t["hauls"].get(r["haul"], r["haul"].replace("_", " ")),
                r["cabin_class"].replace("_", " "),
                f"{r['legs']:,}",
                f"{r['passenger_km']:,.0f}",
                tonnes(r["co2e_without_rf_g"]),
                tonnes(r["co2e_with_rf_g"]),
            ]
            for r in f["by_haul_class"]
        ]
        header = [
            lab["haul"],
            lab["cabin"],
            lab["legs"],
            lab["passenger_km"],
            "t (no RF)",
            "t (RF)",
        ]
        story.append(self.table(header, haul_rows, (38, 30, 20, 30, 26, 26), numeric_from=2))
        story.append(self.sub("Top routes"))
        header = [lab["route"], lab["legs"], lab["passenger_km"], "t (no RF)", "t (RF)"]
        story.append(self.table(header, self._route_rows(f["top_routes"]), (50, 25, 35, 30, 30)))
        story.append(self.sub("Candidates for rail"))
        story.append(
            self.p(
                f"{rail['legs']:,} legs ({_share(rail['legs'], total['legs'])} of legs) under "
                f"{rail_km} km: {rail['passenger_km']:,.0f} passenger-km, "
                f"{tonnes(rail['co2e_without_rf_g'])} t CO2e without RF "
                f"({_share(rail['co2e_without_rf_g'], without_rf)} of flight emissions)."
            )
        )
        if f["rail_replaceable_routes"]:
            rows = self._route_rows(f["rail_replaceable_routes"])
            story.append(self.table(header, rows, (50, 25, 35, 30, 30)))
        return story

    def buildings(self) -> list[Flowable]:
        lab = self.labels
        rows = [
            [
                b["site"],
                "–" if b["floor_area_m2"] is None else f"{b['floor_area_m2']:,}",
                f"{b['electricity_kwh']:,}",
                tonnes(b["scope1_g"]),
                tonnes(b["scope2_market_g"]),
                tonnes(b["scope2_location_g"]),
                "–" if b["per_m2_kg"] is None else f"{b['per_m2_kg']:,.1f}",
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
                        "Scope 2 market (t)",
                        "Scope 2 location (t)",
                        lab["per_m2"],
                    ],
                    rows,
                    (40, 20, 24, 20, 22, 22, 22),
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
            [r["category"], f"{r['purchases']:,}", tonnes(r["co2e_g"]), _share(r["co2e_g"], total)]
            for r in rows
        ]
        body.append(
            [
                lab["total"],
                f"{sum(r['purchases'] for r in rows):,}",
                tonnes(total),
                _share(total, total),
            ]
        )
        story.append(
            self.table(
                [lab["category"], lab["purchases"], "t CO2e", lab["share"]],
                body,
                (75, 25, 35, 25),
                total_last=True,
            )
        )
        return story

    def actions(self) -> list[Flowable]:
        a = self.data["actions"]
        lab = self.labels
        statuses = self.t["statuses"]
        story: list[Flowable] = [self.heading("actions"), self.p(self.text("paragraphs.actions"))]
        if a["nonconformities"]:
            story.append(
                self.table(
                    ["#", lab["nonconformity"], "Found", "Severity", lab["status"]],
                    [
                        [
                            str(n["id"]),
                            n["title"],
                            n["detected_on"],
                            n["severity"],
                            statuses.get(n["status"], n["status"]),
                        ]
                        for n in a["nonconformities"]
                    ],
                    (10, 85, 22, 18, 35),
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
                        lab["expected"],
                        lab["verdict"],
                    ],
                    [
                        [
                            f"{r['nonconformity_id']}.{r['id']}",
                            r["description"],
                            r["owner"],
                            r["due_on"],
                            statuses.get(r["status"], r["status"]),
                            r["expected_reduction_t"] or "–",
                            r["verdict"] or "–",
                        ]
                        for r in a["actions"]
                    ],
                    (10, 52, 26, 21, 19, 20, 22),
                    numeric_from=7,
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
            story.append(self.sub("Projection"))
            story.append(
                self.p(
                    f"From {projection['latest_year']} ({tonnes(projection['latest_g'], 1)} t), "
                    "with the cuts expected of the planned and running actions, "
                    f"{projection['target_year']} would come to "
                    f"{tonnes(projection['projected_g'], 1)} t "
                    f"({percent(projection['change_from_baseline_pct'])} against the baseline); "
                    f"the target is {tonnes(projection['target_g'], 1)} t. "
                    + (
                        "The planned actions would meet it."
                        if reached
                        else f"A gap of {tonnes(projection['gap_g'], 1)} t remains: "
                        "more actions are needed."
                    )
                )
            )
        return story

    def quality(self) -> list[Flowable]:
        q = self.data["quality"]
        items = []
        for source, figures in q["fallback_by_source"].items():
            items.append(
                f"{self.source(source)}: {figures['lines']:,} lines "
                f"({tonnes(figures['co2e_g'])} t) use the nearest factor edition, "
                "not one of their own year."
            )
        if q["flights"]:
            items.append(
                f"{q['flights']:,} organisation-paid flight legs; "
                f"{q['flights_unknown_cabin']:,} in an unknown cabin class "
                "(counted as the average passenger)."
            )
        if q["estimated_energy_records"]:
            items.append(
                f"{q['estimated_energy_records']:,} energy records hold estimated quantities."
            )
        for site, months in q["months_without_energy"].items():
            items.append(
                f"{site}: no energy records for month{'s' if len(months) > 1 else ''} "
                + ", ".join(str(m) for m in months)
                + "."
            )
        story: list[Flowable] = [self.heading("quality"), self.p(self.text("paragraphs.quality"))]
        story += [Paragraph(escape(item), self.bullet, bulletText="•") for item in items] or [
            self.p("No gaps found.")
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
            story.append(self.p(" ".join(texts[key].split())))
        story.append(self.p(" ".join(texts["gwp"].split()).format(gwp=m["gwp_report"])))
        story.append(
            self.p(
                " ".join(texts["restatements"].split()).format(
                    threshold=m["restatement_threshold_pct"]
                )
            )
        )
        story.append(self.sub("Emission factors used"))
        story.append(
            self.table(
                [
                    lab["factor_set"],
                    lab["publisher"],
                    "Edition",
                    lab["licence"],
                    lab["lines"],
                    "Fallbacks",
                ],
                [
                    [
                        f"{f['code']} — {f['title']}",
                        f["publisher"],
                        f"{f['edition_year']} ({f['version']})",
                        f["licence"],
                        f"{f['lines']:,}",
                        f"{f['fallback_lines']:,}",
                    ]
                    for f in m["factor_sets"]
                ],
                (48, 36, 20, 34, 12, 20),
                numeric_from=4,
            )
        )
        fallbacks = sum(f["fallback_lines"] for f in m["factor_sets"])
        if not fallbacks:
            story.append(self.p(texts["no_fallbacks"], self.small))
        story.append(self.sub("Restatements"))
        if m["restatements"]:
            story.append(
                self.table(
                    [
                        lab["year"],
                        "Boundary",
                        f"{lab['reported']} (t)",
                        f"{lab['restated']} (t)",
                        lab["reason"],
                        lab["approved_by"],
                        "Date",
                    ],
                    [
                        [
                            str(r["year"]),
                            r["boundary"],
                            tonnes(r["reported_g"]),
                            tonnes(r["restated_g"]),
                            r["reason"],
                            r["approved_by"],
                            r["date"],
                        ]
                        for r in m["restatements"]
                    ],
                    (12, 16, 22, 22, 50, 28, 20),
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
        canvas.drawString(left, 10 * mm, self.text("issued_on", date=self.data["issued_on"]))
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
