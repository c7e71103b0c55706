"""The shipped DESNZ factors read straight from their CSV file, so that tests check computed
figures against the published values, not against the code that computes them."""

from __future__ import annotations

import csv
import functools
from decimal import ROUND_HALF_UP, Decimal

from ems import PROJECT_ROOT

DESNZ_OTHER = PROJECT_ROOT / "ems" / "data" / "factors" / "desnz_other.csv"


@functools.cache
def _rows() -> list[dict[str, str]]:
    with DESNZ_OTHER.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def desnz(year: int, activity: str, unit: str) -> Decimal:
    """kg CO2e per ``unit`` (as DESNZ writes it: "litres", "cubic metres", "kWh (Gross CV)")
    of ``activity`` in the ``year`` set."""
    (value,) = [
        row["kgco2e_per_unit"]
        for row in _rows()
        if int(row["set_year"]) == year and row["activity"] == activity and row["unit"] == unit
    ]
    return Decimal(value)


def desnz_label(year: int, activity: str) -> set[str]:
    """The labels DESNZ gives ``activity`` in the ``year`` set."""
    return {
        row["desnz_label"]
        for row in _rows()
        if int(row["set_year"]) == year and row["activity"] == activity
    }


def years() -> set[int]:
    return {int(row["set_year"]) for row in _rows()}


def grams(quantity: Decimal | str, kg_per_unit: Decimal) -> int:
    """Whole grams of CO2e, half up, as the ledger rounds one line."""
    return int((Decimal(quantity) * kg_per_unit * 1000).quantize(Decimal(1), ROUND_HALF_UP))
