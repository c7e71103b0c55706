"""Site records: energy a site consumed over a period (a bill, a meter), refrigerant top-ups,
fleet records, and the site's waste and water."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems.extensions import Base, utcnow
from ems.org.models import Site
from ems.removals.models import Removable


class EnergyType(enum.StrEnum):
    """What was consumed (the DESNZ fuel of each: ``ems.energy.services.FUELS``)."""

    electricity = "electricity"
    natural_gas = "natural_gas"
    #: burning oil (kerosene): heating oil in the UK and Ireland
    heating_oil = "heating_oil"
    #: gas oil: red diesel, generator fuel, heating oil in continental Europe (Heizöl EL, fioul)
    gas_oil = "gas_oil"
    #: fuel oil: heavy (residual) fuel oil
    fuel_oil = "fuel_oil"
    #: road diesel (average biofuel blend), as vehicles burn it
    diesel = "diesel"
    lpg = "lpg"
    district_heating = "district_heating"
    district_cooling = "district_cooling"
    onsite_renewable = "onsite_renewable"


class OnsiteTechnology(enum.StrEnum):
    """How electricity generated on site is made (``onsite_renewable`` records)."""

    solar_pv = "solar_pv"
    wind = "wind"
    hydro = "hydro"
    biomass = "biomass"
    geothermal = "geothermal"
    other = "other"


class RenewableInstrument(enum.StrEnum):
    """The contractual instrument behind purchased electricity's market-based figure."""

    none = "none"
    #: energy attribute certificates: guarantees of origin (GO), REGO, I-REC, REC
    certificates = "certificates"
    #: a green tariff or another supplier contract with its own factor
    green_tariff = "green_tariff"
    #: a power purchase agreement
    ppa = "ppa"


class EnergyRecord(Removable, Base):
    """A site's consumption of one kind of energy over a period (a bill, a meter reading)."""

    __tablename__ = "energy_records"
    __table_args__ = (sa.CheckConstraint("period_start <= period_end", name="period_order"),)

    REFERENCE_MAX_LEN = 80
    NOTE_MAX_LEN = 1000
    SOURCE_NAME_MAX_LEN = 80

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    energy_type: Mapped[EnergyType] = mapped_column(
        sa.Enum(
            EnergyType, native_enum=False, length=20, create_constraint=True, name="energy_type"
        )
    )
    period_start: Mapped[dt.date] = mapped_column(index=True)
    period_end: Mapped[dt.date]
    quantity: Mapped[Decimal]
    #: unit code of the quantity: kwh, mwh, gj, kwh_gross_cv, kwh_net_cv, m3, litre, tonne
    unit: Mapped[str] = mapped_column(sa.String(20))
    #: the energy's name as the imported file wrote it, where that is not the type's own code
    #: ("Heizöl EL" for gas oil): its lines say which DESNZ fuel the name was taken for
    source_name: Mapped[str] = mapped_column(
        sa.String(SOURCE_NAME_MAX_LEN), default="", server_default=""
    )
    #: kWh covered by renewable energy certificates (market-based: zero emissions)
    certificates_kwh: Mapped[Decimal | None]
    #: a supplier-specific factor (an imported set): the market-based factor of electricity,
    #: the factor of district heating or cooling
    supplier_factor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("emission_factors.id"))
    #: how on-site generation is made (``onsite_renewable`` only, which requires it)
    technology: Mapped[OnsiteTechnology | None] = mapped_column(
        sa.Enum(
            OnsiteTechnology,
            native_enum=False,
            length=20,
            create_constraint=True,
            name="onsite_technology",
        )
    )
    #: the contractual instrument of electricity (certificates, a green tariff, a PPA)
    instrument: Mapped[RenewableInstrument] = mapped_column(
        sa.Enum(
            RenewableInstrument,
            native_enum=False,
            length=20,
            create_constraint=True,
            name="renewable_instrument",
        ),
        default=RenewableInstrument.none,
        server_default=RenewableInstrument.none.value,
    )
    #: the instrument meets the GHG Protocol Scope 2 Quality Criteria: without them, its
    #: certificates or its contract do not lower the market-based figure
    meets_quality_criteria: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    meter_reference: Mapped[str] = mapped_column(sa.String(REFERENCE_MAX_LEN), default="")
    evidence_note: Mapped[str] = mapped_column(sa.String(NOTE_MAX_LEN), default="")
    #: the quantity is an estimate (an estimated meter reading, a bill not yet received)
    is_estimate: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the import the record came from, if any (a batch can be removed as a whole)
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    site: Mapped[Site] = relationship()


class RefrigerantTopUp(Removable, Base):
    """Refrigerant added to equipment: what was added is what leaked (scope 1)."""

    __tablename__ = "refrigerant_top_ups"

    EQUIPMENT_MAX_LEN = 120
    MAX_KG = Decimal(100_000)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    topped_up_on: Mapped[dt.date] = mapped_column(index=True)
    #: the gas or blend, as the GWP tables name it (r410a, r134a, r32…)
    gas: Mapped[str] = mapped_column(sa.String(40))
    kg: Mapped[Decimal]
    equipment: Mapped[str] = mapped_column(sa.String(EQUIPMENT_MAX_LEN), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    site: Mapped[Site] = relationship()


class FleetRecord(Removable, Base):
    """Fuel put into, or distance driven by, the organisation's own vehicles (scope 1)."""

    __tablename__ = "fleet_records"
    __table_args__ = (sa.CheckConstraint("period_start <= period_end", name="period_order"),)

    VEHICLE_MAX_LEN = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    vehicle: Mapped[str] = mapped_column(sa.String(VEHICLE_MAX_LEN), default="")
    #: what was measured: litres of a fuel, or km of a kind of car (see energy.services.FLEET)
    measure: Mapped[str] = mapped_column(sa.String(30))
    period_start: Mapped[dt.date] = mapped_column(index=True)
    period_end: Mapped[dt.date]
    quantity: Mapped[Decimal]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    site: Mapped[Site | None] = relationship()


class WasteStream(enum.StrEnum):
    """What was thrown away (the DESNZ factor of each: ``ems.energy.services.waste``)."""

    mixed = "mixed"
    paper_card = "paper_card"
    plastics = "plastics"
    glass = "glass"
    metals = "metals"
    food_organic = "food_organic"
    e_waste = "e_waste"
    hazardous = "hazardous"


class WasteTreatment(enum.StrEnum):
    """Where the waste went."""

    landfill = "landfill"
    recycling = "recycling"
    composting = "composting"
    anaerobic_digestion = "anaerobic_digestion"
    incineration_energy_recovery = "incineration_energy_recovery"
    incineration_no_recovery = "incineration_no_recovery"


class WaterSource(enum.StrEnum):
    """Where a site's water came from."""

    mains = "mains"
    ground = "ground"
    rain = "rain"
    recycled = "recycled"


class WasteRecord(Removable, Base):
    """Tonnes of one waste stream a site sent to one treatment over a period (scope 3)."""

    __tablename__ = "waste_records"
    __table_args__ = (sa.CheckConstraint("period_start <= period_end", name="period_order"),)

    REFERENCE_MAX_LEN = 80
    NOTE_MAX_LEN = 1000
    MAX_TONNES = Decimal(100_000)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    period_start: Mapped[dt.date] = mapped_column(index=True)
    period_end: Mapped[dt.date]
    stream: Mapped[WasteStream] = mapped_column(
        sa.Enum(
            WasteStream, native_enum=False, length=20, create_constraint=True, name="waste_stream"
        )
    )
    treatment: Mapped[WasteTreatment] = mapped_column(
        sa.Enum(
            WasteTreatment,
            native_enum=False,
            length=30,
            create_constraint=True,
            name="waste_treatment",
        )
    )
    tonnes: Mapped[Decimal]
    #: the tonnes are an estimate (bins counted, not weighed)
    is_estimate: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    reference: Mapped[str] = mapped_column(sa.String(REFERENCE_MAX_LEN), default="")
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX_LEN), default="")
    #: the import the record came from, if any (a batch can be removed as a whole)
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    site: Mapped[Site] = relationship()


class WaterRecord(Removable, Base):
    """A site's water over a period: m³ supplied (from one source) and m³ of wastewater
    treated (scope 3)."""

    __tablename__ = "water_records"
    __table_args__ = (sa.CheckConstraint("period_start <= period_end", name="period_order"),)

    REFERENCE_MAX_LEN = 80
    NOTE_MAX_LEN = 1000
    MAX_M3 = Decimal(10_000_000)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    period_start: Mapped[dt.date] = mapped_column(index=True)
    period_end: Mapped[dt.date]
    supply_source: Mapped[WaterSource] = mapped_column(
        sa.Enum(
            WaterSource, native_enum=False, length=10, create_constraint=True, name="water_source"
        )
    )
    supply_m3: Mapped[Decimal]
    wastewater_m3: Mapped[Decimal]
    #: the quantities are an estimate (a meter not read, a bill not received)
    is_estimate: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    reference: Mapped[str] = mapped_column(sa.String(REFERENCE_MAX_LEN), default="")
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX_LEN), default="")
    #: the import the record came from, if any (a batch can be removed as a whole)
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    site: Mapped[Site] = relationship()
