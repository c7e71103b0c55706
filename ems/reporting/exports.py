"""The annual report's downloads as table rows (header first), for `ems.exports.download`.

Read-only. The figures come from the ledger's current lines by the inventory's own rules
(`ems.inventory.services`): the same boundaries, and the same headline basis — air travel
without radiative forcing, Scope 2 electricity market-based. The other figure of a two-figure
source (with RF, location-based) is shown beside it and never counted in a total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ems import labels
from ems.exports import XLSX_MIME, csv_bytes, workbook_bytes, xlsx_bytes
from ems.extensions import db
from ems.inventory.services import (
    BOUNDARY_LABELS,
    SCOPE3_BUSINESS_TRAVEL,
    Boundary,
    Group,
    in_boundary,
    year_groups,
)
from ems.ledger.models import HEADLINE_BASES, Basis, EmissionLine, SourceCategory
from ems.org.models import Department, Site
from ems.org.services import get_organisation
from ems.travel.services import icao_coverage
from ems.units import GRAMS_PER_KG, GRAMS_PER_TONNE, round_half_up, rounded

#: the figures shown beside a headline figure, never counted (as `inventories()` decides)
NOT_COUNTED_BASES = frozenset(Basis) - HEADLINE_BASES
#: the bases in the order the inventory lists them, with their labels (ems.labels)
BASIS_LABELS: dict[Basis | None, object] = {
    **labels.enum_labels(
        (
            Basis.without_rf,
            Basis.with_rf,
            Basis.icao,
            Basis.location,
            Basis.market,
            Basis.outside,
        ),
        "basis",
    ),
    None: "",
}
HEADLINE_BASIS = "air travel without RF; Scope 2 electricity market-based"
_BASIS_ORDER = {basis: index for index, basis in enumerate(BASIS_LABELS)}
_SOURCE_ORDER = {source: index for index, source in enumerate(SourceCategory)}


def _rounded(grams: int, grams_per_unit: int) -> float:
    """``grams`` in kg or t, to 3 decimals, half up (as the inventory's ``_kg``); a float, so
    that a spreadsheet reads a number."""
    return float(rounded(grams, grams_per_unit))


def counts_in_total(basis: Basis | None) -> bool:
    """Whether lines of ``basis`` count in totals."""
    return basis not in NOT_COUNTED_BASES


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


# --- the inventory table ----------------------------------------------------------------------

#: machine-readable: each code column (boundary, scope3_category, source, basis) has its label
#: beside it
INVENTORY_HEADER = [
    "boundary",
    "boundary_label",
    "scope",
    "scope3_category",
    "scope3_category_label",
    "source",
    "source_label",
    "basis",
    "basis_label",
    "site",
    "department",
    "co2e_kg",
    "lines",
    "counted_in_total",
]


def inventory_rows(year: int, groups: list[Group] | None = None) -> list[list[object]]:
    """The year's inventory: one row per group of current lines in each boundary ("gtb", then
    "full") with its CO2e in kg and line count, then one total row per boundary (the headline
    total of `inventories()`, summed in grams before rounding). ``groups``: the year's groups,
    when the caller has them already."""
    sites = dict(db.session.execute(sa.select(Site.id, Site.name)).all())
    departments = dict(db.session.execute(sa.select(Department.id, Department.name)).all())

    def order(group: Group) -> tuple[int, int, int, int, str, str]:
        return (
            group.scope,
            group.scope3_category or 0,
            _SOURCE_ORDER[group.source],
            _BASIS_ORDER[group.basis],
            sites.get(group.site_id, "") if group.site_id else "",
            departments.get(group.department_id, "") if group.department_id else "",
        )

    groups = sorted(year_groups(year) if groups is None else groups, key=order)
    rows: list[list[object]] = [list(INVENTORY_HEADER)]
    totals: dict[Boundary, tuple[int, int]] = {}
    for boundary in (Boundary.gtb, Boundary.full):
        total_g = total_lines = 0
        for group in groups:
            if not in_boundary(boundary, group.scope, group.scope3_category, group.source):
                continue
            counted = counts_in_total(group.basis)
            if counted:
                total_g += group.co2e_g
                total_lines += group.lines
            rows.append(
                [
                    boundary.value,
                    labels.label("boundary_short", boundary),
                    group.scope,
                    group.scope3_category,
                    labels.label("scope3_category", group.scope3_category, ""),
                    group.source.value,
                    labels.label("source", group.source),
                    group.basis.value if group.basis else "",
                    labels.label("basis", group.basis, ""),
                    sites.get(group.site_id, "") if group.site_id else "",
                    departments.get(group.department_id, "") if group.department_id else "",
                    _rounded(group.co2e_g, GRAMS_PER_KG),
                    group.lines,
                    _yes_no(counted),
                ]
            )
        totals[boundary] = (total_g, total_lines)
    for boundary, (total_g, total_lines) in totals.items():
        rows.append(
            [
                boundary.value,
                labels.label("boundary_short", boundary),
                None,
                None,
                "",
                "",
                "Total",
                "",
                f"headline: {HEADLINE_BASIS}",
                "",
                "",
                _rounded(total_g, GRAMS_PER_KG),
                total_lines,
                "",
            ]
        )
    return rows


# --- the Greening the Blue data pack ----------------------------------------------------------


@dataclass(frozen=True)
class PackCategory:
    """A row of the UN inventory's categories, and which lines it takes."""

    label: str
    scope: int
    source: SourceCategory
    basis: Basis | None
    note: str = ""


PACK_CATEGORIES = (
    PackCategory("Stationary combustion (heating and fuels)", 1, SourceCategory.heat_fuels, None),
    PackCategory("Mobile combustion (own vehicles)", 1, SourceCategory.fleet, None),
    PackCategory("Fugitive emissions (refrigerants)", 1, SourceCategory.refrigerants, None),
    PackCategory(
        "Optional: ozone-depleting refrigerants (outside the scopes)",
        1,
        SourceCategory.refrigerants,
        Basis.outside,
        "Montreal Protocol gases such as R-22: reported apart, in no scope and no total",
    ),
    PackCategory(
        "Purchased electricity (market-based)",
        2,
        SourceCategory.electricity,
        Basis.market,
        "headline figure; quantity: kWh not covered by certificates",
    ),
    PackCategory(
        "Purchased electricity (location-based)",
        2,
        SourceCategory.electricity,
        Basis.location,
        "shown beside the market-based figure, not counted",
    ),
    PackCategory(
        "Purchased heat, steam and cooling (district networks)",
        2,
        SourceCategory.heat_fuels,
        None,
        "one figure: the same in location- and market-based Scope 2",
    ),
    PackCategory(
        "Business travel: air (without RF)", 3, SourceCategory.air_travel, Basis.without_rf
    ),
    PackCategory(
        "Business travel: air (with RF)",
        3,
        SourceCategory.air_travel,
        Basis.with_rf,
        "with radiative forcing, shown beside the headline figure, not counted",
    ),
    PackCategory(
        "Business travel: air (ICAO calculator, flights with its figure)",
        3,
        SourceCategory.air_travel,
        Basis.icao,
        "CO2 only; shown beside the DESNZ figures, not counted",
    ),
    PackCategory(
        "Business travel: other (rail, bus, coach, taxi, car)",
        3,
        SourceCategory.other_travel,
        None,
    ),
)
PACK_HEADER = [
    "Category",
    "Scope",
    "Activity quantity",
    "Unit",
    "tCO2e",
    "Counted in total",
    "Note",
]
#: (scope, source, basis) → unit → (quantity, grams)
_Cells = dict[tuple[int, SourceCategory, Basis | None], dict[str, tuple[Decimal, int]]]


def _gtb_cells(year: int) -> _Cells:
    """The year's current lines in the Greening-the-Blue boundary, summed (one query)."""
    columns = (
        EmissionLine.source_category,
        EmissionLine.basis,
        EmissionLine.scope,
        EmissionLine.scope3_category,
        EmissionLine.quantity_unit,
    )
    stmt = (
        sa.select(
            *columns,
            sa.func.sum(sa.cast(EmissionLine.quantity, sa.Numeric)),
            sa.func.sum(EmissionLine.co2e_g),
        )
        .where(EmissionLine.year == year, EmissionLine.superseded_at.is_(None))
        .group_by(*columns)
    )
    cells: _Cells = {}
    for source, basis, scope, category, unit, quantity, grams in db.session.execute(stmt):
        source = SourceCategory(source)
        if not in_boundary(Boundary.gtb, scope, category, source):
            continue
        by_unit = cells.setdefault((scope, source, Basis(basis) if basis else None), {})
        before_quantity, before_g = by_unit.get(unit, (Decimal(0), 0))
        by_unit[unit] = (before_quantity + Decimal(str(quantity or 0)), before_g + int(grams))
    return cells


def _pack_rows(
    label: str, scope: int | str, by_unit: dict[str, tuple[Decimal, int]], counted: bool, note: str
) -> list[list[object]]:
    """A category's rows: one per unit its activity is measured in (one, blank, without)."""
    if not by_unit:
        return [[label, scope, None, "", 0.0, _yes_no(counted), note]]
    return [
        [
            label,
            scope,
            float(round_half_up(quantity, 3)),
            labels.unit(unit),
            _rounded(grams, GRAMS_PER_TONNE),
            _yes_no(counted),
            note,
        ]
        for unit, (quantity, grams) in sorted(by_unit.items())
    ]


def gtb_pack_rows(
    year: int, *, generated_on: dt.date | None = None, issued_as: str | None = None
) -> list[list[object]]:
    """A Greening the Blue data pack: a header block, then the year's figures in the
    Greening-the-Blue boundary by the UN inventory's categories — a row per category and unit
    of its activity quantity — the total (that of `inventories()`, summed in grams before
    rounding), and a closing note. ``generated_on`` defaults to today (UTC); ``issued_as``:
    the identifier of the report it is issued with (else the pack says its figures are live)."""
    generated = generated_on or dt.datetime.now(dt.UTC).date()
    provenance = (
        f"{generated.isoformat()}, issued with report {issued_as}: the figures of that report, "
        "frozen"
        if issued_as
        else f"{generated.isoformat()}, live: the ledger's current emission lines that day, "
        "not an issued report"
    )
    rows: list[list[object]] = [
        ["Greening the Blue data pack"],
        ["Organisation", get_organisation().name],
        ["Reporting year", year],
        ["Boundary", str(BOUNDARY_LABELS[Boundary.gtb])],
        [
            "Headline basis",
            "air travel by ICAO's calculator where a flight has its figure, DESNZ without RF "
            "for the others (organisation setting); Scope 2 electricity market-based"
            if get_organisation().gtb_air_method == "icao"
            else HEADLINE_BASIS,
        ],
        [
            "Generated",
            f"{provenance}; each figure is rounded to 0.001 t, the total is summed before rounding",
        ],
        [],
        list(PACK_HEADER),
    ]
    cells = _gtb_cells(year)
    total_g = 0
    # the organisation's choice: air travel by ICAO's calculator where a flight has its figure
    by_icao = get_organisation().gtb_air_method == "icao"
    for category in PACK_CATEGORIES:
        by_unit = cells.pop((category.scope, category.source, category.basis), {})
        counted = counts_in_total(category.basis)
        note = category.note
        if by_icao and category.basis is Basis.without_rf:
            counted, note = False, "replaced by the row below (organisation setting)"
        if counted:
            total_g += sum(grams for _quantity, grams in by_unit.values())
        # gases outside the scopes are in none: their row names no scope
        scope = "" if category.basis is Basis.outside else category.scope
        rows += _pack_rows(category.label, scope, by_unit, counted, note)
        if by_icao and category.basis is Basis.without_rf:
            coverage = icao_coverage(year, missing_limit=0)
            total_g += coverage.gtb_g
            rows.append(
                [
                    "Business travel: air (ICAO where present, DESNZ without RF for the others)",
                    3,
                    coverage.legs,
                    "flights",
                    _rounded(coverage.gtb_g, GRAMS_PER_TONNE),
                    _yes_no(True),
                    f"{coverage.legs_covered} of {coverage.legs} flights by ICAO's calculator "
                    "(CO2 only); the others by DESNZ without RF",
                ]
            )
    # lines of the boundary that no category above takes (none today): counted as the
    # inventory counts them, so that the total stays the inventory's
    for (scope, source, basis), by_unit in sorted(
        cells.items(), key=lambda item: (item[0][0], _SOURCE_ORDER[item[0][1]])
    ):
        counted = counts_in_total(basis)
        if counted:
            total_g += sum(grams for _quantity, grams in by_unit.values())
        label = f"Other: {labels.label('source', source)} {BASIS_LABELS[basis]}".strip()
        rows += _pack_rows(label, scope, by_unit, counted, "")
    rows += [
        [
            "Total (Greening the Blue boundary, air travel by ICAO where present)"
            if by_icao
            else "Total (Greening the Blue boundary)",
            None,
            None,
            "",
            _rounded(total_g, GRAMS_PER_TONNE),
            "",
            "the totals of ems stay on DESNZ, the method of the baseline"
            if by_icao
            else f"headline: {HEADLINE_BASIS}",
        ],
        [],
        [
            "Note",
            "Hotel nights are not in the Greening the Blue boundary (the UN inventory does not "
            f"list them), nor is Scope 3 other than business travel (category "
            f"{SCOPE3_BUSINESS_TRAVEL}); both are in the full inventory.",
        ],
    ]
    return rows


# --- the files issued with a report -----------------------------------------------------------

#: the files issued with a report: name → (table of the snapshot, format)
ISSUED_FILES = {
    "inventory.csv": ("inventory", "csv"),
    "inventory.xlsx": ("inventory", "xlsx"),
    "gtb-pack.csv": ("gtb_pack", "csv"),
    # the whole pack, one sheet per section (ems.reporting.gtb_pack); the CSV is its summary
    "gtb-pack.xlsx": ("gtb_pack_sheets", "workbook"),
}
MEDIA_TYPES = {"csv": "text/csv", "xlsx": XLSX_MIME}
SHEET_TITLES = {"inventory": "Inventory", "gtb_pack": "Greening the Blue"}


def issued_tables(
    year: int, groups: list[Group], *, report_id: str, issued_on: dt.date
) -> dict[str, list[list[object]]]:
    """The export tables of a report being issued, kept in its snapshot: the inventory and
    the Greening the Blue pack, read in the same transaction as the report's figures."""
    return {
        "inventory": inventory_rows(year, groups),
        "gtb_pack": gtb_pack_rows(year, generated_on=issued_on, issued_as=report_id),
    }


def issued_files(tables: dict[str, Any], *, issued_at: dt.datetime) -> list[tuple[str, str, bytes]]:
    """(name, media type, bytes) of each file issued with a report, from its snapshot's tables;
    the XLSX files are dated ``issued_at``, so the same snapshot gives the same bytes."""
    files = []
    for name, (table, fmt) in ISSUED_FILES.items():
        if fmt == "workbook":
            content = workbook_bytes(tables[table], dated=issued_at)
        elif fmt == "xlsx":
            content = xlsx_bytes(tables[table], title=SHEET_TITLES[table], dated=issued_at)
        else:
            content = csv_bytes(tables[table])
        files.append((name, MEDIA_TYPES["xlsx" if fmt == "workbook" else fmt], content))
    return files
