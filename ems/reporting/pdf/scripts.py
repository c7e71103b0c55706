"""Text in any of the six UN languages as the report sets it: each script in a font that has
it, Arabic shaped and laid out right to left.

No one font shipped covers every script, and reportlab has no font fallback: a text is cut
into runs by script (Arabic, CJK, everything else), each run set in its own font, in
paragraphs (markup), table widths and the few strings drawn on the canvas alike. Arabic is
shaped into its presentation forms (arabic-reshaper) and put in display order by the Unicode
bidirectional algorithm (python-bidi): whole lines of a right-to-left paragraph, after they
are broken in reading order, so that a wrapped paragraph reads from its first line down.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import arabic_reshaper

# the algorithm's Python implementation: it mirrors brackets and honours embeddings
from bidi.algorithm import get_display
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText

from ems.reporting.pdf.assets import FONT, FONT_ARABIC, FONT_BOLD, FONT_CJK

_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
#: a run of one script; spaces stay with the run they follow
_RUNS = re.compile(rf"[{_ARABIC}][{_ARABIC}\s]*|[{_CJK}][{_CJK}\s]*|[^{_ARABIC}{_CJK}]+")
_HAS_ARABIC = re.compile(f"[{_ARABIC}]")
_HAS_CJK = re.compile(f"[{_CJK}]")
#: bidirectional controls: those a text brings (a figure copied from an Arabic page carries
#: isolates, which the algorithm used here does not know) are dropped before it is laid out,
#: and those of the layout once the text is in display order
_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
#: a text's first strong letter: Latin, Greek or Cyrillic (left to right) or Arabic
_FIRST_STRONG = re.compile(f"[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff{_ARABIC}]")
#: Arabic words and the spaces between them
_ARABIC_WORDS = re.compile(f"[{_ARABIC}]+(?:\\s+[{_ARABIC}]+)*")
#: what may stand at the edges of a left-to-right stretch without belonging to it
_EDGES = " \t\u00a0\u202f—–:;,.،؛!?؟«»“”\"'•"
#: left-to-right embedding, and its end
_LRE, _PDF = "\u202a", "\u202c"

#: the family of each script's font: regular and bold
_FAMILIES = {"arabic": FONT_ARABIC, "cjk": FONT_CJK}


def _script(run: str) -> str | None:
    if _HAS_ARABIC.match(run):
        return "arabic"
    if _HAS_CJK.match(run):
        return "cjk"
    return None


def runs(text: str) -> Iterator[tuple[str | None, str]]:
    """``text`` cut into runs of one script: (None for the base font, "arabic" or "cjk")."""
    for match in _RUNS.finditer(text):
        yield _script(match.group()), match.group()


def font_of(script: str | None, bold: bool) -> str:
    """The font a run of ``script`` is set in."""
    family = _FAMILIES.get(script or "")
    if family is None:
        return FONT_BOLD if bold else FONT
    return f"{family}-Bold" if bold else family


def markup(text: str) -> str:
    """Paragraph markup of a text in display order: escaped, each script in its font (bold
    follows the paragraph's style through the font families)."""
    return "".join(
        escape(run) if script is None else f'<font face="{_FAMILIES[script]}">{escape(run)}</font>'
        for script, run in runs(text)
    )


def width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` set in its fonts, in points."""
    return sum(
        pdfmetrics.stringWidth(run, font_of(script, bold), size) for script, run in runs(text)
    )


def shaped(text: str) -> str:
    """Arabic letters in their joined forms (reading order kept); other text as it is."""
    return arabic_reshaper.reshape(text) if _HAS_ARABIC.search(text) else text


def _embedded(stretch: str) -> str:
    """A stretch between Arabic words with its core (letters, figures and the brackets they
    enclose) embedded left to right; the punctuation at its edges left to the algorithm."""
    core = stretch.strip(_EDGES)

    def unclosed(text: str) -> int:
        return text.count("(") + text.count("[") - text.count(")") - text.count("]")

    # a bracket that opens or closes around Arabic words belongs to them, not to this stretch
    while (core[:1] in ("(", "[") and unclosed(core) > 0) or core[:1] in (")", "]"):
        core = core[1:].lstrip(_EDGES)
    while (core[-1:] in (")", "]") and unclosed(core) < 0) or core[-1:] in ("(", "["):
        core = core[:-1].rstrip(_EDGES)
    if not any(char.isalnum() for char in core):
        return stretch
    start = stretch.index(core)
    return f"{stretch[:start]}{_LRE}{core}{_PDF}{stretch[start + len(core) :]}"


def _figures_ltr(text: str) -> str:
    """Everything between Arabic words embedded left to right: "−45 %" keeps its sign before
    it, "(demo)" and "(kg)" their brackets, in right-to-left text."""
    text = _CONTROLS.sub("", text)
    parts: list[str] = []
    position = 0
    for match in _ARABIC_WORDS.finditer(text):
        parts += [_embedded(text[position : match.start()]), match.group()]
        position = match.end()
    parts.append(_embedded(text[position:]))
    return "".join(parts)


def _reorder(text: str, *, rtl: bool) -> str:
    """A line of shaped text in display order, controls removed."""
    return _CONTROLS.sub("", get_display(text, base_dir="R" if rtl else "L"))


def starts_left_to_right(text: str) -> bool:
    """Whether a text's first letter is written left to right (an English note in an Arabic
    report is a left-to-right paragraph, as a browser's ``dir="auto"`` would set it)."""
    first = _FIRST_STRONG.search(text)
    return first is not None and not _HAS_ARABIC.match(first.group())


def _balanced(lines: list[str]) -> list[str]:
    """Lines with each embedding closed at the line's end and opened again on the next: a
    stretch of English broken across two lines stays left to right on both."""
    balanced, depth = [], 0
    for line in lines:
        opened = depth
        depth = max(depth + line.count(_LRE) - line.count(_PDF), 0)
        balanced.append(_LRE * opened + line + _PDF * depth)
    return balanced


def display(text: str, *, rtl: bool) -> str:
    """One line of text in display order: shaped, reordered by the bidirectional algorithm
    (a left-to-right line keeps its order, but for its Arabic words), controls removed."""
    if not rtl and not _HAS_ARABIC.search(text):
        return _CONTROLS.sub("", text)
    text = _CONTROLS.sub("", text)
    return _reorder(shaped(_figures_ltr(text) if rtl else text), rtl=rtl)


def _lines(text: str, available: float, size: float, bold: bool) -> list[str]:
    """``text`` (reading order) broken at spaces into lines of at most ``available`` points; a
    word wider than a line has a line of its own."""
    pieces = re.split(r"(\s+)", text)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if not piece:
            continue
        candidate = line + piece
        if line and not piece.isspace() and width(candidate.rstrip(), size, bold=bold) > available:
            lines.append(line.rstrip())
            line = piece
        elif line or not piece.isspace():
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


class RtlParagraph(Paragraph):
    """A right-to-left paragraph: broken into lines in reading order at the width it is given,
    each line then put in display order and set right-aligned."""

    def __init__(
        self,
        text: Any,
        style: ParagraphStyle,
        bulletText: Any = None,  # noqa: N803 (reportlab's signature: split() calls it so)
        frags: Any = None,
        caseSensitive: int = 1,  # noqa: N803
        encoding: str = "utf8",
        *,
        plain: str | None = None,
    ) -> None:
        # a part made by split() arrives as frags, already in display order
        self._plain = shaped(_figures_ltr(plain)) if plain is not None else None
        self._laid_for: float | None = None
        if plain is not None:
            text = markup(display(plain, rtl=True))
        super().__init__(text, style, bulletText, frags, caseSensitive, encoding)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        """Lay the lines out for ``availWidth``, then as a paragraph of those lines."""
        if self._plain is not None and self._laid_for != availWidth:
            style = self.style
            room = availWidth - style.leftIndent - style.rightIndent
            bold = style.fontName.endswith("-Bold")
            lines = _balanced(_lines(self._plain, room, style.fontSize, bold))
            text = "<br/>".join(markup(_reorder(line, rtl=True)) for line in lines)
            # reportlab's own set-up of a paragraph's text (not in its type stubs)
            self._setup(  # type: ignore[attr-defined]
                text, style, self.bulletText, None, cleanBlockQuotedText
            )
            self._laid_for = availWidth
        return super().wrap(availWidth, availHeight)


#: a paragraph's alignment, right to left: left and right swap, centred and justified stay
_MIRRORED: dict[Any, Any] = {TA_LEFT: TA_RIGHT, TA_RIGHT: TA_LEFT, "left": "right", "right": "left"}


@dataclass(frozen=True)
class Writing:
    """How the report's language is written: its direction and how lines break."""

    rtl: bool = False
    #: lines break between any two CJK characters (Chinese has no spaces between words)
    cjk: bool = False

    def style(self, style: ParagraphStyle) -> ParagraphStyle:
        """``style`` as this language sets it: right to left, right-aligned and its indents
        mirrored; CJK breaking for Chinese."""
        if self.rtl and not style.name.endswith("Rtl"):
            return ParagraphStyle(
                f"{style.name}Rtl",
                parent=style,
                alignment=_MIRRORED.get(style.alignment, style.alignment),
                leftIndent=style.rightIndent,
                rightIndent=style.leftIndent,
            )
        if self.cjk and style.wordWrap != "CJK":
            return ParagraphStyle(f"{style.name}Cjk", parent=style, wordWrap="CJK")
        return style

    def paragraph(self, text: str, style: ParagraphStyle) -> Paragraph:
        """A paragraph of plain ``text`` (reading order) in ``style``; in a right-to-left
        report, a text that starts in English is set left to right (at the right)."""
        if self.rtl and not starts_left_to_right(text):
            return RtlParagraph(None, self.style(style), plain=text)
        return Paragraph(markup(display(text, rtl=False)), self.style(style))

    def line(self, text: str) -> str:
        """A text set on one line (a figure, a canvas string), in display order."""
        return display(text, rtl=self.rtl)

    def words(self, text: str) -> list[str]:
        """Where a text may break: its words (for Chinese, every CJK character too)."""
        if self.cjk:
            return re.findall(rf"[{_CJK}]|[^\s{_CJK}]+", text) or [""]
        return text.split(" ")


def draw(
    canvas: Canvas, x: float, y: float, text: str, size: float, *, bold: bool, anchor: str
) -> None:
    """Draw one line already in display order at (x, y), each script in its font; ``anchor``
    "start" (x is its left end), "end" (its right end) or "middle"."""
    total = width(text, size, bold=bold)
    left = x if anchor == "start" else x - total if anchor == "end" else x - total / 2
    for script, run in runs(text):
        font = font_of(script, bold)
        canvas.setFont(font, size)
        canvas.drawString(left, y, run)
        left += pdfmetrics.stringWidth(run, font, size)
