"""Review meetings: the agenda prepared for a date, and the meetings recorded. Services
flush; callers commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems import labels
from ems.actions.models import (
    ActionStatus,
    CorrectiveAction,
    Nonconformity,
    NonconformityStatus,
    ReviewMeeting,
)
from ems.actions.services._shared import require_editor
from ems.actions.services.corrective_actions import overdue_actions
from ems.actions.services.off_track import proposals
from ems.audit import services as audit
from ems.auth.models import User
from ems.errors import ValidationFailed
from ems.extensions import db, utcnow
from ems.targets import services as targets
from ems.units import GRAMS_PER_TONNE
from ems.validation import check_text


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
