"""Which years are final and which are still in progress.

A year is *closed* when the working group says its data is final (ems.org.services.close_year).
Where no year has been closed at all, a year counts as final once it has ended and its data
coverage is complete: every site has energy records for all twelve months (the data-quality
figure "months without energy data"; a site whose first record is later is not expected yet).
Every other year is *in progress*: shown as such, never judged on or off track, never used to
say a target is met. A year can be closed once it has ended.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from ems.energy.models import (
    EnergyRecord,
    FleetRecord,
    RefrigerantTopUp,
    WasteRecord,
    WaterRecord,
)
from ems.extensions import db, utcnow
from ems.ledger import versions
from ems.ledger.models import EmissionLine
from ems.org.models import ReportingYear, Site
from ems.procurement.models import Purchase
from ems.travel.models import FlightLeg, GroundLeg, HotelStay, PaidBy, Trip


class YearState(enum.StrEnum):
    """Where a year stands."""

    closed = "closed"
    #: ended, every site's energy recorded for all twelve months, but not closed
    complete = "complete"
    in_progress = "in_progress"


@dataclass(frozen=True)
class YearStatus:
    """A year's state, and whether targets may judge it."""

    year: int
    state: YearState
    #: whether targets, projections and proposals use the year (closed years where any year is
    #: closed; else complete years)
    is_judged: bool
    closed: ReportingYear | None = None


@dataclass(frozen=True)
class Reach:
    """How far a year's records reach."""

    #: the last day of the year that its records reach (None without records)
    data_to: dt.date | None
    #: the year's only records are bills or fleet periods running on from the year before
    is_carried_over_only: bool


def months_covered(periods: Iterable[tuple[dt.date, dt.date]], year: int) -> set[int]:
    """The months of ``year`` that the periods (first day, last day) touch."""
    months: set[int] = set()
    for start, end in periods:
        first = max(start, dt.date(year, 1, 1))
        last = min(end, dt.date(year, 12, 31))
        months.update(range(first.month, last.month + 1) if first <= last else ())
    return months


def months_without_energy(year: int) -> dict[str, list[int]]:
    """Site name → the months (1–12) of ``year`` that no energy record covers."""
    return _months_without_energy([year])[year]


def _months_without_energy(
    years: list[int], *, expected_only: bool = False
) -> dict[int, dict[str, list[int]]]:
    """For each of ``years``: site name → months without energy data (one query for all).

    ``expected_only``: leave out, for each year, the sites whose first energy record starts
    after it (a site added to the organisation, a new office): nothing is expected of them yet.
    """
    if not years:
        return {}
    periods: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for site_id, start, end in db.session.execute(
        sa.select(EnergyRecord.site_id, EnergyRecord.period_start, EnergyRecord.period_end).where(
            EnergyRecord.period_start <= dt.date(max(years), 12, 31),
            EnergyRecord.period_end >= dt.date(min(years), 1, 1),
        )
    ):
        periods[site_id].append((start, end))
    sites = db.session.execute(sa.select(Site.id, Site.name).order_by(Site.name)).all()
    first_records = (
        dict(
            db.session.execute(
                sa.select(EnergyRecord.site_id, sa.func.min(EnergyRecord.period_start)).group_by(
                    EnergyRecord.site_id
                )
            ).all()
        )
        if expected_only
        else {}
    )
    missing: dict[int, dict[str, list[int]]] = {}
    for year in years:
        missing[year] = {}
        for site_id, name in sites:
            first = first_records.get(site_id)
            if expected_only and (first is None or first.year > year):
                continue
            months = sorted(set(range(1, 13)) - months_covered(periods[site_id], year))
            if months:
                missing[year][name] = months
    return missing


def _complete(years: list[int]) -> set[int]:
    """The years that have ended with the energy of every site recorded for all twelve months
    (every site that had records by then: a site added later is not expected in earlier years)."""
    ended = [year for year in years if year < utcnow().year]
    return {
        year
        for year, missing in _months_without_energy(ended, expected_only=True).items()
        if not missing
    }


def _dated_columns() -> list[tuple[InstrumentedAttribute[dt.date], InstrumentedAttribute[dt.date]]]:
    """(first day, last day) of every kind of record the inventory counts."""
    return [
        (FlightLeg.departure_on, FlightLeg.departure_on),
        (GroundLeg.travelled_on, GroundLeg.travelled_on),
        (HotelStay.check_in_on, HotelStay.check_in_on),
        (EnergyRecord.period_start, EnergyRecord.period_end),
        (FleetRecord.period_start, FleetRecord.period_end),
        (RefrigerantTopUp.topped_up_on, RefrigerantTopUp.topped_up_on),
        (WasteRecord.period_start, WasteRecord.period_end),
        (WaterRecord.period_start, WaterRecord.period_end),
        (Purchase.purchased_on, Purchase.purchased_on),
    ]


def reach(year: int) -> Reach:
    """The last day of ``year`` that its records reach, and whether every record touching the
    year began in an earlier one (bills running on into it); once per version of the year (a
    change of a record is a change of its years, see ems.ledger.services.check_open_years)."""
    return versions.kept(("reach", year), [year], lambda: _reach(year))


def _reach(year: int) -> Reach:
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    last: dt.date | None = None
    starts_in_year = False
    for start, end in _dated_columns():
        stmt = sa.select(sa.func.max(end), sa.func.max(start)).where(
            start <= last_day, end >= first_day
        )
        if start.class_ in (FlightLeg, GroundLeg, HotelStay):
            stmt = stmt.join(Trip).where(Trip.paid_by == PaidBy.organisation)
        latest_end, latest_start = db.session.execute(stmt).one()
        if latest_end is not None:
            last = max(last or latest_end, min(latest_end, last_day))
        if latest_start is not None and latest_start >= first_day:
            starts_in_year = True
    return Reach(data_to=last, is_carried_over_only=last is not None and not starts_in_year)


def years_with_lines() -> list[int]:
    """Years with current ledger lines, oldest first."""
    return list(
        db.session.scalars(
            sa.select(EmissionLine.year)
            .distinct()
            .where(EmissionLine.superseded_at.is_(None))
            .order_by(EmissionLine.year)
        )
    )


def year_statuses(years: Iterable[int] | None = None) -> dict[int, YearStatus]:
    """The state of each of ``years`` (default: every year with figures or closed), by year."""
    closed_rows = {
        row.year: row
        for row in db.session.scalars(sa.select(ReportingYear))
        if row.closed_at is not None
    }
    wanted = sorted(set(years_with_lines() if years is None else years) | set(closed_rows))
    complete = _complete([year for year in wanted if year not in closed_rows])
    statuses = {}
    for year in wanted:
        state = (
            YearState.closed
            if year in closed_rows
            else YearState.complete
            if year in complete
            else YearState.in_progress
        )
        statuses[year] = YearStatus(
            year=year,
            state=state,
            is_judged=state is (YearState.closed if closed_rows else YearState.complete),
            closed=closed_rows.get(year),
        )
    return statuses


def judged_years(years: Iterable[int] | None = None) -> set[int]:
    """The years of ``years`` (default: every year with figures) that targets judge: the closed
    ones, or where no year is closed, the complete ones."""
    candidates = set(years_with_lines() if years is None else years)
    closed = set(
        db.session.scalars(sa.select(ReportingYear.year).where(ReportingYear.closed_at.isnot(None)))
    )
    if closed:
        return closed & candidates
    return _complete(sorted(candidates))


def latest_judged_year(years: Iterable[int] | None = None) -> int | None:
    """The newest year targets judge; None if none is."""
    return max(judged_years(years), default=None)
