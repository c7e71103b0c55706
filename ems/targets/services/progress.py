"""The targets and where each stands: the organisation's totals read once, each target's
baseline (declared or from the ledger) and its straight line to the target year."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa

from ems.extensions import db
from ems.inventory import years
from ems.inventory.services import (
    Boundary,
    boundary_series,
    headcounts,
    headline_cells,
    totals_by_year,
)
from ems.ledger.models import SourceCategory
from ems.org.services import get_organisation
from ems.targets.models import DeclaredBaseline, Target
from ems.units import GRAMS_PER_KG


class OrganisationTotals:
    """The organisation's headline totals by year, read once (one query) and shared by every
    target, proposal and effectiveness figure of a request, so that a page costs the same with
    one target or hundreds: each boundary's (or source's) series derives from them. The
    headcounts are read with them (one more query); the declared baselines and the judged years
    on first use, once."""

    def __init__(self) -> None:
        #: (year, scope, scope 3 category, source) → grams
        self.cells = headline_cells()
        #: headcount by year (per-capita figures)
        self.headcounts = headcounts()
        self._series: dict[tuple[Boundary, SourceCategory | None], dict[int, int]] = {}

    def by_year(self, boundary: Boundary, source: SourceCategory | None = None) -> dict[int, int]:
        """Grams per year in ``boundary``, of every source or of ``source`` (as
        `totals_by_year` reads them)."""
        key = (boundary, source)
        if key not in self._series:
            self._series[key] = boundary_series(self.cells, boundary, source)
        return dict(self._series[key])

    @cached_property
    def declared(self) -> list[DeclaredBaseline]:
        """Every declared baseline figure."""
        return list(db.session.scalars(sa.select(DeclaredBaseline)))

    @cached_property
    def judged(self) -> set[int]:
        """The years with figures that targets judge (see ems.inventory.years)."""
        return years.judged_years({year for year, _s, _c, _src in self.cells})


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
