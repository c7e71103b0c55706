"""Trips through the API: create, list, read, update with the version read, delete, bulk."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.extensions import db
from ems.ledger import services as ledger
from ems.travel.models import Trip, TripSource
from tests.api.conftest import paid_by_others_trip, trip_body


@pytest.fixture
def travel_token(role_token):
    return role_token(Role.travel)


def test_a_trip_is_recorded_with_its_lines(loaded, api, travel_token):
    response = api("POST", "/trips", travel_token, json=trip_body())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/trips/{body['id']}"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert [(leg["origin"], leg["destination"]) for leg in body["legs"]] == [
        ("GVA", "JFK"),
        ("JFK", "GVA"),
    ]
    assert body["source"] == "api"
    assert body["co2e_with_rf_g"] > body["co2e_without_rf_g"] > 0
    lines = ledger.current_lines(activity_type="trip", activity_id=body["id"])
    assert len(lines) == 4
    trip = db.session.get(Trip, body["id"])
    assert trip is not None
    assert trip.source is TripSource.api
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "travel.trip.created")
    ).one()
    assert entry.actor_label.endswith("@example.org")  # the token's user acted


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"traveller": "Ana"}, "legs"),
        ({"traveller": "Ana", "colour": "red"}, "colour"),
        ({"traveller": 7, "legs": []}, "traveller"),
        (
            {
                "traveller": "Ana",
                "legs": [{"origin": "GVQ", "destination": "JFK", "departure_on": "2024-01-01"}],
            },
            "legs.0.origin",
        ),
        (
            {
                "traveller": "Ana",
                "legs": [{"origin": "GVA", "destination": "JFK", "departure_on": "01.02.2024"}],
            },
            "legs.0.departure_on",
        ),
        (
            {
                "traveller": "Ana",
                "legs": [
                    {
                        "origin": "GVA",
                        "destination": "JFK",
                        "departure_on": "2024-01-01",
                        "passengers": 10**30,
                    }
                ],
            },
            "legs.0.passengers",
        ),
        (
            {
                "traveller": "Ana",
                "legs": [
                    {
                        "origin": "GVA",
                        "destination": "JFK",
                        "departure_on": "2024-01-01",
                        "passengers": "2",
                    }
                ],
            },
            "legs.0.passengers",
        ),
        (
            {
                "traveller": "Ana",
                "ground": [{"mode": "rail", "travelled_on": "2024-01-01", "distance_km": 1e308}],
            },
            "ground.0.distance_km",
        ),
        (
            {
                "traveller": "Ana",
                "ground": [{"mode": "rail", "travelled_on": "2024-01-01", "distance_km": True}],
            },
            "ground.0.distance_km",
        ),
        (
            {
                "traveller": "Ana\x00",
                "hotels": [{"country_code": "CH", "check_in_on": "2024-01-01", "nights": 2}],
            },
            "traveller",
        ),
        ([1, 2], ""),
    ],
)
def test_bad_trips_are_refused_naming_the_field(loaded, api, travel_token, body, field):
    response = api("POST", "/trips", travel_token, json=body)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["type"] == "/api/v1/docs#problem-validation"
    assert field in problem["errors"], problem["errors"]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b'{"traveller": ', "application/json", 400),
        (b'{"traveller": NaN}', "application/json", 400),
        (b'{"n": ' + b"9" * 5000 + b"}", "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"traveller": "\\ud800"}', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"traveller=Ana", "application/x-www-form-urlencoded", 415),
    ],
)
def test_malformed_bodies_are_problems_not_server_errors(
    api, travel_token, data, content_type, status
):
    response = api("POST", "/trips", travel_token, data=data, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_list_with_filters_pages_and_totals(loaded, api, travel_token):
    for number in range(3):
        api("POST", "/trips", travel_token, json=trip_body(booking_reference=f"R{number}"))
    api(
        "POST",
        "/trips",
        travel_token,
        json=trip_body(
            booking_reference="OLD",
            legs=[{"origin": "GVA", "destination": "LHR", "departure_on": "2023-05-01"}],
            is_return=False,
        ),
    )
    response = api("GET", "/trips?year=2024&per_page=2&page=2&sort=id", travel_token)
    assert response.status_code == 200
    page = response.get_json()
    assert (page["total"], page["pages"], page["page"], page["per_page"]) == (3, 2, 2, 2)
    assert [trip["booking_reference"] for trip in page["items"]] == ["R2"]
    assert page["totals"]["co2e_with_rf_g"] == 3 * page["items"][0]["co2e_with_rf_g"]
    assert (
        api("GET", "/trips?traveller=ana&cabin_class=business", travel_token).get_json()["total"]
        == 0
    )
    assert api("GET", "/trips?per_page=1000", travel_token).status_code == 422
    assert api("GET", "/trips?year=abc", travel_token).get_json()["errors"] == {
        "year": "Enter a whole number."
    }


def test_update_needs_the_version_read(app, api, travel_token):
    trip_id = paid_by_others_trip("REF1")
    read = api("GET", f"/trips/{trip_id}", travel_token)
    etag, body = read.headers["ETag"], read.get_json()
    change = {
        "traveller": "Ben Jones",
        "paid_by": "other",
        "booking_reference": "REF1",
        "legs": [{"origin": "GVA", "destination": "CDG", "departure_on": "2024-03-04"}],
    }
    assert api("PUT", f"/trips/{trip_id}", travel_token, json=change).status_code == 428
    saved = api("PUT", f"/trips/{trip_id}", travel_token, json=change, headers={"If-Match": etag})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["traveller"] == "Ben Jones"
    assert saved.get_json()["version"] > body["version"]
    assert saved.headers["ETag"] == f'"{saved.get_json()["version"]}"'
    stale = api(
        "PUT", f"/trips/{trip_id}", travel_token, json={**change, "version": body["version"]}
    )
    assert stale.status_code == 409
    assert stale.get_json()["type"] == "/api/v1/docs#problem-version-conflict"
    again = api(
        "PUT",
        f"/trips/{trip_id}",
        travel_token,
        json={**change, "traveller": "B. Jones", "version": saved.get_json()["version"]},
    )
    assert again.status_code == 200
    current = f'"{again.get_json()["version"]}"'
    # If-Match names the version changed: not "*", not a weak or half-quoted tag
    for header in ("yesterday", "*", f"W/{current}", current[:-1]):
        refused = api(
            "PUT", f"/trips/{trip_id}", travel_token, json=change, headers={"If-Match": header}
        )
        assert refused.status_code == 400, header


def test_delete(app, api, travel_token):
    trip_id = paid_by_others_trip()
    assert api("DELETE", f"/trips/{trip_id}", travel_token).status_code == 204
    missing = api("GET", f"/trips/{trip_id}", travel_token)
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"


def test_bulk_reports_each_trip_and_is_idempotent(loaded, api, travel_token):
    existing = paid_by_others_trip("KNOWN")
    trips = [
        trip_body(booking_reference="B1"),
        trip_body(booking_reference="KNOWN"),
        trip_body(
            booking_reference="B2",
            legs=[{"origin": "XXX", "destination": "JFK", "departure_on": "2024-03-04"}],
        ),
        trip_body(booking_reference="B1"),
        {"traveller": "No reference", "legs": []},
        "not a trip",
        trip_body(booking_reference="B3", colour="red"),
        None,
    ]
    response = api("POST", "/trips/bulk", travel_token, json={"trips": trips})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    statuses = [(r["index"], r["status"]) for r in body["results"]]
    assert statuses == [
        (0, "created"),
        (1, "duplicate"),
        (2, "error"),
        (3, "duplicate"),
        (4, "error"),
        (5, "error"),
        (6, "error"),
        (7, "error"),
    ]
    results = body["results"]
    assert results[1]["id"] == existing
    assert results[3]["id"] == results[0]["id"]
    assert "legs.0.origin" in results[2]["errors"]
    assert "booking_reference" in results[4]["errors"]
    assert "" in results[5]["errors"]
    assert "colour" in results[6]["errors"]
    assert "" in results[7]["errors"]  # a null item is answered like any other wrong one
    assert (body["created"], body["duplicates"], body["errors"]) == (1, 2, 5)

    again = api("POST", "/trips/bulk", travel_token, json={"trips": trips[:2]}).get_json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trip)) == 2


def test_bulk_limits(api, travel_token):
    assert api("POST", "/trips/bulk", travel_token, json={"trips": []}).status_code == 422
    many = {"trips": [trip_body(booking_reference=f"R{n}") for n in range(101)]}
    assert api("POST", "/trips/bulk", travel_token, json=many).status_code == 422
