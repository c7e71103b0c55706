"""Agency files as organisations receive them (tests/data/travel/): each one's dry-run counts,
its figures against factor × quantity computed here from the shipped DESNZ tables, and a second
import creating nothing."""

from __future__ import annotations

import csv
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import airportsdata
import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.extensions import db
from ems.factors import services as factors
from ems.imports import ImportFailed
from ems.ledger.models import EmissionLine
from ems.org import services as org
from ems.removals.models import Removal
from ems.travel import services
from ems.travel.models import Trip

DATA = Path(__file__).parent.parent / "data" / "travel"
FACTORS = Path(__file__).parent.parent.parent / "ems" / "data" / "factors"
AIRPORTS = airportsdata.load("IATA")
#: DESNZ's hotel activities of the countries these files stay in (none for Kenya, Ethiopia)
HOTEL_ACTIVITIES = {
    "CH": "hotel_stay_switzerland",
    "DE": "hotel_stay_germany",
    "FR": "hotel_stay_france",
}
GROUND_ACTIVITIES = {"rail": "national_rail", "coach": "coach", "taxi": "regular_taxi"}


@pytest.fixture
def loaded(app):
    factors.load_shipped_sets(actor=None)
    org.create_department(actor=None, name="Programme", code="PRG")
    db.session.commit()


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def air_factors() -> dict[tuple[str, str, str, str], Decimal]:
    """(year, haul, class, rf) → kg CO2e per passenger-km, as shipped."""
    with (FACTORS / "desnz_air_passenger.csv").open(encoding="utf-8") as file:
        return {
            (r["set_year"], r["haul"], r["cabin_class"], r["rf"]): Decimal(r["kgco2e_per_pkm"])
            for r in csv.DictReader(file)
        }


def other_factors() -> dict[tuple[str, str, str], Decimal]:
    """(year, activity, unit) → kg CO2e per unit, as shipped."""
    with (FACTORS / "desnz_other.csv").open(encoding="utf-8") as file:
        return {
            (r["set_year"], r["activity"], r["unit"]): Decimal(r["kgco2e_per_unit"])
            for r in csv.DictReader(file)
        }


def hotel_mean(year: int) -> Decimal:
    """The mean room-night factor of the countries DESNZ publishes for ``year`` (London apart),
    to 0.1 kg, from the shipped file."""
    with (FACTORS / "desnz_other.csv").open(encoding="utf-8") as file:
        values = [
            Decimal(r["kgco2e_per_unit"])
            for r in csv.DictReader(file)
            if r["set_year"] == str(year)
            and r["category"] == "hotel"
            and "(London)" not in r["desnz_label"]
        ]
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def route(origin: str, destination: str, factor: str = "1.2") -> Decimal:
    """A rail journey's km between two places: the great circle times the route factor (the
    pledge4future co2calculator's 1.2 for trains), to 0.1 km."""
    return (km(origin, destination) * Decimal(factor)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def km(origin: str, destination: str) -> Decimal:
    """Haversine on a 6371.0 km sphere, to 0.1 km, from airportsdata's coordinates."""
    a, b = AIRPORTS[origin], AIRPORTS[destination]
    lat1, lon1, lat2, lon2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return Decimal(f"{2 * 6371.0 * math.asin(math.sqrt(h)):.1f}")


def grams(quantity: Decimal, kg_per_unit: Decimal) -> int:
    return int((quantity * kg_per_unit * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_grams(trip: Trip) -> dict[str, int]:
    """The trip's grams by basis from the shipped factors (all flights here are between
    non-UK airports: DESNZ's "international, to/from non-UK" factors of the class flown)."""
    air, other = air_factors(), other_factors()
    totals = {"with_rf": 0, "without_rf": 0, "other": 0}
    for leg in trip.legs:
        cabin = "average" if leg.cabin_class == "unknown" else leg.cabin_class.value
        pkm = km(leg.origin, leg.destination) * leg.passengers
        for rf in ("with_rf", "without_rf"):
            factor = air[(str(leg.departure_on.year), "international_non_uk", cabin, rf)]
            totals[rf] += grams(pkm, factor)
    for ground in trip.ground_legs:
        factor = other[
            (str(ground.travelled_on.year), GROUND_ACTIVITIES[ground.mode], "passenger.km")
        ]
        totals["other"] += grams(ground.distance_km * ground.passengers, factor)
    for stay in trip.hotel_stays:
        activity = HOTEL_ACTIVITIES.get(stay.country_code)
        if activity is not None:
            factor = other[(str(stay.check_in_on.year), activity, "Room per night")]
        else:  # no DESNZ factor for the country: the mean of the year's countries
            factor = hotel_mean(stay.check_in_on.year)
        totals["other"] += grams(Decimal(stay.nights * stay.rooms), factor)
    return totals


def recorded_grams(trip: Trip) -> dict[str, int]:
    """The trip's current ledger lines by basis (journeys and stays have none)."""
    totals = {"with_rf": 0, "without_rf": 0, "other": 0}
    for line in db.session.scalars(
        sa.select(EmissionLine).where(
            EmissionLine.activity_type == "trip",
            EmissionLine.activity_id == trip.id,
            EmissionLine.superseded_at.is_(None),
        )
    ):
        totals[line.basis.value if line.basis else "other"] += line.co2e_g
    return totals


def trip(reference: str) -> Trip:
    return db.session.scalars(sa.select(Trip).where(Trip.booking_reference == reference)).one()


def live_trips() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Trip)) or 0


def check_figures(references: list[str], result) -> None:
    """Each trip's lines are factor × quantity, and the result's totals their sum."""
    total = {"with_rf": 0, "without_rf": 0}
    for reference in references:
        expected = expected_grams(trip(reference))
        assert recorded_grams(trip(reference)) == expected, reference
        total["with_rf"] += expected["with_rf"] + expected["other"]
        total["without_rf"] += expected["without_rf"] + expected["other"]
    assert result.co2e_g == total


def import_again_creates_nothing(name: str, data: bytes, unchanged: list[str]) -> None:
    """The same file again is recognised; the same content in another file changes nothing."""
    assert services.import_trips(actor=None, data=data, filename=name).already_imported
    trips, lines = live_trips(), db.session.scalar(sa.select(sa.func.count(EmissionLine.id)))
    again = services.import_trips(actor=None, data=data + b"\r\n", filename="again-" + name)
    db.session.commit()
    assert (again.created, again.changed, again.cancelled) == (0, [], [])
    assert again.skipped == unchanged
    assert live_trips() == trips
    assert db.session.scalar(sa.select(sa.func.count(EmissionLine.id))) == lines


def test_the_agency_monthly_export_imports_as_it_comes(loaded):
    """Title row, `;`, Windows-1252, extra columns, city names, booking-class letters, a return
    flag with its date, dd.mm.yyyy, ticket numbers kept apart from the booking reference."""
    data = read("agency_monthly_export.csv")
    dry = services.import_trips(actor=None, data=data, filename="march.csv", dry_run=True)
    assert (dry.created, dry.rows, dry.changed, dry.cancelled, dry.skipped) == (4, 5, [], [], [])
    assert live_trips() == 0
    result = services.import_trips(actor=None, data=data, filename="march.csv")
    db.session.commit()
    muller = trip("AX1001")
    assert muller.traveller == "Müller, Jürg"
    assert muller.department_id is not None
    assert [
        (leg.origin, leg.destination, str(leg.departure_on), leg.cabin_class, leg.ticket_number)
        for leg in muller.legs
    ] == [
        ("GVA", "NBO", "2025-03-03", "economy", "706 2401234567"),
        ("NBO", "GVA", "2025-03-10", "economy", "706 2401234567"),
    ]
    assert [(leg.origin, leg.destination, leg.cabin_class) for leg in trip("AX1002").legs] == [
        ("GVA", "JFK", "business")
    ]
    assert [
        (leg.origin, leg.destination, str(leg.departure_on), leg.cabin_class)
        for leg in trip("AX1003").legs
    ] == [
        ("ZRH", "FRA", "2025-03-12", "premium_economy"),
        ("FRA", "ZRH", "2025-03-14", "premium_economy"),
    ]
    assert len(trip("AX1004").legs) == 2
    check_figures(["AX1001", "AX1002", "AX1003", "AX1004"], result)
    import_again_creates_nothing(
        "march.csv", data, unchanged=["AX1001", "AX1002", "AX1003", "AX1004"]
    )


def test_a_concur_itinerary_export_gives_flights_rail_and_hotels(loaded):
    """Air, Rail and Hotel segments grouped by record locator; hotel nights from the
    check-out date, its country from its city; rail distance between the cities' airports."""
    data = read("concur_itinerary.csv")
    dry = services.import_trips(actor=None, data=data, filename="concur.csv", dry_run=True)
    assert (dry.created, dry.rows, dry.changed, dry.cancelled, dry.skipped) == (3, 7, [], [], [])
    result = services.import_trips(actor=None, data=data, filename="concur.csv")
    db.session.commit()
    nairobi = trip("KQX7PL")
    assert [(leg.origin, leg.destination) for leg in nairobi.legs] == [
        ("GVA", "NBO"),
        ("NBO", "GVA"),
    ]
    assert {leg.ticket_number for leg in nairobi.legs} == {"7062401000001"}
    assert [(h.country_code, str(h.check_in_on), h.nights) for h in nairobi.hotel_stays] == [
        ("KE", "2025-04-07", 4)
    ]
    zurich = trip("TRN448")
    assert zurich.legs == []
    assert [(g.mode, g.origin, g.destination, g.distance_km) for g in zurich.ground_legs] == [
        ("rail", "Geneva", "Zurich", route("GVA", "ZRH")),
        ("rail", "Zurich", "Geneva", route("ZRH", "GVA")),
    ]
    assert [(h.country_code, h.nights, h.rooms) for h in zurich.hotel_stays] == [("CH", 2, 1)]
    assert [(leg.destination, leg.cabin_class) for leg in trip("TH22QZ").legs] == [
        ("BKK", "business")
    ]
    check_figures(["KQX7PL", "TRN448", "TH22QZ"], result)
    import_again_creates_nothing("concur.csv", data, unchanged=["KQX7PL", "TH22QZ", "TRN448"])


def test_a_mixed_file_of_flights_rail_road_and_hotel_nights(loaded):
    data = read("mixed_flights_rail_hotel.csv")
    dry = services.import_trips(actor=None, data=data, filename="mixed.csv", dry_run=True)
    assert (dry.created, dry.rows, dry.changed, dry.cancelled, dry.skipped) == (3, 9, [], [], [])
    result = services.import_trips(actor=None, data=data, filename="mixed.csv")
    db.session.commit()
    workshop = trip("MX01")
    assert [(leg.origin, leg.destination) for leg in workshop.legs] == [("GVA", "FRA")]
    assert [(g.mode, g.distance_km) for g in workshop.ground_legs] == [
        ("rail", Decimal("330.0")),
        ("rail", Decimal("250.5")),
    ]
    assert [(h.country_code, h.nights) for h in workshop.hotel_stays] == [("DE", 3)]
    summit = trip("MX02")
    assert [(leg.origin, leg.destination, leg.cabin_class) for leg in summit.legs] == [
        ("GVA", "ADD", "business")
    ]
    assert [(g.mode, g.distance_km) for g in summit.ground_legs] == [("taxi", Decimal("12.0"))]
    assert [(h.country_code, h.nights) for h in summit.hotel_stays] == [("ET", 4)]
    training = trip("MX03")
    assert [(g.mode, g.passengers) for g in training.ground_legs] == [("coach", 2)]
    assert [(h.country_code, h.nights, h.rooms) for h in training.hotel_stays] == [("FR", 1, 2)]
    check_figures(["MX01", "MX02", "MX03"], result)
    import_again_creates_nothing("mixed.csv", data, unchanged=["MX01", "MX02", "MX03"])


def test_a_resent_booking_changes_its_trip_and_a_refund_cancels_one(loaded):
    first = services.import_trips(actor=None, data=read("booking_v1.csv"), filename="v1.csv")
    db.session.commit()
    assert first.created == 4
    old_lines = {
        line.id
        for line in db.session.scalars(
            sa.select(EmissionLine).where(EmissionLine.activity_id == trip("BK100").id)
        )
    }
    data = read("booking_v2_changed_and_refund.csv")
    dry = services.import_trips(actor=None, data=data, filename="v2.csv", dry_run=True)
    assert (dry.created, dry.changed, dry.cancelled, dry.skipped) == (
        0,
        ["BK100", "BK300"],
        ["BK200"],
        ["BK400"],
    )
    db.session.rollback()
    assert str(trip("BK100").legs[1].departure_on) == "2025-05-08"  # the dry run wrote nothing
    result = services.import_trips(actor=None, data=data, filename="v2.csv")
    db.session.commit()
    assert (result.changed, result.cancelled, result.skipped) == (
        ["BK100", "BK300"],
        ["BK200"],
        ["BK400"],
    )
    changed = trip("BK100")
    assert [(str(leg.departure_on), leg.ticket_number) for leg in changed.legs] == [
        ("2025-05-05", "0572400000101"),
        ("2025-05-09", "0572400000101"),
    ]
    assert changed.version_id > 1
    superseded = db.session.scalars(
        sa.select(EmissionLine.id).where(
            EmissionLine.id.in_(old_lines), EmissionLine.superseded_at.is_not(None)
        )
    ).all()
    assert len(superseded) == 2  # the changed leg's two lines; the unchanged leg keeps its own
    assert [(leg.origin, leg.destination) for leg in trip("BK300").legs] == [("GVA", "CDG")]
    assert db.session.scalars(sa.select(Trip).where(Trip.booking_reference == "BK200")).all() == []
    removal = db.session.scalars(sa.select(Removal)).one()
    assert removal.record_count == 1
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("travel.trip.updated") == 2
    assert "travel.trip.cancelled" in actions
    for reference in ("BK100", "BK300", "BK400"):
        expected = expected_grams(trip(reference))
        assert recorded_grams(trip(reference)) == expected, reference
    import_again_creates_nothing("v2.csv", data, unchanged=["BK100", "BK200", "BK300", "BK400"])


def test_a_closed_year_refuses_changes_to_its_bookings(loaded):
    services.import_trips(actor=None, data=read("booking_v1.csv"), filename="v1.csv")
    db.session.commit()
    org.close_year(actor=None, year=2025)
    db.session.commit()
    with pytest.raises(ImportFailed) as excinfo:
        services.import_trips(
            actor=None, data=read("booking_v2_changed_and_refund.csv"), filename="v2.csv"
        )
    assert {error.row for error in excinfo.value.row_errors} == {2, 3, 4, 5}
    assert all("2025" in error.message for error in excinfo.value.row_errors)


def test_the_trip_page_shows_the_ticket_numbers(client, create_user, login, loaded):
    from ems.auth.models import Role

    services.import_trips(actor=None, data=read("concur_itinerary.csv"), filename="c.csv")
    db.session.commit()
    trip_id = trip("TH22QZ").id
    login(client, create_user(roles=(Role.travel,)))
    page = client.get(f"/travel/trips/{trip_id}").get_data(as_text=True)
    assert "Ticket 2172403300001" in page


def test_a_reissued_ticket_is_a_change_and_is_audited(loaded):
    services.import_trips(actor=None, data=read("booking_v1.csv"), filename="v1.csv")
    db.session.commit()
    reissued = read("booking_v1.csv").replace(b"0572400000400", b"0572400000499")
    result = services.import_trips(actor=None, data=reissued, filename="reissued.csv")
    db.session.commit()
    assert result.changed == ["BK400"]
    assert [leg.ticket_number for leg in trip("BK400").legs] == ["0572400000499"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "travel.trip.tickets_changed")
    ).one()
    assert entry.changes == {"leg 1 ticket": {"before": "0572400000400", "after": "0572400000499"}}


def test_a_journey_recorded_before_route_factors_is_not_changed_by_the_same_booking(loaded):
    """Geneva–Zurich by rail, imported when journeys went the straight line: the booking sent
    again is unchanged (in a closed year it would otherwise be refused)."""
    data = read("concur_itinerary.csv")
    services.import_trips(actor=None, data=data, filename="concur.csv")
    db.session.commit()
    zurich = trip("TRN448")
    for journey in zurich.ground_legs:  # as ems recorded them before route factors
        journey.distance_km = km("GVA", "ZRH")
    db.session.commit()
    again = services.import_trips(actor=None, data=data + b"\r\n", filename="again.csv")
    db.session.commit()
    assert "TRN448" in again.skipped
    assert again.changed == []
    assert [g.distance_km for g in trip("TRN448").ground_legs] == [km("GVA", "ZRH")] * 2
