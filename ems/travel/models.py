"""Trips and their flight legs."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems.extensions import Base, utcnow
from ems.removals.models import Removable, unique_while_live
from ems.travel.calculation import CabinClass


class PaidBy(enum.StrEnum):
    """Who paid: only trips the organisation paid are in its inventory."""

    organisation = "organisation"
    other = "other"


class TripSource(enum.StrEnum):
    """How the trip was recorded."""

    manual = "manual"
    import_ = "import"
    api = "api"


class Trip(Removable, Base):
    """A business trip: who travelled, why, who paid, and its legs."""

    __tablename__ = "trips"
    __table_args__ = (unique_while_live("uq_trips_booking_reference", "booking_reference"),)

    TRAVELLER_MAX_LEN = 120
    PURPOSE_MAX_LEN = 200
    BOOKING_REFERENCE_MAX_LEN = 60
    NOTES_MAX_LEN = 2000
    MAX_LEGS = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    traveller: Mapped[str] = mapped_column(sa.String(TRAVELLER_MAX_LEN), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(PURPOSE_MAX_LEN), default="")
    paid_by: Mapped[PaidBy] = mapped_column(
        sa.Enum(PaidBy, native_enum=False, length=20, create_constraint=True, name="paid_by")
    )
    #: the agency's booking reference; importing the same reference again creates nothing
    booking_reference: Mapped[str | None] = mapped_column(sa.String(BOOKING_REFERENCE_MAX_LEN))
    source: Mapped[TripSource] = mapped_column(
        sa.Enum(
            TripSource,
            native_enum=False,
            length=10,
            create_constraint=True,
            name="trip_source",
            values_callable=lambda e: [m.value for m in e],
        )
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    #: the import the trip came from, if any (a batch can be removed as a whole)
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )
    #: date of the first leg, kept for filtering by year and month
    starts_on: Mapped[dt.date] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    legs: Mapped[list[FlightLeg]] = relationship(
        back_populates="trip",
        cascade="all, delete-orphan",
        order_by="FlightLeg.position",
        lazy="selectin",
    )
    ground_legs: Mapped[list[GroundLeg]] = relationship(
        cascade="all, delete-orphan", order_by="GroundLeg.position", lazy="selectin"
    )
    hotel_stays: Mapped[list[HotelStay]] = relationship(
        cascade="all, delete-orphan", order_by="HotelStay.position", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<Trip {self.id} {self.traveller} {self.starts_on}>"


class FlightLeg(Base):
    """One flight from origin to destination; a return trip has a leg each way."""

    __tablename__ = "flight_legs"
    __table_args__ = (
        sa.UniqueConstraint("trip_id", "position"),
        sa.CheckConstraint("origin <> destination", name="distinct_airports"),
        sa.CheckConstraint("passengers > 0", name="passengers_positive"),
    )

    MAX_PASSENGERS = 500
    TICKET_NUMBER_MAX_LEN = 20

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(sa.ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    #: order within the trip, from 0
    position: Mapped[int]
    #: IATA codes
    origin: Mapped[str] = mapped_column(sa.String(3))
    destination: Mapped[str] = mapped_column(sa.String(3))
    departure_on: Mapped[dt.date] = mapped_column(index=True)
    cabin_class: Mapped[CabinClass] = mapped_column(
        sa.Enum(
            CabinClass, native_enum=False, length=20, create_constraint=True, name="cabin_class"
        )
    )
    passengers: Mapped[int] = mapped_column(default=1)
    #: great-circle distance, km (haversine, R = 6371.0 km)
    distance_km: Mapped[Decimal]
    #: the ticket (or e-ticket) number the agency issued for the flight, as written
    ticket_number: Mapped[str | None] = mapped_column(sa.String(TICKET_NUMBER_MAX_LEN))

    trip: Mapped[Trip] = relationship(back_populates="legs")

    def __repr__(self) -> str:
        return f"<FlightLeg {self.origin}->{self.destination} {self.departure_on}>"


class GroundMode(enum.StrEnum):
    """Ways of travelling on the ground, each with its DESNZ factor."""

    rail = "rail"
    international_rail = "international_rail"
    bus = "bus"
    coach = "coach"
    taxi = "taxi"
    car = "car"


class GroundLeg(Base):
    """A journey by rail, bus, coach, taxi or car, by distance."""

    __tablename__ = "ground_legs"
    __table_args__ = (
        sa.UniqueConstraint("trip_id", "position"),
        sa.CheckConstraint("passengers > 0", name="passengers_positive"),
    )

    PLACE_MAX_LEN = 120
    MAX_DISTANCE_KM = 20_000

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(sa.ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    mode: Mapped[GroundMode] = mapped_column(
        sa.Enum(
            GroundMode, native_enum=False, length=20, create_constraint=True, name="ground_mode"
        )
    )
    travelled_on: Mapped[dt.date] = mapped_column(index=True)
    #: where from and to, as entered (free text, or airport codes the distance was taken from)
    origin: Mapped[str] = mapped_column(sa.String(PLACE_MAX_LEN), default="")
    destination: Mapped[str] = mapped_column(sa.String(PLACE_MAX_LEN), default="")
    #: km travelled (a car's km are the vehicle's; other modes count per passenger)
    distance_km: Mapped[Decimal]
    passengers: Mapped[int] = mapped_column(default=1)


class HotelStay(Base):
    """Nights in a hotel, in a country."""

    __tablename__ = "hotel_stays"
    __table_args__ = (
        sa.UniqueConstraint("trip_id", "position"),
        sa.CheckConstraint("nights > 0", name="nights_positive"),
        sa.CheckConstraint("rooms > 0", name="rooms_positive"),
    )

    MAX_NIGHTS = 366
    MAX_ROOMS = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(sa.ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    #: ISO 3166-1 alpha-2
    country_code: Mapped[str] = mapped_column(sa.String(2))
    check_in_on: Mapped[dt.date] = mapped_column(index=True)
    nights: Mapped[int]
    rooms: Mapped[int] = mapped_column(default=1)
