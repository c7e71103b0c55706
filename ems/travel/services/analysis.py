"""The flights of a year for the annual report: by haul and class, routes, business, rail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ems.extensions import db
from ems.factors.models import EmissionFactor
from ems.ledger import versions
from ems.ledger.models import Basis, EmissionLine, SourceCategory
from ems.travel.calculation import PUBLISHED_CLASSES, RAIL_HINT_MAX_KM, CabinClass
from ems.travel.models import FlightLeg
from ems.travel.services.lines import ACTIVITY_TYPE

#: a train journey of about six hours or less: the report counts them as rail-replaceable
RAIL_REPLACEABLE_MAX_KM = int(RAIL_HINT_MAX_KM)
#: the cabins counted in the business share
BUSINESS_CABINS = (CabinClass.business, CabinClass.first)
#: passenger-km are exact to 0.1 (distances to 0.1 km, whole passengers)
PASSENGER_KM_STEP = Decimal("0.1")


@dataclass(frozen=True, kw_only=True)
class FlightFigures:
    """Legs, passenger-km and grams CO2e on both bases of a group of flight legs."""

    legs: int = 0
    passenger_km: Decimal = Decimal(0)
    co2e_without_rf_g: int = 0
    co2e_with_rf_g: int = 0

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON types (passenger-km as a number)."""
        return {**vars(self), "passenger_km": float(self.passenger_km)}


@dataclass(frozen=True, kw_only=True)
class HaulClassFigures(FlightFigures):
    """The legs of one haul (of the factor used) and cabin class (as booked)."""

    haul: str
    cabin_class: CabinClass

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON types."""
        return {**super().as_json(), "cabin_class": self.cabin_class.value}


@dataclass(frozen=True, kw_only=True)
class RouteFigures(FlightFigures):
    """The legs between two airports, either way; the codes in alphabetical order."""

    airport_a: str
    airport_b: str

    @property
    def route(self) -> str:
        """'GVA–JFK'."""
        return f"{self.airport_a}–{self.airport_b}"

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON types, with the route."""
        return {**super().as_json(), "route": self.route}


@dataclass(frozen=True)
class FlightAnalysis:
    """A year's flights paid by the organisation, from the current ledger lines (the totals are
    the inventory's air travel figures)."""

    year: int
    total: FlightFigures
    by_haul_class: list[HaulClassFigures]
    #: the 10 routes with the most grams without RF
    top_routes: list[RouteFigures]
    #: the legs booked in business or first (a part of ``total``)
    business: FlightFigures
    #: the legs under RAIL_REPLACEABLE_MAX_KM, and the 5 such routes with the most grams
    rail_replaceable: FlightFigures
    rail_replaceable_routes: list[RouteFigures]

    def as_json(self) -> dict[str, Any]:
        """Every figure as JSON types, for the report's snapshot."""
        return {
            name: [item.as_json() for item in value]
            if isinstance(value, list)
            else value.as_json()
            if isinstance(value, FlightFigures)
            else value
            for name, value in vars(self).items()
        }


def _year_legs(year: int) -> sa.Subquery:
    """One row per flight leg with current lines in ``year``: route, class, distance, haul of
    the factor used, passenger-km and grams on both bases."""
    without_rf = EmissionLine.basis == Basis.without_rf
    item = sa.literal("leg ", sa.String) + sa.cast(FlightLeg.position + 1, sa.String)
    haul = EmissionFactor.attributes["haul"].as_string()
    leg_columns = (FlightLeg.origin, FlightLeg.destination, FlightLeg.cabin_class)
    return (
        sa.select(
            *leg_columns,
            FlightLeg.distance_km,
            sa.func.max(sa.case((without_rf, haul))).label("haul"),
            sa.func.sum(
                sa.case((without_rf, sa.cast(EmissionLine.quantity, sa.Numeric)), else_=0)
            ).label("passenger_km"),
            sa.func.sum(sa.case((without_rf, EmissionLine.co2e_g), else_=0)).label("without_rf_g"),
            sa.func.sum(
                sa.case((EmissionLine.basis == Basis.with_rf, EmissionLine.co2e_g), else_=0)
            ).label("with_rf_g"),
        )
        .select_from(FlightLeg)
        .join(
            EmissionLine,
            sa.and_(EmissionLine.activity_id == FlightLeg.trip_id, EmissionLine.item == item),
        )
        .join(EmissionFactor, EmissionFactor.id == EmissionLine.factor_id)
        .where(
            EmissionLine.activity_type == ACTIVITY_TYPE,
            EmissionLine.source_category == SourceCategory.air_travel,
            EmissionLine.year == year,
            EmissionLine.superseded_at.is_(None),
        )
        .group_by(FlightLeg.id, *leg_columns, FlightLeg.distance_km)
        .subquery()
    )


def _sums(legs: sa.Subquery) -> tuple[sa.ColumnElement[Any], ...]:
    return (
        sa.func.count().label("legs"),
        sa.func.sum(legs.c.passenger_km).label("passenger_km"),
        sa.func.sum(legs.c.without_rf_g).label("without_rf_g"),
        sa.func.sum(legs.c.with_rf_g).label("with_rf_g"),
    )


def _figures(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "legs": row.legs,
        "passenger_km": Decimal(str(row.passenger_km or 0)).quantize(PASSENGER_KM_STEP),
        "co2e_without_rf_g": int(row.without_rf_g or 0),
        "co2e_with_rf_g": int(row.with_rf_g or 0),
    }


def _added(groups: Sequence[FlightFigures]) -> FlightFigures:
    return FlightFigures(
        legs=sum(g.legs for g in groups),
        passenger_km=sum((g.passenger_km for g in groups), Decimal(0)),
        co2e_without_rf_g=sum(g.co2e_without_rf_g for g in groups),
        co2e_with_rf_g=sum(g.co2e_with_rf_g for g in groups),
    )


def _top_routes(
    legs: sa.Subquery, limit: int, *conditions: sa.ColumnElement[bool]
) -> list[RouteFigures]:
    forward = legs.c.origin < legs.c.destination
    first = sa.case((forward, legs.c.origin), else_=legs.c.destination).label("airport_a")
    second = sa.case((forward, legs.c.destination), else_=legs.c.origin).label("airport_b")
    stmt = (
        sa.select(first, second, *_sums(legs))
        .where(*conditions)
        .group_by(first, second)
        .order_by(sa.desc("without_rf_g"), first, second)
        .limit(limit)
    )
    return [
        RouteFigures(airport_a=row.airport_a, airport_b=row.airport_b, **_figures(row))
        for row in db.session.execute(stmt)
    ]


def flight_analysis(year: int) -> FlightAnalysis:
    """The flights of ``year`` for the annual report: by haul and class, top routes, business
    share, rail-replaceable legs. From the current ledger lines, so only legs the organisation
    paid count, in the year of their departure; computed once per version of the year (a trip's
    change is a change of its years, see ems.ledger.services.check_open_years)."""
    return versions.kept(("flight_analysis", year), [year], lambda: _flight_analysis(year))


def _flight_analysis(year: int) -> FlightAnalysis:
    legs = _year_legs(year)
    hauls, cabins = list(PUBLISHED_CLASSES), list(CabinClass)
    by_haul_class = sorted(
        (
            HaulClassFigures(
                haul=row.haul or "", cabin_class=CabinClass(row.cabin_class), **_figures(row)
            )
            for row in db.session.execute(
                sa.select(legs.c.haul, legs.c.cabin_class, *_sums(legs)).group_by(
                    legs.c.haul, legs.c.cabin_class
                )
            )
        ),
        key=lambda g: (
            hauls.index(g.haul) if g.haul in hauls else len(hauls),
            g.haul,
            cabins.index(g.cabin_class),
        ),
    )
    short = sa.cast(legs.c.distance_km, sa.Numeric) < RAIL_REPLACEABLE_MAX_KM
    return FlightAnalysis(
        year=year,
        total=_added(by_haul_class),
        by_haul_class=by_haul_class,
        top_routes=_top_routes(legs, 10),
        business=_added([g for g in by_haul_class if g.cabin_class in BUSINESS_CABINS]),
        rail_replaceable=FlightFigures(
            **_figures(db.session.execute(sa.select(*_sums(legs)).where(short)).one())
        ),
        rail_replaceable_routes=_top_routes(legs, 5, short),
    )
