"""The annual inventory: the current ledger lines of a year, summed by SQL, in two boundaries.

Two figures exist for some sources and are never added together: air travel with and without
radiative forcing, and Scope 2 electricity location- and market-based. The totals use the
organisation's headline basis — as the UN inventory counts: air without RF, Scope 2
market-based (which equals location-based where no instrument exists) — and the other figure
stands beside them, labelled.

Boundaries: "full" is everything recorded; "gtb" (Greening the Blue) is scopes 1 and 2 and
scope 3 business travel (category 6) except hotel nights, which the UN inventory does not list.

Baselines, targets and their trajectories, and reported and restated years, are judged on these
totals in ems.targets (which reads this module; this module never reads it).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from ems import labels
from ems.energy.models import EnergyRecord, WasteRecord, WaterRecord
from ems.energy.services.records import MARKET_GRID_AVERAGE
from ems.extensions import db
from ems.factors.models import EmissionFactor
from ems.inventory import years
from ems.ledger import versions
from ems.ledger.models import HEADLINE_BASES, Basis, EmissionLine, SourceCategory
from ems.org.models import Department, Headcount, Site
from ems.travel.calculation import CabinClass
from ems.travel.models import FlightLeg, PaidBy, Trip
from ems.units import GRAMS_PER_KG

SCOPE3_BUSINESS_TRAVEL = 6


class Boundary(enum.StrEnum):
    """Which emissions a total covers."""

    gtb = "gtb"
    full = "full"


#: the labels of ems.labels, by enum member (the texts live there)
BOUNDARY_LABELS = labels.enum_labels(Boundary, "boundary")
SOURCE_LABELS = labels.enum_labels(SourceCategory, "source")


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
    """The year's current lines summed by every dimension the inventory shows (one query,
    once per version of the year's lines)."""
    return list(versions.kept(("year_groups", year), [year], lambda: _year_groups(year)))


def _year_groups(year: int) -> list[Group]:
    columns = (  # in the order of the index ix_emission_lines_current
        EmissionLine.source_category,
        EmissionLine.basis,
        EmissionLine.scope,
        EmissionLine.scope3_category,
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
        # on the connection: plain rows, without the ORM's result machinery (a year can have
        # thousands of groups)
        for source, basis, scope, category, site, dept, g, n in db.session.connection().execute(
            stmt
        )
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
    #: the two figures of the two-figure sources, never added together (Scope 2 both ways
    #: includes district heat and cooling, which has one figure)
    air_with_rf_g: int = 0
    air_without_rf_g: int = 0
    scope2_location_g: int = 0
    scope2_market_g: int = 0
    #: air travel by ICAO's calculator, of the legs that have an ICAO figure (never counted)
    air_icao_g: int = 0
    #: gases outside the scopes (R-22 and other Montreal Protocol gases): reported apart
    outside_scopes_g: int = 0
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
            "boundary_label": str(BOUNDARY_LABELS[self.boundary]),
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
            "air_travel_icao_co2_kg": _kg(self.air_icao_g),
            "outside_scopes_co2e_kg": _kg(self.outside_scopes_g),
        }


def _add(totals: dict[Any, int], key: Any, grams: int) -> None:
    totals[key] = totals.get(key, 0) + grams


def inventories(year: int) -> dict[Boundary, Inventory]:
    """The year's inventory in both boundaries, from one aggregate query, summed once per
    version of the year's lines; with the year's headcount as it is now. The breakdowns are
    shared: callers must not change them."""
    headcount = db.session.scalar(sa.select(Headcount.headcount).where(Headcount.year == year))
    summed = versions.kept(("inventories", year), [year], lambda: _inventories(year))
    return {b: replace(inventory, headcount=headcount) for b, inventory in summed.items()}


def _inventories(year: int) -> dict[Boundary, Inventory]:
    result = {b: Inventory(year=year, boundary=b) for b in Boundary}
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
            if group.basis is Basis.icao:
                inventory.air_icao_g += group.co2e_g
                continue
            if group.basis is Basis.outside:
                inventory.outside_scopes_g += group.co2e_g
                continue
            if group.basis is Basis.without_rf:
                inventory.air_without_rf_g += group.co2e_g
            elif group.basis is Basis.market:
                inventory.scope2_market_g += group.co2e_g
            elif group.scope == 2:  # heat and cooling: one figure, in both Scope 2 totals
                inventory.scope2_market_g += group.co2e_g
                inventory.scope2_location_g += group.co2e_g
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


#: where a headline figure falls: (year, scope, scope 3 category, source)
HeadlineCell = tuple[int, int, int | None, SourceCategory]


def headline_cells(source: SourceCategory | None = None) -> dict[HeadlineCell, int]:
    """Grams of the current lines (headline basis) by year, scope, scope 3 category and source,
    of every source or of ``source``: one query (once per version of the ledger), from which
    every boundary's series derives."""
    return dict(versions.kept(("headline_cells", source), None, lambda: _headline_cells(source)))


def _headline_cells(source: SourceCategory | None) -> dict[HeadlineCell, int]:
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
    if source is not None:
        stmt = stmt.where(EmissionLine.source_category == source)
    return {
        (year, scope, category, SourceCategory(line_source)): int(grams)
        for year, scope, category, line_source, grams in db.session.execute(stmt)
    }


def boundary_series(
    cells: dict[HeadlineCell, int], boundary: Boundary, source: SourceCategory | None = None
) -> dict[int, int]:
    """Grams per year in ``boundary`` of ``cells``, of every source or of ``source``."""
    totals: dict[int, int] = defaultdict(int)
    for (year, scope, category, line_source), grams in cells.items():
        if (source is None or line_source is source) and in_boundary(
            boundary, scope, category, line_source
        ):
            totals[year] += grams
    return dict(sorted(totals.items()))


def totals_by_year(boundary: Boundary, source: SourceCategory | None = None) -> dict[int, int]:
    """Grams per year in ``boundary`` (headline basis), of every source or of ``source``,
    every year with current lines."""
    return boundary_series(headline_cells(source), boundary, source)


def headcounts() -> dict[int, int]:
    """Headcount by year."""
    return dict(db.session.execute(sa.select(Headcount.year, Headcount.headcount)).all())


# --- year-on-year change explained ------------------------------------------------------------


@dataclass
class SourceChange:
    """How one source moved from one year to the next, in grams: the change split into
    activity (more or less of it), mix (what kind: longer hauls, more business class, other
    fuels, new kinds) and factor (other factor values for the same activity, e.g. a new edition).
    The three parts sum to the change exactly."""

    source: SourceCategory
    before_g: int = 0
    after_g: int = 0
    activity_g: int = 0
    factor_g: int = 0

    @property
    def change_g(self) -> int:
        """The change of the source's total."""
        return self.after_g - self.before_g

    @property
    def mix_g(self) -> int:
        """The part that is neither activity nor factor: the shift between kinds of activity."""
        return self.change_g - self.activity_g - self.factor_g


def _cells(
    boundary: Boundary, years: tuple[int, int]
) -> dict[tuple[int, SourceCategory, str, str], tuple[Decimal, int]]:
    """(year, source, unit, factor key) → (quantity, grams) of the current headline lines
    (computed once per version of the two years' lines)."""
    return dict(
        versions.kept(("change_cells", boundary, years), years, lambda: _cells_of(boundary, years))
    )


def _cells_of(
    boundary: Boundary, years: tuple[int, int]
) -> dict[tuple[int, SourceCategory, str, str], tuple[Decimal, int]]:
    stmt = (
        sa.select(
            EmissionLine.year,
            EmissionLine.scope,
            EmissionLine.scope3_category,
            EmissionLine.source_category,
            EmissionLine.quantity_unit,
            EmissionLine.factor_id,
            sa.func.sum(sa.cast(EmissionLine.quantity, sa.Numeric)),
            sa.func.sum(EmissionLine.co2e_g),
        )
        .where(
            EmissionLine.year.in_(years),
            EmissionLine.superseded_at.is_(None),
            sa.or_(EmissionLine.basis.is_(None), EmissionLine.basis.in_(HEADLINE_BASES)),
        )
        .group_by(  # by factor id, not key: no join per line; ids are mapped to keys below
            EmissionLine.year,
            EmissionLine.scope,
            EmissionLine.scope3_category,
            EmissionLine.source_category,
            EmissionLine.quantity_unit,
            EmissionLine.factor_id,
        )
    )
    rows = db.session.execute(stmt).all()
    keys = dict(
        db.session.execute(
            sa.select(EmissionFactor.id, EmissionFactor.key).where(
                EmissionFactor.id.in_({row[5] for row in rows})
            )
        ).all()
    )
    cells: dict[tuple[int, SourceCategory, str, str], tuple[Decimal, int]] = {}
    for year, scope, category, source, unit, factor_id, quantity, grams in rows:
        source = SourceCategory(source)
        if not in_boundary(boundary, scope, category, source):
            continue
        cell = (year, source, unit, keys[factor_id])
        before_quantity, before_grams = cells.get(cell, (Decimal(0), 0))
        cells[cell] = (before_quantity + Decimal(str(quantity or 0)), before_grams + int(grams))
    return cells


def change_explained(year: int, boundary: Boundary = Boundary.gtb) -> list[SourceChange]:
    """Each source's change from ``year`` − 1 to ``year``, split into activity, mix and factor.

    Activity: the change of the source's quantity (per unit it is measured in) at the earlier
    year's average intensity. Factor: for each kind of activity (factor key) done in both years,
    this year's quantity times the change of its factor. Mix: the rest.
    """
    cells = _cells(boundary, (year - 1, year))
    totals: dict[tuple[int, SourceCategory, str], tuple[Decimal, int]] = {}
    for (cell_year, source, unit, _key), (quantity, grams) in cells.items():
        q, g = totals.get((cell_year, source, unit), (Decimal(0), 0))
        totals[(cell_year, source, unit)] = (q + quantity, g + grams)
    changes: dict[SourceCategory, SourceChange] = {}
    for (cell_year, source, _unit), (_q, grams) in totals.items():
        change = changes.setdefault(source, SourceChange(source=source))
        if cell_year == year:
            change.after_g += grams
        else:
            change.before_g += grams
    for source, unit in {(s, u) for (_y, s, u) in totals}:
        q0, g0 = totals.get((year - 1, source, unit), (Decimal(0), 0))
        q1, g1 = totals.get((year, source, unit), (Decimal(0), 0))
        if q0 > 0:
            changes[source].activity_g += round((q1 - q0) * Decimal(g0) / q0)
        else:  # a new way of measuring the source: all of it is new activity
            changes[source].activity_g += g1 - g0
    for (cell_year, source, unit, key), (q1, g1) in cells.items():
        if cell_year != year or (year - 1, source, unit, key) not in cells:
            continue
        q0, g0 = cells[(year - 1, source, unit, key)]
        if q0 > 0 and q1 > 0:
            changes[source].factor_g += round(q1 * (Decimal(g1) / q1 - Decimal(g0) / q0))
    return sorted(changes.values(), key=lambda change: -abs(change.change_g))


# --- data coverage and quality ----------------------------------------------------------------


@dataclass
class DataQuality:
    """What to check in a year's data before trusting its figures."""

    year: int
    #: lines computed with the nearest edition of a factor because the year's had none:
    #: source → (lines, grams)
    fallback_by_source: dict[SourceCategory, tuple[int, int]] = field(default_factory=dict)
    #: organisation-paid flights of the year, and those booked in an unknown cabin class
    flights: int = 0
    flights_unknown_cabin: int = 0
    #: site name → months (1–12) of the year that no energy record covers
    months_without_energy: dict[str, list[int]] = field(default_factory=dict)
    #: energy records of the year whose quantity is an estimate
    estimated_energy_records: int = 0
    #: waste and water records of the year whose quantities are estimates (bins counted, a
    #: meter not read)
    estimated_waste_water_records: int = 0
    #: market-based Scope 2 on the grid average because no residual mix was imported: kWh
    #: and grams CO2e (a gap: the grid average counts the renewables others bought again)
    market_grid_average_kwh: Decimal = Decimal(0)
    market_grid_average_g: int = 0

    @property
    def issues(self) -> int:
        """How many things the working group should look at."""
        return (
            len(self.fallback_by_source)
            + (1 if self.flights_unknown_cabin else 0)
            + len(self.months_without_energy)
            + (1 if self.estimated_energy_records else 0)
            + (1 if self.estimated_waste_water_records else 0)
            + (1 if self.market_grid_average_kwh else 0)
        )


def _recorded_quality(year: int) -> DataQuality:
    """The figures of `data_quality` that the year's records give (all but the months without
    energy data, which also depend on the sites)."""
    quality = DataQuality(year=year)
    quality.fallback_by_source = {
        SourceCategory(source): (int(lines), int(grams))
        for source, lines, grams in db.session.execute(
            sa.select(
                EmissionLine.source_category, sa.func.count(), sa.func.sum(EmissionLine.co2e_g)
            )
            .where(
                EmissionLine.year == year,
                EmissionLine.superseded_at.is_(None),
                EmissionLine.is_fallback.is_(True),
                sa.or_(EmissionLine.basis.is_(None), EmissionLine.basis.in_(HEADLINE_BASES)),
            )
            .group_by(EmissionLine.source_category)
        )
    }
    legs = db.session.execute(
        sa.select(FlightLeg.cabin_class, sa.func.count())
        .join(Trip)
        .where(
            Trip.paid_by == PaidBy.organisation,
            FlightLeg.departure_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
        .group_by(FlightLeg.cabin_class)
    )
    for cabin, count in legs:
        quality.flights += count
        if cabin == CabinClass.unknown:
            quality.flights_unknown_cabin += count
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    quality.estimated_energy_records, quality.estimated_waste_water_records = (
        sum(
            db.session.scalar(
                sa.select(sa.func.count(model.id)).where(
                    model.period_start <= last,
                    model.period_end >= first,
                    model.is_estimate.is_(True),
                )
            )
            or 0
            for model in models
        )
        for models in ((EnergyRecord,), (WasteRecord, WaterRecord))
    )
    for quantity, grams in db.session.execute(
        sa.select(EmissionLine.quantity, EmissionLine.co2e_g).where(
            # source and basis first: the current-lines index finds the year's market-based
            # electricity without reading its flights
            EmissionLine.year == year,
            EmissionLine.source_category == SourceCategory.electricity,
            EmissionLine.basis == Basis.market,
            EmissionLine.superseded_at.is_(None),
            EmissionLine.method == MARKET_GRID_AVERAGE,
        )
    ):
        quality.market_grid_average_kwh += quantity
        quality.market_grid_average_g += grams
    return quality


def data_quality(year: int) -> DataQuality:
    """Fallback factors, unknown cabin classes, estimated energy quantities, market-based
    electricity on the grid average (no residual mix) and months without energy data of
    ``year`` (what its records give computed once per version of the year: a
    change of a record is a change of its years, see ems.ledger.services.check_open_years)."""
    recorded = versions.kept(("recorded_quality", year), [year], lambda: _recorded_quality(year))
    return replace(
        recorded,
        fallback_by_source=dict(recorded.fallback_by_source),
        months_without_energy=years.months_without_energy(year),
    )
