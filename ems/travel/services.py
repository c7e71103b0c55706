"""Trips: recording, changing and removing them with their emission lines; estimates.

Services flush; callers commit. The trip is the activity of the ledger: every change of a trip
replaces its lines in the same transaction (only trips the organisation paid have lines).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed, check_version
from ems.extensions import bulk_insert, db, utcnow
from ems.factors.models import EmissionFactor
from ems.factors.services import FactorSelector
from ems.imports import ImportFailed, RowError
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine, SourceCategory
from ems.org import services as org
from ems.org.models import FIRST_YEAR, Department
from ems.org.services import countries, get_organisation
from ems.removals import services as removals
from ems.travel import airports, importer
from ems.travel.calculation import (
    PUBLISHED_CLASSES,
    RAIL_HINT_MAX_KM,
    CabinClass,
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
)
from ems.travel.importer import ImportedTrip
from ems.travel.models import (
    FlightLeg,
    GroundLeg,
    GroundMode,
    HotelStay,
    PaidBy,
    Trip,
    TripSource,
)
from ems.validation import check_text

ACTIVITY_TYPE = "trip"
#: how far ahead a departure may be (further is taken for a typing mistake)
MAX_DAYS_AHEAD = 2 * 366


@dataclass(frozen=True)
class LegInput:
    """A flight leg as entered or imported."""

    origin: str
    destination: str
    departure_on: dt.date | None
    cabin_class: CabinClass | str | None = CabinClass.economy
    passengers: int | None = 1


def _require_travel(actor: User | None) -> None:
    if actor is not None and not actor.has_any_role(Role.travel, Role.ems):
        raise PermissionDenied(_("Only travel staff and the EMS working group record trips."))


def calculator() -> FlightCalculator:
    """A flight calculator with today's factors and the organisation's haul rule."""
    return FlightCalculator(
        selector=FactorSelector(), haul_method=HaulMethod(get_organisation().flight_haul_method)
    )


def _airport(errors: dict[str, str], field: str, code: str) -> airports.Airport | None:
    code = (code or "").strip().upper()
    if not code:
        errors[field] = _("Enter an airport code.")
        return None
    airport = airports.find(code) if len(code) == airports.IATA_CODE_LEN else None
    if airport is None:
        close = ", ".join(f"{a.code} ({a.city})" for a in airports.suggestions(code))
        errors[field] = (
            _(
                "Unknown airport code “%(code)s”. Did you mean %(close)s?",
                code=code[:20],
                close=close,
            )
            if close
            else _("Unknown airport code “%(code)s”.", code=code[:20])
        )
    return airport


def check_legs(
    legs: Sequence[LegInput], *, prefix: str = "legs", today: dt.date | None = None
) -> list[tuple[airports.Airport, airports.Airport, dt.date, CabinClass, int]]:
    """Validate legs; errors are keyed ``legs-<i>-<field>`` (the form's field names)."""
    today = today or utcnow().date()
    errors: dict[str, str] = {}
    checked = []
    if not legs:
        errors[prefix] = _("Enter at least one flight.")
    if len(legs) > Trip.MAX_LEGS:
        errors[prefix] = _("A trip has at most %(n)d flights.", n=Trip.MAX_LEGS)
    for index, leg in enumerate(legs[: Trip.MAX_LEGS]):
        field = f"{prefix}-{index}-"
        origin = _airport(errors, field + "origin", leg.origin)
        destination = _airport(errors, field + "destination", leg.destination)
        if origin and destination and origin.code == destination.code:
            errors[field + "destination"] = _("The destination must differ from the origin.")
        if leg.departure_on is None:
            errors[field + "departure_on"] = _("Enter the date of the flight.")
        elif leg.departure_on.year < FIRST_YEAR:
            errors[field + "departure_on"] = _("Enter a date from %(year)d on.", year=FIRST_YEAR)
        elif (leg.departure_on - today).days > MAX_DAYS_AHEAD:
            errors[field + "departure_on"] = _("That is more than two years ahead; check the year.")
        try:
            cabin = CabinClass(leg.cabin_class or CabinClass.unknown)
        except ValueError:
            errors[field + "cabin_class"] = _(
                "Choose economy, premium economy, business, first or unknown."
            )
            cabin = CabinClass.unknown
        if leg.passengers is None or not 1 <= leg.passengers <= FlightLeg.MAX_PASSENGERS:
            errors[field + "passengers"] = _(
                "Enter 1 to %(n)d passengers.", n=FlightLeg.MAX_PASSENGERS
            )
        if origin and destination and leg.departure_on and leg.passengers:
            checked.append((origin, destination, leg.departure_on, cabin, leg.passengers))
    if errors:
        raise ValidationFailed(errors)
    return checked


def with_return(legs: Sequence[LegInput], return_on: dt.date | None) -> list[LegInput]:
    """The legs plus the same route back in reverse order on ``return_on``."""
    if not legs:
        return list(legs)
    if return_on is None:
        raise ValidationFailed({"return_on": _("Enter the date of the return flight.")})
    last = max((leg.departure_on for leg in legs if leg.departure_on), default=None)
    if last and return_on < last:
        raise ValidationFailed({"return_on": _("The return cannot be before the outbound flight.")})
    back = [
        LegInput(
            origin=leg.destination,
            destination=leg.origin,
            departure_on=return_on,
            cabin_class=leg.cabin_class,
            passengers=leg.passengers,
        )
        for leg in reversed(legs)
    ]
    return [*legs, *back]


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


@dataclass(frozen=True)
class GroundInput:
    """A journey by rail, bus, coach, taxi or car as entered."""

    mode: GroundMode | str | None
    travelled_on: dt.date | None
    distance_km: Decimal | None = None
    origin: str | None = ""
    destination: str | None = ""
    passengers: int | None = 1


@dataclass(frozen=True)
class HotelInput:
    """A hotel stay as entered."""

    country_code: str | None
    check_in_on: dt.date | None
    nights: int | None
    rooms: int | None = 1


CheckedLeg = tuple[airports.Airport, airports.Airport, dt.date, CabinClass, int]


@dataclass
class TripItems:
    """A trip's checked flights, ground journeys and hotel stays."""

    legs: list[CheckedLeg] = field(default_factory=list)
    ground: list[GroundLeg] = field(default_factory=list)
    hotels: list[HotelStay] = field(default_factory=list)

    def dates(self) -> list[dt.date]:
        """Every date of the trip."""
        return (
            [leg[2] for leg in self.legs]
            + [g.travelled_on for g in self.ground]
            + [h.check_in_on for h in self.hotels]
        )


def _check_ground(
    errors: dict[str, str], ground: Sequence[GroundInput], today: dt.date
) -> list[GroundLeg]:
    checked = []
    for index, item in enumerate(ground):
        field_name = f"ground-{index}-"
        before = len(errors)
        try:
            mode = GroundMode(item.mode or "")
        except ValueError:
            errors[field_name + "mode"] = _("Choose rail, bus, coach, taxi or car.")
            mode = GroundMode.rail
        _check_date(errors, field_name + "travelled_on", item.travelled_on, today)
        origin = check_text(
            errors, field_name + "origin", item.origin, GroundLeg.PLACE_MAX_LEN, required=False
        )
        destination = check_text(
            errors,
            field_name + "destination",
            item.destination,
            GroundLeg.PLACE_MAX_LEN,
            required=False,
        )
        distance = item.distance_km
        if distance is None:  # from/to airport codes, where both are known
            ends = airports.find(origin), airports.find(destination)
            if ends[0] and ends[1]:
                distance = airports.great_circle_km(ends[0], ends[1])
        if distance is not None and distance.is_finite():
            distance = distance.quantize(Decimal("0.1"))  # km to 0.1, checked after rounding
        else:
            distance = None
        if distance is None or not 0 < distance <= GroundLeg.MAX_DISTANCE_KM:
            errors[field_name + "distance_km"] = _(
                "Enter the distance in km (up to %(n)d), or two airport codes as from and to.",
                n=GroundLeg.MAX_DISTANCE_KM,
            )
        if item.passengers is None or not 1 <= item.passengers <= FlightLeg.MAX_PASSENGERS:
            errors[field_name + "passengers"] = _(
                "Enter 1 to %(n)d passengers.", n=FlightLeg.MAX_PASSENGERS
            )
        if len(errors) == before and item.travelled_on and distance and item.passengers:
            checked.append(
                GroundLeg(
                    mode=mode,
                    travelled_on=item.travelled_on,
                    origin=origin,
                    destination=destination,
                    distance_km=distance,
                    passengers=item.passengers,
                )
            )
    return checked


def _check_hotels(
    errors: dict[str, str], hotels: Sequence[HotelInput], today: dt.date
) -> list[HotelStay]:
    checked = []
    known = countries()
    for index, item in enumerate(hotels):
        field_name = f"hotels-{index}-"
        before = len(errors)
        country = (item.country_code or "").strip().upper()
        if country not in known:
            errors[field_name + "country_code"] = _("Choose a country from the list.")
        _check_date(errors, field_name + "check_in_on", item.check_in_on, today)
        if item.nights is None or not 1 <= item.nights <= HotelStay.MAX_NIGHTS:
            errors[field_name + "nights"] = _("Enter 1 to %(n)d nights.", n=HotelStay.MAX_NIGHTS)
        if item.rooms is None or not 1 <= item.rooms <= HotelStay.MAX_ROOMS:
            errors[field_name + "rooms"] = _("Enter 1 to %(n)d rooms.", n=HotelStay.MAX_ROOMS)
        if len(errors) == before and item.check_in_on and item.nights and item.rooms:
            checked.append(
                HotelStay(
                    country_code=country,
                    check_in_on=item.check_in_on,
                    nights=item.nights,
                    rooms=item.rooms,
                )
            )
    return checked


def _check_date(errors: dict[str, str], name: str, day: dt.date | None, today: dt.date) -> None:
    if day is None:
        errors[name] = _("Enter the date.")
    elif day.year < FIRST_YEAR:
        errors[name] = _("Enter a date from %(year)d on.", year=FIRST_YEAR)
    elif (day - today).days > MAX_DAYS_AHEAD:
        errors[name] = _("That is more than two years ahead; check the year.")


def check_items(
    legs: Sequence[LegInput], ground: Sequence[GroundInput], hotels: Sequence[HotelInput]
) -> TripItems:
    """Validate everything a trip holds; it must hold at least one flight, journey or stay."""
    errors: dict[str, str] = {}
    today = utcnow().date()
    items = TripItems()
    if legs:
        try:
            items.legs = check_legs(legs, today=today)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    items.ground = _check_ground(errors, ground, today)
    items.hotels = _check_hotels(errors, hotels, today)
    if not (legs or ground or hotels):
        errors["legs"] = _("Enter at least one flight, journey or hotel stay.")
    if len(ground) > Trip.MAX_LEGS or len(hotels) > Trip.MAX_LEGS:
        errors[""] = _(
            "A trip holds at most %(n)d journeys and %(n)d hotel stays.", n=Trip.MAX_LEGS
        )
    if errors:
        raise ValidationFailed(errors)
    return items


#: the columns of each kind of item, by the trip's relationship that holds them
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


def trip_results(trip: Trip, flights: FlightCalculator | None = None) -> list[LegResult]:
    """The computed flights of a trip (distance, haul, class used, factors, grams)."""
    flights = flights or calculator()
    results = []
    for leg in trip.legs:
        origin, destination = airports.find(leg.origin), airports.find(leg.destination)
        if origin is None or destination is None:
            raise NotFound(_("Airport %(code)s is no longer known.", code=leg.origin))
        results.append(
            flights.leg(
                origin=origin,
                destination=destination,
                departure_on=leg.departure_on,
                cabin_class=leg.cabin_class,
                passengers=leg.passengers,
            )
        )
    return results


def ground_results(trip: Trip, selector: FactorSelector | None = None) -> list[GroundResult]:
    """The factors and emissions of a trip's ground journeys."""
    selector = selector or FactorSelector()
    return [
        ground_result(
            selector,
            mode=g.mode.value,
            travelled_on=g.travelled_on,
            distance_km=g.distance_km,
            passengers=g.passengers,
        )
        for g in trip.ground_legs
    ]


def hotel_results(trip: Trip, selector: FactorSelector | None = None) -> list[HotelResult]:
    """The factors (where DESNZ has one for the country) and emissions of a trip's hotel stays."""
    selector = selector or FactorSelector()
    return [
        hotel_result(
            selector,
            country_code=h.country_code,
            check_in_on=h.check_in_on,
            nights=h.nights,
            rooms=h.rooms,
        )
        for h in trip.hotel_stays
    ]


def trip_lines(trip_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    """The ledger lines of a trip (none when the organisation did not pay it)."""
    trip = db.session.get(Trip, trip_id)
    if trip is None or trip.paid_by is not PaidBy.organisation:
        return []
    flights = FlightCalculator(
        selector=selector, haul_method=HaulMethod(get_organisation().flight_haul_method)
    )
    lines = []
    for leg, result in zip(trip.legs, trip_results(trip, flights), strict=True):
        lines += leg_lines(
            result,
            activity_type=ACTIVITY_TYPE,
            activity_id=trip.id,
            item=f"leg {leg.position + 1}",
            label=f"leg {leg.position + 1} {result.route} {leg.departure_on}",
            department_id=trip.department_id,
        )
    for ground, ground_res in zip(trip.ground_legs, ground_results(trip, selector), strict=True):
        lines += ground_lines(
            ground_res,
            activity_id=trip.id,
            item=f"journey {ground.position + 1}",
            label=" ".join(
                part
                for part in (
                    ground.mode.value,
                    ground.origin
                    and ground.destination
                    and f"{ground.origin}-{ground.destination}",
                    str(ground.travelled_on),
                )
                if part
            ),
            department_id=trip.department_id,
        )
    for stay, stay_res in zip(trip.hotel_stays, hotel_results(trip, selector), strict=True):
        lines += hotel_lines(
            stay_res,
            activity_id=trip.id,
            item=f"stay {stay.position + 1}",
            label=f"hotel {stay.country_code} {stay.check_in_on} "
            f"{stay.nights} nights x{stay.rooms}",
            department_id=trip.department_id,
        )
    return lines


ledger.register_calculator(ACTIVITY_TYPE, trip_lines)


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
    org.check_years_open({day.year for day in items.dates()})  # a closed year's trips are final
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
    org.check_years_open(trip_dated_years([trip.id]) | {day.year for day in items.dates()})
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


def _line_totals() -> sa.Subquery:
    """Grams per trip from its current lines: all of them, counting flights with RF, and all of
    them counting flights without RF (rail, road and hotel lines count in both)."""
    no_basis = EmissionLine.basis.is_(None)
    return (
        sa.select(
            EmissionLine.activity_id.label("trip_id"),
            sa.func.sum(
                sa.case(
                    (sa.or_(EmissionLine.basis == Basis.with_rf, no_basis), EmissionLine.co2e_g),
                    else_=0,
                )
            ).label("with_rf_g"),
            sa.func.sum(
                sa.case(
                    (sa.or_(EmissionLine.basis == Basis.without_rf, no_basis), EmissionLine.co2e_g),
                    else_=0,
                )
            ).label("without_rf_g"),
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
    totals = _line_totals()
    summary = (
        sa.select(
            sa.func.count(Trip.id),
            sa.func.coalesce(sa.func.sum(totals.c.with_rf_g), 0),
            sa.func.coalesce(sa.func.sum(totals.c.without_rf_g), 0),
        )
        .outerjoin(totals, totals.c.trip_id == Trip.id)
        .where(*conditions)
    )
    return trips, summary


def trip_totals(trip_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Grams (with RF, without RF) of the current lines of each of ``trip_ids``."""
    totals = _line_totals()
    rows = db.session.execute(sa.select(totals).where(totals.c.trip_id.in_(trip_ids)))
    return {trip_id: (int(with_rf), int(without_rf)) for trip_id, with_rf, without_rf in rows}


@dataclass(frozen=True)
class Estimate:
    """Emissions of a planned itinerary, with the economy alternative."""

    legs: list[LegResult]
    economy: list[LegResult]

    @property
    def distance_km(self) -> float:
        """Total great-circle distance."""
        return float(sum(leg.distance_km for leg in self.legs))

    @property
    def co2e_g_with_rf(self) -> int:
        """Total grams with RF."""
        return sum(leg.co2e_g_with_rf for leg in self.legs)

    @property
    def co2e_g_without_rf(self) -> int:
        """Total grams without RF."""
        return sum(leg.co2e_g_without_rf for leg in self.legs)

    @property
    def saving_g_with_rf(self) -> int:
        """Grams with RF saved by flying economy instead."""
        return self.co2e_g_with_rf - sum(leg.co2e_g_with_rf for leg in self.economy)

    @property
    def saving_g_without_rf(self) -> int:
        """Grams without RF saved by flying economy instead."""
        return self.co2e_g_without_rf - sum(leg.co2e_g_without_rf for leg in self.economy)


def estimate_flight(
    *,
    origin: str,
    destination: str,
    via: Sequence[str] = (),
    cabin_class: CabinClass | str = CabinClass.economy,
    departure_on: dt.date | None = None,
    is_return: bool = False,
    passengers: int | None = 1,
) -> Estimate:
    """Distance and CO2e of an itinerary before booking (nothing is stored)."""
    stops = [origin, *via, destination]
    departure_on = departure_on or utcnow().date()
    legs = [
        LegInput(
            origin=a,
            destination=b,
            departure_on=departure_on,
            cabin_class=cabin_class,
            passengers=passengers,
        )
        for a, b in itertools.pairwise(stops)
    ]
    if is_return:
        legs = with_return(legs, departure_on)
    checked = check_legs(legs)
    flights = calculator()
    results = [
        flights.leg(origin=o, destination=d, departure_on=day, cabin_class=cabin, passengers=n)
        for o, d, day, cabin, n in checked
    ]
    economy = [
        flights.leg(
            origin=o, destination=d, departure_on=day, cabin_class=CabinClass.economy, passengers=n
        )
        for o, d, day, _cabin, n in checked
    ]
    return Estimate(legs=results, economy=economy)


# --- imports ----------------------------------------------------------------------------------

IMPORT_KIND = "travel"


def _plan(data: bytes, filename: str, on_progress: imports.Progress | None) -> imports.Plan:
    trips = importer.parse(data, filename)
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


# --- flights analysis (annual report) ---------------------------------------------------------

#: flights under 700 km great-circle (the flight form's rail hint) are typically replaceable by
#: a train journey of about six hours or less: the report counts them as rail-replaceable
RAIL_REPLACEABLE_MAX_KM = int(RAIL_HINT_MAX_KM)
#: the cabins counted in the business share
BUSINESS_CABINS = (CabinClass.business, CabinClass.first)
#: passenger-km are exact to 0.1 (distances to 0.1 km, whole passengers)
PASSENGER_KM_STEP = Decimal("0.1")


@dataclass(frozen=True, kw_only=True)
class FlightFigures:
    """Legs, passenger-km and grams CO2e on both bases of a group of flight legs."""

    legs: int = 0
    passenger_km: Decimal = Decimal(0)
    co2e_without_rf_g: int = 0
    co2e_with_rf_g: int = 0

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON types (passenger-km as a number)."""
        return {**vars(self), "passenger_km": float(self.passenger_km)}


@dataclass(frozen=True, kw_only=True)
class HaulClassFigures(FlightFigures):
    """The legs of one haul (of the factor used) and cabin class (as booked)."""

    haul: str
    cabin_class: CabinClass

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON types."""
        return {**super().as_json(), "cabin_class": self.cabin_class.value}


@dataclass(frozen=True, kw_only=True)
class RouteFigures(FlightFigures):
    """The legs between two airports, either way; the codes in alphabetical order."""

    airport_a: str
    airport_b: str

    @property
    def route(self) -> str:
        """'GVA–JFK'."""
        return f"{self.airport_a}–{self.airport_b}"

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON types, with the route."""
        return {**super().as_json(), "route": self.route}


@dataclass(frozen=True)
class FlightAnalysis:
    """A year's flights paid by the organisation, from the current ledger lines (the totals are
    the inventory's air travel figures)."""

    year: int
    total: FlightFigures
    by_haul_class: list[HaulClassFigures]
    #: the 10 routes with the most grams without RF
    top_routes: list[RouteFigures]
    #: the legs booked in business or first (a part of ``total``)
    business: FlightFigures
    #: the legs under RAIL_REPLACEABLE_MAX_KM, and the 5 such routes with the most grams
    rail_replaceable: FlightFigures
    rail_replaceable_routes: list[RouteFigures]

    def as_json(self) -> dict[str, Any]:
        """Every figure as JSON types, for the report's snapshot."""
        return {
            name: [item.as_json() for item in value]
            if isinstance(value, list)
            else value.as_json()
            if isinstance(value, FlightFigures)
            else value
            for name, value in vars(self).items()
        }


def _year_legs(year: int) -> sa.Subquery:
    """One row per flight leg with current lines in ``year``: route, class, distance, haul of
    the factor used, passenger-km and grams on both bases."""
    without_rf = EmissionLine.basis == Basis.without_rf
    item = sa.literal("leg ", sa.String) + sa.cast(FlightLeg.position + 1, sa.String)
    haul = EmissionFactor.attributes["haul"].as_string()
    leg_columns = (FlightLeg.origin, FlightLeg.destination, FlightLeg.cabin_class)
    return (
        sa.select(
            *leg_columns,
            FlightLeg.distance_km,
            sa.func.max(sa.case((without_rf, haul))).label("haul"),
            sa.func.sum(
                sa.case((without_rf, sa.cast(EmissionLine.quantity, sa.Numeric)), else_=0)
            ).label("passenger_km"),
            sa.func.sum(sa.case((without_rf, EmissionLine.co2e_g), else_=0)).label("without_rf_g"),
            sa.func.sum(
                sa.case((EmissionLine.basis == Basis.with_rf, EmissionLine.co2e_g), else_=0)
            ).label("with_rf_g"),
        )
        .select_from(FlightLeg)
        .join(
            EmissionLine,
            sa.and_(EmissionLine.activity_id == FlightLeg.trip_id, EmissionLine.item == item),
        )
        .join(EmissionFactor, EmissionFactor.id == EmissionLine.factor_id)
        .where(
            EmissionLine.activity_type == ACTIVITY_TYPE,
            EmissionLine.source_category == SourceCategory.air_travel,
            EmissionLine.year == year,
            EmissionLine.superseded_at.is_(None),
        )
        .group_by(FlightLeg.id, *leg_columns, FlightLeg.distance_km)
        .subquery()
    )


def _sums(legs: sa.Subquery) -> tuple[sa.ColumnElement[Any], ...]:
    return (
        sa.func.count().label("legs"),
        sa.func.sum(legs.c.passenger_km).label("passenger_km"),
        sa.func.sum(legs.c.without_rf_g).label("without_rf_g"),
        sa.func.sum(legs.c.with_rf_g).label("with_rf_g"),
    )


def _figures(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "legs": row.legs,
        "passenger_km": Decimal(str(row.passenger_km or 0)).quantize(PASSENGER_KM_STEP),
        "co2e_without_rf_g": int(row.without_rf_g or 0),
        "co2e_with_rf_g": int(row.with_rf_g or 0),
    }


def _added(groups: Sequence[FlightFigures]) -> FlightFigures:
    return FlightFigures(
        legs=sum(g.legs for g in groups),
        passenger_km=sum((g.passenger_km for g in groups), Decimal(0)),
        co2e_without_rf_g=sum(g.co2e_without_rf_g for g in groups),
        co2e_with_rf_g=sum(g.co2e_with_rf_g for g in groups),
    )


def _top_routes(
    legs: sa.Subquery, limit: int, *conditions: sa.ColumnElement[bool]
) -> list[RouteFigures]:
    forward = legs.c.origin < legs.c.destination
    first = sa.case((forward, legs.c.origin), else_=legs.c.destination).label("airport_a")
    second = sa.case((forward, legs.c.destination), else_=legs.c.origin).label("airport_b")
    stmt = (
        sa.select(first, second, *_sums(legs))
        .where(*conditions)
        .group_by(first, second)
        .order_by(sa.desc("without_rf_g"), first, second)
        .limit(limit)
    )
    return [
        RouteFigures(airport_a=row.airport_a, airport_b=row.airport_b, **_figures(row))
        for row in db.session.execute(stmt)
    ]


def flight_analysis(year: int) -> FlightAnalysis:
    """The flights of ``year`` for the annual report: by haul and class, top routes, business
    share, rail-replaceable legs. From the current ledger lines, so only legs the organisation
    paid count, in the year of their departure."""
    legs = _year_legs(year)
    hauls, cabins = list(PUBLISHED_CLASSES), list(CabinClass)
    by_haul_class = sorted(
        (
            HaulClassFigures(
                haul=row.haul or "", cabin_class=CabinClass(row.cabin_class), **_figures(row)
            )
            for row in db.session.execute(
                sa.select(legs.c.haul, legs.c.cabin_class, *_sums(legs)).group_by(
                    legs.c.haul, legs.c.cabin_class
                )
            )
        ),
        key=lambda g: (
            hauls.index(g.haul) if g.haul in hauls else len(hauls),
            g.haul,
            cabins.index(g.cabin_class),
        ),
    )
    short = sa.cast(legs.c.distance_km, sa.Numeric) < RAIL_REPLACEABLE_MAX_KM
    return FlightAnalysis(
        year=year,
        total=_added(by_haul_class),
        by_haul_class=by_haul_class,
        top_routes=_top_routes(legs, 10),
        business=_added([g for g in by_haul_class if g.cabin_class in BUSINESS_CABINS]),
        rail_replaceable=FlightFigures(
            **_figures(db.session.execute(sa.select(*_sums(legs)).where(short)).one())
        ),
        rail_replaceable_routes=_top_routes(legs, 5, short),
    )
