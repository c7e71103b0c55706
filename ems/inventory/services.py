"""The annual inventory: the current ledger lines of a year, summed by SQL, in two boundaries.

Two figures exist for some sources and are never added together: air travel with and without
radiative forcing, and Scope 2 electricity location- and market-based. The totals use the
organisation's headline basis — as the UN inventory counts: air without RF, Scope 2
market-based (which equals location-based where no instrument exists) — and the other figure
stands beside them, labelled.

Boundaries: "full" is everything recorded; "gtb" (Greening the Blue) is scopes 1 and 2 and
scope 3 business travel (category 6) except hotel nights, which the UN inventory does not list.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from ems.extensions import db
from ems.ledger.models import Basis, EmissionLine, SourceCategory
from ems.org.models import Department, Headcount, Site

SCOPE3_BUSINESS_TRAVEL = 6
#: the figure of a two-figure source that totals count
HEADLINE_BASES = frozenset({Basis.without_rf, Basis.market})
GRAMS_PER_KG = 1000


class Boundary(enum.StrEnum):
    """Which emissions a total covers."""

    gtb = "gtb"
    full = "full"


BOUNDARY_LABELS = {
    Boundary.gtb: "Greening the Blue (scopes 1 and 2, business travel)",
    Boundary.full: "Full (everything recorded)",
}


def in_boundary(
    boundary: Boundary, scope: int, scope3_category: int | None, source: SourceCategory
) -> bool:
    """Whether lines of this scope, category and source count in ``boundary``."""
    if boundary is Boundary.full or scope in (1, 2):
        return True
    return scope3_category == SCOPE3_BUSINESS_TRAVEL and source is not SourceCategory.hotels


@dataclass(frozen=True)
class Group:
    """The current lines of a year sharing scope, category, source, basis, site and department."""

    scope: int
    scope3_category: int | None
    source: SourceCategory
    basis: Basis | None
    site_id: int | None
    department_id: int | None
    co2e_g: int
    lines: int


def year_groups(year: int) -> list[Group]:
    """The year's current lines summed by every dimension the inventory shows (one query)."""
    columns = (
        EmissionLine.scope,
        EmissionLine.scope3_category,
        EmissionLine.source_category,
        EmissionLine.basis,
        EmissionLine.site_id,
        EmissionLine.department_id,
    )
    stmt = (
        sa.select(*columns, sa.func.sum(EmissionLine.co2e_g), sa.func.count())
        .where(EmissionLine.year == year, EmissionLine.superseded_at.is_(None))
        .group_by(*columns)
    )
    return [
        Group(
            scope,
            category,
            SourceCategory(source),
            Basis(basis) if basis else None,
            site,
            dept,
            int(g),
            n,
        )
        for scope, category, source, basis, site, dept, g, n in db.session.execute(stmt)
    ]


def _kg(grams: int) -> float:
    return float((Decimal(grams) / GRAMS_PER_KG).quantize(Decimal("0.001"), ROUND_HALF_UP))


@dataclass
class Inventory:
    """A year's emissions in one boundary, in grams, with its breakdowns."""

    year: int
    boundary: Boundary
    total_g: int = 0
    lines: int = 0
    by_scope: dict[int, int] = field(default_factory=dict)
    #: scope 3 by GHG Protocol category
    by_scope3_category: dict[int, int] = field(default_factory=dict)
    by_source: dict[SourceCategory, int] = field(default_factory=dict)
    by_site: dict[int | None, int] = field(default_factory=dict)
    by_department: dict[int | None, int] = field(default_factory=dict)
    #: the two figures of the two-figure sources, never added together
    air_with_rf_g: int = 0
    air_without_rf_g: int = 0
    scope2_location_g: int = 0
    scope2_market_g: int = 0
    headcount: int | None = None

    @property
    def per_capita_g(self) -> int | None:
        """Grams per person of the year's headcount; None without a headcount."""
        return round(self.total_g / self.headcount) if self.headcount else None

    def as_json(self) -> dict[str, Any]:
        """Every figure in kg, with site and department names, for `ems inventory --json`."""
        sites = dict(db.session.execute(sa.select(Site.id, Site.name)).all())
        departments = dict(db.session.execute(sa.select(Department.id, Department.name)).all())
        per_capita = self.per_capita_g
        return {
            "year": self.year,
            "boundary": self.boundary.value,
            "boundary_label": BOUNDARY_LABELS[self.boundary],
            "headline_basis": "air without RF; scope 2 market-based",
            "total_co2e_kg": _kg(self.total_g),
            "lines": self.lines,
            "headcount": self.headcount,
            "per_capita_co2e_kg": _kg(per_capita) if per_capita is not None else None,
            "by_scope": {str(scope): _kg(g) for scope, g in sorted(self.by_scope.items())},
            "by_scope3_category": {
                str(category): _kg(g) for category, g in sorted(self.by_scope3_category.items())
            },
            "by_source": {source.value: _kg(g) for source, g in sorted(self.by_source.items())},
            "by_site": {
                (sites.get(site_id, str(site_id)) if site_id else "(none)"): _kg(g)
                for site_id, g in sorted(self.by_site.items(), key=lambda item: -item[1])
            },
            "by_department": {
                (departments.get(dept, str(dept)) if dept else "(none)"): _kg(g)
                for dept, g in sorted(self.by_department.items(), key=lambda item: -item[1])
            },
            "air_travel_with_rf_co2e_kg": _kg(self.air_with_rf_g),
            "air_travel_without_rf_co2e_kg": _kg(self.air_without_rf_g),
            "scope2_location_based_co2e_kg": _kg(self.scope2_location_g),
            "scope2_market_based_co2e_kg": _kg(self.scope2_market_g),
        }


def _add(totals: dict[Any, int], key: Any, grams: int) -> None:
    totals[key] = totals.get(key, 0) + grams


def inventories(year: int) -> dict[Boundary, Inventory]:
    """The year's inventory in both boundaries, from one aggregate query."""
    headcount = db.session.scalar(sa.select(Headcount.headcount).where(Headcount.year == year))
    result = {b: Inventory(year=year, boundary=b, headcount=headcount) for b in Boundary}
    for group in year_groups(year):
        for boundary, inventory in result.items():
            if not in_boundary(boundary, group.scope, group.scope3_category, group.source):
                continue
            if group.basis is Basis.with_rf:
                inventory.air_with_rf_g += group.co2e_g
                continue
            if group.basis is Basis.location:
                inventory.scope2_location_g += group.co2e_g
                continue
            if group.basis is Basis.without_rf:
                inventory.air_without_rf_g += group.co2e_g
            elif group.basis is Basis.market:
                inventory.scope2_market_g += group.co2e_g
            inventory.total_g += group.co2e_g
            inventory.lines += group.lines
            _add(inventory.by_scope, group.scope, group.co2e_g)
            if group.scope3_category is not None:
                _add(inventory.by_scope3_category, group.scope3_category, group.co2e_g)
            _add(inventory.by_source, group.source, group.co2e_g)
            _add(inventory.by_site, group.site_id, group.co2e_g)
            _add(inventory.by_department, group.department_id, group.co2e_g)
    return result


def inventory(year: int, boundary: Boundary = Boundary.gtb) -> Inventory:
    """The year's inventory in ``boundary``."""
    return inventories(year)[boundary]


def totals_by_year(boundary: Boundary) -> dict[int, int]:
    """Grams per year in ``boundary`` (headline basis), every year with current lines."""
    stmt = (
        sa.select(
            EmissionLine.year,
            EmissionLine.scope,
            EmissionLine.scope3_category,
            EmissionLine.source_category,
            sa.func.sum(EmissionLine.co2e_g),
        )
        .where(
            EmissionLine.superseded_at.is_(None),
            sa.or_(EmissionLine.basis.is_(None), EmissionLine.basis.in_(HEADLINE_BASES)),
        )
        .group_by(
            EmissionLine.year,
            EmissionLine.scope,
            EmissionLine.scope3_category,
            EmissionLine.source_category,
        )
    )
    totals: dict[int, int] = defaultdict(int)
    for year, scope, category, source, grams in db.session.execute(stmt):
        if in_boundary(boundary, scope, category, SourceCategory(source)):
            totals[year] += int(grams)
    return dict(sorted(totals.items()))
