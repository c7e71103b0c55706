"""Water records: m³ a site was supplied (from one source) and m³ of its wastewater treated,
× the DESNZ water factors of the year's edition (scope 3).

Mains water takes DESNZ's water supply factor (category 1, purchased goods and services);
wastewater its water treatment factor (category 5, waste generated in operations). DESNZ has
no factor for groundwater, rainwater or recycled water: their m³ count in the site's water and
in litres per person, and no supply line is written for them (no factor is made up)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.auth.models import User
from ems.energy.models import WaterRecord, WaterSource
from ems.energy.services._shared import (
    WATER_ACTIVITY,
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
from ems.org import services as org
from ems.org.models import Site
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.validation import check_decimal, check_text

WATER_FIELDS = [
    "site_id",
    "period_start",
    "period_end",
    "supply_source",
    "supply_m3",
    "wastewater_m3",
    "is_estimate",
    "reference",
    "note",
]
#: GHG Protocol scope 3 categories: purchased goods and services; waste generated in operations
SCOPE3_SUPPLY = 1
SCOPE3_TREATMENT = 5
FACTOR_FAMILY = "desnz_other"
#: the sources DESNZ's water supply factor is for
SUPPLIED = frozenset({WaterSource.mains})
LITRES_PER_M3 = 1000


def water_record_lines(record: WaterRecord, selector: FactorSelector) -> list[ledger.LineSpec]:
    """The ledger lines of one water record, year by year: mains supply and wastewater
    treatment (none for water of other sources)."""
    lines = []
    label = f"{record.supply_source.value} {record.period_start}–{record.period_end}"
    supply = split_by_year(record.period_start, record.period_end, record.supply_m3)
    treated = split_by_year(record.period_start, record.period_end, record.wastewater_m3)
    for supplied, wastewater in zip(supply, treated, strict=True):
        note = label if len(supply) == 1 else f"{label}; {supplied.days} days in {supplied.year}"
        figures = [(wastewater.quantity, "water_treatment", "wastewater", SCOPE3_TREATMENT)]
        if record.supply_source in SUPPLIED:
            figures.insert(0, (supplied.quantity, "water_supply", "supply", SCOPE3_SUPPLY))
        for quantity, activity, item, category in figures:
            if not quantity:
                continue
            lines.append(
                ledger.LineSpec(
                    activity_type=WATER_ACTIVITY,
                    activity_id=record.id,
                    year=supplied.year,
                    scope=3,
                    scope3_category=category,
                    source_category=SourceCategory.water_waste,
                    quantity=quantity,
                    quantity_unit="m3",
                    selected=selector.select(
                        family=FACTOR_FAMILY,
                        key=factor_key("water", activity, "m3"),
                        year=supplied.year,
                    ),
                    method="desnz_water",
                    site_id=record.site_id,
                    item=item,
                    note=note,
                )
            )
    return lines


def _calculator(record_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    record = db.session.get(WaterRecord, record_id)
    return [] if record is None else water_record_lines(record, selector)


ledger.register_calculator(WATER_ACTIVITY, _calculator, preload=ledger.rows_by_id(WaterRecord))


def check_water_record(
    *,
    site_id: int | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    supply_source: str | None,
    supply_m3: Decimal | str | None,
    wastewater_m3: Decimal | str | None = None,
    is_estimate: bool = False,
    reference: str | None = "",
    note: str | None = "",
) -> dict[str, Any]:
    """A water record's values, checked and normalised; ValidationFailed names every bad
    field."""
    errors: dict[str, str] = {}
    if not site_id or db.session.get(Site, site_id) is None:
        errors["site_id"] = _("Choose a site.")
    check_period(errors, period_start, period_end)
    try:
        source = WaterSource(supply_source or "")
    except ValueError:
        errors["supply_source"] = _("Choose where the water came from.")
    supplied = check_decimal(errors, "supply_m3", supply_m3, required=True)
    treated = check_decimal(errors, "wastewater_m3", wastewater_m3, required=False)
    for field, amount in (("supply_m3", supplied), ("wastewater_m3", treated)):
        if amount is not None and amount > WaterRecord.MAX_M3:
            errors[field] = _("Enter at most %(n)s m³.", n=f"{WaterRecord.MAX_M3:,.0f}")
    if not errors and not supplied and not treated:
        errors["supply_m3"] = _("Enter the water supplied, the wastewater treated, or both.")
    reference = check_text(
        errors, "reference", reference, WaterRecord.REFERENCE_MAX_LEN, required=False
    )
    note = check_text(
        errors, "note", note, WaterRecord.NOTE_MAX_LEN, required=False, multiline=True
    )
    if errors:
        raise ValidationFailed(errors)
    return {
        "site_id": site_id,
        "period_start": period_start,
        "period_end": period_end,
        "supply_source": source,
        "supply_m3": supplied,
        "wastewater_m3": treated or Decimal(0),
        "is_estimate": bool(is_estimate),
        "reference": reference,
        "note": note,
    }


def _record_water(record: WaterRecord) -> None:
    record_computed_lines(
        WATER_ACTIVITY,
        record.id,
        lambda selector: water_record_lines(record, selector),
        field="supply_m3",
    )


def record_water(*, actor: User | None, **data: Any) -> WaterRecord:
    """Record a site's water supplied and wastewater treated, with their emission lines."""
    require_editor(actor)
    record = WaterRecord(**check_water_record(**data))
    create_record(
        actor=actor,
        record=record,
        write_lines=_record_water,
        action="energy.water.created",
        summary=f"Water: {record.supply_m3} m3 {record.supply_source.value}, "
        f"{record.wastewater_m3} m3 wastewater at site {record.site_id}, "
        f"{record.period_start}–{record.period_end}",
        fields=WATER_FIELDS,
    )
    return record


def update_water_record(
    *,
    actor: User | None,
    record: WaterRecord,
    expected_version: int | None = None,
    **data: Any,
) -> WaterRecord:
    """Change a water record; its lines are replaced (the old ones stay, superseded)."""
    require_editor(actor)
    update_record(
        actor=actor,
        record=record,
        expected_version=expected_version,
        check=check_water_record,
        data=data,
        write_lines=_record_water,
        action="energy.water.updated",
        summary=f"Water record {record.id} changed",
    )
    return record


def delete_water_record(*, actor: User | None, record: WaterRecord) -> Removal:
    """Remove a water record; it can be restored with its lines."""
    return delete_record(
        actor=actor,
        kind=WATER_ACTIVITY,
        record=record,
        action="energy.water.deleted",
        fields=WATER_FIELDS,
        summary=f"Water record {record.id} removed",
    )


def get_water_record(record_id: int) -> WaterRecord:
    """The water record with ``record_id``; NotFound if none."""
    return get_record(WaterRecord, record_id, "water record")


def _water_filter(year: int | None, site_id: int | None) -> list[sa.ColumnElement[bool]]:
    return year_site_filter(
        WaterRecord.period_start, WaterRecord.period_end, WaterRecord.site_id, year, site_id
    )


def water_query(*, year: int | None = None, site_id: int | None = None) -> sa.Select[WaterRecord]:
    """Water records of a year (any overlap) and site, newest period first."""
    return (
        sa.select(WaterRecord)
        .where(*_water_filter(year, site_id))
        .order_by(WaterRecord.period_start.desc(), WaterRecord.id.desc())
    )


def water_total_g(*, year: int | None = None, site_id: int | None = None) -> int:
    """Grams CO2e of the current lines of the records ``water_query`` selects (of ``year``
    only, when given)."""
    ids = sa.select(WaterRecord.id).where(*_water_filter(year, site_id))
    return total_g(WATER_ACTIVITY, ids, year)


@dataclass(frozen=True)
class WaterYear:
    """The water of one year (of one site, or of every site): m³ supplied, of which from
    mains, m³ of wastewater, and litres per person where the year has a headcount (of the
    whole organisation only: headcount is not kept per site)."""

    year: int
    supply_m3: Decimal
    mains_m3: Decimal
    wastewater_m3: Decimal
    headcount: int | None
    litres_per_person: Decimal | None


def water_years(*, year: int | None = None, site_id: int | None = None) -> list[WaterYear]:
    """The water of each year of the records ``water_query`` selects, a record across New Year
    shared by days; latest year first. Litres per person only for all sites together (the
    headcount is the organisation's)."""
    supply: dict[int, Decimal] = defaultdict(Decimal)
    mains: dict[int, Decimal] = defaultdict(Decimal)
    wastewater: dict[int, Decimal] = defaultdict(Decimal)
    for record in db.session.scalars(water_query(year=year, site_id=site_id)):
        treated = split_by_year(record.period_start, record.period_end, record.wastewater_m3)
        supplied = split_by_year(record.period_start, record.period_end, record.supply_m3)
        for part, water_out in zip(supplied, treated, strict=True):
            if year and part.year != year:
                continue
            supply[part.year] += part.quantity
            wastewater[part.year] += water_out.quantity
            if record.supply_source in SUPPLIED:
                mains[part.year] += part.quantity
    people = {} if site_id else {h.year: h.headcount for h in org.list_headcounts()}
    return [
        WaterYear(
            year=part_year,
            supply_m3=supply[part_year],
            mains_m3=mains[part_year],
            wastewater_m3=wastewater[part_year],
            headcount=people.get(part_year),
            litres_per_person=(
                (supply[part_year] * LITRES_PER_M3 / people[part_year]).quantize(Decimal(1))
                if part_year in people
                else None
            ),
        )
        for part_year in sorted(set(supply) | set(wastewater), reverse=True)
    ]


WATER_EXPORT_HEADER = [
    "record",
    "site",
    "period_start",
    "period_end",
    "supply_source",
    "supply_source_label",
    "supply_m3",
    "wastewater_m3",
    "estimated",
    "reference",
    "co2e_years",
    "co2e_kg_supply",
    "co2e_kg_treatment",
    "co2e_kg",
    "factor_sets",
]


def water_export_rows(*, year: int | None = None, site_id: int | None = None) -> list[list[object]]:
    """One row per filtered water record with its current CO2e in kg, supply and treatment
    apart and together (header first); with ``year``, the figures of that year only. Water of a
    source DESNZ has no factor for has no supply figure (empty)."""
    rows: list[list[object]] = [list(WATER_EXPORT_HEADER)]
    records = list(db.session.scalars(water_query(year=year, site_id=site_id)))
    for record, all_lines in with_lines(records, WATER_ACTIVITY):
        lines = in_year(all_lines, year)
        grams: dict[str, int] = defaultdict(int)
        for line in lines:
            grams[line.item] += line.co2e_g
        rows.append(
            [
                record.id,
                record.site.name,
                record.period_start.isoformat(),
                record.period_end.isoformat(),
                record.supply_source.value,
                labels.label("water_source", record.supply_source),
                record.supply_m3,
                record.wastewater_m3,
                "yes" if record.is_estimate else "no",
                record.reference,
                years_text(lines),
                kg_of(grams["supply"]) if record.supply_source in SUPPLIED else None,
                kg_of(grams["wastewater"]),
                kg_of(sum(line.co2e_g for line in lines)),
                set_codes(lines),
            ]
        )
    return rows


def water_dated_years(ids: list[int]) -> set[int]:
    """The years the periods of these water records span (removed included)."""
    return removals.years_spanned(WaterRecord.period_start, WaterRecord.period_end, ids)


register_removal_kind(WATER_ACTIVITY, WaterRecord, _l("Water record"), water_dated_years)
