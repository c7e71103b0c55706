"""The finance system's XLSX export as it comes (title and note rows, G/L account codes for
categories, units t and kg, a "Total" row at the bottom): the account codes mapped to
categories by a profile, counted, computed from the published factors, never imported twice."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import importlib.util
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from ems import PROJECT_ROOT
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.imports import ImportFailed
from ems.imports import services as imports
from ems.imports.mapping import ColumnMapping
from ems.org import services as org
from ems.procurement import services
from ems.procurement.importer import IMPORTER
from ems.procurement.models import Purchase
from tests.energy.factor_table import desnz, grams

DATA = Path(__file__).parents[1] / "data" / "procurement"
_spec = importlib.util.spec_from_file_location("make_export", DATA / "make_purchases_with_total.py")
assert _spec is not None
assert _spec.loader is not None
make_export = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_export)
EXPORT = (DATA / "purchases_with_total.xlsx").read_bytes()
EPA_2022 = PROJECT_ROOT / "ems" / "data" / "factors" / "epa_supply_chain_v1_3_usd2022.csv"
#: the US price index of the purchases' year and of the EPA factors' price year (2022)
INDEX_2024, INDEX_2022 = Decimal("124.4"), Decimal("117.973")
PROFILE = "Finance AP lines"
#: the profile: the export's columns, and its G/L accounts → categories (by name, or by the
#: NAICS code only one category has)
ACCOUNTS = {
    "61200": "Paper",
    "61210": "Recycled paper",
    "62400": "IT equipment (computers)",
    "61500": "322230",
}


@functools.cache
def epa(naics: str) -> Decimal:
    """kg CO2e per 2022 US dollar (with margins) of a NAICS code, from the EPA v1.3 table."""
    with EPA_2022.open(encoding="utf-8", newline="") as file:
        (value,) = [
            row["factor_with_margins"] for row in csv.DictReader(file) if row["naics_code"] == naics
        ]
    return Decimal(value)


def usd_2022(amount: str) -> Decimal:
    """2024 US dollars in 2022 dollars, to the cent."""
    return (Decimal(amount) * INDEX_2022 / INDEX_2024).quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.fixture
def ready(app):
    factors.load_shipped_sets(actor=None)
    services.add_default_categories(actor=None)
    org.create_department(actor=None, name="Programme", code="PRG")
    services.set_price_index(actor=None, year=2022, index_value=str(INDEX_2022))
    services.set_price_index(actor=None, year=2024, index_value=str(INDEX_2024))
    imports.save_profile(
        actor=None,
        kind="procurement",
        name=PROFILE,
        headers=list(make_export.HEADER),
        mapping=ColumnMapping(
            columns={
                "Document No": "reference",
                "Posting Date": "date",
                "G/L Account": "category",
                "Vendor": "supplier",
                "Text": "description",
                "Net Amount": "amount",
                "Currency": "currency",
                "Qty": "quantity",
                "UoM": "unit",
                "Cost Center": "department",
            },
            values={"category": dict(ACCOUNTS)},
        ),
    )
    db.session.commit()


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Purchase)) or 0


def test_account_codes_without_a_profile_are_named_row_by_row(app):
    factors.load_shipped_sets(actor=None)
    services.add_default_categories(actor=None)
    org.create_department(actor=None, name="Programme", code="PRG")
    db.session.commit()
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(IMPORTER, actor=None, data=EXPORT, filename="ap.xlsx", dry_run=True)
    messages = [str(error) for error in refused.value.row_errors]
    assert messages[0].startswith("Row 4, category: no category is named “61200”"), messages
    assert "profile" in messages[0]
    assert len(messages) == 4  # the total row is no purchase


def test_the_dry_run_counts_and_skips_the_total_row(ready):
    result = imports.import_file(
        IMPORTER, actor=None, data=EXPORT, filename="ap.xlsx", dry_run=True, profile=PROFILE
    )
    assert (result.created, result.rows, result.skipped) == (4, 4, [])
    assert result.skipped_rows == [8]  # "Total", below the four invoice lines
    assert result.ignored_columns == ["Approved by"]
    assert count() == 0


def test_the_figures_are_quantity_or_spend_times_the_published_factor(ready):
    result = imports.import_file(
        IMPORTER, actor=None, data=EXPORT, filename="ap.xlsx", profile=PROFILE
    )
    db.session.commit()
    purchases = {p.reference: p for p in db.session.scalars(sa.select(Purchase))}
    assert sorted(purchases) == ["5100001", "5100002", "5100003", "5100004"]
    assert (purchases["5100001"].quantity, purchases["5100001"].quantity_unit) == (
        Decimal("2.5"),
        "tonne",  # written "t"
    )
    assert purchases["5100002"].quantity_unit == "kg"
    assert purchases["5100004"].category.name == "Stationery and office supplies"  # by NAICS
    assert purchases["5100001"].department is not None
    expected = {
        # paper by weight: 2.5 t and 850 kg at the DESNZ 2024 material-use factors
        "5100001": grams(
            "2.5", desnz(2024, "paper_and_board_paper_primary_material_production", "tonnes")
        ),
        "5100002": grams("0.85", desnz(2024, "paper_and_board_paper_closed_loop_source", "tonnes")),
        # the rest by spend: 2024 dollars in 2022 dollars, at the EPA factor of the NAICS code
        "5100003": grams(usd_2022("12000"), epa("334111")),
        "5100004": grams(usd_2022("950.5"), epa("322230")),
    }
    lines = {
        reference: services.purchase_lines(purchase, factors.FactorSelector())[0].co2e_g
        for reference, purchase in purchases.items()
    }
    assert lines == expected
    assert result.co2e_g == {"total": sum(expected.values())}


def test_a_second_import_creates_nothing(ready, tmp_path):
    imports.import_file(IMPORTER, actor=None, data=EXPORT, filename="ap.xlsx", profile=PROFILE)
    db.session.commit()
    again = imports.import_file(IMPORTER, actor=None, data=EXPORT, filename="ap (1).xlsx")
    assert again.already_imported
    # the same lines exported again (another file): every reference is already recorded; the
    # layout is recognised by its headers without naming the profile
    other = make_export.build(
        tmp_path / "ap-again.xlsx", title="Accounts payable, invoice lines (re-run)"
    )
    result = imports.import_file(IMPORTER, actor=None, data=other.read_bytes(), filename="b.xlsx")
    db.session.commit()
    assert (result.created, result.skipped) == (0, ["5100001", "5100002", "5100003", "5100004"])
    assert count() == 4


@pytest.mark.parametrize(
    ("written", "code"),
    [("t", "tonne"), ("Tonnes", "tonne"), ("TNE", "tonne"), ("kg", "kg"), ("Kilograms", "kg"),
     ("KGM", "kg")],
)  # fmt: skip
def test_a_purchase_takes_the_units_energy_takes(ready, written, code):
    paper = next(c for c in services.list_categories() if c.name == "Paper")
    values = services.check_purchase(
        purchased_on=dt.date(2024, 3, 1),
        category_id=paper.id,
        quantity="2",
        quantity_unit=written,
    )
    assert values["quantity_unit"] == code


@pytest.mark.parametrize("written", ["litres", "kWh", "m³"])
def test_volumes_and_energy_are_refused_with_the_reason(ready, written):
    paper = next(c for c in services.list_categories() if c.name == "Paper")
    with pytest.raises(ValidationFailed) as refused:
        services.check_purchase(
            purchased_on=dt.date(2024, 3, 1),
            category_id=paper.id,
            quantity="2",
            quantity_unit=written,
        )
    assert "Record fuels and energy under Energy" in refused.value.errors["quantity_unit"]
