"""Declaring baselines and setting targets: the working group's writes, each audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems import numbers
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import PermissionDenied, ValidationFailed, check_version
from ems.extensions import db
from ems.inventory.services import Boundary
from ems.ledger.models import SourceCategory
from ems.targets.models import DeclaredBaseline, Target
from ems.validation import check_decimal, check_text, check_year

#: the most targets an organisation keeps beside its own: every page reads them all at once,
#: and no working group follows more
MAX_TARGETS = 300
BASELINE_FIELDS = ["year", "boundary", "source_category", "co2e_kg", "source", "note"]
TARGET_FIELDS = [
    "name",
    "boundary",
    "source_category",
    "per_capita",
    "baseline_year",
    "target_year",
    "reduction_pct",
]


def require_editor(actor: User | None) -> None:
    """Refuse anyone but the EMS working group (administrators included) and the command line."""
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group sets baselines and targets."))


def _check_boundary(errors: dict[str, str], boundary: str | None) -> str:
    if boundary not in {b.value for b in Boundary}:
        errors["boundary"] = _("Choose a boundary from the list.")
    return boundary or ""


def _check_source(
    errors: dict[str, str], source: str | None, *, required: bool
) -> SourceCategory | None:
    if not source and not required:
        return None
    try:
        return SourceCategory(source or "")
    except ValueError:
        errors["source_category"] = _("Choose a source from the list.")
        return None


def declare_baseline(
    *,
    actor: User | None,
    year: int | None,
    boundary: str | None,
    source_category: str | None,
    co2e_kg: Decimal | str | None,
    source: str | None,
    note: str | None = "",
    expected_version: int | None = None,
) -> DeclaredBaseline:
    """Declare (or correct) a baseline-year figure of one source, with where it comes from."""
    require_editor(actor)
    errors: dict[str, str] = {}
    values = {
        "year": check_year(errors, "year", year),
        "boundary": _check_boundary(errors, boundary),
        "source_category": _check_source(errors, source_category, required=True),
        "co2e_kg": check_decimal(errors, "co2e_kg", co2e_kg, kind=numbers.KG_CO2E),
        "source": check_text(errors, "source", source, DeclaredBaseline.SOURCE_MAX_LEN),
        "note": check_text(
            errors, "note", note, DeclaredBaseline.NOTE_MAX_LEN, required=False, multiline=True
        ),
    }
    if errors:
        raise ValidationFailed(errors)
    row = db.session.scalar(
        sa.select(DeclaredBaseline).where(
            DeclaredBaseline.year == values["year"],
            DeclaredBaseline.boundary == values["boundary"],
            DeclaredBaseline.source_category == values["source_category"],
        )
    )
    if row is None:
        row = DeclaredBaseline(**values)
        db.session.add(row)
        db.session.flush()
        changes = audit.diff({}, audit.snapshot(row, BASELINE_FIELDS))
    else:
        check_version(row.version_id, expected_version)
        changes = audit.apply_changes(row, values)
        db.session.flush()
    audit.record(
        actor=actor,
        action="inventory.baseline.declared",
        obj=row,
        summary=f"Baseline {row.year} {row.boundary} {row.source_category.value}: "
        f"{row.co2e_kg} kg CO2e ({row.source})",
        changes=changes,
    )
    return row


def delete_declared_baseline(*, actor: User | None, row: DeclaredBaseline) -> None:
    """Remove a declared baseline figure."""
    require_editor(actor)
    before = audit.snapshot(row, BASELINE_FIELDS)
    db.session.delete(row)
    db.session.flush()
    audit.record(
        actor=actor,
        action="inventory.baseline.deleted",
        obj=row,
        summary=f"Baseline {row.year} {row.boundary} {row.source_category.value} removed",
        changes=audit.diff(before, {}),
    )


def declared_baselines() -> list[DeclaredBaseline]:
    """Declared baseline figures by year, boundary and source."""
    return list(
        db.session.scalars(
            sa.select(DeclaredBaseline).order_by(
                DeclaredBaseline.year, DeclaredBaseline.boundary, DeclaredBaseline.source_category
            )
        )
    )


def _target_values(
    target_id: int | None,
    *,
    name: str | None,
    boundary: str | None,
    source_category: str | None,
    per_capita: bool,
    baseline_year: int | None,
    target_year: int | None,
    reduction_pct: int | None,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, Target.NAME_MAX_LEN)
    if name.lower() == "main" or db.session.scalar(
        sa.select(Target.id).where(
            sa.func.lower(Target.name) == name.lower(), Target.id != (target_id or 0)
        )
    ):
        errors["name"] = _("Another target has this name.")
    first = check_year(errors, "baseline_year", baseline_year)
    last = check_year(errors, "target_year", target_year)
    values = {
        "name": name,
        "boundary": _check_boundary(errors, boundary),
        "source_category": _check_source(errors, source_category, required=False),
        "per_capita": bool(per_capita),
        "baseline_year": first,
        "target_year": last,
        "reduction_pct": reduction_pct,
    }
    if first and last and first >= last:
        errors["target_year"] = _("The target year comes after the baseline year.")
    if reduction_pct is None or not 0 < reduction_pct <= 100:
        errors["reduction_pct"] = _("Enter a reduction of 1 to 100 percent.")
    if values["source_category"] is None and not values["per_capita"]:
        errors["source_category"] = _(
            "The organisation's absolute target is in its settings; choose a source, or make "
            "the target per capita."
        )
    if errors:
        raise ValidationFailed(errors)
    return values


def create_target(*, actor: User | None, **data: Any) -> Target:
    """Add a per-capita or per-source target; at most MAX_TARGETS of them."""
    require_editor(actor)
    values = _target_values(None, **data)
    if (db.session.scalar(sa.select(sa.func.count(Target.id))) or 0) >= MAX_TARGETS:
        raise ValidationFailed(
            {
                "": _(
                    "An organisation keeps at most %(n)d targets besides its own; remove one "
                    "it no longer needs first.",
                    n=MAX_TARGETS,
                )
            }
        )
    target = Target(**values)
    db.session.add(target)
    db.session.flush()
    audit.record(
        actor=actor,
        action="inventory.target.created",
        obj=target,
        summary=f"Target {target.name}: −{target.reduction_pct} % by {target.target_year}",
        changes=audit.diff({}, audit.snapshot(target, TARGET_FIELDS)),
    )
    return target


def update_target(
    *, actor: User | None, target: Target, expected_version: int | None = None, **data: Any
) -> Target:
    """Change a target."""
    require_editor(actor)
    check_version(target.version_id, expected_version)
    changes = audit.apply_changes(target, _target_values(target.id, **data))
    db.session.flush()
    audit.record(
        actor=actor,
        action="inventory.target.updated",
        obj=target,
        summary=f"Target {target.name} changed",
        changes=changes,
    )
    return target


def delete_target(*, actor: User | None, target: Target) -> None:
    """Remove a target."""
    require_editor(actor)
    before = audit.snapshot(target, TARGET_FIELDS)
    db.session.delete(target)
    db.session.flush()
    audit.record(
        actor=actor,
        action="inventory.target.deleted",
        obj=target,
        summary=f"Target {target.name} removed",
        changes=audit.diff(before, {}),
    )
