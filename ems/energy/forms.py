"""The energy record, refrigerant top-up and fleet record forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from ems import labels
from ems.energy.models import EnergyRecord, EnergyType, FleetRecord, RefrigerantTopUp
from ems.forms import VersionedForm, choices
from ems.numbers import QUANTITY, NumberField

ENERGY_LABELS = labels.enum_labels(EnergyType, "energy_type")
#: the units an energy record's quantity may be in
UNIT_LABELS = {
    code: labels.UNITS[code]
    for code in ("kwh", "mwh", "gj", "kwh_gross_cv", "kwh_net_cv", "m3", "litre", "tonne")
}


class EnergyRecordForm(VersionedForm):
    """A bill or meter reading of one site."""

    site_id = SelectField(_l("Site"), coerce=int, validate_choice=True)
    energy_type = SelectField(
        _l("Energy"), choices=choices((kind.value, label) for kind, label in ENERGY_LABELS.items())
    )
    period_start = DateField(_l("From"), [InputRequired()])
    period_end = DateField(
        _l("To"), [InputRequired()], description=_l("A period across New Year is split by days.")
    )
    quantity = NumberField(_l("Quantity"), [InputRequired()], kind=QUANTITY)
    unit = SelectField(_l("Unit"), choices=choices(UNIT_LABELS.items()))
    certificates_kwh = NumberField(
        _l("kWh covered by certificates"),
        [Optional()],
        kind=QUANTITY,
        description=_l("Renewable energy certificates retired for this electricity."),
    )
    supplier_factor_id = SelectField(
        _l("Supplier factor"),
        coerce=int,
        validate_choice=True,
        description=_l(
            "Market-based factor of the electricity contract, or the district "
            "network's factor (import it as a factor set first)."
        ),
    )
    meter_reference = StringField(
        _l("Meter or bill reference"), [Optional(), Length(max=EnergyRecord.REFERENCE_MAX_LEN)]
    )
    evidence_note = TextAreaField(
        _l("Evidence"), [Optional(), Length(max=EnergyRecord.NOTE_MAX_LEN)]
    )
    is_estimate = BooleanField(
        _l("Estimated"), description=_l("An estimated reading, or a bill not received yet.")
    )
    submit = SubmitField(_l("Save"))


class RefrigerantForm(VersionedForm):
    """Refrigerant added to a site's equipment."""

    site_id = SelectField(_l("Site"), coerce=int, validate_choice=True)
    topped_up_on = DateField(_l("Date"), [InputRequired()])
    gas = SelectField(_l("Gas or blend"))
    kg = NumberField(_l("Added (kg)"), [InputRequired()], kind=QUANTITY)
    equipment = StringField(
        _l("Equipment"), [Optional(), Length(max=RefrigerantTopUp.EQUIPMENT_MAX_LEN)]
    )
    submit = SubmitField(_l("Save"))


FLEET_LABELS = labels.FLEET_MEASURES


class FleetForm(VersionedForm):
    """Fuel put into, or km driven by, own vehicles."""

    measure = SelectField(_l("Measured"), choices=choices(FLEET_LABELS.items()))
    quantity = NumberField(_l("Quantity"), [InputRequired()], kind=QUANTITY)
    period_start = DateField(_l("From"), [InputRequired()])
    period_end = DateField(_l("To"), [InputRequired()])
    vehicle = StringField(_l("Vehicle"), [Optional(), Length(max=FleetRecord.VEHICLE_MAX_LEN)])
    site_id = SelectField(_l("Site"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save"))
