"""Automatic proposals: an off-track year or a source above its ceiling, accepted or dismissed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ems.actions import services
from ems.actions.models import Origin
from ems.energy import services as energy
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.org import services as org
from ems.targets import services as targets


@pytest.fixture
def off_track(app):
    """A declared 2010 baseline of 1 t; 10,000 kWh of UK electricity in 2025 (1.77 t); 2025
    closed (only closed years are judged)."""
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="London office", country_code="GB")
    targets.declare_baseline(
        actor=None,
        year=2010,
        boundary="gtb",
        source_category="electricity",
        co2e_kg="1000",
        source="report",
    )
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
    org.close_year(actor=None, year=2025)
    db.session.commit()


def test_an_off_track_year_is_proposed_with_its_figures(off_track):
    (proposal,) = services.proposals()
    # the line from 1 t in 2010 to 0.55 t in 2030 stands at 0.6625 t in 2025
    assert proposal.key == "target:main:2025"
    assert proposal.origin is Origin.off_track_year
    assert proposal.figures() == {
        "year": 2025,
        "source": None,
        "actual_g": 1_770_000,
        "limit_g": 662_500,
        "excess_g": 1_107_500,
        "excess_pct": 167.2,
    }
    nc = services.accept_proposal(actor=None, key=proposal.key, detected_on=dt.date(2026, 1, 10))
    assert nc.figures["excess_g"] == 1_107_500
    assert nc.years == [2025]
    assert "1.8 t CO2e against 0.7 t, 1.1 t above" in nc.description
    assert services.proposals() == []  # accepted once
    with pytest.raises(ValidationFailed):
        services.accept_proposal(actor=None, key=proposal.key)


def test_a_source_above_its_ceiling_and_a_dismissal(off_track):
    services.set_source_threshold(actor=None, source_category="electricity", max_t_per_year="1.5")
    keys = [p.key for p in services.proposals()]
    assert keys == ["target:main:2025", "threshold:electricity:2025"]
    ceiling = services.proposals()[1]
    # the full boundary: 1,770.0 kg of electricity and 185.3 kg of T&D losses
    assert (ceiling.actual_g, ceiling.limit_g) == (1_955_300, 1_500_000)
    with pytest.raises(ValidationFailed) as refused:
        services.dismiss_proposal(actor=None, key=ceiling.key, reason="")
    assert "reason" in refused.value.errors
    services.dismiss_proposal(
        actor=None, key=ceiling.key, reason="A data-centre move doubled the load for one quarter."
    )
    assert [p.key for p in services.proposals()] == ["target:main:2025"]
