"""The credits pages (list of a year, add, edit, remove with confirmation, restore, export), the
years page's gross emissions, credits and climate-neutral status, and the management pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.credits import services
from ems.credits.models import CarbonCredit
from ems.energy import services as energy
from ems.extensions import db
from ems.inventory import services as inventory
from ems.org import services as org
from ems.org.models import ManagementIndicators
from ems.removals.models import Removal

CDM = "XX-5-{n}-1-1-0-9001"


def form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "standard": "cdm_cer",
        "project_name": "Demo hydro",
        "project_id": "9001",
        "vintage_year": "2022",
        "serial_first": CDM.format(n=1001),
        "serial_last": CDM.format(n=2000),
        "co2e_t": "1000",
        "retired_on": "2025-03-01",
        "applied_year": "2024",
        "evidence": "https://example.org/retirement/1",
    }
    return {**values, **overrides}


def stored(**overrides: object) -> CarbonCredit:
    """A credit recorded through the service (1,000 CERs for 2024), committed."""
    values = {
        **form(),
        "vintage_year": 2022,
        "applied_year": 2024,
        "co2e_t": 1000,
        "retired_on": dt.date(2025, 3, 1),
        **overrides,
    }
    credit = services.create_credit(actor=None, **values)
    db.session.commit()
    return credit


@pytest.fixture
def group(client, create_user, login):
    user = create_user(roles=(Role.ems,))
    login(client, user)
    return client


@pytest.fixture
def director(client, create_user, login):
    login(client, create_user(roles=(Role.management,)))
    return client


def test_credits_are_added_listed_by_year_and_refused_by_field(group):
    page = group.get("/credits/new?year=2024")
    assert page.status_code == 200
    assert 'value="2024"' in page.get_data(as_text=True)
    response = group.post("/credits/new", data=form())
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = group.get("/credits/?year=2024").get_data(as_text=True)
    assert "Demo hydro" in listing
    assert "CDM Certified Emission Reductions (CERs)" in listing
    assert "cdm_cer" not in listing.replace('value="cdm_cer"', "")
    assert "No credits applied to 2023." in group.get("/credits/?year=2023").get_data(as_text=True)
    # the same serials again: the form says why, on the first serial, and saves nothing
    again = group.post("/credits/new", data=form(serial_first=CDM.format(n=1500), co2e_t="501"))
    assert again.status_code == 200
    text = again.get_data(as_text=True)
    assert "These serials overlap credit" in text
    assert 'id="serial_first-errors"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CarbonCredit)) == 1
    # nonsense never answers 500
    for bad in (
        {"co2e_t": "x" * 100},
        {"co2e_t": "9" * 40},
        {"retired_on": "soon"},
        {"standard": "bogus"},
        {"serial_first": "A\x00-1"},
        {"serial_first": "9" * 199, "serial_last": "9" * 200},
        {"vintage_year": "-1"},
    ):
        assert group.post("/credits/new", data=form(**bad)).status_code == 200


def test_a_credit_is_edited_and_a_stale_form_told_what_changed(group):
    credit = stored()
    credit_id, version = credit.id, credit.version_id
    page = group.get(f"/credits/{credit_id}/edit")
    assert page.status_code == 200
    saved = group.post(
        f"/credits/{credit_id}/edit",
        data=form(project_name="Renamed", version_id=str(version)),
    )
    assert saved.status_code == 302
    stale = group.post(
        f"/credits/{credit_id}/edit",
        data=form(project_name="Mine", version_id=str(version)),
    )
    assert stale.status_code == 200
    assert "Someone else changed this record" in stale.get_data(as_text=True)
    assert "Renamed" in stale.get_data(as_text=True)


def test_removal_is_confirmed_and_undone(group):
    credit = stored()
    credit_id = credit.id
    confirm = group.get(f"/credits/{credit_id}/delete")
    assert confirm.status_code == 200
    assert "Remove credits" in confirm.get_data(as_text=True)
    assert db.session.get(CarbonCredit, credit_id) is not None  # nothing removed by a GET
    done = group.post(f"/credits/{credit_id}/delete", follow_redirects=True)
    assert done.status_code == 200
    assert "removed" in done.get_data(as_text=True)
    assert group.get(f"/credits/{credit_id}/edit").status_code == 404
    removal_id = db.session.scalar(sa.select(Removal.id))
    restored = group.post(f"/removals/{removal_id}/restore", follow_redirects=True)
    assert restored.status_code == 200
    assert "Demo hydro" in restored.get_data(as_text=True)  # back on the credits list
    assert group.get(f"/credits/{credit_id}/edit").status_code == 200


def test_the_export_downloads_csv_and_xlsx(director):
    stored()
    response = director.get("/credits/export.csv?year=2024")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == services.EXPORT_HEADER
    assert rows[1][1:4] == ["cdm_cer", "CDM Certified Emission Reductions (CERs)", "Demo hydro"]
    xlsx = director.get("/credits/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True).worksheets[0]
    assert len(list(sheet.iter_rows(values_only=True))) == 2
    # management reads, never edits
    assert director.get("/credits/new").status_code == 403


def test_the_years_page_shows_gross_emissions_credits_and_the_neutral_status(group, loaded):
    site = org.create_site(actor=None, name="HQ", country_code="GB")
    energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="natural_gas",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        quantity=Decimal(100_000),
        unit="kwh_gross_cv",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    db.session.commit()
    gross_g = inventory.totals_by_year(inventory.Boundary.gtb)[2024]
    page = group.get("/inventory/years").get_data(as_text=True)
    assert "No credits" in page
    needed = -(-gross_g // services.GRAMS_PER_CREDIT)
    stored(serial_first=CDM.format(n=1), serial_last=CDM.format(n=needed - 1), co2e_t=needed - 1)
    page = group.get("/inventory/years").get_data(as_text=True)
    assert "t not covered" in page
    assert inventory.totals_by_year(inventory.Boundary.gtb)[2024] == gross_g
    stored(serial_first=CDM.format(n=needed), serial_last=CDM.format(n=needed), co2e_t=1)
    page = group.get("/inventory/years").get_data(as_text=True)
    assert 'badge--muted">Climate neutral' in page
    assert inventory.totals_by_year(inventory.Boundary.gtb)[2024] == gross_g
    dashboard = group.get("/?year=2024").get_data(as_text=True)
    assert "never netted from the total above" in dashboard
    assert 'badge--muted">Climate neutral' in dashboard


# --- environmental management ------------------------------------------------------------------


def test_management_indicators_are_recorded_edited_and_audited(group):
    geneva = org.create_site(actor=None, name="Geneva", country_code="CH")
    org.create_site(actor=None, name="Nairobi", country_code="KE")
    db.session.commit()
    geneva_id = geneva.id
    assert group.get("/org/management").status_code == 200
    # an EMS covering no site is refused, naming the field
    refused = group.post("/org/management/new", data={"year": "2023", "ems_status": "implemented"})
    assert refused.status_code == 200
    assert "Choose the sites the EMS covers, or all sites." in refused.get_data(as_text=True)
    saved = group.post(
        "/org/management/new",
        data={
            "year": "2023",
            "ems_status": "in_development",
            "site_ids": [str(geneva_id)],
            "policy_adopted_on": "2019-06-12",
            "staff_trained": "24",
            "note": "First training round",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    listing = group.get("/org/management").get_data(as_text=True)
    assert "In development" in listing
    assert "Geneva" in listing
    record = org.get_management_indicators(2023)
    assert [site.name for site in record.sites] == ["Geneva"]
    version = record.version_id
    # the same year again is refused: edit it instead
    again = group.post("/org/management/new", data={"year": "2023", "ems_status": "none"})
    assert "edit them instead" in again.get_data(as_text=True)
    edit = group.get("/org/management/2023/edit")
    assert edit.status_code == 200
    assert "checked" in edit.get_data(as_text=True)
    changed = group.post(
        "/org/management/2023/edit",
        data={
            "year": "2023",
            "ems_status": "certified_iso14001",
            "all_sites": "y",
            "policy_adopted_on": "2019-06-12",
            "staff_trained": "30",
            "version_id": str(version),
        },
    )
    assert changed.status_code == 302, changed.get_data(as_text=True)
    db.session.expire_all()
    record = org.get_management_indicators(2023)
    assert (record.ems_status, record.all_sites, record.sites, record.staff_trained) == (
        "certified_iso14001",
        True,
        [],
        30,
    )
    assert record.version_id == version + 1
    assert "Certified to ISO 14001" in group.get("/org/management").get_data(as_text=True)
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action.startswith("org.management."))
        .order_by(AuditEntry.id)
    ).all()
    assert [entry.action for entry in entries] == [
        "org.management.created",
        "org.management.updated",
    ]
    assert entries[1].changes is not None
    assert entries[1].changes["sites"] == {"before": ["Geneva"], "after": []}
    assert entries[1].changes["ems_status"] == {
        "before": "in_development",
        "after": "certified_iso14001",
    }
    # a stale form is told, not applied
    stale = group.post(
        "/org/management/2023/edit",
        data={"year": "2023", "ems_status": "none", "version_id": str(version)},
    )
    assert "Someone else changed this record" in stale.get_data(as_text=True)
    assert group.get("/org/management/2031/edit").status_code == 404
    for bad in ({"site_ids": ["x"]}, {"site_ids": ["999"]}, {"staff_trained": "-3"}):
        answer = group.post(
            "/org/management/new", data={"year": "2024", "ems_status": "none", **bad}
        )
        assert answer.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ManagementIndicators)) == 1


def test_management_indicators_are_checked_by_field(app):
    from ems.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        org.set_management_indicators(
            actor=None,
            year=2024,
            ems_status="bogus",
            policy_adopted_on=dt.date.today() + dt.timedelta(days=3),
            site_ids=[999],
            staff_trained=-1,
        )
    assert set(caught.value.errors) == {
        "ems_status",
        "policy_adopted_on",
        "site_ids",
        "staff_trained",
    }
