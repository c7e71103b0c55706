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

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems import labels, numbers
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.energy.models import EnergyRecord
from ems.errors import PermissionDenied, ValidationFailed, check_version
from ems.extensions import db
from ems.factors.models import EmissionFactor
from ems.inventory import years
from ems.inventory.models import DeclaredBaseline, ReportedTotal, Target
from ems.ledger.models import HEADLINE_BASES, Basis, EmissionLine, SourceCategory
from ems.org.models import Department, Headcount, Site
from ems.org.services import get_organisation
from ems.travel.calculation import CabinClass
from ems.travel.models import FlightLeg, PaidBy, Trip
from ems.validation import check_decimal, check_text, check_year

SCOPE3_BUSINESS_TRAVEL = 6
GRAMS_PER_KG = 1000


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
    """The year's current lines summed by every dimension the inventory shows (one query)."""
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
        for source, basis, scope, category, site, dept, g, n in db.session.execute(stmt)
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
        }


def _add(totals: dict[Any, int], key: Any, grams: int) -> None:
    totals[key] = totals.get(key, 0) + grams


def inventories(year: int, groups: list[Group] | None = None) -> dict[Boundary, Inventory]:
    """The year's inventory in both boundaries, from one aggregate query (``groups``: the
    year's groups, when the caller has them already)."""
    headcount = db.session.scalar(sa.select(Headcount.headcount).where(Headcount.year == year))
    result = {b: Inventory(year=year, boundary=b, headcount=headcount) for b in Boundary}
    for group in year_groups(year) if groups is None else groups:
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


def totals_by_year(boundary: Boundary, source: SourceCategory | None = None) -> dict[int, int]:
    """Grams per year in ``boundary`` (headline basis), of every source or of ``source``,
    every year with current lines."""
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
    totals: dict[int, int] = defaultdict(int)
    for year, scope, category, line_source, grams in db.session.execute(stmt):
        if in_boundary(boundary, scope, category, SourceCategory(line_source)):
            totals[year] += int(grams)
    return dict(sorted(totals.items()))


class OrganisationTotals:
    """The organisation's headline totals by year, read once (one query) and shared by every
    target, proposal and effectiveness figure of a request, so that a page costs the same with
    one target or hundreds: each boundary's (or source's) series derives from them. The
    headcounts are read with them (one more query); the declared baselines and the judged years
    on first use, once."""

    def __init__(self) -> None:
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
        #: (year, scope, scope 3 category, source) → grams
        self.cells: dict[tuple[int, int, int | None, SourceCategory], int] = {
            (year, scope, category, SourceCategory(source)): int(grams)
            for year, scope, category, source, grams in db.session.execute(stmt)
        }
        #: headcount by year (per-capita figures)
        self.headcounts = headcounts()
        self._series: dict[tuple[Boundary, SourceCategory | None], dict[int, int]] = {}

    def by_year(self, boundary: Boundary, source: SourceCategory | None = None) -> dict[int, int]:
        """Grams per year in ``boundary``, of every source or of ``source`` (as
        `totals_by_year` reads them)."""
        key = (boundary, source)
        if key not in self._series:
            totals: dict[int, int] = defaultdict(int)
            for (year, scope, category, line_source), grams in self.cells.items():
                if (source is None or line_source is source) and in_boundary(
                    boundary, scope, category, line_source
                ):
                    totals[year] += grams
            self._series[key] = dict(sorted(totals.items()))
        return dict(self._series[key])

    @cached_property
    def declared(self) -> list[DeclaredBaseline]:
        """Every declared baseline figure."""
        return list(db.session.scalars(sa.select(DeclaredBaseline)))

    @cached_property
    def judged(self) -> set[int]:
        """The years with figures that targets judge (see ems.inventory.years)."""
        return years.judged_years({year for year, _s, _c, _src in self.cells})


# --- baseline, targets and trajectory ---------------------------------------------------------


@dataclass(frozen=True)
class TargetSpec:
    """What a target asks: a reduction of a boundary's (or one source's) emissions, absolute or
    per capita, from a baseline year to a target year."""

    name: str
    boundary: Boundary
    baseline_year: int
    target_year: int
    reduction_pct: int
    source: SourceCategory | None = None
    per_capita: bool = False


def main_target() -> TargetSpec:
    """The organisation's target (settings): absolute, Greening-the-Blue boundary."""
    organisation = get_organisation()
    return TargetSpec(
        name="main",
        boundary=Boundary.gtb,
        baseline_year=organisation.baseline_year,
        target_year=organisation.target_year,
        reduction_pct=organisation.target_reduction_pct,
    )


def targets() -> list[TargetSpec]:
    """The main target, then the others (per capita, per source) by name."""
    others = [
        TargetSpec(
            name=target.name,
            boundary=Boundary(target.boundary),
            baseline_year=target.baseline_year,
            target_year=target.target_year,
            reduction_pct=target.reduction_pct,
            source=target.source_category,
            per_capita=target.per_capita,
        )
        for target in db.session.scalars(sa.select(Target).order_by(Target.name))
    ]
    return [main_target(), *others]


@dataclass(frozen=True)
class Baseline:
    """The baseline figure of a target, in grams (per person for per-capita targets)."""

    year: int
    value_g: int
    #: "declared" (figures entered from an earlier inventory) or "computed" (from the ledger)
    origin: str
    sources: str = ""


def headcounts() -> dict[int, int]:
    """Headcount by year."""
    return dict(db.session.execute(sa.select(Headcount.year, Headcount.headcount)).all())


def baseline(
    spec: TargetSpec,
    series: dict[int, int] | None = None,
    totals: OrganisationTotals | None = None,
) -> Baseline | None:
    """The target's baseline: declared figures where there are any for its year and boundary
    (and source), else the ledger's total of that year; None if neither exists (or, per capita,
    without the baseline year's headcount). ``totals``: the organisation's totals, when the
    caller has them already (nothing more is read then)."""
    if totals is not None:
        declared = [
            row
            for row in totals.declared
            if row.year == spec.baseline_year
            and row.boundary == spec.boundary.value
            and (spec.source is None or row.source_category is spec.source)
        ]
    else:
        stmt = sa.select(DeclaredBaseline).where(
            DeclaredBaseline.year == spec.baseline_year,
            DeclaredBaseline.boundary == spec.boundary.value,
        )
        if spec.source is not None:
            stmt = stmt.where(DeclaredBaseline.source_category == spec.source)
        declared = list(db.session.scalars(stmt))
    if declared:
        grams = int(sum(row.co2e_kg for row in declared) * GRAMS_PER_KG)
        origin, sources = "declared", "; ".join(sorted({row.source for row in declared}))
    else:
        if series is None:
            series = (
                totals.by_year(spec.boundary, spec.source)
                if totals is not None
                else totals_by_year(spec.boundary, spec.source)
            )
        grams_now = series.get(spec.baseline_year)
        if grams_now is None:
            return None
        grams, origin, sources = grams_now, "computed", ""
    if spec.per_capita:
        headcount = (totals.headcounts if totals is not None else headcounts()).get(
            spec.baseline_year
        )
        if not headcount:
            return None
        grams = round(grams / headcount)
    return Baseline(year=spec.baseline_year, value_g=grams, origin=origin, sources=sources)


@dataclass(frozen=True)
class TrajectoryYear:
    """One year of a target's path: where the straight line is, and where the actual is."""

    year: int
    trajectory_g: int
    actual_g: int | None
    #: at or below the trajectory; None without an actual
    on_track: bool | None
    #: sums from the year after the baseline to this one, over the years with an actual
    cumulative_actual_g: int
    cumulative_trajectory_g: int


@dataclass(frozen=True)
class Trajectory:
    """A target's straight line from its baseline to its target value, and the actuals."""

    spec: TargetSpec
    baseline: Baseline
    target_g: int
    years: list[TrajectoryYear]
    #: the newest year with an actual after the baseline year, and what it now takes to get
    #: from it to the target: the same cut each year (g a year) or the same share (% a year)
    latest_year: int | None
    required_reduction_g_per_year: int | None
    required_reduction_pct_per_year: float | None


def build_trajectory(
    spec: TargetSpec,
    base: Baseline,
    actuals: dict[int, int],
    judged: set[int] | None = None,
) -> Trajectory:
    """The straight line from ``base`` to (1 − reduction) × base at the target year, compared
    with ``actuals`` (grams, or grams per person, by year). Only ``judged`` years (default:
    all) are said to be on or off track, and the cut now needed runs from the newest of them;
    the others are in progress."""
    span = spec.target_year - spec.baseline_year
    target_g = round(base.value_g * (100 - spec.reduction_pct) / 100)
    years = []
    cumulative_actual = cumulative_trajectory = 0
    for year in range(spec.baseline_year, spec.target_year + 1):
        on_line = round(
            base.value_g + (target_g - base.value_g) * (year - spec.baseline_year) / span
        )
        actual = actuals.get(year)
        if actual is not None and year > spec.baseline_year:
            cumulative_actual += actual
            cumulative_trajectory += on_line
        years.append(
            TrajectoryYear(
                year=year,
                trajectory_g=on_line,
                actual_g=actual,
                on_track=None
                if actual is None or (judged is not None and year not in judged)
                else actual <= on_line,
                cumulative_actual_g=cumulative_actual,
                cumulative_trajectory_g=cumulative_trajectory,
            )
        )
    measured = [
        y
        for y in actuals
        if spec.baseline_year < y <= spec.target_year and (judged is None or y in judged)
    ]
    latest = max(measured) if measured else None
    per_year_g: int | None = None
    per_year_pct: float | None = None
    if latest is not None and latest < spec.target_year:
        remaining = spec.target_year - latest
        now = actuals[latest]
        per_year_g = max(round((now - target_g) / remaining), 0)
        if now > 0:
            per_year_pct = max((1 - (target_g / now) ** (1 / remaining)) * 100, 0.0)
    return Trajectory(
        spec=spec,
        baseline=base,
        target_g=target_g,
        years=years,
        latest_year=latest,
        required_reduction_g_per_year=per_year_g,
        required_reduction_pct_per_year=per_year_pct,
    )


def trajectory(
    spec: TargetSpec,
    series: dict[int, int] | None = None,
    *,
    totals: OrganisationTotals | None = None,
) -> Trajectory | None:
    """The target's trajectory with the ledger's actuals (``series``: the boundary's totals by
    year, or ``totals``: the organisation's, when the caller has them already); None without a
    baseline."""
    if series is None:
        series = (
            totals.by_year(spec.boundary, spec.source)
            if totals is not None
            else totals_by_year(spec.boundary, spec.source)
        )
    base = baseline(spec, series, totals)
    if base is None:
        return None
    if spec.per_capita:
        people = totals.headcounts if totals is not None else headcounts()
        series = {
            year: round(grams / people[year]) for year, grams in series.items() if people.get(year)
        }
    judged = totals.judged & set(series) if totals is not None else years.judged_years(series)
    return build_trajectory(spec, base, series, judged)


def trajectories(
    totals: OrganisationTotals | None = None,
) -> list[tuple[TargetSpec, Trajectory | None]]:
    """Every target (see `targets`) with its trajectory, all from the organisation's totals read
    once: the same few queries for one target or MAX_TARGETS."""
    totals = totals if totals is not None else OrganisationTotals()
    return [(spec, trajectory(spec, totals=totals)) for spec in targets()]


# --- declaring baselines and targets ----------------------------------------------------------

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
    """(year, source, unit, factor key) → (quantity, grams) of the current headline lines."""
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

    @property
    def issues(self) -> int:
        """How many things the working group should look at."""
        return (
            len(self.fallback_by_source)
            + (1 if self.flights_unknown_cabin else 0)
            + len(self.months_without_energy)
            + (1 if self.estimated_energy_records else 0)
        )


def data_quality(year: int) -> DataQuality:
    """Fallback factors, unknown cabin classes, estimated energy quantities and months without
    energy data of ``year``."""
    quality = DataQuality(year=year)
    fallbacks = db.session.execute(
        sa.select(EmissionLine.source_category, sa.func.count(), sa.func.sum(EmissionLine.co2e_g))
        .where(
            EmissionLine.year == year,
            EmissionLine.superseded_at.is_(None),
            EmissionLine.is_fallback.is_(True),
            sa.or_(EmissionLine.basis.is_(None), EmissionLine.basis.in_(HEADLINE_BASES)),
        )
        .group_by(EmissionLine.source_category)
    )
    quality.fallback_by_source = {
        SourceCategory(source): (int(lines), int(grams)) for source, lines, grams in fallbacks
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
    quality.estimated_energy_records = (
        db.session.scalar(
            sa.select(sa.func.count(EnergyRecord.id)).where(
                EnergyRecord.period_start <= dt.date(year, 12, 31),
                EnergyRecord.period_end >= dt.date(year, 1, 1),
                EnergyRecord.is_estimate.is_(True),
            )
        )
        or 0
    )
    quality.months_without_energy = years.months_without_energy(year)
    return quality


# --- reported and restated totals -------------------------------------------------------------


@dataclass(frozen=True)
class ReportedSeries:
    """A year's total in one boundary: as first reported, as last restated, and now."""

    year: int
    boundary: Boundary
    reported: ReportedTotal | None
    restated: ReportedTotal | None
    current_g: int

    @property
    def standing_g(self) -> int | None:
        """The figure that stands: the latest restatement, else the reported one."""
        row = self.restated or self.reported
        return row.co2e_g if row else None

    @property
    def change_pct(self) -> float | None:
        """How far the current figure has moved from the one that stands, in percent."""
        standing = self.standing_g
        if standing is None:
            return None
        if standing == 0:
            return 0.0 if self.current_g == 0 else 100.0
        return (self.current_g - standing) * 100 / standing


def reported_series(totals: OrganisationTotals | None = None) -> list[ReportedSeries]:
    """Every reported year (the baseline year too, once reported) in both boundaries
    (``totals``: the organisation's, when the caller has them already)."""
    rows = list(
        db.session.scalars(
            sa.select(ReportedTotal).order_by(ReportedTotal.year, ReportedTotal.recorded_at)
        )
    )
    if not rows:
        return []  # nothing reported: no need to sum the ledger
    first: dict[tuple[int, str], ReportedTotal] = {}
    last: dict[tuple[int, str], ReportedTotal] = {}
    for row in rows:
        if row.kind == "reported":
            first.setdefault((row.year, row.boundary), row)
        else:
            last[(row.year, row.boundary)] = row
    current = {b: totals.by_year(b) if totals else totals_by_year(b) for b in Boundary}
    return [
        ReportedSeries(
            year=year,
            boundary=Boundary(boundary),
            reported=first.get((year, boundary)),
            restated=last.get((year, boundary)),
            current_g=current[Boundary(boundary)].get(year, 0),
        )
        for year, boundary in sorted(set(first) | set(last))
    ]


def restatements_needed(totals: OrganisationTotals | None = None) -> list[ReportedSeries]:
    """Reported years whose current total moved from the standing figure by more than the
    organisation's significance threshold (``totals``: as for `reported_series`)."""
    threshold = get_organisation().restatement_threshold_pct
    return [
        series
        for series in reported_series(totals)
        if series.change_pct is not None and abs(series.change_pct) > threshold
    ]


def _record_totals(
    *,
    actor: User | None,
    year: int | None,
    kind: str,
    reason: str,
    approved_by: str,
    totals_g: dict[str, int] | None = None,
) -> list[ReportedTotal]:
    rows = []
    for boundary in Boundary:
        row = ReportedTotal(
            year=year,
            boundary=boundary.value,
            kind=kind,
            co2e_g=totals_g[boundary.value]
            if totals_g is not None
            else totals_by_year(boundary).get(year or 0, 0),
            reason=reason,
            approved_by=approved_by,
            recorded_by_id=actor.id if actor else None,
            recorded_by_label=actor.email if actor else audit.CLI_ACTOR,
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def record_reported(
    *,
    actor: User | None,
    year: int | None,
    approved_by: str | None = "",
    note: str | None = "",
    issued_totals_g: dict[str, int] | None = None,
) -> list[ReportedTotal]:
    """Record a year's totals (both boundaries) as reported.

    ``issued_totals_g``: the totals by boundary of the year's report being issued, whose
    service checks who may issue; they are recorded as printed, and a year reported already is
    left as it stands (returns no rows)."""
    by_issue = issued_totals_g is not None
    if not by_issue:
        require_editor(actor)
    errors: dict[str, str] = {}
    year = check_year(errors, "year", year)
    approver = check_text(
        errors, "approved_by", approved_by, ReportedTotal.APPROVER_MAX_LEN, required=False
    )
    reason = check_text(errors, "note", note, ReportedTotal.REASON_MAX_LEN, required=False)
    if year and db.session.scalar(
        sa.select(ReportedTotal.id)
        .where(ReportedTotal.year == year, ReportedTotal.kind == "reported")
        .limit(1)
    ):
        if by_issue:
            return []
        errors["year"] = _("%(year)d was reported already; restate it instead.", year=year)
    if errors:
        raise ValidationFailed(errors)
    rows = _record_totals(
        actor=actor,
        year=year,
        kind="reported",
        reason=reason,
        approved_by=approver,
        totals_g=issued_totals_g,
    )
    audit.record(
        actor=actor,
        action="inventory.year.reported",
        object_type=ReportedTotal.__tablename__,
        object_id=year,
        summary=f"{year} reported: "
        + ", ".join(
            f"{labels.label('boundary_short', row.boundary)} {row.co2e_g / 1_000_000:,.3f} t"
            for row in rows
        ),
        changes=audit.diff({}, {row.boundary: row.co2e_g for row in rows}),
    )
    return rows


def restate(
    *, actor: User | None, year: int | None, reason: str | None, approved_by: str | None
) -> list[ReportedTotal]:
    """Restate a reported year with its current totals, saying why and who approved it; the
    figures first reported stay beside the restated ones."""
    require_editor(actor)
    errors: dict[str, str] = {}
    year = check_year(errors, "year", year)
    reason = check_text(errors, "reason", reason, ReportedTotal.REASON_MAX_LEN, multiline=True)
    approver = check_text(errors, "approved_by", approved_by, ReportedTotal.APPROVER_MAX_LEN)
    if year and not db.session.scalar(
        sa.select(ReportedTotal.id).where(ReportedTotal.year == year).limit(1)
    ):
        errors["year"] = _("%(year)d was never reported: there is nothing to restate.", year=year)
    if errors:
        raise ValidationFailed(errors)
    before = {s.boundary.value: s.standing_g for s in reported_series() if s.year == year}
    rows = _record_totals(
        actor=actor, year=year, kind="restated", reason=reason, approved_by=approver
    )
    audit.record(
        actor=actor,
        action="inventory.year.restated",
        object_type=ReportedTotal.__tablename__,
        object_id=year,
        summary=f"{year} restated ({reason[:200]}), approved by {approver}",
        changes=audit.diff(before, {row.boundary: row.co2e_g for row in rows}),
    )
    return rows
