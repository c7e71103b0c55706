"""The organisation pages as the working group and management use them."""

from __future__ import annotations

from ems.auth.models import Role
from ems.extensions import db
from ems.org import services
from tests.html_forms import form_version


def test_working_group_adds_and_edits_a_site(client, create_user, login):
    login(client, create_user(roles=(Role.ems,)))
    response = client.post(
        "/org/sites/new",
        data={
            "name": "Nairobi office",
            "country_code": "KE",
            "city": "Nairobi",
            "floor_area_m2": "850",
        },
    )
    assert response.headers["Location"] == "/org/sites"
    page = client.get("/org/sites").get_data(as_text=True)
    assert "Nairobi office" in page
    assert "Kenya" in page
    assert "850" in page
    site = services.list_sites()[0]
    response = client.post(
        f"/org/sites/{site.id}/edit",
        data={
            "name": "Nairobi regional office",
            "country_code": "KE",
            "version_id": site.version_id,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert services.get_site(site.id).name == "Nairobi regional office"


def test_concurrent_edit_tells_the_second_editor(app, create_user, login):
    editor = create_user(roles=(Role.ems,))
    site = services.create_site(actor=None, name="Bangkok", country_code="TH")
    db.session.commit()
    version, site_id = site.version_id, site.id
    first, second = app.test_client(), app.test_client()
    login(first, editor)
    login(second, editor)
    assert (
        first.post(
            f"/org/sites/{site_id}/edit",
            data={"name": "Bangkok office", "country_code": "TH", "version_id": version},
        ).status_code
        == 302
    )
    response = second.post(
        f"/org/sites/{site_id}/edit",
        data={"name": "Bangkok hub", "country_code": "TH", "version_id": version},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in text
    assert "Bangkok office" in text
    db.session.expire_all()
    assert services.get_site(site_id).name == "Bangkok office"


def test_management_reads_without_edit_controls(client, create_user, login):
    services.create_site(actor=None, name="Geneva", country_code="CH")
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/org/sites").get_data(as_text=True)
    assert "Geneva" in page
    assert "/org/sites/new" not in page
    assert "/edit" not in page
    home = client.get("/").get_data(as_text=True)
    assert "/audit/" in home  # management reads everything, the audit log too
    assert "/admin/users" not in home


def test_headcount_and_settings_pages(client, create_user, login):
    login(client, create_user(roles=(Role.ems,)))
    assert (
        client.post("/org/headcount/new", data={"year": "2023", "headcount": "1012"}).status_code
        == 302
    )
    assert "1,012" in client.get("/org/headcount").get_data(as_text=True)
    response = client.post(
        "/org/settings",
        data={
            "name": "Agency",
            "reporting_currency": "CHF",
            "baseline_year": "2010",
            "target_year": "2030",
            "target_reduction_pct": "45",
            "restatement_threshold_pct": "5",
            **form_version(client.get("/org/settings").get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    overview = client.get("/org/").get_data(as_text=True)
    assert "Agency" in overview
    assert "CHF" in overview


def test_deleting_a_department(client, create_user, login):
    department = services.create_department(actor=None, name="Obsolete")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    assert client.post(f"/org/departments/{department.id}/delete").status_code == 302
    assert services.list_departments() == []


def test_a_site_in_use_cannot_be_removed(client, create_user, login):
    import datetime as dt
    from decimal import Decimal

    from ems.energy import services as energy

    site = services.create_site(actor=None, name="Geneva", country_code="CH")
    energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="onsite_renewable",
        technology="solar_pv",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 31),
        quantity=Decimal(5),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    response = client.post(f"/org/sites/{site.id}/delete", follow_redirects=True)
    assert response.status_code == 200
    assert "Records still refer to it" in response.get_data(as_text=True)
    assert [s.name for s in services.list_sites()] == ["Geneva"]
