"""The role × route matrix: every registered route, every role and anonymous, GET and POST.

The cases that cannot change anything (GETs, refused requests) share one world built once; the
POSTs an actor is allowed to make each get a world of their own (tests/test_access_changes.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask, url_for

from ems import create_app
from ems.actions import services as actions
from ems.api import services as api_tokens
from ems.auth import services as auth_services
from ems.auth.models import Role, User
from ems.credits import services as credits
from ems.energy.models import (
    EnergyRecord,
    FleetRecord,
    RefrigerantTopUp,
    WasteRecord,
    WaterRecord,
)
from ems.extensions import db
from ems.factors import services as factors
from ems.jobs.models import Job
from ems.ledger.models import Recalculation
from ems.org import services as org
from ems.procurement import services as procurement
from ems.procurement.models import Purchase, SpendCategory
from ems.reporting.models import IssuedReport
from ems.targets import services as targets
from ems.travel import services as travel
from tests.conftest import TEST_PASSWORD, EmsClient, app_config, empty_all_tables, login_with

PUBLIC = frozenset({"anonymous", *Role})
SIGNED_IN = frozenset(Role)
ADMIN = frozenset({Role.admin})
ORG_READERS = frozenset({Role.ems, Role.management, Role.admin})
ORG_EDITORS = frozenset({Role.ems, Role.admin})

#: who may use each endpoint (administrators can do everything); written out by hand so that
#: a change of access shows up here as a deliberate edit
EXPECTED_ACCESS: dict[str, frozenset[object]] = {
    "home.index": SIGNED_IN,
    "actions.index": ORG_READERS,
    "actions.meetings": ORG_READERS,
    "actions.new_meeting": ORG_EDITORS,
    "actions.accept_proposal": ORG_EDITORS,
    "actions.dismiss_proposal": ORG_EDITORS,
    "actions.new_nonconformity": ORG_EDITORS,
    "actions.show": ORG_READERS,
    "actions.analyse": ORG_EDITORS,
    "actions.move": ORG_EDITORS,
    "actions.close": ORG_EDITORS,
    "actions.new_action": ORG_EDITORS,
    "actions.edit_action": ORG_EDITORS,
    "actions.record_verdict": ORG_EDITORS,
    "targets.targets": ORG_READERS,
    "targets.declare_baseline": ORG_EDITORS,
    "targets.delete_baseline": ORG_EDITORS,
    "targets.new_target": ORG_EDITORS,
    "targets.edit_target": ORG_EDITORS,
    "targets.delete_target": ORG_EDITORS,
    "targets.restatements": ORG_READERS,
    "targets.record_reported": ORG_EDITORS,
    "targets.restate": ORG_EDITORS,
    "inventory.list_years": ORG_READERS,
    "targets.gwp_editions": ORG_READERS,
    "inventory.close_year": ORG_EDITORS,
    "inventory.reopen_year": ORG_EDITORS,
    "credits.list_credits": ORG_READERS,
    "credits.new_credit": ORG_EDITORS,
    "credits.edit_credit": ORG_EDITORS,
    "credits.delete_credit": ORG_EDITORS,
    "credits.export_credits": ORG_READERS,
    "removals.list_removals": frozenset({Role.travel, Role.ems}),
    "removals.restore": frozenset({Role.travel, Role.ems}),
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.change_password": SIGNED_IN,
    "auth.account": SIGNED_IN,
    "auth.set_language": PUBLIC,
    "users.list_users": ADMIN,
    "users.new_user": ADMIN,
    "users.edit_user": ADMIN,
    "users.deactivate_user": ADMIN,
    "users.activate_user": ADMIN,
    "users.reset_password": ADMIN,
    "users.log_out_everywhere": ADMIN,
    "reporting.index": ORG_READERS,
    "reporting.issue": frozenset({Role.management, Role.admin}),
    "reporting.draft": ORG_READERS,
    "reporting.download_issued": ORG_READERS,
    "reporting.download_issued_file": ORG_READERS,
    "reporting.inventory_export": ORG_READERS,
    "reporting.gtb_pack": ORG_READERS,
    "org.show_settings": ORG_READERS,
    "org.edit_settings": ORG_EDITORS,
    "org.logo": ORG_READERS,
    "org.upload_logo": ORG_EDITORS,
    "org.remove_logo": ORG_EDITORS,
    "org.list_sites": ORG_READERS,
    "org.new_site": ORG_EDITORS,
    "org.edit_site": ORG_EDITORS,
    "org.delete_site": ORG_EDITORS,
    "org.list_departments": ORG_READERS,
    "org.new_department": ORG_EDITORS,
    "org.edit_department": ORG_EDITORS,
    "org.delete_department": ORG_EDITORS,
    "org.list_headcounts": ORG_READERS,
    "org.new_headcount": ORG_EDITORS,
    "org.edit_headcount": ORG_EDITORS,
    "org.delete_headcount": ORG_EDITORS,
    "org.list_management": ORG_READERS,
    "org.new_management": ORG_EDITORS,
    "org.edit_management": ORG_EDITORS,
    "audit.list_entries": ORG_READERS,
    "factors.list_sets": SIGNED_IN,
    "factors.show_set": SIGNED_IN,
    "factors.search": SIGNED_IN,
    "factors.history": SIGNED_IN,
    "factors.template": SIGNED_IN,
    "factors.import_set": ORG_EDITORS,
    "factors.pin_set": ORG_EDITORS,
    "factors.unpin_set": ORG_EDITORS,
    "factors.delete_set": ORG_EDITORS,
    "ledger.list_recalculations": ORG_READERS,
    "ledger.show_recalculation": ORG_READERS,
    "ledger.stale": ORG_READERS,
    "ledger.recalculate": ORG_EDITORS,
    # any signed-in user reaches a job's page; the job itself is not found for those who did not
    # queue it and hold none of its kind's roles (tests/jobs/test_pages.py)
    "jobs.show": SIGNED_IN,
    "jobs.status": SIGNED_IN,
    "demo.load_status": PUBLIC,
    "travel.list_trips": frozenset({Role.travel, Role.ems, Role.management}),
    "travel.show_trip": frozenset({Role.travel, Role.ems, Role.management}),
    "travel.new_trip": frozenset({Role.travel, Role.ems}),
    "travel.edit_trip": frozenset({Role.travel, Role.ems}),
    "travel.delete_trip": frozenset({Role.travel, Role.ems}),
    "travel.search_airports": SIGNED_IN,
    "travel.estimate": SIGNED_IN,
    "travel.import_trips": frozenset({Role.travel, Role.ems}),
    "travel.commit_import": frozenset({Role.travel, Role.ems}),
    "travel.map_import": frozenset({Role.travel, Role.ems}),
    "travel.remove_import": frozenset({Role.travel, Role.ems}),
    "travel.import_template": SIGNED_IN,
    "travel.export_trips": frozenset({Role.travel, Role.ems, Role.management}),
    "travel.export_icao": frozenset({Role.travel, Role.ems, Role.management}),
    "travel.icao": frozenset({Role.travel, Role.ems, Role.management}),
    "travel.import_icao": frozenset({Role.ems}),
    "energy.list_records": ORG_READERS,
    "energy.export_records": ORG_READERS,
    "energy.new_record": ORG_EDITORS,
    "energy.edit_record": ORG_EDITORS,
    "energy.delete_record": ORG_EDITORS,
    "energy.refrigerants": ORG_READERS,
    "energy.export_refrigerants": ORG_READERS,
    "energy.new_refrigerant": ORG_EDITORS,
    "energy.edit_refrigerant": ORG_EDITORS,
    "energy.delete_refrigerant": ORG_EDITORS,
    "energy.fleet": ORG_READERS,
    "energy.export_fleet": ORG_READERS,
    "energy.new_fleet_record": ORG_EDITORS,
    "energy.edit_fleet_record": ORG_EDITORS,
    "energy.delete_fleet_record": ORG_EDITORS,
    "energy.import_records": ORG_EDITORS,
    "energy.commit_import": ORG_EDITORS,
    "energy.map_import": ORG_EDITORS,
    "energy.remove_import": ORG_EDITORS,
    "energy.import_template": SIGNED_IN,
    "energy.waste": ORG_READERS,
    "energy.export_waste": ORG_READERS,
    "energy.new_waste_record": ORG_EDITORS,
    "energy.edit_waste_record": ORG_EDITORS,
    "energy.delete_waste_record": ORG_EDITORS,
    "energy.import_waste": ORG_EDITORS,
    "energy.map_waste_import": ORG_EDITORS,
    "energy.commit_waste_import": ORG_EDITORS,
    "energy.remove_waste_import": ORG_EDITORS,
    "energy.waste_import_template": SIGNED_IN,
    "energy.water": ORG_READERS,
    "energy.export_water": ORG_READERS,
    "energy.new_water_record": ORG_EDITORS,
    "energy.edit_water_record": ORG_EDITORS,
    "energy.delete_water_record": ORG_EDITORS,
    "energy.import_water": ORG_EDITORS,
    "energy.map_water_import": ORG_EDITORS,
    "energy.commit_water_import": ORG_EDITORS,
    "energy.remove_water_import": ORG_EDITORS,
    "energy.water_import_template": SIGNED_IN,
    "procurement.list_purchases": ORG_READERS,
    "procurement.new_purchase": ORG_EDITORS,
    "procurement.edit_purchase": ORG_EDITORS,
    "procurement.delete_purchase": ORG_EDITORS,
    "procurement.export_purchases": ORG_READERS,
    "procurement.import_purchases": ORG_EDITORS,
    "procurement.commit_import": ORG_EDITORS,
    "procurement.map_import": ORG_EDITORS,
    "procurement.remove_import": ORG_EDITORS,
    "procurement.import_template": SIGNED_IN,
    "procurement.list_categories": ORG_READERS,
    "procurement.new_category": ORG_EDITORS,
    "procurement.add_default_categories": ORG_EDITORS,
    "procurement.edit_category": ORG_EDITORS,
    "procurement.delete_category": ORG_EDITORS,
    "procurement.rates": ORG_READERS,
    "procurement.save_exchange_rate": ORG_EDITORS,
    "procurement.save_price_index": ORG_EDITORS,
    "procurement.edit_exchange_rate": ORG_EDITORS,
    "procurement.edit_price_index": ORG_EDITORS,
    "procurement.delete_exchange_rate": ORG_EDITORS,
    "procurement.delete_price_index": ORG_EDITORS,
    "api.openapi_json": PUBLIC,
    "api.docs": PUBLIC,
    "api.me": SIGNED_IN,
    "api.search_airports": SIGNED_IN,
    "api.estimate_flight": SIGNED_IN,
    "api.list_trips": frozenset({Role.travel, Role.ems, Role.management}),
    "api.get_trip": frozenset({Role.travel, Role.ems, Role.management}),
    "api.create_trip": frozenset({Role.travel, Role.ems}),
    "api.bulk_create_trips": frozenset({Role.travel, Role.ems}),
    "api.update_trip": frozenset({Role.travel, Role.ems}),
    "api.delete_trip": frozenset({Role.travel, Role.ems}),
    "api.list_energy_records": ORG_READERS,
    "api.create_energy_record": ORG_EDITORS,
    "api.list_purchases": ORG_READERS,
    "api.create_purchase": ORG_EDITORS,
    "api.get_inventory": ORG_READERS,
    "api.list_targets": ORG_READERS,
    "api.list_actions": ORG_READERS,
    "api.list_reports": ORG_READERS,
    "api.download_report": ORG_READERS,
    "tokens.list_tokens": SIGNED_IN,
    "tokens.create_token": SIGNED_IN,
    "tokens.revoke_token": SIGNED_IN,
    "tokens.admin_tokens": ADMIN,
    "tokens.admin_create_token": ADMIN,
    "tokens.admin_revoke_token": ADMIN,
}

#: API endpoints authenticated by a bearer token only: every web actor (cookie or none) gets 401;
#: the roles above are tested with tokens in tests/api/test_access_by_token.py
TOKEN_ONLY = frozenset(e for e in EXPECTED_ACCESS if e.startswith("api.")) - {
    "api.openapi_json",
    "api.docs",
}

ACTORS = ["anonymous", *Role]


def _routes() -> list[tuple[str, str, str]]:
    app = create_app(app_config("sqlite://"))
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule.rule))
    return routes


ROUTES = _routes()


def test_every_route_has_an_expected_access_rule():
    assert {endpoint for endpoint, _method, _rule in ROUTES} == set(EXPECTED_ACCESS)


def build_world() -> tuple[dict[Role, User], dict[str, object]]:
    """One user per role, and one object of each kind a URL can name (committed)."""

    def create_user(email: str, roles: tuple[Role, ...]) -> User:
        return auth_services.create_user(
            actor=None,
            email=email,
            name=email,
            roles=roles,
            password=TEST_PASSWORD,
            must_change_password=False,
        )

    users = {role: create_user(f"{role.value}@example.org", roles=(role,)) for role in Role}
    target = create_user("target@example.org", roles=(Role.travel,))
    site = org.create_site(actor=None, name="Geneva HQ", country_code="CH", city="Geneva")
    department = org.create_department(actor=None, name="Programme", code="PRG")
    org.set_headcount(actor=None, year=2024, headcount=1000)
    factor_set, _created = factors.import_factor_set(
        actor=None,
        data=b"category,activity,unit,kgco2e_per_unit\nheat,boiler,kwh,0.2\n",
        family="acme",
        title="Acme",
        publisher="Acme",
        licence="supplier",
        source="letter",
        edition_year=2024,
        version="1",
    )
    trip = travel.create_trip(
        actor=None,
        traveller="Ana",
        legs=[travel.LegInput(origin="GVA", destination="LHR", departure_on=dt.date(2024, 3, 4))],
        paid_by="other",
    )
    batch = travel.import_trips(
        actor=None,
        filename="a.csv",
        data=b"booking_reference,traveller,origin,destination,departure_date,paid_by\n"
        b"Q1,Ana,GVA,LHR,2024-03-04,other\n",
    ).batch
    assert batch is not None
    energy_record = EnergyRecord(
        site_id=site.id,
        energy_type="onsite_renewable",
        technology="solar_pv",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 31),
        quantity=Decimal(100),
        unit="kwh",
    )
    db.session.add(energy_record)
    leak = RefrigerantTopUp(
        site_id=site.id, topped_up_on=dt.date(2024, 2, 1), gas="r32", kg=Decimal(1)
    )
    db.session.add(leak)
    vehicle = FleetRecord(
        vehicle="Truck",
        measure="diesel_litres",
        quantity=Decimal(5),
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 2),
    )
    db.session.add(vehicle)
    rubbish = WasteRecord(
        site_id=site.id,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
        stream="mixed",
        treatment="landfill",
        tonnes=Decimal(2),
    )
    tap = WaterRecord(
        site_id=site.id,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
        supply_source="mains",
        supply_m3=Decimal(100),
        wastewater_m3=Decimal(90),
    )
    db.session.add_all([rubbish, tap])
    category = SpendCategory(name="Consulting", naics_code="541611")
    purchase = Purchase(
        purchased_on=dt.date(2024, 3, 1), category=category, quantity=Decimal(1), quantity_unit="kg"
    )
    rate = procurement.set_exchange_rate(actor=None, currency="CHF", year=2024, units_per_usd="0.9")
    index = procurement.set_price_index(actor=None, year=2024, index_value="120")
    db.session.add(purchase)
    declared = targets.declare_baseline(
        actor=None,
        year=2010,
        boundary="gtb",
        source_category="air_travel",
        co2e_kg="1000",
        source="report",
    )
    air_target = targets.create_target(
        actor=None,
        name="Air",
        boundary="gtb",
        source_category="air_travel",
        per_capita=False,
        baseline_year=2010,
        target_year=2030,
        reduction_pct=15,
    )
    nonconformity = actions.create_nonconformity(
        actor=None, title="Off track", origin="off_track_year", detected_on=dt.date(2024, 1, 5)
    )
    action = actions.create_action(
        actor=None,
        nonconformity=nonconformity,
        description="Travel policy",
        owner_id=target.id,
        due_on=dt.date(2024, 6, 30),
    )
    recalculation = Recalculation(year=2024, reason="test", applied_by_label="test")
    db.session.add(recalculation)
    job = Job(kind="ledger.recalculation.preview", params={"year": 2024, "overrides": {}})
    db.session.add(job)
    report = IssuedReport(
        year=2024,
        version=1,
        identifier="EMS-2024-v1",
        issued_by_label="test",
        snapshot={},
        pdf=b"%PDF-1.4",
        pdf_sha256=hashlib.sha256(b"%PDF-1.4").hexdigest(),
        pdf_size_bytes=8,
    )
    db.session.add(report)
    api_token, _secret = api_tokens.create_token(actor=None, user=target, name="Booking tool")
    credit = credits.create_credit(
        actor=None,
        standard="cdm_cer",
        project_name="Hydro",
        vintage_year=2023,
        serial_first="XX-1-1001-9",
        serial_last="XX-1-2000-9",
        co2e_t=1000,
        retired_on=dt.date(2024, 5, 2),
        applied_year=2024,
    )
    org.set_management_indicators(actor=None, year=2024, ems_status="implemented", all_sites=True)
    removal = travel.delete_trip(
        actor=None,
        trip=travel.create_trip(
            actor=None,
            traveller="Ben",
            legs=[travel.LegInput("GVA", "CDG", dt.date(2024, 5, 6))],
            paid_by="other",
        ),
    )
    db.session.commit()
    values = {
        "user_id": target.id,
        "site_id": site.id,
        "department_id": department.id,
        "year": 2024,
        "set_id": factor_set.id,
        "recalculation_id": recalculation.id,
        "trip_id": trip.id,
        "record_id": energy_record.id,
        "top_up_id": leak.id,
        "fleet_record_id": vehicle.id,
        "waste_record_id": rubbish.id,
        "water_record_id": tap.id,
        "batch_id": batch.id,
        "purchase_id": purchase.id,
        "baseline_id": declared.id,
        "nonconformity_id": nonconformity.id,
        "action_id": action.id,
        "target_id": air_target.id,
        "category_id": category.id,
        "rate_id": rate.id,
        "index_id": index.id,
        "report_id": report.id,
        "token_id": api_token.id,
        "removal_id": removal.id,
        "credit_id": credit.id,
        "job_id": job.id,
        "name": "inventory.csv",
        "fmt": "csv",
    }
    return users, values


def changes(endpoint: str, method: str, actor: object) -> bool:
    """Whether a case may change the world: a POST the actor is allowed to make. Refused
    requests, GETs and token-only endpoints called without a token change nothing."""
    return (
        method == "POST"
        and endpoint not in TOKEN_ONLY
        and (actor in EXPECTED_ACCESS[endpoint] or actor == Role.admin)
    )


CASES = [(endpoint, method, rule, actor) for endpoint, method, rule in ROUTES for actor in ACTORS]


def case_id(case: tuple[str, str, str, object]) -> str:
    endpoint, method, rule, actor = case
    return f"{endpoint}-{method}-{rule}-{getattr(actor, 'value', actor)}"


def check_access(
    app: Flask,
    client: EmsClient,
    values: dict[str, object],
    case: tuple[str, str, str, object],
    csrf_token: str,
) -> None:
    """Request the case's URL as its actor (``client`` is signed in as them) and check the
    answer: allowed, refused (403) or sent to log in."""
    endpoint, method, _rule, actor = case
    with app.test_request_context():
        arguments = {
            name: values[name] for name in app.url_map._rules_by_endpoint[endpoint][0].arguments
        }
        url = url_for(endpoint, **arguments)
    response = client.open(
        url, method=method, data={"csrf_token": csrf_token} if method == "POST" else None
    )
    allowed = actor in EXPECTED_ACCESS[endpoint] or actor == Role.admin
    assert response.status_code < 500
    if endpoint in TOKEN_ONLY:
        assert response.status_code == 401
        return
    if allowed:
        assert response.status_code != 403
        assert "/auth/login" not in response.headers.get("Location", "") or endpoint in (
            "auth.logout",
            "auth.login",
        )
    elif actor == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    else:
        assert response.status_code == 403


#: the application, a signed-in client per actor, the URLs' values and each client's CSRF token
SharedWorld = tuple[Flask, dict[object, EmsClient], dict[str, object], dict[object, str]]


@pytest.fixture(scope="module")
def shared_world(
    migrated_database: str,
) -> Iterator[tuple[Flask, dict[object, EmsClient], dict[str, object], dict[object, str]]]:
    """One world for every case that changes nothing, with a client signed in per actor."""
    app = create_app(app_config(migrated_database))
    app.test_client_class = EmsClient
    with app.app_context():
        users, values = build_world()
        db.session.commit()
        clients: dict[object, EmsClient] = {}
        tokens: dict[object, str] = {}
        for actor in ACTORS:
            client = app.test_client()
            if actor != "anonymous":
                login_with(client, users[actor])
            clients[actor] = client  # type: ignore[assignment]
            tokens[actor] = client.csrf_token()  # type: ignore[attr-defined]
        yield app, clients, values, tokens
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.mark.parametrize("case", [c for c in CASES if not changes(c[0], c[1], c[3])], ids=case_id)
def test_access(shared_world, case):
    app, clients, values, tokens = shared_world
    actor = case[3]
    check_access(app, clients[actor], values, case, tokens[actor])
