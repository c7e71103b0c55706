"""Baselines, targets and their trajectories, computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ems.auth.models import Role
from ems.energy import services as energy
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.inventory import services as inventory
from ems.inventory.services import Boundary
from ems.ledger.models import SourceCategory
from ems.org import services as org
from ems.targets import services
from ems.targets.services import Baseline, TargetSpec

T = 1_000_000  # grams per tonne
MAIN = TargetSpec(
    name="main", boundary=Boundary.gtb, baseline_year=2010, target_year=2030, reduction_pct=45
)


def test_the_straight_line_from_2010_to_minus_45_percent_in_2030():
    path = services.build_trajectory(
        MAIN,
        Baseline(year=2010, value_g=1000 * T, origin="declared"),
        {2010: 1000 * T, 2022: 700 * T, 2023: 800 * T},
    )
    assert path.target_g == 550 * T
    line = {year.year: year for year in path.years}
    # 1,000 t − 22.5 t a year
    assert line[2010].trajectory_g == 1000 * T
    assert line[2020].trajectory_g == 775 * T
    assert line[2022].trajectory_g == 730 * T
    assert line[2023].trajectory_g == 707_500_000
    assert line[2030].trajectory_g == 550 * T
    assert (line[2022].on_track, line[2023].on_track, line[2021].on_track) == (True, False, None)
    # budgets over the years measured after the baseline: 700 + 800 against 730 + 707.5
    assert line[2023].cumulative_actual_g == 1500 * T
    assert line[2023].cumulative_trajectory_g == 1_437_500_000
    # from 800 t in 2023 to 550 t in 2030: 35.714 t a year, or 5.21 % a year
    assert path.latest_year == 2023
    assert path.required_reduction_g_per_year == 35_714_286
    assert path.required_reduction_pct_per_year == pytest.approx(5.2120, abs=1e-4)


def test_a_year_below_the_target_needs_no_more_cut():
    path = services.build_trajectory(
        MAIN, Baseline(year=2010, value_g=1000 * T, origin="computed"), {2024: 500 * T}
    )
    assert path.required_reduction_g_per_year == 0
    assert path.required_reduction_pct_per_year == 0.0


@pytest.fixture
def london(app):
    """A declared 2010 baseline of 1,000 t (GtB; air 600 t, fuels 400 t), headcount 1,000 in
    2010 and 4 in 2025, and 10,000 kWh of UK electricity in 2025 (1,770.0 kg location- and
    market-based); 2025 closed."""
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="London office", country_code="GB")
    for source, kg in (("air_travel", "600000"), ("heat_fuels", "400000")):
        services.declare_baseline(
            actor=None,
            year=2010,
            boundary="gtb",
            source_category=source,
            co2e_kg=kg,
            source="Greening the Blue 2011, table 3",
        )
    org.set_headcount(actor=None, year=2010, headcount=1000)
    org.set_headcount(actor=None, year=2025, headcount=4)
    energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="electricity",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 3, 31),
        quantity=Decimal(10000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    org.close_year(actor=None, year=2025)  # the working group judges closed years only
    db.session.commit()


def test_the_main_target_uses_the_declared_baseline_and_the_ledger(london):
    path = services.trajectory(services.main_target())
    assert path is not None
    assert (path.baseline.value_g, path.baseline.origin) == (1000 * T, "declared")
    assert path.baseline.sources == "Greening the Blue 2011, table 3"
    year_2025 = next(year for year in path.years if year.year == 2025)
    assert year_2025.trajectory_g == 662_500_000  # 1,000 t − 15 × 22.5 t
    assert year_2025.actual_g == 1_770_000
    assert year_2025.on_track


def test_per_capita_and_per_source_targets(london):
    services.create_target(
        actor=None,
        name="Per capita",
        boundary="gtb",
        source_category="",
        per_capita=True,
        baseline_year=2010,
        target_year=2030,
        reduction_pct=45,
    )
    services.create_target(
        actor=None,
        name="Air travel",
        boundary="gtb",
        source_category="air_travel",
        per_capita=False,
        baseline_year=2010,
        target_year=2030,
        reduction_pct=15,
    )
    paths = {spec.name: services.trajectory(spec) for spec in services.targets()}
    per_capita = paths["Per capita"]
    assert per_capita is not None
    assert per_capita.baseline.value_g == T  # 1,000 t / 1,000 people
    assert next(y for y in per_capita.years if y.year == 2025).actual_g == 442_500  # 1,770 kg / 4
    air = paths["Air travel"]
    assert air is not None
    assert (air.baseline.value_g, air.target_g) == (600 * T, 510 * T)
    assert inventory.totals_by_year(Boundary.gtb, SourceCategory.electricity) == {2025: 1_770_000}


def test_without_a_baseline_there_is_no_trajectory(app):
    assert services.trajectory(services.main_target()) is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "main"}, "name"),
        ({"reduction_pct": 0}, "reduction_pct"),
        ({"target_year": 2005}, "target_year"),
        ({"boundary": "moon"}, "boundary"),
        ({"source_category": "", "per_capita": False}, "source_category"),
    ],
)
def test_bad_targets_name_the_field(app, values, field):
    data = {
        "name": "Air",
        "boundary": "gtb",
        "source_category": "air_travel",
        "per_capita": False,
        "baseline_year": 2010,
        "target_year": 2030,
        "reduction_pct": 15,
        **values,
    }
    with pytest.raises(ValidationFailed) as refused:
        services.create_target(actor=None, **data)
    assert field in refused.value.errors


def test_a_declared_baseline_is_replaced_and_checked(app):
    first = services.declare_baseline(
        actor=None, year=2010, boundary="gtb", source_category="air_travel", co2e_kg="5", source="a"
    )
    again = services.declare_baseline(
        actor=None, year=2010, boundary="gtb", source_category="air_travel", co2e_kg="6", source="b"
    )
    assert first.id == again.id
    assert again.co2e_kg == Decimal(6)
    with pytest.raises(ValidationFailed) as refused:
        services.declare_baseline(
            actor=None, year=2010, boundary="gtb", source_category="x", co2e_kg="-1", source=""
        )
    assert set(refused.value.errors) == {"source_category", "co2e_kg", "source"}


def test_the_dashboard(client, create_user, login, london):
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/").get_data(as_text=True)
    # 2025: 1.77 t of electricity against a straight line at 662.5 t
    assert "2025 at a glance" in page
    assert "1.8" in page
    assert "662.5" in page
    assert "on track" in page
    assert "From the 2010 baseline to the 2030 target" in page
    assert "declared: Greening the Blue 2011, table 3" in page
    assert 'data-value="550.000"' in page  # the target, for the chart
    assert "London office: no energy data for 9 months (4, 5, 6, 7, 8, 9, 10, 11, 12)" in page
    assert "vendor/chart.js/chart.umd.min.js" in page
    assert client.get("/?year=1800").status_code == 200


def test_an_empty_dashboard(client, create_user, login):
    login(client, create_user(roles=(Role.travel,)))
    page = client.get("/").get_data(as_text=True)
    assert "No emissions recorded yet" in page
