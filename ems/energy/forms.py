"""The energy record, refrigerant top-up, fleet record, waste record and water record forms."""

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
from ems.energy.models import (
    EnergyRecord,
    EnergyType,
    FleetRecord,
    RefrigerantTopUp,
    WasteRecord,
    WaterRecord,
)
from ems.forms import VersionedForm, choices
from ems.numbers import QUANTITY, NumberField

ENERGY_LABELS = labels.enum_labels(EnergyType, "energy_type")
TECHNOLOGY_LABELS = labels.ONSITE_TECHNOLOGIES
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
    technology = SelectField(
        _l("Technology"),
        choices=choices([("", _l("— not on-site generation —")), *TECHNOLOGY_LABELS.items()]),
        default="",
        description=_l("How on-site generation is made (on-site renewable generation only)."),
    )
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
    instrument = SelectField(
        _l("Renewable electricity instrument"),
        choices=choices(labels.RENEWABLE_INSTRUMENTS.items()),
        default="none",
        description=_l(
            "Certificates need the kWh they cover; a green tariff or PPA the supplier factor. "
            "The instrument meets the Scope 2 Quality Criteria when it conveys the renewable "
            "attribute, is tracked and retired or cancelled for the organisation, and is of the "
            "same market and of a vintage close to the period; otherwise it does not lower the "
            "market-based figure."
        ),
    )
    meets_quality_criteria = BooleanField(
        _l("Meets the Scope 2 Quality Criteria"),
        default=True,
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


class WasteForm(VersionedForm):
    """Tonnes of one waste stream a site sent to one treatment over a period."""

    site_id = SelectField(_l("Site"), coerce=int, validate_choice=True)
    period_start = DateField(_l("From"), [InputRequired()])
    period_end = DateField(
        _l("To"), [InputRequired()], description=_l("A period across New Year is split by days.")
    )
    stream = SelectField(_l("Waste stream"), choices=choices(labels.WASTE_STREAMS.items()))
    treatment = SelectField(_l("Treatment"), choices=choices(labels.WASTE_TREATMENTS.items()))
    tonnes = NumberField(_l("Tonnes"), [InputRequired()], kind=QUANTITY)
    is_estimate = BooleanField(
        _l("Estimated"), description=_l("Bins or loads counted, not weighed.")
    )
    reference = StringField(
        _l("Reference (transfer note, contractor's report)"),
        [Optional(), Length(max=WasteRecord.REFERENCE_MAX_LEN)],
    )
    note = TextAreaField(_l("Note"), [Optional(), Length(max=WasteRecord.NOTE_MAX_LEN)])
    submit = SubmitField(_l("Save"))


class WaterForm(VersionedForm):
    """A site's water supplied and wastewater treated over a period."""

    site_id = SelectField(_l("Site"), coerce=int, validate_choice=True)
    period_start = DateField(_l("From"), [InputRequired()])
    period_end = DateField(
        _l("To"), [InputRequired()], description=_l("A period across New Year is split by days.")
    )
    supply_source = SelectField(_l("Source"), choices=choices(labels.WATER_SOURCES.items()))
    supply_m3 = NumberField(
        _l("Water supplied (m³)"),
        [InputRequired()],
        kind=QUANTITY,
        description=_l("Only mains water has a DESNZ factor; other sources count in m³ only."),
    )
    wastewater_m3 = NumberField(_l("Wastewater treated (m³)"), [Optional()], kind=QUANTITY)
    is_estimate = BooleanField(
        _l("Estimated"), description=_l("An estimated reading, or a bill not received yet.")
    )
    reference = StringField(
        _l("Meter or bill reference"), [Optional(), Length(max=WaterRecord.REFERENCE_MAX_LEN)]
    )
    note = TextAreaField(_l("Note"), [Optional(), Length(max=WaterRecord.NOTE_MAX_LEN)])
    submit = SubmitField(_l("Save"))
