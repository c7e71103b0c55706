"""The trip list: its filters, totals and years, and the export of the filtered trips."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ems import labels
from ems.extensions import db, utcnow
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine
from ems.org.models import Department
from ems.travel.models import FlightLeg, Trip
from ems.travel.services.lines import ACTIVITY_TYPE


@dataclass(frozen=True)
class TripFilters:
    """What the trip list is narrowed to."""

    year: int | None = None
    month: int | None = None
    department_id: int | None = None
    traveller: str = ""
    #: a part of the traveller's name or of the booking reference (any case)
    search: str = ""
    cabin_class: str = ""
    source: str = ""
    sort: str = "-date"


def trip_years() -> list[int]:
    """The years in which trips start, newest first."""
    year = sa.extract("year", Trip.starts_on)
    return [int(y) for y in db.session.scalars(sa.select(year).distinct().order_by(year.desc()))]


def latest_trip_year(today: dt.date | None = None) -> int | None:
    """The year the trip list opens on: the latest year up to this one with trips (the first
    later one when only trips booked ahead exist); None without trips."""
    next_year = dt.date((today or utcnow().date()).year + 1, 1, 1)
    day = db.session.scalar(
        sa.select(sa.func.max(Trip.starts_on)).where(Trip.starts_on < next_year)
    ) or db.session.scalar(sa.select(sa.func.min(Trip.starts_on)))
    return day.year if day else None


SORTS = {"date": Trip.starts_on, "traveller": Trip.traveller, "id": Trip.id}


def _with_rf_g() -> sa.ColumnElement[int]:
    """A line's grams counting flights with RF (rail, road and hotel lines count in both)."""
    counted = sa.or_(EmissionLine.basis == Basis.with_rf, EmissionLine.basis.is_(None))
    return sa.case((counted, EmissionLine.co2e_g), else_=0)


def _without_rf_g() -> sa.ColumnElement[int]:
    """A line's grams counting flights without RF."""
    counted = sa.or_(EmissionLine.basis == Basis.without_rf, EmissionLine.basis.is_(None))
    return sa.case((counted, EmissionLine.co2e_g), else_=0)


def _line_totals() -> sa.Subquery:
    """Grams per trip from its current lines: all of them, counting flights with RF, and all of
    them counting flights without RF."""
    return (
        sa.select(
            EmissionLine.activity_id.label("trip_id"),
            sa.func.sum(_with_rf_g()).label("with_rf_g"),
            sa.func.sum(_without_rf_g()).label("without_rf_g"),
        )
        .where(EmissionLine.activity_type == ACTIVITY_TYPE, EmissionLine.superseded_at.is_(None))
        .group_by(EmissionLine.activity_id)
        .subquery()
    )


def trips_query(filters: TripFilters) -> tuple[sa.Select[Trip], sa.Select[int, int, int]]:
    """The filtered trips, and (count, grams with RF, grams without RF) of them all."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.year:
        start = dt.date(filters.year, filters.month or 1, 1)
        end = (
            dt.date(filters.year + 1, 1, 1)
            if not filters.month or filters.month == 12
            else dt.date(filters.year, filters.month + 1, 1)
        )
        conditions += [Trip.starts_on >= start, Trip.starts_on < end]
    if filters.department_id:
        conditions.append(Trip.department_id == filters.department_id)
    if filters.traveller:
        conditions.append(
            sa.func.lower(Trip.traveller).contains(filters.traveller.lower(), autoescape=True)
        )
    if filters.search:
        text = filters.search.lower()
        conditions.append(
            sa.or_(
                sa.func.lower(Trip.traveller).contains(text, autoescape=True),
                sa.func.lower(Trip.booking_reference).contains(text, autoescape=True),
            )
        )
    if filters.source:
        conditions.append(Trip.source == filters.source)
    if filters.cabin_class:
        conditions.append(
            Trip.id.in_(
                sa.select(FlightLeg.trip_id).where(FlightLeg.cabin_class == filters.cabin_class)
            )
        )
    column = SORTS.get(filters.sort.lstrip("-"), Trip.starts_on)
    order = column.desc() if filters.sort.startswith("-") else column.asc()
    trips = sa.select(Trip).where(*conditions).order_by(order, Trip.id.desc())
    # the lines of the filtered trips only, found by the activity index (grouping every trip's
    # lines first and joining the filtered trips to them reads the whole ledger of trips)
    chosen = sa.select(Trip.id).where(*conditions)
    lines = (
        sa.select(
            sa.func.coalesce(sa.func.sum(_with_rf_g()), 0),
            sa.func.coalesce(sa.func.sum(_without_rf_g()), 0),
        )
        .where(
            EmissionLine.activity_type == ACTIVITY_TYPE,
            EmissionLine.activity_id.in_(chosen),
            EmissionLine.superseded_at.is_(None),
        )
        .subquery()
    )
    count = sa.select(sa.func.count()).select_from(chosen.subquery()).scalar_subquery()
    summary = sa.select(count, lines.c[0], lines.c[1])
    return trips, summary


def trip_totals(trip_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Grams (with RF, without RF) of the current lines of each of ``trip_ids``."""
    totals = _line_totals()
    rows = db.session.execute(sa.select(totals).where(totals.c.trip_id.in_(trip_ids)))
    return {trip_id: (int(with_rf), int(without_rf)) for trip_id, with_rf, without_rf in rows}


EXPORT_HEADER = [
    "trip",
    "booking_reference",
    "traveller",
    "department",
    "purpose",
    "paid_by",
    "paid_by_label",
    "source",
    "source_label",
    "item",
    "item_label",
    "from",
    "to",
    "date",
    "class_or_mode",
    "class_or_mode_label",
    "passengers",
    "distance_km",
    "nights",
    "co2e_kg_with_rf",
    "co2e_kg_without_rf",
    "factor_set",
]


def _kg(line: EmissionLine | None) -> float | None:
    return line.co2e_g / 1000 if line is not None else None


def export_rows(filters: TripFilters) -> list[list[object]]:
    """One row per flight, journey and hotel stay of the filtered trips, with its emissions
    (header first). A line belongs to its row by the item it names (e.g. "leg 2"). Machine-
    readable: each code column (paid_by, source, item, class_or_mode) has its label beside it."""
    trips, _summary = trips_query(filters)
    departments = dict(db.session.execute(sa.select(Department.id, Department.name)).all())
    rows: list[list[object]] = [list(EXPORT_HEADER)]
    all_trips = list(db.session.scalars(trips))
    for start in range(0, len(all_trips), 500):
        chunk = all_trips[start : start + 500]
        lines: dict[tuple[int, str, Basis | None], EmissionLine] = {}
        line: EmissionLine | None
        by_trip = ledger.current_lines_by_activity(
            activity_type=ACTIVITY_TYPE, activity_ids=[trip.id for trip in chunk]
        )
        for trip_lines_now in by_trip.values():
            for line in trip_lines_now:
                lines[(line.activity_id, line.item, line.basis)] = line
        for trip in chunk:
            common = [
                trip.id,
                trip.booking_reference or "",
                trip.traveller,
                departments.get(trip.department_id or 0, ""),
                trip.purpose,
                trip.paid_by.value,
                labels.label("paid_by", trip.paid_by),
                trip.source.value,
                labels.label("trip_source", trip.source),
            ]
            for leg in trip.legs:
                item = f"leg {leg.position + 1}"
                with_rf = lines.get((trip.id, item, Basis.with_rf))
                without_rf = lines.get((trip.id, item, Basis.without_rf))
                rows.append(
                    [
                        *common,
                        item,
                        labels.line_item(item),
                        leg.origin,
                        leg.destination,
                        leg.departure_on.isoformat(),
                        leg.cabin_class.value,
                        labels.label("cabin_class", leg.cabin_class),
                        leg.passengers,
                        float(leg.distance_km),
                        None,
                        _kg(with_rf),
                        _kg(without_rf),
                        with_rf.factor.factor_set.code if with_rf else "",
                    ]
                )
            for ground in trip.ground_legs:
                item = f"journey {ground.position + 1}"
                line = lines.get((trip.id, item, None))
                rows.append(
                    [
                        *common,
                        item,
                        labels.line_item(item),
                        ground.origin,
                        ground.destination,
                        ground.travelled_on.isoformat(),
                        ground.mode.value,
                        labels.label("ground_mode", ground.mode),
                        ground.passengers,
                        float(ground.distance_km),
                        None,
                        _kg(line),
                        _kg(line),
                        line.factor.factor_set.code if line else "",
                    ]
                )
            for stay in trip.hotel_stays:
                item = f"stay {stay.position + 1}"
                line = lines.get((trip.id, item, None))
                rows.append(
                    [
                        *common,
                        item,
                        labels.line_item(item),
                        stay.country_code,
                        "",
                        stay.check_in_on.isoformat(),
                        "hotel",
                        _("Hotel"),
                        stay.rooms,
                        None,
                        stay.nights,
                        _kg(line),
                        _kg(line),
                        line.factor.factor_set.code if line else "",
                    ]
                )
    return rows
