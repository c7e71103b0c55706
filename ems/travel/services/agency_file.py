"""Reading a travel agency's export: one row per flight, rows of one booking form one trip."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.errors import ValidationFailed
from ems.extensions import db
from ems.imports import ImportFailed, RowError, control_character_errors, read_table, row_date
from ems.org.models import Department
from ems.travel.calculation import CabinClass
from ems.travel.models import PaidBy, Trip
from ems.travel.services.legs import CheckedLeg, LegInput, check_legs

REQUIRED = ("booking_reference", "traveller", "origin", "destination", "departure_date")
OPTIONAL = ("cabin_class", "passengers", "department", "purpose", "paid_by", "notes")
#: how agency exports name our columns (lower case, spaces for _ and -)
ALIASES = {
    "booking ref": "booking_reference",
    "booking reference": "booking_reference",
    "pnr": "booking_reference",
    "record locator": "booking_reference",
    "reservation": "booking_reference",
    "ticket number": "booking_reference",
    "passenger": "traveller",
    "passenger name": "traveller",
    "traveler": "traveller",
    "traveller name": "traveller",
    "traveler name": "traveller",
    "employee": "traveller",
    "from": "origin",
    "departure airport": "origin",
    "dep airport": "origin",
    "origin airport": "origin",
    "to": "destination",
    "arrival airport": "destination",
    "arr airport": "destination",
    "destination airport": "destination",
    "date": "departure_date",
    "departure date": "departure_date",
    "travel date": "departure_date",
    "flight date": "departure_date",
    "class": "cabin_class",
    "cabin": "cabin_class",
    "cabin class": "cabin_class",
    "service class": "cabin_class",
    "pax": "passengers",
    "number of passengers": "passengers",
    "dept": "department",
    "cost centre": "department",
    "cost center": "department",
    "reason": "purpose",
    "trip purpose": "purpose",
    "paid by": "paid_by",
    "payer": "paid_by",
    "comment": "notes",
    "comments": "notes",
}
CABIN_ALIASES = {
    "": CabinClass.unknown,
    "economy": CabinClass.economy,
    "eco": CabinClass.economy,
    "y": CabinClass.economy,
    "coach": CabinClass.economy,
    "premium economy": CabinClass.premium_economy,
    "premium": CabinClass.premium_economy,
    "w": CabinClass.premium_economy,
    "business": CabinClass.business,
    "c": CabinClass.business,
    "j": CabinClass.business,
    "first": CabinClass.first,
    "f": CabinClass.first,
    "unknown": CabinClass.unknown,
}
PAID_BY_ALIASES = {
    "": PaidBy.organisation,
    "organisation": PaidBy.organisation,
    "organization": PaidBy.organisation,
    "org": PaidBy.organisation,
    "other": PaidBy.other,
    "others": PaidBy.other,
    "external": PaidBy.other,
}
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,6}")


@dataclass
class ImportedTrip:
    """The rows of one booking, checked."""

    booking_reference: str
    traveller: str
    department_id: int | None
    purpose: str
    paid_by: PaidBy
    notes: str
    rows: list[int] = field(default_factory=list)
    legs: list[CheckedLeg] = field(default_factory=list)


def _departments() -> dict[str, int]:
    names: dict[str, int] = {}
    for department_id, name, code in db.session.execute(
        sa.select(Department.id, Department.name, Department.code)
    ):
        names[name.lower()] = department_id
        if code:
            names[code.lower()] = department_id
    return names


@dataclass(frozen=True)
class _BookingRow:
    """One row's values, checked: a flight of a booking."""

    reference: str
    traveller: str
    department_id: int | None
    purpose: str
    paid_by: PaidBy
    notes: str
    leg: CheckedLeg


def _check_reference(errors: list[RowError], number: int, row: dict[str, str]) -> str:
    """A booking reference of 1 to BOOKING_REFERENCE_MAX_LEN characters."""
    reference = row["booking_reference"]
    if not reference or len(reference) > Trip.BOOKING_REFERENCE_MAX_LEN:
        errors.append(
            RowError(
                number,
                "booking_reference",
                _(
                    "a booking reference of 1 to %(n)d characters is required",
                    n=Trip.BOOKING_REFERENCE_MAX_LEN,
                ),
            )
        )
    return reference


def _check_traveller(errors: list[RowError], number: int, row: dict[str, str]) -> str:
    """A traveller's name within its length."""
    traveller = row["traveller"]
    if not traveller or len(traveller) > Trip.TRAVELLER_MAX_LEN:
        errors.append(RowError(number, "traveller", _("a traveller's name is required")))
    return traveller


def _check_cabin(errors: list[RowError], number: int, row: dict[str, str]) -> CabinClass | None:
    """A cabin class as agencies write it (none: unknown)."""
    cabin = CABIN_ALIASES.get(row.get("cabin_class", "").lower().replace("_", " "))
    if cabin is None:
        errors.append(
            RowError(
                number,
                "cabin_class",
                _(
                    "“%(value)s” is not economy, premium economy, business, first or unknown",
                    value=row["cabin_class"][:20],
                ),
            )
        )
    return cabin


def _check_passengers(errors: list[RowError], number: int, row: dict[str, str]) -> int | None:
    """A whole number of passengers (none: one); its range is the leg check's."""
    passengers_text = row.get("passengers") or "1"
    passengers = int(passengers_text) if WHOLE_NUMBER.fullmatch(passengers_text) else None
    if passengers is None:
        errors.append(RowError(number, "passengers", _("a whole number is required")))
    return passengers


def _check_paid_by(errors: list[RowError], number: int, row: dict[str, str]) -> PaidBy | None:
    """Who paid: the organisation (also when blank) or another."""
    paid_by = PAID_BY_ALIASES.get(row.get("paid_by", "").lower())
    if paid_by is None:
        errors.append(RowError(number, "paid_by", _("“organisation” or “other”")))
    return paid_by


def _check_department(
    errors: list[RowError], number: int, row: dict[str, str], departments: dict[str, int]
) -> int | None:
    """A department by name or code, where one is given."""
    if not row.get("department"):
        return None
    department_id = departments.get(row["department"].lower())
    if department_id is None:
        errors.append(
            RowError(
                number,
                "department",
                _("no department is named or coded “%(value)s”", value=row["department"][:40]),
            )
        )
    return department_id


def _check_lengths(errors: list[RowError], number: int, row: dict[str, str]) -> None:
    """The purpose and notes within their lengths."""
    for column, limit in (("purpose", Trip.PURPOSE_MAX_LEN), ("notes", Trip.NOTES_MAX_LEN)):
        if len(row.get(column, "")) > limit:
            errors.append(RowError(number, column, _("at most %(n)d characters", n=limit)))


def _check_flight(
    errors: list[RowError],
    number: int,
    row: dict[str, str],
    leg: tuple[dt.date | None, CabinClass | None, int | None],
    today: dt.date | None,
) -> CheckedLeg | None:
    """The flight as the trip form checks it (airports, date, class, passengers), once its date,
    class and passengers were read; the form's field names become the file's columns."""
    day, cabin, passengers = leg
    if day is None or passengers is None or cabin is None:
        return None
    try:
        (checked,) = check_legs(
            [
                LegInput(
                    origin=row["origin"],
                    destination=row["destination"],
                    departure_on=day,
                    cabin_class=cabin,
                    passengers=passengers,
                )
            ],
            today=today,
        )
    except ValidationFailed as exc:
        errors.extend(
            RowError(
                number,
                name.rsplit("-", 1)[-1].replace("departure_on", "departure_date"),
                message,
            )
            for name, message in exc.errors.items()
        )
        return None
    return checked


def _check_row(
    errors: list[RowError],
    number: int,
    row: dict[str, str],
    departments: dict[str, int],
    today: dt.date | None,
) -> _BookingRow | None:
    """The row's values, every problem of it added to ``errors`` (None when there is one)."""
    before = len(errors)
    reference = _check_reference(errors, number, row)
    traveller = _check_traveller(errors, number, row)
    day = row_date(errors, number, "departure_date", row["departure_date"])
    cabin = _check_cabin(errors, number, row)
    passengers = _check_passengers(errors, number, row)
    paid_by = _check_paid_by(errors, number, row)
    department_id = _check_department(errors, number, row, departments)
    _check_lengths(errors, number, row)
    checked = _check_flight(errors, number, row, (day, cabin, passengers), today)
    if len(errors) > before or checked is None:
        return None
    return _BookingRow(
        reference=reference,
        traveller=traveller,
        department_id=department_id,
        purpose=row.get("purpose", ""),
        paid_by=paid_by or PaidBy.organisation,
        notes=row.get("notes", ""),
        leg=checked,
    )


def _check_joins_booking(
    errors: list[RowError], number: int, trip: ImportedTrip, booking: _BookingRow
) -> bool:
    """A further row of a booking agrees with its first row, repeats none of its flights and
    stays within MAX_LEGS flights; False when it does not (the problems added to ``errors``)."""
    before = len(errors)
    same = {
        "traveller": trip.traveller == booking.traveller,
        "paid_by": trip.paid_by == booking.paid_by,
        "department": trip.department_id == booking.department_id,
        "purpose": trip.purpose == booking.purpose,
    }
    errors += [
        RowError(
            number,
            column,
            _(
                "booking %(ref)s has another value on row %(row)d; the rows of one booking "
                "must agree",
                ref=booking.reference,
                row=trip.rows[0],
            ),
        )
        for column, ok in same.items()
        if not ok
    ]
    if booking.leg in trip.legs:
        errors.append(
            RowError(
                number,
                "origin",
                _("the same flight as on another row of booking %(ref)s", ref=booking.reference),
            )
        )
    if len(trip.legs) >= Trip.MAX_LEGS:
        errors.append(
            RowError(
                number,
                "booking_reference",
                _("a booking holds at most %(n)d flights", n=Trip.MAX_LEGS),
            )
        )
    return len(errors) == before


def parse(data: bytes, filename: str, *, today: dt.date | None = None) -> list[ImportedTrip]:
    """Check every row; return the trips by booking, or raise ImportFailed listing every problem."""
    rows = read_table(data, filename, required=REQUIRED, optional=OPTIONAL, aliases=ALIASES)
    departments = _departments()
    errors: list[RowError] = []
    trips: dict[str, ImportedTrip] = {}
    order: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for number, row in rows:
        unsafe = control_character_errors(number, row)
        if unsafe:
            errors += unsafe
            continue  # nothing else of this row can be trusted
        booking = _check_row(errors, number, row, departments, today)
        if booking is None:
            continue
        trip = trips.get(booking.reference)
        if trip is None:
            trip = trips[booking.reference] = ImportedTrip(
                booking_reference=booking.reference,
                traveller=booking.traveller,
                department_id=booking.department_id,
                purpose=booking.purpose,
                paid_by=booking.paid_by,
                notes=booking.notes,
            )
        elif not _check_joins_booking(errors, number, trip, booking):
            continue
        trip.rows.append(number)
        trip.legs.append(booking.leg)
        order[booking.reference].append((booking.leg[2], len(trip.legs) - 1))
    if errors:
        raise ImportFailed(errors)
    for reference, trip in trips.items():  # legs in date order, rows kept in order within a day
        trip.legs = [trip.legs[index] for _day, index in sorted(order[reference])]
    return list(trips.values())
