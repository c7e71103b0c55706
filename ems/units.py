"""The units ems counts in, and the conversions between them.

CO2e is stored as integer grams and read in kilograms or tonnes; energy is recorded in kWh (or
MWh, converted on entry). Conversions are exact (``Decimal``, never a float) and round half up,
the way people round, so that a figure reads the same on a page, in the PDF and in an export.
How a figure is *written* for people (separators, the locale) is ``ems.formatting``'s job.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

GRAMS_PER_KG = 1000
KG_PER_TONNE = 1000
GRAMS_PER_TONNE = GRAMS_PER_KG * KG_PER_TONNE
KWH_PER_MWH = 1000


def _exact(value: object) -> Decimal:
    # str() first: Decimal(0.1) would carry the float's binary error into the figure
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_half_up(value: object, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals: 2.25 → 2.3 at one place."""
    return _exact(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def grams_to_kg(grams: int) -> Decimal:
    """Grams as exact kilograms: 12345 → 12.345."""
    return Decimal(grams) / GRAMS_PER_KG


def grams_to_tonnes(grams: int) -> Decimal:
    """Grams as exact tonnes: 1234567 → 1.234567."""
    return Decimal(grams) / GRAMS_PER_TONNE


def kg_to_tonnes(kg: object) -> Decimal:
    """Kilograms as exact tonnes: 1500 → 1.5."""
    return _exact(kg) / KG_PER_TONNE


def rounded(grams: int, grams_per_unit: int, places: int = 3) -> Decimal:
    """``grams`` in the unit of ``grams_per_unit`` grams (``GRAMS_PER_KG``, ``GRAMS_PER_TONNE``),
    rounded half up to ``places`` decimals: (1234567, GRAMS_PER_TONNE) → 1.235."""
    return round_half_up(Decimal(grams) / grams_per_unit, places)
