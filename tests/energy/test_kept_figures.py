"""Figures kept per ledger version see every record of their year, those without lines too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ems.energy import services
from ems.extensions import db
from ems.inventory import services as inventory
from ems.inventory import years
from tests.energy.conftest import sites  # noqa: F401 (the fixture)


def create(site_id: int, energy_type: str, start: dt.date, end: dt.date, *, estimate: bool):
    return services.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type=energy_type,
        period_start=start,
        period_end=end,
        quantity=Decimal("1000"),
        unit="kwh",
        meter_reference="M-1",
        evidence_note="bill",
        is_estimate=estimate,
        certificates_kwh=None,
        supplier_factor_id=None,
        technology="solar_pv" if energy_type == "onsite_renewable" else None,
    )


def test_an_onsite_generation_record_changes_data_quality_and_reach(sites):  # noqa: F811
    create(sites["GB"], "electricity", dt.date(2025, 1, 1), dt.date(2025, 3, 31), estimate=False)
    db.session.commit()
    assert inventory.data_quality(2025).estimated_energy_records == 0
    assert years.reach(2025).data_to == dt.date(2025, 3, 31)
    generation = create(
        sites["GB"], "onsite_renewable", dt.date(2025, 4, 1), dt.date(2025, 12, 31), estimate=True
    )
    db.session.commit()
    assert inventory.data_quality(2025).estimated_energy_records == 1
    assert years.reach(2025).data_to == dt.date(2025, 12, 31)
    services.update_energy_record(
        actor=None,
        record=generation,
        site_id=sites["GB"],
        energy_type="onsite_renewable",
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2025, 6, 30),
        quantity=Decimal("1000"),
        unit="kwh",
        meter_reference="M-1",
        evidence_note="bill",
        is_estimate=False,
        certificates_kwh=None,
        supplier_factor_id=None,
        technology="solar_pv",
    )
    db.session.commit()
    assert inventory.data_quality(2025).estimated_energy_records == 0
    assert years.reach(2025).data_to == dt.date(2025, 6, 30)
    services.delete_energy_record(actor=None, record=generation)
    db.session.commit()
    assert years.reach(2025).data_to == dt.date(2025, 3, 31)
