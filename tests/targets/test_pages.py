"""The baseline, target and restatement pages, and the dashboard's restatement notice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.energy import services as energy
from ems.extensions import db
from ems.factors import services as factors
from ems.org import services as org
from ems.targets import services
from ems.targets.models import DeclaredBaseline, ReportedTotal, Target


@pytest.fixture
def editor(client, create_user, login, app):
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="London office", country_code="GB")
    energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="electricity",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 1, 31),
        quantity=Decimal(10000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    org.close_year(actor=None, year=2025)  # judged against the targets
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    return site.id


def test_declaring_a_baseline_and_adding_a_target(client, editor):
    declared = client.post(
        "/inventory/baselines",
        data={
            "year": "2010",
            "boundary": "gtb",
            "source_category": "electricity",
            "co2e_kg": "50000",
            "source": "GtB 2011",
        },
    )
    assert declared.status_code == 302, declared.get_data(as_text=True)
    assert db.session.scalar(sa.select(DeclaredBaseline.co2e_kg)) == Decimal(50000)
    added = client.post(
        "/inventory/targets/new",
        data={
            "name": "Electricity",
            "boundary": "gtb",
            "source_category": "electricity",
            "baseline_year": "2010",
            "target_year": "2030",
            "reduction_pct": "35",
        },
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    page = client.get("/inventory/targets").get_data(as_text=True)
    assert "50.0 t" in page  # the electricity baseline, to one decimal as everywhere
    assert "32.5 t" in page  # −35 %
    assert "2025: 1.8 t · on track" in page
    refused = client.post(
        "/inventory/targets/new",
        data={
            "name": "Bad",
            "boundary": "gtb",
            "source_category": "",
            "baseline_year": "2010",
            "target_year": "2030",
            "reduction_pct": "35",
        },
    )
    assert refused.status_code == 422
    assert "choose a source, or make the target per capita" in refused.get_data(as_text=True)
    target = db.session.scalars(sa.select(Target)).one()
    stale = client.post(
        f"/inventory/targets/{target.id}/edit",
        data={
            "version_id": "0",
            "name": "Electricity",
            "boundary": "gtb",
            "source_category": "electricity",
            "baseline_year": "2010",
            "target_year": "2030",
            "reduction_pct": "40",
        },
    )
    assert "Someone else changed this record" in stale.get_data(as_text=True)


def test_reporting_restating_and_the_dashboard_notice(client, editor):
    assert (
        client.post(
            "/inventory/restatements/report", data={"year": "2025", "approved_by": "Director"}
        ).status_code
        == 302
    )
    org.reopen_year(actor=None, year=2025, reason="A February bill came late")
    energy.create_energy_record(
        actor=None,
        site_id=editor,
        energy_type="electricity",
        period_start=dt.date(2025, 2, 1),
        period_end=dt.date(2025, 2, 28),
        quantity=Decimal(2000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    db.session.commit()
    dashboard = client.get("/").get_data(as_text=True)
    assert "Reported figures have moved beyond the restatement threshold: 2025." in dashboard
    page = client.get("/inventory/restatements").get_data(as_text=True)
    assert "+20.0\u00a0%" in page
    assert "needed" in page
    refused = client.post(
        "/inventory/restatements/restate", data={"year": "2025", "reason": "", "approved_by": ""}
    )
    assert refused.status_code == 422
    done = client.post(
        "/inventory/restatements/restate",
        data={"year": "2025", "reason": "February bill found", "approved_by": "Director"},
    )
    assert done.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportedTotal)) == 4
    assert "beyond the restatement threshold" not in client.get("/").get_data(as_text=True)
    assert services.restatements_needed() == []


def test_management_reads_but_does_not_edit(client, create_user, login, app):
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/inventory/targets").get_data(as_text=True)
    assert "Declare a baseline figure" not in page
    assert client.post("/inventory/restatements/report", data={"year": "2025"}).status_code == 403
