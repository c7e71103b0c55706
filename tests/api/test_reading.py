"""Reading through the API: airports, estimates, energy, purchases, the inventory, targets,
actions and issued reports; and entering energy and purchases."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from ems.actions import services as actions
from ems.auth.models import Role
from ems.extensions import db
from ems.org import services as org
from ems.procurement import services as procurement
from tests.api.conftest import PDF, issue_report, trip_body


@pytest.fixture
def ems_token(role_token):
    return role_token(Role.ems)


def test_airports_and_estimates(loaded, api, role_token):
    token = role_token(Role.management)  # every role may look airports up and estimate
    found = api("GET", "/airports?q=gva", token).get_json()["items"]
    assert found[0]["code"] == "GVA"
    assert api("GET", "/airports", token).status_code == 422
    estimate = api(
        "GET",
        "/estimates/flight?origin=GVA&destination=JFK&via=LHR&cabin_class=business"
        "&departure_on=2024-05-01&is_return=true",
        token,
    )
    assert estimate.status_code == 200, estimate.get_json()
    body = estimate.get_json()
    assert [(leg["origin"], leg["destination"]) for leg in body["legs"]] == [
        ("GVA", "LHR"),
        ("LHR", "JFK"),
        ("JFK", "LHR"),
        ("LHR", "GVA"),
    ]
    assert body["co2e_with_rf_g"] == sum(leg["co2e_with_rf_g"] for leg in body["legs"])
    assert body["economy_saving_with_rf_g"] > 0
    unknown = api("GET", "/estimates/flight?origin=GVQ&destination=JFK", token)
    assert unknown.status_code == 422
    assert "legs.0.origin" in unknown.get_json()["errors"]


def test_energy_records(loaded, api, ems_token):
    site = org.create_site(actor=None, name="Geneva HQ", country_code="CH")
    db.session.commit()
    record = {
        "site_id": site.id,
        "energy_type": "electricity",
        "period_start": "2024-01-01",
        "period_end": "2024-01-31",
        "quantity": 12000.5,
        "unit": "kwh",
    }
    created = api("POST", "/energy-records", ems_token, json=record)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["quantity"] == 12000.5
    assert {line["basis"] for line in body["emission_lines"]} == {"location", "market"}
    listed = api("GET", f"/energy-records?year=2024&site_id={site.id}", ems_token).get_json()
    assert listed["total"] == 1
    assert listed["totals"]["electricity_location_g"] > 0
    wrong = api("POST", "/energy-records", ems_token, json={**record, "unit": "litre"})
    assert wrong.status_code == 422
    assert "unit" in wrong.get_json()["errors"]
    assert (
        api("POST", "/energy-records", ems_token, json={**record, "quantity": "12"}).status_code
        == 422
    )


def test_purchases(loaded, api, ems_token):
    category = procurement.create_category(
        actor=None,
        name="Paper",
        naics_code="322121",
        material="paper_and_board_paper_primary_material_production",
    )
    db.session.commit()
    purchase = {
        "purchased_on": "2024-03-01",
        "category_id": category.id,
        "quantity": 250,
        "quantity_unit": "kg",
        "reference": "INV-1",
    }
    created = api("POST", "/purchases", ems_token, json=purchase)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["emission_lines"][0]["co2e_g"] > 0
    listed = api("GET", "/purchases?year=2024", ems_token).get_json()
    assert listed["total"] == 1
    assert listed["items"][0]["category_name"] == "Paper"
    assert listed["totals"]["co2e_g"] == created.get_json()["emission_lines"][0]["co2e_g"]
    missing_rate = api(
        "POST",
        "/purchases",
        ems_token,
        json={**purchase, "quantity": None, "quantity_unit": None, "amount": 10, "currency": "CHF"},
    )
    assert missing_rate.status_code == 422


def test_inventory_targets_and_actions(loaded, api, role_token, create_user):
    travel_token, reader = role_token(Role.travel), role_token(Role.management)
    api("POST", "/trips", travel_token, json=trip_body())
    inventory = api("GET", "/inventory/2024", reader)
    assert inventory.status_code == 200
    boundaries = inventory.get_json()["boundaries"]
    assert boundaries["gtb"]["total_co2e_kg"] == boundaries["full"]["total_co2e_kg"] > 0
    assert boundaries["gtb"]["by_source"]["air_travel"] > 0
    assert api("GET", "/inventory/1989", reader).status_code == 404
    targets = api("GET", "/targets", reader).get_json()["items"]
    assert targets[0]["name"] == "main"
    nonconformity = actions.create_nonconformity(
        actor=None, title="Off track", origin="off_track_year", detected_on=dt.date(2024, 1, 5)
    )
    actions.create_action(
        actor=None,
        nonconformity=nonconformity,
        description="Travel policy",
        owner_id=create_user(roles=(Role.ems,)).id,
        due_on=dt.date(2024, 6, 30),
    )
    db.session.commit()
    listed = api("GET", "/actions?overdue=true", reader).get_json()["items"]
    assert [(a["description"], a["is_overdue"]) for a in listed] == [("Travel policy", True)]
    assert api("GET", "/actions?status=done", reader).get_json()["items"] == []
    assert api("GET", "/inventory/2024", travel_token).status_code == 403


def test_issued_reports_are_listed_and_downloaded_byte_for_byte(app, api, role_token):
    report = issue_report()
    token = role_token(Role.management)
    listed = api("GET", "/reports", token).get_json()["items"]
    assert listed[0]["identifier"] == "EMS-2024-v1"
    download = api("GET", listed[0]["download_url"].removeprefix("/api/v1"), token)
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data == PDF
    assert download.headers["X-Content-SHA256"] == hashlib.sha256(PDF).hexdigest()
    assert api("GET", f"/reports/{report.id + 1}/pdf", token).status_code == 404
    assert api("GET", "/reports?year=2023", token).get_json()["items"] == []
