"""The building blocks of the report's sections: headings (listed in the contents), paragraphs
and tables whose columns are as wide as their content needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from ems import labels as code_labels
from ems import languages
from ems.reporting.pdf import scripts
from ems.reporting.pdf.assets import FONT, FONT_BOLD, Assets
from ems.reporting.pdf.figures import _one_line


@dataclass(frozen=True)
class Outline:
    """What a heading puts in the contents and the PDF outline."""

    level: int
    key: str
    #: in reading order (the outline's viewer lays it out)
    title: str
    #: as the contents print it: markup in display order
    shown: str


def outline_of(flowable: Flowable) -> Outline | None:
    """The outline entry of a heading (None for any other flowable)."""
    return getattr(flowable, "outline", None)


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


class Blocks:
    """What every section is written with: the styles, the fixed texts and labels, paragraphs,
    headings and tables (the sections are its subclasses, the renderer all of them)."""

    def __init__(self, data: dict[str, Any], assets: Assets, logo_png: bytes | None) -> None:
        self.data, self.assets, self.logo_png = data, assets, logo_png or assets.default_logo_png
        self.language = languages.language(data.get("language")).code
        self.writing = scripts.Writing(
            rtl=languages.language(self.language).rtl, cjk=self.language == "zh"
        )
        self.t: dict[str, Any] = assets.texts_in(self.language)
        self.labels: dict[str, str] = self.t["labels"]
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
        # figures' headers stand over the figures: at the right (mirrored, right to left)
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

    # --- texts, paragraphs and headings -------------------------------------------------

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
        """The label of an emission source."""
        return self.label("source", key)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain text, in the body style by default: each script in its font,
        right to left in Arabic."""
        return self.writing.paragraph(text, style or self.body)

    def bullets(self, items: list[str]) -> list[Flowable]:
        """A bulleted list: the bullet at the start of each item's line (its right, right to
        left)."""
        if self.writing.rtl:  # the bullet before the text in reading order
            return [self.p(f"• {item}") for item in items]
        bullet = self.writing.style(self.bullet)  # Chinese: lines break between characters
        return [
            Paragraph(scripts.markup(self.writing.line(item)), bullet, bulletText="•")
            for item in items
        ]

    def date(self, iso: str) -> str:
        """A date of the snapshot (ISO) as the report's language writes it: "8 December 2025"."""
        # UN English writes the day first, as British English does
        locale = "en_GB" if self.language == languages.DEFAULT else self.language
        return str(format_date(dt.date.fromisoformat(iso), "long", locale=locale))

    def line(self, text: str) -> str:
        """A text drawn on one line (a canvas string), in display order."""
        return self.writing.line(text)

    def _heading(self, text: str, style: ParagraphStyle, level: int) -> Flowable:
        self.sections += 1
        flowable = self.p(text, style)
        flowable.outline = Outline(  # type: ignore[attr-defined]
            level, f"section-{self.sections}", text, scripts.markup(self.writing.line(text))
        )
        return flowable

    def heading(self, key: str, level: int = 0) -> Flowable:
        """A section heading, by its key among the report's headings: listed in the contents
        and the PDF outline."""
        text = self.t["headings"].get(key, key)
        return self._heading(text, self.h1 if level == 0 else self.h2, level)

    def sub(self, key: str) -> Flowable:
        """A sub-heading, by its key among the report's sub-headings."""
        return self._heading(self.t["subheadings"][key], self.h2, 1)

    def _sub(self, text: str) -> Flowable:
        """A sub-heading of a given text (a column's name)."""
        return self._heading(text, self.h2, 1)

    # --- tables ---------------------------------------------------------------------------

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
            return scripts.width(text, size, bold=bold)

        # words are split at spaces only (and between CJK characters): a no-break space holds
        # "Electricity (kWh)" together
        words_of = self.writing.words
        lowest = [max(text_width(w, True) for w in words_of(h)) + pad for h in header]
        body = [0.0] * len(header)
        for row in cells:
            for index, cell in enumerate(row):
                whole = text_width(cell.text, cell.bold) + cell.indent + pad
                words = words_of(cell.text) if cell.wraps else [cell.text]
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
        rtl = self.writing.rtl
        # (right to left, the writing mirrors it: the indent is at the right)
        indent = ParagraphStyle("CellIndent", parent=cell, leftIndent=10)

        def figure(c: _Cell) -> Paragraph | str:
            """A figure's cell: plain text, or a paragraph where it needs another script."""
            shown = scripts.display(c.text, rtl=False)  # a figure reads left to right
            if all(script is None for script, _run in scripts.runs(shown)):
                return shown
            figure_style = total if c.bold else self.cell
            return Paragraph(
                scripts.markup(shown),
                ParagraphStyle("CellFigure", figure_style, alignment=0 if rtl else 2),
            )

        head, head_right = self.cell_bold, self.cell_bold_right
        if not words_fit:  # the headers too may then break: at "(t)", or within a word
            header = [h.replace("\u00a0(", " (") for h in header]
            head = ParagraphStyle("CellBoldSplit", head, splitLongWords=1)
            head_right = ParagraphStyle("CellBoldRightSplit", head_right, splitLongWords=1)
        body: list[list[Paragraph | str]] = [
            [self.p(h, head if i < numeric_from else head_right) for i, h in enumerate(header)]
        ]
        for r, row in enumerate(cells):
            style = total if r == total_row else cell
            body.append(
                [
                    self.p(c.text, indent if c.indent else style) if c.wraps else figure(c)
                    for c in row
                ]
            )
        columns = len(header)
        if rtl:  # the table mirrored: its first column at the right
            body = [list(reversed(row)) for row in body]
            widths = list(reversed(widths))
        kind = _WholeTable if len(rows) <= KEEP_TOGETHER_ROWS else Table
        table = kind(  # rows split across pages: a long action description never overflows one
            body, colWidths=widths, repeatRows=1, hAlign="RIGHT" if rtl else "LEFT", splitInRow=1
        )
        if isinstance(table, _WholeTable):
            table.page_height = self.height
        commands: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, 0), self.colour["primary"]),
            ("FONT", (0, 1), (-1, -1), FONT, self.cell.fontSize),
            # the figures' columns: after the text ones (before them, right to left)
            ("ALIGN", (0, 1), (max(columns - numeric_from - 1, 0), -1), "LEFT")
            if rtl
            else ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
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
