"""Editing a trip of a flight, a rail journey and a hotel stay in a real browser: the form
shows all three, and changing one leaves the other two as they were."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from ems.auth.models import Role
from ems.extensions import db
from ems.factors import services as factors
from ems.ledger import services as ledger
from ems.travel import services as travel
from ems.travel.models import Trip
from tests.e2e.test_journeys import log_in

#: slow: a browser on a live server
pytestmark = [pytest.mark.usefixtures("app"), pytest.mark.slow]


def test_the_clerk_changes_the_hotel_stay_of_a_mixed_trip(page, create_user):
    factors.load_shipped_sets(actor=None)
    trip = travel.create_trip(
        actor=None,
        traveller="Ana Silva",
        booking_reference="MIX-1",
        legs=[travel.LegInput("GVA", "LHR", dt.date(2025, 3, 4), "business")],
        ground=[
            travel.GroundInput(
                mode="rail",
                travelled_on=dt.date(2025, 3, 6),
                distance_km=Decimal("60"),
                origin="Geneva",
                destination="Lausanne",
            )
        ],
        hotels=[travel.HotelInput(country_code="GB", check_in_on=dt.date(2025, 3, 4), nights=2)],
    )
    db.session.commit()
    trip_id, version = trip.id, trip.version_id
    lines = {
        (line.item, line.id)
        for line in ledger.current_lines(activity_type="trip", activity_id=trip_id)
    }
    log_in(page, create_user(roles=(Role.travel,)))

    # from the list, searched by booking reference, to the trip and its edit form
    page.goto("/travel/")
    page.get_by_label("Traveller or booking reference").fill("mix-1")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Ana Silva").click()
    page.wait_for_url(re.compile(rf"/travel/trips/{trip_id}\?next="))
    flights = page.get_by_role("table", name="Flights of this trip").inner_text()
    journeys = page.get_by_role("table", name="Journeys of this trip").inner_text()
    assert "GVA→LHR" in flights
    assert "Lausanne" in journeys
    page.get_by_role("link", name="Edit", exact=True).click()

    # all three items are in the form
    assert page.locator('[name="legs-0-origin"]').input_value() == "GVA"
    assert page.locator('[name="legs-0-destination"]').input_value() == "LHR"
    assert page.locator('[name="legs-0-cabin_class"]').input_value() == "business"
    assert page.locator('[name="ground-0-mode"]').input_value() == "rail"
    assert page.locator('[name="ground-0-origin"]').input_value() == "Geneva"
    assert page.locator('[name="ground-0-distance_km"]').input_value() == "60.0"
    assert page.locator('[name="hotels-0-country_code"]').input_value() == "GB"
    assert page.locator('[name="hotels-0-nights"]').input_value() == "2"

    # one more night at the hotel
    page.locator('[name="hotels-0-nights"]').fill("3")
    page.get_by_role("button", name="Save trip").click()
    page.wait_for_url(re.compile(rf"/travel/trips/{trip_id}\?next="))
    assert "Trip saved." in page.locator("body").inner_text()
    assert page.get_by_role("table", name="Flights of this trip").inner_text() == flights
    assert page.get_by_role("table", name="Journeys of this trip").inner_text() == journeys
    stays = page.get_by_role("table", name="Hotel stays of this trip")
    assert re.search(r"\b3\b", stays.inner_text())

    db.session.rollback()  # see what the server wrote
    saved = db.session.get_one(Trip, trip_id)
    assert saved.version_id == version + 1
    assert [(s.country_code, s.nights) for s in saved.hotel_stays] == [("GB", 3)]
    now = {
        (line.item, line.id)
        for line in ledger.current_lines(activity_type="trip", activity_id=trip_id)
    }
    kept = {entry for entry in lines if not entry[0].startswith("stay")}
    assert kept <= now  # the flight's and the journey's lines are the same lines
    assert {item for item, _id in now - kept} == {"stay 1"}

    # back to the list it came from, with its search
    page.get_by_role("link", name="Back to the trips").click()
    page.wait_for_url(re.compile(r"/travel/\?.*search=mix-1"))
    assert page.get_by_label("Traveller or booking reference").input_value() == "mix-1"
