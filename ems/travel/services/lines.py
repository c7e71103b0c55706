"""A trip's emissions: the flight calculator, each item's result, the ledger lines, estimates."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.errors import NotFound
from ems.extensions import db, utcnow
from ems.factors.services import FactorSelector
from ems.ledger import services as ledger
from ems.org.services import get_organisation
from ems.travel import airports
from ems.travel.calculation import (
    CabinClass,
    FlightCalculator,
    GroundResult,
    HaulMethod,
    HotelResult,
    LegResult,
    ground_lines,
    ground_result,
    hotel_lines,
    hotel_result,
    leg_lines,
    route_note,
)
from ems.travel.models import FlightLeg, GroundLeg, HotelStay, PaidBy, Trip
from ems.travel.services.icao_figures import icao_figures, icao_line
from ems.travel.services.legs import LegInput, check_legs, with_return

ACTIVITY_TYPE = "trip"


def calculator() -> FlightCalculator:
    """A flight calculator with today's factors and the organisation's haul rule."""
    return FlightCalculator(
        selector=FactorSelector(), haul_method=HaulMethod(get_organisation().flight_haul_method)
    )


def trip_results(trip: Trip, flights: FlightCalculator | None = None) -> list[LegResult]:
    """The computed flights of a trip (distance, haul, class used, factors, grams)."""
    flights = flights or calculator()
    results = []
    for leg in trip.legs:
        origin, destination = airports.find(leg.origin), airports.find(leg.destination)
        if origin is None or destination is None:
            raise NotFound(_("Airport %(code)s is no longer known.", code=leg.origin))
        results.append(
            flights.leg(
                origin=origin,
                destination=destination,
                departure_on=leg.departure_on,
                cabin_class=leg.cabin_class,
                passengers=leg.passengers,
            )
        )
    return results


def ground_results(trip: Trip, selector: FactorSelector | None = None) -> list[GroundResult]:
    """The factors and emissions of a trip's ground journeys."""
    selector = selector or FactorSelector()
    return [
        ground_result(
            selector,
            mode=g.mode.value,
            travelled_on=g.travelled_on,
            distance_km=g.distance_km,
            passengers=g.passengers,
        )
        for g in trip.ground_legs
    ]


def hotel_results(trip: Trip, selector: FactorSelector | None = None) -> list[HotelResult]:
    """The factors (where DESNZ has one for the country) and emissions of a trip's hotel stays."""
    selector = selector or FactorSelector()
    return [
        hotel_result(
            selector,
            country_code=h.country_code,
            check_in_on=h.check_in_on,
            nights=h.nights,
            rooms=h.rooms,
        )
        for h in trip.hotel_stays
    ]


def flight_calculator(selector: FactorSelector) -> FlightCalculator:
    """The selection's flight calculator, made once per selection (the organisation's haul
    rule, the haul tables)."""
    flights = selector.memo.get("flights")
    if flights is None:
        flights = selector.memo["flights"] = FlightCalculator(
            selector=selector, haul_method=HaulMethod(get_organisation().flight_haul_method)
        )
    assert isinstance(flights, FlightCalculator)  # noqa: S101 (memo holds what this put there)
    return flights


def trip_lines(trip_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    """The ledger lines of a trip (none when the organisation did not pay it)."""
    trip = db.session.get(Trip, trip_id)
    if trip is None or trip.paid_by is not PaidBy.organisation:
        return []
    flights = flight_calculator(selector)
    lines = []
    results = trip_results(trip, flights)
    for leg, result in zip(trip.legs, results, strict=True):
        lines += leg_lines(
            result,
            activity_type=ACTIVITY_TYPE,
            activity_id=trip.id,
            item=leg_item(leg),
            label=f"{leg_item(leg)} {result.route} {leg.departure_on}",
            department_id=trip.department_id,
        )
    lines += trip_icao_lines(trip, results, selector)
    for ground, ground_res in zip(trip.ground_legs, ground_results(trip, selector), strict=True):
        lines += ground_lines(
            ground_res,
            activity_id=trip.id,
            item=f"journey {ground.position + 1}",
            label=ground_label(ground),
            department_id=trip.department_id,
        )
    for stay, stay_res in zip(trip.hotel_stays, hotel_results(trip, selector), strict=True):
        lines += hotel_lines(
            stay_res,
            activity_id=trip.id,
            item=f"stay {stay.position + 1}",
            label=f"hotel {stay.country_code} {stay.check_in_on} "
            f"{stay.nights} nights x{stay.rooms}",
            department_id=trip.department_id,
        )
    return lines


def leg_item(leg: FlightLeg) -> str:
    """Which part of its trip a flight leg's lines are for: "leg 1", "leg 2"…"""
    return f"leg {leg.position + 1}"


def leg_item_sql() -> sa.ColumnElement[str]:
    """``leg_item`` in SQL, to join a flight leg to its trip's lines."""
    return sa.literal("leg ") + sa.cast(FlightLeg.position + 1, sa.String)


def trip_icao_lines(
    trip: Trip, results: Sequence[LegResult], selector: FactorSelector
) -> list[ledger.LineSpec]:
    """The ICAO lines of a trip's computed flights that have an imported ICAO figure."""
    figures = icao_figures(selector)
    found = (
        icao_line(
            result,
            figures,
            activity_type=ACTIVITY_TYPE,
            activity_id=trip.id,
            item=leg_item(leg),
            department_id=trip.department_id,
        )
        for leg, result in zip(trip.legs, results, strict=True)
    )
    return [line for line in found if line is not None]


def journey_ends(ground: GroundLeg) -> tuple[airports.Airport, airports.Airport] | None:
    """The two places a journey runs between, where each is one known airport (a code, or a
    city with one airport) and they differ; None otherwise."""
    places = airports.find_place(ground.origin), airports.find_place(ground.destination)
    if len(places[0]) == 1 and len(places[1]) == 1 and places[0] != places[1]:
        return places[0][0], places[1][0]
    return None


def ground_label(ground: GroundLeg) -> str:
    """What a journey's line says of it: mode, places, date, and how its distance was found
    where it runs between two known places (see calculation.route_note)."""
    ends = ground.origin and ground.destination and f"{ground.origin}-{ground.destination}"
    label = " ".join(part for part in (ground.mode.value, ends, str(ground.travelled_on)) if part)
    places = journey_ends(ground) if ends else None
    if places is not None:
        note = route_note(ground.mode.value, *places, ground.distance_km)
        return f"{label}; {note}" if note else label
    return label


def trips_of_year(year: int) -> list[int]:
    """The trips the organisation paid with a flight, journey or stay in ``year``."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    dated = sa.union(
        sa.select(FlightLeg.trip_id).where(FlightLeg.departure_on.between(first, last)),
        sa.select(GroundLeg.trip_id).where(GroundLeg.travelled_on.between(first, last)),
        sa.select(HotelStay.trip_id).where(HotelStay.check_in_on.between(first, last)),
    ).subquery()
    return list(
        db.session.scalars(
            sa.select(Trip.id).where(
                Trip.id.in_(sa.select(dated.c.trip_id)), Trip.paid_by == PaidBy.organisation
            )
        )
    )


ledger.register_calculator(
    ACTIVITY_TYPE,
    trip_lines,
    preload=ledger.rows_by_id(Trip),
    # a stay in a country without a factor had no line before the hotel means: computed too
    year_activities=trips_of_year,
)


@dataclass(frozen=True)
class Estimate:
    """Emissions of a planned itinerary, with the economy alternative."""

    legs: list[LegResult]
    economy: list[LegResult]

    @property
    def distance_km(self) -> float:
        """Total great-circle distance."""
        return float(sum(leg.distance_km for leg in self.legs))

    @property
    def co2e_g_with_rf(self) -> int:
        """Total grams with RF."""
        return sum(leg.co2e_g_with_rf for leg in self.legs)

    @property
    def co2e_g_without_rf(self) -> int:
        """Total grams without RF."""
        return sum(leg.co2e_g_without_rf for leg in self.legs)

    @property
    def saving_g_with_rf(self) -> int:
        """Grams with RF saved by flying economy instead."""
        return self.co2e_g_with_rf - sum(leg.co2e_g_with_rf for leg in self.economy)

    @property
    def saving_g_without_rf(self) -> int:
        """Grams without RF saved by flying economy instead."""
        return self.co2e_g_without_rf - sum(leg.co2e_g_without_rf for leg in self.economy)


def estimate_flight(
    *,
    origin: str,
    destination: str,
    via: Sequence[str] = (),
    cabin_class: CabinClass | str = CabinClass.economy,
    departure_on: dt.date | None = None,
    is_return: bool = False,
    passengers: int | None = 1,
) -> Estimate:
    """Distance and CO2e of an itinerary before booking (nothing is stored)."""
    stops = [origin, *via, destination]
    departure_on = departure_on or utcnow().date()
    legs = [
        LegInput(
            origin=a,
            destination=b,
            departure_on=departure_on,
            cabin_class=cabin_class,
            passengers=passengers,
        )
        for a, b in itertools.pairwise(stops)
    ]
    if is_return:
        legs = with_return(legs, departure_on)
    checked = check_legs(legs)
    flights = calculator()
    results = [
        flights.leg(origin=o, destination=d, departure_on=day, cabin_class=cabin, passengers=n)
        for o, d, day, cabin, n in checked
    ]
    economy = [
        flights.leg(
            origin=o, destination=d, departure_on=day, cabin_class=CabinClass.economy, passengers=n
        )
        for o, d, day, _cabin, n in checked
    ]
    return Estimate(legs=results, economy=economy)
