"""Recording, changing and removing trips with their emission lines.

Services flush; callers commit. The trip is the activity of the ledger: every change of a trip
replaces its lines in the same transaction (only trips the organisation paid have lines).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed, check_version
from ems.extensions import db, utcnow
from ems.factors.services import FactorSelector
from ems.imports import services as imports
from ems.ledger import services as ledger
from ems.org.models import Department
from ems.removals import services as removals
from ems.travel import airports
from ems.travel.models import FlightLeg, GroundLeg, HotelStay, PaidBy, Trip, TripSource
from ems.travel.services.legs import (
    GroundInput,
    HotelInput,
    LegInput,
    TripItems,
    check_items,
    with_return,
)
from ems.travel.services.lines import ACTIVITY_TYPE, trip_lines
from ems.validation import check_text


def _require_travel(actor: User | None) -> None:
    if actor is not None and not actor.has_any_role(Role.travel, Role.ems):
        raise PermissionDenied(_("Only travel staff and the EMS working group record trips."))


def _trip_fields(
    errors: dict[str, str],
    *,
    traveller: str,
    department_id: int | None,
    purpose: str | None,
    paid_by: PaidBy | str,
    booking_reference: str | None,
    notes: str | None,
    trip_id: int | None,
) -> dict[str, object]:
    traveller = check_text(errors, "traveller", traveller, Trip.TRAVELLER_MAX_LEN)
    purpose = check_text(errors, "purpose", purpose, Trip.PURPOSE_MAX_LEN, required=False)
    notes = check_text(errors, "notes", notes, Trip.NOTES_MAX_LEN, required=False, multiline=True)
    reference = (
        check_text(
            errors,
            "booking_reference",
            booking_reference,
            Trip.BOOKING_REFERENCE_MAX_LEN,
            required=False,
        )
        or None
    )
    try:
        paid = PaidBy(paid_by)
    except ValueError:
        errors["paid_by"] = _("Choose who paid.")
        paid = PaidBy.organisation
    if department_id and db.session.get(Department, department_id) is None:
        errors["department_id"] = _("Choose a department from the list.")
    if reference and "booking_reference" not in errors:
        stmt = sa.select(Trip.id).where(Trip.booking_reference == reference)
        if trip_id is not None:
            stmt = stmt.where(Trip.id != trip_id)
        if db.session.scalar(stmt) is not None:
            errors["booking_reference"] = _("Another trip has this booking reference.")
    return {
        "traveller": traveller,
        "department_id": department_id or None,
        "purpose": purpose,
        "paid_by": paid,
        "booking_reference": reference,
        "notes": notes,
    }


ITEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "legs": ("origin", "destination", "departure_on", "cabin_class", "passengers", "distance_km"),
    "ground_legs": ("mode", "travelled_on", "origin", "destination", "distance_km", "passengers"),
    "hotel_stays": ("country_code", "check_in_on", "nights", "rooms"),
}
ITEM_MODELS: dict[str, type[FlightLeg | GroundLeg | HotelStay]] = {
    "legs": FlightLeg,
    "ground_legs": GroundLeg,
    "hotel_stays": HotelStay,
}
ItemRows = dict[str, list[dict[str, Any]]]


def _item_rows(items: TripItems) -> ItemRows:
    """The rows the checked items are stored as, in order, by relationship."""
    return {
        "legs": [
            {
                "origin": origin.code,
                "destination": destination.code,
                "departure_on": departure_on,
                "cabin_class": cabin,
                "passengers": passengers,
                "distance_km": airports.great_circle_km(origin, destination),
            }
            for origin, destination, departure_on, cabin, passengers in items.legs
        ],
        "ground_legs": [
            {name: getattr(ground, name) for name in ITEM_COLUMNS["ground_legs"]}
            for ground in items.ground
        ],
        "hotel_stays": [
            {name: getattr(stay, name) for name in ITEM_COLUMNS["hotel_stays"]}
            for stay in items.hotels
        ],
    }


def _differs(row: object, values: dict[str, Any]) -> bool:
    """True when a stored row holds other values (decimals compare by value)."""
    return any(getattr(row, name) != value for name, value in values.items())


def _items_differ(trip: Trip, wanted: ItemRows) -> bool:
    """True when the trip's stored items are not ``wanted``, position by position."""
    for relation, rows in wanted.items():
        stored = getattr(trip, relation)
        if len(stored) != len(rows) or any(map(_differs, stored, rows)):
            return True
    return False


def _set_items(trip: Trip, wanted: ItemRows) -> None:
    """Store the items position by position: a row with the same values is left as it is, a
    changed one is updated in place, rows beyond the new count go and new ones are added."""
    for relation, rows in wanted.items():
        stored = getattr(trip, relation)
        del stored[len(rows) :]  # positions from len(rows) on: never taken again below
        for position, values in enumerate(rows):
            if position < len(stored):
                row = stored[position]
                for name, value in values.items():
                    if getattr(row, name) != value:
                        setattr(row, name, value)
            else:
                stored.append(ITEM_MODELS[relation](position=position, **values))
    dates = [
        row[name]
        for relation, name in (
            ("legs", "departure_on"),
            ("ground_legs", "travelled_on"),
            ("hotel_stays", "check_in_on"),
        )
        for row in wanted[relation]
    ]
    if trip.starts_on != min(dates):
        trip.starts_on = min(dates)


def _record(trip: Trip) -> None:
    ledger.record_lines(
        activity_type=ACTIVITY_TYPE,
        activity_id=trip.id,
        lines=trip_lines(trip.id, FactorSelector()),
    )


TRIP_FIELDS = ("traveller", "department_id", "purpose", "paid_by", "booking_reference", "notes")


def _snapshot(trip: Trip) -> dict[str, object]:
    """The trip's fields and one entry per item, named as the item's ledger lines ("leg 2",
    "journey 1", "stay 1"): the audit of an edit lists only the items that changed."""
    values = audit.snapshot(trip, TRIP_FIELDS)
    for leg in trip.legs:
        values[f"leg {leg.position + 1}"] = (
            f"{leg.origin}-{leg.destination} {leg.departure_on} {leg.cabin_class} x{leg.passengers}"
        )
    for g in trip.ground_legs:
        values[f"journey {g.position + 1}"] = (
            f"{g.mode} {g.origin}-{g.destination} {g.travelled_on} "
            f"{g.distance_km} km x{g.passengers}"
        )
    for h in trip.hotel_stays:
        values[f"stay {h.position + 1}"] = (
            f"{h.country_code} {h.check_in_on} {h.nights} nights x{h.rooms}"
        )
    return values


def _comparable(value: object) -> object:
    """A field value as compared for a change: a browser sends a text's line ends as CRLF."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def create_trip(
    *,
    actor: User | None,
    traveller: str,
    legs: Sequence[LegInput] = (),
    ground: Sequence[GroundInput] = (),
    hotels: Sequence[HotelInput] = (),
    paid_by: PaidBy | str = PaidBy.organisation,
    department_id: int | None = None,
    purpose: str | None = "",
    booking_reference: str | None = None,
    notes: str | None = "",
    is_return: bool = False,
    return_on: dt.date | None = None,
    source: TripSource = TripSource.manual,
) -> Trip:
    """Record a trip: flights (and the way back, for a return), journeys, hotel stays."""
    _require_travel(actor)
    errors: dict[str, str] = {}
    fields = _trip_fields(
        errors,
        traveller=traveller,
        department_id=department_id,
        purpose=purpose,
        paid_by=paid_by,
        booking_reference=booking_reference,
        notes=notes,
        trip_id=None,
    )
    try:
        items = check_items(with_return(legs, return_on) if is_return else legs, ground, hotels)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    ledger.check_open_years({day.year for day in items.dates()})  # a closed year's trips are final
    trip = Trip(source=source, created_by_id=actor.id if actor else None, **fields)
    _set_items(trip, _item_rows(items))
    db.session.add(trip)
    db.session.flush()
    _record(trip)
    audit.record(
        actor=actor,
        action="travel.trip.created",
        obj=trip,
        summary=f"Trip of {trip.traveller} from {trip.starts_on}",
        changes=audit.diff({}, _snapshot(trip)),
    )
    return trip


def update_trip(
    *,
    actor: User | None,
    trip: Trip,
    traveller: str,
    legs: Sequence[LegInput] = (),
    ground: Sequence[GroundInput] = (),
    hotels: Sequence[HotelInput] = (),
    paid_by: PaidBy | str = PaidBy.organisation,
    department_id: int | None = None,
    purpose: str | None = "",
    booking_reference: str | None = None,
    notes: str | None = "",
    expected_version: int | None = None,
) -> Trip:
    """Change a trip: only what differs. Items are matched by position; an unchanged item keeps
    its row and its emission lines, a changed one gets new lines (the old ones stay,
    superseded). Saving the trip as it is changes nothing: no lines, no audit entry, no new
    version."""
    _require_travel(actor)
    check_version(trip.version_id, expected_version)
    errors: dict[str, str] = {}
    fields = _trip_fields(
        errors,
        traveller=traveller,
        department_id=department_id,
        purpose=purpose,
        paid_by=paid_by,
        booking_reference=booking_reference,
        notes=notes,
        trip_id=trip.id,
    )
    try:
        items = check_items(legs, ground, hotels)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    changed = {
        name: value
        for name, value in fields.items()
        if _comparable(getattr(trip, name)) != _comparable(value)
    }
    wanted = _item_rows(items)
    if not changed and not _items_differ(trip, wanted):
        return trip
    # a trip of a closed year is final, whatever changes: its days before and after the edit
    ledger.check_open_years(trip_dated_years([trip.id]) | {day.year for day in items.dates()})
    before = _snapshot(trip)
    for name, value in changed.items():
        setattr(trip, name, value)
    _set_items(trip, wanted)
    trip.updated_at = utcnow()  # bumps the version even when only the items changed
    db.session.flush()
    changes = audit.diff(before, _snapshot(trip))
    _record(trip)
    audit.record(
        actor=actor,
        action="travel.trip.updated",
        obj=trip,
        summary=f"Trip {trip.id} of {trip.traveller} changed",
        changes=changes,
    )
    return trip


def delete_trip(*, actor: User | None, trip: Trip) -> removals.Removal:
    """Remove a trip; it can be restored with its lines (see ems.removals)."""
    _require_travel(actor)
    before = _snapshot(trip)
    return removals.remove_record(
        actor=actor,
        kind=ACTIVITY_TYPE,
        record=trip,
        action="travel.trip.deleted",
        before=before,
        summary=f"Trip {trip.id} of {trip.traveller} from {trip.starts_on}",
    )


def get_trip(trip_id: int) -> Trip:
    """The trip with ``trip_id``; NotFound if none."""
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        raise NotFound(f"trip {trip_id}")
    return trip


def trip_dated_years(trip_ids: list[int]) -> set[int]:
    """The years of the days of these trips' flights, journeys and stays (removed included)."""
    years: set[int] = set()
    for day, key in (
        (FlightLeg.departure_on, FlightLeg.trip_id),
        (GroundLeg.travelled_on, GroundLeg.trip_id),
        (HotelStay.check_in_on, HotelStay.trip_id),
    ):
        years |= removals.years_spanned(day, day, trip_ids, key=key)
    return years


def _booking_conflicts(trip_ids: list[int]) -> list[str]:
    """Booking references of these (removed) trips that live trips hold now."""
    references = [
        reference
        for (reference,) in removals.rows_of(Trip.id, trip_ids, Trip.booking_reference)
        if reference
    ]
    taken = imports.known_keys(Trip.booking_reference, references)  # type: ignore[arg-type]
    return [
        _("booking %(reference)s is recorded again", reference=reference)
        for reference in sorted(taken)
    ]


removals.register_kind(
    removals.RemovalKind(
        code=ACTIVITY_TYPE,
        label=_l("Trip"),
        roles=(Role.travel, Role.ems),
        model=Trip,
        activity_type=ACTIVITY_TYPE,
        conflicts=lambda _removal, ids: _booking_conflicts(ids),
        list_endpoint="travel.list_trips",
        record_years=trip_dated_years,
    )
)
