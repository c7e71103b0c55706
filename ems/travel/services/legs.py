"""Checking what a trip holds: flights (and the way back), ground journeys, hotel stays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from ems.errors import ValidationFailed
from ems.extensions import utcnow
from ems.org.models import FIRST_YEAR
from ems.org.services import countries
from ems.travel import airports
from ems.travel.calculation import CabinClass, route_km
from ems.travel.models import FlightLeg, GroundLeg, GroundMode, HotelStay, Trip
from ems.validation import check_text

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
        if distance is None:  # from/to airport codes, where both are known: the route's km
            ends = airports.find(origin), airports.find(destination)
            if ends[0] and ends[1]:
                distance = route_km(mode.value, ends[0], ends[1])
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
