"""The import of a travel agency's export: checking it, planning it, writing it in bulk."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ems.auth.models import Role, User
from ems.errors import NotFound, ValidationFailed
from ems.extensions import bulk_insert, db, utcnow
from ems.imports import ImportFailed, RowError
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.org import services as org
from ems.removals import services as removals
from ems.travel import airports
from ems.travel.calculation import LegResult, leg_lines
from ems.travel.models import FlightLeg, PaidBy, Trip, TripSource
from ems.travel.services import agency_file
from ems.travel.services.agency_file import ImportedTrip
from ems.travel.services.lines import ACTIVITY_TYPE, calculator
from ems.travel.services.trips import _booking_conflicts, _require_travel, trip_dated_years

IMPORT_KIND = "travel"


def _plan(data: bytes, filename: str, on_progress: imports.Progress | None) -> imports.Plan:
    trips = agency_file.parse(data, filename)
    known = imports.known_keys(
        Trip.booking_reference,  # type: ignore[arg-type]
        [trip.booking_reference for trip in trips],
    )
    result = imports.ImportResult(skipped=sorted(known), co2e_g={"with_rf": 0, "without_rf": 0})
    flights = calculator()
    closed_years = org.closed_years()
    new_trips, computed, errors = [], [], []
    for trip in trips:
        if trip.booking_reference in known:
            continue
        legs: list[LegResult] = []
        if trip.paid_by is PaidBy.organisation:  # only these are computed into the ledger
            try:
                legs = [
                    flights.leg(
                        origin=o, destination=d, departure_on=day, cabin_class=cabin, passengers=n
                    )
                    for o, d, day, cabin, n in trip.legs
                ]
            except (NotFound, ValidationFailed) as exc:
                message = str(exc) if isinstance(exc, NotFound) else "; ".join(exc.errors.values())
                errors.append(RowError(trip.rows[0], "origin", message))
                continue
        closed = imports.closed_year_errors(
            [
                (row, "departure_date", leg[2].year)
                for row, leg in zip(trip.rows, trip.legs, strict=True)
            ],
            closed_years,
        )
        if closed:
            errors += closed
            continue
        new_trips.append(trip)
        computed.append(legs)
        result.created += 1
        result.rows += len(trip.legs)
        result.co2e_g["with_rf"] += sum(leg.co2e_g_with_rf for leg in legs)
        result.co2e_g["without_rf"] += sum(leg.co2e_g_without_rf for leg in legs)
        if on_progress is not None:
            on_progress(len(legs))
    if errors:
        raise ImportFailed(errors)
    return imports.Plan(
        result=result,
        write=lambda batch, actor: _write_trips(batch, new_trips, computed, actor),
    )


def _write_trips(
    batch: ImportBatch,
    trips: list[ImportedTrip],
    computed: list[list[LegResult]],
    actor: User | None,
) -> None:
    """Insert the trips, their flights and lines in bulk."""
    if not trips:
        return
    now = utcnow()
    bulk_insert(
        Trip,
        [
            {
                "traveller": trip.traveller,
                "department_id": trip.department_id,
                "purpose": trip.purpose,
                "paid_by": trip.paid_by,
                "booking_reference": trip.booking_reference,
                "source": TripSource.import_,
                "notes": trip.notes,
                "starts_on": min(leg[2] for leg in trip.legs),
                "created_at": now,
                "updated_at": now,
                "version_id": 1,
                "created_by_id": actor.id if actor else None,
                "import_batch_id": batch.id,
            }
            for trip in trips
        ],
    )
    # every imported trip has its booking reference, unique: that is how ids are found
    ids = dict(
        db.session.execute(
            sa.select(Trip.booking_reference, Trip.id).where(Trip.import_batch_id == batch.id)
        ).all()
    )
    trip_ids = [ids[trip.booking_reference] for trip in trips]
    leg_rows, lines = [], []
    for trip_id, trip, legs in zip(trip_ids, trips, computed, strict=True):
        for position, (origin, destination, day, cabin, passengers) in enumerate(trip.legs):
            leg_rows.append(
                {
                    "trip_id": trip_id,
                    "position": position,
                    "origin": origin.code,
                    "destination": destination.code,
                    "departure_on": day,
                    "cabin_class": cabin,
                    "passengers": passengers,
                    "distance_km": legs[position].distance_km
                    if legs
                    else airports.great_circle_km(origin, destination),
                }
            )
        for position, leg in enumerate(legs):
            lines += leg_lines(
                leg,
                activity_type=ACTIVITY_TYPE,
                activity_id=trip_id,
                item=f"leg {position + 1}",
                label=f"leg {position + 1} {leg.route} {leg.departure_on}",
                department_id=trip.department_id,
            )
    bulk_insert(FlightLeg, leg_rows)
    ledger.add_lines(lines)


IMPORTER = imports.Importer(
    kind=IMPORT_KIND,
    require=_require_travel,
    plan=_plan,
    noun="trips",
    model=Trip,
    activity_type=ACTIVITY_TYPE,
    roles=(Role.travel, Role.ems),
    label=_l("Import of an agency export"),
    conflicts=_booking_conflicts,
    record_years=trip_dated_years,
)


def check_import(*, actor: User | None, data: bytes, filename: str) -> imports.ImportResult:
    """Check an agency export and keep it until the go-ahead (`commit_import`)."""
    return imports.check_file(IMPORTER, actor=actor, data=data, filename=filename)


def import_trips(
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    on_progress: imports.Progress | None = None,
) -> imports.ImportResult:
    """Import an agency export: all rows or none; bookings already recorded are skipped."""
    return imports.import_file(
        IMPORTER,
        actor=actor,
        data=data,
        filename=filename,
        dry_run=dry_run,
        on_progress=on_progress,
    )


def commit_import(*, actor: User | None, batch: ImportBatch) -> imports.ImportResult:
    """Import a checked file (see check_import)."""
    return imports.commit_batch(IMPORTER, actor=actor, batch=batch)


def remove_import_batch(*, actor: User | None, batch: ImportBatch) -> removals.Removal | None:
    """Remove an imported file with its trips, restorably (see ems.removals)."""
    return imports.remove_batch(IMPORTER, actor=actor, batch=batch)
