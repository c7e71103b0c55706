"""A year's change split into activity, mix and factor effects, computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ems.energy import services as energy
from ems.extensions import db
from ems.factors import services as factors
from ems.inventory import services
from ems.inventory.services import Boundary
from ems.ledger.models import SourceCategory
from ems.org import services as org


def bill(site_id: int, year: int, kind: str, kwh: int, unit: str = "kwh") -> None:
    energy.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type=kind,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 3, 31),
        quantity=Decimal(kwh),
        unit=unit,
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )


@pytest.fixture
def london(app):
    """UK electricity: 10,000 kWh in 2024 (DESNZ 2024: 0.20705 kg/kWh), 12,000 kWh in 2025
    (DESNZ 2025: 0.177). Heating: 10,000 kWh (gross CV) of gas in 2024 (0.1829); 5,000 of gas
    (0.18296) and 5,000 of burning oil (0.24677) in 2025."""
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="London office", country_code="GB").id
    bill(site, 2024, "electricity", 10_000)
    bill(site, 2025, "electricity", 12_000)
    bill(site, 2024, "natural_gas", 10_000, "kwh_gross_cv")
    bill(site, 2025, "natural_gas", 5_000, "kwh_gross_cv")
    bill(site, 2025, "heating_oil", 5_000, "kwh_gross_cv")
    db.session.commit()


def test_more_kwh_at_a_lower_factor(london):
    changes = {c.source: c for c in services.change_explained(2025, Boundary.gtb)}
    electricity = changes[SourceCategory.electricity]
    # 2,070.5 kg → 2,124.0 kg: +2,000 kWh at 0.20705 = +414.1 kg of activity, 12,000 kWh at
    # 0.177 − 0.20705 = −360.6 kg of factor, no mix
    assert (electricity.before_g, electricity.after_g) == (2_070_500, 2_124_000)
    assert (electricity.activity_g, electricity.factor_g, electricity.mix_g) == (
        414_100,
        -360_600,
        0,
    )


def test_the_same_heat_from_another_fuel_is_mix(london):
    heat = {c.source: c for c in services.change_explained(2025)}[SourceCategory.heat_fuels]
    # 1,829.0 kg → 914.8 + 1,233.85 = 2,148.65 kg; the same 10,000 kWh (no activity effect);
    # gas 5,000 kWh × (0.18296 − 0.1829) = +0.3 kg of factor; the shift to oil +319.35 kg
    assert (heat.before_g, heat.after_g) == (1_829_000, 2_148_650)
    assert (heat.activity_g, heat.factor_g, heat.mix_g) == (0, 300, 319_350)


def test_the_parts_sum_to_the_change_of_the_total(london):
    changes = services.change_explained(2025, Boundary.full)
    total = services.totals_by_year(Boundary.full)
    assert sum(c.change_g for c in changes) == total[2025] - total[2024]
    for change in changes:
        assert change.activity_g + change.mix_g + change.factor_g == change.change_g
    assert changes[0].source is SourceCategory.heat_fuels  # the biggest mover first


def test_a_source_new_this_year_is_all_activity(app):
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="Geneva", country_code="GB").id
    bill(site, 2025, "electricity", 1_000)
    (electricity,) = services.change_explained(2025)
    assert (electricity.before_g, electricity.activity_g, electricity.mix_g) == (0, 177_000, 0)
