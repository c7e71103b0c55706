"""The report's assets (reports/): its styles, fixed texts, default logo and fonts."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

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
