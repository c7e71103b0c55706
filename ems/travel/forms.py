"""Trip entry and estimate forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ems.forms import EmsForm, VersionedForm, choices, strip_whitespace, upper
from ems.imports import MAX_FILE_BYTES
from ems.travel.calculation import CabinClass
from ems.travel.models import FlightLeg, PaidBy, Trip

CABIN_LABELS = {
    CabinClass.economy: _l("Economy"),
    CabinClass.premium_economy: _l("Premium economy"),
    CabinClass.business: _l("Business"),
    CabinClass.first: _l("First"),
    CabinClass.unknown: _l("Unknown"),
}
CABIN_CHOICES = choices((cabin.value, label) for cabin, label in CABIN_LABELS.items())
AIRPORT_ATTRS = {"autocomplete": "off", "data-airport": "", "size": 8, "spellcheck": "false"}


def _airport_field(label: Any) -> StringField:
    return StringField(
        label,
        [InputRequired(), Length(max=60)],
        filters=[strip_whitespace, upper],
        render_kw=AIRPORT_ATTRS,
        description=_l("IATA code, e.g. GVA"),
    )


class LegForm(Form):  # a subform: the trip form carries the CSRF token
    """One flight."""

    origin = _airport_field(_l("From"))
    destination = _airport_field(_l("To"))
    departure_on = DateField(_l("Date"), [InputRequired()])
    cabin_class = SelectField(_l("Class"), choices=CABIN_CHOICES, default="economy")
    passengers = IntegerField(
        _l("Passengers"), [InputRequired(), NumberRange(1, FlightLeg.MAX_PASSENGERS)], default=1
    )


class TripForm(VersionedForm):
    """A trip with its flights; the way back is added for a return trip."""

    traveller = StringField(
        _l("Traveller"),
        [InputRequired(), Length(max=Trip.TRAVELLER_MAX_LEN)],
        render_kw={"autofocus": True},
    )
    department_id = SelectField(_l("Department"), coerce=int, validate_choice=True)
    purpose = StringField(_l("Purpose"), [Optional(), Length(max=Trip.PURPOSE_MAX_LEN)])
    paid_by = SelectField(
        _l("Paid by"),
        choices=choices(
            [
                (PaidBy.organisation.value, _l("The organisation (in the inventory)")),
                (PaidBy.other.value, _l("Others (not in the inventory)")),
            ]
        ),
    )
    booking_reference = StringField(
        _l("Booking reference"), [Optional(), Length(max=Trip.BOOKING_REFERENCE_MAX_LEN)]
    )
    legs = FieldList(FormField(LegForm), min_entries=1, max_entries=Trip.MAX_LEGS)
    add_leg = SubmitField(_l("Add a flight"))
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
    passengers = IntegerField(
        _l("Passengers"), [Optional(), NumberRange(1, FlightLeg.MAX_PASSENGERS)], default=1
    )
    is_return = BooleanField(_l("Return"))
    submit = SubmitField(_l("Estimate"))


class ImportForm(EmsForm):
    """Upload an agency export to check it."""

    file = FileField(
        _l("Agency export (CSV or XLSX)"),
        [FileRequired(), FileSize(MAX_FILE_BYTES)],
        description=_l("One row per flight; rows with the same booking reference form one trip."),
    )
    submit = SubmitField(_l("Check the file"))
