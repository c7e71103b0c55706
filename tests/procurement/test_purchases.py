"""Purchases: spend converted with stored rates and deflated to the factor's price year, paper by
weight, and every refusal naming its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.ledger import services as ledger
from ems.ledger.models import SourceCategory
from ems.procurement import services


@pytest.fixture
def categories(app):
    factors.load_shipped_sets(actor=None)
    services.add_default_categories(actor=None)
    db.session.commit()
    return {c.name: c.id for c in services.list_categories()}


@pytest.fixture
def rates(categories):
    # values stored by the working group (chosen for the test, not published figures)
    services.set_exchange_rate(actor=None, currency="chf", year=2024, units_per_usd="0.8804")
    services.set_price_index(actor=None, year=2022, index_value="117.973")
    services.set_price_index(actor=None, year=2024, index_value="124.4")
    db.session.commit()


def buy(category_id, *, on=dt.date(2024, 5, 2), **values):
    return services.create_purchase(actor=None, purchased_on=on, category_id=category_id, **values)


def line_of(purchase):
    (line,) = ledger.current_lines(activity_type="purchase", activity_id=purchase.id)
    return line


def test_a_purchase_in_chf_is_converted_with_the_stored_rate_and_deflated(categories, rates):
    purchase = buy(categories["IT equipment (computers)"], amount=Decimal("10000"), currency="CHF")
    line = line_of(purchase)
    # 10,000 CHF ÷ 0.8804 CHF/USD = 11,358.47 USD of 2024
    # × 117.973 / 124.4 (US price index 2022 / 2024) = 10,771.65 USD of 2022
    # × 0.058 kg CO2e/USD (EPA v1.3.0, NAICS 334111, with margins) = 624.756 kg
    assert line.quantity == Decimal("10771.65")
    assert line.quantity_unit == "usd_2022"
    assert line.factor.factor_set.code == "epa-supply-chain-v1.3.0"
    assert line.factor_kgco2e_per_unit == Decimal("0.058")
    assert line.co2e_g == 624_756
    assert (line.scope, line.scope3_category) == (3, 1)
    assert line.source_category == SourceCategory.procurement
    assert "÷ 0.8804 CHF/USD (2024)" in line.note
    assert "117.973 (2022) / 124.4 (2024)" in line.note
    assert line.is_fallback  # no 2024 edition of the EPA factors: the nearest (2022) is used


def test_dollars_of_the_factors_price_year_need_no_conversion(categories):
    purchase = buy(
        categories["IT equipment (computers)"],
        on=dt.date(2021, 6, 1),
        amount=Decimal("1000"),
        currency="USD",
    )
    line = line_of(purchase)
    assert line.factor.factor_set.code == "epa-supply-chain-v1.2"
    assert (line.quantity, line.quantity_unit, line.co2e_g) == (
        Decimal("1000.00"),
        "usd_2021",
        112_000,
    )


def test_paper_by_weight_uses_the_material_factor(categories):
    purchase = buy(
        categories["Paper"], on=dt.date(2025, 3, 6), quantity=Decimal("500"), quantity_unit="kg"
    )
    line = line_of(purchase)
    # 0.5 t × 1,345.0779 kg CO2e/t (DESNZ 2025, paper, primary material production)
    assert (line.quantity, line.quantity_unit, line.method) == (
        Decimal("0.5"),
        "tonne",
        "material_factor",
    )
    assert line.co2e_g == 672_539


def test_a_missing_exchange_rate_is_named(categories, rates):
    with pytest.raises(ValidationFailed) as refused:
        buy(
            categories["Consulting"],
            on=dt.date(2023, 2, 1),
            amount=Decimal("500"),
            currency="CHF",
        )
    assert refused.value.errors == {
        "currency": "No exchange rate of CHF for 2023: add it under Procurement → Rates and "
        "indices."
    }


def test_a_missing_price_index_is_named(categories):
    with pytest.raises(ValidationFailed) as refused:
        buy(categories["Consulting"], amount=Decimal("500"), currency="USD")
    assert "No USD price index for 2024" in refused.value.errors["purchased_on"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": Decimal("-5"), "currency": "CHF"}, "amount"),
        ({"amount": Decimal("5"), "currency": "XXY"}, "currency"),
        ({"amount": Decimal("5")}, "currency"),
        ({"quantity": Decimal("-1"), "quantity_unit": "kg"}, "quantity"),
        ({"quantity": Decimal("5"), "quantity_unit": "box"}, "quantity_unit"),
        ({}, "amount"),
        ({"amount": Decimal("NaN"), "currency": "CHF"}, "amount"),
        ({"amount": Decimal("5"), "currency": "CHF", "supplier": "A\x00B"}, "supplier"),
    ],
)
def test_bad_values_are_refused_on_their_field(categories, rates, values, field):
    with pytest.raises(ValidationFailed) as refused:
        buy(categories["Consulting"], **values)
    assert field in refused.value.errors


def test_a_quantity_needs_a_category_with_a_material(categories):
    with pytest.raises(ValidationFailed) as refused:
        buy(categories["Furniture"], quantity=Decimal("40"), quantity_unit="kg")
    assert "no material factor" in refused.value.errors["amount"]


def test_dates_outside_the_range_are_refused(categories, rates):
    for day in (dt.date(1989, 12, 31), dt.date.today() + dt.timedelta(days=1)):
        with pytest.raises(ValidationFailed) as refused:
            buy(categories["Consulting"], on=day, amount=Decimal("5"), currency="CHF")
        assert "purchased_on" in refused.value.errors


def test_editing_replaces_the_line_and_checks_the_version(categories, rates):
    purchase = buy(categories["IT equipment (computers)"], amount=Decimal("10000"), currency="CHF")
    db.session.commit()
    first = line_of(purchase)
    services.update_purchase(
        actor=None,
        purchase=purchase,
        expected_version=purchase.version_id,
        purchased_on=purchase.purchased_on,
        category_id=categories["Consulting"],
        amount=Decimal("10000"),
        currency="CHF",
    )
    db.session.commit()
    second = line_of(purchase)
    assert second.id != first.id
    assert second.factor_kgco2e_per_unit == Decimal("0.078")
    db.session.refresh(first)
    assert first.superseded_at is not None
    with pytest.raises(Conflict):
        services.update_purchase(
            actor=None,
            purchase=purchase,
            expected_version=1,
            purchased_on=purchase.purchased_on,
            category_id=categories["Consulting"],
            amount=Decimal("1"),
            currency="CHF",
        )


def test_deleting_supersedes_the_line_and_is_audited(categories, rates):
    purchase = buy(categories["Consulting"], amount=Decimal("100"), currency="CHF")
    db.session.commit()
    services.delete_purchase(actor=None, purchase=purchase)
    db.session.commit()
    assert ledger.current_lines(activity_type="purchase", activity_id=purchase.id) == []
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"procurement.purchase.created", "procurement.purchase.deleted"} <= actions


def test_a_rate_of_a_year_is_replaced_not_duplicated(categories):
    first = services.set_exchange_rate(actor=None, currency="EUR", year=2024, units_per_usd="0.92")
    second = services.set_exchange_rate(actor=None, currency="eur", year=2024, units_per_usd="0.93")
    assert first.id == second.id
    assert second.units_per_usd == Decimal("0.93")
    with pytest.raises(ValidationFailed) as refused:
        services.set_exchange_rate(actor=None, currency="USD", year=2024, units_per_usd="1")
    assert "currency" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.set_price_index(actor=None, year=2024, index_value="0")
    assert "index_value" in refused.value.errors


def test_categories_are_mapped_to_naics_codes_the_factors_cover(categories):
    assert services.naics_title("334111") == "Electronic Computer Manufacturing"
    with pytest.raises(ValidationFailed) as refused:
        services.create_category(actor=None, name="Space travel", naics_code="999999")
    assert "naics_code" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.create_category(actor=None, name="paper", naics_code="322121")
    assert "name" in refused.value.errors
    assert services.add_default_categories(actor=None) == []  # all there already


def test_a_category_in_use_cannot_be_removed(categories, rates):
    buy(categories["Consulting"], amount=Decimal("100"), currency="CHF")
    with pytest.raises(ValidationFailed):
        services.delete_category(
            actor=None, category=services.get_category(categories["Consulting"])
        )
    services.delete_category(actor=None, category=services.get_category(categories["Vehicles"]))
    assert "Vehicles" not in {c.name for c in services.list_categories()}


def test_filters_and_totals(categories, rates):
    buy(categories["IT equipment (computers)"], amount=Decimal("10000"), currency="CHF")
    buy(categories["Paper"], on=dt.date(2025, 3, 6), quantity=Decimal("500"), quantity_unit="kg")
    assert services.purchase_totals(services.PurchaseFilters()) == (2, 624_756 + 672_539)
    assert services.purchase_totals(services.PurchaseFilters(year=2025)) == (1, 672_539)
    only_it = services.PurchaseFilters(category_id=categories["IT equipment (computers)"])
    assert services.purchase_totals(only_it) == (1, 624_756)
    rows = services.export_rows(only_it)
    assert rows[0] == services.EXPORT_HEADER
    assert rows[1][rows[0].index("co2e_kg")] == pytest.approx(624.756)
