"""The annual report's flights analysis, checked against the ledger lines leg by leg."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.extensions import db
from ems.inventory import services as inventory
from ems.inventory.services import Boundary
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine
from ems.travel import services
from ems.travel.calculation import CabinClass
from ems.travel.models import PaidBy, Trip
from ems.travel.services import FlightFigures, GroundInput, LegInput


def leg(origin, destination, day, cabin="economy", passengers=1):
    return LegInput(
        origin=origin,
        destination=destination,
        departure_on=day,
        cabin_class=cabin,
        passengers=passengers,
    )


@pytest.fixture
def flights(loaded):
    """Eight organisation-paid legs departing in 2024, and legs that must not count."""
    trip = services.create_trip  # every trip is paid by the organisation unless said otherwise
    # long haul business, both ways: one route (international, to/from non-UK)
    trip(
        actor=None,
        traveller="Ana",
        legs=[leg("GVA", "JFK", dt.date(2024, 3, 4), "business")],
        is_return=True,
        return_on=dt.date(2024, 3, 10),
    )
    trip(actor=None, traveller="Ben", legs=[leg("LHR", "JFK", dt.date(2024, 5, 1), "first")])
    # edited: first recorded in business for one, then economy for two (old lines superseded)
    edited = trip(
        actor=None, traveller="Cleo", legs=[leg("LHR", "MAD", dt.date(2024, 6, 1), "business")]
    )
    db.session.commit()
    services.update_trip(
        actor=None,
        trip=edited,
        traveller="Cleo",
        legs=[leg("LHR", "MAD", dt.date(2024, 6, 1), passengers=2)],
        expected_version=edited.version_id,
    )
    # under 700 km: there and back as two legs, with a train journey (not a flight) on the trip
    trip(
        actor=None,
        traveller="Dan",
        legs=[leg("LHR", "EDI", dt.date(2024, 7, 1)), leg("EDI", "LHR", dt.date(2024, 7, 2))],
        ground=[
            GroundInput(mode="rail", travelled_on=dt.date(2024, 7, 1), distance_km=Decimal(30))
        ],
    )
    trip(actor=None, traveller="Eva", legs=[leg("GVA", "CDG", dt.date(2024, 8, 1))])
    # the way back departs in 2025
    trip(
        actor=None,
        traveller="Finn",
        legs=[leg("GVA", "LHR", dt.date(2024, 12, 30))],
        is_return=True,
        return_on=dt.date(2025, 1, 3),
    )
    # not counted: paid by others, and departing in 2023
    trip(
        actor=None,
        traveller="Guest",
        paid_by="other",
        legs=[leg("GVA", "JFK", dt.date(2024, 4, 1), "business")],
    )
    trip(actor=None, traveller="Old", legs=[leg("GVA", "JFK", dt.date(2023, 4, 1), "business")])
    db.session.commit()
    superseded = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(EmissionLine)
        .where(EmissionLine.activity_id == edited.id, EmissionLine.superseded_at.is_not(None))
    )
    assert superseded == 2
    return edited


@dataclass(frozen=True)
class Leg:
    route: str
    haul: str
    cabin: CabinClass
    distance_km: Decimal
    passenger_km: Decimal
    without_rf_g: int
    with_rf_g: int


def ledger_legs(year):
    """Every leg the organisation paid departing in ``year``, with its current lines."""
    result = []
    for trip in db.session.scalars(sa.select(Trip).order_by(Trip.id)):
        lines = {
            (line.item, line.basis): line
            for line in ledger.current_lines(activity_type="trip", activity_id=trip.id)
        }
        for flight in trip.legs:
            if trip.paid_by is not PaidBy.organisation or flight.departure_on.year != year:
                continue
            item = f"leg {flight.position + 1}"
            without_rf, with_rf = lines[(item, Basis.without_rf)], lines[(item, Basis.with_rf)]
            passenger_km = flight.distance_km * flight.passengers
            assert without_rf.quantity == with_rf.quantity == passenger_km
            result.append(
                Leg(
                    route="–".join(sorted((flight.origin, flight.destination))),
                    haul=without_rf.factor.attributes["haul"],
                    cabin=flight.cabin_class,
                    distance_km=flight.distance_km,
                    passenger_km=passenger_km,
                    without_rf_g=without_rf.co2e_g,
                    with_rf_g=with_rf.co2e_g,
                )
            )
    return result


def figures(legs):
    return (
        len(legs),
        sum((leg.passenger_km for leg in legs), Decimal(0)),
        sum(leg.without_rf_g for leg in legs),
        sum(leg.with_rf_g for leg in legs),
    )


def of(group: FlightFigures):
    return (group.legs, group.passenger_km, group.co2e_without_rf_g, group.co2e_with_rf_g)


def routes(legs, limit):
    by_route = {}
    for item in legs:
        by_route.setdefault(item.route, []).append(item)
    rows = [(route, *figures(group)) for route, group in by_route.items()]
    return sorted(rows, key=lambda row: (-row[3], row[0]))[:limit]


def route_rows(analysed):
    return [(r.route, *of(r)) for r in analysed]


def test_the_figures_are_the_ledger_lines_of_the_year(flights):
    analysis = services.flight_analysis(2024)
    legs = ledger_legs(2024)
    assert len(legs) == 8

    assert [(g.haul, g.cabin_class.value, g.legs) for g in analysis.by_haul_class] == [
        ("domestic", "economy", 2),
        ("short_haul", "economy", 2),  # the edited trip, and the outbound leg of the last
        ("long_haul", "first", 1),
        ("international_non_uk", "economy", 1),
        ("international_non_uk", "business", 2),
    ]
    for group in analysis.by_haul_class:
        assert of(group) == figures(
            [x for x in legs if (x.haul, x.cabin) == (group.haul, group.cabin_class)]
        )

    assert of(analysis.total) == figures(legs)
    inventories = inventory.inventories(2024)
    for boundary in (Boundary.full, Boundary.gtb):
        assert analysis.total.co2e_without_rf_g == inventories[boundary].air_without_rf_g
        assert analysis.total.co2e_with_rf_g == inventories[boundary].air_with_rf_g

    assert analysis.top_routes[0].route == "GVA–JFK"
    assert {r.route: r.legs for r in analysis.top_routes} == {
        "GVA–JFK": 2,
        "JFK–LHR": 1,
        "LHR–MAD": 1,
        "EDI–LHR": 2,
        "CDG–GVA": 1,
        "GVA–LHR": 1,
    }
    assert route_rows(analysis.top_routes) == routes(legs, 10)

    assert of(analysis.business) == figures(
        [x for x in legs if x.cabin in (CabinClass.business, CabinClass.first)]
    )
    assert analysis.business.legs == 3

    short = [x for x in legs if x.distance_km < 700]
    assert of(analysis.rail_replaceable) == figures(short)
    assert analysis.rail_replaceable.legs == 3
    # two domestic legs (higher factor) outweigh one international leg of similar length
    assert [(r.route, r.legs) for r in analysis.rail_replaceable_routes] == [
        ("EDI–LHR", 2),
        ("CDG–GVA", 1),
    ]
    assert route_rows(analysis.rail_replaceable_routes) == routes(short, 5)


def test_the_edited_trip_counts_as_it_is_now(flights):
    analysis = services.flight_analysis(2024)
    (madrid,) = [r for r in analysis.top_routes if r.route == "LHR–MAD"]
    assert madrid.passenger_km == 2 * flights.legs[0].distance_km
    assert madrid.legs == 1
    assert ("short_haul", CabinClass.business) not in {
        (g.haul, g.cabin_class) for g in analysis.by_haul_class
    }


def test_other_years_hold_their_own_legs(flights):
    assert [(r.route, r.legs) for r in services.flight_analysis(2023).top_routes] == [
        ("GVA–JFK", 1)
    ]
    later = services.flight_analysis(2025)
    assert [(r.route, r.legs) for r in later.top_routes] == [("GVA–LHR", 1)]
    assert of(later.total) == figures(ledger_legs(2025))
    assert (
        later.total.co2e_without_rf_g == inventory.inventories(2025)[Boundary.full].air_without_rf_g
    )


def test_the_analysis_as_json_types(flights):
    analysis = services.flight_analysis(2024)
    data = json.loads(json.dumps(analysis.as_json()))
    assert data["year"] == 2024
    assert data["total"] == {
        "legs": 8,
        "passenger_km": float(analysis.total.passenger_km),
        "co2e_without_rf_g": analysis.total.co2e_without_rf_g,
        "co2e_with_rf_g": analysis.total.co2e_with_rf_g,
    }
    assert data["by_haul_class"][-1]["haul"] == "international_non_uk"
    assert data["by_haul_class"][-1]["cabin_class"] == "business"
    assert data["top_routes"][0]["route"] == "GVA–JFK"
    assert data["top_routes"][0]["airport_a"] == "GVA"
    assert [r["route"] for r in data["rail_replaceable_routes"]] == ["EDI–LHR", "CDG–GVA"]
    assert data["business"]["legs"] == 3
    assert data["rail_replaceable"]["legs"] == 3


def test_only_the_top_routes_are_listed(loaded):
    pairs = [
        ("LHR", "AMS"), ("CDG", "AMS"), ("FRA", "AMS"), ("FRA", "MUC"), ("MUC", "VIE"),
        ("ZRH", "MUC"), ("GVA", "ZRH"), ("GVA", "MXP"), ("LHR", "BRU"), ("CDG", "BRU"),
        ("AMS", "BRU"), ("CDG", "FRA"),
    ]  # fmt: skip
    for origin, destination in pairs:
        services.create_trip(
            actor=None, traveller="X", legs=[leg(origin, destination, dt.date(2024, 2, 1))]
        )
    db.session.commit()
    analysis = services.flight_analysis(2024)
    legs = ledger_legs(2024)
    assert all(x.distance_km < 700 for x in legs)
    assert route_rows(analysis.top_routes) == routes(legs, 10)
    assert len(analysis.top_routes) == 10
    assert route_rows(analysis.rail_replaceable_routes) == routes(legs, 5)
    assert of(analysis.rail_replaceable) == of(analysis.total) == figures(legs)


def test_a_year_without_flights_is_all_zero(loaded):
    analysis = services.flight_analysis(2024)
    assert analysis.total == analysis.business == analysis.rail_replaceable == FlightFigures()
    assert analysis.by_haul_class == analysis.top_routes == analysis.rail_replaceable_routes == []
