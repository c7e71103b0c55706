"""What energy records, refrigerant top-ups and fleet records share: the editor's role, periods
split by year, lines written and summed, the create/update/delete steps, export columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import InstrumentedAttribute

from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.energy.models import (
    EnergyRecord,
    FleetRecord,
    RefrigerantTopUp,
    WasteRecord,
    WaterRecord,
)
from ems.errors import NotFound, PermissionDenied, ValidationFailed, check_version
from ems.extensions import db, utcnow
from ems.factors.services import FactorSelector
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine
from ems.org.models import FIRST_YEAR
from ems.removals import services as removals
from ems.removals.models import Removal

#: the activity types of the kinds of record in the ledger
ACTIVITY_TYPE = "energy_record"
REFRIGERANT_ACTIVITY = "refrigerant_top_up"
FLEET_ACTIVITY = "fleet_record"
WASTE_ACTIVITY = "waste_record"
WATER_ACTIVITY = "water_record"
#: the longest period an energy or fleet record covers
MAX_PERIOD_DAYS = 3 * 366


#: the kinds of record
Record = EnergyRecord | RefrigerantTopUp | FleetRecord | WasteRecord | WaterRecord


def require_editor(actor: User | None) -> None:
    """Refuse anyone but the EMS working group (administrators included) and the command line."""
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group records energy."))


@dataclass(frozen=True)
class YearPart:
    """The share of a record that falls in one calendar year."""

    year: int
    days: int
    quantity: Decimal
    certificates_kwh: Decimal | None


def split_by_year(
    start: dt.date, end: dt.date, quantity: Decimal, certificates_kwh: Decimal | None = None
) -> list[YearPart]:
    """Apportion a quantity (and its certificates) to calendar years by days; parts sum exactly."""
    total_days = (end - start).days + 1
    parts = []
    given, given_certificates = Decimal(0), Decimal(0)
    for year in range(start.year, end.year + 1):
        days = (min(end, dt.date(year, 12, 31)) - max(start, dt.date(year, 1, 1))).days + 1
        if year == end.year:  # the last part takes the remainder: no rounding drift
            share, share_cert = (
                quantity - given,
                (certificates_kwh - given_certificates if certificates_kwh is not None else None),
            )
        else:
            share = (quantity * days / total_days).quantize(Decimal("0.001"))
            share_cert = (
                (certificates_kwh * days / total_days).quantize(Decimal("0.001"))
                if certificates_kwh is not None
                else None
            )
        given += share
        given_certificates += share_cert or 0
        parts.append(YearPart(year=year, days=days, quantity=share, certificates_kwh=share_cert))
    return parts


def check_period(errors: dict[str, str], start: dt.date | None, end: dt.date | None) -> None:
    """A period of whole days, in order, from FIRST_YEAR to a year ahead, at most three years."""
    if start is None or end is None:
        errors["period_end" if start else "period_start"] = _("Enter the period.")
    elif start > end:
        errors["period_end"] = _("The period cannot end before it starts.")
    elif start.year < FIRST_YEAR or end > utcnow().date() + dt.timedelta(days=366):
        errors["period_start"] = _("Enter dates from %(year)d up to a year ahead.", year=FIRST_YEAR)
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["period_end"] = _("A record covers at most three years.")


def record_computed_lines(
    activity_type: str,
    activity_id: int,
    compute: Callable[[FactorSelector], list[ledger.LineSpec]],
    *,
    field: str = "",
) -> None:
    """Compute an activity's lines with today's factors and record them; a missing factor is
    the user's error to fix (on ``field``), not a server error."""
    try:
        lines = compute(FactorSelector())
    except NotFound as exc:
        raise ValidationFailed({field: str(exc)}) from None
    ledger.record_lines(activity_type=activity_type, activity_id=activity_id, lines=lines)


def dated_years(record: Record) -> set[int]:
    """The years a record's days fall in."""
    if isinstance(record, RefrigerantTopUp):
        return {record.topped_up_on.year}
    return set(range(record.period_start.year, record.period_end.year + 1))


def update_record(
    *,
    actor: User | None,
    record: Record,
    expected_version: int | None,
    check: Callable[..., dict[str, Any]],
    data: dict[str, Any],
    write_lines: Callable[[Any], None],
    action: str,
    summary: str,
) -> None:
    """The shared steps of changing an energy, refrigerant or fleet record: the version read,
    the values checked by ``check`` applied, its lines replaced (the old ones kept, superseded),
    audited."""
    check_version(record.version_id, expected_version)
    before = dated_years(record)
    changes = audit.apply_changes(record, check(**data))
    if changes:  # a closed year's records are final: the days before and after the change
        with db.session.no_autoflush:  # one flush, one new version, below
            ledger.check_open_years(before | dated_years(record))
    record.updated_at = utcnow()
    db.session.flush()
    write_lines(record)
    audit.record(actor=actor, action=action, obj=record, summary=summary, changes=changes)


R = TypeVar("R", EnergyRecord, RefrigerantTopUp, FleetRecord, WasteRecord, WaterRecord)


def create_record(
    *,
    actor: User | None,
    record: Record,
    write_lines: Callable[[Any], None],
    action: str,
    summary: str,
    fields: list[str],
) -> None:
    """The shared steps of recording a checked energy, refrigerant or fleet record: its years
    open, stored, its lines written, audited with every field."""
    ledger.check_open_years(dated_years(record))
    db.session.add(record)
    db.session.flush()
    write_lines(record)
    audit.record(
        actor=actor,
        action=action,
        obj=record,
        summary=summary,
        changes=audit.diff({}, audit.snapshot(record, fields)),
    )


def delete_record(
    *, actor: User | None, kind: str, record: Record, action: str, fields: list[str], summary: str
) -> Removal:
    """Remove a record of ``kind`` restorably with its lines, audited with its fields."""
    require_editor(actor)
    return removals.remove_record(
        actor=actor,
        kind=kind,
        record=record,
        action=action,
        before=audit.snapshot(record, fields),
        summary=summary,
    )


def get_record(model: type[R], record_id: int, noun: str) -> R:
    """The ``model`` row with ``record_id``; NotFound naming it ``noun`` if none."""
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(f"{noun} {record_id}")
    return record


def year_site_filter(
    start: InstrumentedAttribute[dt.date],
    end: InstrumentedAttribute[dt.date],
    site: InstrumentedAttribute[Any],
    year: int | None,
    site_id: int | None,
) -> list[sa.ColumnElement[bool]]:
    """The conditions of records from ``start`` to ``end`` with a day in ``year`` (any
    overlap) at ``site_id``; either may be None (no condition)."""
    conditions = []
    if year:
        conditions += [start <= dt.date(year, 12, 31), end >= dt.date(year, 1, 1)]
    if site_id:
        conditions.append(site == site_id)
    return conditions


def total_g(activity_type: str, ids: sa.Select[Any], year: int | None) -> int:
    """Grams CO2e of the current lines of the records ``ids`` selects (of ``year`` only, when
    given)."""
    return sum(line_sums(activity_type, ids, year).values())


def register_removal_kind(
    code: str, model: type[Record], label: LazyString, record_years: Callable[[list[int]], set[int]]
) -> None:
    """Let removals remove and restore records of ``model`` (the EMS working group's)."""
    removals.register_kind(
        removals.RemovalKind(
            code=code,
            label=label,
            roles=(Role.ems,),
            model=model,
            activity_type=code,
            record_years=record_years,
        )
    )


def runs_into_empty_year(record: EnergyRecord | FleetRecord) -> tuple[int, int] | None:
    """(year, days) when the record's period runs on into a year that has no other figure yet
    (a December bill ending on 3 January): its days there are counted in that year, which stays
    in progress until it is complete or closed. None otherwise."""
    year = record.period_end.year
    if record.period_start.year == year:
        return None
    other = db.session.scalar(
        sa.select(EmissionLine.id)
        .where(
            EmissionLine.year == year,
            EmissionLine.superseded_at.is_(None),
            sa.not_(
                sa.and_(
                    EmissionLine.activity_type == _activity_type(record),
                    EmissionLine.activity_id == record.id,
                )
            ),
        )
        .limit(1)
    )
    if other is not None:
        return None
    return year, (record.period_end - dt.date(year, 1, 1)).days + 1


def _activity_type(record: EnergyRecord | FleetRecord) -> str:
    return ACTIVITY_TYPE if isinstance(record, EnergyRecord) else FLEET_ACTIVITY


def line_sums(
    activity_type: str, activity_ids: sa.Select[Any], year: int | None
) -> dict[tuple[str, Basis | None], int]:
    """Grams per (item, basis) of the current lines of the activities ``activity_ids`` selects,
    only those of ``year`` when given (a record across New Year counts its share of the year)."""
    stmt = (
        sa.select(EmissionLine.item, EmissionLine.basis, sa.func.sum(EmissionLine.co2e_g))
        .where(
            EmissionLine.activity_type == activity_type,
            EmissionLine.activity_id.in_(activity_ids.scalar_subquery()),
            EmissionLine.superseded_at.is_(None),
        )
        .group_by(EmissionLine.item, EmissionLine.basis)
    )
    if year:
        stmt = stmt.where(EmissionLine.year == year)
    return {(item, basis): int(grams) for item, basis, grams in db.session.execute(stmt)}


# --- exports ---------------------------------------------------------------------------------

#: records whose lines one query reads
EXPORT_CHUNK = 500


def kg_of(grams: int | None) -> Decimal | None:
    """Exact kilograms of a gram figure (None stays None)."""
    return None if grams is None else Decimal(grams).scaleb(-3)


def in_year(lines: list[EmissionLine], year: int | None) -> list[EmissionLine]:
    return [line for line in lines if not year or line.year == year]


def set_codes(lines: list[EmissionLine]) -> str:
    """The factor sets of ``lines``, each once, in line order."""
    return "; ".join(dict.fromkeys(line.factor.factor_set.code for line in lines))


def years_text(lines: list[EmissionLine]) -> str:
    return " ".join(str(year) for year in sorted({line.year for line in lines}))


def with_lines(records: list[Any], activity_type: str) -> Iterator[tuple[Any, list[EmissionLine]]]:
    """Each record with its current lines, the lines read 500 records at a time."""
    for start in range(0, len(records), EXPORT_CHUNK):
        chunk = records[start : start + EXPORT_CHUNK]
        lines = ledger.current_lines_by_activity(
            activity_type=activity_type, activity_ids=[record.id for record in chunk]
        )
        for record in chunk:
            yield record, lines[record.id]
