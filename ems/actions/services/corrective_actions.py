"""Corrective actions: planning and changing them, the lists of open and overdue ones, and
the verdict on whether a done one worked. Services flush; callers commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ems import numbers
from ems.actions.models import (
    ActionStatus,
    CorrectiveAction,
    EffectivenessVerdict,
    Nonconformity,
    NonconformityStatus,
)
from ems.actions.services._shared import require_editor
from ems.actions.services.comparisons import effectiveness
from ems.audit import services as audit
from ems.auth.models import User
from ems.errors import NotFound, ValidationFailed, check_version
from ems.extensions import db
from ems.ledger.models import SourceCategory
from ems.units import GRAMS_PER_TONNE
from ems.validation import check_decimal, check_text, check_whole

#: the most corrective actions one nonconformity plans (its page shows them all, each with
#: its effectiveness); a cause that needs more is several nonconformities
MAX_ACTIONS_PER_NONCONFORMITY = 100
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


def _action_texts_and_amounts(errors: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    """The description (required), the evidence, the expected reduction and the cost estimate."""
    return {
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


def _check_owner(errors: dict[str, str], owner_id: Any) -> Any:
    """The id of an active user."""
    owner = db.session.get(User, owner_id or 0)
    if owner is None or not owner.is_active:
        errors["owner_id"] = _("Choose an active user as the owner.")
    return owner_id


def _check_due_on(errors: dict[str, str], due_on: dt.date | None) -> dt.date | None:
    """A due date, required."""
    if due_on is None:
        errors["due_on"] = _("Enter the due date.")
    return due_on


def _check_status(errors: dict[str, str], values: dict[str, Any], status: str | None) -> None:
    """A status from the list, planned if none (into ``values``)."""
    try:
        values["status"] = ActionStatus(status or ActionStatus.planned.value)
    except ValueError:
        errors["status"] = _("Choose a status from the list.")


def _check_source(errors: dict[str, str], source_category: str | None) -> str | None:
    """A source category, or None."""
    source = source_category or None
    if source is not None and source not in {s.value for s in SourceCategory}:
        errors["source_category"] = _("Choose a source from the list.")
    return source


def _check_scope(errors: dict[str, str], scope: int | None) -> int | None:
    """Scope 1, 2 or 3, or None."""
    scope = scope or None
    if scope is not None and scope not in (1, 2, 3):
        errors["scope"] = _("Choose scope 1, 2 or 3.")
    return scope


def _check_from_year(
    errors: dict[str, str], from_year: int | str | None, expected_reduction_t: Any
) -> int | None:
    """The year an expected reduction starts: required when a reduction is expected."""
    year = check_whole(errors, "expected_from_year", from_year, numbers.YEAR, required=False)
    if expected_reduction_t and year is None:
        errors["expected_from_year"] = _("Enter the year the reduction starts.")
    return year


def _check_done_on(
    errors: dict[str, str], status: ActionStatus | None, done_on: dt.date | None
) -> dt.date | None:
    """The day a done action was done (required then); None for any other status."""
    if status is ActionStatus.done and done_on is None:
        errors["done_on"] = _("Enter the date it was done.")
    return done_on if status is ActionStatus.done else None


def _action_values(data: dict[str, Any]) -> dict[str, Any]:
    """An action's fields checked from ``data``; ValidationFailed with every error found."""
    errors: dict[str, str] = {}
    values = _action_texts_and_amounts(errors, data)
    values["owner_id"] = _check_owner(errors, data.get("owner_id"))
    values["due_on"] = _check_due_on(errors, data.get("due_on"))
    _check_status(errors, values, data.get("status"))
    values["source_category"] = _check_source(errors, data.get("source_category"))
    values["scope"] = _check_scope(errors, data.get("scope"))
    values["expected_from_year"] = _check_from_year(
        errors, data.get("expected_from_year"), values["expected_reduction_t"]
    )
    values["done_on"] = _check_done_on(errors, values.get("status"), data.get("done_on"))
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
