"""Spending categories: each mapped to a NAICS code, and to a material where one applies."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.audit import services as audit
from ems.auth.models import User
from ems.errors import NotFound, ValidationFailed, check_version
from ems.extensions import db
from ems.factors.keys import factor_key
from ems.factors.models import EmissionFactor, FactorSet
from ems.procurement.models import Purchase, SpendCategory
from ems.procurement.services._shared import require_editor
from ems.validation import check_text

SPEND_FAMILY = "epa_supply_chain"
MATERIAL_FAMILY = "desnz_other"


#: spending categories of an office organisation and the 2017 NAICS code of each, with the
#: DESNZ material-use factor for purchases recorded in kg or tonnes where one exists
DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("IT equipment (computers)", "334111", ""),
    ("Computer peripherals and printers", "334118", ""),
    ("Phones and network equipment", "334220", ""),
    ("Software", "511210", ""),
    ("IT services", "541512", ""),
    ("Cloud and hosting", "518210", ""),
    ("Telecoms (fixed)", "517311", ""),
    ("Telecoms (mobile)", "517312", ""),
    ("Paper", "322121", "paper_and_board_paper_primary_material_production"),
    ("Recycled paper", "322121", "paper_and_board_paper_closed_loop_source"),
    ("Stationery and office supplies", "322230", ""),
    ("Printing", "323111", ""),
    ("Furniture", "337214", ""),
    ("Consulting", "541611", ""),
    ("Legal services", "541110", ""),
    ("Audit and accounting", "541211", ""),
    ("Translation and interpretation", "541930", ""),
    ("Training", "611430", ""),
    ("Temporary staff", "561320", ""),
    ("Catering", "722320", ""),
    ("Cleaning", "561720", ""),
    ("Security services", "561612", ""),
    ("Building maintenance (plumbing, HVAC)", "238220", ""),
    ("Courier and express delivery", "492110", ""),
    ("Advertising and communication", "541810", ""),
    ("Insurance", "524126", ""),
    ("Vehicles", "336111", ""),
)


CATEGORY_FIELDS = ["name", "naics_code", "material"]


def materials() -> list[str]:
    """The DESNZ material-use activities the factor library holds (per tonne)."""
    return sorted(
        set(
            db.session.scalars(
                sa.select(EmissionFactor.activity)
                .join(FactorSet)
                .where(
                    FactorSet.family == MATERIAL_FAMILY,
                    EmissionFactor.category == "material_use",
                    EmissionFactor.unit == "tonne",
                )
            )
        )
    )


def naics_title(naics_code: str) -> str | None:
    """The title of a NAICS code in the newest EPA set that has it; None if no set has it."""
    label = db.session.scalar(
        sa.select(EmissionFactor.label)
        .join(FactorSet)
        .where(
            FactorSet.family == SPEND_FAMILY,
            EmissionFactor.key == factor_key("procurement", "purchase", "usd", naics=naics_code),
        )
        .order_by(FactorSet.edition_year.desc())
        .limit(1)
    )
    return label.split(" (NAICS", 1)[0] if label else None


def _category_data(
    category_id: int | None, name: str | None, naics_code: str | None, material: str | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, SpendCategory.NAME_MAX_LEN)
    clash = db.session.scalar(
        sa.select(SpendCategory.id).where(
            sa.func.lower(SpendCategory.name) == name.lower(),
            SpendCategory.id != (category_id or 0),
        )
    )
    if name and clash is not None:
        errors["name"] = _("Another category has this name.")
    code = (naics_code or "").strip()
    if not (len(code) == 6 and code.isdigit()) or naics_title(code) is None:
        errors["naics_code"] = _(
            "Enter a six-digit 2017 NAICS code that the EPA supply-chain factors cover "
            "(load the shipped factor sets first)."
        )
    material = (material or "").strip()
    if material and material not in materials():
        errors["material"] = _("Choose a material from the list.")
    if errors:
        raise ValidationFailed(errors)
    return {"name": name, "naics_code": code, "material": material}


def create_category(
    *, actor: User | None, name: str | None, naics_code: str | None, material: str | None = ""
) -> SpendCategory:
    """Add a spending category mapped to a NAICS code (and optionally a material)."""
    require_editor(actor)
    values = _category_data(None, name, naics_code, material)
    category = SpendCategory(**values)
    db.session.add(category)
    db.session.flush()
    audit.record(
        actor=actor,
        action="procurement.category.created",
        obj=category,
        summary=f"Spending category {category.name} → NAICS {category.naics_code}",
        changes=audit.diff({}, values),
    )
    return category


def update_category(
    *,
    actor: User | None,
    category: SpendCategory,
    name: str | None,
    naics_code: str | None,
    material: str | None = "",
    expected_version: int | None = None,
) -> SpendCategory:
    """Change a category's name or mapping; purchases keep their figures until recalculated."""
    require_editor(actor)
    check_version(category.version_id, expected_version)
    values = _category_data(category.id, name, naics_code, material)
    changes = audit.apply_changes(category, values)
    db.session.flush()
    audit.record(
        actor=actor,
        action="procurement.category.updated",
        obj=category,
        summary=f"Spending category {category.name} changed",
        changes=changes,
    )
    return category


def delete_category(*, actor: User | None, category: SpendCategory) -> None:
    """Remove a category no purchase uses."""
    require_editor(actor)
    if db.session.scalar(
        sa.select(Purchase.id)
        .where(Purchase.category_id == category.id)
        .limit(1)
        .execution_options(include_removed=True)  # a removed purchase can still be restored
    ):
        raise ValidationFailed(
            {
                "": _(
                    "Purchases use this category (removed ones that can still be restored "
                    "included); it cannot be removed."
                )
            }
        )
    before = audit.snapshot(category, CATEGORY_FIELDS)
    db.session.delete(category)
    db.session.flush()
    audit.record(
        actor=actor,
        action="procurement.category.deleted",
        obj=category,
        summary=f"Spending category {category.name} removed",
        changes=audit.diff(before, {}),
    )


def add_default_categories(*, actor: User | None) -> list[SpendCategory]:
    """Add the default office categories whose names are not taken yet; returns those added."""
    require_editor(actor)
    taken = {name.lower() for name in db.session.scalars(sa.select(SpendCategory.name))}
    added = [
        SpendCategory(name=name, naics_code=code, material=material)
        for name, code, material in DEFAULT_CATEGORIES
        if name.lower() not in taken
    ]
    db.session.add_all(added)
    db.session.flush()
    if added:
        audit.record(
            actor=actor,
            action="procurement.category.defaults_added",
            object_type=SpendCategory.__tablename__,
            summary=f"{len(added)} default spending categories added",
            changes=audit.diff({}, {"categories": [c.name for c in added]}),
        )
    return added


def list_categories() -> list[SpendCategory]:
    """Categories by name."""
    return list(db.session.scalars(sa.select(SpendCategory).order_by(SpendCategory.name)))


def get_category(category_id: int) -> SpendCategory:
    """The category with ``category_id``; NotFound if none."""
    category = db.session.get(SpendCategory, category_id)
    if category is None:
        raise NotFound(f"spending category {category_id}")
    return category
