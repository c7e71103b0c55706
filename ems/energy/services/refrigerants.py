"""Refrigerant top-ups: refrigerant added to equipment counts as leaked (kg × GWP, scope 1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.auth.models import User
from ems.energy.models import RefrigerantTopUp
from ems.energy.services._shared import (
    REFRIGERANT_ACTIVITY,
    create_record,
    delete_record,
    get_record,
    kg_of,
    line_sums,
    record_computed_lines,
    register_removal_kind,
    require_editor,
    set_codes,
    update_record,
    with_lines,
    year_site_filter,
)
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db, utcnow
from ems.factors import services as factors
from ems.factors.keys import factor_key
from ems.factors.models import EmissionFactor, FactorSet
from ems.factors.services import FactorSelector, SelectedFactor
from ems.factors.shipped import ozone_depleting_gases
from ems.ledger import services as ledger
from ems.ledger.models import Basis, SourceCategory
from ems.org.models import FIRST_YEAR, Site
from ems.org.services import get_organisation
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.validation import check_decimal, check_text

REFRIGERANT_FIELDS = ["site_id", "topped_up_on", "gas", "kg", "equipment"]


def gwp_set_code(report: str) -> str:
    """The shipped set of an IPCC report's GWPs."""
    return factors.gwp_set_code(report)


def refrigerant_gases() -> list[str]:
    """Gases and blends the GWP tables know: refrigerants first, the ozone-depleting ones after
    the others."""
    gases = set(
        db.session.scalars(
            sa.select(EmissionFactor.activity)
            .join(FactorSet)
            .where(FactorSet.family == "ipcc_gwp", EmissionFactor.category == "gwp")
        )
    )
    outside = ozone_depleting_gases()
    return sorted(gases, key=lambda gas: (not gas.startswith("r"), gas in outside, gas))


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
    note = f"{top_up.gas} {top_up.kg} kg {top_up.equipment}".strip()
    outside = top_up.gas in ozone_depleting_gases()
    if outside:
        note += "; ozone-depleting (Montreal Protocol): outside the scopes, reported apart"
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
            # HCFCs are not Kyoto gases: the GHG Protocol has them reported outside the scopes
            basis=Basis.outside if outside else None,
            note=note,
        )
    ]


ledger.register_calculator(
    REFRIGERANT_ACTIVITY, _refrigerant_lines, preload=ledger.rows_by_id(RefrigerantTopUp)
)


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
    record_computed_lines(
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
    create_record(
        actor=actor,
        record=top_up,
        write_lines=_record_top_up,
        action="energy.refrigerant.created",
        summary=f"{top_up.kg} kg {top_up.gas} added at site {top_up.site_id} "
        f"on {top_up.topped_up_on}",
        fields=REFRIGERANT_FIELDS,
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
    update_record(
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
    return delete_record(
        actor=actor,
        kind=REFRIGERANT_ACTIVITY,
        record=top_up,
        action="energy.refrigerant.deleted",
        fields=REFRIGERANT_FIELDS,
        summary=f"Refrigerant top-up {top_up.id} removed",
    )


def _refrigerant_filter(year: int | None, site_id: int | None) -> list[sa.ColumnElement[bool]]:
    day = RefrigerantTopUp.topped_up_on  # a top-up is a period of one day
    return year_site_filter(day, day, RefrigerantTopUp.site_id, year, site_id)


def refrigerant_query(
    *, year: int | None = None, site_id: int | None = None
) -> sa.Select[RefrigerantTopUp]:
    """Top-ups of a year and site, newest first."""
    return (
        sa.select(RefrigerantTopUp)
        .where(*_refrigerant_filter(year, site_id))
        .order_by(RefrigerantTopUp.topped_up_on.desc(), RefrigerantTopUp.id.desc())
    )


def refrigerant_total_g(
    *, year: int | None = None, site_id: int | None = None, outside_scopes: bool = False
) -> int:
    """Grams CO2e of the current lines of the top-ups ``refrigerant_query`` selects: of the
    gases in scope 1, or (``outside_scopes``) of the ozone-depleting ones reported apart."""
    ids = sa.select(RefrigerantTopUp.id).where(*_refrigerant_filter(year, site_id))
    return sum(
        grams
        for (_item, basis), grams in line_sums(REFRIGERANT_ACTIVITY, ids, year).items()
        if (basis is Basis.outside) == outside_scopes
    )


def get_refrigerant_top_up(top_up_id: int) -> RefrigerantTopUp:
    """The top-up with ``top_up_id``; NotFound if none."""
    return get_record(RefrigerantTopUp, top_up_id, "refrigerant top-up")


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
    for top_up, lines in with_lines(top_ups, REFRIGERANT_ACTIVITY):
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
                kg_of(sum(line.co2e_g for line in lines)),
                set_codes(lines),
            ]
        )
    return rows


register_removal_kind(
    REFRIGERANT_ACTIVITY,
    RefrigerantTopUp,
    _l("Refrigerant top-up"),
    lambda ids: removals.years_spanned(
        RefrigerantTopUp.topped_up_on, RefrigerantTopUp.topped_up_on, ids
    ),
)
