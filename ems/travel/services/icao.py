"""A year's flights as ICAO's Carbon Emissions Calculator takes them.

The UN system's environmental inventory computes air travel with ICAO's calculator, whose
tables are ICAO's own, not ems's to ship: the focal point runs the calculator on this file. One
row per route flown in one cabin class (each leg a one-way flight, as ems computes it),
with the passengers summed over the year's legs; only flights the organisation paid for, as in
the inventory. ICAO's calculator knows the four classes (methodology v13, 2024); a flight whose
class is not known goes as economy, its default, in the route's economy row, and the row says
which classes ems recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ems import labels
from ems.extensions import db
from ems.travel.calculation import CabinClass
from ems.travel.models import FlightLeg, PaidBy, Trip

#: ICAO's names of the cabin classes
ICAO_CLASSES = {
    CabinClass.economy: "Economy",
    CabinClass.premium_economy: "Premium Economy",
    CabinClass.business: "Business",
    CabinClass.first: "First",
    CabinClass.unknown: "Economy",
}
ICAO_HEADER = (
    "From",
    "To",
    "Cabin class",
    "Trip type",
    "Passengers",
    "Legs",
    "Classes recorded in ems",
)


def icao_rows(year: int) -> list[list[Any]]:
    """The flights departing in ``year`` on trips the organisation paid for, one row per
    route and ICAO class (header first), busiest first."""
    found = db.session.execute(
        sa.select(
            FlightLeg.origin,
            FlightLeg.destination,
            FlightLeg.cabin_class,
            sa.func.sum(FlightLeg.passengers),
            sa.func.count(),
        )
        .join(Trip, Trip.id == FlightLeg.trip_id)
        .where(
            Trip.paid_by == PaidBy.organisation,
            FlightLeg.departure_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
        .group_by(FlightLeg.origin, FlightLeg.destination, FlightLeg.cabin_class)
    ).all()
    # an unknown class goes with economy: one row per route and class as ICAO takes them
    rows: dict[tuple[str, str, str], list[Any]] = {}
    for origin, destination, cabin, passengers, legs in found:
        row = rows.setdefault(
            (origin, destination, ICAO_CLASSES[cabin]),
            [origin, destination, ICAO_CLASSES[cabin], "One way", 0, 0, []],
        )
        row[4] += int(passengers)
        row[5] += legs
        row[6].append(cabin)
    ordered = sorted(rows.values(), key=lambda row: (-row[4], row[0], row[1], row[2]))
    for row in ordered:
        row[6] = ", ".join(labels.label("cabin_class", cabin) for cabin in sorted(row[6]))
    return [list(ICAO_HEADER), *ordered]
