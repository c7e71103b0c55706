"""Fleet records: fuel put into, or km driven by, own vehicles (scope 1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.auth.models import User
from ems.energy.models import FleetRecord
from ems.energy.services._shared import (
    FLEET_ACTIVITY,
    check_period,
    create_record,
    delete_record,
    get_record,
    in_year,
    kg_of,
    record_computed_lines,
    register_removal_kind,
    require_editor,
    set_codes,
    split_by_year,
    total_g,
    update_record,
    with_lines,
    year_site_filter,
    years_text,
)
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors.keys import factor_key
from ems.factors.services import FactorSelector
from ems.ledger import services as ledger
from ems.ledger.models import SourceCategory
from ems.org.models import Site
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.validation import check_decimal, check_text

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


ledger.register_calculator(FLEET_ACTIVITY, _fleet_lines, preload=ledger.rows_by_id(FleetRecord))


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
    check_period(errors, period_start, period_end)
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
    record_computed_lines(
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
    create_record(
        actor=actor,
        record=record,
        write_lines=_record_fleet,
        action="energy.fleet.created",
        summary=f"Fleet: {record.quantity} {record.measure} {record.vehicle}".strip(),
        fields=FLEET_FIELDS,
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
    update_record(
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
    return delete_record(
        actor=actor,
        kind=FLEET_ACTIVITY,
        record=record,
        action="energy.fleet.deleted",
        fields=FLEET_FIELDS,
        summary=f"Fleet record {record.id} removed",
    )


def _fleet_filter(year: int | None, site_id: int | None) -> list[sa.ColumnElement[bool]]:
    return year_site_filter(
        FleetRecord.period_start, FleetRecord.period_end, FleetRecord.site_id, year, site_id
    )


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
    return total_g(FLEET_ACTIVITY, ids, year)


def get_fleet_record(record_id: int) -> FleetRecord:
    """The fleet record with ``record_id``; NotFound if none."""
    return get_record(FleetRecord, record_id, "fleet record")


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
    for record, all_lines in with_lines(records, FLEET_ACTIVITY):
        lines = in_year(all_lines, year)
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
                years_text(lines),
                kg_of(sum(line.co2e_g for line in lines)),
                set_codes(lines),
            ]
        )
    return rows


register_removal_kind(
    FLEET_ACTIVITY,
    FleetRecord,
    _l("Fleet record"),
    lambda ids: removals.years_spanned(FleetRecord.period_start, FleetRecord.period_end, ids),
)
