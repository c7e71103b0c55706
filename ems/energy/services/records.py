"""Energy records and their emission lines. Services flush; callers commit.

Electricity gives a location-based line (the grid of the site's country and year), a market-based
line (a supplier factor, or renewable-energy certificates covering some or all of the kWh, else
the grid factor), and, where a factor exists (the UK), transmission and distribution losses in
scope 3. A record spanning years is apportioned to each year by days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.auth.models import User
from ems.energy.models import EnergyRecord, EnergyType, OnsiteTechnology, RenewableInstrument
from ems.energy.services._shared import (
    ACTIVITY_TYPE,
    check_period,
    create_record,
    delete_record,
    get_record,
    in_year,
    kg_of,
    line_sums,
    record_computed_lines,
    register_removal_kind,
    require_editor,
    set_codes,
    split_by_year,
    update_record,
    with_lines,
    year_site_filter,
    years_text,
)
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.factors.keys import factor_key
from ems.factors.models import EmissionFactor, FactorSet
from ems.factors.services import FactorSelector, SelectedFactor
from ems.ledger import services as ledger
from ems.ledger.models import Basis, SourceCategory
from ems.org.models import Site
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.units import KWH_PER_GJ
from ems.validation import check_decimal, check_text

KWH_PER_MWH = Decimal(1000)


def _in_kwh(quantity: Decimal, unit: str) -> Decimal:
    """A quantity of delivered energy (kWh, MWh or GJ) in kWh: MWh exactly, GJ to 28 digits."""
    if unit == "mwh":
        return quantity * KWH_PER_MWH
    if unit == "gj":
        return quantity * KWH_PER_GJ
    return quantity


SCOPE3_FUEL_AND_ENERGY = 3

#: the units each kind of energy may be recorded in (a fuel's kWh say their calorific value)
LIQUID_FUEL_UNITS = ("litre", "kwh_gross_cv", "kwh_net_cv", "tonne")
#: units of delivered energy: kWh, MWh and GJ (kept as written, converted to kWh on its lines)
KWH_UNITS = ("kwh", "mwh", "gj")
UNITS: dict[EnergyType, tuple[str, ...]] = {
    EnergyType.electricity: KWH_UNITS,
    EnergyType.natural_gas: ("kwh_gross_cv", "kwh_net_cv", "m3", "tonne"),
    EnergyType.heating_oil: LIQUID_FUEL_UNITS,
    EnergyType.gas_oil: LIQUID_FUEL_UNITS,
    EnergyType.fuel_oil: LIQUID_FUEL_UNITS,
    EnergyType.diesel: LIQUID_FUEL_UNITS,
    EnergyType.lpg: LIQUID_FUEL_UNITS,
    EnergyType.district_heating: KWH_UNITS,
    EnergyType.district_cooling: KWH_UNITS,
    EnergyType.onsite_renewable: KWH_UNITS,
}
#: the DESNZ fuel (activity) of each fuel burned on site. Heating oil is burning oil
#: (kerosene), as in the UK and Ireland; continental heating oil is gas oil. Diesel is road
#: diesel (average biofuel blend); generator diesel and red diesel are gas oil.
FUELS = {
    EnergyType.natural_gas: "natural_gas",
    EnergyType.heating_oil: "burning_oil",
    EnergyType.gas_oil: "gas_oil",
    EnergyType.fuel_oil: "fuel_oil",
    EnergyType.diesel: "diesel_average_biofuel_blend",
    EnergyType.lpg: "lpg",
}
#: how DESNZ names each of those fuels in its tables (its own words: never translated)
DESNZ_FUEL_LABELS = {
    EnergyType.natural_gas: "Gaseous fuels > Natural gas",
    EnergyType.heating_oil: "Liquid fuels > Burning oil",
    EnergyType.gas_oil: "Liquid fuels > Gas oil",
    EnergyType.fuel_oil: "Liquid fuels > Fuel oil",
    EnergyType.diesel: "Liquid fuels > Diesel (average biofuel blend)",
    EnergyType.lpg: "Gaseous fuels > LPG",
}
UK = "GB"


def _mapping_note(source_name: str, kind: EnergyType) -> str:
    """How a line says what a file's name was taken for, in the ledger's words (codes, read by
    ``labels.readable``): "“Heizöl EL” → gas_oil (DESNZ Liquid fuels > Gas oil)"."""
    fuel = DESNZ_FUEL_LABELS.get(kind)
    return f"“{source_name}” → {kind.value}" + (f" (DESNZ {fuel})" if fuel else "")


def _supplier(factor: EmissionFactor) -> SelectedFactor:
    return SelectedFactor(
        factor=factor,
        factor_set=factor.factor_set,
        selection="supplier",
        note=_("supplier-specific factor"),
    )


def _grid(selector: FactorSelector, country: str, year: int) -> SelectedFactor:
    if country == UK:
        return selector.select(
            family="desnz_other",
            year=year,
            key=factor_key("electricity", "uk_electricity_generated", "kwh"),
        )
    return selector.select(
        family="ember_grid",
        year=year,
        key=factor_key("electricity", "grid_average", "kwh", country=country),
    )


#: the category of residual-mix factors in an imported set (activity ``electricity``, unit
#: ``kwh``, attribute ``country``: the ISO 3166 alpha-2 code, as the grid factors have it)
RESIDUAL_MIX_CATEGORY = "residual_mix"
#: the market-based methods: a supplier's factor (or none needed: all kWh covered), the
#: residual mix of the site's country, the grid average where no residual mix was imported
MARKET_SUPPLIER = "scope2_market"
MARKET_RESIDUAL_MIX = "scope2_market_residual_mix"
MARKET_GRID_AVERAGE = "scope2_market_grid_average"
#: instruments whose contract (a supplier factor) carries the renewable attribute
CONTRACTS = (RenewableInstrument.green_tariff, RenewableInstrument.ppa)


def residual_mix_key(country: str) -> str:
    """The key of a country's residual-mix factor in an imported set."""
    return factor_key(RESIDUAL_MIX_CATEGORY, "electricity", "kwh", country=country)


def _residual_mix(selector: FactorSelector, country: str, year: int) -> SelectedFactor | None:
    """The residual mix of ``country`` for ``year`` from the imported sets that hold one: the
    family of the newest such set, selected as any family is (the year's edition, else the
    nearest, or the pinned set); None where no imported set has one."""
    key = residual_mix_key(country)
    families: dict[str, str | None] = selector.memo.setdefault("residual_mix_families", {})
    if key not in families:
        families[key] = db.session.scalar(
            sa.select(FactorSet.family)
            .join(EmissionFactor)
            .where(FactorSet.is_shipped.is_(False), EmissionFactor.key == key)
            .order_by(FactorSet.id.desc())
            .limit(1)
        )
    family = families[key]
    if family is None:
        return None
    try:
        return selector.select(family=family, key=key, year=year)
    except NotFound:  # a pinned set of the family without this country
        return None


@dataclass(frozen=True)
class MarketFactor:
    """The factor of the market-based line's kWh not covered by certificates, its method, and
    what its note says of the choice."""

    selected: SelectedFactor
    method: str
    note: str


def _market_factor(
    record: EnergyRecord,
    supplier: EmissionFactor | None,
    selector: FactorSelector,
    grid: SelectedFactor,
    year: int,
) -> MarketFactor:
    """The supplier's factor; else (or where a green tariff or PPA does not meet the quality
    criteria) the residual mix of the site's country, else its grid average."""
    country = record.site.country_code
    note = ""
    if supplier is not None:
        if record.instrument not in CONTRACTS or record.meets_quality_criteria:
            return MarketFactor(_supplier(supplier), MARKET_SUPPLIER, "")
        note = "supplier factor not used: the contract does not meet the Scope 2 Quality Criteria; "
    residual = _residual_mix(selector, country, year)
    if residual is not None:
        return MarketFactor(
            residual, MARKET_RESIDUAL_MIX, f"{note}residual mix {residual.factor_set.code}"
        )
    return MarketFactor(
        grid, MARKET_GRID_AVERAGE, f"{note}grid average: no residual mix for {country}"
    )


def record_lines(record: EnergyRecord, selector: FactorSelector) -> list[ledger.LineSpec]:
    """The ledger lines of one energy record, year by year."""
    lines: list[ledger.LineSpec] = []
    supplier = (
        db.session.get(EmissionFactor, record.supplier_factor_id)
        if record.supplier_factor_id
        else None
    )

    def line(**values: Any) -> None:
        lines.append(
            ledger.LineSpec(
                activity_type=ACTIVITY_TYPE, activity_id=record.id, site_id=record.site_id, **values
            )
        )

    label = f"{record.energy_type.value} {record.period_start}–{record.period_end}"
    if record.source_name:
        label += f"; {_mapping_note(record.source_name, record.energy_type)}"
    parts = split_by_year(
        record.period_start, record.period_end, record.quantity, record.certificates_kwh
    )
    for part in parts:
        note = label if len(parts) == 1 else f"{label}; {part.days} days in {part.year}"
        if record.energy_type in FUELS:
            selected = selector.select(
                family="desnz_other",
                year=part.year,
                key=factor_key("fuels", FUELS[record.energy_type], record.unit),
            )
            line(
                year=part.year,
                scope=1,
                source_category=SourceCategory.heat_fuels,
                quantity=part.quantity,
                quantity_unit=record.unit,
                selected=selected,
                method="desnz_fuel",
                item="fuel",
                note=note,
            )
            continue
        kwh = _in_kwh(part.quantity, record.unit)
        if record.unit == "gj":
            note += f"; {part.quantity} GJ × 1000/3.6"
        if record.energy_type in (EnergyType.district_heating, EnergyType.district_cooling):
            assert supplier is not None  # noqa: S101 (checked when recorded)
            line(
                year=part.year,
                scope=2,
                source_category=SourceCategory.heat_fuels,
                quantity=kwh,
                quantity_unit="kwh",
                selected=_supplier(supplier),
                method="supplier_factor",
                item="heat",
                note=note,
            )
            continue
        if record.energy_type is not EnergyType.electricity:
            continue  # on-site renewable generation emits nothing to account for
        country = record.site.country_code
        grid = _grid(selector, country, part.year)
        line(
            year=part.year,
            scope=2,
            source_category=SourceCategory.electricity,
            basis=Basis.location,
            quantity=kwh,
            quantity_unit="kwh",
            selected=grid,
            method="scope2_location",
            item="electricity",
            note=note,
        )
        market = _market_factor(record, supplier, selector, grid, part.year)
        certificates = min(part.certificates_kwh or Decimal(0), kwh)
        covered = certificates if record.meets_quality_criteria else Decimal(0)
        if covered:
            market_note = f"{note}; {covered} kWh covered by certificates"
        elif certificates:
            market_note = (
                f"{note}; {certificates} kWh of certificates not counted: they do not meet the "
                "Scope 2 Quality Criteria"
            )
        else:
            market_note = note
        line(
            year=part.year,
            scope=2,
            source_category=SourceCategory.electricity,
            basis=Basis.market,
            quantity=kwh - covered,
            quantity_unit="kwh",
            selected=market.selected,
            method=market.method,
            item="electricity",
            note=f"{market_note}; {market.note}" if market.note else market_note,
        )
        if country == UK:
            losses = selector.select(
                family="desnz_other",
                year=part.year,
                key=factor_key("transmission_distribution", "uk_electricity_td_losses", "kwh"),
            )
            line(
                year=part.year,
                scope=3,
                scope3_category=SCOPE3_FUEL_AND_ENERGY,
                source_category=SourceCategory.electricity,
                quantity=kwh,
                quantity_unit="kwh",
                selected=losses,
                method="desnz_td_losses",
                item="td_losses",
                note=note,
            )
    return lines


def _calculator(record_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    record = db.session.get(EnergyRecord, record_id)
    return [] if record is None else record_lines(record, selector)


ledger.register_calculator(ACTIVITY_TYPE, _calculator, preload=ledger.rows_by_id(EnergyRecord))


def _check_site(errors: dict[str, str], site_id: int | None) -> None:
    """The record is of a site that exists."""
    if (db.session.get(Site, site_id) if site_id else None) is None:
        errors["site_id"] = _("Choose a site.")


def _check_energy_type(errors: dict[str, str], energy_type: str | None) -> EnergyType:
    """A kind of energy from the list (electricity stands in for a wrong one, so that the
    other checks can go on)."""
    try:
        return EnergyType(energy_type or "")
    except ValueError:
        errors["energy_type"] = _("Choose a kind of energy from the list.")
        return EnergyType.electricity


def _check_quantity(
    errors: dict[str, str], quantity: Decimal | str | None, kind: EnergyType
) -> Decimal | None:
    """A number; zero only for on-site generation (a month without any)."""
    amount = check_decimal(errors, "quantity", quantity, required=True)
    if amount is not None and amount == 0 and kind is not EnergyType.onsite_renewable:
        errors["quantity"] = _("Enter a quantity above zero.")
    return amount


def _check_unit(errors: dict[str, str], unit: str | None, kind: EnergyType) -> None:
    """A unit this kind of energy is recorded in (unchecked while the kind is wrong)."""
    if "energy_type" not in errors and unit not in UNITS[kind]:
        errors["unit"] = _("Use one of: %(units)s.", units=", ".join(UNITS[kind]))


def _check_certificates(
    errors: dict[str, str],
    certificates_kwh: Decimal | str | None,
    kind: EnergyType,
    amount: Decimal | None,
    unit: str | None,
) -> Decimal | None:
    """Certificates for electricity only, covering at most the kWh consumed."""
    certificates = check_decimal(errors, "certificates_kwh", certificates_kwh, required=False)
    if certificates and kind is not EnergyType.electricity:
        errors["certificates_kwh"] = _("Certificates apply to electricity only.")
    elif (
        certificates
        and amount is not None
        and unit in KWH_UNITS
        and certificates > _in_kwh(amount, unit)
    ):
        errors["certificates_kwh"] = _("Certificates cannot cover more than the kWh consumed.")
    return certificates


def _check_supplier_factor(
    errors: dict[str, str], supplier_factor_id: int | None, kind: EnergyType
) -> None:
    """A supplier factor per kWh, which district heating and cooling cannot do without."""
    supplier = db.session.get(EmissionFactor, supplier_factor_id) if supplier_factor_id else None
    if supplier_factor_id and (supplier is None or supplier.unit != "kwh"):
        errors["supplier_factor_id"] = _("Choose a factor in kg CO2e per kWh.")
    if kind in (EnergyType.district_heating, EnergyType.district_cooling) and supplier is None:
        errors["supplier_factor_id"] = _(
            "District heating and cooling need the supplier's factor (import it as a factor set)."
        )


def _check_technology(
    errors: dict[str, str], technology: str | None, kind: EnergyType
) -> OnsiteTechnology | None:
    """The technology of on-site generation, which needs one; other energy has none."""
    if not technology:
        if kind is EnergyType.onsite_renewable:
            errors["technology"] = _("Choose how the electricity is generated on site.")
        return None
    try:
        chosen = OnsiteTechnology(technology)
    except ValueError:
        errors["technology"] = _("Choose a technology from the list.")
        return None
    if kind is not EnergyType.onsite_renewable:
        errors["technology"] = _("Only on-site generation has a technology.")
    return chosen


def _check_instrument(
    errors: dict[str, str],
    instrument: str | None,
    kind: EnergyType,
    certificates: Decimal | None,
    supplier_factor_id: int | None,
) -> RenewableInstrument:
    """The instrument of electricity: certificates with their kWh, a green tariff or PPA with
    the supplier's factor; none for other energy. Without one named, a record with
    certificates is taken to hold certificates."""
    if not instrument:
        return RenewableInstrument.certificates if certificates else RenewableInstrument.none
    try:
        chosen = RenewableInstrument(instrument)
    except ValueError:
        errors["instrument"] = _("Choose an instrument from the list.")
        return RenewableInstrument.none
    if chosen is RenewableInstrument.none:
        if certificates and "certificates_kwh" not in errors:
            errors["instrument"] = _(
                "Choose energy attribute certificates for the kWh covered by certificates."
            )
    elif kind is not EnergyType.electricity:
        errors["instrument"] = _("Instruments apply to electricity only.")
    elif chosen is RenewableInstrument.certificates and not certificates:
        errors["certificates_kwh"] = _("Enter the kWh the certificates cover.")
    elif chosen in CONTRACTS and not supplier_factor_id:
        errors["supplier_factor_id"] = _(
            "A green tariff or PPA needs the supplier's factor (import it as a factor set)."
        )
    return chosen


def check_energy_record(
    *,
    site_id: int | None,
    energy_type: str | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    quantity: Decimal | str | None,
    unit: str | None,
    certificates_kwh: Decimal | str | None,
    supplier_factor_id: int | None,
    meter_reference: str | None,
    evidence_note: str | None,
    is_estimate: bool = False,
    technology: str | None = None,
    instrument: str | None = None,
    meets_quality_criteria: bool = True,
) -> dict[str, Any]:
    """An energy record's values, checked; ValidationFailed names each wrong field."""
    errors: dict[str, str] = {}
    _check_site(errors, site_id)
    kind = _check_energy_type(errors, energy_type)
    check_period(errors, period_start, period_end)
    amount = _check_quantity(errors, quantity, kind)
    _check_unit(errors, unit, kind)
    certificates = _check_certificates(errors, certificates_kwh, kind, amount, unit)
    _check_supplier_factor(errors, supplier_factor_id, kind)
    chosen_technology = _check_technology(errors, technology, kind)
    chosen_instrument = _check_instrument(
        errors, instrument, kind, certificates, supplier_factor_id
    )
    reference = check_text(
        errors, "meter_reference", meter_reference, EnergyRecord.REFERENCE_MAX_LEN, required=False
    )
    note = check_text(
        errors,
        "evidence_note",
        evidence_note,
        EnergyRecord.NOTE_MAX_LEN,
        required=False,
        multiline=True,
    )
    if errors:
        raise ValidationFailed(errors)
    return {
        "site_id": site_id,
        "energy_type": kind,
        "period_start": period_start,
        "period_end": period_end,
        "quantity": amount,
        "unit": unit,
        "certificates_kwh": certificates or None,
        "supplier_factor_id": supplier_factor_id,
        "meter_reference": reference,
        "evidence_note": note,
        "is_estimate": bool(is_estimate),
        "technology": chosen_technology,
        "instrument": chosen_instrument,
        "meets_quality_criteria": bool(meets_quality_criteria),
    }


def _record(record: EnergyRecord) -> None:
    record_computed_lines(ACTIVITY_TYPE, record.id, lambda selector: record_lines(record, selector))


FIELDS = [
    "site_id",
    "energy_type",
    "period_start",
    "period_end",
    "quantity",
    "unit",
    "certificates_kwh",
    "supplier_factor_id",
    "meter_reference",
    "evidence_note",
    "is_estimate",
    "technology",
    "instrument",
    "meets_quality_criteria",
]


def create_energy_record(*, actor: User | None, **data: object) -> EnergyRecord:
    """Record a site's consumption and write its emission lines."""
    require_editor(actor)
    values = check_energy_record(**data)  # type: ignore[arg-type]
    record = EnergyRecord(**values)
    create_record(
        actor=actor,
        record=record,
        write_lines=_record,
        action="energy.record.created",
        summary=f"{record.energy_type.value} {record.quantity} {record.unit} at site "
        f"{record.site_id}, {record.period_start}–{record.period_end}",
        fields=FIELDS,
    )
    return record


def update_energy_record(
    *, actor: User | None, record: EnergyRecord, expected_version: int | None = None, **data: object
) -> EnergyRecord:
    """Change a record; its lines are replaced (the old ones stay, superseded). A record whose
    kind of energy is changed no longer says what an imported file's name was taken for."""
    require_editor(actor)
    if record.source_name and str(data.get("energy_type")) != record.energy_type.value:
        record.source_name = ""  # flushed with the other changes, or rolled back with them
    update_record(
        actor=actor,
        record=record,
        expected_version=expected_version,
        check=check_energy_record,
        data=data,
        write_lines=_record,
        action="energy.record.updated",
        summary=f"Energy record {record.id} changed",
    )
    return record


def delete_energy_record(*, actor: User | None, record: EnergyRecord) -> Removal:
    """Remove a record; it can be restored with its lines."""
    return delete_record(
        actor=actor,
        kind=ACTIVITY_TYPE,
        record=record,
        action="energy.record.deleted",
        fields=FIELDS,
        summary=f"Energy record {record.id} removed",
    )


def get_energy_record(record_id: int) -> EnergyRecord:
    """The record with ``record_id``; NotFound if none."""
    return get_record(EnergyRecord, record_id, "energy record")


def _energy_filter(year: int | None, site_id: int | None) -> list[sa.ColumnElement[bool]]:
    return year_site_filter(
        EnergyRecord.period_start, EnergyRecord.period_end, EnergyRecord.site_id, year, site_id
    )


def energy_query(*, year: int | None = None, site_id: int | None = None) -> sa.Select[EnergyRecord]:
    """Records, newest period first, of a year (any overlap) and site."""
    return (
        sa.select(EnergyRecord)
        .where(*_energy_filter(year, site_id))
        .order_by(EnergyRecord.period_start.desc(), EnergyRecord.id)
    )


@dataclass(frozen=True)
class EnergyTotals:
    """Grams CO2e of the current lines of the filtered energy records.

    Location- and market-based electricity are two figures for the same kWh: never add them.
    """

    fuels_and_heat_g: int
    electricity_location_g: int
    electricity_market_g: int
    td_losses_g: int


def energy_totals(*, year: int | None = None, site_id: int | None = None) -> EnergyTotals:
    """The CO2e of the records ``energy_query`` selects (of ``year`` only, when given)."""
    sums = line_sums(
        ACTIVITY_TYPE, sa.select(EnergyRecord.id).where(*_energy_filter(year, site_id)), year
    )
    return EnergyTotals(
        fuels_and_heat_g=sums.get(("fuel", None), 0) + sums.get(("heat", None), 0),
        electricity_location_g=sums.get(("electricity", Basis.location), 0),
        electricity_market_g=sums.get(("electricity", Basis.market), 0),
        td_losses_g=sums.get(("td_losses", None), 0),
    )


def supplier_factors() -> list[EmissionFactor]:
    """Factors in kg CO2e per kWh from imported (not shipped) sets: supplier-specific ones
    (residual mixes are not)."""
    return list(
        db.session.scalars(
            sa.select(EmissionFactor)
            .join(FactorSet)
            .where(
                FactorSet.is_shipped.is_(False),
                EmissionFactor.unit == "kwh",
                EmissionFactor.category != RESIDUAL_MIX_CATEGORY,
            )
            .order_by(FactorSet.code, EmissionFactor.key)
        )
    )


ENERGY_EXPORT_HEADER = [
    "record",
    "site",
    "energy_type",
    "energy_type_label",
    "period_start",
    "period_end",
    "quantity",
    "unit",
    "unit_label",
    "certificates_kwh",
    "instrument",
    "instrument_label",
    "meets_quality_criteria",
    "technology",
    "technology_label",
    "meter_reference",
    "estimated",
    "co2e_years",
    "co2e_kg",
    "co2e_kg_location_based",
    "co2e_kg_market_based",
    "co2e_kg_td_losses",
    "factor_sets",
]


def energy_export_rows(
    *, year: int | None = None, site_id: int | None = None
) -> list[list[object]]:
    """One row per filtered energy record with its current CO2e in kg (header first).

    Fuels and heat give ``co2e_kg``; electricity gives its location- and market-based figures
    in two columns (never summed) and the T&D losses where a factor exists. With ``year``, the
    figures are those of that year only (``co2e_years`` names the years counted).
    """
    rows: list[list[object]] = [list(ENERGY_EXPORT_HEADER)]
    records = list(db.session.scalars(energy_query(year=year, site_id=site_id)))
    for record, all_lines in with_lines(records, ACTIVITY_TYPE):
        lines = in_year(all_lines, year)
        grams: dict[tuple[str, Basis | None], int] = {}
        for line in lines:
            grams[(line.item, line.basis)] = grams.get((line.item, line.basis), 0) + line.co2e_g
        is_electricity = record.energy_type is EnergyType.electricity
        rows.append(
            [
                record.id,
                record.site.name,
                record.energy_type.value,
                labels.label("energy_type", record.energy_type),
                record.period_start.isoformat(),
                record.period_end.isoformat(),
                record.quantity,
                record.unit,
                labels.unit(record.unit),
                record.certificates_kwh,
                record.instrument.value if is_electricity else "",
                labels.label("renewable_instrument", record.instrument) if is_electricity else "",
                ("yes" if record.meets_quality_criteria else "no") if is_electricity else "",
                record.technology.value if record.technology else "",
                labels.label("onsite_technology", record.technology) if record.technology else "",
                record.meter_reference,
                "yes" if record.is_estimate else "no",
                years_text(lines),
                None
                if is_electricity
                else kg_of(grams.get(("fuel", None), 0) + grams.get(("heat", None), 0)),
                kg_of(grams.get(("electricity", Basis.location))),
                kg_of(grams.get(("electricity", Basis.market))),
                kg_of(grams.get(("td_losses", None))),
                set_codes(lines),
            ]
        )
    return rows


def energy_dated_years(ids: list[int]) -> set[int]:
    """The years the periods of these energy records span (removed included)."""
    return removals.years_spanned(EnergyRecord.period_start, EnergyRecord.period_end, ids)


register_removal_kind(ACTIVITY_TYPE, EnergyRecord, _l("Energy record"), energy_dated_years)
