"""Numbers as people read them: tonnes and kilograms of CO2e, percentages, in the reader's locale.

CO2e is stored as integer grams; it is shown in tonnes with one decimal, or in kilograms where a
figure is below one tonne. Every figure is rounded half up from the exact grams (never from a
float) and formatted by Babel in the current locale (``flask_babel.get_locale``), or in the
locale a caller names (the PDF report names its own). The Jinja filters of the same names are
registered by ``init_app``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from flask import Flask, has_request_context
from flask_babel import get_locale
from markupsafe import Markup, escape

from ems import labels, languages
from ems.units import (
    GRAMS_PER_KG,
    GRAMS_PER_TONNE,
    grams_to_kg,
    grams_to_tonnes,
    round_half_up,
)

#: what an unknown figure reads
MISSING = "—"


def _locale(locale: str | None) -> Any:
    return locale or get_locale() or "en"


def _ltr(text: str, locale: str | None) -> str:
    """A figure isolated left to right on a right-to-left page ("−6.1 %" keeps its sign before
    it in Arabic); as it is elsewhere, and where the caller names the locale (the PDF report
    lays its figures out itself)."""
    if locale is None and has_request_context() and languages.language(get_locale()).rtl:
        return f"\u2066{text}\u2069"
    return text


def number(value: object, places: int = 0, *, locale: str | None = None, sign: bool = False) -> str:
    """``value`` rounded half up to ``places`` decimals, with the locale's separators.

    No negative zero; ``sign`` puts a "+" before positive figures. None gives "—".
    """
    return _ltr(_number(value, places, locale=locale, sign=sign), locale)


def _number(value: object, places: int, *, locale: str | None, sign: bool) -> str:
    if value is None:
        return MISSING
    figure = round_half_up(value, places)
    if figure == 0:
        figure = abs(figure)
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    text = str(format_decimal(figure, pattern, locale=_locale(locale)))
    return "+" + text if sign and figure > 0 else text


def quantity(value: object, *, locale: str | None = None) -> str:
    """A measured quantity as recorded (kWh, litres, passenger-km), with the locale's
    separators and up to three decimals, no trailing zeros: 144840 → "144,840"."""
    if value is None:
        return MISSING
    figure = round_half_up(value, 3)
    text = format_decimal(
        abs(figure) if figure == 0 else figure, "#,##0.###", locale=_locale(locale)
    )
    return _ltr(str(text), locale)


def tonnes(
    grams: int | None, places: int = 1, *, locale: str | None = None, sign: bool = False
) -> str:
    """Grams as tonnes: 1234567890 → "1,234.6"."""
    if grams is None:
        return MISSING
    return number(grams_to_tonnes(grams), places, locale=locale, sign=sign)


def kilograms(
    grams: int | None, places: int = 1, *, locale: str | None = None, sign: bool = False
) -> str:
    """Grams as kilograms: 12345 → "12.3"."""
    if grams is None:
        return MISSING
    return number(grams_to_kg(grams), places, locale=locale, sign=sign)


def co2e(grams: int | None, *, locale: str | None = None, sign: bool = False) -> str:
    """A figure with its unit: tonnes with one decimal ("1,234.6 t"), or kilograms where it is
    below one tonne ("420 kg"; "0.4 kg" below one kilogram). Zero reads "0.0 t"."""
    if grams is None:
        return MISSING
    if grams == 0 or abs(grams) >= GRAMS_PER_TONNE:
        text = f"{_number(grams_to_tonnes(grams), 1, locale=locale, sign=sign)}\u00a0t"
    else:
        places = 0 if abs(grams) >= GRAMS_PER_KG else 1
        text = f"{_number(grams_to_kg(grams), places, locale=locale, sign=sign)}\u00a0kg"
    return _ltr(text, locale)


def percent(
    value: float | Decimal | None, places: int = 1, *, locale: str | None = None, sign: bool = False
) -> str:
    """A share or a change in percent: "12.5 %"; "—" when unknown."""
    if value is None:
        return MISSING
    return _ltr(f"{_number(value, places, locale=locale, sign=sign)}\u00a0%", locale)


def money(amount: object, currency: str, places: int = 2, *, locale: str | None = None) -> str:
    """An amount after its currency code: (1234.5, "EUR") → "EUR 1,234.50"; "—" when unknown."""
    if amount is None:
        return MISSING
    return _ltr(f"{currency} {_number(amount, places, locale=locale, sign=False)}", locale)


def data_tonnes(grams: int | None) -> str:
    """Grams as tonnes for a machine to read (a chart's ``data-value``), never localised:
    550000000 → "550.000"; "" when unknown."""
    # a float, as the chart reads it: exact ties round as they always did (not half up)
    return "" if grams is None else f"{grams / GRAMS_PER_TONNE:.3f}"


_CODE_SPAN = re.compile(r"`([^`]+)`")


def code_spans(text: object) -> Markup:
    """Text whose `backticked` parts are codes to type (an import's columns, a link's syntax):
    escaped, with those parts in ``<code>``, so that people see them as codes."""
    parts = _CODE_SPAN.split(str(text))  # text, code, text, code, …, text
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if index % 2 else escape(part)
        for index, part in enumerate(parts)
    )


def _field_value_filter(value: object, field: str) -> str:
    return labels.field_value(field, value)


def _label_filter(code: object, kind: str, default: str | None = None) -> str:
    return labels.label(kind, code, default)


def init_app(app: Flask) -> None:
    """Register the filters (``grams|tonnes``, ``grams|co2e``, ``code|label('haul')``…) and the
    ``label`` and ``labels`` globals of the templates."""
    app.jinja_env.filters.update(
        number=number,
        quantity=quantity,
        tonnes=tonnes,
        kg=kilograms,
        co2e=co2e,
        percent=percent,
        money=money,
        data_tonnes=data_tonnes,
        label=_label_filter,
        record_link=labels.record_link,
        code_spans=code_spans,
        field_name=labels.field_name,
        field_value=_field_value_filter,
        readable=labels.readable,
    )
    app.jinja_env.globals.update(label=labels.label, labels=labels.labels)
