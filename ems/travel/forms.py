"""Trip entry and estimate forms."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from ems import labels
from ems.forms import EmsForm, VersionedForm, choices, strip_whitespace, upper
from ems.numbers import (
    DISTANCE_KM,
    NIGHTS,
    PASSENGERS,
    ROOMS,
    YEAR,
    NumberField,
    WholeNumberField,
)
from ems.org.services import countries
from ems.tables import MAX_FILE_BYTES
from ems.travel.calculation import CabinClass
from ems.travel.models import GroundLeg, GroundMode, PaidBy, Trip

CABIN_LABELS = labels.enum_labels(CabinClass, "cabin_class")
CABIN_CHOICES = choices((cabin.value, label) for cabin, label in CABIN_LABELS.items())
AIRPORT_ATTRS = {"autocomplete": "off", "data-airport": "", "size": 8, "spellcheck": "false"}


def _airport_field(label: Any, *, required: bool = True) -> StringField:
    return StringField(
        label,
        [InputRequired() if required else Optional(), Length(max=60)],
        filters=[strip_whitespace, upper],
        render_kw=AIRPORT_ATTRS,
        description=_l("IATA code, e.g. GVA"),
    )


def _remove_field() -> BooleanField:
    return BooleanField(_l("Remove"), description=_l("Leave this item out when saving"))


# Subforms: the trip form carries the CSRF token. Their fields are optional here, so that a
# row left empty (or ticked "Remove") is simply ignored; the services check the rows that are
# filled in.
class LegForm(Form):
    """One flight."""

    origin = _airport_field(_l("From"), required=False)
    destination = _airport_field(_l("To"), required=False)
    departure_on = DateField(_l("Date"), [Optional()])
    cabin_class = SelectField(_l("Class"), choices=CABIN_CHOICES, default="economy")
    passengers = WholeNumberField(_l("Passengers"), [Optional()], kind=PASSENGERS, default=1)
    remove = _remove_field()

    def is_empty(self) -> bool:
        """True when marked for removal or neither airport is filled in."""
        return self.remove.data or not (self.origin.data or self.destination.data)


GROUND_CHOICES = choices(labels.enum_labels(GroundMode, "ground_mode").items())


class GroundForm(Form):
    """One journey by rail, bus, coach, taxi or car."""

    mode = SelectField(_l("Means of transport"), choices=GROUND_CHOICES, default="rail")
    travelled_on = DateField(_l("Date"), [Optional()])
    origin = StringField(
        _l("From"), [Optional(), Length(max=GroundLeg.PLACE_MAX_LEN)], filters=[strip_whitespace]
    )
    destination = StringField(
        _l("To"), [Optional(), Length(max=GroundLeg.PLACE_MAX_LEN)], filters=[strip_whitespace]
    )
    distance_km = NumberField(
        _l("Distance (km)"),
        [Optional()],
        kind=DISTANCE_KM,
        places=1,
        description=_l("Or airport codes as from and to"),
    )
    passengers = WholeNumberField(_l("Passengers"), [Optional()], kind=PASSENGERS, default=1)
    remove = _remove_field()

    def is_empty(self) -> bool:
        """True when marked for removal or nothing but the defaults is filled in."""
        return self.remove.data or not (
            self.travelled_on.data
            or self.origin.data
            or self.destination.data
            or self.distance_km.data
        )


class HotelForm(Form):
    """Nights in a hotel."""

    country_code = SelectField(_l("Country"))
    check_in_on = DateField(_l("Check-in"), [Optional()])
    nights = WholeNumberField(_l("Nights"), [Optional()], kind=NIGHTS)
    rooms = WholeNumberField(_l("Rooms"), [Optional()], kind=ROOMS, default=1)
    remove = _remove_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country_code.choices = choices([("", _l("Choose a country")), *countries().items()])

    def is_empty(self) -> bool:
        """True when marked for removal or neither country nor date nor nights are filled in."""
        return self.remove.data or not (
            self.country_code.data or self.check_in_on.data or self.nights.data
        )


class TripForm(VersionedForm):
    """A trip with its flights; the way back is added for a return trip."""

    #: each list of rows → the trip's items it edits, and how an edit conflict names a row
    ITEM_LISTS: ClassVar[dict[str, tuple[str, Any]]] = {
        "legs": ("legs", _l("leg %(n)d")),
        "ground": ("ground_legs", _l("journey %(n)d")),
        "hotels": ("hotel_stays", _l("hotel stay %(n)d")),
    }

    traveller = StringField(
        _l("Traveller"),
        [InputRequired(), Length(max=Trip.TRAVELLER_MAX_LEN)],
        render_kw={"autofocus": True},
    )
    department_id = SelectField(_l("Department"), coerce=int, validate_choice=True)
    purpose = StringField(_l("Purpose"), [Optional(), Length(max=Trip.PURPOSE_MAX_LEN)])
    paid_by = SelectField(
        _l("Paid by"),
        choices=choices(labels.enum_labels(PaidBy, "paid_by").items()),
    )
    booking_reference = StringField(
        _l("Booking reference"), [Optional(), Length(max=Trip.BOOKING_REFERENCE_MAX_LEN)]
    )
    legs = FieldList(FormField(LegForm), min_entries=1, max_entries=Trip.MAX_LEGS)
    add_leg = SubmitField(_l("Add a flight"))
    ground = FieldList(FormField(GroundForm), min_entries=0, max_entries=Trip.MAX_LEGS)
    add_ground = SubmitField(_l("Add rail, bus, taxi or car"))
    hotels = FieldList(FormField(HotelForm), min_entries=0, max_entries=Trip.MAX_LEGS)
    add_hotel = SubmitField(_l("Add a hotel stay"))
    is_return = BooleanField(_l("Return trip: the same flights back, in reverse"))
    return_on = DateField(_l("Return date"), [Optional()])
    notes = TextAreaField(_l("Notes"), [Optional(), Length(max=Trip.NOTES_MAX_LEN)])
    submit = SubmitField(_l("Save trip"))

    def set_departments(self, departments: list[tuple[int, str]]) -> None:
        """Offer the organisation's departments."""
        self.department_id.choices = choices([(0, _l("— none —")), *departments])


class EstimateForm(EmsForm):
    """An itinerary to estimate before booking (a GET form)."""

    class Meta:
        csrf = False  # nothing is stored: a plain GET form

    origin = _airport_field(_l("From"))
    destination = _airport_field(_l("To"))
    via = StringField(
        _l("Via"),
        [Optional(), Length(max=60)],
        filters=[strip_whitespace, upper],
        description=_l("Stopovers, e.g. FRA or FRA JFK"),
    )
    cabin_class = SelectField(_l("Class"), choices=CABIN_CHOICES, default="economy")
    departure_on = DateField(_l("Date"), [Optional()])
    passengers = WholeNumberField(_l("Passengers"), [Optional()], kind=PASSENGERS, default=1)
    is_return = BooleanField(_l("Return"))
    submit = SubmitField(_l("Estimate"))


class IcaoImportForm(EmsForm):
    """Upload ICAO's figures for a year's flights (see services.icao)."""

    file = FileField(
        _l("File"),
        [FileRequired(), FileSize(MAX_FILE_BYTES)],
        description=_l(
            "The file of flights for ICAO’s calculator with its last column, kg CO2 per "
            "passenger, filled in; or a route table: From, To, Cabin class, kg CO2 per passenger "
            "(one leg, one way). CSV, XLSX or ODS."
        ),
    )
    year = WholeNumberField(
        _l("Year"), [InputRequired()], kind=YEAR, description=_l("The year of the flights.")
    )
    version = StringField(
        _l("Calculator version"),
        [InputRequired(), Length(max=40)],
        description=_l("As ICAO's calculator states it, e.g. “v13.1 (2024)”."),
    )
    source = SelectField(
        _l("The figures come from"),
        choices=choices(
            [
                ("calculator", _l("ICAO’s Carbon Emissions Calculator, run on this year’s file")),
                ("route_table", _l("A route table the organisation keeps")),
            ]
        ),
    )
    submit = SubmitField(_l("Import ICAO figures"))
