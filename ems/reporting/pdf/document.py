"""The annual report rendered as PDF (reportlab Platypus), from its snapshot alone: the document,
its page templates (cover and body, running header and footer, draft watermark), contents and
outline, and the renderer that puts the sections together.

Rendering reads nothing from the database: the same snapshot, logo and assets (reports/) give
the same bytes (``invariant`` output: fixed creation date and document id).
"""

from __future__ import annotations

import io
from typing import Any

from flask import current_app
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
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
)
from reportlab.platypus.tableofcontents import TableOfContents

from ems import languages
from ems.reporting.pdf import scripts
from ems.reporting.pdf.assets import FONT_BOLD, load_assets
from ems.reporting.pdf.blocks import outline_of
from ems.reporting.pdf.figures import report_locale
from ems.reporting.pdf.flights import FlightSections
from ems.reporting.pdf.follow_up import FollowUpSections
from ems.reporting.pdf.overview import OverviewSections
from ems.reporting.pdf.sites import SiteSections
from ems.reporting.pdf.sources import SourceSections


class _ReportDoc(BaseDocTemplate):
    """Page templates, contents entries, outline, and the page count of the previous pass."""

    pages_counted: int | None = None

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's hook)
        """Add headings to the contents and the outline."""
        outline = outline_of(flowable)
        if outline is not None:
            self.canv.bookmarkPage(outline.key)
            self.canv.addOutlineEntry(outline.title, outline.key, level=outline.level)
            entry = (outline.level, outline.shown, self.page, outline.key)
            self.notify("TOCEntry", entry)  # the contents parse their entries as markup

    def build(self, flowables: list[Flowable], **kwargs: Any) -> None:  # type: ignore[override]
        """One layout pass; the next pass knows the page count ("Page 3 of 12")."""
        super().build(flowables, **kwargs)
        self.pages_counted = self.page


class _RtlContents(TableOfContents):
    """The contents of a right-to-left report: each heading at the right, its page number at
    the left of its line."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        """A table of the last pass's entries: page number, then the heading (a link)."""
        rows: list[list[Any]] = []
        number_width = 12 * mm
        entries = getattr(self, "_lastEntries", None) or [(0, "", 0, None)]
        for level, text, page, key in entries:
            style = self.getLevelStyle(level)
            if style.spaceBefore:
                rows.append([Spacer(1, style.spaceBefore), ""])
            link = f'<a href="#{key}">{text}</a>' if key else text
            rows.append([Paragraph(str(page), style), Paragraph(link, style)])
        self._table = Table(
            rows,
            colWidths=(number_width, availWidth - number_width),
            style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)],
        )
        self.width, self.height = self._table.wrapOn(self.canv, availWidth, availHeight)
        return self.width, self.height


class _Renderer(OverviewSections, SourceSections, FlightSections, SiteSections, FollowUpSections):
    """Builds the story of one report from its snapshot: the cover and contents, the sections
    in their order, and what each page carries."""

    def cover(self) -> list[Flowable]:
        """The cover, then the contents on a page of their own."""
        d = self.data
        logo = ImageReader(io.BytesIO(self.logo_png))
        width, height = logo.getSize()
        side = 40 * mm
        scale = min(side / width, side / height)
        story: list[Flowable] = [
            Image(
                io.BytesIO(self.logo_png),
                width=width * scale,
                height=height * scale,
                hAlign="RIGHT" if self.writing.rtl else "LEFT",
            ),
            Spacer(1, 25 * mm),
            self.p(self.text("title"), self.title),
            self.p(self.text("subtitle", year=d["year"]), self.subtitle),
            self.p(d["organisation"], self.subtitle),
            Spacer(1, 12 * mm),
            self.p(self.text("identifier", identifier=d["identifier"])),
        ]
        if d["draft"]:  # a draft is not issued: its cover says so, in the draft's colour
            draft = ParagraphStyle("Draft", self.body, textColor=self.colour["draft"])
            story += [
                self.p(
                    self.text("draft_status"),
                    ParagraphStyle("DraftBold", draft, fontName=FONT_BOLD),
                ),
                self.p(self.text("draft_notice", date=self.date(d["issued_on"])), draft),
            ]
        else:
            story.append(self.p(self.text("issued_on", date=self.date(d["issued_on"]))))
        story += [
            Spacer(1, 8 * mm),
            self.p(self.text("prepared_with"), self.small),
            self.p(self.text("unit_note"), self.small),
        ]
        toc = _RtlContents() if self.writing.rtl else TableOfContents()
        toc.levelStyles = [
            self.writing.style(
                ParagraphStyle(
                    "TOC1",
                    parent=self.body,
                    fontName=FONT_BOLD,
                    leftIndent=0,
                    firstLineIndent=0,
                    spaceBefore=3,
                )
            ),
            self.writing.style(
                ParagraphStyle(
                    "TOC2", parent=self.body, leftIndent=14, firstLineIndent=0, spaceAfter=1
                )
            ),
        ]
        toc.dotsMinLevel = 0
        story += [
            NextPageTemplate("body"),
            PageBreak(),
            self.p(self.text("contents"), self.h1),
            toc,
            PageBreak(),
        ]
        return story

    def story(self) -> list[Flowable]:
        """The cover and contents, then every section in its order."""
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
        """A draft's watermark across the page."""
        if not self.data["draft"]:
            return
        canvas.saveState()
        canvas.setFillColor(self.colour["draft"], alpha=0.18)
        canvas.translate(doc.pagesize[0] / 2, doc.pagesize[1] / 2)
        canvas.rotate(50)
        scripts.draw(
            canvas, 0, -35, self.line(self.text("draft_mark")), 110, bold=True, anchor="middle"
        )
        canvas.restoreState()

    def on_cover(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """The cover page: no running header or footer."""
        self.draft_mark(canvas, doc)

    def on_page(self, canvas: Canvas, doc: _ReportDoc) -> None:
        """A body page: running header, page number and issue date."""
        self.draft_mark(canvas, doc)
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFillColor(self.colour["muted"])
        top = height - 12 * mm
        # the running header starts at the left (the right, right to left)
        start, end = doc.leftMargin, width - doc.rightMargin
        if self.writing.rtl:
            start, end = end, start
        first, last = ("end", "start") if self.writing.rtl else ("start", "end")

        def say(x: float, y: float, text: str, anchor: str) -> None:
            scripts.draw(canvas, x, y, self.line(text), 7.5, bold=False, anchor=anchor)

        mark = self.data["identifier"] + (
            f"  ·  {self.text('draft_mark')}" if self.data["draft"] else ""
        )
        say(end, top, mark, last)
        # the organisation's name shortened ("…") where a long one would run into the mark
        room = abs(end - start) - scripts.width(self.line(mark), 7.5) - 5 * mm
        title = f"— {self.text('title')} {self.data['year']}"
        name = self.data["organisation"]
        while len(name) > 1 and scripts.width(self.line(f"{name} {title}"), 7.5) > room:
            name = name[:-2].rstrip() + "…"
        say(start, top, f"{name} {title}", first)
        canvas.setStrokeColor(self.colour["grid"])
        canvas.line(start, top - 2 * mm, end, top - 2 * mm)
        pages = doc.pages_counted or 0
        say(end, 10 * mm, self.text("page", page=doc.page, pages=pages or "?"), last)
        status = "draft_footer" if self.data["draft"] else "issued_on"
        say(start, 10 * mm, self.text(status, date=self.date(self.data["issued_on"])), first)
        canvas.restoreState()


def render_annual_report(data: dict[str, Any], *, logo_png: bytes | None = None) -> bytes:
    """The report of the snapshot ``data`` as PDF bytes; the same input gives the same bytes."""
    assets = load_assets(current_app.config["REPORT_ASSETS_DIR"])
    renderer = _Renderer(data, assets, logo_png)
    with report_locale(renderer.language):
        return _render(renderer, data, assets)


def _render(renderer: _Renderer, data: dict[str, Any], assets: Any) -> bytes:
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
        lang=languages.language(renderer.language).tag,
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
