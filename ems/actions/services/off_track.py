"""Proposals: years above a target's trajectory or a source's ceiling that the figures
suggest as nonconformities, accepted or dismissed; the sources' ceilings. Services flush;
callers commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems import labels, numbers
from ems.actions.models import (
    Nonconformity,
    Origin,
    ProposalDismissal,
    Severity,
    SourceThreshold,
)
from ems.actions.services._shared import require_editor
from ems.actions.services.nonconformities import create_nonconformity
from ems.audit import services as audit
from ems.auth.models import User
from ems.errors import ValidationFailed
from ems.extensions import db, utcnow
from ems.inventory import services as inventory
from ems.ledger.models import SourceCategory
from ems.targets import services as targets
from ems.units import GRAMS_PER_TONNE
from ems.validation import check_decimal, check_text


@dataclass(frozen=True)
class Proposal:
    """A nonconformity the figures suggest: a year above a target's line or a source's ceiling."""

    key: str
    origin: Origin
    year: int
    title: str
    source: SourceCategory | None
    actual_g: int
    limit_g: int

    @property
    def excess_g(self) -> int:
        """How far the year is above the line or ceiling."""
        return self.actual_g - self.limit_g

    def figures(self) -> dict[str, Any]:
        """The figures the nonconformity is pre-filled with."""
        return {
            "year": self.year,
            "source": self.source.value if self.source else None,
            "actual_g": self.actual_g,
            "limit_g": self.limit_g,
            "excess_g": self.excess_g,
            "excess_pct": round(self.excess_g * 100 / self.limit_g, 1) if self.limit_g else None,
        }


def _decided_keys() -> set[str]:
    taken = {
        key for key in db.session.scalars(sa.select(Nonconformity.proposal_key)) if key is not None
    }
    return taken | set(db.session.scalars(sa.select(ProposalDismissal.proposal_key)))


def _off_track_years(totals: targets.OrganisationTotals) -> list[Proposal]:
    """Years after the baseline above an absolute target's trajectory."""
    found: list[Proposal] = []
    for spec, path in targets.trajectories(totals):
        if path is None or spec.per_capita:
            continue  # per-capita targets show on the targets page; proposals are absolute
        for year in path.years:
            if (
                year.on_track is False
                and year.actual_g is not None
                and year.year > spec.baseline_year
            ):
                what = _("the target") if spec.name == "main" else spec.name
                found.append(
                    Proposal(
                        key=f"target:{spec.name}:{year.year}"[:80],
                        origin=Origin.off_track_year,
                        year=year.year,
                        title=_(
                            "%(year)d above the trajectory of %(what)s", year=year.year, what=what
                        ),
                        source=spec.source,
                        actual_g=year.actual_g,
                        limit_g=year.trajectory_g,
                    )
                )
    return found


def _years_over_ceilings(totals: targets.OrganisationTotals) -> list[Proposal]:
    """Judged years in which a source went above its ceiling."""
    found: list[Proposal] = []
    judged = totals.judged  # an open year is never proposed: its figures may grow
    for threshold in db.session.scalars(sa.select(SourceThreshold)):
        source = SourceCategory(threshold.source_category)
        limit = int(threshold.max_t_per_year * GRAMS_PER_TONNE)
        for measured, grams in totals.by_year(inventory.Boundary.full, source).items():
            if grams > limit and measured in judged:
                found.append(
                    Proposal(
                        key=f"threshold:{source.value}:{measured}",
                        origin=Origin.threshold_breach,
                        year=measured,
                        title=_(
                            "%(source)s above its ceiling in %(year)d",
                            source=labels.label("source", source),
                            year=measured,
                        ),
                        source=source,
                        actual_g=grams,
                        limit_g=limit,
                    )
                )
    return found


def proposals(totals: targets.OrganisationTotals | None = None) -> list[Proposal]:
    """Every year above a target's trajectory or a source's ceiling that has neither become a
    nonconformity nor been dismissed, newest first. Every target and ceiling is judged from
    the organisation's totals read once (``totals``, when the caller has them already)."""
    totals = totals if totals is not None else targets.OrganisationTotals()
    found = [*_off_track_years(totals), *_years_over_ceilings(totals)]
    decided = _decided_keys()
    return sorted((p for p in found if p.key not in decided), key=lambda p: (-p.year, p.key))


def _proposal(key: str) -> Proposal:
    for proposal in proposals():
        if proposal.key == key:
            return proposal
    raise ValidationFailed({"": _("This proposal was decided already, or the figures changed.")})


def accept_proposal(
    *, actor: User | None, key: str, detected_on: dt.date | None = None
) -> Nonconformity:
    """Open the proposed nonconformity, pre-filled with its figures."""
    proposal = _proposal(key)
    return create_nonconformity(
        actor=actor,
        title=proposal.title,
        origin=proposal.origin.value,
        detected_on=detected_on or utcnow().date(),
        severity=Severity.major.value,
        description=_(
            "%(year)d: %(actual)s t CO2e against %(limit)s t, %(excess)s t above.",
            year=proposal.year,
            actual=f"{proposal.actual_g / GRAMS_PER_TONNE:,.1f}",
            limit=f"{proposal.limit_g / GRAMS_PER_TONNE:,.1f}",
            excess=f"{proposal.excess_g / GRAMS_PER_TONNE:,.1f}",
        ),
        years=[proposal.year],
        source_categories=[proposal.source.value] if proposal.source else [],
        figures=proposal.figures(),
        proposal_key=proposal.key,
    )


def dismiss_proposal(*, actor: User | None, key: str, reason: str | None) -> ProposalDismissal:
    """Decide not to open the proposed nonconformity, saying why."""
    require_editor(actor)
    errors: dict[str, str] = {}
    text = check_text(errors, "reason", reason, ProposalDismissal.REASON_MAX_LEN, multiline=True)
    if errors:
        raise ValidationFailed(errors)
    proposal = _proposal(key)
    dismissal = ProposalDismissal(
        proposal_key=proposal.key,
        reason=text,
        dismissed_by_label=actor.email if actor else audit.CLI_ACTOR,
    )
    db.session.add(dismissal)
    db.session.flush()
    audit.record(
        actor=actor,
        action="actions.proposal.dismissed",
        obj=dismissal,
        summary=f"Proposal {proposal.key} dismissed: {text[:200]}",
        changes=audit.diff({}, {"proposal": proposal.key, "reason": text, **proposal.figures()}),
    )
    return dismissal


def set_source_threshold(
    *, actor: User | None, source_category: str | None, max_t_per_year: Decimal | str | None
) -> SourceThreshold:
    """Set (or change) the yearly ceiling of one source."""
    require_editor(actor)
    errors: dict[str, str] = {}
    if source_category not in {s.value for s in SourceCategory}:
        errors["source_category"] = _("Choose a source from the list.")
    ceiling = check_decimal(
        errors, "max_t_per_year", max_t_per_year, kind=numbers.TONNES, above_zero=True
    )
    if errors:
        raise ValidationFailed(errors)
    row = db.session.scalar(
        sa.select(SourceThreshold).where(SourceThreshold.source_category == source_category)
    )
    before = {"max_t_per_year": str(row.max_t_per_year)} if row else {}
    if row is None:
        row = SourceThreshold(source_category=source_category, max_t_per_year=ceiling)
        db.session.add(row)
    else:
        row.max_t_per_year = ceiling  # type: ignore[assignment]
    db.session.flush()
    audit.record(
        actor=actor,
        action="actions.threshold.saved",
        obj=row,
        summary=f"Ceiling of {source_category}: {ceiling} t a year",
        changes=audit.diff(before, {"max_t_per_year": str(ceiling)}),
    )
    return row
