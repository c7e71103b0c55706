"""The annual report: its figures gathered into one snapshot, drafts, and issued versions.

The snapshot holds every figure and label the PDF shows (JSON types only), so that an issued
report is stored with the figures it was rendered from (beside the logo and the assets in
reports/), and later data changes never alter it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ems import labels as code_labels
from ems import languages
from ems.actions import services as actions
from ems.actions.models import ActionStatus, CorrectiveAction, Nonconformity, NonconformityStatus
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ems.extensions import db, utcnow
from ems.factors.models import EmissionFactor, FactorSet
from ems.inventory import gwp as gwp_editions
from ems.inventory import services as inventory
from ems.inventory import years
from ems.ledger import versions
from ems.ledger.models import Basis, EmissionLine, SourceCategory
from ems.org.models import Site
from ems.org.services import get_organisation, logo_png
from ems.procurement import services as procurement
from ems.procurement.models import Purchase, SpendCategory
from ems.reporting import exports, gtb_pack, pdf
from ems.reporting.models import IssuedReport, IssuedReportFile
from ems.targets import services as targets
from ems.travel import services as travel
from ems.validation import check_text, check_year

#: version of the snapshot's layout, stored with it
SNAPSHOT_FORMAT = 1
_CLOSED = (NonconformityStatus.closed_effective, NonconformityStatus.closed_not_effective)
_CURRENT = EmissionLine.superseded_at.is_(None)


def identifier(year: int, version: int | None) -> str:
    """The report's identifier: EMS-2025-v2, or EMS-2025-DRAFT for a draft."""
    return f"EMS-{year}-v{version}" if version else f"EMS-{year}-DRAFT"


# --- the snapshot -----------------------------------------------------------------------------


def _inventory(inv: inventory.Inventory) -> dict[str, Any]:
    return {
        "total_g": inv.total_g,
        "lines": inv.lines,
        "by_scope": {str(k): v for k, v in sorted(inv.by_scope.items())},
        "by_scope3_category": {str(k): v for k, v in sorted(inv.by_scope3_category.items())},
        "by_source": {
            s.value: g for s, g in sorted(inv.by_source.items(), key=lambda item: -item[1])
        },
        "air_with_rf_g": inv.air_with_rf_g,
        "air_without_rf_g": inv.air_without_rf_g,
        "scope2_location_g": inv.scope2_location_g,
        "scope2_market_g": inv.scope2_market_g,
        "air_icao_g": inv.air_icao_g,
        "outside_scopes_g": inv.outside_scopes_g,
        "headcount": inv.headcount,
        "per_capita_g": inv.per_capita_g,
    }


def _pct(now: int, before: int | None) -> float | None:
    return None if not before else round((now - before) * 100 / before, 1)


def _t(grams: int) -> str:
    return pdf.with_unit(grams)  # rounded as the tables round: "1,234.6 t", "420 kg"


def _sentences(
    summary: dict[str, Any], change: list[dict[str, Any]], labels: dict[str, str]
) -> list[str]:
    """Three sentences a director reads first, written from the figures in the report's
    language (the caller forces it)."""
    year, total = summary["year"], summary["total_g"]
    sentences = []
    previous, change_pct = summary["previous_g"], summary["change_pct"]
    if previous is None or change_pct is None:
        sentences.append(
            _(
                "In %(year)d emissions were %(total)s CO2e; %(previous_year)d has no records to "
                "compare with.",
                year=year,
                total=_t(total),
                previous_year=year - 1,
            )
        )
    else:
        values = {
            "year": year,
            "total": _t(total),
            "change": pdf.percent(abs(change_pct)),
            "previous_year": year - 1,
            "previous": _t(previous),
        }
        sentences.append(
            _(
                "In %(year)d emissions were %(total)s CO2e, %(change)s more than in "
                "%(previous_year)d (%(previous)s).",
                **values,
            )
            if total >= previous
            else _(
                "In %(year)d emissions were %(total)s CO2e, %(change)s less than in "
                "%(previous_year)d (%(previous)s).",
                **values,
            )
        )
    if summary["trajectory_g"] is not None and summary["baseline_g"]:
        versus = summary["change_from_baseline_pct"]
        gap = total - summary["trajectory_g"]
        values = {
            "pct": pdf.percent(abs(versus)),
            "baseline_year": summary["baseline_year"],
            "baseline": _t(summary["baseline_g"]),
            "reduction": summary["reduction_pct"],
            "target_year": summary["target_year"],
        }
        parts = [
            _("That is %(pct)s below the %(baseline_year)d baseline (%(baseline)s).", **values)
            if versus < 0
            else _("That is %(pct)s above the %(baseline_year)d baseline (%(baseline)s).", **values)
        ]
        if summary["on_track"] is None:
            parts.append(
                _(
                    "The year is in progress and is not judged against the trajectory to "
                    "−%(reduction)d %% by %(target_year)d (%(trajectory)s).",
                    trajectory=_t(summary["trajectory_g"]),
                    **values,
                )
            )
        elif gap <= 0:
            parts.append(
                _(
                    "It is on track, %(gap)s below the trajectory to −%(reduction)d %% by "
                    "%(target_year)d.",
                    gap=_t(-gap),
                    **values,
                )
            )
        else:
            parts.append(
                _(
                    "It is off track, %(gap)s above the trajectory to −%(reduction)d %% by "
                    "%(target_year)d.",
                    gap=_t(gap),
                    **values,
                )
            )
        if summary["required_pct_per_year"] is not None and summary["required_pct_per_year"] > 0:
            parts.append(
                _(
                    "The target now takes a cut of %(pct)s a year.",
                    pct=pdf.percent(summary["required_pct_per_year"]),
                )
            )
        # Chinese sets no space after a sentence's full stop
        sentences.append(("" if str(get_locale()).startswith("zh") else " ").join(parts))
    else:
        sentences.append(
            _("No baseline is recorded, so the year cannot be set against the target.")
        )
    movers = [c for c in change if c["after_g"] != c["before_g"]]
    if movers:
        top = movers[0]
        parts_g = sorted(
            (("activity", top["activity_g"]), ("mix", top["mix_g"]), ("factor", top["factor_g"])),
            key=lambda item: -abs(item[1]),
        )
        sign = "+" if top["after_g"] >= top["before_g"] else "−"
        moved = f"{sign}{_t(abs(top['after_g'] - top['before_g']))}"
        part = f"{'+' if parts_g[0][1] >= 0 else '−'}{_t(abs(parts_g[0][1]))}"
        source = labels[top["source"]]
        sentences.append(
            {
                "activity": _(
                    "The largest change came from %(source)s (%(change)s), mostly from the "
                    "activity (%(part)s).",
                    source=source,
                    change=moved,
                    part=part,
                ),
                "mix": _(
                    "The largest change came from %(source)s (%(change)s), mostly from the mix "
                    "(%(part)s).",
                    source=source,
                    change=moved,
                    part=part,
                ),
                "factor": _(
                    "The largest change came from %(source)s (%(change)s), mostly from the "
                    "emission factors (%(part)s).",
                    source=source,
                    change=moved,
                    part=part,
                ),
            }[parts_g[0][0]]
        )
    elif summary["per_capita_g"] is not None:
        sentences.append(
            _(
                "Per person, emissions were %(kg)s kg CO2e.",
                kg=pdf.number(summary["per_capita_g"] / 1000),
            )
        )
    return sentences


def _trend(path: targets.Trajectory | None, gtb_by_year: dict[int, int]) -> dict[str, Any]:
    if path is None:
        return {
            "years": [
                {"year": y, "actual_g": g, "trajectory_g": None} for y, g in gtb_by_year.items()
            ],
            "target_year": None,
            "target_g": None,
        }
    return {
        "years": [
            {"year": y.year, "actual_g": y.actual_g, "trajectory_g": y.trajectory_g}
            for y in path.years
        ],
        "target_year": path.spec.target_year,
        "target_g": path.target_g,
    }


def _site_kwh(year: int) -> dict[int | None, Any]:
    """Electricity in kWh by site, from the year's current location-based lines (which hold the
    whole consumption; the market-based ones only what certificates do not cover)."""
    return dict(
        db.session.execute(
            sa.select(EmissionLine.site_id, sa.func.sum(sa.cast(EmissionLine.quantity, sa.Numeric)))
            .where(
                EmissionLine.year == year,
                _CURRENT,
                EmissionLine.scope == 2,
                EmissionLine.source_category == SourceCategory.electricity,
                EmissionLine.basis == Basis.location,
                EmissionLine.quantity_unit == "kwh",
            )
            .group_by(EmissionLine.site_id)
        ).all()
    )


def _buildings(year: int, groups: list[inventory.Group]) -> list[dict[str, Any]]:
    """Scope 1 and 2 of each site, both Scope 2 figures, electricity in kWh, per m²."""
    sites: dict[int | None, dict[str, int]] = {}
    for group in groups:
        if (
            group.scope not in (1, 2)
            or group.source is SourceCategory.fleet
            or group.basis is Basis.outside
        ):
            continue
        site = sites.setdefault(
            group.site_id, {"scope1_g": 0, "scope2_market_g": 0, "scope2_location_g": 0}
        )
        if group.scope == 1:
            site["scope1_g"] += group.co2e_g
        elif group.basis is Basis.location:
            site["scope2_location_g"] += group.co2e_g
        elif group.basis is Basis.market:
            site["scope2_market_g"] += group.co2e_g
        else:  # district heat and cooling: one figure, in both
            site["scope2_location_g"] += group.co2e_g
            site["scope2_market_g"] += group.co2e_g
    electricity_kwh = versions.kept(("site_kwh", year), [year], lambda: _site_kwh(year))
    named = {s.id: s for s in db.session.scalars(sa.select(Site))}
    result = []
    for site_id, figures in sites.items():
        site_row = named.get(site_id) if site_id is not None else None
        area = site_row.floor_area_m2 if site_row else None
        total = figures["scope1_g"] + figures["scope2_market_g"]
        result.append(
            {
                "site": site_row.name if site_row else "(no site)",
                "floor_area_m2": area,
                "electricity_kwh": round(float(electricity_kwh.get(site_id) or 0)),
                **figures,
                "total_g": total,
                "per_m2_kg": round(total / 1000 / area, 1) if area else None,
            }
        )
    return sorted(result, key=lambda row: -row["total_g"])


def _procurement(year: int) -> list[dict[str, Any]]:
    """Procurement emissions by spend category: the ledger's sums kept per version of the
    year's lines (a purchase's change, its category's included, is one), the names as they are
    now."""
    by_category = versions.kept(
        ("report_procurement", year), [year], lambda: _procurement_by_category(year)
    )
    names = dict(db.session.execute(sa.select(SpendCategory.id, SpendCategory.name)).all())
    return sorted(
        (
            {"category": names[category_id], "purchases": purchases, "co2e_g": grams}
            for category_id, (purchases, grams) in by_category.items()
            if category_id in names
        ),
        key=lambda row: -row["co2e_g"],
    )


def _procurement_by_category(year: int) -> dict[int, tuple[int, int]]:
    """(purchases, grams) of the year's current procurement lines, by spend category id."""
    rows = db.session.execute(
        sa.select(
            Purchase.category_id,
            sa.func.count(sa.distinct(Purchase.id)),
            sa.func.sum(EmissionLine.co2e_g),
        )
        .join(Purchase, Purchase.id == EmissionLine.activity_id)
        .where(
            EmissionLine.year == year,
            _CURRENT,
            EmissionLine.activity_type == procurement.ACTIVITY_TYPE,
            EmissionLine.source_category == SourceCategory.procurement,
        )
        .group_by(Purchase.category_id)
    )
    return {category_id: (int(n), int(g)) for category_id, n, g in rows}


def _actions(year: int, path: targets.Trajectory | None) -> dict[str, Any]:
    """Nonconformities open or concerning the year, their actions, verdicts and the projection."""
    found = list(
        db.session.scalars(
            sa.select(Nonconformity).order_by(Nonconformity.detected_on, Nonconformity.id)
        )
    )
    chosen = [
        n
        for n in found
        if n.status not in _CLOSED or year in (n.years or []) or n.detected_on.year == year
    ]
    action_rows = []
    for nc in chosen:
        for action in sorted(nc.actions, key=lambda a: a.id):
            verdict = max(action.verdicts, key=lambda v: v.reviewed_at, default=None)
            action_rows.append(
                {
                    "nonconformity_id": nc.id,
                    "id": action.id,
                    "description": action.description,
                    "owner": action.owner.name or action.owner.email,
                    "due_on": action.due_on.isoformat(),
                    "status": action.status.value,
                    "expected_reduction_t": str(action.expected_reduction_t)
                    if action.expected_reduction_t is not None
                    else None,
                    "verdict": None
                    if verdict is None
                    else ("effective" if verdict.is_effective else "not effective"),
                    # why a verdict stands against the measured figures (printed beside it)
                    "justification": verdict.justification if verdict else "",
                    "against_measurement": verdict is not None
                    and actions.verdict_against_figures(verdict.figures, verdict.is_effective),
                }
            )
    projected = actions.projection(path)
    return {
        "nonconformities": [
            {
                "id": n.id,
                "title": n.title,
                "detected_on": n.detected_on.isoformat(),
                "severity": n.severity.value,
                "status": n.status.value,
                "root_cause": n.root_cause,
            }
            for n in chosen
        ],
        "actions": action_rows,
        "open_count": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CorrectiveAction)
            .where(CorrectiveAction.status.in_([ActionStatus.planned, ActionStatus.in_progress]))
        ),
        "projection": None
        if projected is None
        else {
            "latest_year": projected.latest_year,
            "latest_g": projected.latest_g,
            "target_year": projected.target_year,
            "target_g": projected.target_g,
            "projected_g": projected.projected_target_year_g,
            "gap_g": projected.gap_g,
            "change_from_baseline_pct": round(projected.change_from_baseline_pct, 1),
        },
    }


def _quality(year: int) -> dict[str, Any]:
    quality = inventory.data_quality(year)
    return {
        "fallback_by_source": {
            source.value: {"lines": lines, "co2e_g": grams}
            for source, (lines, grams) in sorted(quality.fallback_by_source.items())
        },
        "flights": quality.flights,
        "flights_unknown_cabin": quality.flights_unknown_cabin,
        "months_without_energy": quality.months_without_energy,
        "estimated_energy_records": quality.estimated_energy_records,
        "estimated_waste_water_records": quality.estimated_waste_water_records,
        "market_grid_average_kwh": str(quality.market_grid_average_kwh),
        "market_grid_average_g": quality.market_grid_average_g,
    }


def _icao(year: int) -> dict[str, Any]:
    """The year's ICAO figures beside DESNZ's (see travel.services.icao_coverage)."""
    coverage = travel.icao_coverage(year, missing_limit=0)
    return {
        "legs": coverage.legs,
        "legs_covered": coverage.legs_covered,
        "icao_g": coverage.icao_g,
        "desnz_covered_g": coverage.desnz_covered_g,
        "gtb_g": coverage.gtb_g,
        "difference_pct": None
        if coverage.difference_pct is None
        else float(coverage.difference_pct),
        "sets": sorted(
            {f"{s.code} v{s.version}" for s in travel.icao_sets() if s.edition_year == year}
        ),
    }


def _lines_by_factor(year: int) -> list[tuple[int, int, int]]:
    """(factor id, lines, fallback lines) of the year's current lines."""
    # by factor id first: no join per line; grouped in the order of the change explained's
    # covering index, which the database then reads alone and in order (grouped by the factor
    # alone, SQLite reads every line of the year from the table: 8× slower)
    lines_by_factor: dict[int, int] = defaultdict(int)
    for factor_id, lines in db.session.execute(
        sa.select(EmissionLine.factor_id, sa.func.count())
        .where(EmissionLine.year == year, _CURRENT)
        .group_by(
            EmissionLine.year,
            EmissionLine.scope,
            EmissionLine.scope3_category,
            EmissionLine.source_category,
            EmissionLine.quantity_unit,
            EmissionLine.factor_id,
        )
    ):
        lines_by_factor[factor_id] += lines
    fallbacks_by_factor = dict(
        db.session.execute(
            sa.select(EmissionLine.factor_id, sa.func.count())
            .where(EmissionLine.year == year, _CURRENT, EmissionLine.is_fallback.is_(True))
            .group_by(EmissionLine.factor_id)
        ).all()
    )
    return [
        (factor_id, lines, int(fallbacks_by_factor.get(factor_id) or 0))
        for factor_id, lines in lines_by_factor.items()
    ]


def _factor_sets(year: int) -> list[dict[str, Any]]:
    """The factor editions the year's current lines used, with how many lines and fallbacks
    (counted once per version of the year's lines)."""
    by_factor = versions.kept(("lines_by_factor", year), [year], lambda: _lines_by_factor(year))
    set_of = dict(
        db.session.execute(
            sa.select(EmissionFactor.id, EmissionFactor.factor_set_id).where(
                EmissionFactor.id.in_({factor_id for factor_id, _n, _f in by_factor})
            )
        ).all()
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for factor_id, lines, fallbacks in by_factor:
        counts[set_of[factor_id]][0] += int(lines)
        counts[set_of[factor_id]][1] += int(fallbacks or 0)
    sets = db.session.scalars(
        sa.select(FactorSet).where(FactorSet.id.in_(counts)).order_by(FactorSet.code)
    )
    return [
        {
            "code": s.code,
            "publisher": s.publisher,
            "title": s.title,
            "edition_year": s.edition_year,
            "version": s.version,
            "licence": s.licence,
            "source": s.source,
            "lines": counts[s.id][0],
            "fallback_lines": counts[s.id][1],
        }
        for s in sets
    ]


def _restatements() -> list[dict[str, Any]]:
    return [
        {
            "year": series.year,
            "boundary": series.boundary.value,
            "reported_g": series.reported.co2e_g if series.reported else None,
            "restated_g": series.restated.co2e_g,
            "reason": series.restated.reason,
            "approved_by": series.restated.approved_by,
            "date": series.restated.recorded_at.date().isoformat(),
        }
        for series in targets.reported_series()
        if series.restated is not None
    ]


def annual_report_data(
    year: int, *, report_id: str, issued_on: dt.date, draft: bool, language: str | None = None
) -> dict[str, Any]:
    """Every figure and label of ``year``'s report, as JSON types (the issued snapshot), in
    ``language`` (default: the organisation's report language)."""
    code = languages.known(language) or get_organisation().report_language
    with force_locale(code), pdf.report_locale(code):
        data = _report_data(year, report_id=report_id, issued_on=issued_on, draft=draft)
    data["language"] = code
    return data


def _report_data(year: int, *, report_id: str, issued_on: dt.date, draft: bool) -> dict[str, Any]:
    organisation = get_organisation()
    groups = inventory.year_groups(year)
    both = inventory.inventories(year)
    gtb, full = both[inventory.Boundary.gtb], both[inventory.Boundary.full]
    # the years up to the report's: a later year (a bill running into it) is not in its trend
    every_year = inventory.totals_by_year(inventory.Boundary.gtb)
    gtb_by_year = {y: grams for y, grams in every_year.items() if y <= year}
    status = years.year_statuses([year])[year]
    data_to = years.reach(year).data_to
    spec = targets.main_target()  # the Greening-the-Blue boundary, every source
    path = targets.trajectory(spec, gtb_by_year)
    on_line = next((y for y in path.years if y.year == year), None) if path else None
    labels = {source.value: str(label) for source, label in inventory.SOURCE_LABELS.items()}
    change = [
        {
            "source": c.source.value,
            "before_g": c.before_g,
            "after_g": c.after_g,
            "activity_g": c.activity_g,
            "factor_g": c.factor_g,
            "mix_g": c.mix_g,
        }
        for c in inventory.change_explained(year)
    ]
    previous = gtb_by_year.get(year - 1)
    baseline_g = path.baseline.value_g if path else None
    summary: dict[str, Any] = {
        "year": year,
        "total_g": gtb.total_g,
        "full_total_g": full.total_g,
        "previous_g": previous,
        "change_pct": _pct(gtb.total_g, previous),
        "baseline_year": spec.baseline_year,
        "baseline_g": baseline_g,
        "baseline_origin": path.baseline.origin if path else None,
        "change_from_baseline_pct": _pct(gtb.total_g, baseline_g),
        "target_year": spec.target_year,
        "reduction_pct": spec.reduction_pct,
        "target_g": path.target_g if path else None,
        "trajectory_g": on_line.trajectory_g if on_line else None,
        # an open year is never judged (see ems.inventory.years)
        "on_track": on_line.on_track if on_line else None,
        "year_state": status.state.value,
        "data_to": data_to.isoformat() if data_to else None,
        "required_pct_per_year": round(path.required_reduction_pct_per_year, 2)
        if path and path.required_reduction_pct_per_year is not None
        else None,
        "required_g_per_year": path.required_reduction_g_per_year if path else None,
        "headcount": gtb.headcount,
        "per_capita_g": gtb.per_capita_g,
    }
    summary["sentences"] = _sentences(summary, change, labels)
    editions = gwp_editions.editions()
    if editions.mixed:  # the years compared are not all on the organisation's GWP edition
        summary["sentences"].append(editions.message())
    data = {
        "format": SNAPSHOT_FORMAT,
        "organisation": organisation.name,
        "year": year,
        "identifier": report_id,
        "issued_on": issued_on.isoformat(),
        "draft": draft,
        "source_labels": labels,
        # the labels of every code the PDF prints, in the issuer's language (ems.labels)
        "labels": code_labels.snapshot_labels(),
        "summary": summary,
        "trend": _trend(path, gtb_by_year),
        "inventory": {"gtb": _inventory(gtb), "full": _inventory(full)},
        "change": change,
        "flights": travel.flight_analysis(year).as_json(),
        "icao": _icao(year),
        "buildings": _buildings(year, groups),
        "procurement": _procurement(year),
        "actions": _actions(year, path),
        "quality": _quality(year),
        "methodology": {
            "factor_sets": _factor_sets(year),
            "haul_method": organisation.flight_haul_method,
            "gwp_report": organisation.gwp_report.upper(),
            "gwp_editions": editions.as_json(),
            "restatement_threshold_pct": organisation.restatement_threshold_pct,
            "restatements": _restatements(),
            "rail_replaceable_max_km": travel.RAIL_REPLACEABLE_MAX_KM,
        },
    }
    if not draft:  # the tables of the files issued with the report (see `issue_report`)
        data["exports"] = {
            **exports.issued_tables(year, groups, report_id=report_id, issued_on=issued_on),
            "gtb_pack_sheets": gtb_pack.gtb_pack_sheets(
                year, generated_on=issued_on, issued_as=report_id
            ),
        }
    # through JSON and back: the snapshot renders exactly as it will after being stored
    return dict(json.loads(json.dumps(data)))


# --- drafts and issues ------------------------------------------------------------------------


def _logo() -> bytes | None:
    return logo_png()


def draft_pdf(year: int, language: str | None = None) -> bytes:
    """A draft of ``year``'s report in ``language`` (default: the organisation's report
    language), marked DRAFT on every page; nothing is stored."""
    data = annual_report_data(
        year,
        report_id=identifier(year, None),
        issued_on=utcnow().date(),
        draft=True,
        language=language,
    )
    return pdf.render_annual_report(data, logo_png=_logo())


def _require_issuer(actor: User | None) -> None:
    if actor is not None and not actor.has_any_role(Role.management):
        raise PermissionDenied(_("Only management can issue the annual report."))


#: the steps of an issue, for its progress: figures, PDF, files, stored
ISSUE_STEPS = 4


def check_issue(
    *, actor: User | None, year: int | None, note: str | None, language: str | None = None
) -> tuple[int, str, str]:
    """The year, note and language of an issue ``actor`` may make, checked (the web checks
    them before queuing the issue, the issue again when it runs); ValidationFailed naming the
    field if not. No language: the organisation's report language."""
    _require_issuer(actor)
    errors: dict[str, str] = {}
    code = get_organisation().report_language if language is None else languages.known(language)
    if code is None:
        errors["language"] = _("Choose one of the languages offered.")
    year = check_year(errors, "year", year)
    text = check_text(errors, "note", note, IssuedReport.NOTE_MAX_LEN, required=False)
    if year and not inventory.inventories(year)[inventory.Boundary.full].lines:
        errors["year"] = _(
            "Nothing is recorded for %(year)d: there is nothing to report.", year=year
        )
    if errors:
        raise ValidationFailed(errors)
    assert year is not None  # noqa: S101 (checked above)
    assert code is not None  # noqa: S101
    return year, text, code


def issue_report(
    *,
    actor: User | None,
    year: int | None,
    note: str | None = "",
    language: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IssuedReport:
    """Issue ``year``'s report in ``language`` (default: the organisation's report language):
    render it, store the PDF with its snapshot and SHA-256 as the year's next version, and
    record the year's totals as reported (if not reported yet). ``progress`` is told of each of
    the ISSUE_STEPS as it is done."""
    year, text, code = check_issue(actor=actor, year=year, note=note, language=language)

    def step(done: int) -> None:
        if progress is not None:
            progress(done, ISSUE_STEPS)

    version = (
        db.session.scalar(
            sa.select(sa.func.max(IssuedReport.version)).where(IssuedReport.year == year)
        )
        or 0
    ) + 1
    issued_at = utcnow()
    report_id = identifier(year, version)
    data = annual_report_data(
        year, report_id=report_id, issued_on=issued_at.date(), draft=False, language=code
    )
    step(1)
    content = pdf.render_annual_report(data, logo_png=_logo())
    step(2)
    report = IssuedReport(
        year=year,
        version=version,
        identifier=report_id,
        issued_at=issued_at,
        issued_by_id=actor.id if actor else None,
        issued_by_label=actor.email if actor else audit.CLI_ACTOR,
        note=text,
        snapshot=data,
        pdf=content,
        pdf_sha256=hashlib.sha256(content).hexdigest(),
        pdf_size_bytes=len(content),
        language=code,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError as error:  # another issue of the same year took this version
        raise Conflict(
            _("Another issue of %(year)d was made at the same moment; try again.", year=year)
        ) from error
    files = [
        IssuedReportFile(
            issued_report_id=report.id,
            name=name,
            media_type=media_type,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
        )
        for name, media_type, content in exports.issued_files(data["exports"], issued_at=issued_at)
    ]
    step(3)
    db.session.add_all(files)
    db.session.flush()
    targets.record_reported(
        actor=actor,
        year=year,
        note=f"report {report_id}",
        issued_totals_g={  # as printed: the same figures, whatever was committed meanwhile
            inventory.Boundary.gtb.value: data["summary"]["total_g"],
            inventory.Boundary.full.value: data["summary"]["full_total_g"],
        },
    )
    audit.record(
        actor=actor,
        action="reporting.report.issued",
        obj=report,
        summary=f"Report {report_id} issued ({data['summary']['total_g'] / 1_000_000:,.3f} t)",
        changes=audit.diff(
            {},
            {
                "identifier": report_id,
                "language": code,
                "pdf_sha256": report.pdf_sha256,
                "note": text,
                "files": {file.name: file.sha256 for file in files},
            },
        ),
    )
    step(ISSUE_STEPS)
    return report


def issued_reports(year: int | None = None) -> list[IssuedReport]:
    """Issued versions, newest year and version first (of ``year`` only, if given)."""
    stmt = sa.select(IssuedReport).order_by(IssuedReport.year.desc(), IssuedReport.version.desc())
    if year is not None:
        stmt = stmt.where(IssuedReport.year == year)
    return list(db.session.scalars(stmt))


def files_by_report(reports: list[IssuedReport]) -> dict[int, list[IssuedReportFile]]:
    """The files issued with each of ``reports`` (their contents left unread), by report id; a
    version issued before files were kept with reports has none."""
    found: dict[int, list[IssuedReportFile]] = {report.id: [] for report in reports}
    if found:
        for file in db.session.scalars(
            sa.select(IssuedReportFile)
            .where(IssuedReportFile.issued_report_id.in_(found))
            .order_by(IssuedReportFile.issued_report_id, IssuedReportFile.id)
        ):
            found[file.issued_report_id].append(file)
    return found


def get_issued_file(report: IssuedReport, name: str) -> IssuedReportFile:
    """The file ``name`` issued with ``report``; NotFound if it has none of that name."""
    found = db.session.scalar(
        sa.select(IssuedReportFile).where(
            IssuedReportFile.issued_report_id == report.id, IssuedReportFile.name == name
        )
    )
    if found is None:
        raise NotFound(_("No such file was issued with this report."))
    return found


def get_issued(report_id: int) -> IssuedReport:
    """An issued report by id."""
    report = db.session.get(IssuedReport, report_id)
    if report is None:
        raise NotFound(_("No such report."))
    return report


def reportable_years() -> list[int]:
    """Years with recorded emissions, newest first."""
    return sorted(set(inventory.totals_by_year(inventory.Boundary.full)), reverse=True)


def default_report_year(candidates: list[int]) -> int | None:
    """The year a report is drafted for unless someone chooses: the latest closed year (or,
    where none is closed, the latest complete one), else the newest of ``candidates``."""
    return years.latest_judged_year(candidates) or max(candidates, default=None)


def group_by_year(reports: list[IssuedReport]) -> dict[int, list[IssuedReport]]:
    """Issued versions grouped by year."""
    grouped: dict[int, list[IssuedReport]] = defaultdict(list)
    for report in reports:
        grouped[report.year].append(report)
    return dict(grouped)
