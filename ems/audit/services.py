"""Writing and reading the audit trail."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import g, has_request_context

from ems.audit.models import AuditEntry
from ems.extensions import db

if TYPE_CHECKING:
    from ems.auth.models import User

CLI_ACTOR = "command line"
#: who acted when no one was signed in (failed logins for unknown accounts)
ANONYMOUS_ACTOR = "anonymous"


def json_value(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the audit record."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(json_value(item) for item in value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return str(value)


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """The JSON-safe values of ``fields`` on ``obj``."""
    return {name: json_value(getattr(obj, name)) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value differs, as {"field": {"before": …, "after": …}}."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def apply_changes(obj: object, data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set ``data`` on ``obj`` and return what changed, ready for :func:`record`."""
    before = snapshot(obj, data)
    for name, value in data.items():
        setattr(obj, name, value)
    return diff(before, snapshot(obj, data))


def record(
    *,
    actor: User | None,
    action: str,
    summary: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller's flush/commit writes it).

    ``obj`` (a mapped object with an ``id``) supplies the object type and id unless given.
    """
    if obj is not None:
        object_type = object_type or type(obj).__tablename__
        object_id = object_id if object_id is not None else obj.id
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email
        if actor is not None
        else (ANONYMOUS_ACTOR if has_request_context() else CLI_ACTOR),
        action=action[: AuditEntry.ACTION_MAX_LEN],
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        summary=summary[: AuditEntry.SUMMARY_MAX_LEN],
        changes=dict(changes) if changes else None,
        request_id=g.get("request_id") if has_request_context() else None,
        ip_address=g.get("remote_addr") if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def audit_query(
    *, action: str | None = None, object_type: str | None = None, actor: str | None = None
) -> sa.Select[AuditEntry]:
    """Audit entries, newest first, filtered by action prefix, object type and actor label."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.logged_at.desc(), AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if actor:
        stmt = stmt.where(AuditEntry.actor_label.contains(actor.lower(), autoescape=True))
    return stmt


def object_types() -> list[str]:
    """The object types that occur in the audit trail, for the filter."""
    stmt = sa.select(AuditEntry.object_type).where(AuditEntry.object_type.is_not(None)).distinct()
    return sorted(t for t in db.session.scalars(stmt) if t)
