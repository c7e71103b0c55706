"""The report's assets (reports/): its styles, fixed texts in each language, default logo and
fonts."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ems import languages

FONT = "EmsSans"
FONT_BOLD = "EmsSans-Bold"
#: the scripts the base font lacks, each in a font of its own (see scripts.py)
FONT_ARABIC = "EmsArabic"
FONT_CJK = "EmsCJK"


@dataclass(frozen=True)
class Assets:
    """What the report is built with, from the assets folder (reports/)."""

    styles: dict[str, Any]
    #: the fixed texts in each language (texts/<code>.toml), by language code
    texts_by_language: dict[str, dict[str, Any]]
    default_logo_png: bytes

    @property
    def texts(self) -> dict[str, Any]:
        """The fixed texts in English."""
        return self.texts_by_language[languages.DEFAULT]

    def texts_in(self, language: str) -> dict[str, Any]:
        """The fixed texts in ``language`` (English where the language has none)."""
        return self.texts_by_language.get(language, self.texts)


def _family(name: str, regular: Path, bold: Path | None) -> None:
    pdfmetrics.registerFont(TTFont(name, str(regular)))
    bold_name = f"{name}-Bold"
    pdfmetrics.registerFont(TTFont(bold_name, str(bold or regular)))
    pdfmetrics.registerFontFamily(
        name, normal=name, bold=bold_name, italic=name, boldItalic=bold_name
    )


@functools.cache
def load_assets(directory: str) -> Assets:
    """Read the styles, texts and default logo, and register the fonts (once per folder)."""
    folder = Path(directory)
    styles = tomllib.loads((folder / "styles.toml").read_text(encoding="utf-8"))
    texts = {
        code: tomllib.loads(path.read_text(encoding="utf-8"))
        for code in languages.CODES
        if (path := folder / "texts" / f"{code}.toml").exists()
    }
    fonts = styles["fonts"]
    ttf = folder / "fonts"
    _family(FONT, ttf / fonts["regular"], ttf / fonts["bold"])
    _family(FONT_ARABIC, ttf / fonts["arabic"], ttf / fonts["arabic_bold"])
    _family(FONT_CJK, ttf / fonts["cjk"], None)  # no bold: bold CJK is set regular
    return Assets(
        styles=styles, texts_by_language=texts, default_logo_png=(folder / "logo.png").read_bytes()
    )
