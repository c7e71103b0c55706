"""The import of a travel agency's export: checking it, planning it, writing it.

New bookings are written in bulk (trips, flights, journeys, stays, ledger lines). A booking
already recorded is compared with the file: the same content is skipped, other content updates
the trip through the trip form's service (a new version, its lines superseded, audited), and a
refund or cancellation of all its flights, journeys and stays removes it, restorably.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, ValidationFailed
from ems.extensions import bulk_insert, db, utcnow
from ems.factors.services import FactorSelector
from ems.imports import ImportFailed, RowError
from ems.imports import services as imports
from ems.imports.mapping import Table
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.org import services as org
from ems.org.services import get_organisation
from ems.removals import services as removals
from ems.travel import airports
from ems.travel.calculation import (
    FlightCalculator,
    GroundResult,
    HaulMethod,
    HotelResult,
    LegResult,
    ground_lines,
    ground_result,
    hotel_lines,
    hotel_result,
    leg_lines,
    route_km,
)
from ems.travel.models import FlightLeg, GroundLeg, HotelStay, PaidBy, Trip, TripSource
from ems.travel.services import agency_file, agency_words
from ems.travel.services.agency_file import Cancellation, ImportedTrip
from ems.travel.services.agency_words import RowKind
from ems.travel.services.icao_figures import IcaoFigures, icao_figures, icao_line
from ems.travel.services.legs import GroundInput, HotelInput, LegInput, TripItems
from ems.travel.services.lines import ACTIVITY_TYPE, ground_label, journey_ends
from ems.travel.services.trips import (
    ITEM_COLUMNS,
    ItemRows,
    _booking_conflicts,
    _item_rows,
    _items_differ,
    _require_travel,
    _snapshot,
    trip_dated_years,
    update_trip,
)

IMPORT_KIND = "travel"


@dataclass(slots=True)
class _Computed:
    """A new trip's figures: each flight's, journey's and stay's result."""

    legs: tuple[LegResult, ...]
    ground: tuple[GroundResult, ...]
    hotels: tuple[HotelResult, ...]

    def grams(self, with_rf: bool) -> int:
        """Grams CO2e of the trip (journeys and stays count alike with and without RF)."""
        flights = sum(leg.co2e_g_with_rf if with_rf else leg.co2e_g_without_rf for leg in self.legs)
        return (
            flights + sum(g.co2e_g for g in self.ground) + sum(h.co2e_g or 0 for h in self.hotels)
        )


@dataclass
class _Change:
    """A recorded trip the file changes: its fields and items as they will be."""

    trip: Trip
    fields: dict[str, Any]
    items: ItemRows


def _compute(trip: ImportedTrip, flights: FlightCalculator, selector: FactorSelector) -> _Computed:
    """The figures of a new trip (none when the organisation did not pay it)."""
    if trip.paid_by is not PaidBy.organisation:
        return _Computed((), (), ())
    return _Computed(
        legs=tuple(
            flights.leg(origin=o, destination=d, departure_on=day, cabin_class=cabin, passengers=n)
            for o, d, day, cabin, n in trip.legs
        ),
        ground=tuple(
            ground_result(
                selector,
                mode=g.mode.value,
                travelled_on=g.travelled_on,
                distance_km=g.distance_km,
                passengers=g.passengers,
            )
            for g in trip.ground
        ),
        hotels=tuple(
            hotel_result(
                selector,
                country_code=h.country_code,
                check_in_on=h.check_in_on,
                nights=h.nights,
                rooms=h.rooms,
            )
            for h in trip.hotels
        ),
    )


def _file_items(trip: ImportedTrip) -> ItemRows:
    """The items of a booking as the file gives them, stored as the trip form stores them
    (flights with their ticket numbers)."""
    rows = _item_rows(
        TripItems(legs=list(trip.legs), ground=list(trip.ground), hotels=list(trip.hotels))
    )
    for row, ticket in zip(rows["legs"], trip.tickets, strict=True):
        row["ticket_number"] = ticket or None
    return rows


def _stored_items(trip: Trip) -> ItemRows:
    """The items a trip holds, as ``_file_items`` gives them."""
    columns = {**ITEM_COLUMNS, "legs": (*ITEM_COLUMNS["legs"], "ticket_number")}
    return {
        relation: [{name: getattr(row, name) for name in names} for row in getattr(trip, relation)]
        for relation, names in columns.items()
    }


def _cancelled(item: dict[str, Any], relation: str, cancellation: Cancellation) -> bool:
    """Whether a refund or cancellation row names this item (a flight by its airports, and its
    date where the row's date is one of the booking's; a journey by mode, a stay by country)."""
    if relation == "legs" and cancellation.kind is RowKind.flight:
        return (cancellation.origin in (None, item["origin"])) and (
            cancellation.destination in (None, item["destination"])
        )
    if relation == "ground_legs" and cancellation.kind is RowKind.ground:
        return cancellation.mode == item["mode"].value
    if relation == "hotel_stays" and cancellation.kind is RowKind.hotel:
        return cancellation.country_code in (None, item["country_code"])
    return False


def _item_day(item: dict[str, Any]) -> dt.date:
    return item.get("departure_on") or item.get("travelled_on") or item["check_in_on"]


def _without_cancelled(items: ItemRows, cancellations: Sequence[Cancellation]) -> ItemRows:
    """The items left once the refunds and cancellations took back what they name; all gone
    when one names the whole booking. A row naming an item on another date than any of the
    named items' takes back the items it names on every date."""
    if any(c.whole_booking for c in cancellations):
        return {relation: [] for relation in items}
    kept = {relation: list(rows) for relation, rows in items.items()}
    for cancellation in cancellations:
        for relation, rows in kept.items():
            named = [item for item in rows if _cancelled(item, relation, cancellation)]
            on_day = [item for item in named if _item_day(item) == cancellation.day]
            taken = on_day or named
            kept[relation] = [item for item in rows if not any(item is t for t in taken)]
    return kept


def _inputs(items: ItemRows) -> dict[str, Any]:
    """The trip form's inputs for these items (see trips.update_trip)."""
    return {
        "legs": [
            LegInput(
                origin=leg["origin"],
                destination=leg["destination"],
                departure_on=leg["departure_on"],
                cabin_class=leg["cabin_class"],
                passengers=leg["passengers"],
            )
            for leg in items["legs"]
        ],
        "ground": [
            GroundInput(
                mode=g["mode"],
                travelled_on=g["travelled_on"],
                distance_km=g["distance_km"],
                origin=g["origin"],
                destination=g["destination"],
                passengers=g["passengers"],
            )
            for g in items["ground_legs"]
        ],
        "hotels": [
            HotelInput(
                country_code=h["country_code"],
                check_in_on=h["check_in_on"],
                nights=h["nights"],
                rooms=h["rooms"],
            )
            for h in items["hotel_stays"]
        ],
    }


def _recorded(references: list[str]) -> dict[str, Trip]:
    """The live trips holding these booking references (asked 500 at a time)."""
    found: dict[str, Trip] = {}
    known = imports.known_keys(Trip.booking_reference, references)  # type: ignore[arg-type]
    wanted = sorted(known)
    for start in range(0, len(wanted), 500):
        for trip in db.session.scalars(
            sa.select(Trip).where(Trip.booking_reference.in_(wanted[start : start + 500]))
        ):
            if trip.booking_reference is not None:
                found[trip.booking_reference] = trip
    return found


def _closed_errors(
    rows: list[tuple[int, str, int]], stored: Trip | None, row: int, closed: set[int]
) -> list[RowError]:
    """The rows of a booking whose items fall in a closed year, or the booking's first row
    where the recorded trip does."""
    errors = imports.closed_year_errors(rows, closed)
    if stored is not None and not errors:
        years = sorted(trip_dated_years([stored.id]) & closed)
        if years:
            errors.append(
                RowError(
                    row,
                    "booking_reference",
                    _(
                        "booking %(ref)s is recorded in %(year)d, which is closed: reopen it "
                        "before importing changes to it.",
                        ref=stored.booking_reference,
                        year=years[0],
                    ),
                )
            )
    return errors


def _changed_fields(trip: ImportedTrip, stored: Trip) -> dict[str, Any]:
    """The trip's fields as the file has them (those it does not hold kept as recorded)."""
    values: dict[str, Any] = {
        name: getattr(stored, name)
        for name in ("traveller", "department_id", "purpose", "paid_by", "notes")
    }
    for name in trip.given:
        values[name] = getattr(trip, name)
    return values


@dataclass
class _Planned:
    """What the file does: new trips with their figures, changes, cancellations."""

    new: list[tuple[ImportedTrip, _Computed]]
    changes: list[_Change]
    cancelled: list[Trip]


def _plan_booking(
    trip: ImportedTrip,
    stored: Trip | None,
    planned: _Planned,
    result: imports.ImportResult,
    context: tuple[FlightCalculator, FactorSelector, set[int]],
) -> list[RowError]:
    """Plan one booking: new, changed, cancelled or unchanged; the row errors it has."""
    flights, selector, closed = context
    dated = [(row, "departure_date", day.year) for row, day in trip.dated_rows]
    if stored is None:
        if trip.cancellations:  # sold and refunded in one file: what is left of it
            items = _without_cancelled(_file_items(trip), trip.cancellations)
            if not any(items.values()):  # nothing left, or a refund of a booking not recorded
                result.skipped.append(trip.booking_reference)
                return []
            _keep_items(trip, items)
        errors = imports.closed_year_errors(dated, closed)
        if errors:
            return errors
        try:
            computed = _compute(trip, flights, selector)
        except (NotFound, ValidationFailed) as exc:
            message = str(exc) if isinstance(exc, NotFound) else "; ".join(exc.errors.values())
            return [RowError(trip.rows[0], "departure_date", message)]
        planned.new.append((trip, computed))
        result.created += 1
        result.rows += len(trip.rows)
        result.co2e_g["with_rf"] += computed.grams(with_rf=True)
        result.co2e_g["without_rf"] += computed.grams(with_rf=False)
        return []
    base = _file_items(trip) if trip.has_items else _stored_items(stored)
    items = _without_cancelled(base, trip.cancellations)
    if not any(items.values()):
        errors = _closed_errors([], stored, trip.rows[0], closed)
        if not errors:
            planned.cancelled.append(stored)
            result.cancelled.append(trip.booking_reference)
        return errors
    _keep_straight_lines(stored, items)
    fields = _changed_fields(trip, stored)
    same_fields = all(getattr(stored, name) == value for name, value in fields.items())
    if same_fields and not _items_differ(stored, items):
        result.skipped.append(trip.booking_reference)
        return []
    errors = _closed_errors(dated, stored, trip.rows[0], closed)
    if not errors:
        planned.changes.append(_Change(trip=stored, fields=fields, items=items))
        result.changed.append(trip.booking_reference)
    return errors


def _keep_straight_lines(stored: Trip, items: ItemRows) -> None:
    """A journey recorded before route factors went the straight line between its places; the
    same booking sent again without a distance keeps it (not a change of the booking: the
    journey's line says how its distance was found)."""
    for row, journey in zip(items["ground_legs"], stored.ground_legs, strict=False):
        same = all(
            row[name] == getattr(journey, name)
            for name in ("mode", "origin", "destination", "travelled_on")
        )
        if not same or row["distance_km"] == journey.distance_km:
            continue
        ends = journey_ends(journey)
        if ends is not None:
            straight = airports.great_circle_km(*ends)
            estimated = route_km(journey.mode.value, *ends)
            if journey.distance_km == straight and row["distance_km"] == estimated:
                row["distance_km"] = journey.distance_km


def _keep_items(trip: ImportedTrip, items: ItemRows) -> None:
    """Keep only these of the booking's items (what a refund in the same file left)."""
    kept_legs = [
        (leg, ticket)
        for leg, ticket in zip(trip.legs, trip.tickets, strict=True)
        if any(
            (leg[0].code, leg[1].code, leg[2])
            == (row["origin"], row["destination"], row["departure_on"])
            for row in items["legs"]
        )
    ]
    trip.legs = tuple(leg for leg, _ticket in kept_legs)
    trip.tickets = tuple(ticket for _leg, ticket in kept_legs)
    trip.ground = tuple(
        g
        for g in trip.ground
        if any(
            row["mode"] == g.mode and row["travelled_on"] == g.travelled_on
            for row in items["ground_legs"]
        )
    )
    trip.hotels = tuple(
        h
        for h in trip.hotels
        if any(
            row["country_code"] == h.country_code and row["check_in_on"] == h.check_in_on
            for row in items["hotel_stays"]
        )
    )


def _plan(table: Table, on_progress: imports.Progress | None) -> imports.Plan:
    trips = agency_file.parse(table)  # consumes the rows: the bookings hold what the plan needs
    recorded = _recorded([trip.booking_reference for trip in trips])
    result = imports.ImportResult(co2e_g={"with_rf": 0, "without_rf": 0})
    selector = FactorSelector()
    flights = FlightCalculator(
        selector=selector, haul_method=HaulMethod(get_organisation().flight_haul_method)
    )
    context = (flights, selector, org.closed_years())
    planned = _Planned(new=[], changes=[], cancelled=[])
    errors: list[RowError] = []
    for trip in trips:
        errors += _plan_booking(
            trip, recorded.get(trip.booking_reference), planned, result, context
        )
        if on_progress is not None:
            on_progress(len(trip.rows))
    if errors:
        raise ImportFailed(errors)
    result.skipped.sort()
    return imports.Plan(
        result=result,
        write=lambda batch, actor: _write(batch, planned, actor),
    )


def _write(batch: ImportBatch, planned: _Planned, actor: User | None) -> None:
    """Write the new trips in bulk, then change and cancel the recorded ones."""
    _write_trips(batch, planned.new, actor)
    for change in planned.changes:
        trip = change.trip
        update_trip(
            actor=actor,
            trip=trip,
            booking_reference=trip.booking_reference,
            **change.fields,
            **_inputs(change.items),
        )
        tickets = {}
        for leg, wanted in zip(trip.legs, change.items["legs"], strict=True):
            if leg.ticket_number != wanted["ticket_number"]:
                tickets[f"leg {leg.position + 1} ticket"] = {
                    "before": leg.ticket_number,
                    "after": wanted["ticket_number"],
                }
                leg.ticket_number = wanted["ticket_number"]
        if tickets:  # the flights are the same, their tickets new (a reissue): audited too
            audit.record(
                actor=actor,
                action="travel.trip.tickets_changed",
                obj=trip,
                summary=f"Trip {trip.id}: ticket numbers from {batch.filename}",
                changes=tickets,
            )
    for trip in planned.cancelled:
        removals.remove_record(
            actor=actor,
            kind=ACTIVITY_TYPE,
            record=trip,
            action="travel.trip.cancelled",
            before=_snapshot(trip),
            summary=f"Trip {trip.id} of {trip.traveller}: booking {trip.booking_reference} "
            f"cancelled or refunded in {batch.filename}",
        )
    db.session.flush()


def _item_lines(
    trip_id: int, trip: ImportedTrip, computed: _Computed, figures: IcaoFigures
) -> list[ledger.LineSpec]:
    """The ledger lines of a new trip, labelled as the trip form labels them (trip_lines)."""
    lines: list[ledger.LineSpec] = []
    for position, leg in enumerate(computed.legs):
        lines += leg_lines(
            leg,
            activity_type=ACTIVITY_TYPE,
            activity_id=trip_id,
            item=f"leg {position + 1}",
            label=f"leg {position + 1} {leg.route} {leg.departure_on}",
            department_id=trip.department_id,
        )
        icao = icao_line(
            leg,
            figures,
            activity_type=ACTIVITY_TYPE,
            activity_id=trip_id,
            item=f"leg {position + 1}",
            department_id=trip.department_id,
        )
        if icao is not None:
            lines.append(icao)
    for position, (ground, result) in enumerate(zip(trip.ground, computed.ground, strict=False)):
        lines += ground_lines(
            result,
            activity_id=trip_id,
            item=f"journey {position + 1}",
            label=ground_label(ground),
            department_id=trip.department_id,
        )
    for position, (stay, stay_result) in enumerate(zip(trip.hotels, computed.hotels, strict=False)):
        lines += hotel_lines(
            stay_result,
            activity_id=trip_id,
            item=f"stay {position + 1}",
            label=f"hotel {stay.country_code} {stay.check_in_on} "
            f"{stay.nights} nights x{stay.rooms}",
            department_id=trip.department_id,
        )
    return lines


#: new trips written at once: the rows of a chunk are built, written and dropped before the next
WRITE_CHUNK = 2_000


def _write_trips(
    batch: ImportBatch, new: list[tuple[ImportedTrip, _Computed]], actor: User | None
) -> None:
    """Insert the new trips, their flights, journeys, stays and lines in bulk, a chunk at a
    time (the rows of all of them at once would hold the memory of the whole file again)."""
    now = utcnow()
    # ids only grow: a chunk's trips are the batch's trips above the highest id seen before it
    last_id = db.session.scalar(sa.select(sa.func.max(Trip.id))) or 0
    for start in range(0, len(new), WRITE_CHUNK):
        last_id = _write_chunk(batch, new[start : start + WRITE_CHUNK], actor, now, last_id)


def _write_chunk(
    batch: ImportBatch,
    new: list[tuple[ImportedTrip, _Computed]],
    actor: User | None,
    now: dt.datetime,
    last_id: int,
) -> int:
    """Write a chunk of new trips (ids above ``last_id``); the highest id written."""
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
                "starts_on": min(trip.dated_rows, key=itemgetter(1))[1],
                "created_at": now,
                "updated_at": now,
                "version_id": 1,
                "created_by_id": actor.id if actor else None,
                "import_batch_id": batch.id,
            }
            for trip, _computed in new
        ],
    )
    # every imported trip has its booking reference, unique: that is how ids are found
    ids = {
        str(reference): trip_id
        for reference, trip_id in db.session.execute(
            sa.select(Trip.booking_reference, Trip.id).where(
                Trip.id > last_id, Trip.import_batch_id == batch.id
            )
        )
    }
    leg_rows: list[dict[str, Any]] = []
    ground_rows: list[dict[str, Any]] = []
    hotel_rows: list[dict[str, Any]] = []
    lines: list[ledger.LineSpec] = []
    figures = icao_figures(FactorSelector())
    for trip, computed in new:
        trip_id = ids[trip.booking_reference]
        items = _file_items(trip)
        for position, row in enumerate(items["legs"]):
            row["trip_id"], row["position"] = trip_id, position
        leg_rows += items["legs"]
        ground_rows += [
            {"trip_id": trip_id, "position": position, **row}
            for position, row in enumerate(items["ground_legs"])
        ]
        hotel_rows += [
            {"trip_id": trip_id, "position": position, **row}
            for position, row in enumerate(items["hotel_stays"])
        ]
        lines += _item_lines(trip_id, trip, computed, figures)
    for model, rows in ((FlightLeg, leg_rows), (GroundLeg, ground_rows), (HotelStay, hotel_rows)):
        if rows:
            bulk_insert(model, rows)
    ledger.add_lines(lines)
    return max(ids.values(), default=last_id)


IMPORTER = imports.Importer(
    kind=IMPORT_KIND,
    require=_require_travel,
    fields=agency_words.FIELDS,
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
    """Import an agency export: all rows or none; bookings recorded with the same content are
    skipped, changed ones updated, cancelled or refunded ones removed (restorably)."""
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
