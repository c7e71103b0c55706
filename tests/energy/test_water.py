"""Water records: mains supply and wastewater × the DESNZ water factors of the edition (the values
read from the shipped CSV), no supply line for water DESNZ has no factor for, litres per person,
import, edit, removal and restoration, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.energy import services
from ems.energy.models import WaterRecord
from ems.energy.waste_water_importer import WATER_IMPORTER
from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.imports import ImportFailed
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.ledger.models import SourceCategory
from ems.org import services as org
from ems.removals import services as removals
from tests.energy.factor_table import desnz, grams


def water(site_id, *, source="mains", supply="1000", wastewater="900", year=2023, **extra):
    values = {
        "site_id": site_id,
        "period_start": dt.date(year, 1, 1),
        "period_end": dt.date(year, 3, 31),
        "supply_source": source,
        "supply_m3": Decimal(supply),
        "wastewater_m3": Decimal(wastewater) if wastewater else None,
        **extra,
    }
    return services.record_water(actor=None, **values)


def lines_of(record):
    return {
        line.item: line
        for line in ledger.current_lines(activity_type="water_record", activity_id=record.id)
    }


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.parametrize("year", [2019, 2021, 2023])
def test_mains_water_and_wastewater_by_the_editions_factors(sites, year):
    record = water(sites["CH"], supply="1000", wastewater="900", year=year)
    db.session.commit()
    lines = lines_of(record)
    supply, treatment = lines["supply"], lines["wastewater"]
    assert supply.co2e_g == grams("1000", desnz(year, "water_supply", "cubic metres"))
    assert treatment.co2e_g == grams("900", desnz(year, "water_treatment", "cubic metres"))
    assert (supply.scope, supply.scope3_category) == (3, 1)
    assert (treatment.scope, treatment.scope3_category) == (3, 5)
    assert supply.source_category is SourceCategory.water_waste
    assert supply.factor.factor_set.code == f"desnz-other-{year}"
    assert not supply.is_fallback


def test_a_year_without_an_edition_takes_the_nearest_flagged(sites):
    record = water(sites["CH"], year=2015)
    db.session.commit()
    supply = lines_of(record)["supply"]
    assert supply.is_fallback
    assert supply.factor.factor_set.code == "desnz-other-2018"
    assert supply.co2e_g == grams("1000", desnz(2018, "water_supply", "cubic metres"))
    assert "No 2015 edition has this factor; the 2018 edition was used." in supply.note


@pytest.mark.parametrize("source", ["ground", "rain", "recycled"])
def test_water_of_other_sources_has_no_supply_line(sites, source):
    record = water(sites["CH"], source=source, supply="500", wastewater="400")
    rain_only = water(sites["GB"], source=source, supply="50", wastewater="")
    db.session.commit()
    assert set(lines_of(record)) == {"wastewater"}
    assert lines_of(rain_only) == {}
    assert rain_only.wastewater_m3 == 0
    (year,) = services.water_years(site_id=sites["GB"])
    assert (year.supply_m3, year.mains_m3) == (Decimal(50), Decimal(0))


def test_litres_per_person_where_the_year_has_a_headcount(sites):
    org.set_headcount(actor=None, year=2023, headcount=40)
    water(sites["CH"], supply="1000")
    water(sites["GB"], source="rain", supply="200", wastewater="")
    water(sites["GB"], supply="300", year=2022)
    db.session.commit()
    years = {row.year: row for row in services.water_years()}
    assert years[2023].supply_m3 == Decimal(1200)
    assert years[2023].mains_m3 == Decimal(1000)
    assert years[2023].litres_per_person == Decimal(30_000)  # 1,200 m³ × 1,000 / 40
    assert years[2022].litres_per_person is None  # no headcount
    # a site's water is not divided by the organisation's headcount
    assert services.water_years(site_id=sites["CH"])[0].litres_per_person is None


def test_bad_values_name_the_field(sites):
    with pytest.raises(ValidationFailed) as refused:
        water(sites["CH"], source="sea")
    assert "supply_source" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        water(sites["CH"], supply="0", wastewater="")
    assert "supply_m3" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        water(sites["CH"], supply="-3")
    assert "supply_m3" in refused.value.errors


def test_the_list_says_which_water_has_no_factor(client, create_user, login, sites):
    org.set_headcount(actor=None, year=2023, headcount=40)
    water(sites["CH"], source="ground", supply="400", wastewater="")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    page = client.get("/energy/water").get_data(as_text=True)
    assert "no DESNZ supply factor: m³ only" in page
    assert "Groundwater (own well)" in page
    assert "10,000" in page  # 400 m³ × 1,000 / 40 litres per person
    assert 'name="supply_m3"' in page


# --- import -----------------------------------------------------------------------------------

BILLS = (
    "Site,From,To,Source,Supply m3,Wastewater m3,Reference\n"
    "Geneva HQ,2023-01-01,2023-03-31,mains,1000,900,W-1\n"
    "Geneva HQ,2023-01-01,2023-03-31,rainwater,80,,RW-1\n"
    "London office,2019-01-01,2019-03-31,Mains,300,280,\n"
)


def test_water_bills_become_records_with_their_lines(sites):
    result = imports.import_file(WATER_IMPORTER, actor=None, data=BILLS.encode(), filename="w.csv")
    db.session.commit()
    assert result.created == 3
    records = {
        (r.site_id, r.supply_source.value): r for r in db.session.scalars(sa.select(WaterRecord))
    }
    london = lines_of(records[(sites["GB"], "mains")])
    assert london["supply"].co2e_g == grams("300", desnz(2019, "water_supply", "cubic metres"))
    assert london["wastewater"].co2e_g == grams(
        "280", desnz(2019, "water_treatment", "cubic metres")
    )
    assert lines_of(records[(sites["CH"], "rain")]) == {}
    assert result.co2e_g["water"] == services.water_total_g()


def test_a_bad_row_imports_nothing_and_is_named(sites):
    bad = (
        BILLS
        + "Geneva HQ,2023-04-01,2023-06-30,seawater,10,,\n"
        + "Geneva HQ,2023-04-01,2023-06-30,mains,lots,,\n"
    )
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(WATER_IMPORTER, actor=None, data=bad.encode(), filename="bad.csv")
    messages = [str(error) for error in refused.value.row_errors]
    assert messages[0].startswith("Row 5, supply_source: “seawater” is not one of:")
    assert messages[1].startswith("Row 6, supply_m3:")
    db.session.rollback()
    assert count(WaterRecord) == 0
    assert count(ImportBatch) == 0


# --- edit, removal, export --------------------------------------------------------------------


def test_an_edit_replaces_the_lines_and_a_stale_version_is_refused(sites):
    record = water(sites["CH"])
    db.session.commit()
    version = record.version_id
    data = {
        "site_id": sites["CH"],
        "period_start": dt.date(2023, 1, 1),
        "period_end": dt.date(2023, 3, 31),
        "supply_source": "ground",
        "supply_m3": "1000",
        "wastewater_m3": "900",
    }
    services.update_water_record(actor=None, record=record, expected_version=version, **data)
    db.session.commit()
    assert set(lines_of(record)) == {"wastewater"}  # groundwater: no supply line any more
    with pytest.raises(Conflict):
        services.update_water_record(actor=None, record=record, expected_version=version, **data)


def test_removal_and_restoration(client, create_user, login, sites):
    record = water(sites["CH"])
    db.session.commit()
    record_id, before = record.id, services.water_total_g()
    login(client, create_user(roles=(Role.ems,)))
    assert "Remove water record" in client.get(f"/energy/water/{record_id}/delete").text
    assert client.post(f"/energy/water/{record_id}/delete").status_code == 302
    assert services.water_total_g() == 0
    removal = db.session.scalars(removals.removals_query()).first()
    removals.restore(actor=None, removal=removal)
    db.session.commit()
    assert services.water_total_g() == before


def test_exports(client, create_user, login, sites):
    mains = water(sites["CH"])
    rain = water(sites["GB"], source="rain", supply="70", wastewater="")
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    response = client.get("/energy/water/export.csv")
    assert response.status_code == 200
    rows = {
        int(row["record"]): row
        for row in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    }
    lines = lines_of(mains)
    assert Decimal(rows[mains.id]["co2e_kg_supply"]) == Decimal(lines["supply"].co2e_g) / 1000
    assert Decimal(rows[mains.id]["co2e_kg"]) == (
        Decimal(lines["supply"].co2e_g + lines["wastewater"].co2e_g) / 1000
    )
    assert rows[rain.id]["supply_source_label"] == "Rainwater"
    assert rows[rain.id]["co2e_kg_supply"] == ""  # no factor: no figure, not zero
    assert client.get("/energy/water/export.xlsx").status_code == 200


def test_import_command(app, sites, tmp_path):
    from ems.cli import cli

    path = tmp_path / "water.csv"
    path.write_text(BILLS)
    runner = app.test_cli_runner()
    dry = runner.invoke(cli, ["import", "water", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would import 3 water records from 3 rows" in dry.output
    assert count(WaterRecord) == 0
    done = runner.invoke(cli, ["import", "water", str(path)])
    assert "imported 3 water records" in done.output
    assert count(WaterRecord) == 3
