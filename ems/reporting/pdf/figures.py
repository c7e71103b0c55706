"""Figures as text, as the report prints them: tonnes, kilograms, counts and percentages."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar

from ems import formatting, languages
from ems.units import GRAMS_PER_TONNE

#: the language of the report being written (reports/texts/<code>.toml): numbers are formatted
#: by Babel in it, never in the reader's locale, so that the same snapshot gives the same bytes
_LOCALE: ContextVar[str] = ContextVar("report_locale", default=languages.DEFAULT)


@contextlib.contextmanager
def report_locale(code: str) -> Iterator[None]:
    """Format the figures in the language ``code`` while a report is written."""
    token = _LOCALE.set(code)
    try:
        yield
    finally:
        _LOCALE.reset(token)


def locale() -> str:
    """The language the figures are formatted in."""
    return _LOCALE.get()


MINUS = "−"  # a typographic minus, not a hyphen


def _one_line(text: str) -> str:
    """A text of the assets on one line: runs of spaces and line ends as one space (a no-break
    space stays)."""
    return " ".join(part for part in re.split(r"[ \t\r\n]+", text) if part)


def _typeset(text: str) -> str:
    """Hyphens as typographic minus signs."""
    return text.replace("-", MINUS)


def tonnes(grams: int | None, places: int = 1) -> str:
    """Grams as tonnes with thousands separators, rounded half up: 1234567890 → "1,234.6"."""
    if grams is None:
        return "–"
    return _typeset(formatting.tonnes(grams, places, locale=locale()))


def figure(grams: int | None, *, sign: bool = False) -> str:
    """A figure of a table in tonnes: one decimal ("1,234.6"), or kilograms with their unit
    where it is below one tonne ("420 kg", "0.4 kg"); zero is "0.0"."""
    if grams is None:
        return "–"
    if abs(grams) < 50 or abs(grams) >= GRAMS_PER_TONNE:  # 0.0 kg reads "0.0"
        return _typeset(formatting.tonnes(grams, 1, locale=locale(), sign=sign))
    return _typeset(formatting.co2e(grams, locale=locale(), sign=sign))


def signed_figure(grams: int) -> str:
    """A change in tonnes with its sign: "+12.5", "−3.0", "−420 kg", "0.0"."""
    return figure(grams, sign=True)


def with_unit(grams: int | None) -> str:
    """A figure in a sentence, with its unit: "1,234.6 t", "420 kg"."""
    if grams is None:
        return "–"
    return _typeset(formatting.co2e(grams, locale=locale()))


def number(value: object, places: int = 0) -> str:
    """A count or a quantity with thousands separators: 19487924 → "19,487,924"."""
    return _typeset(formatting.number(value, places, locale=locale()))


def percent(value: float | None, places: int = 1, *, sign: bool = False) -> str:
    """A share or change in percent ("+" before a rise, with ``sign``); "–" when unknown."""
    if value is None:
        return "–"
    return _typeset(formatting.percent(value, places, locale=locale(), sign=sign))


def _share(part: int, whole: int) -> str:
    """``part`` as a share of ``whole``; a share that rounds to nothing reads "< 0.1 %"."""
    if not whole:
        return "–"
    share = part * 100 / whole
    return f"< {percent(0.1)}" if 0 < share < 0.05 else percent(share)
