"""Every shape of trip round-trips through the web forms (property-based).

Trips of any mix of flights, ground journeys and hotel stays are created (through the new-trip
form, or the service as the API and imports do), opened in the edit form and saved as a
browser would send the form back: unchanged, then with one change (an item changed, added or
removed, or a trip field). An unchanged save changes nothing; an edit changes only the item it
touches: its rows, its ledger lines and the audit entry.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.extensions import db
from ems.factors import services as factors
from ems.factors.services import FactorSelector
from ems.ledger.models import EmissionLine
from ems.org import services as org
from ems.travel import airports, services
from ems.travel.models import Trip
from tests.html_forms import page_forms

AIRPORTS = ["GVA", "ZRH", "LHR", "JFK", "FRA", "NBO", "CDG", "BKK", "GRU", "ADD"]
CLASSES = ["economy", "premium_economy", "business", "first", "unknown"]
MODES = ["rail", "international_rail", "bus", "coach", "taxi", "car"]
#: KE and ET have no DESNZ hotel factor: their stays have no line
COUNTRIES = ["CH", "FR", "GB", "US", "KE", "ET", "TH"]
FIRST_DAY, LAST_DAY = dt.date(2019, 1, 1), dt.date(2025, 12, 31)
KINDS = {"legs": "leg", "ground": "journey", "hotels": "stay"}


# --- the items, as the test models them -------------------------------------------------------


@dataclass(frozen=True)
class Flight:
    origin: str
    destination: str
    day: dt.date
    cabin: str
    passengers: int

    def fields(self) -> dict[str, str]:
        return {
            "origin": self.origin,
            "destination": self.destination,
            "departure_on": self.day.isoformat(),
            "cabin_class": self.cabin,
            "passengers": str(self.passengers),
        }

    def stored(self) -> tuple[Any, ...]:
        return (self.origin, self.destination, self.day, self.cabin, self.passengers)


@dataclass(frozen=True)
class Journey:
    mode: str
    day: dt.date
    origin: str
    destination: str
    #: None: from and to are airport codes, the distance is their route's
    distance_km: Decimal | None
    passengers: int

    def fields(self) -> dict[str, str]:
        return {
            "mode": self.mode,
            "travelled_on": self.day.isoformat(),
            "origin": self.origin,
            "destination": self.destination,
            "distance_km": "" if self.distance_km is None else str(self.distance_km),
            "passengers": str(self.passengers),
        }

    def km(self) -> Decimal:
        if self.distance_km is not None:
            return self.distance_km
        origin, destination = airports.find(self.origin), airports.find(self.destination)
        assert origin is not None
        assert destination is not None
        # the route's km: the great circle times the mode's route factor (the test's own table)
        factor = {"bus": "1.5", "coach": "1.5", "taxi": "1.3", "car": "1.3"}.get(self.mode, "1.2")
        straight = airports.great_circle_km(origin, destination)
        return (straight * Decimal(factor)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def stored(self) -> tuple[Any, ...]:
        return (self.mode, self.day, self.origin, self.destination, self.km(), self.passengers)


@dataclass(frozen=True)
class Stay:
    country: str
    day: dt.date
    nights: int
    rooms: int

    def fields(self) -> dict[str, str]:
        return {
            "country_code": self.country,
            "check_in_on": self.day.isoformat(),
            "nights": str(self.nights),
            "rooms": str(self.rooms),
        }

    def stored(self) -> tuple[Any, ...]:
        return (self.country, self.day, self.nights, self.rooms)


@dataclass(frozen=True)
class Shape:
    """A trip: its fields and items, in order."""

    traveller: str
    purpose: str
    paid_by: str
    booking_reference: str
    notes: str
    with_department: bool
    legs: tuple[Flight, ...]
    ground: tuple[Journey, ...]
    hotels: tuple[Stay, ...]

    def items(self, kind: str) -> tuple[Any, ...]:
        return getattr(self, kind)  # type: ignore[no-any-return]

    def labels(self) -> dict[str, tuple[Any, ...]]:
        """Each item by the name of its ledger lines and audit entry ("leg 2")."""
        return {
            f"{KINDS[kind]} {n}": item.stored()
            for kind in KINDS
            for n, item in enumerate(self.items(kind), start=1)
        }


days = st.dates(FIRST_DAY, LAST_DAY)


def _two(codes: list[str]) -> st.SearchStrategy[list[str]]:
    """Two different airports."""
    return st.lists(st.sampled_from(codes), min_size=2, max_size=2, unique=True)


flights = st.builds(
    lambda ends, **values: Flight(origin=ends[0], destination=ends[1], **values),
    _two(AIRPORTS),
    day=days,
    cabin=st.sampled_from(CLASSES),
    passengers=st.integers(1, 3),
)
places = st.sampled_from(["", "Geneva", "Lausanne", "Gare de Lyon", "Zürich HB"])
journeys = st.one_of(
    st.builds(
        Journey,
        mode=st.sampled_from(MODES),
        day=days,
        origin=places,
        destination=places,
        distance_km=st.decimals("0.1", "3000", places=1),
        passengers=st.integers(1, 3),
    ),
    st.builds(  # airport codes as from and to: the distance is theirs
        lambda ends, **values: Journey(
            origin=ends[0], destination=ends[1], distance_km=None, **values
        ),
        _two(AIRPORTS[:5]),
        mode=st.sampled_from(MODES),
        day=days,
        passengers=st.integers(1, 3),
    ),
)
stays = st.builds(
    Stay,
    country=st.sampled_from(COUNTRIES),
    day=days,
    nights=st.integers(1, 10),
    rooms=st.integers(1, 2),
)
any_item = st.one_of(flights, journeys, stays)


def _with(shape: Shape, item: Any) -> Shape:
    """``shape`` with ``item`` first among its kind (every trip holds at least one item)."""
    kind = {Flight: "legs", Journey: "ground", Stay: "hotels"}[type(item)]
    return replace(shape, **{kind: (item, *shape.items(kind))})


shapes = st.builds(
    _with,
    st.builds(
        Shape,
        traveller=st.sampled_from(["Ana Silva", "Ben Okafor", "Chloé Martin"]),
        purpose=st.sampled_from(["", "Conference", "Field mission"]),
        paid_by=st.sampled_from(["organisation", "organisation", "other"]),
        booking_reference=st.sampled_from(["", "ref"]),
        notes=st.sampled_from(["", "Visa needed", "Line one\nLine two"]),
        with_department=st.booleans(),
        legs=st.lists(flights, max_size=2).map(tuple),
        ground=st.lists(journeys, max_size=2).map(tuple),
        hotels=st.lists(stays, max_size=2).map(tuple),
    ),
    any_item,
)


# --- edits ------------------------------------------------------------------------------------


def _changed(item: Any, choice: int) -> Any:
    """``item`` with one value changed (which one: ``choice``)."""
    if isinstance(item, Flight):
        options = [
            replace(item, cabin=CLASSES[(CLASSES.index(item.cabin) + 1) % len(CLASSES)]),
            replace(item, passengers=item.passengers % 3 + 1),
            replace(item, day=item.day - dt.timedelta(days=1)),
            replace(
                item,
                destination=next(a for a in AIRPORTS if a not in (item.origin, item.destination)),
            ),
        ]
    elif isinstance(item, Journey):
        options = [
            replace(item, mode=MODES[(MODES.index(item.mode) + 1) % len(MODES)]),
            replace(item, passengers=item.passengers % 3 + 1),
            replace(item, distance_km=item.km() + Decimal("1.5")),
            replace(item, day=item.day - dt.timedelta(days=1)),
        ]
    else:
        options = [
            replace(item, nights=item.nights % 10 + 1),
            replace(item, rooms=item.rooms % 2 + 1),
            replace(item, country=COUNTRIES[(COUNTRIES.index(item.country) + 1) % len(COUNTRIES)]),
        ]
    return options[choice % len(options)]


@dataclass(frozen=True)
class Edit:
    """One change made in the edit form: ``what`` is change, add, remove, blank or purpose."""

    what: str
    kind: str
    index: int
    choice: int
    new_item: Any


edits = st.builds(
    Edit,
    what=st.sampled_from(["change", "add", "remove", "blank", "purpose"]),
    kind=st.sampled_from(list(KINDS)),
    index=st.integers(0, 10),
    choice=st.integers(0, 10),
    new_item=any_item,
)


def _edited(shape: Shape, edit: Edit) -> tuple[Shape, Edit]:
    """The shape after ``edit``, and the edit as made (on a kind and index the trip has)."""
    if edit.what == "purpose":
        return replace(shape, purpose=shape.purpose + " (revised)"), edit
    kinds = [kind for kind in KINDS if shape.items(kind)]
    if edit.what in ("remove", "blank") and sum(len(shape.items(k)) for k in KINDS) > 1:
        kind = edit.kind if edit.kind in kinds else kinds[0]
        items = list(shape.items(kind))
        index = edit.index % len(items)
        del items[index]
        return replace(shape, **{kind: tuple(items)}), replace(edit, kind=kind, index=index)
    if edit.what == "add" or edit.what in ("remove", "blank"):  # a single item: add one
        kind = {Flight: "legs", Journey: "ground", Stay: "hotels"}[type(edit.new_item)]
        items = [*shape.items(kind), edit.new_item]
        edit = replace(edit, what="add", kind=kind, index=len(items) - 1)
        return replace(shape, **{kind: tuple(items)}), edit
    kind = edit.kind if edit.kind in kinds else kinds[0]
    items = list(shape.items(kind))
    index = edit.index % len(items)
    items[index] = _changed(items[index], edit.choice)
    return replace(shape, **{kind: tuple(items)}), replace(edit, kind=kind, index=index)


# --- the browser's side: read a form from the page, send it back ---------------------------


def trip_form_fields(page: str) -> dict[str, str]:
    """The trip form of ``page`` as a browser would submit it (without a button)."""
    (form,) = [form for form in page_forms(page) if "traveller" in form]
    return form


def _rows(kind: str, items: tuple[Any, ...]) -> dict[str, str]:
    return {
        f"{kind}-{index}-{name}": value
        for index, item in enumerate(items)
        for name, value in item.fields().items()
    }


# --- the checks -------------------------------------------------------------------------------


def _stored(trip: Trip) -> dict[str, tuple[Any, ...]]:
    """The trip's items as stored, by label, with their row ids."""
    rows: dict[str, tuple[Any, ...]] = {}
    for leg in trip.legs:
        rows[f"leg {leg.position + 1}"] = (
            leg.origin,
            leg.destination,
            leg.departure_on,
            leg.cabin_class.value,
            leg.passengers,
        )
    for g in trip.ground_legs:
        rows[f"journey {g.position + 1}"] = (
            g.mode.value,
            g.travelled_on,
            g.origin,
            g.destination,
            g.distance_km,
            g.passengers,
        )
    for h in trip.hotel_stays:
        rows[f"stay {h.position + 1}"] = (h.country_code, h.check_in_on, h.nights, h.rooms)
    return rows


def _row_ids(trip: Trip) -> dict[str, int]:
    return {
        f"{KINDS[kind]} {row.position + 1}": row.id
        for kind, relation in (
            ("legs", trip.legs),
            ("ground", trip.ground_legs),
            ("hotels", trip.hotel_stays),
        )
        for row in relation
    }


def _lines(trip_id: int) -> list[EmissionLine]:
    return list(
        db.session.scalars(
            sa.select(EmissionLine)
            .where(EmissionLine.activity_type == "trip", EmissionLine.activity_id == trip_id)
            .order_by(EmissionLine.id)
        )
    )


def _audit(trip_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.object_type == "trips", AuditEntry.object_id == str(trip_id))
            .order_by(AuditEntry.id)
        )
    )


def _figures(lines: Any) -> Counter[tuple[Any, ...]]:
    return Counter((line.item, line.basis, line.factor_id, line.co2e_g) for line in lines)


def _expected_lines(trip_id: int) -> Counter[tuple[Any, ...]]:
    specs = services.trip_lines(trip_id, FactorSelector())
    return Counter((s.item, s.basis, s.selected.factor.id, s.co2e_g) for s in specs)


@dataclass
class State:
    """What the database holds of a trip at one moment."""

    version: int
    items: dict[str, tuple[Any, ...]]
    row_ids: dict[str, int]
    current: dict[int, EmissionLine]
    all_lines: int
    audit: list[AuditEntry]

    @classmethod
    def read(cls, trip_id: int) -> State:
        db.session.rollback()  # a new transaction: what the server committed
        trip = db.session.get_one(Trip, trip_id)
        lines = _lines(trip_id)
        return cls(
            version=trip.version_id,
            items=_stored(trip),
            row_ids=_row_ids(trip),
            current={line.id: line for line in lines if line.superseded_at is None},
            all_lines=len(lines),
            audit=_audit(trip_id),
        )


@pytest.fixture
def clerk_client(client, create_user, login):
    factors.load_shipped_sets(actor=None)
    org.create_department(actor=None, name="Programmes", code="PRG")
    db.session.commit()
    login(client, create_user(roles=(Role.travel,)))
    return client


references = itertools.count(1)


def _create(client: Any, shape: Shape, through_form: bool) -> int:
    department = org.list_departments()[0].id if shape.with_department else None
    reference = f"PNR-{next(references)}" if shape.booking_reference else ""
    if not through_form:  # as the API and the importers do
        trip = services.create_trip(
            actor=None,
            traveller=shape.traveller,
            department_id=department,
            purpose=shape.purpose,
            paid_by=shape.paid_by,
            booking_reference=reference or None,
            notes=shape.notes,
            legs=[
                services.LegInput(f.origin, f.destination, f.day, f.cabin, f.passengers)
                for f in shape.legs
            ],
            ground=[
                services.GroundInput(
                    j.mode, j.day, j.distance_km, j.origin, j.destination, j.passengers
                )
                for j in shape.ground
            ],
            hotels=[services.HotelInput(s.country, s.day, s.nights, s.rooms) for s in shape.hotels],
        )
        db.session.commit()
        return trip.id
    response = client.post(
        "/travel/trips/new",
        data={
            "traveller": shape.traveller,
            "department_id": str(department or 0),
            "purpose": shape.purpose,
            "paid_by": shape.paid_by,
            "booking_reference": reference,
            "notes": shape.notes.replace("\n", "\r\n"),
            **_rows("legs", shape.legs),
            **_rows("ground", shape.ground),
            **_rows("hotels", shape.hotels),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _edit_form(client: Any, trip_id: int) -> dict[str, str]:
    page = client.get(f"/travel/trips/{trip_id}/edit")
    assert page.status_code == 200
    return trip_form_fields(page.get_data(as_text=True))


def _save(client: Any, trip_id: int, fields: dict[str, str]) -> None:
    response = client.post(f"/travel/trips/{trip_id}/edit", data={**fields, "submit": "Save trip"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/travel/trips/{trip_id}"


#: what a user clears to leave an item out (a row left empty is ignored)
BLANKED = {
    "legs": ("origin", "destination"),
    "ground": ("travelled_on", "origin", "destination", "distance_km"),
    "hotels": ("country_code", "check_in_on", "nights"),
}


def _apply(fields: dict[str, str], shape: Shape, edit: Edit) -> dict[str, str]:
    """The edit form's fields after the user made ``edit``."""
    fields = dict(fields)
    if edit.what == "purpose":
        fields["purpose"] += " (revised)"
    elif edit.what == "remove":
        fields[f"{edit.kind}-{edit.index}-remove"] = "y"
    elif edit.what == "blank":  # the row's places, date, distance, nights cleared
        for name in BLANKED[edit.kind]:
            fields[f"{edit.kind}-{edit.index}-{name}"] = ""
    else:  # change or add: the row's fields as the edited shape has them
        item = shape.items(edit.kind)[edit.index]
        fields.update(
            {f"{edit.kind}-{edit.index}-{name}": value for name, value in item.fields().items()}
        )
    return fields


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shape=shapes, edit=edits, through_form=st.booleans())
def test_every_trip_shape_round_trips_through_the_edit_form(
    clerk_client, shape, edit, through_form
):
    client = clerk_client
    event("shape: " + " + ".join(kind for kind in KINDS if shape.items(kind)))
    trip_id = _create(client, shape, through_form)
    try:
        created = State.read(trip_id)
        assert created.items == shape.labels()
        assert _figures(created.current.values()) == _expected_lines(trip_id)
        assert [entry.action for entry in created.audit] == ["travel.trip.created"]

        # the edit form shows every item; saved as it is, nothing changes
        fields = _edit_form(client, trip_id)
        for kind in KINDS:
            for index, item in enumerate(shape.items(kind)):
                for name, value in item.fields().items():
                    shown = fields[f"{kind}-{index}-{name}"]
                    if name == "distance_km" and value == "":  # shown as computed
                        value = str(item.km())
                    assert shown == value, (kind, index, name)
        _save(client, trip_id, fields)
        unchanged = State.read(trip_id)
        assert unchanged.version == created.version
        assert unchanged.items == created.items
        assert unchanged.row_ids == created.row_ids
        assert unchanged.current.keys() == created.current.keys()
        assert unchanged.all_lines == created.all_lines  # none written, none superseded
        assert len(unchanged.audit) == 1

        # one change: only that item's rows, lines and audit entry
        edited_shape, edit = _edited(shape, edit)
        event(f"edit: {edit.what} {edit.kind if edit.what != 'purpose' else ''}".strip())
        _save(client, trip_id, _apply(_edit_form(client, trip_id), edited_shape, edit))
        after = State.read(trip_id)
        expected_items = edited_shape.labels()
        assert after.items == expected_items
        touched = {
            label
            for label in expected_items.keys() | created.items.keys()
            if expected_items.get(label) != created.items.get(label)
        }
        assert after.version == created.version + 1
        assert {
            label: row_id for label, row_id in after.row_ids.items() if label not in touched
        } == {label: row_id for label, row_id in created.row_ids.items() if label not in touched}
        # the lines of the items not touched stay current, as they were
        untouched_lines = {i for i, line in created.current.items() if line.item not in touched}
        assert untouched_lines <= after.current.keys()
        superseded = created.current.keys() - after.current.keys()
        assert all(created.current[i].item in touched for i in superseded)
        new_lines = after.current.keys() - created.current.keys()
        assert all(after.current[i].item in touched for i in new_lines)
        assert after.all_lines == created.all_lines + len(new_lines)
        # the current lines are the trip's figures, and the total moved by the touched items
        assert _figures(after.current.values()) == _expected_lines(trip_id)
        assert sum(line.co2e_g for line in after.current.values()) == sum(
            line.co2e_g for line in created.current.values()
        ) - sum(created.current[i].co2e_g for i in superseded) + sum(
            after.current[i].co2e_g for i in new_lines
        )
        (entry,) = after.audit[1:]
        assert entry.action == "travel.trip.updated"
        assert set(entry.changes or {}) == (touched or {"purpose"})
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(EmissionLine).where(EmissionLine.activity_id == trip_id))
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.object_id == str(trip_id)))
        db.session.delete(db.session.get_one(Trip, trip_id))
        db.session.commit()
