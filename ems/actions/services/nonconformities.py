"""Nonconformities: recording one with what it concerns, its root cause analysis, its moves
from status to status and its closing. Services flush; callers commit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ems import labels
from ems.actions.models import (
    ActionStatus,
    CorrectiveAction,
    Nonconformity,
    NonconformityStatus,
    Origin,
    Severity,
)
from ems.actions.services._shared import require_editor
from ems.audit import services as audit
from ems.auth.models import User
from ems.errors import NotFound, ValidationFailed, check_version
from ems.extensions import db, utcnow
from ems.ledger.models import SourceCategory
from ems.org.models import FIRST_YEAR, Department, Site
from ems.validation import check_text

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


def list_nonconformities() -> list[Nonconformity]:
    """Every nonconformity, the latest found first, with its actions (one more query)."""
    return list(
        db.session.scalars(
            sa.select(Nonconformity)
            .options(selectinload(Nonconformity.actions))
            .order_by(Nonconformity.detected_on.desc(), Nonconformity.id.desc())
        )
    )
