"""Energy records and their emission lines. Services flush; callers commit.

Electricity gives a location-based line (the grid of the site's country and year), a market-based
line (a supplier factor, or renewable-energy certificates covering some or all of the kWh, else
the grid factor), and, where a factor exists (the UK), transmission and distribution losses in
scope 3. A record spanning years is apportioned to each year by days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.energy.models import EnergyRecord, EnergyType, FleetRecord, RefrigerantTopUp
from ems.errors import NotFound, PermissionDenied, ValidationFailed, check_version
from ems.extensions import db, utcnow
from ems.factors import services as factors
from ems.factors.keys import factor_key
from ems.factors.models import EmissionFactor, FactorSet
from ems.factors.services import FactorSelector, SelectedFactor
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine, SourceCategory
from ems.org import services as org
from ems.org.models import FIRST_YEAR, Site
from ems.org.services import get_organisation
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.validation import check_decimal, check_text

ACTIVITY_TYPE = "energy_record"
KWH_PER_MWH = Decimal(1000)
MAX_PERIOD_DAYS = 3 * 366
SCOPE3_FUEL_AND_ENERGY = 3

#: the units each kind of energy may be recorded in
UNITS: dict[EnergyType, tuple[str, ...]] = {
    EnergyType.electricity: ("kwh", "mwh"),
    EnergyType.natural_gas: ("kwh_gross_cv", "kwh_net_cv", "m3"),
    EnergyType.heating_oil: ("litre", "kwh_gross_cv", "kwh_net_cv", "tonne"),
    EnergyType.diesel: ("litre", "kwh_gross_cv", "kwh_net_cv", "tonne"),
    EnergyType.lpg: ("litre", "kwh_gross_cv", "kwh_net_cv", "tonne"),
    EnergyType.district_heating: ("kwh", "mwh"),
    EnergyType.district_cooling: ("kwh", "mwh"),
    EnergyType.onsite_renewable: ("kwh", "mwh"),
}
#: the DESNZ fuel (activity) of each fuel burned on site
FUELS = {
    EnergyType.natural_gas: "natural_gas",
    EnergyType.heating_oil: "burning_oil",
    EnergyType.diesel: "diesel_average_biofuel_blend",
    EnergyType.lpg: "lpg",
}
UK = "GB"


def require_editor(actor: User | None) -> None:
    """Refuse anyone but the EMS working group (administrators included) and the command line."""
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group records energy."))


@dataclass(frozen=True)
class YearPart:
    """The share of a record that falls in one calendar year."""

    year: int
    days: int
    quantity: Decimal
    certificates_kwh: Decimal | None


def split_by_year(
    start: dt.date, end: dt.date, quantity: Decimal, certificates_kwh: Decimal | None = None
) -> list[YearPart]:
    """Apportion a quantity (and its certificates) to calendar years by days; parts sum exactly."""
    total_days = (end - start).days + 1
    parts = []
    given, given_certificates = Decimal(0), Decimal(0)
    for year in range(start.year, end.year + 1):
        days = (min(end, dt.date(year, 12, 31)) - max(start, dt.date(year, 1, 1))).days + 1
        if year == end.year:  # the last part takes the remainder: no rounding drift
            share, share_cert = (
                quantity - given,
                (certificates_kwh - given_certificates if certificates_kwh is not None else None),
            )
        else:
            share = (quantity * days / total_days).quantize(Decimal("0.001"))
            share_cert = (
                (certificates_kwh * days / total_days).quantize(Decimal("0.001"))
                if certificates_kwh is not None
                else None
            )
        given += share
        given_certificates += share_cert or 0
        parts.append(YearPart(year=year, days=days, quantity=share, certificates_kwh=share_cert))
    return parts


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
        kwh = part.quantity * (KWH_PER_MWH if record.unit == "mwh" else 1)
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
        covered = min(part.certificates_kwh or Decimal(0), kwh)
        line(
            year=part.year,
            scope=2,
            source_category=SourceCategory.electricity,
            basis=Basis.market,
            quantity=kwh - covered,
            quantity_unit="kwh",
            selected=_supplier(supplier) if supplier else grid,
            method="scope2_market",
            item="electricity",
            note=note if not covered else f"{note}; {covered} kWh covered by certificates",
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


ledger.register_calculator(ACTIVITY_TYPE, _calculator)


def _check_period(errors: dict[str, str], start: dt.date | None, end: dt.date | None) -> None:
    """A period of whole days, in order, from FIRST_YEAR to a year ahead, at most three years."""
    if start is None or end is None:
        errors["period_end" if start else "period_start"] = _("Enter the period.")
    elif start > end:
        errors["period_end"] = _("The period cannot end before it starts.")
    elif start.year < FIRST_YEAR or end > utcnow().date() + dt.timedelta(days=366):
        errors["period_start"] = _("Enter dates from %(year)d up to a year ahead.", year=FIRST_YEAR)
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["period_end"] = _("A record covers at most three years.")


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
) -> dict[str, Any]:
    """An energy record's values, checked; ValidationFailed names each wrong field."""
    errors: dict[str, str] = {}
    site = db.session.get(Site, site_id) if site_id else None
    if site is None:
        errors["site_id"] = _("Choose a site.")
    try:
        kind = EnergyType(energy_type or "")
    except ValueError:
        errors["energy_type"] = _("Choose a kind of energy from the list.")
        kind = EnergyType.electricity
    _check_period(errors, period_start, period_end)
    amount = check_decimal(errors, "quantity", quantity, required=True)
    if amount is not None and amount == 0 and kind is not EnergyType.onsite_renewable:
        errors["quantity"] = _("Enter a quantity above zero.")
    if "energy_type" not in errors and unit not in UNITS[kind]:
        errors["unit"] = _("Use one of: %(units)s.", units=", ".join(UNITS[kind]))
    certificates = check_decimal(errors, "certificates_kwh", certificates_kwh, required=False)
    if certificates and kind is not EnergyType.electricity:
        errors["certificates_kwh"] = _("Certificates apply to electricity only.")
    elif (
        certificates
        and amount is not None
        and unit in ("kwh", "mwh")
        and certificates > (amount * (KWH_PER_MWH if unit == "mwh" else 1))
    ):
        errors["certificates_kwh"] = _("Certificates cannot cover more than the kWh consumed.")
    supplier = db.session.get(EmissionFactor, supplier_factor_id) if supplier_factor_id else None
    if supplier_factor_id and (supplier is None or supplier.unit != "kwh"):
        errors["supplier_factor_id"] = _("Choose a factor in kg CO2e per kWh.")
    if kind in (EnergyType.district_heating, EnergyType.district_cooling) and supplier is None:
        errors["supplier_factor_id"] = _(
            "District heating and cooling need the supplier's factor (import it as a factor set)."
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
    }


def _write_lines(
    activity_type: str,
    activity_id: int,
    compute: Callable[[FactorSelector], list[ledger.LineSpec]],
    *,
    field: str = "",
) -> None:
    """Compute an activity's lines with today's factors and record them; a missing factor is
    the user's error to fix (on ``field``), not a server error."""
    try:
        lines = compute(FactorSelector())
    except NotFound as exc:
        raise ValidationFailed({field: str(exc)}) from None
    ledger.record_lines(activity_type=activity_type, activity_id=activity_id, lines=lines)


def _dated_years(record: EnergyRecord | RefrigerantTopUp | FleetRecord) -> set[int]:
    """The years a record's days fall in."""
    if isinstance(record, RefrigerantTopUp):
        return {record.topped_up_on.year}
    return set(range(record.period_start.year, record.period_end.year + 1))


def _record(record: EnergyRecord) -> None:
    _write_lines(ACTIVITY_TYPE, record.id, lambda selector: record_lines(record, selector))


def _update(
    *,
    actor: User | None,
    record: EnergyRecord | RefrigerantTopUp | FleetRecord,
    expected_version: int | None,
    check: Callable[..., dict[str, Any]],
    data: dict[str, Any],
    write_lines: Callable[[Any], None],
    action: str,
    summary: str,
) -> None:
    """The shared steps of changing an energy, refrigerant or fleet record: the version read,
    the values checked by ``check`` applied, its lines replaced (the old ones kept, superseded),
    audited."""
    check_version(record.version_id, expected_version)
    before = _dated_years(record)
    changes = audit.apply_changes(record, check(**data))
    if changes:  # a closed year's records are final: the days before and after the change
        with db.session.no_autoflush:  # one flush, one new version, below
            org.check_years_open(before | _dated_years(record))
    record.updated_at = utcnow()
    db.session.flush()
    write_lines(record)
    audit.record(actor=actor, action=action, obj=record, summary=summary, changes=changes)


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
]


def create_energy_record(*, actor: User | None, **data: object) -> EnergyRecord:
    """Record a site's consumption and write its emission lines."""
    require_editor(actor)
    values = check_energy_record(**data)  # type: ignore[arg-type]
    record = EnergyRecord(**values)
    org.check_years_open(_dated_years(record))
    db.session.add(record)
    db.session.flush()
    _record(record)
    audit.record(
        actor=actor,
        action="energy.record.created",
        obj=record,
        summary=f"{record.energy_type.value} {record.quantity} {record.unit} at site "
        f"{record.site_id}, {record.period_start}–{record.period_end}",
        changes=audit.diff({}, audit.snapshot(record, FIELDS)),
    )
    return record


def update_energy_record(
    *, actor: User | None, record: EnergyRecord, expected_version: int | None = None, **data: object
) -> EnergyRecord:
    """Change a record; its lines are replaced (the old ones stay, superseded)."""
    require_editor(actor)
    _update(
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
    require_editor(actor)
    return removals.remove_record(
        actor=actor,
        kind=ACTIVITY_TYPE,
        record=record,
        action="energy.record.deleted",
        before=audit.snapshot(record, FIELDS),
        summary=f"Energy record {record.id} removed",
    )


def runs_into_empty_year(record: EnergyRecord | FleetRecord) -> tuple[int, int] | None:
    """(year, days) when the record's period runs on into a year that has no other figure yet
    (a December bill ending on 3 January): its days there are counted in that year, which stays
    in progress until it is complete or closed. None otherwise."""
    year = record.period_end.year
    if record.period_start.year == year:
        return None
    other = db.session.scalar(
        sa.select(EmissionLine.id)
        .where(
            EmissionLine.year == year,
            EmissionLine.superseded_at.is_(None),
            sa.not_(
                sa.and_(
                    EmissionLine.activity_type == _activity_type(record),
                    EmissionLine.activity_id == record.id,
                )
            ),
        )
        .limit(1)
    )
    if other is not None:
        return None
    return year, (record.period_end - dt.date(year, 1, 1)).days + 1


def _activity_type(record: EnergyRecord | FleetRecord) -> str:
    return ACTIVITY_TYPE if isinstance(record, EnergyRecord) else FLEET_ACTIVITY


def get_energy_record(record_id: int) -> EnergyRecord:
    """The record with ``record_id``; NotFound if none."""
    record = db.session.get(EnergyRecord, record_id)
    if record is None:
        raise NotFound(f"energy record {record_id}")
    return record


def _energy_filter(year: int | None, site_id: int | None) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if year:
        conditions += [
            EnergyRecord.period_start <= dt.date(year, 12, 31),
            EnergyRecord.period_end >= dt.date(year, 1, 1),
        ]
    if site_id:
        conditions.append(EnergyRecord.site_id == site_id)
    return conditions


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


def _line_sums(
    activity_type: str, activity_ids: sa.Select[Any], year: int | None
) -> dict[tuple[str, Basis | None], int]:
    """Grams per (item, basis) of the current lines of the activities ``activity_ids`` selects,
    only those of ``year`` when given (a record across New Year counts its share of the year)."""
    stmt = (
        sa.select(EmissionLine.item, EmissionLine.basis, sa.func.sum(EmissionLine.co2e_g))
        .where(
            EmissionLine.activity_type == activity_type,
            EmissionLine.activity_id.in_(activity_ids.scalar_subquery()),
            EmissionLine.superseded_at.is_(None),
        )
        .group_by(EmissionLine.item, EmissionLine.basis)
    )
    if year:
        stmt = stmt.where(EmissionLine.year == year)
    return {(item, basis): int(grams) for item, basis, grams in db.session.execute(stmt)}


def energy_totals(*, year: int | None = None, site_id: int | None = None) -> EnergyTotals:
    """The CO2e of the records ``energy_query`` selects (of ``year`` only, when given)."""
    sums = _line_sums(
        ACTIVITY_TYPE, sa.select(EnergyRecord.id).where(*_energy_filter(year, site_id)), year
    )
    return EnergyTotals(
        fuels_and_heat_g=sums.get(("fuel", None), 0) + sums.get(("heat", None), 0),
        electricity_location_g=sums.get(("electricity", Basis.location), 0),
        electricity_market_g=sums.get(("electricity", Basis.market), 0),
        td_losses_g=sums.get(("td_losses", None), 0),
    )


def supplier_factors() -> list[EmissionFactor]:
    """Factors in kg CO2e per kWh from imported (not shipped) sets: supplier-specific ones."""
    return list(
        db.session.scalars(
            sa.select(EmissionFactor)
            .join(FactorSet)
            .where(FactorSet.is_shipped.is_(False), EmissionFactor.unit == "kwh")
            .order_by(FactorSet.code, EmissionFactor.key)
        )
    )


# --- refrigerants -----------------------------------------------------------------------------

REFRIGERANT_ACTIVITY = "refrigerant_top_up"
REFRIGERANT_FIELDS = ["site_id", "topped_up_on", "gas", "kg", "equipment"]


def gwp_set_code(report: str) -> str:
    """The shipped set of an IPCC report's GWPs."""
    return factors.gwp_set_code(report)


def refrigerant_gases() -> list[str]:
    """Gases and blends the GWP tables know, refrigerants first."""
    gases = set(
        db.session.scalars(
            sa.select(EmissionFactor.activity)
            .join(FactorSet)
            .where(FactorSet.family == "ipcc_gwp", EmissionFactor.category == "gwp")
        )
    )
    return sorted(gases, key=lambda gas: (not gas.startswith("r"), gas))


def _gwp(gas: str, selector: FactorSelector, year: int) -> SelectedFactor:
    """The GWP of ``gas`` in the organisation's edition: the selector pins the GWP tables to it
    (a recalculation that overrides them uses the set it names)."""
    report = get_organisation().gwp_report
    try:
        chosen = selector.select(
            family=factors.GWP_FAMILY, key=factor_key("gwp", gas, "kg"), year=year
        )
    except NotFound:
        raise NotFound(
            _("No %(report)s GWP for %(gas)s.", report=report.upper(), gas=gas)
        ) from None
    if chosen.factor_set.code != gwp_set_code(report):
        return chosen  # another edition, chosen for one recalculation
    return SelectedFactor(
        factor=chosen.factor,
        factor_set=chosen.factor_set,
        selection="organisation_setting",
        note=_("IPCC %(report)s GWP (organisation setting)", report=report.upper()),
    )


def _refrigerant_lines(top_up_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    top_up = db.session.get(RefrigerantTopUp, top_up_id)
    if top_up is None:
        return []
    year = top_up.topped_up_on.year
    return [
        ledger.LineSpec(
            activity_type=REFRIGERANT_ACTIVITY,
            activity_id=top_up.id,
            year=year,
            scope=1,
            source_category=SourceCategory.refrigerants,
            quantity=top_up.kg,
            quantity_unit="kg",
            selected=_gwp(top_up.gas, selector, year),
            method="mass_times_gwp",
            site_id=top_up.site_id,
            item="leak",
            note=f"{top_up.gas} {top_up.kg} kg {top_up.equipment}".strip(),
        )
    ]


ledger.register_calculator(REFRIGERANT_ACTIVITY, _refrigerant_lines)


def _checked_top_up(
    *,
    site_id: int | None,
    topped_up_on: dt.date | None,
    gas: str | None,
    kg: Decimal | str | None,
    equipment: str | None = "",
) -> dict[str, Any]:
    """A top-up's values, checked and normalised; ValidationFailed names every bad field."""
    errors: dict[str, str] = {}
    if not site_id or db.session.get(Site, site_id) is None:
        errors["site_id"] = _("Choose a site.")
    if topped_up_on is None:
        errors["topped_up_on"] = _("Enter the date.")
    elif topped_up_on.year < FIRST_YEAR or topped_up_on > utcnow().date():
        errors["topped_up_on"] = _("Enter a date from %(year)d up to today.", year=FIRST_YEAR)
    gas = (gas or "").strip().lower().replace("-", "")
    if gas not in refrigerant_gases():
        errors["gas"] = _("Choose a gas or blend from the list.")
    amount = check_decimal(errors, "kg", kg, required=True)
    if amount is not None and not Decimal(0) < amount <= RefrigerantTopUp.MAX_KG:
        errors["kg"] = _(
            "Enter more than 0 and at most %(n)s kg.", n=f"{RefrigerantTopUp.MAX_KG:,.0f}"
        )
    equipment = check_text(
        errors, "equipment", equipment, RefrigerantTopUp.EQUIPMENT_MAX_LEN, required=False
    )
    if errors:
        raise ValidationFailed(errors)
    return {
        "site_id": site_id,
        "topped_up_on": topped_up_on,
        "gas": gas,
        "kg": amount,
        "equipment": equipment,
    }


def _record_top_up(top_up: RefrigerantTopUp) -> None:
    _write_lines(
        REFRIGERANT_ACTIVITY,
        top_up.id,
        lambda selector: _refrigerant_lines(top_up.id, selector),
        field="gas",
    )


def record_refrigerant_top_up(
    *,
    actor: User | None,
    site_id: int | None,
    topped_up_on: dt.date | None,
    gas: str | None,
    kg: Decimal | str | None,
    equipment: str | None = "",
) -> RefrigerantTopUp:
    """Record refrigerant added to equipment; it counts as leaked (kg × GWP, scope 1)."""
    require_editor(actor)
    values = _checked_top_up(
        site_id=site_id, topped_up_on=topped_up_on, gas=gas, kg=kg, equipment=equipment
    )
    top_up = RefrigerantTopUp(**values)
    org.check_years_open(_dated_years(top_up))
    db.session.add(top_up)
    db.session.flush()
    _record_top_up(top_up)
    audit.record(
        actor=actor,
        action="energy.refrigerant.created",
        obj=top_up,
        summary=f"{top_up.kg} kg {top_up.gas} added at site {top_up.site_id} "
        f"on {top_up.topped_up_on}",
        changes=audit.diff({}, audit.snapshot(top_up, REFRIGERANT_FIELDS)),
    )
    return top_up


def update_refrigerant_top_up(
    *,
    actor: User | None,
    top_up: RefrigerantTopUp,
    expected_version: int | None = None,
    **data: object,
) -> RefrigerantTopUp:
    """Change a top-up; its line is replaced (the old one stays, superseded)."""
    require_editor(actor)
    _update(
        actor=actor,
        record=top_up,
        expected_version=expected_version,
        check=_checked_top_up,
        data=data,
        write_lines=_record_top_up,
        action="energy.refrigerant.updated",
        summary=f"Refrigerant top-up {top_up.id} changed",
    )
    return top_up


def delete_refrigerant_top_up(*, actor: User | None, top_up: RefrigerantTopUp) -> Removal:
    """Remove a top-up; it can be restored with its line."""
    require_editor(actor)
    return removals.remove_record(
        actor=actor,
        kind=REFRIGERANT_ACTIVITY,
        record=top_up,
        action="energy.refrigerant.deleted",
        before=audit.snapshot(top_up, REFRIGERANT_FIELDS),
        summary=f"Refrigerant top-up {top_up.id} removed",
    )


def _refrigerant_filter(year: int | None, site_id: int | None) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if year:
        conditions += [
            RefrigerantTopUp.topped_up_on >= dt.date(year, 1, 1),
            RefrigerantTopUp.topped_up_on <= dt.date(year, 12, 31),
        ]
    if site_id:
        conditions.append(RefrigerantTopUp.site_id == site_id)
    return conditions


def refrigerant_query(
    *, year: int | None = None, site_id: int | None = None
) -> sa.Select[RefrigerantTopUp]:
    """Top-ups of a year and site, newest first."""
    return (
        sa.select(RefrigerantTopUp)
        .where(*_refrigerant_filter(year, site_id))
        .order_by(RefrigerantTopUp.topped_up_on.desc(), RefrigerantTopUp.id.desc())
    )


def refrigerant_total_g(*, year: int | None = None, site_id: int | None = None) -> int:
    """Grams CO2e of the current lines of the top-ups ``refrigerant_query`` selects."""
    ids = sa.select(RefrigerantTopUp.id).where(*_refrigerant_filter(year, site_id))
    return sum(_line_sums(REFRIGERANT_ACTIVITY, ids, year).values())


def get_refrigerant_top_up(top_up_id: int) -> RefrigerantTopUp:
    """The top-up with ``top_up_id``; NotFound if none."""
    top_up = db.session.get(RefrigerantTopUp, top_up_id)
    if top_up is None:
        raise NotFound(f"refrigerant top-up {top_up_id}")
    return top_up


# --- fleet ------------------------------------------------------------------------------------

FLEET_ACTIVITY = "fleet_record"
FLEET_FIELDS = ["site_id", "vehicle", "measure", "period_start", "period_end", "quantity"]
#: what a fleet record measures → (DESNZ category, activity, unit)
FLEET = {
    "diesel_litres": ("fuels", "diesel_average_biofuel_blend", "litre"),
    "petrol_litres": ("fuels", "petrol_average_biofuel_blend", "litre"),
    "lpg_litres": ("fuels", "lpg", "litre"),
    "diesel_car_km": ("car", "average_car_diesel", "km"),
    "petrol_car_km": ("car", "average_car_petrol", "km"),
    "hybrid_car_km": ("car", "average_car_hybrid", "km"),
    "plug_in_hybrid_car_km": ("car", "average_car_plug_in_hybrid_electric_vehicle", "km"),
    "battery_electric_car_km": ("car", "average_car_battery_electric_vehicle", "km"),
    "car_km": ("car", "average_car_unknown", "km"),
}


def _fleet_lines(record_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    record = db.session.get(FleetRecord, record_id)
    if record is None:
        return []
    category, activity, unit = FLEET[record.measure]
    lines = []
    parts = split_by_year(record.period_start, record.period_end, record.quantity)
    for part in parts:
        selected = selector.select(
            family="desnz_other", year=part.year, key=factor_key(category, activity, unit)
        )
        lines.append(
            ledger.LineSpec(
                activity_type=FLEET_ACTIVITY,
                activity_id=record.id,
                year=part.year,
                scope=1,
                source_category=SourceCategory.fleet,
                quantity=part.quantity,
                quantity_unit=unit,
                selected=selected,
                method=f"desnz_{category}",
                site_id=record.site_id,
                item="fleet",
                note=f"{record.vehicle} {record.measure}".strip(),
            )
        )
    return lines


ledger.register_calculator(FLEET_ACTIVITY, _fleet_lines)


def _checked_fleet(
    *,
    measure: str | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    quantity: Decimal | str | None,
    vehicle: str | None = "",
    site_id: int | None = None,
) -> dict[str, Any]:
    """A fleet record's values, checked and normalised; ValidationFailed names every bad field."""
    errors: dict[str, str] = {}
    if measure not in FLEET:
        errors["measure"] = _("Choose what was measured from the list.")
    if site_id and db.session.get(Site, site_id) is None:
        errors["site_id"] = _("Choose a site.")
    _check_period(errors, period_start, period_end)
    amount = check_decimal(errors, "quantity", quantity, required=True)
    if amount == 0:
        errors["quantity"] = _("Enter a quantity above zero.")
    vehicle = check_text(errors, "vehicle", vehicle, FleetRecord.VEHICLE_MAX_LEN, required=False)
    if errors:
        raise ValidationFailed(errors)
    return {
        "site_id": site_id or None,
        "vehicle": vehicle,
        "measure": measure,
        "period_start": period_start,
        "period_end": period_end,
        "quantity": amount,
    }


def _record_fleet(record: FleetRecord) -> None:
    _write_lines(
        FLEET_ACTIVITY,
        record.id,
        lambda selector: _fleet_lines(record.id, selector),
        field="measure",
    )


def record_fleet_use(
    *,
    actor: User | None,
    measure: str | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    quantity: Decimal | str | None,
    vehicle: str | None = "",
    site_id: int | None = None,
) -> FleetRecord:
    """Record fuel put into, or km driven by, own vehicles (scope 1)."""
    require_editor(actor)
    values = _checked_fleet(
        measure=measure,
        period_start=period_start,
        period_end=period_end,
        quantity=quantity,
        vehicle=vehicle,
        site_id=site_id,
    )
    record = FleetRecord(**values)
    org.check_years_open(_dated_years(record))
    db.session.add(record)
    db.session.flush()
    _record_fleet(record)
    audit.record(
        actor=actor,
        action="energy.fleet.created",
        obj=record,
        summary=f"Fleet: {record.quantity} {record.measure} {record.vehicle}".strip(),
        changes=audit.diff({}, audit.snapshot(record, FLEET_FIELDS)),
    )
    return record


def update_fleet_record(
    *,
    actor: User | None,
    record: FleetRecord,
    expected_version: int | None = None,
    **data: object,
) -> FleetRecord:
    """Change a fleet record; its lines are replaced (the old ones stay, superseded)."""
    require_editor(actor)
    _update(
        actor=actor,
        record=record,
        expected_version=expected_version,
        check=_checked_fleet,
        data=data,
        write_lines=_record_fleet,
        action="energy.fleet.updated",
        summary=f"Fleet record {record.id} changed",
    )
    return record


def delete_fleet_record(*, actor: User | None, record: FleetRecord) -> Removal:
    """Remove a fleet record; it can be restored with its lines."""
    require_editor(actor)
    return removals.remove_record(
        actor=actor,
        kind=FLEET_ACTIVITY,
        record=record,
        action="energy.fleet.deleted",
        before=audit.snapshot(record, FLEET_FIELDS),
        summary=f"Fleet record {record.id} removed",
    )


def _fleet_filter(year: int | None, site_id: int | None) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if year:
        conditions += [
            FleetRecord.period_start <= dt.date(year, 12, 31),
            FleetRecord.period_end >= dt.date(year, 1, 1),
        ]
    if site_id:
        conditions.append(FleetRecord.site_id == site_id)
    return conditions


def fleet_query(*, year: int | None = None, site_id: int | None = None) -> sa.Select[FleetRecord]:
    """Fleet records of a year (any overlap) and site, newest period first."""
    return (
        sa.select(FleetRecord)
        .where(*_fleet_filter(year, site_id))
        .order_by(FleetRecord.period_start.desc(), FleetRecord.id.desc())
    )


def fleet_total_g(*, year: int | None = None, site_id: int | None = None) -> int:
    """Grams CO2e of the current lines of the records ``fleet_query`` selects (of ``year``
    only, when given)."""
    ids = sa.select(FleetRecord.id).where(*_fleet_filter(year, site_id))
    return sum(_line_sums(FLEET_ACTIVITY, ids, year).values())


def get_fleet_record(record_id: int) -> FleetRecord:
    """The fleet record with ``record_id``; NotFound if none."""
    record = db.session.get(FleetRecord, record_id)
    if record is None:
        raise NotFound(f"fleet record {record_id}")
    return record


# --- exports ---------------------------------------------------------------------------------

#: records whose lines one query reads
EXPORT_CHUNK = 500


def _kg(grams: int | None) -> Decimal | None:
    """Exact kilograms of a gram figure (None stays None)."""
    return None if grams is None else Decimal(grams).scaleb(-3)


def _in_year(lines: list[EmissionLine], year: int | None) -> list[EmissionLine]:
    return [line for line in lines if not year or line.year == year]


def _set_codes(lines: list[EmissionLine]) -> str:
    """The factor sets of ``lines``, each once, in line order."""
    return "; ".join(dict.fromkeys(line.factor.factor_set.code for line in lines))


def _years(lines: list[EmissionLine]) -> str:
    return " ".join(str(year) for year in sorted({line.year for line in lines}))


def _chunks(records: list[Any], activity_type: str) -> Iterator[tuple[Any, list[EmissionLine]]]:
    """Each record with its current lines, the lines read 500 records at a time."""
    for start in range(0, len(records), EXPORT_CHUNK):
        chunk = records[start : start + EXPORT_CHUNK]
        lines = ledger.current_lines_by_activity(
            activity_type=activity_type, activity_ids=[record.id for record in chunk]
        )
        for record in chunk:
            yield record, lines[record.id]


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
    for record, all_lines in _chunks(records, ACTIVITY_TYPE):
        lines = _in_year(all_lines, year)
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
                record.meter_reference,
                "yes" if record.is_estimate else "no",
                _years(lines),
                None
                if is_electricity
                else _kg(grams.get(("fuel", None), 0) + grams.get(("heat", None), 0)),
                _kg(grams.get(("electricity", Basis.location))),
                _kg(grams.get(("electricity", Basis.market))),
                _kg(grams.get(("td_losses", None))),
                _set_codes(lines),
            ]
        )
    return rows


REFRIGERANT_EXPORT_HEADER = [
    "top_up",
    "site",
    "topped_up_on",
    "gas",
    "quantity",
    "unit",
    "unit_label",
    "equipment",
    "gwp",
    "co2e_kg",
    "factor_set",
]


def refrigerant_export_rows(
    *, year: int | None = None, site_id: int | None = None
) -> list[list[object]]:
    """One row per filtered top-up with its current CO2e in kg and GWP (header first)."""
    rows: list[list[object]] = [list(REFRIGERANT_EXPORT_HEADER)]
    top_ups = list(db.session.scalars(refrigerant_query(year=year, site_id=site_id)))
    for top_up, lines in _chunks(top_ups, REFRIGERANT_ACTIVITY):
        rows.append(
            [
                top_up.id,
                top_up.site.name,
                top_up.topped_up_on.isoformat(),
                top_up.gas,
                top_up.kg,
                "kg",
                labels.unit("kg"),
                top_up.equipment,
                lines[0].factor_kgco2e_per_unit if lines else None,
                _kg(sum(line.co2e_g for line in lines)),
                _set_codes(lines),
            ]
        )
    return rows


FLEET_EXPORT_HEADER = [
    "record",
    "site",
    "vehicle",
    "measure",
    "measure_label",
    "period_start",
    "period_end",
    "quantity",
    "unit",
    "unit_label",
    "co2e_years",
    "co2e_kg",
    "factor_sets",
]


def fleet_export_rows(*, year: int | None = None, site_id: int | None = None) -> list[list[object]]:
    """One row per filtered fleet record with its current CO2e in kg (header first); with
    ``year``, the figure of that year only (``co2e_years`` names the years counted)."""
    rows: list[list[object]] = [list(FLEET_EXPORT_HEADER)]
    records = list(db.session.scalars(fleet_query(year=year, site_id=site_id)))
    for record, all_lines in _chunks(records, FLEET_ACTIVITY):
        lines = _in_year(all_lines, year)
        rows.append(
            [
                record.id,
                record.site.name if record.site else "",
                record.vehicle,
                record.measure,
                labels.label("fleet_measure", record.measure),
                record.period_start.isoformat(),
                record.period_end.isoformat(),
                record.quantity,
                FLEET[record.measure][2],
                labels.unit(FLEET[record.measure][2]),
                _years(lines),
                _kg(sum(line.co2e_g for line in lines)),
                _set_codes(lines),
            ]
        )
    return rows


def energy_dated_years(ids: list[int]) -> set[int]:
    """The years the periods of these energy records span (removed included)."""
    return removals.years_spanned(EnergyRecord.period_start, EnergyRecord.period_end, ids)


for _code, _model, _label, _dated in (
    (ACTIVITY_TYPE, EnergyRecord, _l("Energy record"), energy_dated_years),
    (
        REFRIGERANT_ACTIVITY,
        RefrigerantTopUp,
        _l("Refrigerant top-up"),
        lambda ids: removals.years_spanned(
            RefrigerantTopUp.topped_up_on, RefrigerantTopUp.topped_up_on, ids
        ),
    ),
    (
        FLEET_ACTIVITY,
        FleetRecord,
        _l("Fleet record"),
        lambda ids: removals.years_spanned(FleetRecord.period_start, FleetRecord.period_end, ids),
    ),
):
    removals.register_kind(
        removals.RemovalKind(
            code=_code,
            label=_label,
            roles=(Role.ems,),
            model=_model,
            activity_type=_code,
            record_years=_dated,
        )
    )
