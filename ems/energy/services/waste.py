"""Waste records: tonnes of a stream a site sent to a treatment, × the DESNZ waste factor of the
year's edition (scope 3, category 5: waste generated in operations).

DESNZ's shipped waste factors (``desnz_other``, category ``waste``) cover two materials only:
"Refuse > Commercial and industrial waste" and "Paper > Paper and board: mixed", by disposal
route. Paper and card take the paper and board factors; every other stream takes the commercial
and industrial waste factor, and its lines say so. Incineration is DESNZ's "Combustion" up to the
2024 edition and "Incineration with energy recovery" from 2025; incineration without energy
recovery has no factor of its own and takes that one, noted. A route the year's edition has no
factor for (commercial and industrial recycling after 2021, say) takes the nearest edition's,
flagged as a fallback by the factor selection, as every other record kind does."""

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
from ems.energy.models import WasteRecord, WasteStream, WasteTreatment
from ems.energy.services._shared import (
    WASTE_ACTIVITY,
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
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.factors.keys import factor_key
from ems.factors.services import FactorSelector, SelectedFactor
from ems.ledger import services as ledger
from ems.ledger.models import SourceCategory
from ems.org.models import Site
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.validation import check_decimal, check_text

WASTE_FIELDS = [
    "site_id",
    "period_start",
    "period_end",
    "stream",
    "treatment",
    "tonnes",
    "is_estimate",
    "reference",
    "note",
]
#: GHG Protocol scope 3 category 5: waste generated in operations
SCOPE3_WASTE = 5
FACTOR_FAMILY = "desnz_other"
#: the DESNZ materials shipped, as their factors' activities begin
PAPER = "paper_and_board_mixed"
COMMERCIAL_INDUSTRIAL = "commercial_industrial_waste"
#: the DESNZ disposal routes of each treatment, as their factors' activities end (incineration
#: is "combustion" up to the 2024 edition, "incineration with energy recovery" from 2025)
INCINERATION = ("combustion", "incineration_with_energy_recovery")
ROUTES: dict[WasteTreatment, tuple[str, ...]] = {
    WasteTreatment.landfill: ("landfill",),
    WasteTreatment.recycling: ("closed_loop",),
    WasteTreatment.composting: ("composting",),
    WasteTreatment.anaerobic_digestion: ("anaerobic_digestion",),
    WasteTreatment.incineration_energy_recovery: INCINERATION,
    WasteTreatment.incineration_no_recovery: INCINERATION,
}
#: treatments that divert nothing from disposal (the diversion rate's complement)
NOT_DIVERTED = frozenset({WasteTreatment.landfill, WasteTreatment.incineration_no_recovery})


def _route_factor(
    selector: FactorSelector, material: str, treatment: WasteTreatment, year: int
) -> SelectedFactor | None:
    """The factor of ``material`` by ``treatment``'s DESNZ route for ``year``: among the route's
    names, the one whose edition is nearest the year (the earlier on a tie); None if none."""
    found = []
    for route in ROUTES[treatment]:
        try:
            found.append(
                selector.select(
                    family=FACTOR_FAMILY,
                    key=factor_key("waste", f"{material}_{route}", "tonne"),
                    year=year,
                )
            )
        except NotFound:
            continue
    if not found:
        return None
    return min(
        found,
        key=lambda chosen: (
            abs(chosen.factor_set.edition_year - year),
            chosen.factor_set.edition_year,
        ),
    )


def _desnz_name(selected: SelectedFactor) -> str:
    """The factor's DESNZ label ("Refuse > Commercial and industrial waste > Landfill")."""
    return selected.factor.label.rsplit(" · ", 1)[-1] or selected.factor.activity


def waste_factor(
    selector: FactorSelector, stream: WasteStream, treatment: WasteTreatment, year: int
) -> tuple[SelectedFactor, str]:
    """The DESNZ factor of ``stream`` sent to ``treatment`` in ``year``, and the note saying
    which factor it is and why (see the module's note); NotFound if the factor tables have
    none."""
    remarks = []
    selected = None
    if stream is WasteStream.paper_card:
        selected = _route_factor(selector, PAPER, treatment, year)
        if selected is None:
            remarks.append(
                "DESNZ has no paper and board factor for this treatment: the commercial and "
                "industrial waste factor is applied"
            )
    elif stream is not WasteStream.mixed:
        remarks.append(
            "DESNZ publishes no factor of this stream here: the commercial and industrial "
            "waste factor is applied"
        )
    if selected is None:
        selected = _route_factor(selector, COMMERCIAL_INDUSTRIAL, treatment, year)
    if selected is None:
        raise NotFound(
            _(
                "No DESNZ waste factor for %(treatment)s.",
                treatment=labels.label("waste_treatment", treatment),
            )
        )
    if treatment is WasteTreatment.incineration_no_recovery:
        remarks.append(
            "DESNZ gives no factor for incineration without energy recovery: its incineration "
            "(combustion) factor is applied"
        )
    note = f"DESNZ {_desnz_name(selected)}"
    return selected, "; ".join([note, *remarks])


def waste_record_lines(record: WasteRecord, selector: FactorSelector) -> list[ledger.LineSpec]:
    """The ledger lines of one waste record, one per calendar year its period covers."""
    lines = []
    label = (
        f"{record.stream.value} → {record.treatment.value} "
        f"{record.period_start}–{record.period_end}"
    )
    parts = split_by_year(record.period_start, record.period_end, record.tonnes)
    for part in parts:
        selected, which = waste_factor(selector, record.stream, record.treatment, part.year)
        days = "" if len(parts) == 1 else f"; {part.days} days in {part.year}"
        lines.append(
            ledger.LineSpec(
                activity_type=WASTE_ACTIVITY,
                activity_id=record.id,
                year=part.year,
                scope=3,
                scope3_category=SCOPE3_WASTE,
                source_category=SourceCategory.water_waste,
                quantity=part.quantity,
                quantity_unit="tonne",
                selected=selected,
                method="desnz_waste",
                site_id=record.site_id,
                item="waste",
                note=f"{label}{days}; {which}",
            )
        )
    return lines


def _calculator(record_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    record = db.session.get(WasteRecord, record_id)
    return [] if record is None else waste_record_lines(record, selector)


ledger.register_calculator(WASTE_ACTIVITY, _calculator, preload=ledger.rows_by_id(WasteRecord))


def check_waste_record(
    *,
    site_id: int | None,
    period_start: dt.date | None,
    period_end: dt.date | None,
    stream: str | None,
    treatment: str | None,
    tonnes: Decimal | str | None,
    is_estimate: bool = False,
    reference: str | None = "",
    note: str | None = "",
) -> dict[str, Any]:
    """A waste record's values, checked and normalised; ValidationFailed names every bad
    field."""
    errors: dict[str, str] = {}
    if not site_id or db.session.get(Site, site_id) is None:
        errors["site_id"] = _("Choose a site.")
    check_period(errors, period_start, period_end)
    try:
        kind = WasteStream(stream or "")
    except ValueError:
        errors["stream"] = _("Choose a waste stream from the list.")
    try:
        route = WasteTreatment(treatment or "")
    except ValueError:
        errors["treatment"] = _("Choose a treatment from the list.")
    amount = check_decimal(errors, "tonnes", tonnes, required=True, above_zero=True)
    if amount is not None and amount > WasteRecord.MAX_TONNES:
        errors["tonnes"] = _("Enter at most %(n)s tonnes.", n=f"{WasteRecord.MAX_TONNES:,.0f}")
    reference = check_text(
        errors, "reference", reference, WasteRecord.REFERENCE_MAX_LEN, required=False
    )
    note = check_text(
        errors, "note", note, WasteRecord.NOTE_MAX_LEN, required=False, multiline=True
    )
    if errors:
        raise ValidationFailed(errors)
    return {
        "site_id": site_id,
        "period_start": period_start,
        "period_end": period_end,
        "stream": kind,
        "treatment": route,
        "tonnes": amount,
        "is_estimate": bool(is_estimate),
        "reference": reference,
        "note": note,
    }


def _record_waste(record: WasteRecord) -> None:
    record_computed_lines(
        WASTE_ACTIVITY,
        record.id,
        lambda selector: waste_record_lines(record, selector),
        field="treatment",
    )


def record_waste(*, actor: User | None, **data: Any) -> WasteRecord:
    """Record tonnes of a waste stream sent to a treatment, with its emission lines."""
    require_editor(actor)
    record = WasteRecord(**check_waste_record(**data))
    create_record(
        actor=actor,
        record=record,
        write_lines=_record_waste,
        action="energy.waste.created",
        summary=f"Waste: {record.tonnes} t {record.stream.value} to {record.treatment.value} "
        f"at site {record.site_id}, {record.period_start}–{record.period_end}",
        fields=WASTE_FIELDS,
    )
    return record


def update_waste_record(
    *,
    actor: User | None,
    record: WasteRecord,
    expected_version: int | None = None,
    **data: Any,
) -> WasteRecord:
    """Change a waste record; its lines are replaced (the old ones stay, superseded)."""
    require_editor(actor)
    update_record(
        actor=actor,
        record=record,
        expected_version=expected_version,
        check=check_waste_record,
        data=data,
        write_lines=_record_waste,
        action="energy.waste.updated",
        summary=f"Waste record {record.id} changed",
    )
    return record


def delete_waste_record(*, actor: User | None, record: WasteRecord) -> Removal:
    """Remove a waste record; it can be restored with its lines."""
    return delete_record(
        actor=actor,
        kind=WASTE_ACTIVITY,
        record=record,
        action="energy.waste.deleted",
        fields=WASTE_FIELDS,
        summary=f"Waste record {record.id} removed",
    )


def get_waste_record(record_id: int) -> WasteRecord:
    """The waste record with ``record_id``; NotFound if none."""
    return get_record(WasteRecord, record_id, "waste record")


def _waste_filter(year: int | None, site_id: int | None) -> list[sa.ColumnElement[bool]]:
    return year_site_filter(
        WasteRecord.period_start, WasteRecord.period_end, WasteRecord.site_id, year, site_id
    )


def waste_query(*, year: int | None = None, site_id: int | None = None) -> sa.Select[WasteRecord]:
    """Waste records of a year (any overlap) and site, newest period first."""
    return (
        sa.select(WasteRecord)
        .where(*_waste_filter(year, site_id))
        .order_by(WasteRecord.period_start.desc(), WasteRecord.id.desc())
    )


def waste_total_g(*, year: int | None = None, site_id: int | None = None) -> int:
    """Grams CO2e of the current lines of the records ``waste_query`` selects (of ``year``
    only, when given)."""
    ids = sa.select(WasteRecord.id).where(*_waste_filter(year, site_id))
    return total_g(WASTE_ACTIVITY, ids, year)


@dataclass(frozen=True)
class Diversion:
    """A site's waste of one year: all tonnes, and those diverted from disposal (neither
    landfilled nor incinerated without energy recovery)."""

    site: str
    year: int
    tonnes: Decimal
    diverted_tonnes: Decimal

    @property
    def rate_pct(self) -> float:
        """The diverted share, in percent."""
        return float(self.diverted_tonnes / self.tonnes * 100) if self.tonnes else 0.0


def diversion_rates(*, year: int | None = None, site_id: int | None = None) -> list[Diversion]:
    """The diversion rate of each site and year of the records ``waste_query`` selects, the
    tonnes of a record across New Year shared by days; latest year first, then by site."""
    tonnes: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    diverted: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for record in db.session.scalars(waste_query(year=year, site_id=site_id)):
        for part in split_by_year(record.period_start, record.period_end, record.tonnes):
            if year and part.year != year:
                continue
            key = (record.site.name, part.year)
            tonnes[key] += part.quantity
            if record.treatment not in NOT_DIVERTED:
                diverted[key] += part.quantity
    ordered = sorted(tonnes, key=lambda key: (-key[1], key[0]))
    return [
        Diversion(
            site=site,
            year=part_year,
            tonnes=tonnes[site, part_year],
            diverted_tonnes=diverted[site, part_year],
        )
        for site, part_year in ordered
    ]


WASTE_EXPORT_HEADER = [
    "record",
    "site",
    "period_start",
    "period_end",
    "stream",
    "stream_label",
    "treatment",
    "treatment_label",
    "tonnes",
    "estimated",
    "reference",
    "co2e_years",
    "co2e_kg",
    "factor_sets",
    "fallback",
]


def waste_export_rows(*, year: int | None = None, site_id: int | None = None) -> list[list[object]]:
    """One row per filtered waste record with its current CO2e in kg (header first); with
    ``year``, the figure of that year only (``co2e_years`` names the years counted)."""
    rows: list[list[object]] = [list(WASTE_EXPORT_HEADER)]
    records = list(db.session.scalars(waste_query(year=year, site_id=site_id)))
    for record, all_lines in with_lines(records, WASTE_ACTIVITY):
        lines = in_year(all_lines, year)
        rows.append(
            [
                record.id,
                record.site.name,
                record.period_start.isoformat(),
                record.period_end.isoformat(),
                record.stream.value,
                labels.label("waste_stream", record.stream),
                record.treatment.value,
                labels.label("waste_treatment", record.treatment),
                record.tonnes,
                "yes" if record.is_estimate else "no",
                record.reference,
                years_text(lines),
                kg_of(sum(line.co2e_g for line in lines)),
                set_codes(lines),
                "yes" if any(line.is_fallback for line in lines) else "no",
            ]
        )
    return rows


def waste_dated_years(ids: list[int]) -> set[int]:
    """The years the periods of these waste records span (removed included)."""
    return removals.years_spanned(WasteRecord.period_start, WasteRecord.period_end, ids)


register_removal_kind(WASTE_ACTIVITY, WasteRecord, _l("Waste record"), waste_dated_years)
