"""Purchases and their emission lines. Services flush; callers commit.

A purchase in money is converted to US dollars with the yearly exchange rate of its year, moved
to the price year of the EPA factor set with the US price index (index of the price year ÷
index of the purchase's year), and multiplied by the supply-chain factor (with margins) of its
category's NAICS code. A purchase of a material in kg or tonnes uses the DESNZ material-use factor
where its category names one. Both are scope 3, category 1 (purchased goods and services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels, numbers
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, ValidationFailed, check_version
from ems.extensions import db, utcnow
from ems.factors.keys import factor_key
from ems.factors.services import FactorSelector
from ems.ledger import services as ledger
from ems.ledger.models import EmissionLine, SourceCategory
from ems.org.models import FIRST_YEAR, Department, Site
from ems.procurement.models import Purchase, SpendCategory
from ems.procurement.services._shared import require_editor
from ems.procurement.services.categories import MATERIAL_FAMILY, SPEND_FAMILY
from ems.procurement.services.rates import RateMissing, _check_currency, convert_spend
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.units import unit_code
from ems.validation import check_decimal, check_text

ACTIVITY_TYPE = "purchase"


SCOPE3_PURCHASED_GOODS = 1
KG_PER_TONNE = Decimal(1000)
QUANTITY_UNITS = ("kg", "tonne")
#: units energy takes that make no sense for a purchase's material factor (per tonne)
NOT_MASS_UNITS = ("litre", "m3", "kwh", "mwh", "gj", "kwh_gross_cv", "kwh_net_cv")


FIELDS = [
    "purchased_on",
    "supplier",
    "description",
    "category_id",
    "amount",
    "currency",
    "quantity",
    "quantity_unit",
    "reference",
    "site_id",
    "department_id",
]


def purchase_lines(purchase: Purchase, selector: FactorSelector) -> list[ledger.LineSpec]:
    """The ledger line of a purchase: by material where it has a quantity and its category a
    material factor, else by spend. NotFound (RateMissing) when a factor or rate is missing."""
    year = purchase.purchased_on.year
    category = purchase.category
    common: dict[str, Any] = {
        "activity_type": ACTIVITY_TYPE,
        "activity_id": purchase.id,
        "year": year,
        "scope": 3,
        "scope3_category": SCOPE3_PURCHASED_GOODS,
        "source_category": SourceCategory.procurement,
        "site_id": purchase.site_id,
        "department_id": purchase.department_id,
        "item": "purchase",
    }
    label = " ".join(filter(None, (category.name, purchase.supplier, purchase.description)))
    if purchase.quantity is not None and category.material:
        tonnes = purchase.quantity / (KG_PER_TONNE if purchase.quantity_unit == "kg" else 1)
        selected = selector.select(
            family=MATERIAL_FAMILY,
            key=factor_key("material_use", category.material, "tonne"),
            year=year,
        )
        return [
            ledger.LineSpec(
                **common,
                quantity=tonnes,
                quantity_unit="tonne",
                selected=selected,
                method="material_factor",
                note=f"{label}: {purchase.quantity} {purchase.quantity_unit}",
            )
        ]
    if purchase.amount is None or purchase.currency is None:
        raise RateMissing(
            _(
                "The category %(name)s has no material factor: enter the amount paid.",
                name=category.name,
            ),
            "amount",
        )
    selected = selector.select(
        family=SPEND_FAMILY,
        key=factor_key("procurement", "purchase", "usd", naics=category.naics_code),
        year=year,
    )
    conversion = convert_spend(
        purchase.amount, purchase.currency, year, selected.factor_set.edition_year
    )
    return [
        ledger.LineSpec(
            **common,
            quantity=conversion.usd,
            quantity_unit=f"usd_{conversion.price_year}",
            selected=selected,
            method="spend_based",
            note=f"{label}: {conversion.note}; NAICS {category.naics_code}",
        )
    ]


def _calculator(purchase_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    purchase = db.session.get(Purchase, purchase_id)
    return [] if purchase is None else purchase_lines(purchase, selector)


ledger.register_calculator(ACTIVITY_TYPE, _calculator, preload=ledger.rows_by_id(Purchase))


def _check_purchase_date(
    errors: dict[str, str], purchased_on: dt.date | None, today: dt.date
) -> None:
    """A date from FIRST_YEAR up to today (a purchase is recorded once made)."""
    if purchased_on is None:
        errors["purchased_on"] = _("Enter the date.")
    elif purchased_on.year < FIRST_YEAR or purchased_on > today:
        errors["purchased_on"] = _("Enter a date from %(year)d up to today.", year=FIRST_YEAR)


def _check_category(errors: dict[str, str], category_id: int | None) -> SpendCategory | None:
    """A spend category that exists."""
    category = db.session.get(SpendCategory, category_id) if category_id else None
    if category is None:
        errors["category_id"] = _("Choose a category.")
    return category


def _check_money(
    errors: dict[str, str], amount: Decimal | str | None, currency: str | None
) -> tuple[Decimal | None, str | None]:
    """The amount paid and its currency: a currency with an amount, an amount with a currency."""
    money = check_decimal(errors, "amount", amount, kind=numbers.MONEY, required=False)
    code = None
    if money is not None or (currency or "").strip():
        code = _check_currency(errors, "currency", currency)
    if money is None and code and "amount" not in errors:
        errors["amount"] = _("Enter the amount paid in %(currency)s.", currency=code)
    return money, code


def _check_mass(
    errors: dict[str, str], quantity: Decimal | str | None, quantity_unit: str | None
) -> tuple[Decimal | None, str | None]:
    """The quantity bought and its unit (kg or tonne, in any spelling ``ems.units`` knows: t,
    tonnes, kilograms, KGM…): a unit with a quantity and the other way. A volume or an energy
    (litres, kWh, m³) is refused with the reason: material factors are per tonne."""
    mass = check_decimal(errors, "quantity", quantity, required=False, above_zero=True)
    written = (quantity_unit or "").strip()
    unit = unit_code(written) or written.lower() or None
    if mass is not None and unit in NOT_MASS_UNITS:
        errors["quantity_unit"] = _(
            "Purchases are counted by weight (kg or tonnes) or by the amount paid: a quantity in "
            "%(unit)s has no material factor. Record fuels and energy under Energy.",
            unit=labels.unit(unit or ""),
        )
    elif mass is not None and unit not in QUANTITY_UNITS:
        errors["quantity_unit"] = _("Use kg or tonne.")
    elif mass is None and unit and "quantity" not in errors:
        errors["quantity"] = _("Enter the quantity in %(unit)s.", unit=unit)
    return mass, unit


def _check_amount_or_quantity(
    errors: dict[str, str],
    money: Decimal | None,
    mass: Decimal | None,
    category: SpendCategory | None,
) -> None:
    """The amount paid or a quantity, and the amount where the category has no material factor
    (a quantity alone cannot be computed); unchecked while either is wrong itself."""
    if "amount" in errors or "quantity" in errors:
        return
    if money is None and mass is None:
        errors["amount"] = _("Enter the amount paid, or a quantity in kg or tonnes.")
    elif money is None and category is not None and not category.material:
        errors["amount"] = _(
            "The category %(name)s has no material factor: enter the amount paid.",
            name=category.name,
        )


def _check_purchase_texts(
    errors: dict[str, str], supplier: str | None, description: str | None, reference: str | None
) -> dict[str, str]:
    """The supplier, description and reference, each optional and within its length."""
    return {
        name: check_text(errors, name, value, limit, required=False)
        for name, value, limit in (
            ("supplier", supplier, Purchase.SUPPLIER_MAX_LEN),
            ("description", description, Purchase.DESCRIPTION_MAX_LEN),
            ("reference", reference, Purchase.REFERENCE_MAX_LEN),
        )
    }


def _check_site_and_department(
    errors: dict[str, str], site_id: int | None, department_id: int | None
) -> None:
    """The site and department, where given, exist."""
    if site_id and db.session.get(Site, site_id) is None:
        errors["site_id"] = _("Choose a site.")
    if department_id and db.session.get(Department, department_id) is None:
        errors["department_id"] = _("Choose a department.")


def check_purchase(
    *,
    purchased_on: dt.date | None,
    category_id: int | None,
    amount: Decimal | str | None = None,
    currency: str | None = None,
    quantity: Decimal | str | None = None,
    quantity_unit: str | None = None,
    supplier: str | None = "",
    description: str | None = "",
    reference: str | None = "",
    site_id: int | None = None,
    department_id: int | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """A purchase's values, checked; ValidationFailed names each wrong field."""
    errors: dict[str, str] = {}
    _check_purchase_date(errors, purchased_on, today or utcnow().date())
    category = _check_category(errors, category_id)
    money, code = _check_money(errors, amount, currency)
    mass, unit = _check_mass(errors, quantity, quantity_unit)
    _check_amount_or_quantity(errors, money, mass, category)
    texts = _check_purchase_texts(errors, supplier, description, reference)
    _check_site_and_department(errors, site_id, department_id)
    if errors:
        raise ValidationFailed(errors)
    return {
        "purchased_on": purchased_on,
        "category_id": category_id,
        "amount": money,
        "currency": code if money is not None else None,
        "quantity": mass,
        "quantity_unit": unit if mass is not None else None,
        **texts,
        "site_id": site_id or None,
        "department_id": department_id or None,
    }


def _record(purchase: Purchase, selector: FactorSelector | None = None) -> None:
    """Compute and record a purchase's line; a missing rate or factor is the user's to fix."""
    try:
        lines = purchase_lines(purchase, selector or FactorSelector())
    except RateMissing as exc:
        raise ValidationFailed({exc.field: str(exc)}) from None
    except NotFound as exc:
        raise ValidationFailed({"category_id": str(exc)}) from None
    ledger.record_lines(activity_type=ACTIVITY_TYPE, activity_id=purchase.id, lines=lines)


def _summary(purchase: Purchase) -> str:
    what = (
        f"{purchase.currency} {purchase.amount}"
        if purchase.amount is not None
        else f"{purchase.quantity} {purchase.quantity_unit}"
    )
    return f"Purchase {purchase.purchased_on} {what} ({purchase.category.name})"


def create_purchase(*, actor: User | None, **data: Any) -> Purchase:
    """Record a purchase and its emission line."""
    require_editor(actor)
    values = check_purchase(**data)
    purchase = Purchase(**values)
    ledger.check_open_years({purchase.purchased_on.year})  # a closed year's purchases are final
    db.session.add(purchase)
    db.session.flush()
    _record(purchase)
    audit.record(
        actor=actor,
        action="procurement.purchase.created",
        obj=purchase,
        summary=_summary(purchase),
        changes=audit.diff({}, audit.snapshot(purchase, FIELDS)),
    )
    return purchase


def update_purchase(
    *, actor: User | None, purchase: Purchase, expected_version: int | None = None, **data: Any
) -> Purchase:
    """Change a purchase; its line is replaced (the old one stays, superseded)."""
    require_editor(actor)
    check_version(purchase.version_id, expected_version)
    before = purchase.purchased_on.year
    values = check_purchase(**data)
    changes = audit.apply_changes(purchase, values)
    if changes:  # a closed year's purchases are final, before and after the change
        with db.session.no_autoflush:  # one flush, one new version, below
            ledger.check_open_years({before, purchase.purchased_on.year})
    purchase.updated_at = utcnow()
    db.session.flush()
    db.session.refresh(purchase, ["category"])
    _record(purchase)
    audit.record(
        actor=actor,
        action="procurement.purchase.updated",
        obj=purchase,
        summary=f"Purchase {purchase.id} changed",
        changes=changes,
    )
    return purchase


def delete_purchase(*, actor: User | None, purchase: Purchase) -> Removal:
    """Remove a purchase; it can be restored with its line."""
    require_editor(actor)
    return removals.remove_record(
        actor=actor,
        kind=ACTIVITY_TYPE,
        record=purchase,
        action="procurement.purchase.deleted",
        before=audit.snapshot(purchase, FIELDS),
        summary=f"Purchase {purchase.id} removed",
    )


def get_purchase(purchase_id: int) -> Purchase:
    """The purchase with ``purchase_id``; NotFound if none."""
    purchase = db.session.get(Purchase, purchase_id)
    if purchase is None:
        raise NotFound(f"purchase {purchase_id}")
    return purchase


@dataclass(frozen=True)
class PurchaseFilters:
    """What the purchase list shows."""

    year: int | None = None
    category_id: int | None = None
    site_id: int | None = None
    department_id: int | None = None


def purchases_query(filters: PurchaseFilters) -> sa.Select[Purchase]:
    """Purchases matching ``filters``, newest first."""
    stmt = sa.select(Purchase).order_by(Purchase.purchased_on.desc(), Purchase.id.desc())
    if filters.year:
        stmt = stmt.where(
            Purchase.purchased_on.between(
                dt.date(filters.year, 1, 1), dt.date(filters.year, 12, 31)
            )
        )
    for column, value in (
        (Purchase.category_id, filters.category_id),
        (Purchase.site_id, filters.site_id),
        (Purchase.department_id, filters.department_id),
    ):
        if value:
            stmt = stmt.where(column == value)
    return stmt


def purchase_totals(filters: PurchaseFilters) -> tuple[int, int]:
    """How many purchases match ``filters`` and their current CO2e in grams (one SQL query)."""
    matching = purchases_query(filters).order_by(None).with_only_columns(Purchase.id).subquery()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0
    grams = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(EmissionLine.co2e_g), 0)).where(
            EmissionLine.activity_type == ACTIVITY_TYPE,
            EmissionLine.superseded_at.is_(None),
            EmissionLine.activity_id.in_(sa.select(matching.c.id)),
        )
    )
    return count, int(grams or 0)


EXPORT_HEADER = [
    "purchase",
    "date",
    "reference",
    "supplier",
    "description",
    "category",
    "naics_code",
    "amount",
    "currency",
    "quantity",
    "unit",
    "unit_label",
    "site",
    "department",
    "method",
    "method_label",
    "converted_quantity",
    "converted_unit",
    "converted_unit_label",
    "co2e_kg",
    "factor_set",
    "calculation",
]


def export_rows(filters: PurchaseFilters) -> list[list[object]]:
    """The filtered purchases with their current line (header first), for CSV or XLSX."""
    sites = dict(db.session.execute(sa.select(Site.id, Site.name)).all())
    departments = dict(db.session.execute(sa.select(Department.id, Department.name)).all())
    rows: list[list[object]] = [list(EXPORT_HEADER)]
    purchases = list(db.session.scalars(purchases_query(filters)))
    for start in range(0, len(purchases), 500):
        chunk = purchases[start : start + 500]
        lines = ledger.current_lines_by_activity(
            activity_type=ACTIVITY_TYPE, activity_ids=[p.id for p in chunk]
        )
        for purchase in chunk:
            line = lines[purchase.id][0] if lines[purchase.id] else None
            rows.append(
                [
                    purchase.id,
                    purchase.purchased_on.isoformat(),
                    purchase.reference,
                    purchase.supplier,
                    purchase.description,
                    purchase.category.name,
                    purchase.category.naics_code,
                    float(purchase.amount) if purchase.amount is not None else None,
                    purchase.currency or "",
                    float(purchase.quantity) if purchase.quantity is not None else None,
                    purchase.quantity_unit or "",
                    labels.label("unit", purchase.quantity_unit, ""),
                    sites.get(purchase.site_id or 0, ""),
                    departments.get(purchase.department_id or 0, ""),
                    line.method if line else "",
                    labels.label("method", line.method) if line else "",
                    float(line.quantity) if line else None,
                    line.quantity_unit if line else "",
                    labels.unit(line.quantity_unit) if line else "",
                    line.co2e_g / 1000 if line else None,
                    line.factor.factor_set.code if line else "",
                    line.note if line else "",
                ]
            )
    return rows


def purchase_dated_years(ids: list[int]) -> set[int]:
    """The years of these purchases' dates (removed included)."""
    return removals.years_spanned(Purchase.purchased_on, Purchase.purchased_on, ids)


removals.register_kind(
    removals.RemovalKind(
        code=ACTIVITY_TYPE,
        label=_l("Purchase"),
        roles=(Role.ems,),
        model=Purchase,
        activity_type=ACTIVITY_TYPE,
        record_years=purchase_dated_years,
    )
)
