"""Reported and restated years: a year's totals as reported, as later restated (GHG Protocol
base-year and reporting recalculation policy), and as they stand now."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ems import labels
from ems.audit import services as audit
from ems.auth.models import User
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.inventory.services import Boundary, totals_by_year
from ems.org.services import get_organisation
from ems.targets.models import ReportedTotal
from ems.targets.services.declared import require_editor
from ems.targets.services.progress import OrganisationTotals
from ems.validation import check_text, check_year


@dataclass(frozen=True)
class ReportedSeries:
    """A year's total in one boundary: as first reported, as last restated, and now."""

    year: int
    boundary: Boundary
    reported: ReportedTotal | None
    restated: ReportedTotal | None
    current_g: int

    @property
    def standing_g(self) -> int | None:
        """The figure that stands: the latest restatement, else the reported one."""
        row = self.restated or self.reported
        return row.co2e_g if row else None

    @property
    def change_pct(self) -> float | None:
        """How far the current figure has moved from the one that stands, in percent."""
        standing = self.standing_g
        if standing is None:
            return None
        if standing == 0:
            return 0.0 if self.current_g == 0 else 100.0
        return (self.current_g - standing) * 100 / standing


def reported_series(totals: OrganisationTotals | None = None) -> list[ReportedSeries]:
    """Every reported year (the baseline year too, once reported) in both boundaries
    (``totals``: the organisation's, when the caller has them already)."""
    rows = list(
        db.session.scalars(
            sa.select(ReportedTotal).order_by(ReportedTotal.year, ReportedTotal.recorded_at)
        )
    )
    if not rows:
        return []  # nothing reported: no need to sum the ledger
    first: dict[tuple[int, str], ReportedTotal] = {}
    last: dict[tuple[int, str], ReportedTotal] = {}
    for row in rows:
        if row.kind == "reported":
            first.setdefault((row.year, row.boundary), row)
        else:
            last[(row.year, row.boundary)] = row
    current = {b: totals.by_year(b) if totals else totals_by_year(b) for b in Boundary}
    return [
        ReportedSeries(
            year=year,
            boundary=Boundary(boundary),
            reported=first.get((year, boundary)),
            restated=last.get((year, boundary)),
            current_g=current[Boundary(boundary)].get(year, 0),
        )
        for year, boundary in sorted(set(first) | set(last))
    ]


def restatements_needed(totals: OrganisationTotals | None = None) -> list[ReportedSeries]:
    """Reported years whose current total moved from the standing figure by more than the
    organisation's significance threshold (``totals``: as for `reported_series`)."""
    threshold = get_organisation().restatement_threshold_pct
    return [
        series
        for series in reported_series(totals)
        if series.change_pct is not None and abs(series.change_pct) > threshold
    ]


def _record_totals(
    *,
    actor: User | None,
    year: int | None,
    kind: str,
    reason: str,
    approved_by: str,
    totals_g: dict[str, int] | None = None,
) -> list[ReportedTotal]:
    rows = []
    for boundary in Boundary:
        row = ReportedTotal(
            year=year,
            boundary=boundary.value,
            kind=kind,
            co2e_g=totals_g[boundary.value]
            if totals_g is not None
            else totals_by_year(boundary).get(year or 0, 0),
            reason=reason,
            approved_by=approved_by,
            recorded_by_id=actor.id if actor else None,
            recorded_by_label=actor.email if actor else audit.CLI_ACTOR,
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def record_reported(
    *,
    actor: User | None,
    year: int | None,
    approved_by: str | None = "",
    note: str | None = "",
    issued_totals_g: dict[str, int] | None = None,
) -> list[ReportedTotal]:
    """Record a year's totals (both boundaries) as reported.

    ``issued_totals_g``: the totals by boundary of the year's report being issued, whose
    service checks who may issue; they are recorded as printed, and a year reported already is
    left as it stands (returns no rows)."""
    by_issue = issued_totals_g is not None
    if not by_issue:
        require_editor(actor)
    errors: dict[str, str] = {}
    year = check_year(errors, "year", year)
    approver = check_text(
        errors, "approved_by", approved_by, ReportedTotal.APPROVER_MAX_LEN, required=False
    )
    reason = check_text(errors, "note", note, ReportedTotal.REASON_MAX_LEN, required=False)
    if year and db.session.scalar(
        sa.select(ReportedTotal.id)
        .where(ReportedTotal.year == year, ReportedTotal.kind == "reported")
        .limit(1)
    ):
        if by_issue:
            return []
        errors["year"] = _("%(year)d was reported already; restate it instead.", year=year)
    if errors:
        raise ValidationFailed(errors)
    rows = _record_totals(
        actor=actor,
        year=year,
        kind="reported",
        reason=reason,
        approved_by=approver,
        totals_g=issued_totals_g,
    )
    audit.record(
        actor=actor,
        action="inventory.year.reported",
        object_type=ReportedTotal.__tablename__,
        object_id=year,
        summary=f"{year} reported: "
        + ", ".join(
            f"{labels.label('boundary_short', row.boundary)} {row.co2e_g / 1_000_000:,.3f} t"
            for row in rows
        ),
        changes=audit.diff({}, {row.boundary: row.co2e_g for row in rows}),
    )
    return rows


def restate(
    *, actor: User | None, year: int | None, reason: str | None, approved_by: str | None
) -> list[ReportedTotal]:
    """Restate a reported year with its current totals, saying why and who approved it; the
    figures first reported stay beside the restated ones."""
    require_editor(actor)
    errors: dict[str, str] = {}
    year = check_year(errors, "year", year)
    reason = check_text(errors, "reason", reason, ReportedTotal.REASON_MAX_LEN, multiline=True)
    approver = check_text(errors, "approved_by", approved_by, ReportedTotal.APPROVER_MAX_LEN)
    if year and not db.session.scalar(
        sa.select(ReportedTotal.id).where(ReportedTotal.year == year).limit(1)
    ):
        errors["year"] = _("%(year)d was never reported: there is nothing to restate.", year=year)
    if errors:
        raise ValidationFailed(errors)
    before = {s.boundary.value: s.standing_g for s in reported_series() if s.year == year}
    rows = _record_totals(
        actor=actor, year=year, kind="restated", reason=reason, approved_by=approver
    )
    audit.record(
        actor=actor,
        action="inventory.year.restated",
        object_type=ReportedTotal.__tablename__,
        object_id=year,
        summary=f"{year} restated ({reason[:200]}), approved by {approver}",
        changes=audit.diff(before, {row.boundary: row.co2e_g for row in rows}),
    )
    return rows
