"""Trips: entry with its rules, ledger lines, list, edit with locking, delete, estimates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.cli import cli
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine
from ems.travel import services
from ems.travel.models import FlightLeg, Trip
from ems.travel.services import LegInput


def legs(*pairs, day=dt.date(2024, 3, 4), cabin="economy", passengers=1):
    return [
        LegInput(
            origin=a, destination=b, departure_on=day, cabin_class=cabin, passengers=passengers
        )
        for a, b in pairs
    ]


def test_a_multi_leg_return_trip_has_its_lines(loaded):
    trip = services.create_trip(
        actor=None,
        traveller="Ana Silva",
        legs=legs(("GVA", "FRA"), ("FRA", "JFK")),
        is_return=True,
        return_on=dt.date(2024, 3, 9),
    )
    db.session.commit()
    assert [(leg.origin, leg.destination, leg.departure_on.day) for leg in trip.legs] == [
        ("GVA", "FRA", 4),
        ("FRA", "JFK", 4),
        ("JFK", "FRA", 9),
        ("FRA", "GVA", 9),
    ]
    lines = ledger.current_lines(activity_type="trip", activity_id=trip.id)
    assert len(lines) == 8
    assert {line.basis for line in lines} == {Basis.with_rf, Basis.without_rf}
    assert all(line.scope == 3 and line.scope3_category == 6 for line in lines)
    # each leg is computed on its own distance
    assert sum(line.quantity for line in lines if line.basis is Basis.with_rf) == sum(
        leg.distance_km for leg in trip.legs
    )


def test_trips_paid_by_others_are_not_in_the_inventory(loaded):
    trip = services.create_trip(
        actor=None, traveller="Guest", paid_by="other", legs=legs(("GVA", "JFK"))
    )
    assert ledger.current_lines(activity_type="trip", activity_id=trip.id) == []
    assert services.trip_results(trip)[0].co2e_g_with_rf > 0


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        (
            LegInput("GVQ", "JFK", dt.date(2024, 1, 1)),
            "legs-0-origin",
            "Unknown airport code “GVQ”",
        ),
        (LegInput("GVA", "GVA", dt.date(2024, 1, 1)), "legs-0-destination", "must differ"),
        (LegInput("GVA", "JFK", dt.date(2024, 1, 1), passengers=0), "legs-0-passengers", "1 to"),
        (LegInput("GVA", "JFK", dt.date(2024, 1, 1), passengers=-2), "legs-0-passengers", "1 to"),
        (LegInput("GVA", "JFK", dt.date(2099, 1, 1)), "legs-0-departure_on", "two years ahead"),
        (LegInput("GVA", "JFK", None), "legs-0-departure_on", "date"),
        (
            LegInput("GVA", "JFK", dt.date(2024, 1, 1), cabin_class="deluxe"),
            "legs-0-cabin_class",
            "economy",
        ),
    ],
)
def test_bad_legs_are_explained_by_field(loaded, bad, field, message):
    with pytest.raises(ValidationFailed) as excinfo:
        services.create_trip(actor=None, traveller="X", legs=[bad])
    assert message in excinfo.value.errors[field]


def test_a_future_date_within_two_years_uses_the_newest_edition(loaded):
    day = dt.date.today() + dt.timedelta(days=400)
    trip = services.create_trip(actor=None, traveller="X", legs=legs(("GVA", "JFK"), day=day))
    lines = ledger.current_lines(activity_type="trip", activity_id=trip.id)
    assert all(line.is_fallback for line in lines)
    assert "2025 edition" in lines[0].note


def test_entry_form_with_the_keyboard_path(client, create_user, login, loaded):
    login(client, create_user(roles=(Role.travel,)))
    form = {
        "traveller": "Ana Silva",
        "department_id": "0",
        "paid_by": "organisation",
        "legs-0-origin": "gva",
        "legs-0-destination": " lhr ",
        "legs-0-departure_on": "2024-03-04",
        "legs-0-cabin_class": "economy",
        "legs-0-passengers": "1",
        "is_return": "y",
        "return_on": "2024-03-06",
    }
    more = client.post("/travel/trips/new", data={**form, "add_leg": "1"})
    assert 'name="legs-1-origin"' in more.get_data(as_text=True)
    assert 'value="LHR"' in more.get_data(as_text=True)  # the next flight starts there
    response = client.post("/travel/trips/new", data=form)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "GVA→LHR" in page
    assert "LHR→GVA" in page
    assert "754.1" in page
    assert "desnz-air-2024" in page
    assert "under 700 km" not in page


def test_unknown_airport_in_the_form_names_the_field(client, create_user, login, loaded):
    login(client, create_user(roles=(Role.travel,)))
    response = client.post(
        "/travel/trips/new",
        data={
            "traveller": "Ana",
            "department_id": "0",
            "paid_by": "organisation",
            "legs-0-origin": "GNV",
            "legs-0-destination": "ZZZ",
            "legs-0-departure_on": "2024-03-04",
            "legs-0-cabin_class": "economy",
            "legs-0-passengers": "1",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unknown airport code “ZZZ”" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trip)) == 0


def test_edit_replaces_the_lines_and_keeps_the_old_ones(loaded):
    trip = services.create_trip(actor=None, traveller="Ana", legs=legs(("GVA", "JFK")))
    db.session.commit()
    before = {line.id for line in ledger.current_lines(activity_type="trip", activity_id=trip.id)}
    services.update_trip(
        actor=None,
        trip=trip,
        traveller="Ana",
        legs=legs(("GVA", "JFK"), cabin="business"),
        expected_version=trip.version_id,
    )
    db.session.commit()
    after = ledger.current_lines(activity_type="trip", activity_id=trip.id)
    assert before.isdisjoint({line.id for line in after})
    superseded = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(EmissionLine)
        .where(EmissionLine.id.in_(before), EmissionLine.superseded_at.is_not(None))
    )
    assert superseded == 2


def test_a_second_editor_is_told(app, client, create_user, login, loaded):
    trip = services.create_trip(actor=None, traveller="Ana", legs=legs(("GVA", "JFK")))
    db.session.commit()
    clerk = create_user(roles=(Role.travel,))
    first, second = app.test_client(), app.test_client()
    login(first, clerk)
    login(second, clerk)
    data = {
        "traveller": "Ana",
        "department_id": "0",
        "paid_by": "organisation",
        "version_id": str(trip.version_id),
        "legs-0-origin": "GVA",
        "legs-0-destination": "JFK",
        "legs-0-departure_on": "2024-03-04",
        "legs-0-cabin_class": "economy",
        "legs-0-passengers": "1",
    }
    assert (
        first.post(
            f"/travel/trips/{trip.id}/edit", data={**data, "traveller": "Ana Silva"}
        ).status_code
        == 302
    )
    response = second.post(f"/travel/trips/{trip.id}/edit", data={**data, "traveller": "A. S."})
    assert "Someone else changed this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.get_trip(trip.id).traveller == "Ana Silva"


def test_delete_supersedes_lines(client, create_user, login, loaded):
    trip = services.create_trip(actor=None, traveller="Ana", legs=legs(("GVA", "JFK")))
    db.session.commit()
    login(client, create_user(roles=(Role.travel,)))
    assert client.get(f"/travel/trips/{trip.id}/delete").status_code == 200  # what goes
    assert client.post(f"/travel/trips/{trip.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trip)) == 0
    lines = db.session.scalars(sa.select(EmissionLine)).all()
    assert len(lines) == 2
    assert all(line.superseded_at is not None for line in lines)
    assert all(line.superseded_by_removal_id is not None for line in lines)


def test_list_filters_and_totals(client, create_user, login, loaded):
    services.create_trip(
        actor=None, traveller="Ana", legs=legs(("GVA", "JFK")), booking_reference="PNR-77"
    )
    services.create_trip(
        actor=None,
        traveller="Ben",
        legs=legs(("GVA", "LHR"), day=dt.date(2023, 5, 1), cabin="business"),
    )
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    latest = client.get("/travel/").get_data(as_text=True)  # opens on the latest year
    assert ">Ana<" in latest
    assert ">Ben<" not in latest
    assert '<option value="2024" selected>2024</option>' in latest
    everything = client.get("/travel/?year=all").get_data(as_text=True)
    assert "Ana" in everything
    assert "Ben" in everything
    by_reference = client.get("/travel/?year=all&search=pnr-7").get_data(as_text=True)
    assert ">Ana<" in by_reference
    assert ">Ben<" not in by_reference
    elsewhere = client.get("/travel/?year=2023&search=PNR-77").get_data(as_text=True)
    assert "No trips match. " in elsewhere
    assert "1 trip matches in other years." in elsewhere
    assert 'href="/travel/?year=all&amp;search=PNR-77"' in elsewhere
    by_name = client.get("/travel/?year=all&search=bEn").get_data(as_text=True)
    assert ">Ben<" in by_name
    assert ">Ana<" not in by_name
    only_2023 = client.get("/travel/?year=2023").get_data(as_text=True)
    assert "Ben" in only_2023
    assert "Ana" not in only_2023
    business = client.get("/travel/?year=all&cabin_class=business").get_data(as_text=True)
    assert "Ben" in business
    assert ">Ana<" not in business
    assert client.get("/travel/?year=abc&month=13&sort=evil&page=-1").status_code == 200
    assert "/travel/trips/new" not in everything  # management reads only


def test_estimate_command_json(app, loaded):
    result = app.test_cli_runner().invoke(
        cli,
        [
            "estimate",
            "flight",
            "LHR",
            "JFK",
            "--cabin",
            "business",
            "--date",
            "2025-03-01",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (only,) = data["legs"]
    assert only["distance_km"] == 5539.6
    assert only["co2e_kg_with_rf"] == round(5539.6 * 0.33940, 3)
    assert only["co2e_kg_without_rf"] == round(5539.6 * 0.20083, 3)
    assert data["total"]["economy_saving_kg_with_rf"] > 0


def test_estimate_page_and_airport_lookup(client, create_user, login, loaded):
    login(client, create_user(roles=(Role.travel,)))
    found = client.get("/travel/airports?q=geneva").get_json()
    assert found[0]["code"] == "GVA"
    page = client.get(
        "/travel/estimate?origin=GVA&destination=ZRH&cabin_class=economy&passengers=1"
    ).get_data(as_text=True)
    assert "under 700 km" in page
    assert "GVA→ZRH" in page
    bad = client.get(
        "/travel/estimate?origin=GVQ&destination=JFK&cabin_class=economy&passengers=1"
    ).get_data(as_text=True)
    assert "Unknown airport code" in bad


def test_rail_taxi_car_and_hotel_nights(loaded):
    from decimal import ROUND_HALF_UP, Decimal

    from ems.ledger.models import SourceCategory

    trip = services.create_trip(
        actor=None,
        traveller="Ana",
        ground=[
            services.GroundInput(
                mode="rail",
                travelled_on=dt.date(2024, 3, 4),
                distance_km=Decimal("250"),
                origin="Geneva",
                destination="Zurich",
                passengers=2,
            ),
            services.GroundInput(
                mode="taxi", travelled_on=dt.date(2024, 3, 4), distance_km=Decimal("12.5")
            ),
            services.GroundInput(
                mode="car",
                travelled_on=dt.date(2024, 3, 5),
                distance_km=Decimal("100"),
                passengers=3,
            ),
            services.GroundInput(
                mode="rail", travelled_on=dt.date(2024, 3, 6), origin="GVA", destination="ZRH"
            ),
        ],
        hotels=[
            services.HotelInput(
                country_code="CH", check_in_on=dt.date(2024, 3, 4), nights=2, rooms=1
            ),
            services.HotelInput(country_code="KE", check_in_on=dt.date(2024, 3, 6), nights=1),
        ],
    )
    db.session.commit()
    lines = ledger.current_lines(activity_type="trip", activity_id=trip.id)
    by_method = {(line.method, line.quantity): line for line in lines}
    rail = by_method[("desnz_rail", Decimal("500.0"))]  # 250 km x 2 passengers
    assert rail.factor_kgco2e_per_unit == Decimal("0.03546")  # DESNZ 2024 national rail
    assert rail.source_category is SourceCategory.other_travel
    assert (
        by_method[("desnz_car", Decimal("100.0"))].factor.key == "car/average_car_unknown/km"
    )  # a car's km are the vehicle's, not per passenger
    assert ("desnz_taxi", Decimal("12.5")) in by_method
    gva_zrh = [line for line in lines if "GVA-ZRH" in line.note]
    from ems.travel import airports

    # between two airports: the great circle times rail's route factor, and the line says so
    straight = airports.great_circle_km(airports.find("GVA"), airports.find("ZRH"))
    assert gva_zrh[0].quantity == (straight * Decimal("1.2")).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    assert f"1.2 × great circle {straight} km (route factor of rail)" in gva_zrh[0].note
    # the distance given for Geneva–Zurich is the traveller's: no word of a route factor
    assert "route factor" not in rail.note
    hotel = by_method[("desnz_hotel_room_night", Decimal(2))]
    assert hotel.factor_kgco2e_per_unit == Decimal("6.6")  # DESNZ 2024, Switzerland
    assert hotel.co2e_g == 13_200
    assert not hotel.is_fallback
    # DESNZ has no hotel factor for Kenya: the mean of its 2024 countries, flagged as a fallback
    kenya = by_method[("desnz_hotel_room_night", Decimal(1))]
    assert kenya.factor.key == "hotel/hotel_stay_average/region=world/room_night"
    assert kenya.factor.factor_set.code == "ems-hotel-average-2024"
    assert (kenya.is_fallback, kenya.factor_selection) == (True, "average")
    assert kenya.co2e_g == int(kenya.factor_kgco2e_per_unit * 1000)
    assert (
        "no DESNZ hotel factor for KE: the mean of the countries of DESNZ 2024 "
        "(ems-hotel-average-2024)"
    ) in kenya.note
    assert len([line for line in lines if line.source_category is SourceCategory.hotels]) == 2


def test_ground_and_hotel_errors_name_the_row_and_field(loaded):
    with pytest.raises(ValidationFailed) as excinfo:
        services.create_trip(
            actor=None,
            traveller="Ana",
            ground=[services.GroundInput(mode="hovercraft", travelled_on=None)],
            hotels=[
                services.HotelInput(country_code="XX", check_in_on=dt.date(2024, 1, 1), nights=0)
            ],
        )
    assert set(excinfo.value.errors) >= {
        "ground-0-mode",
        "ground-0-travelled_on",
        "ground-0-distance_km",
        "hotels-0-country_code",
        "hotels-0-nights",
    }
    with pytest.raises(ValidationFailed, match="at least one"):
        services.create_trip(actor=None, traveller="Ana")


def test_the_form_takes_a_rail_journey_and_a_hotel_without_a_flight(
    client, create_user, login, loaded
):
    login(client, create_user(roles=(Role.travel,)))
    base = {
        "traveller": "Ana",
        "department_id": "0",
        "paid_by": "organisation",
        "legs-0-origin": "",
        "legs-0-destination": "",
        "legs-0-cabin_class": "economy",
        "legs-0-passengers": "1",
    }
    with_rows = client.post("/travel/trips/new", data={**base, "add_ground": "1"})
    assert 'name="ground-0-mode"' in with_rows.get_data(as_text=True)
    response = client.post(
        "/travel/trips/new",
        data={
            **base,
            "ground-0-mode": "rail",
            "ground-0-travelled_on": "2024-03-04",
            "ground-0-origin": "Geneva",
            "ground-0-destination": "Paris",
            "ground-0-distance_km": "410",
            "ground-0-passengers": "1",
            "hotels-0-country_code": "FR",
            "hotels-0-check_in_on": "2024-03-04",
            "hotels-0-nights": "3",
            "hotels-0-rooms": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Geneva → Paris" in page
    assert "France" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FlightLeg)) == 0


def test_totals_and_export_follow_each_item_after_a_recalculation(
    client, create_user, login, loaded
):
    from decimal import Decimal

    services.create_trip(
        actor=None,
        traveller="Ana",
        legs=[
            LegInput("LHR", "JFK", dt.date(2024, 12, 30)),
            LegInput("JFK", "LHR", dt.date(2025, 1, 3)),
        ],
        ground=[
            services.GroundInput(
                mode="rail", travelled_on=dt.date(2025, 1, 3), distance_km=Decimal("100")
            )
        ],
    )
    db.session.commit()
    ledger.apply_recalculation(actor=None, year=2024, reason="check")  # new ids for 2024 only
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    rows = list(
        csv.DictReader(io.StringIO(client.get("/travel/export.csv").get_data().decode("utf-8-sig")))
    )
    by_item = {row["item"]: row for row in rows}
    assert set(by_item) == {"leg 1", "leg 2", "journey 1"}
    assert by_item["leg 1"]["factor_set"] == "desnz-air-2024"
    assert by_item["leg 2"]["factor_set"] == "desnz-air-2025"
    rail_kg = float(by_item["journey 1"]["co2e_kg_with_rf"])
    assert rail_kg > 0
    total_with_rf = sum(float(row["co2e_kg_with_rf"]) for row in rows)
    page = client.get("/travel/").get_data(as_text=True)
    assert f"{total_with_rf:,.1f}" in page  # the list's total includes the rail journey


def test_tiny_and_non_numeric_distances_are_refused(client, create_user, login, loaded):
    from decimal import Decimal

    with pytest.raises(ValidationFailed) as excinfo:
        services.create_trip(
            actor=None,
            traveller="Ana",
            ground=[
                services.GroundInput(
                    mode="taxi", travelled_on=dt.date(2024, 3, 4), distance_km=Decimal("0.04")
                )
            ],
        )
    assert "ground-0-distance_km" in excinfo.value.errors  # 0.0 km after rounding
    login(client, create_user(roles=(Role.travel,)))
    response = client.post(
        "/travel/trips/new",
        data={
            "traveller": "Ana",
            "department_id": "0",
            "paid_by": "organisation",
            "ground-0-mode": "taxi",
            "ground-0-travelled_on": "2024-03-04",
            "ground-0-distance_km": "NaN",
            "ground-0-passengers": "1",
        },
    )
    assert response.status_code == 200
    assert "Enter a number." in response.get_data(as_text=True)


def test_a_recalculation_gives_a_line_to_a_stay_recorded_without_one(loaded):
    """A stay in Kenya recorded before the hotel means had no line; recalculating its year
    gives it one (a year's trips are recomputed, not only those with lines)."""
    stay = services.HotelInput(country_code="KE", check_in_on=dt.date(2024, 5, 2), nights=3)
    trip = services.create_trip(actor=None, traveller="Ana", hotels=[stay])
    services.create_trip(  # not the organisation's: never in the inventory
        actor=None, traveller="Guest", paid_by="other", hotels=[stay]
    )
    db.session.commit()
    db.session.execute(sa.delete(EmissionLine))  # as it was recorded before
    db.session.commit()
    preview = ledger.preview_recalculation(year=2024)
    assert (preview.activities, preview.changed_activities) == (1, 1)
    ledger.apply_recalculation(actor=None, year=2024, reason="hotel means")
    db.session.commit()
    (line,) = ledger.current_lines(activity_type="trip", activity_id=trip.id)
    assert (line.quantity, line.is_fallback, line.factor_selection) == (3, True, "average")
    assert ledger.preview_recalculation(year=2024).changed_activities == 0
