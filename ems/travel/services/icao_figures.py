"""ICAO's figures for the organisation's flights: the second method on the same legs.

A focal point runs ICAO's Carbon Emissions Calculator on the year's flights (see
services.icao) and imports its results, kg CO2 per passenger of each route and cabin class, as a
factor set of family ``icao`` for that year. Each flight leg whose route and class the year's
newest set holds then gets a line of basis ``icao`` beside its two DESNZ lines: passengers ×
kg CO2 per passenger. The figure of the opposite direction is used where only that one is given
(ICAO's calculator gives the same figure both ways for most routes), and the line says so.
ICAO lines are never added to a total; they stand beside the DESNZ figures for comparison and
for the Greening the Blue submission.
"""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa

from ems.extensions import db
from ems.factors.keys import factor_key
from ems.factors.models import EmissionFactor, FactorSet
from ems.factors.services import FactorSelector, SelectedFactor
from ems.ledger.models import Basis, SourceCategory
from ems.ledger.services import LineSpec
from ems.travel.calculation import SCOPE3_BUSINESS_TRAVEL, CabinClass, LegResult

ICAO_FAMILY = "icao"
#: how an ICAO set's source names the file it was read from
FILE_DIGEST = re.compile(r"SHA-256 ([0-9a-f]{64})")
ICAO_METHOD = "icao_calculator"
#: the cabin classes of ICAO's calculator; a leg of unknown class takes the economy figure,
#: ICAO's default (the export puts it in the economy row)
ICAO_CLASS_OF = {
    CabinClass.economy: "economy",
    CabinClass.premium_economy: "premium_economy",
    CabinClass.business: "business",
    CabinClass.first: "first",
    CabinClass.unknown: "economy",
}


def icao_key(origin: str, destination: str, cabin_class: str) -> str:
    """The factor key of a route's figure in one cabin class."""
    return factor_key(
        "air_icao",
        "passenger_flight",
        "passenger",
        origin=origin,
        destination=destination,
        cabin_class=cabin_class,
    )


class IcaoFigures:
    """The figures of each year's newest ICAO set, read once per selection."""

    def __init__(self, selector: FactorSelector) -> None:
        self.pinned = selector.pinned.get(ICAO_FAMILY)
        self._years: dict[int, tuple[FactorSet, dict[str, EmissionFactor]] | None] = {}

    def _year(self, year: int) -> tuple[FactorSet, dict[str, EmissionFactor]] | None:
        if year not in self._years:
            stmt = sa.select(FactorSet).where(FactorSet.family == ICAO_FAMILY)
            if self.pinned is not None:
                stmt = stmt.where(FactorSet.id == self.pinned)
            else:
                stmt = stmt.where(FactorSet.edition_year == year)
            factor_set = db.session.scalar(stmt.order_by(FactorSet.id.desc()).limit(1))
            self._years[year] = (
                None
                if factor_set is None
                else (factor_set, {factor.key: factor for factor in factor_set.factors})
            )
        return self._years[year]

    def figure(self, leg: LegResult) -> tuple[SelectedFactor, bool] | None:
        """The figure for ``leg`` and whether it is the opposite direction's; None without."""
        found = self._year(leg.departure_on.year)
        if found is None:
            return None
        factor_set, factors = found
        cabin = ICAO_CLASS_OF[leg.cabin_class]
        ends = (leg.origin.code, leg.destination.code)
        for reverse, (origin, destination) in ((False, ends), (True, ends[::-1])):
            factor = factors.get(icao_key(origin, destination, cabin))
            if factor is not None:
                selection = "pinned" if self.pinned is not None else "edition_year"
                chosen = SelectedFactor(
                    factor=factor, factor_set=factor_set, selection=selection, note=""
                )
                return chosen, reverse
        return None


def icao_figures(selector: FactorSelector) -> IcaoFigures:
    """The selection's ICAO figures (read once per selector)."""
    figures = selector.memo.get("icao")
    if figures is None:
        figures = selector.memo["icao"] = IcaoFigures(selector)
    assert isinstance(figures, IcaoFigures)  # noqa: S101 (memo holds what this put there)
    return figures


def file_digest(factor_set: FactorSet) -> str:
    """The SHA-256 of the file a set of ICAO figures was imported from (in its source)."""
    found = FILE_DIGEST.search(factor_set.source)
    return found.group(1) if found else ""


def icao_line(
    leg: LegResult,
    figures: IcaoFigures,
    *,
    activity_type: str,
    activity_id: int,
    item: str,
    department_id: int | None,
) -> LineSpec | None:
    """The ICAO line of ``leg``: passengers × kg CO2 per passenger; None without a figure."""
    found = figures.figure(leg)
    if found is None:
        return None
    selected, reverse = found
    origin, destination = leg.origin.code, leg.destination.code
    parts = [
        f"{item} {origin}→{destination} {leg.departure_on}",
        f"ICAO {ICAO_CLASS_OF[leg.cabin_class]}",
        f"{selected.factor_set.code} ({selected.factor_set.version})",
    ]
    if leg.cabin_class is CabinClass.unknown:
        parts.append("class unknown: economy figure")
    if reverse:
        parts.append(f"figure of {destination}→{origin}")
    parts += ["CO2 only", f"file SHA-256 {file_digest(selected.factor_set)}"]
    return LineSpec(
        activity_type=activity_type,
        activity_id=activity_id,
        year=leg.departure_on.year,
        scope=3,
        scope3_category=SCOPE3_BUSINESS_TRAVEL,
        source_category=SourceCategory.air_travel,
        basis=Basis.icao,
        quantity=Decimal(leg.passengers),
        quantity_unit="passenger",
        selected=selected,
        method=ICAO_METHOD,
        department_id=department_id,
        item=item,
        note="; ".join(parts),
    )
