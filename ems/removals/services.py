"""Removing records so that they can be restored, and restoring them.

A feature declares each kind of removal it offers (`register_kind`): the records' model and
ledger activity type, who may remove and restore them, and what could stand in the way of a
restoration. Removing marks the records with the removal and supersedes their ledger lines;
restoring clears the mark and writes the same lines again. Both are audited, and both are
refused where a closed year's figures would change. Services flush; callers commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed
from ems.extensions import Base, db, utcnow
from ems.ledger import services as ledger
from ems.removals.models import INCLUDE_REMOVED, Removable, Removal


@dataclass(frozen=True)
class RemovalKind:
    """A kind of removal a feature offers."""

    #: Removal.kind, e.g. "trip", "import:travel"
    code: str
    #: what one is called, e.g. "Trip", "Import of an agency export"
    label: Any
    #: who may remove and restore
    roles: tuple[Role, ...]
    #: the records removed, and the ledger activity type of their lines
    model: type[Removable]
    activity_type: str
    #: what stands in the way of restoring a removal's records (of these ids), e.g. their
    #: booking references recorded again since, as messages; empty when nothing does
    conflicts: Callable[[Removal, list[int]], list[str]] = field(default=lambda _r, _ids: [])
    #: the endpoint of the list the records are shown in (a link after restoring)
    list_endpoint: str = ""
    #: the years the records of these ids are dated in (a trip's days, a bill's period),
    #: figures or not: a closed year's records are neither removed nor restored
    record_years: Callable[[list[int]], set[int]] = field(default=lambda _ids: set())
    #: makes way for a restoration once nothing stands in its way (e.g. discards the same file
    #: checked again but never imported)
    before_restore: Callable[[Removal], None] = field(default=lambda _removal: None)


KINDS: dict[str, RemovalKind] = {}


def register_kind(kind: RemovalKind) -> None:
    """Declare a kind of removal (features call this at import)."""
    KINDS[kind.code] = kind


def rows_of(key: Any, ids: Sequence[int], *columns: Any, distinct: bool = False) -> list[Any]:
    """The ``columns`` of the rows whose ``key`` column is in ``ids``, removed rows included
    (asked 500 ids at a time): what a kind reads of records to be restored."""
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        stmt = sa.select(*columns).where(key.in_(ids[start : start + 500]))
        rows += db.session.execute(
            (stmt.distinct() if distinct else stmt).execution_options(**{INCLUDE_REMOVED: True})
        ).all()
    return rows


def years_spanned(
    first_day: Any, last_day: Any, ids: Sequence[int], *, key: Any = None
) -> set[int]:
    """The years spanned by the rows whose ``key`` (default: their model's id) is in ``ids``,
    from their first-day to last-day columns; removed rows included (for `record_years`)."""
    key = key if key is not None else first_day.class_.id
    first, last = sa.extract("year", first_day), sa.extract("year", last_day)
    return {
        year
        for low, high in rows_of(key, ids, first, last, distinct=True)
        for year in range(int(low), int(high) + 1)
    }


def _kind(code: str) -> RemovalKind:
    try:
        return KINDS[code]
    except KeyError:
        raise NotFound(f"removal kind {code}") from None


def _require(actor: User | None, kind: RemovalKind) -> None:
    if actor is not None and not actor.has_any_role(*kind.roles):
        raise PermissionDenied(_("You may not remove or restore these records."))


def may_restore(actor: User | None, removal: Removal) -> bool:
    """Whether ``actor`` may restore ``removal`` (those who may remove such records)."""
    kind = KINDS.get(removal.kind)
    return kind is not None and (actor is None or actor.has_any_role(*kind.roles))


@dataclass(frozen=True)
class RemovalPreview:
    """What a removal takes away: how many records, their t CO2e and years."""

    kind: RemovalKind
    records: int
    #: grams CO2e of their current lines, headline basis (air without RF, Scope 2 market)
    co2e_g: int
    years: list[int]


def preview(*, kind: str, ids: Sequence[int]) -> RemovalPreview:
    """What removing the records ``ids`` of ``kind`` would take away (nothing is changed)."""
    spec = _kind(kind)
    grams, years = ledger.activity_figures(activity_type=spec.activity_type, activity_ids=ids)
    dated = sorted(set(years) | spec.record_years(list(ids)))
    return RemovalPreview(kind=spec, records=len(ids), co2e_g=grams, years=dated)


def remove(
    *,
    actor: User | None,
    kind: str,
    ids: Sequence[int],
    summary: str,
    action: str,
    changes: dict[str, Any] | None = None,
    also: Sequence[Removable] = (),
) -> Removal:
    """Remove the records ``ids`` of ``kind`` (and the objects ``also``, e.g. their import
    batch): they leave every list, total and export, and their lines are superseded. Audited as
    ``action``. Refused where a closed year's figures would change."""
    spec = _kind(kind)
    _require(actor, spec)
    ids = list(ids)
    figures = preview(kind=kind, ids=ids)
    ledger.check_open_years(figures.years)
    removal = Removal(
        kind=kind,
        summary=summary[: Removal.SUMMARY_MAX_LEN],
        record_count=len(ids),
        co2e_g=figures.co2e_g,
        years=figures.years,
        removed_by_id=actor.id if actor else None,
        removed_by_label=actor.email if actor else audit.CLI_ACTOR,
    )
    db.session.add(removal)
    db.session.flush()
    model: Any = spec.model
    marked = 0
    for start in range(0, len(ids), 500):
        result = db.session.execute(
            sa.update(model)
            .where(model.id.in_(ids[start : start + 500]), model.removal_id.is_(None))
            .values(removal_id=removal.id)
            .execution_options(synchronize_session=False)
        )
        marked += int(getattr(result, "rowcount", 0) or 0)
    if marked != len(ids):  # someone removed some of them meanwhile
        raise ValidationFailed({"": _("These records were removed meanwhile.")})
    for obj in also:
        obj.removal_id = removal.id
    ledger.supersede_lines(
        activity_type=spec.activity_type, activity_ids=ids, removal_id=removal.id
    )
    db.session.expire_all()  # loaded records now carry their removal
    object_type, object_id = _audited_object(spec, ids, also)
    audit.record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=f"{summary} (removal {removal.id})"[:500],
        changes={
            **(changes or {}),
            "removal": {"before": None, "after": removal.id},
        },
    )
    return removal


def remove_record(
    *,
    actor: User | None,
    kind: str,
    record: Removable,
    action: str,
    summary: str,
    before: dict[str, Any],
) -> Removal:
    """Remove one record (``before``: its audit snapshot), as `remove`."""
    return remove(
        actor=actor,
        kind=kind,
        ids=[record.id],  # type: ignore[attr-defined]
        summary=summary,
        action=action,
        changes=audit.diff(before, {}),
    )


def restore(*, actor: User | None, removal: Removal) -> Removal:
    """Bring a removal's records back with the same lines they had; refused if already
    restored, if a closed year's figures would change, or if records recorded since stand in
    the way (the same booking reference, the same file)."""
    spec = _kind(removal.kind)
    _require(actor, spec)
    # one restoration at a time: a second one waits here, then finds it done
    db.session.execute(
        sa.select(Removal.id)
        .where(Removal.id == removal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    db.session.refresh(removal)
    if removal.is_restored:
        raise ValidationFailed({"": _("This removal was restored already.")})
    model: Any = spec.model
    ids = list(
        db.session.scalars(
            sa.select(model.id)
            .where(model.removal_id == removal.id)
            .execution_options(**{INCLUDE_REMOVED: True})
        )
    )
    ledger.check_open_years(set(removal.years) | spec.record_years(ids))
    problems = spec.conflicts(removal, ids)
    if problems:
        raise ValidationFailed(
            {"": _("It cannot be restored: %(problems)s", problems="; ".join(problems[:5]))}
        )
    spec.before_restore(removal)
    also = [
        obj
        for table_model in _removable_models()
        if table_model is not spec.model
        for obj in db.session.scalars(
            sa.select(table_model)
            .where(table_model.removal_id == removal.id)
            .execution_options(**{INCLUDE_REMOVED: True})
        )
    ]
    object_type, object_id = _audited_object(spec, ids, also)
    for table_model in _removable_models():
        db.session.execute(
            sa.update(table_model)
            .where(table_model.removal_id == removal.id)
            .values(removal_id=None)
            .execution_options(synchronize_session=False)
        )
    lines = ledger.restore_lines(removal_id=removal.id, removed_at=removal.removed_at)
    removal.restored_at = utcnow()
    removal.restored_by_id = actor.id if actor else None
    removal.restored_by_label = actor.email if actor else audit.CLI_ACTOR
    db.session.flush()
    db.session.expire_all()
    audit.record(  # filed under what was restored, as its removal was
        actor=actor,
        action="removals.removal.restored",
        object_type=object_type,
        object_id=object_id,
        summary=f"Restored: {removal.summary} (removal {removal.id})"[:500],
        changes={
            "removal": {"before": removal.id, "after": None},
            "records": {"before": 0, "after": len(ids)},
            "lines": {"before": 0, "after": lines},
        },
    )
    return removal


def _audited_object(
    kind: RemovalKind, ids: Sequence[int], also: Sequence[Any]
) -> tuple[str, int | None]:
    """What the audit trail files a removal under: the object removed with the records (an
    import's batch), else the records (one by its id)."""
    if also:
        return type(also[0]).__tablename__, also[0].id
    table: str = kind.model.__tablename__  # type: ignore[attr-defined]
    return table, ids[0] if len(ids) == 1 else None


def _removable_models() -> list[Any]:
    return [
        mapper.class_ for mapper in Base.registry.mappers if issubclass(mapper.class_, Removable)
    ]


def kinds_for(actor: User | None) -> list[str]:
    """The kinds of removal ``actor`` may restore (every kind for the command line)."""
    return [
        code for code, kind in KINDS.items() if actor is None or actor.has_any_role(*kind.roles)
    ]


def removals_query(*, kinds: Sequence[str] | None = None) -> sa.Select[Removal]:
    """Removals (of ``kinds``), newest first, restored ones included."""
    stmt = sa.select(Removal).order_by(Removal.removed_at.desc(), Removal.id.desc())
    if kinds is not None:
        stmt = stmt.where(Removal.kind.in_(kinds))
    return stmt


def get_removal(removal_id: int) -> Removal:
    """The removal with ``removal_id``; NotFound if none."""
    removal = db.session.get(Removal, removal_id)
    if removal is None:
        raise NotFound(f"removal {removal_id}")
    return removal
