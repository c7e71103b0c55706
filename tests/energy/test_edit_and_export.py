"""Refrigerant top-ups and fleet records edited with optimistic locking; the energy, refrigerant
and fleet lists filtered with their totals; their CSV and XLSX exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.energy import services
from ems.energy.models import FleetRecord, RefrigerantTopUp
from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine


def top_up(site_id, *, gas="R-410A", kg="10", on=dt.date(2024, 6, 1), equipment="Chiller 2"):
    return services.record_refrigerant_top_up(
        actor=None, site_id=site_id, topped_up_on=on, gas=gas, kg=Decimal(kg), equipment=equipment
    )


def fleet_use(
    measure="diesel_litres",
    quantity="100",
    start=dt.date(2025, 1, 1),
    end=dt.date(2025, 1, 31),
    site_id=None,
):
    return services.record_fleet_use(
        actor=None,
        measure=measure,
        period_start=start,
        period_end=end,
        quantity=Decimal(quantity),
        vehicle="Land Cruiser",
        site_id=site_id,
    )


def electricity(site_id, *, start, end, quantity="10000", certificates_kwh=None, **extra):
    return services.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type=extra.get("energy_type", "electricity"),
        period_start=start,
        period_end=end,
        quantity=Decimal(quantity),
        unit=extra.get("unit", "kwh"),
        certificates_kwh=certificates_kwh,
        supplier_factor_id=None,
        meter_reference="M-1",
        evidence_note="",
    )


def all_lines(activity_type, activity_id):
    return list(
        db.session.scalars(
            sa.select(EmissionLine)
            .where(
                EmissionLine.activity_type == activity_type,
                EmissionLine.activity_id == activity_id,
            )
            .order_by(EmissionLine.id)
        )
    )


def last_audit(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def top_up_data(site_id, **changes):
    data = {"site_id": site_id, "topped_up_on": dt.date(2024, 6, 1), "gas": "r410a", "kg": "5"}
    return {"equipment": "Chiller 2", **data, **changes}


def fleet_data(**changes):
    return {
        "measure": "diesel_litres",
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 1, 31),
        "quantity": "200",
        "vehicle": "Land Cruiser",
        "site_id": None,
        **changes,
    }


# --- editing: services ------------------------------------------------------------------------


def test_editing_a_top_up_supersedes_its_line_and_is_audited(sites):
    leak = top_up(sites["CH"])
    db.session.commit()
    version = leak.version_id
    services.update_refrigerant_top_up(
        actor=None,
        top_up=leak,
        expected_version=version,
        **top_up_data(sites["CH"], kg=Decimal("5")),
    )
    db.session.commit()
    old, new = all_lines("refrigerant_top_up", leak.id)
    assert old.superseded_at is not None
    assert old.co2e_g == 19_240_000  # 10 kg x 1,924
    assert new.is_current
    assert new.co2e_g == 9_620_000  # 5 kg x 1,924
    assert leak.version_id == version + 1
    entry = last_audit("energy.refrigerant.updated")
    assert entry.object_id == str(leak.id)
    assert entry.changes == {"kg": {"before": "10", "after": "5"}}


def test_editing_a_fleet_record_replaces_its_lines_and_is_audited(sites):
    record = fleet_use()
    db.session.commit()
    services.update_fleet_record(
        actor=None,
        record=record,
        expected_version=record.version_id,
        **fleet_data(quantity=Decimal(200), site_id=sites["GB"]),
    )
    db.session.commit()
    old, new = all_lines("fleet_record", record.id)
    assert (old.co2e_g, old.is_current) == (257_082, False)
    assert (new.co2e_g, new.is_current) == (514_164, True)  # 200 l x 2.57082
    assert new.site_id == sites["GB"]
    changes = last_audit("energy.fleet.updated").changes
    assert changes["quantity"] == {"before": "100", "after": "200"}
    assert changes["site_id"] == {"before": None, "after": sites["GB"]}


def test_a_stale_version_is_refused(sites):
    leak = top_up(sites["CH"])
    record = fleet_use()
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_refrigerant_top_up(
            actor=None,
            top_up=leak,
            expected_version=leak.version_id - 1,
            **top_up_data(sites["CH"]),
        )
    with pytest.raises(Conflict):
        services.update_fleet_record(
            actor=None, record=record, expected_version=record.version_id + 5, **fleet_data()
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kg": "-1"}, "kg"),
        ({"kg": "0"}, "kg"),
        ({"gas": "unobtainium"}, "gas"),
        ({"site_id": None}, "site_id"),
        ({"topped_up_on": dt.date(2099, 1, 1)}, "topped_up_on"),
    ],
)
def test_bad_top_up_edits_name_the_field_and_change_nothing(sites, changes, field):
    leak = top_up(sites["CH"])
    db.session.commit()
    with pytest.raises(ValidationFailed) as excinfo:
        services.update_refrigerant_top_up(
            actor=None, top_up=leak, **{**top_up_data(sites["CH"]), **changes}
        )
    assert field in excinfo.value.errors
    db.session.rollback()
    assert db.session.get(RefrigerantTopUp, leak.id).kg == Decimal(10)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period_start": dt.date(2025, 3, 1), "period_end": dt.date(2025, 2, 1)}, "period_end"),
        ({"quantity": "-3"}, "quantity"),
        ({"measure": "horse_km"}, "measure"),
    ],
)
def test_bad_fleet_edits_name_the_field(sites, changes, field):
    record = fleet_use()
    db.session.commit()
    with pytest.raises(ValidationFailed) as excinfo:
        services.update_fleet_record(actor=None, record=record, **fleet_data(**changes))
    assert field in excinfo.value.errors


# --- editing: pages ---------------------------------------------------------------------------


def _form(data):
    return {name: "" if value is None else str(value) for name, value in data.items()}


def test_edit_top_up_page_saves_and_a_second_editor_is_told(app, client, create_user, login, sites):
    leak = top_up(sites["CH"])
    db.session.commit()
    leak_id, version = leak.id, leak.version_id
    login(client, create_user(roles=(Role.ems,)))
    other = app.test_client()
    login(other, create_user(roles=(Role.ems,)))
    page = client.get(f"/energy/refrigerants/{leak_id}/edit").get_data(as_text=True)
    assert 'value="10"' in page
    assert f'/energy/refrigerants/{leak_id}/delete"' in page

    first = client.post(
        f"/energy/refrigerants/{leak_id}/edit",
        data=_form({**top_up_data(sites["CH"], kg="5"), "version_id": version}),
    )
    assert first.status_code == 302
    second = other.post(
        f"/energy/refrigerants/{leak_id}/edit",
        data=_form({**top_up_data(sites["CH"], kg="7"), "version_id": version}),
    )
    text = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "Someone else changed this record" in text
    assert "Added (kg): 7 → 5" in text  # yours → the record now
    assert db.session.get(RefrigerantTopUp, leak_id).kg == Decimal(5)
    (line,) = ledger.current_lines(activity_type="refrigerant_top_up", activity_id=leak_id)
    assert line.co2e_g == 9_620_000
    # the form now carries the current version: saving again replaces the values
    assert f'value="{version + 1}"' in text
    third = other.post(
        f"/energy/refrigerants/{leak_id}/edit",
        data=_form({**top_up_data(sites["CH"], kg="7"), "version_id": version + 1}),
    )
    assert third.status_code == 302
    assert db.session.get(RefrigerantTopUp, leak_id).kg == Decimal(7)


def test_edit_fleet_page_shows_errors_and_a_stale_version(app, client, create_user, login, sites):
    record = fleet_use()
    db.session.commit()
    record_id, version = record.id, record.version_id
    login(client, create_user(roles=(Role.ems,)))
    page = client.get(f"/energy/fleet/{record_id}/edit").get_data(as_text=True)
    assert 'value="100"' in page
    bad = client.post(
        f"/energy/fleet/{record_id}/edit",
        data=_form(
            {
                **fleet_data(period_start="2025-03-01", period_end="2025-02-01", site_id=0),
                "version_id": version,
            }
        ),
    )
    assert "cannot end before it starts" in bad.get_data(as_text=True)
    negative = client.post(
        f"/energy/fleet/{record_id}/edit",
        data=_form({**fleet_data(quantity="-5", site_id=0), "version_id": version}),
    )
    assert negative.status_code == 200
    assert db.session.get(FleetRecord, record_id).quantity == Decimal(100)
    saved = client.post(
        f"/energy/fleet/{record_id}/edit",
        data=_form({**fleet_data(site_id=sites["CH"]), "version_id": version}),
    )
    assert saved.status_code == 302
    stale = client.post(
        f"/energy/fleet/{record_id}/edit",
        data=_form({**fleet_data(quantity="300", site_id=0), "version_id": version}),
    )
    assert "Someone else changed this record" in stale.get_data(as_text=True)
    record = db.session.get(FleetRecord, record_id)
    assert (record.quantity, record.site_id) == (Decimal(200), sites["CH"])


def test_edit_forms_show_quantities_unrounded(client, create_user, login, sites):
    leak_id = top_up(sites["CH"], kg="0.125").id
    record_id = fleet_use(quantity="12.345").id
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    assert 'value="0.125"' in client.get(f"/energy/refrigerants/{leak_id}/edit").text
    assert 'value="12.345"' in client.get(f"/energy/fleet/{record_id}/edit").text


def test_management_reads_and_exports_but_does_not_edit(client, create_user, login, sites):
    leak_id, record_id = top_up(sites["CH"]).id, fleet_use().id
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    for path in ("/energy/", "/energy/refrigerants", "/energy/fleet"):
        page = client.get(path)
        assert page.status_code == 200
        assert "/edit" not in page.get_data(as_text=True)
    for path in ("/energy/export", "/energy/refrigerants/export", "/energy/fleet/export"):
        assert client.get(f"{path}.csv").status_code == 200
        assert client.get(f"{path}.xlsx").status_code == 200
    assert client.get(f"/energy/refrigerants/{leak_id}/edit").status_code == 403
    assert client.get(f"/energy/fleet/{record_id}/edit").status_code == 403
    posted = client.post(
        f"/energy/refrigerants/{leak_id}/edit", data=_form(top_up_data(sites["CH"], kg="1"))
    )
    assert posted.status_code == 403
    assert db.session.get(RefrigerantTopUp, leak_id).kg == Decimal(10)


def test_the_travel_role_is_refused(client, create_user, login, sites):
    leak_id = top_up(sites["CH"]).id
    db.session.commit()
    login(client, create_user(roles=(Role.travel,)))
    for path in (
        "/energy/export.csv",
        "/energy/refrigerants/export.xlsx",
        "/energy/fleet/export.csv",
        "/energy/refrigerants",
        f"/energy/refrigerants/{leak_id}/edit",
    ):
        assert client.get(path).status_code == 403


def test_the_lists_link_to_edit_for_the_working_group(client, create_user, login, sites):
    leak_id, record_id = top_up(sites["CH"]).id, fleet_use().id
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    assert f"/energy/refrigerants/{leak_id}/edit" in client.get("/energy/refrigerants").text
    assert f"/energy/fleet/{record_id}/edit" in client.get("/energy/fleet").text


# --- filters and totals -----------------------------------------------------------------------


def test_energy_totals_keep_location_and_market_apart(client, create_user, login, sites):
    electricity(
        sites["GB"],
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 3, 31),
        certificates_kwh=Decimal(4000),
    )
    electricity(sites["CH"], start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31))
    electricity(
        sites["GB"],
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 1, 31),
        energy_type="natural_gas",
        unit="kwh_gross_cv",
    )
    db.session.commit()
    totals = services.energy_totals(year=2025)
    assert totals == services.EnergyTotals(
        fuels_and_heat_g=1_829_600,  # 10,000 kWh gas x 0.18296
        electricity_location_g=1_770_000,  # 10,000 kWh x 0.177
        electricity_market_g=1_062_000,  # 6,000 kWh not covered by certificates x 0.177
        td_losses_g=185_300,
    )
    assert services.energy_totals(site_id=sites["CH"]).electricity_location_g == 367_200
    assert services.energy_totals(year=2023).electricity_location_g == 0
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/energy/?year=2025").get_data(as_text=True)
    assert "Electricity, location-based, t CO2e" in page
    assert "Electricity, market-based, t CO2e" in page
    assert "<dd>1.8</dd>" in page  # the totals in tonnes, to one decimal
    assert "<dd>1.1</dd>" in page
    assert "<dd>2.8</dd>" not in page  # location + market is never shown
    assert "Geneva HQ" not in page.split("<table")[-1]
    assert "367.2" in client.get(f"/energy/?site_id={sites['CH']}").get_data(as_text=True)


def test_a_year_filter_counts_the_years_share_of_a_record(sites):
    bill = electricity(
        sites["GB"], start=dt.date(2024, 12, 1), end=dt.date(2025, 1, 30), quantity="6100"
    )
    db.session.commit()
    by_year = {
        line.year: line.co2e_g
        for line in ledger.current_lines(activity_type="energy_record", activity_id=bill.id)
        if line.basis is Basis.location
    }
    assert services.energy_totals(year=2025).electricity_location_g == by_year[2025] == 531_000
    assert services.energy_totals(year=2024).electricity_location_g == by_year[2024]
    assert services.energy_totals().electricity_location_g == by_year[2024] + by_year[2025]


def test_refrigerant_and_fleet_lists_filter_and_total(client, create_user, login, sites):
    top_up(sites["CH"])  # 19,240.0 kg
    top_up(sites["GB"], gas="r32", kg="2", on=dt.date(2025, 2, 1))  # 2 x 677 = 1,354.0 kg
    fleet_use(site_id=sites["GB"])  # 257.082 kg in 2025
    car = fleet_use(
        measure="car_km", quantity="3000", start=dt.date(2024, 12, 17), end=dt.date(2025, 1, 15)
    )
    db.session.commit()
    assert services.refrigerant_total_g() == 20_594_000
    assert services.refrigerant_total_g(year=2025) == 1_354_000
    assert services.refrigerant_total_g(site_id=sites["CH"]) == 19_240_000
    car_g = {
        line.year: line.co2e_g
        for line in ledger.current_lines(activity_type="fleet_record", activity_id=car.id)
    }
    assert services.fleet_total_g() == 257_082 + car_g[2024] + car_g[2025]
    assert services.fleet_total_g(year=2025) == 257_082 + car_g[2025]
    assert services.fleet_total_g(site_id=sites["GB"]) == 257_082
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(services.fleet_query(year=2024).subquery())
        )
        == 1
    )

    login(client, create_user(roles=(Role.ems,)))
    page = client.get(f"/energy/refrigerants?site_id={sites['GB']}").get_data(as_text=True)
    assert "1,354.0" in page
    assert "19,240.0" not in page
    assert 'name="kg"' in page  # the entry form is still there
    page = client.get(f"/energy/fleet?year=2025&site_id={sites['GB']}").get_data(as_text=True)
    assert "257.1" in page
    assert f"/energy/fleet/export.csv?year=2025&amp;site_id={sites['GB']}" in page


def test_the_lists_are_paged(app, client, create_user, login, sites):
    app.config["PAGE_SIZE"] = 2
    for day in range(1, 6):
        top_up(sites["CH"], kg="1", on=dt.date(2024, 6, day))
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    page = client.get("/energy/refrigerants").get_data(as_text=True)
    assert "Page 1 of 3" in page
    assert "9,620.0" in page  # the total counts all five, not only the page
    assert "2024-06-05" in page
    assert "2024-06-01" not in page
    assert "2024-06-01" in client.get("/energy/refrigerants?page=3").get_data(as_text=True)


def test_new_entries_still_work_from_the_filtered_pages(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    response = client.post(
        "/energy/refrigerants/new",
        data={"site_id": str(sites["CH"]), "topped_up_on": "2024-06-01", "gas": "r410a", "kg": ""},
    )
    assert response.status_code == 422
    response = client.post(
        "/energy/fleet/new",
        data={
            "measure": "diesel_litres",
            "quantity": "100",
            "period_start": "2025-01-01",
            "period_end": "2025-01-31",
            "site_id": "0",
        },
    )
    assert response.status_code == 302
    assert "257.1" in client.get("/energy/fleet").get_data(as_text=True)


# --- exports ----------------------------------------------------------------------------------


def read_csv(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def read_xlsx(response):
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_energy_export_gives_both_electricity_figures_and_losses(client, create_user, login, sites):
    uk = electricity(
        sites["GB"],
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 3, 31),
        certificates_kwh=Decimal(4000),
    )
    gas = electricity(
        sites["GB"],
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 1, 31),
        energy_type="natural_gas",
        unit="kwh_gross_cv",
    )
    electricity(sites["CH"], start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31))
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    rows = {int(row["record"]): row for row in read_csv(client.get("/energy/export.csv?year=2025"))}
    assert set(rows) == {uk.id, gas.id}
    assert rows[uk.id]["site"] == "London office"
    assert (rows[uk.id]["quantity"], rows[uk.id]["unit"]) == ("10000", "kwh")
    assert rows[uk.id]["period_start"] == "2025-01-01"
    assert rows[uk.id]["co2e_kg"] == ""
    assert Decimal(rows[uk.id]["co2e_kg_location_based"]) == Decimal("1770")
    assert Decimal(rows[uk.id]["co2e_kg_market_based"]) == Decimal("1062")
    assert Decimal(rows[uk.id]["co2e_kg_td_losses"]) == Decimal("185.3")
    assert rows[uk.id]["factor_sets"] == "desnz-other-2025"
    assert Decimal(rows[gas.id]["co2e_kg"]) == Decimal("1829.6")
    assert rows[gas.id]["co2e_kg_location_based"] == ""

    rows = {row["record"]: row for row in read_xlsx(client.get("/energy/export.xlsx"))}
    assert len(rows) == 3
    assert rows[uk.id]["co2e_kg_location_based"] == pytest.approx(1770.0)
    assert rows[uk.id]["co2e_kg_market_based"] == pytest.approx(1062.0)
    assert rows[uk.id]["co2e_kg_td_losses"] == pytest.approx(185.3)
    assert rows[gas.id]["co2e_kg"] == pytest.approx(1829.6)
    ch = next(row for row in rows.values() if row["site"] == "Geneva HQ")
    assert ch["co2e_kg_location_based"] == pytest.approx(367.2)
    assert ch["co2e_kg_td_losses"] is None  # no T&D factor outside the UK


def test_energy_export_of_a_year_counts_its_share(client, create_user, login, sites):
    electricity(sites["GB"], start=dt.date(2024, 12, 1), end=dt.date(2025, 1, 30), quantity="6100")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    (row,) = read_csv(client.get("/energy/export.csv?year=2025"))
    assert row["co2e_years"] == "2025"
    assert Decimal(row["co2e_kg_location_based"]) == Decimal("531")  # 3,000 kWh in 2025
    (row,) = read_csv(client.get("/energy/export.csv"))
    assert row["co2e_years"] == "2024 2025"
    assert row["factor_sets"] == "desnz-other-2024; desnz-other-2025"


def test_refrigerant_export(client, create_user, login, sites):
    leak = top_up(sites["CH"], equipment="=HYPERLINK(1)")
    top_up(sites["GB"], gas="r32", kg="2", on=dt.date(2025, 2, 1))
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    (row,) = read_csv(client.get(f"/energy/refrigerants/export.csv?site_id={sites['CH']}"))
    assert row["top_up"] == str(leak.id)
    assert (row["site"], row["topped_up_on"], row["gas"]) == ("Geneva HQ", "2024-06-01", "r410a")
    assert (row["quantity"], row["unit"]) == ("10", "kg")
    assert Decimal(row["co2e_kg"]) == Decimal("19240")
    assert row["gwp"] == "1924"
    assert row["factor_set"] == "ipcc-gwp-ar5"
    assert row["equipment"] == "'=HYPERLINK(1)"  # never run as a formula
    rows = read_xlsx(client.get("/energy/refrigerants/export.xlsx?year=2025"))
    assert [(row["gas"], row["co2e_kg"]) for row in rows] == [("r32", pytest.approx(1354.0))]


def test_fleet_export(client, create_user, login, sites):
    diesel = fleet_use(site_id=sites["GB"])
    car = fleet_use(
        measure="car_km", quantity="3000", start=dt.date(2024, 12, 17), end=dt.date(2025, 1, 15)
    )
    db.session.commit()
    car_2025_g = next(
        line.co2e_g
        for line in ledger.current_lines(activity_type="fleet_record", activity_id=car.id)
        if line.year == 2025
    )
    login(client, create_user(roles=(Role.management,)))
    rows = {int(row["record"]): row for row in read_csv(client.get("/energy/fleet/export.csv"))}
    assert Decimal(rows[diesel.id]["co2e_kg"]) == Decimal("257.082")
    assert (rows[diesel.id]["quantity"], rows[diesel.id]["unit"]) == ("100", "litre")
    assert rows[diesel.id]["site"] == "London office"
    assert rows[car.id]["site"] == ""
    assert rows[car.id]["unit"] == "km"
    assert rows[car.id]["factor_sets"] == "desnz-other-2024; desnz-other-2025"
    rows = {
        row["record"]: row for row in read_xlsx(client.get("/energy/fleet/export.xlsx?year=2025"))
    }
    assert rows[diesel.id]["co2e_kg"] == pytest.approx(257.082)
    assert rows[car.id]["co2e_kg"] == pytest.approx(car_2025_g / 1000)
    assert rows[car.id]["co2e_years"] == "2025"


def test_an_unknown_export_format_is_not_found(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    assert client.get("/energy/export.pdf").status_code == 404
