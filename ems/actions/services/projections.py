"""The projection of the planned and running actions' expected cuts to the main target's
year."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ems.actions.models import (
    ActionStatus,
    CorrectiveAction,
)
from ems.extensions import db
from ems.targets import services as targets
from ems.units import GRAMS_PER_TONNE


@dataclass(frozen=True)
class PlannedCut:
    """An action's expected cut of annual emissions (grams) from a year on."""

    from_year: int
    reduction_g: int


@dataclass
class Projection:
    """Emissions projected from the latest year with the cuts of the planned actions."""

    latest_year: int
    latest_g: int
    target_year: int
    baseline_g: int
    target_g: int
    by_year: dict[int, int] = field(default_factory=dict)

    @property
    def projected_target_year_g(self) -> int:
        """The projection for the target year."""
        return self.by_year.get(self.target_year, self.latest_g)

    @property
    def change_from_baseline_pct(self) -> float:
        """The projected target year against the baseline, in percent (negative: a cut)."""
        return (self.projected_target_year_g - self.baseline_g) * 100 / self.baseline_g

    @property
    def gap_g(self) -> int:
        """How far the projection stays above the target (0 when it reaches it)."""
        return max(self.projected_target_year_g - self.target_g, 0)


def project(
    *,
    latest_year: int,
    latest_g: int,
    baseline_g: int,
    target_g: int,
    target_year: int,
    cuts: list[PlannedCut],
) -> Projection:
    """Each year to the target year: the latest year's emissions less the cuts in force by then
    (never below zero)."""
    projection = Projection(
        latest_year=latest_year,
        latest_g=latest_g,
        target_year=target_year,
        baseline_g=baseline_g,
        target_g=target_g,
    )
    for year in range(latest_year + 1, target_year + 1):
        cut = sum(c.reduction_g for c in cuts if c.from_year <= year)
        projection.by_year[year] = max(latest_g - cut, 0)
    return projection


def projection(
    path: targets.Trajectory | None = None,
    totals: targets.OrganisationTotals | None = None,
) -> Projection | None:
    """The main target's projection with the planned and running actions (``path``: its
    trajectory, or ``totals``: the organisation's, when the caller has them already); None
    without a baseline or a measured year."""
    if path is None:
        path = targets.trajectory(targets.main_target(), totals=totals)
    if path is None or path.latest_year is None:
        return None
    latest = next(y for y in path.years if y.year == path.latest_year)
    cuts = [
        PlannedCut(
            from_year=action.expected_from_year,
            reduction_g=int(action.expected_reduction_t * GRAMS_PER_TONNE),
        )
        for action in db.session.scalars(
            sa.select(CorrectiveAction).where(
                CorrectiveAction.status.in_([ActionStatus.planned, ActionStatus.in_progress]),
                CorrectiveAction.expected_reduction_t.is_not(None),
            )
        )
        if action.expected_reduction_t and action.expected_from_year
    ]
    assert latest.actual_g is not None  # noqa: S101 (the latest year is a measured one)
    return project(
        latest_year=latest.year,
        latest_g=latest.actual_g,
        baseline_g=path.baseline.value_g,
        target_g=path.target_g,
        target_year=path.spec.target_year,
        cuts=cuts,
    )
