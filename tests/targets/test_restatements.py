"""Reported and restated totals: a significant move asks for a restatement; both series kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ems.energy import services as energy
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.inventory.services import Boundary
from ems.org import services as org
from ems.targets import services


def electricity(site_id: int, kwh: int, month: int = 1) -> None:
    energy.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type="electricity",
        period_start=dt.date(2025, month, 1),
        period_end=dt.date(2025, month, 28),
        quantity=Decimal(kwh),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )


@pytest.fixture
def reported(app):
    """2025 reported with 10,000 kWh of UK electricity: 1,770.0 kg (GtB), 1,955.3 kg (full)."""
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="London office", country_code="GB").id
    electricity(site, 10_000)
    services.record_reported(actor=None, year=2025, approved_by="Director")
    db.session.commit()
    return site


def series(year: int, boundary: Boundary) -> services.ReportedSeries:
    return next(s for s in services.reported_series() if (s.year, s.boundary) == (year, boundary))


def test_a_move_above_the_threshold_asks_for_a_restatement(reported):
    gtb = series(2025, Boundary.gtb)
    assert (gtb.reported is not None, gtb.restated, gtb.current_g) == (True, None, 1_770_000)
    assert services.restatements_needed() == []
    electricity(reported, 400, month=2)  # +4 % (70.8 kg): below the 5 % default
    assert services.restatements_needed() == []
    electricity(reported, 200, month=3)  # +6 % in all
    needed = services.restatements_needed()
    assert [(s.year, s.boundary) for s in needed] == [(2025, Boundary.full), (2025, Boundary.gtb)]
    assert series(2025, Boundary.gtb).change_pct == pytest.approx(6.0)


def test_a_restatement_keeps_both_series(reported):
    electricity(reported, 1_000, month=2)  # a missed bill found: +10 %
    services.restate(
        actor=None, year=2025, reason="February bill found in an audit", approved_by="Director"
    )
    db.session.commit()
    gtb = series(2025, Boundary.gtb)
    assert gtb.reported is not None
    assert gtb.restated is not None
    assert (gtb.reported.co2e_g, gtb.restated.co2e_g) == (1_770_000, 1_947_000)
    assert gtb.restated.reason == "February bill found in an audit"
    assert services.restatements_needed() == []


def test_the_threshold_is_the_organisations_setting(reported):
    electricity(reported, 400, month=2)  # +4 %
    organisation = org.get_organisation()
    org.update_organisation(
        actor=None,
        name=organisation.name,
        reporting_currency=organisation.reporting_currency,
        baseline_year=organisation.baseline_year,
        target_year=organisation.target_year,
        target_reduction_pct=organisation.target_reduction_pct,
        restatement_threshold_pct=3,
    )
    assert len(services.restatements_needed()) == 2


def test_reporting_twice_or_restating_the_unreported_is_refused(reported):
    with pytest.raises(ValidationFailed) as twice:
        services.record_reported(actor=None, year=2025)
    assert "restate it instead" in twice.value.errors["year"]
    with pytest.raises(ValidationFailed) as never:
        services.restate(actor=None, year=2024, reason="x", approved_by="y")
    assert "never reported" in never.value.errors["year"]
    with pytest.raises(ValidationFailed) as bare:
        services.restate(actor=None, year=2025, reason="", approved_by="")
    assert set(bare.value.errors) == {"reason", "approved_by"}
