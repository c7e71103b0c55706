"""The demo organisation: generated deterministically, refused on a database with data of its
own, calibrated to the published totals, and usable with its accounts.

The demo is loaded once for this module (the ``demo`` fixture), after the tests that need an
empty database; this module's ``app`` fixture keeps it between tests instead of emptying the
tables, so the ``client`` and ``login`` fixtures work on it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from ems import create_app
from ems.actions import services as actions
from ems.actions.models import ActionStatus, Nonconformity, NonconformityStatus, Origin
from ems.audit.models import AuditEntry
from ems.auth import services as auth
from ems.cli import setup_command
from ems.demo import generator, services
from ems.demo.cli import demo_cli
from ems.extensions import db, utcnow
from ems.imports import services as imports
from ems.inventory import services as inventory
from ems.inventory.services import Boundary
from ems.ledger.models import SourceCategory
from ems.org import services as org
from ems.reporting import services as reporting
from ems.targets import services as targets
from ems.travel import airports
from ems.travel.models import Trip
from tests.conftest import TEST_PASSWORD, EmsClient, app_config, empty_all_tables

#: the module's tests run in order on one demo organisation (make test keeps a module on one
#: worker)
pytestmark = pytest.mark.slow

#: the published Greening-the-Blue totals the demo is calibrated to, t CO2e
PUBLISHED_T = {2022: 1969, 2023: 2582}


# --- the generator (no database) --------------------------------------------------------------


@pytest.fixture(scope="module")
def generated() -> generator.DemoData:
    return generator.generate()


def test_the_same_seed_gives_the_same_records(generated):
    again = generator.generate(generator.SEED)
    assert again == generated
    assert generator.agency_csv(again.flights[2023]) == generator.agency_csv(
        generated.flights[2023]
    )
    assert generator.energy_csv(again.energy[2023]) == generator.energy_csv(generated.energy[2023])
    assert generator.generate(generator.SEED + 1).flights[2023] != generated.flights[2023]


def test_generated_flights_are_plausible(generated):
    for year, trips in generated.flights.items():
        for trip in trips:
            assert len({row.reference for row in trip}) == 1
            assert 1 <= len(trip) <= Trip.MAX_LEGS
            for row in trip:
                assert row.departure_on.year == year  # each year's total is calibrated alone
                assert airports.find(row.origin) is not None
                assert airports.find(row.destination) is not None
            assert [row.departure_on for row in trip] == sorted(row.departure_on for row in trip)
    legs = [row for trip in generated.flights[2023] for row in trip]
    assert {row.origin for row in legs} >= {"GVA", "NBO", "BKK", "PTY", "JFK"}
    cabins = Counter(row.cabin_class for row in legs)
    assert cabins["Economy"] > 0.6 * len(legs)
    assert min(cabins["Business"], cabins["Premium Economy"], cabins["First"]) > 0
    months_2020 = Counter(row.departure_on.month for t in generated.flights[2020] for row in t)
    assert months_2020[2] > 10 * months_2020[5]  # the pandemic from March 2020


# --- an empty database (before the demo is loaded) --------------------------------------------


@pytest.fixture
def empty_app(migrated_database: str) -> Iterator[Flask]:
    """The conftest's ``app`` under another name (this module's ``app`` holds the demo)."""
    app = create_app(app_config(migrated_database))
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def test_data_of_its_own_is_named(empty_app):
    assert services.real_data() == []
    org.create_department(actor=None, name="Finance")
    auth.create_user(
        actor=None, email="ana@example.org", name="Ana", roles=["ems"], password=TEST_PASSWORD
    )
    assert services.real_data() == ["departments: 1", "accounts: 1"]


def test_load_refuses_a_database_with_data_of_its_own(empty_app):
    auth.create_user(
        actor=None, email="ana@example.org", name="Ana", roles=["admin"], password=TEST_PASSWORD
    )
    db.session.commit()
    runner = empty_app.test_cli_runner()
    refused = runner.invoke(demo_cli, ["load"])
    assert refused.exit_code == 1
    assert "holds data of its own (accounts: 1)" in refused.output
    skipped = runner.invoke(demo_cli, ["load", "--if-empty"])
    assert skipped.exit_code == 0, skipped.output
    assert "Demo not loaded" in skipped.output
    assert not services.demo_loaded()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trip)) == 0
    assert "not loaded" in runner.invoke(demo_cli, ["accounts"]).output


# --- the loaded demo --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(migrated_database: str) -> Iterator[tuple[Flask, str]]:
    """The demo loaded once, by its command, for the tests below; the tables emptied after."""
    app = create_app(app_config(migrated_database))
    app.test_client_class = EmsClient
    with app.app_context():
        result = app.test_cli_runner().invoke(demo_cli, ["load"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    yield app, result.output
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def app(demo: tuple[Flask, str]) -> Iterator[Flask]:
    """The demo's application; unlike the conftest's, it leaves the tables as they are."""
    demo_app, _output = demo
    with demo_app.app_context():
        yield demo_app
        db.session.remove()


def test_load_prints_the_accounts_and_the_totals(demo):
    _app, output = demo
    for account in services.DEMO_ACCOUNTS:
        assert f"{account.email} " in output
        assert account.role.value in output
    assert f"password: {services.DEMO_PASSWORD}" in output
    assert "bookings)" in output
    for year in generator.YEARS:
        assert f"    {year}  " in output
    assert "(baseline;" in output


@pytest.mark.parametrize("year", sorted(PUBLISHED_T))
def test_greening_the_blue_total_is_the_published_one(app, year):
    total_t = inventory.inventories(year)[Boundary.gtb].total_g / 1_000_000
    assert total_t == pytest.approx(PUBLISHED_T[year], rel=0.01)


def test_2022_on_track_and_2023_off_track(app):
    path = targets.trajectory(targets.main_target())
    assert path is not None
    assert (path.baseline.year, path.baseline.origin) == (2010, "computed")
    assert path.baseline.value_g / 1_000_000 == pytest.approx(2900, rel=0.01)
    years = {year.year: year for year in path.years}
    assert years[2022].on_track is True
    assert years[2023].on_track is False
    assert path.target_g < years[2025].actual_g  # the target is not reached yet


def test_pandemic_dip_and_rebound(app):
    totals = inventory.totals_by_year(Boundary.gtb)
    air = inventory.totals_by_year(Boundary.gtb, SourceCategory.air_travel)
    assert sorted(totals) == list(generator.YEARS)
    assert air[2020] < 0.35 * air[2019]
    assert air[2021] < 0.5 * air[2019]
    assert totals[2020] < totals[2021] < totals[2022] < totals[2023]
    # 2022 → 2023: +31 %, mostly flights
    assert totals[2023] / totals[2022] == pytest.approx(1.31, abs=0.02)
    assert air[2023] - air[2022] > 0.8 * (totals[2023] - totals[2022])


def test_flights_come_from_one_agency_import_a_year(app):
    batches = {batch.filename: batch for batch in imports.list_batches("travel")}
    assert set(batches) == {f"agency-export-{year}.csv" for year in generator.YEARS}
    for year in generator.YEARS:
        legs = batches[f"agency-export-{year}.csv"].rows
        assert legs > (1000 if year in (2020, 2021) else 3000)
    assert {batch.filename for batch in imports.list_batches("energy")} == {
        f"utility-bills-{year}.csv" for year in generator.YEARS
    }
    assert len(imports.list_batches("procurement")) == len(generator.YEARS)


def test_every_record_is_audited_and_2010_uses_the_nearest_editions(app, generated):
    actions_done = Counter(db.session.scalars(sa.select(AuditEntry.action)))
    assert actions_done["travel.import.committed"] == len(generator.YEARS)
    assert actions_done["energy.import.committed"] == len(generator.YEARS)
    assert actions_done["travel.trip.created"] == len(generated.ground_trips)
    assert actions_done["auth.user.created"] == len(services.DEMO_ACCOUNTS)
    assert actions_done["demo.loaded"] == 1
    quality = inventory.data_quality(2010)
    assert SourceCategory.air_travel in quality.fallback_by_source
    assert quality.flights_unknown_cabin > 0


def test_the_management_system_is_running(app):
    nonconformities = list(db.session.scalars(sa.select(Nonconformity).order_by(Nonconformity.id)))
    assert [nc.origin for nc in nonconformities] == [
        Origin.audit_finding,
        Origin.off_track_year,
        Origin.threshold_breach,
    ]
    assert nonconformities[0].status is NonconformityStatus.closed_effective
    assert nonconformities[1].proposal_key == "target:main:2023"
    statuses = {action.status for action in actions.list_actions()}
    assert statuses == {ActionStatus.planned, ActionStatus.in_progress, ActionStatus.done}
    assert actions.overdue_actions(utcnow().date())
    assert all(a.verdicts for a in actions.list_actions() if a.status is ActionStatus.done)
    assert [proposal.key for proposal in actions.proposals()] == ["target:main:2025"]
    assert len(actions.meetings()) == 1
    projection = actions.projection()
    assert projection is not None
    assert projection.gap_g > 0
    reported = {series.year for series in targets.reported_series()}
    assert reported >= {2022, 2023, 2024, 2025}


def test_the_demo_verdicts_agree_with_its_own_figures(app):
    """Each verdict reads the figures of its action's page: recorded with them, agreeing with
    their direction (or justified), and its note quotes them."""
    done = [a for a in actions.list_actions() if a.status is ActionStatus.done]
    assert len(done) == 2
    for action in done:
        (verdict,) = action.verdicts
        measured = actions.effectiveness(action)
        assert verdict.figures == measured.as_figures()  # the page shows what was judged
        assert verdict.is_effective
        assert measured.measured_reduction_g > 0  # the emissions fell …
        assert not actions.verdict_against_figures(verdict.figures, verdict.is_effective)
        assert f"{measured.measured_reduction_g / 1_000_000:,.1f} t a year" in verdict.note
    rail = next(a for a in done if a.source_category == "air_travel")
    # the rail rule's routes as the flights show them: no Geneva–Zurich or –Lyon shuttles left
    note = rail.verdicts[0].note
    assert re.search(r"Geneva–Zurich [1-9]\d* in 2024, 0 in 2025", note), note
    assert re.search(r"Geneva–Lyon [1-9]\d* in 2024, 0 in 2025", note), note


def test_the_annual_reports_are_issued(app):
    issued = reporting.issued_reports()
    assert [report.identifier for report in issued] == ["EMS-2025-v1", "EMS-2024-v1"]
    assert {report.issued_by_label for report in issued} == {"management@demo.example"}
    assert issued[0].pdf.startswith(b"%PDF")


@pytest.mark.parametrize("account", services.DEMO_ACCOUNTS, ids=lambda a: a.role.value)
def test_every_demo_account_logs_in(client, login, account):
    user = auth.find_user(account.email)
    assert user is not None
    assert not user.must_change_password
    login(client, user, services.DEMO_PASSWORD)
    page = client.get("/")
    assert page.status_code == 200
    assert generator.ORGANISATION_NAME in page.get_data(as_text=True)


def test_loading_again_changes_nothing(app):
    runner = app.test_cli_runner()
    trips = db.session.scalar(sa.select(sa.func.count()).select_from(Trip))
    again = runner.invoke(demo_cli, ["load"])
    assert again.exit_code == 1
    assert "loaded already" in again.output
    skipped = runner.invoke(demo_cli, ["load", "--if-empty"])
    assert skipped.exit_code == 0
    assert "loaded already" in skipped.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Trip)) == trips
    listed = runner.invoke(demo_cli, ["accounts"]).output
    assert all(account.email in listed for account in services.DEMO_ACCOUNTS)
    assert "Accounts exist already" in runner.invoke(setup_command).output


def test_demo_dates_are_fixed(generated):
    """Nothing depends on the day the demo is loaded: every date is before 2026-04."""
    latest = max(
        [row.period_end for rows in generated.energy.values() for row in rows]
        + [row.purchased_on for rows in generated.purchases.values() for row in rows]
        + [row.departure_on for trips in generated.flights.values() for t in trips for row in t]
    )
    assert latest <= dt.date(2025, 12, 31)
