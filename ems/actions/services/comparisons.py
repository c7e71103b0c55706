"""The effectiveness of a done action: its source's emissions in the years before and after
it, and whether a verdict goes against them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ems.actions.models import (
    CorrectiveAction,
)
from ems.extensions import utcnow
from ems.inventory import services as inventory
from ems.ledger.models import SourceCategory
from ems.targets import services as targets
from ems.units import GRAMS_PER_TONNE

#: how many years before and after an action its effectiveness compares
YEARS_COMPARED = 3


@dataclass(frozen=True)
class Effectiveness:
    """A done action's source before and after it, absolute and per capita, against what it
    was expected to cut (grams; None where a figure is missing)."""

    start_year: int
    years_before: list[int]
    years_after: list[int]
    before_g: int | None
    after_g: int | None
    before_per_capita_g: int | None
    after_per_capita_g: int | None
    expected_reduction_g: int | None

    @property
    def measured_reduction_g(self) -> int | None:
        """The average year before minus the average year after."""
        if self.before_g is None or self.after_g is None:
            return None
        return self.before_g - self.after_g

    def against(self, is_effective: bool) -> bool:
        """Whether a verdict of ``is_effective`` goes against these measured figures (see
        `verdict_against_figures`)."""
        return verdict_against_figures(self.as_figures(), is_effective)

    def as_figures(self) -> dict[str, Any]:
        """The figures as stored with a verdict."""
        return {
            "start_year": self.start_year,
            "years_before": self.years_before,
            "years_after": self.years_after,
            "before_g": self.before_g,
            "after_g": self.after_g,
            "before_per_capita_g": self.before_per_capita_g,
            "after_per_capita_g": self.after_per_capita_g,
            "expected_reduction_g": self.expected_reduction_g,
            "measured_reduction_g": self.measured_reduction_g,
        }


def verdict_against_figures(figures: dict[str, Any], is_effective: bool) -> bool:
    """Whether a verdict goes against the measured direction of ``figures`` (as
    `Effectiveness.as_figures` gives them, or as a verdict stored them).

    The measured cut is the average year before the action less the average year after it
    (full boundary, the action's source, absolute t CO2e, as the page shows it):

    - "effective" goes against it when emissions did not fall: the measured cut is zero or
      negative (they stayed level or rose);
    - "not effective" goes against it when emissions fell at least as much as expected: an
      expected cut is set and the measured cut reaches it.

    Without a year measured on either side there is no measured direction, and no verdict goes
    against it. A verdict against the measured direction needs a written justification.
    """
    measured = figures.get("measured_reduction_g")
    if measured is None:
        return False
    if is_effective:
        return bool(measured <= 0)
    expected = figures.get("expected_reduction_g")
    return bool(expected is not None and expected > 0 and measured >= expected)


def _mean(values: list[int]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def compare_years(
    series: dict[int, int], headcounts: dict[int, int], start_year: int, expected_g: int | None
) -> Effectiveness:
    """The average of up to three years before ``start_year`` against up to three years from it
    on (years with figures only), absolute and per capita."""
    before = sorted(y for y in series if start_year - YEARS_COMPARED <= y < start_year)
    after = sorted(y for y in series if start_year <= y < start_year + YEARS_COMPARED)

    def per_capita(years: list[int]) -> int | None:
        counted = [y for y in years if headcounts.get(y)]
        if not counted or len(counted) != len(years):
            return None
        return _mean([round(series[y] / headcounts[y]) for y in counted])

    return Effectiveness(
        start_year=start_year,
        years_before=before,
        years_after=after,
        before_g=_mean([series[y] for y in before]),
        after_g=_mean([series[y] for y in after]),
        before_per_capita_g=per_capita(before),
        after_per_capita_g=per_capita(after),
        expected_reduction_g=expected_g,
    )


def effectiveness(
    action: CorrectiveAction, totals: targets.OrganisationTotals | None = None
) -> Effectiveness:
    """The measured emissions of the action's source (full boundary) before and after it
    (``totals``: the organisation's, when the caller has them already)."""
    source = SourceCategory(action.source_category) if action.source_category else None
    if totals is not None:
        series, headcounts = totals.by_year(inventory.Boundary.full, source), totals.headcounts
    else:
        series = inventory.totals_by_year(inventory.Boundary.full, source)
        headcounts = inventory.headcounts()
    start = action.expected_from_year or (
        action.done_on.year + 1 if action.done_on else utcnow().year
    )
    expected = (
        int(action.expected_reduction_t * GRAMS_PER_TONNE) if action.expected_reduction_t else None
    )
    return compare_years(series, headcounts, start, expected)
