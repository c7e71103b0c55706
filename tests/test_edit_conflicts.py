"""An edit conflict says what differs in words, with labels: "Class: Economy → Business on leg
2", never Python object text such as ``[<FlightLeg GVA->FRA …>]``."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest

from ems.auth.models import Role
from ems.extensions import db
from ems.org import services as org
from ems.travel import services as travel
from ems.travel.services import GroundInput, HotelInput, LegInput

DAY = dt.date(2024, 3, 4)


@pytest.fixture
def trip(loaded):
    made = travel.create_trip(
        actor=None,
        traveller="Ana",
        legs=[
            LegInput(origin="GVA", destination="FRA", departure_on=DAY),
            LegInput(origin="FRA", destination="JFK", departure_on=DAY),
        ],
        ground=[GroundInput(mode="rail", travelled_on=DAY, distance_km=Decimal(60))],
        hotels=[HotelInput(country_code="US", check_in_on=DAY, nights=2)],
    )
    db.session.commit()
    return made


def _form(trip, **changes):
    """The edit form of ``trip`` as its page shows it (every item), with ``changes``."""
    data = {
        "traveller": trip.traveller,
        "department_id": "0",
        "paid_by": "organisation",
        "purpose": "",
        "booking_reference": "",
        "notes": "",
        "version_id": str(trip.version_id),
    }
    for index, leg in enumerate(trip.legs):
        data |= {
            f"legs-{index}-origin": leg.origin,
            f"legs-{index}-destination": leg.destination,
            f"legs-{index}-departure_on": leg.departure_on.isoformat(),
            f"legs-{index}-cabin_class": leg.cabin_class.value,
            f"legs-{index}-passengers": str(leg.passengers),
        }
    for index, journey in enumerate(trip.ground_legs):
        data |= {
            f"ground-{index}-mode": journey.mode.value,
            f"ground-{index}-travelled_on": journey.travelled_on.isoformat(),
            f"ground-{index}-origin": journey.origin,
            f"ground-{index}-destination": journey.destination,
            f"ground-{index}-distance_km": str(journey.distance_km),
            f"ground-{index}-passengers": str(journey.passengers),
        }
    for index, stay in enumerate(trip.hotel_stays):
        data |= {
            f"hotels-{index}-country_code": stay.country_code,
            f"hotels-{index}-check_in_on": stay.check_in_on.isoformat(),
            f"hotels-{index}-nights": str(stay.nights),
            f"hotels-{index}-rooms": str(stay.rooms),
        }
    return {**data, **changes}


def _errors(response) -> str:
    """The form's error box, as read."""
    found = re.search(r'<div class="form-errors".*?</div>', response.get_data(as_text=True), re.S)
    assert found, response.get_data(as_text=True)[:3000]
    return html.unescape(found.group(0))


def _clients(app, create_user, login):
    clerk = create_user(roles=(Role.travel,))
    first, second = app.test_client(), app.test_client()
    login(first, clerk)
    login(second, clerk)
    return first, second


def test_a_trip_conflict_names_each_change_by_item_with_labels(app, create_user, login, trip):
    first, second = _clients(app, create_user, login)
    url = f"/travel/trips/{trip.id}/edit"
    opened = _form(trip, **{"hotels-0-nights": "3"})  # the second editor's form, read first
    saved = first.post(
        url,
        data=_form(
            trip,
            **{"legs-1-cabin_class": "business", "ground-0-mode": "international_rail"},
            traveller="Ana Silva",
        ),
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    refused = second.post(url, data=opened)
    text = _errors(refused)
    assert "Someone else changed this record" in text
    assert "Class: Economy → Business on leg 2" in text
    assert "Means of transport: Rail → International rail on journey 1" in text
    assert "Traveller: Ana → Ana Silva" in text
    assert "Nights: 3 → 2 on hotel stay 1" in text
    assert "Class: Economy → Economy" not in text  # leg 1 is the same: not named
    assert "FlightLeg" not in text
    assert "international_rail" not in text


def test_an_item_added_meanwhile_is_named(app, create_user, login, trip):
    first, second = _clients(app, create_user, login)
    url = f"/travel/trips/{trip.id}/edit"
    added = _form(
        trip,
        **{
            "legs-2-origin": "JFK",
            "legs-2-destination": "GVA",
            "legs-2-departure_on": "2024-03-09",
            "legs-2-cabin_class": "premium_economy",
            "legs-2-passengers": "1",
        },
    )
    opened = _form(trip, purpose="Conference")
    assert first.post(url, data=added).status_code == 302
    refused = second.post(url, data=opened)
    text = _errors(refused)
    assert "leg 3: added meanwhile" in text
    assert "Purpose: Conference → —" in text


def test_a_record_conflict_shows_choices_by_their_labels(app, create_user, login):
    site = org.create_site(actor=None, name="Geneva HQ", country_code="CH", city="Geneva")
    db.session.commit()
    editor = create_user(roles=(Role.ems,))
    first, second = app.test_client(), app.test_client()
    login(first, editor)
    login(second, editor)
    data = {"name": "Geneva HQ", "country_code": "CH", "version_id": str(site.version_id)}
    assert (
        first.post(f"/org/sites/{site.id}/edit", data={**data, "country_code": "FR"}).status_code
        == 302
    )
    refused = second.post(f"/org/sites/{site.id}/edit", data={**data, "name": "Geneva"})
    text = _errors(refused)
    assert "Name: Geneva → Geneva HQ" in text
    assert "Switzerland → France" in text
