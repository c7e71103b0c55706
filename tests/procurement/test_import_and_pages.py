"""The finance export import (all or nothing, idempotent, every bad row named) and the pages."""

from __future__ import annotations

import csv
import io
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from ems.auth.models import Role
from ems.cli import cli
from ems.extensions import db
from ems.factors import services as factors
from ems.imports import ImportFailed
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.ledger.models import EmissionLine
from ems.org import services as org
from ems.procurement import services
from ems.procurement.importer import IMPORTER
from ems.procurement.models import ExchangeRate, Purchase

FINANCE = (
    "Invoice Number,Invoice Date,Category,Vendor,Item,Net Amount,Currency,Qty,Unit,Cost Center\n"
    "INV-1,2024-05-02,IT equipment (computers),Acme SA,laptops,10000,CHF,,,PRG\n"
    "INV-2,06.03.2025,Paper,Papeterie,A4,,,500,kg,\n"
)


@pytest.fixture
def ready(app):
    factors.load_shipped_sets(actor=None)
    services.add_default_categories(actor=None)
    org.create_department(actor=None, name="Programme", code="PRG")
    services.set_exchange_rate(actor=None, currency="CHF", year=2024, units_per_usd="0.8804")
    services.set_price_index(actor=None, year=2022, index_value="117.973")
    services.set_price_index(actor=None, year=2024, index_value="124.4")
    db.session.commit()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_a_finance_export_becomes_purchases_with_their_lines(ready):
    result = imports.import_file(IMPORTER, actor=None, data=FINANCE.encode(), filename="q.csv")
    db.session.commit()
    assert (result.created, result.rows, result.skipped) == (2, 2, [])
    assert result.co2e_g == {"total": 624_756 + 672_539}
    laptops = db.session.scalars(sa.select(Purchase).where(Purchase.reference == "INV-1")).one()
    assert laptops.department is not None
    assert laptops.department.code == "PRG"
    assert sum(db.session.scalars(sa.select(EmissionLine.co2e_g))) == 624_756 + 672_539


def test_the_same_file_or_reference_is_never_imported_twice(ready):
    imports.import_file(IMPORTER, actor=None, data=FINANCE.encode(), filename="q.csv")
    db.session.commit()
    again = imports.import_file(IMPORTER, actor=None, data=FINANCE.encode(), filename="q2.csv")
    assert again.already_imported
    more = FINANCE + "INV-3,2024-07-01,Consulting,Advisers,,2000,CHF,,,\n"
    result = imports.import_file(IMPORTER, actor=None, data=more.encode(), filename="q3.csv")
    db.session.commit()
    assert (result.created, result.skipped) == (1, ["INV-1", "INV-2"])
    assert count(Purchase) == 3


def test_every_bad_row_is_named_and_nothing_is_imported(ready):
    bad = (
        FINANCE
        + "INV-1,2024-05-03,Paper,,,10,CHF,,,\n"  # reference repeated
        + "INV-4,2024-13-01,Paper,,,10,CHF,,,\n"  # not a date
        + "INV-5,2024-05-03,Rockets,,,10,CHF,,,\n"  # unknown category
        + "INV-6,2024-05-03,Paper,,,-10,CHF,,,\n"  # negative amount
        + "INV-7,2024-05-03,Paper,,,,,5,boxes,\n"  # unknown unit
        + "INV-8,2023-05-03,Consulting,,,10,CHF,,,\n"  # no 2023 rate
        + "INV-9,2024-05-03,Consulting,,,10,ZZZ,,,\n"  # unknown currency
    )
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(IMPORTER, actor=None, data=bad.encode(), filename="bad.csv")
    messages = [str(error) for error in refused.value.row_errors]
    expected_starts = [
        "Row 4, reference:",
        "Row 5, date:",
        "Row 6, category:",
        "Row 7, amount:",
        "Row 8, unit:",
        "Row 10, currency:",
    ]
    for start in expected_starts:
        assert any(m.startswith(start) for m in messages), (start, messages)
    assert any("Row 9, currency: No exchange rate of CHF for 2023" in m for m in messages)
    db.session.rollback()
    assert count(Purchase) == 0
    assert count(ImportBatch) == 0


def test_xlsx_exports_import_too(ready):
    workbook = Workbook()
    for row in csv.reader(io.StringIO(FINANCE)):
        workbook.active.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    result = imports.import_file(IMPORTER, actor=None, data=buffer.getvalue(), filename="q.xlsx")
    assert result.created == 2


def test_removing_an_import_supersedes_its_lines(ready):
    result = imports.import_file(IMPORTER, actor=None, data=FINANCE.encode(), filename="q.csv")
    db.session.commit()
    assert result.batch is not None
    removal = imports.remove_batch(IMPORTER, actor=None, batch=result.batch)
    db.session.commit()
    assert removal is not None
    assert removal.record_count == 2
    assert count(Purchase) == 0
    current = sa.select(sa.func.count()).where(EmissionLine.superseded_at.is_(None))
    assert db.session.scalar(current) == 0


def test_import_command(app, ready, tmp_path):
    path = tmp_path / "finance.csv"
    path.write_text(FINANCE)
    runner = app.test_cli_runner()
    dry = runner.invoke(cli, ["import", "purchases", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would import 2 purchases from 2 rows (1.297 t CO2e total)" in dry.output
    assert count(Purchase) == 0
    done = runner.invoke(cli, ["import", "purchases", str(path)])
    assert "imported 2 purchases" in done.output
    assert count(Purchase) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(FINANCE.replace("10000,CHF", "10000,ABC"))
    refused = runner.invoke(cli, ["import", "purchases", str(bad)])
    assert refused.exit_code == 1, refused.output
    assert "Row 2, currency:" in refused.output


def test_check_then_import_in_the_browser(client, create_user, login, ready):
    login(client, create_user(roles=(Role.ems,)))
    checked = client.post(
        "/procurement/import",
        data={"file": (BytesIO(FINANCE.encode()), "q.csv")},
        content_type="multipart/form-data",
    )
    assert "2 purchases to create." in checked.get_data(as_text=True)
    batch = db.session.scalars(sa.select(ImportBatch)).one()
    assert client.post(f"/procurement/import/{batch.id}/commit").status_code == 302
    assert count(Purchase) == 2
    refused = client.post(
        "/procurement/import",
        data={"file": (BytesIO(FINANCE.replace("Paper,", "Rockets,").encode()), "b.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "Row 3, category: no category is named “Rockets”" in refused.get_data(as_text=True)
    template = client.get("/procurement/import/template.csv").get_data().decode("utf-8-sig")
    assert template.startswith("reference,date,category,")


def test_the_purchase_pages(client, create_user, login, ready):
    login(client, create_user(roles=(Role.ems,)))
    category = next(c for c in services.list_categories() if c.name == "Consulting")
    created = client.post(
        "/procurement/new",
        data={
            "purchased_on": "2024-05-02",
            "category_id": category.id,
            "amount": "1000",
            "currency": "chf",
            "quantity_unit": "",
            "site_id": 0,
            "department_id": 0,
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    purchase = db.session.scalars(sa.select(Purchase)).one()
    listing = client.get("/procurement/?year=2024").get_data(as_text=True)
    assert "CHF 1,000.00" in listing
    missing = client.post(
        "/procurement/new",
        data={
            "purchased_on": "2023-05-02",
            "category_id": category.id,
            "amount": "1000",
            "currency": "CHF",
            "quantity_unit": "",
            "site_id": 0,
            "department_id": 0,
        },
    )
    assert missing.status_code == 200
    assert "No exchange rate of CHF for 2023" in missing.get_data(as_text=True)
    stale = client.post(
        f"/procurement/{purchase.id}/edit",
        data={
            "version_id": "0",
            "purchased_on": "2024-05-02",
            "category_id": category.id,
            "amount": "2000",
            "currency": "CHF",
            "quantity_unit": "",
            "site_id": 0,
            "department_id": 0,
        },
    )
    stale_page = stale.get_data(as_text=True)
    assert "Someone else changed this record" in stale_page
    assert "Amount paid: 2000 → 1000" in stale_page  # yours → now; empty choices are not named
    assert "Site:" not in stale_page
    exported = client.get("/procurement/export.csv?year=2024").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["currency"] for row in rows] == ["CHF"]
    workbook = load_workbook(BytesIO(client.get("/procurement/export.xlsx").data))
    assert workbook.active.max_row == 2
    saved = client.post(
        "/procurement/rates/exchange",
        data={"currency": "eur", "year": "2024", "units_per_usd": "0.9239", "source": "test"},
    )
    assert saved.status_code == 302
    rate = db.session.scalar(sa.select(ExchangeRate).where(ExchangeRate.currency == "EUR"))
    assert rate is not None
    assert str(rate.units_per_usd) == "0.9239"
    assert "0.9239" in client.get("/procurement/rates").get_data(as_text=True)
    assert "334111" in client.get("/procurement/categories").get_data(as_text=True)


def test_management_reads_but_does_not_edit(client, create_user, login, ready):
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/procurement/").get_data(as_text=True)
    assert "New purchase" not in page
    assert client.get("/procurement/new").status_code == 403
    assert (
        client.post(
            "/procurement/rates/index", data={"year": "2023", "index_value": "1"}
        ).status_code
        == 403
    )


def test_the_downloadable_template_imports_as_it_is(client, create_user, login, ready):
    services.set_exchange_rate(actor=None, currency="CHF", year=2025, units_per_usd="0.88")
    services.set_price_index(actor=None, year=2025, index_value="127")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    template = client.get("/procurement/import/template.csv").data
    result = imports.import_file(IMPORTER, actor=None, data=template, filename="template.csv")
    assert result.created == 2
