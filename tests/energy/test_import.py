"""Importing bills and meter readings: all or nothing, idempotent, every bad row named."""

from __future__ import annotations

import csv
import io
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from ems.auth.models import Role
from ems.cli import cli
from ems.energy.importer import IMPORTER
from ems.energy.models import EnergyRecord
from ems.extensions import db
from ems.imports import ImportFailed
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.ledger.models import Basis, EmissionLine
from ems.org import services as org

BILLS = (
    "Building,Energy,From,To,Consumption,Unit,Meter\n"
    "London office,electricity,2025-01-01,2025-03-31,10000,kWh,E-1\n"
    "London office,gas,01.01.2025,31.03.2025,10000,kWh gross,G-1\n"
    "Geneva HQ,electricity,2024-12-01,2025-01-31,6200,kWh,E-9\n"
)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def current(**where):
    stmt = sa.select(EmissionLine).where(EmissionLine.superseded_at.is_(None))
    for name, value in where.items():
        stmt = stmt.where(getattr(EmissionLine, name) == value)
    return list(db.session.scalars(stmt))


def test_bills_become_records_with_their_lines(sites):
    result = imports.import_file(IMPORTER, actor=None, data=BILLS.encode(), filename="bills.csv")
    db.session.commit()
    assert (result.created, result.rows, result.skipped) == (3, 3, [])
    assert count(EnergyRecord) == 3
    # the published values: UK electricity 2025 10,000 kWh = 1,770.0 kg location-based
    # (+185.3 kg T&D), natural gas 10,000 kWh gross CV = 1,829.6 kg
    london = {
        (line.item, line.basis): line.co2e_g
        for line in current(year=2025)
        if line.quantity_unit in ("kwh", "kwh_gross_cv")
        and line.note.startswith(("electricity 2025-01-01", "natural_gas"))
    }
    assert round(london[("electricity", Basis.location)] / 1000, 1) == 1770.0
    assert round(london[("td_losses", None)] / 1000, 1) == 185.3
    assert round(london[("fuel", None)] / 1000, 1) == 1829.6
    # the Geneva bill spans New Year: 31 days in 2024, 31 in 2025, 3,100 kWh each
    geneva = current(item="electricity", basis=Basis.location, quantity_unit="kwh")
    assert sorted((line.year, line.quantity) for line in geneva if line.year == 2024) == [
        (2024, 3100)
    ]
    assert result.co2e_g["location"] == sum(line.co2e_g for line in current(basis=Basis.location))
    assert result.co2e_g["market"] == sum(line.co2e_g for line in current(basis=Basis.market))


def test_the_same_file_or_record_is_never_imported_twice(sites):
    imports.import_file(IMPORTER, actor=None, data=BILLS.encode(), filename="bills.csv")
    db.session.commit()
    again = imports.import_file(IMPORTER, actor=None, data=BILLS.encode(), filename="b2.csv")
    assert again.already_imported
    more = BILLS + "Geneva HQ,heating oil,2025-01-01,2025-01-31,800,litres,\n"
    result = imports.import_file(IMPORTER, actor=None, data=more.encode(), filename="b3.csv")
    db.session.commit()
    assert result.created == 1
    assert result.skipped == [
        "Geneva HQ electricity 2024-12-01–2025-01-31 E-9",
        "London office electricity 2025-01-01–2025-03-31 E-1",
        "London office natural_gas 2025-01-01–2025-03-31 G-1",
    ]
    assert count(EnergyRecord) == 4


def test_every_bad_row_is_named_and_nothing_is_imported(sites):
    bad = BILLS + (
        "Paris office,electricity,2025-01-01,2025-01-31,100,kWh,\n"  # unknown site
        "Geneva HQ,steam,2025-01-01,2025-01-31,100,kWh,\n"  # unknown energy
        "Geneva HQ,electricity,2025-02-01,2025-01-31,100,kWh,\n"  # ends before it starts
        "Geneva HQ,electricity,2025-02-01,2025-02-28,-100,kWh,\n"  # negative
        "Geneva HQ,natural gas,2025-02-01,2025-02-28,100,barrels,\n"  # unknown unit
        "Geneva HQ,district heating,2025-02-01,2025-02-28,100,kWh,\n"  # no supplier factor
        "London office,electricity,2025-01-01,2025-03-31,10000,kWh,E-1\n"  # repeated
    )
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(IMPORTER, actor=None, data=bad.encode(), filename="bad.csv")
    messages = [str(error) for error in refused.value.row_errors]
    for start in (
        "Row 5, site: no site is named “Paris office”",
        "Row 6, energy_type:",
        "Row 7, period_end: The period cannot end before it starts",
        "Row 8, quantity:",
        "Row 9, unit:",
        "Row 10, supplier_factor:",
        "Row 11, period_start: the same record as on row 2",
    ):
        assert any(m.startswith(start) for m in messages), (start, messages)
    db.session.rollback()
    assert count(EnergyRecord) == 0
    assert count(ImportBatch) == 0


def test_an_unknown_country_has_no_grid_factor(sites):
    org.create_site(actor=None, name="Nowhere", country_code="AQ")
    db.session.commit()
    data = (
        "site,energy_type,period_start,period_end,quantity,unit\n"
        "Nowhere,electricity,2025-01-01,2025-01-31,100,kwh\n"
    )
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(IMPORTER, actor=None, data=data.encode(), filename="aq.csv")
    assert str(refused.value.row_errors[0]).startswith("Row 2, energy_type: No factor")


def test_xlsx_and_removal(sites):
    workbook = Workbook()
    for row in csv.reader(io.StringIO(BILLS)):
        workbook.active.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    result = imports.import_file(IMPORTER, actor=None, data=buffer.getvalue(), filename="b.xlsx")
    db.session.commit()
    assert result.created == 3
    assert result.batch is not None
    removal = imports.remove_batch(IMPORTER, actor=None, batch=result.batch)
    db.session.commit()
    assert removal is not None
    assert removal.record_count == 3
    assert count(EnergyRecord) == 0
    assert current() == []


def test_import_command(app, sites, tmp_path):
    path = tmp_path / "bills.csv"
    path.write_text(BILLS)
    runner = app.test_cli_runner()
    dry = runner.invoke(cli, ["import", "energy", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would import 3 energy records from 3 rows" in dry.output
    assert "location-based" in dry.output
    assert count(EnergyRecord) == 0
    done = runner.invoke(cli, ["import", "energy", str(path)])
    assert "imported 3 energy records" in done.output
    assert count(EnergyRecord) == 3


def test_check_then_import_in_the_browser(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    checked = client.post(
        "/energy/import",
        data={"file": (BytesIO(BILLS.encode()), "bills.csv")},
        content_type="multipart/form-data",
    )
    page = checked.get_data(as_text=True)
    assert "3 energy records to create." in page
    assert "Electricity, location-based" in page
    batch = db.session.scalars(sa.select(ImportBatch)).one()
    assert client.post(f"/energy/import/{batch.id}/commit").status_code == 302
    assert count(EnergyRecord) == 3
    template = client.get("/energy/import/template.csv").get_data().decode("utf-8-sig")
    assert template.startswith("site,energy_type,period_start,period_end,quantity,unit")


def test_the_downloadable_template_imports_as_it_is(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    template = client.get("/energy/import/template.csv").data
    result = imports.import_file(IMPORTER, actor=None, data=template, filename="template.csv")
    assert result.created == 2


def test_estimated_quantities_are_flagged_and_counted(sites):
    from ems.inventory import services as inventory

    data = (
        "site,energy_type,period_start,period_end,quantity,unit,estimated\n"
        "London office,electricity,2025-01-01,2025-01-31,100,kwh,yes\n"
        "London office,electricity,2025-02-01,2025-02-28,100,kwh,\n"
        "London office,electricity,2025-03-01,2025-03-31,100,kwh,maybe\n"
    )
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(IMPORTER, actor=None, data=data.encode(), filename="e.csv")
    assert [str(e) for e in refused.value.row_errors] == ["Row 4, estimated: “yes” or “no”"]
    good = data.rsplit("\n", 2)[0] + "\n"
    imports.import_file(IMPORTER, actor=None, data=good.encode(), filename="e.csv")
    assert sorted(r.is_estimate for r in db.session.scalars(sa.select(EnergyRecord))) == [
        False,
        True,
    ]
    assert inventory.data_quality(2025).estimated_energy_records == 1
