"""Nonconformities and corrective actions: their life, the effectiveness of what was done, and
the projection of planned actions to the target year. Services flush; callers commit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ems import labels, numbers
from ems.actions.models import (
    ActionStatus,
    CorrectiveAction,
    EffectivenessVerdict,
    Nonconformity,
    NonconformityStatus,
    Origin,
    ProposalDismissal,
    ReviewMeeting,
    Severity,
    SourceThreshold,
)
from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed, check_version
from ems.extensions import db, utcnow
from ems.inventory import services as inventory
from ems.ledger.models import SourceCategory
from ems.org.models import FIRST_YEAR, Department, Site
from ems.targets import services as targets
from ems.units import GRAMS_PER_TONNE
from ems.validation import check_decimal, check_text, check_whole

#: the most corrective actions one nonconformity plans (its page shows them all, each with
#: its effectiveness); a cause that needs more is several nonconformities
MAX_ACTIONS_PER_NONCONFORMITY = 100
#: how many years before and after an action its effectiveness compares
YEARS_COMPARED = 3
#: a root cause that only blames a person is not a cause yet: ask why again
_HUMAN_ERROR = re.compile(r"^\W*(a\s+)?(human|user|operator|staff)\s+(error|mistake)\W*$", re.I)
#: a record a nonconformity concerns: its activity type (as the ledger names it) and id
_RECORD_LINK = re.compile(r"[a-z_]{1,40}:[1-9][0-9]{0,9}")
#: the statuses a nonconformity may move to from each one (closing has its own service)
NEXT_STATUSES = {
    NonconformityStatus.open: {NonconformityStatus.analysed},
    NonconformityStatus.analysed: {NonconformityStatus.actions_planned},
    NonconformityStatus.actions_planned: {NonconformityStatus.verifying},
    NonconformityStatus.verifying: {NonconformityStatus.actions_planned},
}
NC_FIELDS = [
    "title",
    "description",
    "origin",
    "detected_on",
    "severity",
    "years",
    "source_categories",
    "immediate_correction",
    "root_cause",
    "similar_elsewhere",
    "status",
]
ACTION_FIELDS = [
    "description",
    "owner_id",
    "due_on",
    "status",
    "source_category",
    "scope",
    "expected_reduction_t",
    "expected_from_year",
    "cost_estimate",
    "evidence",
    "done_on",
]


def require_editor(actor: User | None) -> None:
    """Refuse anyone but the EMS working group (administrators included) and the command line."""
    if actor is not None and not actor.has_any_role(Role.ems):
        raise PermissionDenied(_("Only the EMS working group manages nonconformities."))


# --- nonconformities --------------------------------------------------------------------------


def _nc_texts(
    errors: dict[str, str],
    title: str | None,
    description: str | None,
    immediate_correction: str | None,
) -> dict[str, Any]:
    """The title (required) and the description and immediate correction (optional)."""
    return {
        "title": check_text(errors, "title", title, Nonconformity.TITLE_MAX_LEN),
        "description": check_text(
            errors,
            "description",
            description,
            Nonconformity.TEXT_MAX_LEN,
            required=False,
            multiline=True,
        ),
        "immediate_correction": check_text(
            errors,
            "immediate_correction",
            immediate_correction,
            Nonconformity.TEXT_MAX_LEN,
            required=False,
            multiline=True,
        ),
    }


def _check_origin_and_severity(
    errors: dict[str, str], values: dict[str, Any], origin: str | None, severity: str | None
) -> None:
    """An origin and a severity from their lists (into ``values``)."""
    try:
        values["origin"] = Origin(origin or "")
    except ValueError:
        errors["origin"] = _("Choose an origin from the list.")
    try:
        values["severity"] = Severity(severity or "")
    except ValueError:
        errors["severity"] = _("Choose a severity from the list.")


def _check_detected_on(errors: dict[str, str], detected_on: dt.date | None) -> dt.date | None:
    """The day it was found, up to today."""
    if detected_on is None or detected_on > utcnow().date():
        errors["detected_on"] = _("Enter the date it was found, up to today.")
    return detected_on


def _check_nc_years(errors: dict[str, str], years: list[int] | None) -> list[int]:
    """The years it concerns, each from FIRST_YEAR up to this year (sorted, each once)."""
    checked = sorted(set(years or []))
    if any(not FIRST_YEAR <= year <= utcnow().year for year in checked):
        errors["years"] = _("Enter years from %(year)d up to this year.", year=FIRST_YEAR)
    return checked


def _check_nc_sources(errors: dict[str, str], source_categories: list[str] | None) -> list[str]:
    """The sources it concerns, each a source category (sorted, each once)."""
    sources = sorted(set(source_categories or []))
    if any(source not in {s.value for s in SourceCategory} for source in sources):
        errors["source_categories"] = _("Choose sources from the list.")
    return sources


def _check_known_ids(
    errors: dict[str, str],
    field: str,
    model: type[Site] | type[Department],
    ids: list[int] | None,
    message: str,
) -> list[int]:
    """Ids of ``model`` rows that all exist (sorted, each once); ``message`` on ``field`` if not."""
    checked = sorted(set(ids or []))
    if checked and len(checked) != db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(model.id.in_(checked))
    ):
        errors[field] = message
    return checked


def _check_record_links(errors: dict[str, str], record_links: str | list[str] | None) -> list[str]:
    """At most 50 records as kind:number, from a list or a comma-separated text."""
    links = (
        [part.strip() for part in record_links.split(",") if part.strip()]
        if isinstance(record_links, str)
        else list(record_links or [])
    )
    if any(not _RECORD_LINK.fullmatch(link) for link in links) or len(links) > 50:
        errors["record_links"] = _(
            "Write records as kind:number separated by commas, e.g. trip:12, energy_record:4."
        )
    return links


def create_nonconformity(
    *,
    actor: User | None,
    title: str | None,
    origin: str | None,
    detected_on: dt.date | None,
    severity: str | None = Severity.minor.value,
    description: str | None = "",
    years: list[int] | None = None,
    source_categories: list[str] | None = None,
    immediate_correction: str | None = "",
    site_ids: list[int] | None = None,
    department_ids: list[int] | None = None,
    record_links: str | list[str] | None = None,
    figures: dict[str, Any] | None = None,
    proposal_key: str | None = None,
) -> Nonconformity:
    """Record a nonconformity (status open), with what it concerns: years, sources, sites,
    departments and records ("trip:12, energy_record:4")."""
    require_editor(actor)
    errors: dict[str, str] = {}
    values = _nc_texts(errors, title, description, immediate_correction)
    _check_origin_and_severity(errors, values, origin, severity)
    values["detected_on"] = _check_detected_on(errors, detected_on)
    values["years"] = _check_nc_years(errors, years)
    values["source_categories"] = _check_nc_sources(errors, source_categories)
    values["site_ids"] = _check_known_ids(
        errors, "site_ids", Site, site_ids, _("Choose sites from the list.")
    )
    values["department_ids"] = _check_known_ids(
        errors,
        "department_ids",
        Department,
        department_ids,
        _("Choose departments from the list."),
    )
    values["record_links"] = _check_record_links(errors, record_links)
    if errors:
        raise ValidationFailed(errors)
    nonconformity = Nonconformity(**values, figures=figures or {}, proposal_key=proposal_key)
    db.session.add(nonconformity)
    db.session.flush()
    audit.record(
        actor=actor,
        action="actions.nonconformity.created",
        obj=nonconformity,
        summary=f"Nonconformity {nonconformity.id}: {nonconformity.title}",
        changes=audit.diff({}, audit.snapshot(nonconformity, NC_FIELDS)),
    )
    return nonconformity


def record_analysis(
    *,
    actor: User | None,
    nonconformity: Nonconformity,
    root_cause: str | None,
    similar_elsewhere: str | None = "",
    expected_version: int | None = None,
) -> Nonconformity:
    """Record the root cause (and whether it could happen elsewhere); an open nonconformity
    becomes analysed. "Human error" alone is not a root cause: ask why again."""
    require_editor(actor)
    check_version(nonconformity.version_id, expected_version)
    errors: dict[str, str] = {}
    cause = check_text(errors, "root_cause", root_cause, Nonconformity.TEXT_MAX_LEN, multiline=True)
    if cause and _HUMAN_ERROR.match(cause):
        errors["root_cause"] = _(
            "“Human error” is not a root cause: ask why the error was possible, and why again."
        )
    similar = check_text(
        errors,
        "similar_elsewhere",
        similar_elsewhere,
        Nonconformity.TEXT_MAX_LEN,
        required=False,
        multiline=True,
    )
    if nonconformity.status not in (NonconformityStatus.open, NonconformityStatus.analysed):
        errors[""] = _("Its actions are planned already; the analysis can no longer change.")
    if errors:
        raise ValidationFailed(errors)
    changes = audit.apply_changes(
        nonconformity,
        {"root_cause": cause, "similar_elsewhere": similar, "status": NonconformityStatus.analysed},
    )
    db.session.flush()
    audit.record(
        actor=actor,
        action="actions.nonconformity.analysed",
        obj=nonconformity,
        summary=f"Nonconformity {nonconformity.id} analysed",
        changes=changes,
    )
    return nonconformity


def move_nonconformity(
    *,
    actor: User | None,
    nonconformity: Nonconformity,
    status: str,
    expected_version: int | None = None,
) -> Nonconformity:
    """Move a nonconformity to its next status: analysed → actions planned (it has actions) →
    verifying effectiveness (its actions are done or cancelled), or back to planning."""
    require_editor(actor)
    check_version(nonconformity.version_id, expected_version)
    try:
        target = NonconformityStatus(status)
    except ValueError:
        raise ValidationFailed({"status": _("Choose a status from the list.")}) from None
    if target not in NEXT_STATUSES.get(nonconformity.status, set()):
        raise ValidationFailed(
            {
                "status": _(
                    "A nonconformity cannot go from %(a)s to %(b)s.",
                    a=labels.label("nonconformity_status", nonconformity.status),
                    b=labels.label("nonconformity_status", target),
                )
            }
        )
    live = [a for a in nonconformity.actions if a.status is not ActionStatus.cancelled]
    if target is NonconformityStatus.actions_planned and not live:
        raise ValidationFailed({"status": _("Plan at least one corrective action first.")})
    if target is NonconformityStatus.verifying and any(
        a.status is not ActionStatus.done for a in live
    ):
        raise ValidationFailed({"status": _("Its actions are not all done yet.")})
    changes = audit.apply_changes(nonconformity, {"status": target})
    db.session.flush()
    audit.record(
        actor=actor,
        action="actions.nonconformity.moved",
        obj=nonconformity,
        summary=f"Nonconformity {nonconformity.id} now "
        f"{labels.label('nonconformity_status', target).lower()}",
        changes=changes,
    )
    return nonconformity


def close_nonconformity(
    *, actor: User | None, nonconformity: Nonconformity, expected_version: int | None = None
) -> Nonconformity:
    """Close a nonconformity whose done actions all have an effectiveness verdict: closed
    effective if every latest verdict is effective, else closed not effective."""
    require_editor(actor)
    check_version(nonconformity.version_id, expected_version)
    done = [a for a in nonconformity.actions if a.status is ActionStatus.done]
    if nonconformity.status is not NonconformityStatus.verifying or not done:
        raise ValidationFailed(
            {"": _("Only a nonconformity whose actions are done and being verified can close.")}
        )
    if any(not action.verdicts for action in done):
        raise ValidationFailed(
            {"": _("Record the effectiveness verdict of every done action before closing.")}
        )
    effective = all(action.verdicts[-1].is_effective for action in done)
    target = (
        NonconformityStatus.closed_effective
        if effective
        else NonconformityStatus.closed_not_effective
    )
    changes = audit.apply_changes(nonconformity, {"status": target})
    db.session.flush()
    audit.record(
        actor=actor,
        action="actions.nonconformity.closed",
        obj=nonconformity,
        summary=f"Nonconformity {nonconformity.id} closed: "
        f"{labels.label('nonconformity_status', target).lower()}",
        changes=changes,
    )
    return nonconformity


def get_nonconformity(nonconformity_id: int, *, with_actions: bool = False) -> Nonconformity:
    """The nonconformity with ``nonconformity_id``; NotFound if none. ``with_actions``: its
    actions, their owners and verdicts read with it (three queries, however many actions)."""
    found = db.session.get(
        Nonconformity,
        nonconformity_id,
        options=[
            selectinload(Nonconformity.actions).joinedload(CorrectiveAction.owner),
            selectinload(Nonconformity.actions).selectinload(CorrectiveAction.verdicts),
        ]
        if with_actions
        else [],
    )
    if found is None:
        raise NotFound(f"nonconformity {nonconformity_id}")
    return found


# --- corrective actions -----------------------------------------------------------------------


def _action_values(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "description": check_text(
            errors,
            "description",
            data.get("description"),
            CorrectiveAction.TEXT_MAX_LEN,
            multiline=True,
        ),
        "evidence": check_text(
            errors,
            "evidence",
            data.get("evidence"),
            CorrectiveAction.TEXT_MAX_LEN,
            required=False,
            multiline=True,
        ),
        "expected_reduction_t": check_decimal(
            errors,
            "expected_reduction_t",
            data.get("expected_reduction_t"),
            kind=numbers.TONNES,
            required=False,
        ),
        "cost_estimate": check_decimal(
            errors, "cost_estimate", data.get("cost_estimate"), kind=numbers.MONEY, required=False
        ),
    }
    owner = db.session.get(User, data.get("owner_id") or 0)
    if owner is None or not owner.is_active:
        errors["owner_id"] = _("Choose an active user as the owner.")
    values["owner_id"] = data.get("owner_id")
    if data.get("due_on") is None:
        errors["due_on"] = _("Enter the due date.")
    values["due_on"] = data.get("due_on")
    try:
        values["status"] = ActionStatus(data.get("status") or ActionStatus.planned.value)
    except ValueError:
        errors["status"] = _("Choose a status from the list.")
    source = data.get("source_category") or None
    if source is not None and source not in {s.value for s in SourceCategory}:
        errors["source_category"] = _("Choose a source from the list.")
    values["source_category"] = source
    scope = data.get("scope") or None
    if scope is not None and scope not in (1, 2, 3):
        errors["scope"] = _("Choose scope 1, 2 or 3.")
    values["scope"] = scope
    from_year = check_whole(
        errors, "expected_from_year", data.get("expected_from_year"), numbers.YEAR, required=False
    )
    if values["expected_reduction_t"] and from_year is None:
        errors["expected_from_year"] = _("Enter the year the reduction starts.")
    values["expected_from_year"] = from_year
    done_on = data.get("done_on")
    if values.get("status") is ActionStatus.done and done_on is None:
        errors["done_on"] = _("Enter the date it was done.")
    values["done_on"] = done_on if values.get("status") is ActionStatus.done else None
    if errors:
        raise ValidationFailed(errors)
    return values


def create_action(
    *, actor: User | None, nonconformity: Nonconformity, **data: Any
) -> CorrectiveAction:
    """Plan a corrective action of a nonconformity."""
    require_editor(actor)
    if nonconformity.status in (
        NonconformityStatus.closed_effective,
        NonconformityStatus.closed_not_effective,
    ):
        raise ValidationFailed({"": _("The nonconformity is closed.")})
    values = _action_values(data)
    if len(nonconformity.actions) >= MAX_ACTIONS_PER_NONCONFORMITY:
        raise ValidationFailed(
            {
                "": _(
                    "A nonconformity has at most %(n)d corrective actions; record another "
                    "nonconformity for the rest.",
                    n=MAX_ACTIONS_PER_NONCONFORMITY,
                )
            }
        )
    action = CorrectiveAction(nonconformity_id=nonconformity.id, **values)
    db.session.add(action)
    db.session.flush()
    db.session.refresh(nonconformity, ["actions"])
    audit.record(
        actor=actor,
        action="actions.action.created",
        obj=action,
        summary=f"Corrective action {action.id} of nonconformity {nonconformity.id}",
        changes=audit.diff({}, audit.snapshot(action, ACTION_FIELDS)),
    )
    return action


def update_action(
    *,
    actor: User | None,
    action: CorrectiveAction,
    expected_version: int | None = None,
    **data: Any,
) -> CorrectiveAction:
    """Change an action (its status, owner, dates, expected reduction…)."""
    require_editor(actor)
    check_version(action.version_id, expected_version)
    changes = audit.apply_changes(action, _action_values(data))
    db.session.flush()
    audit.record(
        actor=actor,
        action="actions.action.updated",
        obj=action,
        summary=f"Corrective action {action.id} changed",
        changes=changes,
    )
    return action


def get_action(action_id: int) -> CorrectiveAction:
    """The action with ``action_id``; NotFound if none."""
    found = db.session.get(CorrectiveAction, action_id)
    if found is None:
        raise NotFound(f"corrective action {action_id}")
    return found


def _listed(with_verdicts: bool) -> list[Any]:
    """What a list of actions reads with them: owners and nonconformities in the same query,
    and ``with_verdicts``, the verdicts in one more (never one query per action)."""
    loads: list[Any] = [
        joinedload(CorrectiveAction.owner),
        joinedload(CorrectiveAction.nonconformity),
    ]
    return [*loads, selectinload(CorrectiveAction.verdicts)] if with_verdicts else loads


def overdue_actions(today: dt.date, *, with_verdicts: bool = False) -> list[CorrectiveAction]:
    """Planned or running actions past their due date on ``today``, the most overdue first."""
    return list(
        db.session.scalars(
            sa.select(CorrectiveAction)
            .options(*_listed(with_verdicts))
            .where(
                CorrectiveAction.status.in_([ActionStatus.planned, ActionStatus.in_progress]),
                CorrectiveAction.due_on < today,
            )
            .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
        )
    )


#: the statuses of an action still to be done
OPEN_STATUSES = (ActionStatus.planned, ActionStatus.in_progress)
_OPEN = CorrectiveAction.status.in_(OPEN_STATUSES)


def open_actions(limit: int | None = None) -> list[CorrectiveAction]:
    """Planned and running actions, by due date (the first ``limit`` of them)."""
    return list(
        db.session.scalars(
            sa.select(CorrectiveAction)
            .options(*_listed(False))
            .where(_OPEN)
            .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class OpenActions:
    """The dashboard's panel: the first open actions, how many are open, and how many of
    them are overdue and owned by the person looking."""

    shown: list[CorrectiveAction]
    count: int
    overdue_ids: set[int]
    overdue_mine: int


def open_actions_panel(today: dt.date, owner_id: int | None, shown: int = 8) -> OpenActions:
    """The first ``shown`` open actions with the counts beside them (three queries, however
    many actions are open)."""
    first = open_actions(limit=shown)
    count, mine = db.session.execute(
        sa.select(
            sa.func.count(CorrectiveAction.id),
            sa.func.count(CorrectiveAction.id).filter(
                CorrectiveAction.owner_id == (owner_id or 0), CorrectiveAction.due_on < today
            ),
        ).where(_OPEN)
    ).one()
    return OpenActions(
        shown=first,
        count=int(count),
        overdue_ids={action.id for action in first if action.due_on < today},
        overdue_mine=int(mine),
    )


def list_actions(*, with_verdicts: bool = False) -> list[CorrectiveAction]:
    """Every action, by due date."""
    return list(
        db.session.scalars(
            sa.select(CorrectiveAction)
            .options(*_listed(with_verdicts))
            .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
        )
    )


def list_nonconformities() -> list[Nonconformity]:
    """Every nonconformity, the latest found first, with its actions (one more query)."""
    return list(
        db.session.scalars(
            sa.select(Nonconformity)
            .options(selectinload(Nonconformity.actions))
            .order_by(Nonconformity.detected_on.desc(), Nonconformity.id.desc())
        )
    )


# --- effectiveness ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Effectiveness:
    """A done action's source before and after it, absolute and per capita, against what it
    was expected to cut (grams; None where a figure is missing)."""

    start_year: int
    years_before: list[int]
    years_after: list[int]
    before_g: int | None
    after_g: int | None
    before_per_capita_g: int | None
    after_per_capita_g: int | None
    expected_reduction_g: int | None

    @property
    def measured_reduction_g(self) -> int | None:
        """The average year before minus the average year after."""
        if self.before_g is None or self.after_g is None:
            return None
        return self.before_g - self.after_g

    def against(self, is_effective: bool) -> bool:
        """Whether a verdict of ``is_effective`` goes against these measured figures (see
        `verdict_against_figures`)."""
        return verdict_against_figures(self.as_figures(), is_effective)

    def as_figures(self) -> dict[str, Any]:
        """The figures as stored with a verdict."""
        return {
            "start_year": self.start_year,
            "years_before": self.years_before,
            "years_after": self.years_after,
            "before_g": self.before_g,
            "after_g": self.after_g,
            "before_per_capita_g": self.before_per_capita_g,
            "after_per_capita_g": self.after_per_capita_g,
            "expected_reduction_g": self.expected_reduction_g,
            "measured_reduction_g": self.measured_reduction_g,
        }


def verdict_against_figures(figures: dict[str, Any], is_effective: bool) -> bool:
    """Whether a verdict goes against the measured direction of ``figures`` (as
    `Effectiveness.as_figures` gives them, or as a verdict stored them).

    The measured cut is the average year before the action less the average year after it
    (full boundary, the action's source, absolute t CO2e, as the page shows it):

    - "effective" goes against it when emissions did not fall: the measured cut is zero or
      negative (they stayed level or rose);
    - "not effective" goes against it when emissions fell at least as much as expected: an
      expected cut is set and the measured cut reaches it.

    Without a year measured on either side there is no measured direction, and no verdict goes
    against it. A verdict against the measured direction needs a written justification.
    """
    measured = figures.get("measured_reduction_g")
    if measured is None:
        return False
    if is_effective:
        return bool(measured <= 0)
    expected = figures.get("expected_reduction_g")
    return bool(expected is not None and expected > 0 and measured >= expected)


def _mean(values: list[int]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def compare_years(
    series: dict[int, int], headcounts: dict[int, int], start_year: int, expected_g: int | None
) -> Effectiveness:
    """The average of up to three years before ``start_year`` against up to three years from it
    on (years with figures only), absolute and per capita."""
    before = sorted(y for y in series if start_year - YEARS_COMPARED <= y < start_year)
    after = sorted(y for y in series if start_year <= y < start_year + YEARS_COMPARED)

    def per_capita(years: list[int]) -> int | None:
        counted = [y for y in years if headcounts.get(y)]
        if not counted or len(counted) != len(years):
            return None
        return _mean([round(series[y] / headcounts[y]) for y in counted])

    return Effectiveness(
        start_year=start_year,
        years_before=before,
        years_after=after,
        before_g=_mean([series[y] for y in before]),
        after_g=_mean([series[y] for y in after]),
        before_per_capita_g=per_capita(before),
        after_per_capita_g=per_capita(after),
        expected_reduction_g=expected_g,
    )


def effectiveness(
    action: CorrectiveAction, totals: targets.OrganisationTotals | None = None
) -> Effectiveness:
    """The measured emissions of the action's source (full boundary) before and after it
    (``totals``: the organisation's, when the caller has them already)."""
    source = SourceCategory(action.source_category) if action.source_category else None
    if totals is not None:
        series, headcounts = totals.by_year(inventory.Boundary.full, source), totals.headcounts
    else:
        series = inventory.totals_by_year(inventory.Boundary.full, source)
        headcounts = inventory.headcounts()
    start = action.expected_from_year or (
        action.done_on.year + 1 if action.done_on else utcnow().year
    )
    expected = (
        int(action.expected_reduction_t * GRAMS_PER_TONNE) if action.expected_reduction_t else None
    )
    return compare_years(series, headcounts, start, expected)


def record_verdict(
    *,
    actor: User | None,
    action: CorrectiveAction,
    is_effective: bool,
    note: str | None = "",
    justification: str | None = "",
) -> EffectivenessVerdict:
    """Record whether a done action worked, with the figures shown to the reviewer.

    A verdict against the measured direction (see `verdict_against_figures`) is refused
    without a written ``justification``; it is kept with the verdict and printed in the report.
    """
    require_editor(actor)
    errors: dict[str, str] = {}
    text = check_text(
        errors, "note", note, CorrectiveAction.TEXT_MAX_LEN, required=False, multiline=True
    )
    why = check_text(
        errors,
        "justification",
        justification,
        CorrectiveAction.TEXT_MAX_LEN,
        required=False,
        multiline=True,
    )
    if action.status is not ActionStatus.done:
        errors[""] = _("Only a done action's effectiveness can be judged.")
    measured = effectiveness(action)
    if (
        "justification" not in errors
        and not why
        and action.status is ActionStatus.done
        and measured.against(bool(is_effective))
    ):
        errors["justification"] = (
            _(
                "The measured emissions did not fall (%(before)s t a year before, %(after)s t "
                "after): say why the action is effective nonetheless.",
                before=_tonnes(measured.before_g),
                after=_tonnes(measured.after_g),
            )
            if is_effective
            else _(
                "The measured emissions fell by %(cut)s t a year, at least the %(expected)s t "
                "expected: say why the action is not effective nonetheless.",
                cut=_tonnes(measured.measured_reduction_g),
                expected=_tonnes(measured.expected_reduction_g),
            )
        )
    if errors:
        raise ValidationFailed(errors)
    verdict = EffectivenessVerdict(
        action_id=action.id,
        is_effective=bool(is_effective),
        figures=measured.as_figures(),
        note=text,
        justification=why,
        reviewed_by_id=actor.id if actor else None,
        reviewed_by_label=actor.email if actor else audit.CLI_ACTOR,
    )
    db.session.add(verdict)
    db.session.flush()
    db.session.refresh(action, ["verdicts"])
    audit.record(
        actor=actor,
        action="actions.verdict.recorded",
        obj=verdict,
        summary=f"Action {action.id} judged {'effective' if is_effective else 'not effective'}"
        + (" against the measured figures" if measured.against(bool(is_effective)) else ""),
        changes=audit.diff(
            {},
            {"is_effective": bool(is_effective), "justification": why, **verdict.figures},
        ),
    )
    return verdict


def _tonnes(grams: int | None) -> str:
    return "—" if grams is None else f"{grams / GRAMS_PER_TONNE:,.1f}"


# --- projection -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedCut:
    """An action's expected cut of annual emissions (grams) from a year on."""

    from_year: int
    reduction_g: int


@dataclass
class Projection:
    """Emissions projected from the latest year with the cuts of the planned actions."""

    latest_year: int
    latest_g: int
    target_year: int
    baseline_g: int
    target_g: int
    by_year: dict[int, int] = field(default_factory=dict)

    @property
    def projected_target_year_g(self) -> int:
        """The projection for the target year."""
        return self.by_year.get(self.target_year, self.latest_g)

    @property
    def change_from_baseline_pct(self) -> float:
        """The projected target year against the baseline, in percent (negative: a cut)."""
        return (self.projected_target_year_g - self.baseline_g) * 100 / self.baseline_g

    @property
    def gap_g(self) -> int:
        """How far the projection stays above the target (0 when it reaches it)."""
        return max(self.projected_target_year_g - self.target_g, 0)


def project(
    *,
    latest_year: int,
    latest_g: int,
    baseline_g: int,
    target_g: int,
    target_year: int,
    cuts: list[PlannedCut],
) -> Projection:
    """Each year to the target year: the latest year's emissions less the cuts in force by then
    (never below zero)."""
    projection = Projection(
        latest_year=latest_year,
        latest_g=latest_g,
        target_year=target_year,
        baseline_g=baseline_g,
        target_g=target_g,
    )
    for year in range(latest_year + 1, target_year + 1):
        cut = sum(c.reduction_g for c in cuts if c.from_year <= year)
        projection.by_year[year] = max(latest_g - cut, 0)
    return projection


def projection(
    path: targets.Trajectory | None = None,
    totals: targets.OrganisationTotals | None = None,
) -> Projection | None:
    """The main target's projection with the planned and running actions (``path``: its
    trajectory, or ``totals``: the organisation's, when the caller has them already); None
    without a baseline or a measured year."""
    if path is None:
        path = targets.trajectory(targets.main_target(), totals=totals)
    if path is None or path.latest_year is None:
        return None
    latest = next(y for y in path.years if y.year == path.latest_year)
    cuts = [
        PlannedCut(
            from_year=action.expected_from_year,
            reduction_g=int(action.expected_reduction_t * GRAMS_PER_TONNE),
        )
        for action in db.session.scalars(
            sa.select(CorrectiveAction).where(
                CorrectiveAction.status.in_([ActionStatus.planned, ActionStatus.in_progress]),
                CorrectiveAction.expected_reduction_t.is_not(None),
            )
        )
        if action.expected_reduction_t and action.expected_from_year
    ]
    assert latest.actual_g is not None  # noqa: S101 (the latest year is a measured one)
    return project(
        latest_year=latest.year,
        latest_g=latest.actual_g,
        baseline_g=path.baseline.value_g,
        target_g=path.target_g,
        target_year=path.spec.target_year,
        cuts=cuts,
    )


# --- automatic proposals ----------------------------------------------------------------------


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


def proposals(totals: targets.OrganisationTotals | None = None) -> list[Proposal]:
    """Every year above a target's trajectory or a source's ceiling that has neither become a
    nonconformity nor been dismissed, newest first. Every target and ceiling is judged from
    the organisation's totals read once (``totals``, when the caller has them already)."""
    totals = totals if totals is not None else targets.OrganisationTotals()
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


# --- review meetings --------------------------------------------------------------------------


def agenda(today: dt.date, totals: targets.OrganisationTotals | None = None) -> list[str]:
    """The items a review meeting should take up today: years off track awaiting a decision,
    open nonconformities, overdue actions, and done actions awaiting their effectiveness verdict
    (``totals``: as for `proposals`)."""
    items = [
        _(
            "Decide on: %(title)s (%(excess)s t above).",
            title=p.title,
            excess=f"{p.excess_g / GRAMS_PER_TONNE:,.1f}",
        )
        for p in proposals(totals)
    ]
    open_ncs = db.session.scalars(
        sa.select(Nonconformity)
        .where(
            Nonconformity.status.not_in(
                [NonconformityStatus.closed_effective, NonconformityStatus.closed_not_effective]
            )
        )
        .order_by(Nonconformity.detected_on)
    )
    items += [
        _(
            "Nonconformity %(id)d, %(status)s: %(title)s.",
            id=nc.id,
            status=labels.label("nonconformity_status", nc.status).lower(),
            title=nc.title,
        )
        for nc in open_ncs
    ]
    items += [
        _(
            "Overdue since %(due)s: action %(id)d of %(owner)s, %(what)s.",
            due=action.due_on.isoformat(),
            id=action.id,
            owner=action.owner.name,
            what=action.description[:100],
        )
        for action in overdue_actions(today)
    ]
    awaiting = db.session.scalars(
        sa.select(CorrectiveAction)
        .where(CorrectiveAction.status == ActionStatus.done, ~CorrectiveAction.verdicts.any())
        .order_by(CorrectiveAction.done_on)
    )
    items += [
        _(
            "Judge the effectiveness of action %(id)d: %(what)s.",
            id=action.id,
            what=action.description[:100],
        )
        for action in awaiting
    ]
    return items


def record_meeting(
    *,
    actor: User | None,
    held_on: dt.date | None,
    attendees: str | None,
    decisions: str | None = "",
    minutes: str | None = "",
    nonconformity_ids: list[int] | None = None,
    action_ids: list[int] | None = None,
) -> ReviewMeeting:
    """Record a review meeting with the agenda prepared for its date."""
    require_editor(actor)
    errors: dict[str, str] = {}
    if held_on is None or held_on > utcnow().date() + dt.timedelta(days=366):
        errors["held_on"] = _("Enter the date of the meeting.")
    people = check_text(errors, "attendees", attendees, ReviewMeeting.TEXT_MAX_LEN, multiline=True)
    decided = check_text(
        errors, "decisions", decisions, ReviewMeeting.TEXT_MAX_LEN, required=False, multiline=True
    )
    notes = check_text(
        errors, "minutes", minutes, ReviewMeeting.TEXT_MAX_LEN, required=False, multiline=True
    )
    ncs = sorted(set(nonconformity_ids or []))
    if ncs and len(ncs) != len(
        list(db.session.scalars(sa.select(Nonconformity.id).where(Nonconformity.id.in_(ncs))))
    ):
        errors["nonconformity_ids"] = _("Choose nonconformities from the list.")
    acts = sorted(set(action_ids or []))
    if acts and len(acts) != len(
        list(
            db.session.scalars(sa.select(CorrectiveAction.id).where(CorrectiveAction.id.in_(acts)))
        )
    ):
        errors["action_ids"] = _("Choose actions from the list.")
    if errors:
        raise ValidationFailed(errors)
    assert held_on is not None  # noqa: S101 (checked above)
    meeting = ReviewMeeting(
        held_on=held_on,
        attendees=people,
        agenda=agenda(held_on),
        decisions=decided,
        minutes=notes,
        nonconformity_ids=ncs,
        action_ids=acts,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        actor=actor,
        action="actions.meeting.recorded",
        obj=meeting,
        summary=f"Review meeting of {held_on}",
        changes=audit.diff(
            {}, {"held_on": held_on.isoformat(), "attendees": people, "decisions": decided}
        ),
    )
    return meeting


def meetings_query() -> sa.Select[Any]:
    """Review meetings, newest first (to page through)."""
    return sa.select(ReviewMeeting).order_by(ReviewMeeting.held_on.desc(), ReviewMeeting.id.desc())


def meetings() -> list[ReviewMeeting]:
    """Review meetings, newest first."""
    return list(db.session.scalars(meetings_query()))
