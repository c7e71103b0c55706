"""Trips: recording, changing and removing them with their emission lines; estimates.

Services flush; callers commit. The trip is the activity of the ledger: every change of a trip
replaces its lines in the same transaction (only trips the organisation paid have lines).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed, check_version
from ems.extensions import db, utcnow
from ems.factors.services import FactorSelector
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine
from ems.org.models import FIRST_YEAR, Department
from ems.org.services import get_organisation
from ems.travel import airports
from ems.travel.calculation import CabinClass, FlightCalculator, HaulMethod, LegResult, leg_lines
from ems.travel.models import FlightLeg, PaidBy, Trip, TripSource
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


def _set_legs(
    trip: Trip, legs: list[tuple[airports.Airport, airports.Airport, dt.date, CabinClass, int]]
) -> None:
    trip.legs.clear()
    db.session.flush()  # the old legs go before the new positions are taken
    for position, (origin, destination, departure_on, cabin, passengers) in enumerate(legs):
        trip.legs.append(
            FlightLeg(
                position=position,
                origin=origin.code,
                destination=destination.code,
                departure_on=departure_on,
                cabin_class=cabin,
                passengers=passengers,
                distance_km=airports.great_circle_km(origin, destination),
            )
        )
    trip.starts_on = min(leg[2] for leg in legs)


def trip_results(trip: Trip, flights: FlightCalculator | None = None) -> list[LegResult]:
    """The computed legs of a trip (distance, haul, class used, factors, grams)."""
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
            label=f"leg {leg.position + 1} {result.route} {leg.departure_on}",
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


def _snapshot(trip: Trip) -> dict[str, object]:
    values = audit.snapshot(
        trip, ["traveller", "department_id", "purpose", "paid_by", "booking_reference", "notes"]
    )
    values["legs"] = [
        f"{leg.origin}-{leg.destination} {leg.departure_on} {leg.cabin_class} x{leg.passengers}"
        for leg in trip.legs
    ]
    return values


def create_trip(
    *,
    actor: User | None,
    traveller: str,
    legs: Sequence[LegInput],
    paid_by: PaidBy | str = PaidBy.organisation,
    department_id: int | None = None,
    purpose: str | None = "",
    booking_reference: str | None = None,
    notes: str | None = "",
    is_return: bool = False,
    return_on: dt.date | None = None,
    source: TripSource = TripSource.manual,
) -> Trip:
    """Record a trip with its flights (and the way back, for a return) and its emissions."""
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
        checked = check_legs(with_return(legs, return_on) if is_return else legs)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        checked = []
    if errors:
        raise ValidationFailed(errors)
    trip = Trip(source=source, created_by_id=actor.id if actor else None, **fields)
    _set_legs(trip, checked)
    db.session.add(trip)
    db.session.flush()
    _record(trip)
    audit.record(
        actor=actor,
        action="travel.trip.created",
        obj=trip,
        summary=f"Trip of {trip.traveller}: "
        + " ".join(f"{leg.origin}-{leg.destination}" for leg in trip.legs),
        changes=audit.diff({}, _snapshot(trip)),
    )
    return trip


def update_trip(
    *,
    actor: User | None,
    trip: Trip,
    traveller: str,
    legs: Sequence[LegInput],
    paid_by: PaidBy | str = PaidBy.organisation,
    department_id: int | None = None,
    purpose: str | None = "",
    booking_reference: str | None = None,
    notes: str | None = "",
    expected_version: int | None = None,
) -> Trip:
    """Change a trip; its emission lines are replaced (the old ones stay, superseded)."""
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
        checked = check_legs(legs)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        checked = []
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(trip)
    for name, value in fields.items():
        setattr(trip, name, value)
    _set_legs(trip, checked)
    trip.updated_at = utcnow()  # bumps the version even when only the legs changed
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


def delete_trip(*, actor: User | None, trip: Trip) -> None:
    """Remove a trip; its emission lines are superseded, not deleted."""
    _require_travel(actor)
    before = _snapshot(trip)
    ledger.record_lines(activity_type=ACTIVITY_TYPE, activity_id=trip.id, lines=[])
    db.session.delete(trip)
    db.session.flush()
    audit.record(
        actor=actor,
        action="travel.trip.deleted",
        obj=trip,
        summary=f"Trip {trip.id} of {before['traveller']} removed",
        changes=audit.diff(before, {}),
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
    cabin_class: str = ""
    source: str = ""
    sort: str = "-date"


SORTS = {"date": Trip.starts_on, "traveller": Trip.traveller, "id": Trip.id}


def _line_totals() -> sa.Subquery:
    """Grams with and without RF per trip, from its current lines."""
    return (
        sa.select(
            EmissionLine.activity_id.label("trip_id"),
            sa.func.sum(
                sa.case((EmissionLine.basis == Basis.with_rf, EmissionLine.co2e_g), else_=0)
            ).label("with_rf_g"),
            sa.func.sum(
                sa.case((EmissionLine.basis == Basis.without_rf, EmissionLine.co2e_g), else_=0)
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
