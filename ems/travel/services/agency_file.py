"""Reading a travel agency's export: one row per flight, rail or road journey or hotel stay; the
rows of one booking form one trip; refund and cancellation rows name what they take back.

The framework (ems.imports.mapping) has already mapped the file's columns to ``FIELDS``,
translated values by the import profile, written numbers as "1234.5" and dates in ISO form;
``parse`` checks every row as the trip form checks its fields and groups them by booking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from babel import Locale
from flask_babel import gettext as _

from ems.errors import ValidationFailed
from ems.extensions import db, utcnow
from ems.imports import ImportFailed, RowError, control_character_errors, row_date
from ems.imports.mapping import Table
from ems.org.models import Department
from ems.org.services import countries
from ems.travel import airports
from ems.travel.calculation import ROUTE_FACTORS, CabinClass, route_km
from ems.travel.models import FlightLeg, GroundLeg, HotelStay, PaidBy, Trip
from ems.travel.services.agency_words import (
    BOOKING_CLASS_LETTERS,
    CABIN_WORDS,
    NO_WORDS,
    PAID_BY_ALIASES,
    STATUS_CANCELS,
    TRAVEL_TYPES,
    YES_WORDS,
    RowKind,
    word_key,
)
from ems.travel.services.legs import (
    CheckedLeg,
    GroundInput,
    HotelInput,
    LegInput,
    _check_ground,
    _check_hotels,
    check_legs,
    with_return,
)


@dataclass(frozen=True)
class Cancellation:
    """A refund or cancellation row: the whole booking, or the items it names."""

    row: int
    kind: RowKind
    #: a flight's airport codes, a journey's mode; None where the row names none (all of them)
    origin: str | None = None
    destination: str | None = None
    mode: str | None = None
    country_code: str | None = None
    day: dt.date | None = None

    @property
    def whole_booking(self) -> bool:
        """The row names nothing: the whole booking is cancelled."""
        return (
            self.kind is RowKind.flight
            and self.origin is None
            and self.destination is None
            and self.mode is None
        )


@dataclass(slots=True)
class ImportedTrip:
    """The rows of one booking, checked: its flights (with their ticket numbers), journeys
    and stays, and the refunds or cancellations it was sent with. A large file has hundreds of
    thousands: their items (at most Trip.MAX_LEGS of a kind) are tuples, an empty one taking
    no memory; their rows and refunds, as many as the file has, lists."""

    booking_reference: str
    traveller: str
    department_id: int | None
    purpose: str
    paid_by: PaidBy
    notes: str
    rows: list[int] = field(default_factory=list)
    legs: tuple[CheckedLeg, ...] = ()
    #: the ticket number of each flight ("" where the file gives none), as ``legs``
    tickets: tuple[str, ...] = ()
    ground: tuple[GroundLeg, ...] = ()
    hotels: tuple[HotelStay, ...] = ()
    cancellations: list[Cancellation] = field(default_factory=list)
    #: the row and date of each item, for the closed-year check
    dated_rows: tuple[tuple[int, dt.date], ...] = ()
    #: the trip's own fields the file holds (the others are kept as recorded)
    given: frozenset[str] = frozenset()

    @property
    def has_items(self) -> bool:
        """The file holds the booking's content (not only refunds of it)."""
        return bool(self.legs or self.ground or self.hotels)


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
    """One row's values, checked: a flight, journey or stay of a booking, or a refund."""

    reference: str
    traveller: str
    department_id: int | None
    purpose: str
    paid_by: PaidBy
    notes: str
    legs: tuple[CheckedLeg, ...] = ()
    ticket: str = ""
    ground: GroundLeg | None = None
    hotel: HotelStay | None = None
    cancellation: Cancellation | None = None


def _check_reference(errors: list[RowError], number: int, row: dict[str, str]) -> str:
    """The booking reference, or else the ticket number, of 1 to BOOKING_REFERENCE_MAX_LEN
    characters."""
    reference = row.get("booking_reference", "") or row.get("ticket_number", "")
    if not reference or len(reference) > Trip.BOOKING_REFERENCE_MAX_LEN:
        errors.append(
            RowError(
                number,
                "booking_reference",
                _(
                    "a booking reference (or a ticket number) of 1 to %(n)d characters is required",
                    n=Trip.BOOKING_REFERENCE_MAX_LEN,
                ),
            )
        )
    return reference


def _check_ticket(errors: list[RowError], number: int, row: dict[str, str]) -> str:
    """A ticket number within its length (spaces and dashes as written)."""
    ticket = row.get("ticket_number", "")
    if len(ticket) > FlightLeg.TICKET_NUMBER_MAX_LEN:
        errors.append(
            RowError(
                number,
                "ticket_number",
                _("at most %(n)d characters", n=FlightLeg.TICKET_NUMBER_MAX_LEN),
            )
        )
    return ticket


def _check_traveller(errors: list[RowError], number: int, row: dict[str, str]) -> str:
    """A traveller's name within its length."""
    traveller = row.get("traveller", "")
    if not traveller or len(traveller) > Trip.TRAVELLER_MAX_LEN:
        errors.append(RowError(number, "traveller", _("a traveller's name is required")))
    return traveller


def _cabin_of(text: str) -> CabinClass | None:
    """The cabin of a class word (several languages, DESNZ's labels) or a booking-class letter;
    None if it is neither."""
    value = text.strip()
    if len(value) == 1 and value.isalpha():
        return BOOKING_CLASS_LETTERS.get(value.upper())
    return CABIN_WORDS.get(word_key(value).replace("_", " "))


def _check_cabin(errors: list[RowError], number: int, row: dict[str, str]) -> CabinClass | None:
    """The cabin from the cabin column, else the booking-class column (none: unknown)."""
    for column in ("cabin_class", "booking_class"):
        text = row.get(column, "")
        if not text:
            continue
        cabin = _cabin_of(text)
        if cabin is None:
            errors.append(
                RowError(
                    number,
                    column,
                    _(
                        "“%(value)s” is not economy, premium economy, business, first, unknown "
                        "or a booking-class letter",
                        value=text[:20],
                    ),
                )
            )
        return cabin
    return CabinClass.unknown


def _whole_number(
    errors: list[RowError], number: int, row: dict[str, str], column: str, default: str
) -> int | None:
    """A whole number (written "3" or "3.0"); ``default`` when blank."""
    text = row.get(column) or default
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    # the size first, without arithmetic: "1E+999999999" overflows abs() and to_integral_value
    if (
        not value.is_finite()
        or value.adjusted() > 6
        or abs(value) > 10**6
        or value != value.to_integral_value()
    ):
        errors.append(RowError(number, column, _("a whole number is required")))
        return None
    return int(value)


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


def _check_kind(errors: list[RowError], number: int, row: dict[str, str]) -> str | None:
    """ "flight", a ground mode or "hotel", from the type column (blank: a flight)."""
    kind = TRAVEL_TYPES.get(word_key(row.get("travel_type", "")))
    if kind is None:
        errors.append(
            RowError(
                number,
                "travel_type",
                _(
                    "“%(value)s” is not flight, rail, bus, coach, taxi, car or hotel",
                    value=row["travel_type"][:20],
                ),
            )
        )
    return kind


def _check_cancels(errors: list[RowError], number: int, row: dict[str, str]) -> bool | None:
    """Whether the row is a refund or cancellation: by its status, or a negative fare."""
    cancels = STATUS_CANCELS.get(word_key(row.get("status", "")))
    if cancels is None:
        errors.append(
            RowError(
                number,
                "status",
                _(
                    "“%(value)s” is not a status ems knows (sale, exchange, refund, cancelled, "
                    "void…); map it in the import profile",
                    value=row["status"][:20],
                ),
            )
        )
        return None
    fare = row.get("fare", "").replace(" ", "")
    return cancels or (fare.startswith("-") and fare.strip("-0.,") != "")


def _check_yes(errors: list[RowError], number: int, row: dict[str, str], column: str) -> bool:
    """A yes/no flag (blank: no)."""
    word = word_key(row.get(column, ""))
    if word in YES_WORDS:
        return True
    if word not in NO_WORDS:
        errors.append(RowError(number, column, _("“yes” or “no”")))
    return False


class _Places:
    """Places of a file resolved once each: codes, cities, airport names, countries."""

    def __init__(self) -> None:
        self._airports: dict[str, list[airports.Airport]] = {}
        self._countries: dict[str, str | None] = {}

    def airports(self, text: str) -> list[airports.Airport]:
        """See airports.find_place."""
        if text not in self._airports:
            self._airports[text] = airports.find_place(text)
        return self._airports[text]

    def code(self, errors: list[RowError], number: int, column: str, text: str) -> str:
        """The IATA code of a code, city or airport name; an error naming the candidates where
        a city has several airports (the text as it is where none is known: the flight check
        then says so)."""
        found = self.airports(text) if text else []
        if len(found) > 1:
            errors.append(
                RowError(
                    number,
                    column,
                    _(
                        "“%(place)s” is several airports: %(codes)s; write the code",
                        place=text[:40],
                        codes=", ".join(airport.code for airport in found),
                    ),
                )
            )
            return ""
        return found[0].code if found else text

    def country(self, text: str) -> str | None:
        """The ISO code of a country code or name (English, French, Spanish, German, Russian),
        or of a city or airport's country; None if unknown."""
        if text not in self._countries:
            value = text.strip()
            known = _country_names()
            found = value.upper() if value.upper() in countries() else known.get(word_key(value))
            self._countries[text] = found or airports.country_of_place(value)
        return self._countries[text]


_country_cache: dict[str, str] = {}


def _country_names() -> dict[str, str]:
    """Country names in the languages of the agencies' files (by ``_key``) → ISO code."""
    if not _country_cache:
        for locale in ("en", "fr", "es", "de", "ru"):
            for code, name in Locale.parse(locale).territories.items():
                if len(code) == 2 and code.isalpha():
                    _country_cache.setdefault(word_key(name), code)
    return _country_cache


def _field_errors(
    errors: list[RowError], number: int, exc: ValidationFailed, names: dict[str, str]
) -> None:
    """The trip form's errors (keyed "legs-0-origin", "ground-0-distance_km"…) as row errors
    on the file's fields."""
    for name, message in exc.errors.items():
        form_field = name.rsplit("-", 1)[-1]
        errors.append(RowError(number, names.get(form_field, form_field), message))


FLIGHT_FIELDS = {"departure_on": "departure_date", "return_on": "return_date"}
GROUND_FIELDS = {"travelled_on": "departure_date", "mode": "travel_type"}
HOTEL_FIELDS = {"check_in_on": "departure_date", "country_code": "country"}


@dataclass(frozen=True)
class _Common:
    """What every row of a booking says the same."""

    reference: str
    traveller: str
    department_id: int | None
    purpose: str
    paid_by: PaidBy
    notes: str


def _check_flight(
    errors: list[RowError],
    number: int,
    row: dict[str, str],
    day: dt.date,
    places: _Places,
    today: dt.date,
) -> tuple[CheckedLeg, ...]:
    """The flight (and the way back, for a return) as the trip form checks it."""
    before = len(errors)
    origin = places.code(errors, number, "origin", row.get("origin", ""))
    destination = places.code(errors, number, "destination", row.get("destination", ""))
    cabin = _check_cabin(errors, number, row)
    passengers = _whole_number(errors, number, row, "passengers", "1")
    is_return = _check_yes(errors, number, row, "is_return")
    return_on = (
        row_date(errors, number, "return_date", row["return_date"])
        if row.get("return_date")
        else day
    )
    if len(errors) > before:
        return ()
    legs = [
        LegInput(
            origin=origin,
            destination=destination,
            departure_on=day,
            cabin_class=cabin,
            passengers=passengers,
        )
    ]
    try:
        return tuple(check_legs(with_return(legs, return_on) if is_return else legs, today=today))
    except ValidationFailed as exc:
        _field_errors(errors, number, exc, FLIGHT_FIELDS)
        return ()


def _check_journey(
    errors: list[RowError],
    number: int,
    row: dict[str, str],
    mode_day: tuple[str, dt.date],
    places: _Places,
    today: dt.date,
) -> GroundLeg | None:
    """A rail or road journey as the trip form checks it; without a distance, the route's
    (the great-circle distance times the mode's route factor) between its ends where both are
    airports or cities with one airport."""
    mode, day = mode_day
    passengers = _whole_number(errors, number, row, "passengers", "1")
    distance: Decimal | None = None
    if row.get("distance_km"):
        try:
            distance = Decimal(row["distance_km"])
        except InvalidOperation:
            errors.append(RowError(number, "distance_km", _("a number of km is required")))
            return None
    origin, destination = row.get("origin", ""), row.get("destination", "")
    if distance is None and origin and destination and mode in ROUTE_FACTORS:
        ends = places.airports(origin), places.airports(destination)
        if len(ends[0]) == 1 and len(ends[1]) == 1 and ends[0][0] != ends[1][0]:
            distance = route_km(mode, ends[0][0], ends[1][0])
    found: dict[str, str] = {}
    checked = _check_ground(
        found,
        [
            GroundInput(
                mode=mode,
                travelled_on=day,
                distance_km=distance,
                origin=origin,
                destination=destination,
                passengers=passengers,
            )
        ],
        today,
    )
    if found:
        _field_errors(errors, number, ValidationFailed(found), GROUND_FIELDS)
    return checked[0] if checked and not found else None


def _check_stay(
    errors: list[RowError],
    number: int,
    row: dict[str, str],
    day: dt.date,
    places: _Places,
    today: dt.date,
) -> HotelStay | None:
    """A hotel stay as the trip form checks it: nights (or the check-out date), country (a
    code or name, else the country of its city), rooms."""
    before = len(errors)
    nights: int | None = None
    if row.get("nights"):
        nights = _whole_number(errors, number, row, "nights", "")
    elif row.get("check_out_date"):
        check_out = row_date(errors, number, "check_out_date", row["check_out_date"])
        nights = (check_out - day).days if check_out else None
    else:
        errors.append(RowError(number, "nights", _("the nights or the check-out date")))
    rooms = _whole_number(errors, number, row, "rooms", "1")
    place = row.get("country") or row.get("city") or row.get("destination", "")
    country = places.country(place) if place else None
    if country is None:
        column = next(
            (name for name in ("country", "city", "destination") if row.get(name)), "country"
        )
        errors.append(
            RowError(
                number,
                column,
                _("“%(value)s”: give the hotel's country (code or name)", value=place[:40]),
            )
        )
    if len(errors) > before:
        return None
    found: dict[str, str] = {}
    checked = _check_hotels(
        found,
        [HotelInput(country_code=country, check_in_on=day, nights=nights, rooms=rooms)],
        today,
    )
    if found:
        _field_errors(errors, number, ValidationFailed(found), HOTEL_FIELDS)
    return checked[0] if checked and not found else None


def _check_cancellation(
    errors: list[RowError],
    number: int,
    row: dict[str, str],
    kind_day: tuple[str, dt.date | None],
    places: _Places,
) -> Cancellation:
    """What a refund or cancellation row names: a flight by its airports, a journey by its
    mode, a stay by its country; nothing named: the whole booking."""
    kind, day = kind_day
    if kind == "hotel":
        place = row.get("country") or row.get("city") or row.get("destination", "")
        return Cancellation(
            row=number, kind=RowKind.hotel, country_code=places.country(place), day=day
        )
    if kind != "flight":
        return Cancellation(row=number, kind=RowKind.ground, mode=kind, day=day)
    origin = row.get("origin", "")
    destination = row.get("destination", "")
    return Cancellation(
        row=number,
        kind=RowKind.flight,
        origin=places.code(errors, number, "origin", origin) or None if origin else None,
        destination=places.code(errors, number, "destination", destination) or None
        if destination
        else None,
        day=day,
    )


def _check_row(
    errors: list[RowError],
    number: int,
    row: dict[str, str],
    context: tuple[dict[str, int], _Places, dt.date],
) -> _BookingRow | None:
    """The row's values, every problem of it added to ``errors`` (None when there is one)."""
    departments, places, today = context
    before = len(errors)
    common = _Common(
        reference=_check_reference(errors, number, row),
        traveller=_check_traveller(errors, number, row),
        department_id=_check_department(errors, number, row, departments),
        purpose=row.get("purpose", ""),
        paid_by=_check_paid_by(errors, number, row) or PaidBy.organisation,
        notes=row.get("notes", ""),
    )
    ticket = _check_ticket(errors, number, row)
    kind = _check_kind(errors, number, row)
    cancels = _check_cancels(errors, number, row)
    _check_lengths(errors, number, row)
    day = row_date(errors, number, "departure_date", row.get("departure_date", ""))
    if kind is None or cancels is None:
        return None
    values: dict[str, Any] = {}
    if cancels:
        values["cancellation"] = _check_cancellation(errors, number, row, (kind, day), places)
    elif day is None:
        return None
    elif kind == "flight":
        values["legs"] = _check_flight(errors, number, row, day, places, today)
        values["ticket"] = ticket
    elif kind == "hotel":
        values["hotel"] = _check_stay(errors, number, row, day, places, today)
    else:
        values["ground"] = _check_journey(errors, number, row, (kind, day), places, today)
    if len(errors) > before:
        return None
    return _BookingRow(
        reference=common.reference,
        traveller=common.traveller,
        department_id=common.department_id,
        purpose=common.purpose,
        paid_by=common.paid_by,
        notes=common.notes,
        **values,
    )


def _check_joins_booking(
    errors: list[RowError], number: int, trip: ImportedTrip, booking: _BookingRow
) -> bool:
    """A further row of a booking agrees with its first row, repeats none of its items and
    stays within MAX_LEGS flights, journeys and stays; False when it does not (the problems
    added to ``errors``)."""
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
    if any(leg in trip.legs for leg in booking.legs) or (
        booking.ground is not None and _same_ground(booking.ground, trip.ground)
    ):
        errors.append(
            RowError(
                number,
                "origin",
                _("the same journey as on another row of booking %(ref)s", ref=booking.reference),
            )
        )
    counts = (
        (len(trip.legs) + len(booking.legs), "booking_reference"),
        (len(trip.ground) + (booking.ground is not None), "travel_type"),
        (len(trip.hotels) + (booking.hotel is not None), "travel_type"),
    )
    for count, column in counts:
        if count > Trip.MAX_LEGS:
            errors.append(
                RowError(
                    number,
                    column,
                    _(
                        "a booking holds at most %(n)d flights, %(n)d journeys and %(n)d stays",
                        n=Trip.MAX_LEGS,
                    ),
                )
            )
            break
    return len(errors) == before


def _same_ground(ground: GroundLeg, others: Sequence[GroundLeg]) -> bool:
    return any(
        (g.mode, g.travelled_on, g.origin, g.destination)
        == (ground.mode, ground.travelled_on, ground.origin, ground.destination)
        for g in others
    )


def _add(trip: ImportedTrip, number: int, booking: _BookingRow) -> None:
    """Add a checked row to its booking (its items, a few, in tuples that grow by one)."""
    trip.rows.append(number)
    if booking.cancellation is not None:
        trip.cancellations.append(booking.cancellation)
        return
    for leg in booking.legs:
        trip.legs += (leg,)
        trip.tickets += (booking.ticket,)
        trip.dated_rows += ((number, leg[2]),)
    if booking.ground is not None:
        trip.ground += (booking.ground,)
        trip.dated_rows += ((number, booking.ground.travelled_on),)
    if booking.hotel is not None:
        trip.hotels += (booking.hotel,)
        trip.dated_rows += ((number, booking.hotel.check_in_on),)


def _in_date_order(trip: ImportedTrip) -> None:
    """Flights, journeys and stays in date order (rows kept in order within a day)."""
    order = sorted(range(len(trip.legs)), key=lambda index: (trip.legs[index][2], index))
    trip.legs = tuple(trip.legs[index] for index in order)
    trip.tickets = tuple(trip.tickets[index] for index in order)
    trip.ground = tuple(sorted(trip.ground, key=lambda g: g.travelled_on))
    trip.hotels = tuple(sorted(trip.hotels, key=lambda h: h.check_in_on))


def _new_trip(booking: _BookingRow, given: frozenset[str]) -> ImportedTrip:
    return ImportedTrip(
        booking_reference=booking.reference,
        traveller=booking.traveller,
        department_id=booking.department_id,
        purpose=booking.purpose,
        paid_by=booking.paid_by,
        notes=booking.notes,
        given=given,
    )


#: the trip's own fields and the file's fields they come from
TRIP_FIELD_COLUMNS = {
    "traveller": "traveller",
    "department_id": "department",
    "purpose": "purpose",
    "paid_by": "paid_by",
    "notes": "notes",
}


def parse(table: Table, *, today: dt.date | None = None) -> list[ImportedTrip]:
    """Check every row; return the trips by booking, or raise ImportFailed listing every
    problem. The table's rows are consumed as they are read: a large file's rows make way for
    its bookings instead of being held beside them."""
    today = today or utcnow().date()
    columns = set(table.mapping.columns.values())
    given = frozenset(name for name, column in TRIP_FIELD_COLUMNS.items() if column in columns)
    context = (_departments(), _Places(), today)
    errors: list[RowError] = []
    trips: dict[str, ImportedTrip] = {}
    rows = table.rows
    rows.reverse()  # taken from the end, in the file's order
    while rows:
        number, row = rows.pop()
        unsafe = control_character_errors(number, row)
        if unsafe:
            errors += unsafe
            continue  # nothing else of this row can be trusted
        booking = _check_row(errors, number, row, context)
        if booking is None:
            continue
        trip = trips.get(booking.reference)
        if trip is None:
            trip = trips[booking.reference] = _new_trip(booking, given)
        elif booking.cancellation is None and not trip.has_items and trip.cancellations:
            # the first rows were refunds: the booking's fields come from its content
            trip.traveller, trip.department_id = booking.traveller, booking.department_id
            trip.purpose, trip.paid_by, trip.notes = booking.purpose, booking.paid_by, booking.notes
        elif booking.cancellation is None and not _check_joins_booking(
            errors, number, trip, booking
        ):
            continue
        _add(trip, number, booking)
    if errors:
        raise ImportFailed(errors)
    for trip in trips.values():
        _in_date_order(trip)
    return list(trips.values())
