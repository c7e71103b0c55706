"""Flight distances and emissions against independent computations and published factors."""

from __future__ import annotations

import csv
import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from ems.extensions import db
from ems.factors import services as factors
from ems.factors.shipped import DATA_DIR as DATA
from ems.travel import airports
from ems.travel.calculation import CabinClass, FlightCalculator, HaulMethod, route_km, route_note


def independent_haversine(a: airports.Airport, b: airports.Airport) -> float:
    """Haversine written out separately (atan2 form), R = 6371.0 km."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlmb = math.radians(b.lat - a.lat), math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 6371.0 * 2 * math.atan2(math.sqrt(h), math.sqrt(1 - h))


@pytest.fixture
def flights(app):
    factors.load_shipped_sets(actor=None)
    db.session.commit()
    return FlightCalculator()


def leg(flights, origin, destination, cabin="economy", day=dt.date(2024, 6, 1), passengers=1):
    return flights.leg(
        origin=airports.find(origin),
        destination=airports.find(destination),
        departure_on=day,
        cabin_class=CabinClass(cabin),
        passengers=passengers,
    )


@pytest.mark.parametrize(
    ("origin", "destination"),
    [("GVA", "JFK"), ("GVA", "NBO"), ("LHR", "SYD"), ("BKK", "GVA"), ("GVA", "ZRH")],
)
def test_distance_within_a_tenth_of_a_percent_of_an_independent_haversine(origin, destination):
    a, b = airports.find(origin), airports.find(destination)
    assert a is not None
    assert b is not None
    ours = float(airports.great_circle_km(a, b))
    assert abs(ours - independent_haversine(a, b)) / independent_haversine(a, b) < 0.001


def test_known_great_circle_distance():
    # LHR-JFK is about 5,540 km on a 6,371 km sphere
    assert airports.great_circle_km(airports.find("LHR"), airports.find("JFK")) == Decimal("5539.6")


@pytest.mark.parametrize(
    ("origin", "destination", "cabin", "day", "haul", "with_rf", "without_rf"),
    [
        # published DESNZ factors (kg CO2e per passenger-km), methodology §2.2
        (
            "GVA",
            "NBO",
            "economy",
            dt.date(2024, 3, 1),
            "international_non_uk",
            "0.13465",
            "0.07948",
        ),
        ("LHR", "JFK", "business", dt.date(2025, 3, 1), "long_haul", "0.33940", "0.20083"),
        ("LHR", "GVA", "economy", dt.date(2024, 3, 1), "short_haul", "0.18287", "0.10794"),
        ("LHR", "EDI", "business", dt.date(2025, 3, 1), "domestic", "0.22928", "0.13552"),
        ("GVA", "BKK", "first", dt.date(2025, 3, 1), "international_non_uk", "0.43663", "0.25794"),
        ("LHR", "NBO", "premium_economy", dt.date(2024, 3, 1), "long_haul", "0.32015", "0.18897"),
    ],
)
def test_co2e_is_distance_times_the_published_factor(
    flights, origin, destination, cabin, day, haul, with_rf, without_rf
):
    result = leg(flights, origin, destination, cabin, day)
    assert result.haul == haul
    assert result.with_rf.factor.kgco2e_per_unit == Decimal(with_rf)
    assert result.without_rf.factor.kgco2e_per_unit == Decimal(without_rf)
    grams = result.distance_km * Decimal(with_rf) * 1000
    assert result.co2e_g_with_rf == int(grams.quantize(Decimal(1), ROUND_HALF_UP))
    assert result.with_rf.factor_set.edition_year == day.year


def test_passengers_multiply(flights):
    one, three = leg(flights, "GVA", "JFK"), leg(flights, "GVA", "JFK", passengers=3)
    assert three.passenger_km == one.distance_km * 3
    assert abs(three.co2e_g_with_rf - 3 * one.co2e_g_with_rf) <= 2


def test_unpublished_classes_fall_back_and_say_so(flights):
    short_first = leg(flights, "LHR", "GVA", "first")
    assert short_first.factor_class == "business"
    assert any("first not published for short_haul" in note for note in short_first.notes)
    domestic_business = leg(flights, "LHR", "EDI", "business")
    assert domestic_business.factor_class == "average"
    unknown = leg(flights, "GVA", "JFK", "unknown")
    assert unknown.factor_class == "average"


def test_a_date_beyond_the_newest_edition_uses_it_as_a_recorded_fallback(flights):
    result = leg(flights, "GVA", "JFK", day=dt.date(2027, 1, 10))
    assert result.with_rf.factor_set.edition_year == 2025
    assert result.with_rf.is_fallback
    assert "2025 edition" in result.with_rf.note


def published(year: int, haul: str, cabin: str, rf: str = "with_rf") -> Decimal:
    """The factor as the shipped DESNZ table gives it (kg CO2e per passenger-km)."""
    with (DATA / "desnz_air_passenger.csv").open() as rows:
        for row in csv.DictReader(rows):
            if (row["set_year"], row["haul"], row["cabin_class"], row["rf"]) == (
                str(year),
                haul,
                cabin,
                rf,
            ):
                return Decimal(row["kgco2e_per_pkm"])
    raise LookupError((year, haul, cabin, rf))


def test_distance_bands_when_the_organisation_chooses_them(flights):
    bands = FlightCalculator(haul_method=HaulMethod.distance_bands)
    assert leg(bands, "LHR", "EDI").haul == "domestic"  # UK domestic: DESNZ's own figure
    zurich = leg(bands, "GVA", "ZRH", "business")  # another country's domestic flight
    assert (zurich.haul, zurich.factor_class) == ("short_haul", "business")
    assert leg(bands, "GVA", "LHR").haul == "short_haul"
    assert leg(bands, "GVA", "JFK").haul == "long_haul"
    assert leg(flights, "GVA", "ZRH").haul == "international_non_uk"  # DESNZ: not to/from the UK


def test_distance_bands_keep_the_class_of_a_long_domestic_flight(flights):
    """JFK–LAX in business is a long-haul business flight, not the UK domestic average."""
    bands = FlightCalculator(haul_method=HaulMethod.distance_bands)
    result = leg(bands, "JFK", "LAX", "business", dt.date(2024, 5, 2))
    assert result.distance_km > 3700
    assert (result.haul, result.factor_class) == ("long_haul", "business")
    factor = published(2024, "long_haul", "business")
    assert result.with_rf.factor.kgco2e_per_unit == factor
    assert result.co2e_g_with_rf == int(
        (result.distance_km * factor * 1000).quantize(Decimal(1), ROUND_HALF_UP)
    )
    assert "distance bands: long_haul" in result.notes


@pytest.mark.parametrize(
    ("origin", "destination", "day", "haul", "cabin", "edition"),
    [
        # DESNZ 2022 calls Jersey and Guernsey short haul, the Isle of Man domestic
        ("LGW", "JER", dt.date(2022, 7, 1), "short_haul", "economy", 2022),
        ("GCI", "LGW", dt.date(2022, 7, 1), "short_haul", "economy", 2022),
        ("LPL", "IOM", dt.date(2022, 7, 1), "domestic", "average", 2022),
        # from 2023 all three are domestic
        ("LGW", "JER", dt.date(2023, 7, 1), "domestic", "average", 2023),
        ("JER", "GCI", dt.date(2024, 7, 1), "domestic", "average", 2024),
        # 2019 has no haul definitions of its own: the nearest edition's (2022) are used
        ("LGW", "JER", dt.date(2019, 7, 1), "short_haul", "economy", 2022),
    ],
)
def test_crown_dependencies_follow_each_editions_haul_definitions(
    flights, origin, destination, day, haul, cabin, edition
):
    result = leg(flights, origin, destination, "economy", day)
    assert (result.haul, result.factor_class) == (haul, cabin)
    factor_year = result.with_rf.factor_set.edition_year
    assert result.with_rf.factor.kgco2e_per_unit == published(factor_year, haul, cabin)
    said = "; ".join(result.notes)
    assert f"DESNZ {edition} haul definitions" in said
    if edition != day.year:
        assert f"(none loaded for {day.year})" in said


def test_jersey_in_2022_costs_what_the_short_haul_factor_says(flights):
    """The flight a rule of all editions counted as UK domestic, 63 % more than the 2022 sheet's
    short haul gives."""
    result = leg(flights, "LGW", "JER", "economy", dt.date(2022, 7, 1))
    domestic = published(2022, "domestic", "average")
    short = published(2022, "short_haul", "economy")
    assert result.co2e_g_with_rf == int(
        (result.distance_km * short * 1000).quantize(Decimal(1), ROUND_HALF_UP)
    )
    assert round(domestic / short - 1, 2) == Decimal("0.63")


def test_flights_outside_the_uk_and_its_domestic_places_are_international(flights):
    result = leg(flights, "JER", "CDG", "economy", dt.date(2022, 7, 1))  # Jersey not UK in 2022
    assert (result.haul, result.notes) == ("international_non_uk", ("DESNZ 2022 haul definitions",))
    assert leg(flights, "GVA", "CDG").notes == ()  # no place of the UK's in any edition


@pytest.mark.parametrize(
    ("mode", "factor"),
    [("rail", "1.2"), ("international_rail", "1.2"), ("coach", "1.5"), ("car", "1.3")],
)
def test_a_journey_between_two_places_goes_the_route_factor_times_the_straight_line(mode, factor):
    """London–Manchester by rail: the straight line is about a fifth short of the track."""
    london, manchester = airports.find("LHR"), airports.find("MAN")
    straight = airports.great_circle_km(london, manchester)
    route = route_km(mode, london, manchester)
    assert route == (straight * Decimal(factor)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert f"{factor} × great circle {straight} km" in route_note(mode, london, manchester, route)
    # recorded before route factors: the straight line, said so; a distance entered: nothing
    assert "without a route factor" in route_note(mode, london, manchester, straight)
    assert route_note(mode, london, manchester, Decimal("296")) == ""


def test_a_hotel_in_a_country_without_a_factor_takes_the_mean_of_the_pinned_edition(flights):
    """With DESNZ's 2019 set pinned for a recalculation, the Kenyan stay of 2024 takes 2019's
    mean, as the Swiss one takes 2019's factor."""
    from ems.factors.models import FactorSet
    from ems.factors.services import FactorSelector
    from ems.travel.calculation import hotel_result

    other_2019 = db.session.scalars(
        sa.select(FactorSet.id).where(FactorSet.code == "desnz-other-2019")
    ).one()
    pinned = FactorSelector(overrides={"desnz_other": other_2019})
    day = dt.date(2024, 5, 2)
    kenya = hotel_result(pinned, country_code="KE", check_in_on=day, nights=1, rooms=1)
    assert kenya.selected.factor_set.code == "ems-hotel-average-2019"
    assert kenya.selected.is_fallback
    swiss = hotel_result(pinned, country_code="CH", check_in_on=day, nights=1, rooms=1)
    assert (swiss.selected.factor_set.code, swiss.selected.selection) == (
        "desnz-other-2019",
        "pinned",
    )
    unpinned = hotel_result(FactorSelector(), country_code="KE", check_in_on=day, nights=1, rooms=1)
    assert unpinned.selected.factor_set.code == "ems-hotel-average-2024"


def _hotel_fallback(how: str, country: str | None = None) -> None:
    from ems.org import services as org

    settings = org.get_organisation()
    org.update_organisation(
        actor=None,
        name=settings.name,
        reporting_currency=settings.reporting_currency,
        baseline_year=settings.baseline_year,
        target_year=settings.target_year,
        target_reduction_pct=settings.target_reduction_pct,
        hotel_fallback=how,
        hotel_fallback_country=country,
    )
    db.session.commit()


def test_a_hotel_fallback_can_be_the_mean_of_the_region_or_a_chosen_country(flights):
    """Kenya has no DESNZ factor: the organisation chooses the mean of the published African
    countries, or, say, South Africa's factor, instead of the world mean."""
    from ems.factors.regions import region_of
    from ems.factors.services import FactorSelector
    from ems.factors.shipped import desnz_other
    from ems.travel.calculation import hotel_result

    day = dt.date(2024, 5, 2)
    published = {
        f.attributes["country"]: f.kgco2e_per_unit
        for spec in desnz_other()
        if spec.edition_year == 2024
        for f in spec.factors
        if f.activity == "hotel_stay" and "city" not in f.attributes
    }
    african = [value for code, value in published.items() if region_of(code) == "africa"]
    assert african  # DESNZ 2024 publishes some African countries
    world = hotel_result(FactorSelector(), country_code="KE", check_in_on=day, nights=1, rooms=1)

    _hotel_fallback("region")
    kenya = hotel_result(FactorSelector(), country_code="KE", check_in_on=day, nights=1, rooms=1)
    mean = (sum(african, Decimal(0)) / len(african)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert kenya.selected.factor.kgco2e_per_unit == mean != world.selected.factor.kgco2e_per_unit
    assert kenya.selected.is_fallback
    assert "the mean of the countries of Africa in DESNZ 2024" in kenya.selected.note

    _hotel_fallback("country", "ZA")
    kenya = hotel_result(FactorSelector(), country_code="KE", check_in_on=day, nights=1, rooms=1)
    assert kenya.selected.factor.kgco2e_per_unit == published["ZA"]
    assert (kenya.selected.selection, kenya.selected.is_fallback) == ("proxy", True)
    assert "that of ZA stands in" in kenya.selected.note
    swiss = hotel_result(FactorSelector(), country_code="CH", check_in_on=day, nights=1, rooms=1)
    assert swiss.selected.selection == "edition_year"  # a published country keeps its own


def test_the_fallback_country_must_be_named(app):
    from ems.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        _hotel_fallback("country")
    assert "hotel_fallback_country" in refused.value.errors
