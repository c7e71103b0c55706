"""The life of an imported file, the same for every kind of data: checked, kept until the user
says go, imported in one transaction (all rows or none), never twice, removable as a whole.

A feature describes its kind with an ``Importer``: how to plan a file (read and check every row,
compute the figures, find what is already recorded) and how to remove a batch's records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db, refresh_statistics, utcnow
from ems.imports import RowError
from ems.imports.models import ImportBatch
from ems.removals import services as removals
from ems.removals.models import INCLUDE_REMOVED, Removable, Removal

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    """What an import did (or, checked only, would do)."""

    #: records created (trips, energy records, purchases)
    created: int = 0
    #: rows of the file they hold (a trip may span several rows)
    rows: int = 0
    #: keys of records already there: left as they are
    skipped: list[str] = field(default_factory=list)
    #: grams of CO2e of what is created, by figure (e.g. "with_rf", "location", "total")
    co2e_g: dict[str, int] = field(default_factory=dict)
    batch: ImportBatch | None = None
    #: the same file was imported before: nothing was done
    already_imported: bool = False


@dataclass
class Plan:
    """A checked file: the result it will give and how to write its records."""

    result: ImportResult
    #: writes the new records, attached to the batch (already flushed, with its id), by the actor
    write: Callable[[ImportBatch, User | None], None]


#: every kind of import, as its activity described it on being loaded (see Importer)
_importers: dict[str, Importer] = {}


def importers() -> dict[str, Importer]:
    """The kinds of import the activities declared, by kind ("travel", "energy", "procurement")."""
    return dict(_importers)


@dataclass(frozen=True)
class Importer:
    """One kind of import."""

    #: ImportBatch.kind, and the prefix of the audit actions ("travel" → "travel.import.…")
    kind: str
    #: refuses an actor who may not import this kind (raises PermissionDenied)
    require: Callable[[User | None], None]
    #: reads and checks every row (ImportFailed naming rows and fields), computes the figures
    plan: Callable[[bytes, str, Progress | None], Plan]
    #: what the records are called in summaries, e.g. "trips"
    noun: str
    #: the records an import creates (with an ``import_batch_id``), their ledger activity type,
    #: and who may remove and restore an import (as may import)
    model: type[Removable]
    activity_type: str
    roles: tuple[Role, ...]
    #: what an import's removal is called, e.g. "Import of an agency export"
    label: Any
    #: what stands in the way of restoring these records besides the file (see RemovalKind)
    conflicts: Callable[[list[int]], list[str]] = field(default=lambda _ids: [])
    #: the years the records of these ids are dated in (see RemovalKind)
    record_years: Callable[[list[int]], set[int]] = field(default=lambda _ids: set())

    def __post_init__(self) -> None:
        _importers[self.kind] = self  # the activities register with the framework, not the reverse
        removals.register_kind(
            removals.RemovalKind(
                code=self.removal_kind,
                label=self.label,
                roles=self.roles,
                model=self.model,
                activity_type=self.activity_type,
                conflicts=self._restore_conflicts,
                record_years=self.record_years,
                before_restore=self._discard_checked_copy,
            )
        )

    @property
    def removal_kind(self) -> str:
        """The kind of the removal of an import of this kind, e.g. "import:travel"."""
        return f"import:{self.kind}"

    def _removed_batch(self, removal: Removal) -> ImportBatch | None:
        return db.session.scalar(
            sa.select(ImportBatch)
            .where(ImportBatch.removal_id == removal.id)
            .execution_options(**{INCLUDE_REMOVED: True})
        )

    def _restore_conflicts(self, removal: Removal, ids: list[int]) -> list[str]:
        batch = self._removed_batch(removal)
        again = _batch(self.kind, batch.file_sha256) if batch is not None else None
        problems = []
        if again is not None and again.status == "imported":
            problems.append(_("the same file was imported again since"))
        return problems + self.conflicts(ids)

    def _discard_checked_copy(self, removal: Removal) -> None:
        """The same file, uploaded again and checked but never imported, makes way for the
        import being restored (it would import nothing new)."""
        batch = self._removed_batch(removal)
        again = _batch(self.kind, batch.file_sha256) if batch is not None else None
        if again is not None and again.status == "checked":
            db.session.delete(again)
            db.session.flush()


def closed_year_errors(figures: Iterable[tuple[int, str, int]], closed: set[int]) -> list[RowError]:
    """The rows whose figures fall in a ``closed`` year (see org.closed_years), from (row,
    column, year of a figure): a closed year's records do not change until it is reopened. One
    error per row."""
    errors: dict[int, RowError] = {}
    for row, column, year in figures:
        if year in closed and row not in errors:
            errors[row] = RowError(
                row,
                column,
                _("%(year)d is closed: reopen it before importing its records.", year=year),
            )
    return list(errors.values())


def file_digest(data: bytes) -> str:
    """The SHA-256 that identifies a file."""
    return hashlib.sha256(data).hexdigest()


def _batch(kind: str, digest: str) -> ImportBatch | None:
    return db.session.scalar(
        sa.select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.file_sha256 == digest)
    )


def _stamp(batch: ImportBatch, *, actor: User | None, filename: str, rows: int) -> None:
    batch.filename = filename[: ImportBatch.FILENAME_MAX_LEN] or "upload"
    batch.rows = rows
    batch.user_id = actor.id if actor else None
    batch.user_label = actor.email if actor else audit.CLI_ACTOR


def check_file(
    importer: Importer, *, actor: User | None, data: bytes, filename: str
) -> ImportResult:
    """Check a file and keep it, waiting for the go-ahead (``commit_batch``); nothing imported."""
    importer.require(actor)
    discard_expired_checks()
    digest = file_digest(data)
    batch = _batch(importer.kind, digest)
    if batch is not None and batch.status == "imported":
        return ImportResult(batch=batch, already_imported=True)
    result = importer.plan(data, filename, None).result
    if batch is None:
        batch = ImportBatch(kind=importer.kind, file_sha256=digest, status="checked")
        db.session.add(batch)
    batch.content, batch.created_at = data, utcnow()  # checked again: kept a day from now
    _stamp(batch, actor=actor, filename=filename, rows=result.rows)
    db.session.flush()
    audit.record(
        actor=actor,
        action=f"{importer.kind}.import.checked",
        obj=batch,
        summary=f"{batch.filename}: {result.rows} rows checked, kept for the go-ahead",
        changes=audit.diff({}, {"file_sha256": digest, "rows": result.rows}),
    )
    result.batch = batch
    return result


#: an import of this many records or more refreshes the database's statistics (see extensions)
STATISTICS_AFTER_RECORDS = 1000

#: a file checked but not imported is kept this long for the go-ahead, then discarded
CHECKED_FILE_LIFETIME = dt.timedelta(days=1)


def check_expired(batch: ImportBatch) -> bool:
    """Whether a checked file waited too long for its go-ahead."""
    return batch.status == "checked" and utcnow() - batch.created_at > CHECKED_FILE_LIFETIME


def discard_expired_checks() -> int:
    """Discard the files checked more than a day ago and never imported; how many."""
    expired = db.session.scalars(
        sa.select(ImportBatch).where(
            ImportBatch.status == "checked",
            ImportBatch.created_at < utcnow() - CHECKED_FILE_LIFETIME,
        )
    ).all()
    for batch in expired:
        audit.record(
            actor=None,
            action=f"{batch.kind}.import.expired",
            obj=batch,
            summary=f"{batch.filename}: checked but not imported within a day; file discarded",
            changes=audit.diff({"file_sha256": batch.file_sha256, "rows": batch.rows}, {}),
        )
        db.session.delete(batch)
    db.session.flush()
    return len(expired)


def import_file(
    importer: Importer,
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    on_progress: Progress | None = None,
) -> ImportResult:
    """Import a file: all rows or none; records already there are skipped; the same file twice
    does nothing. The batch is one audited change and can be removed as a whole."""
    importer.require(actor)
    digest = file_digest(data)
    batch = _batch(importer.kind, digest)
    if batch is not None and batch.status == "imported":
        return ImportResult(batch=batch, already_imported=True)
    plan = importer.plan(data, filename, on_progress)
    result = plan.result
    if dry_run:
        return result
    if batch is None:
        batch = ImportBatch(kind=importer.kind, file_sha256=digest)
        db.session.add(batch)
    batch.status, batch.content, batch.imported_at = "imported", None, utcnow()
    batch.created_count, batch.skipped_count = result.created, len(result.skipped)
    _stamp(batch, actor=actor, filename=filename, rows=result.rows)
    db.session.flush()
    plan.write(batch, actor)
    if result.created >= STATISTICS_AFTER_RECORDS:
        refresh_statistics()
    audit.record(
        actor=actor,
        action=f"{importer.kind}.import.committed",
        obj=batch,
        summary=f"{filename}: {result.created} {importer.noun} imported ({result.rows} rows), "
        f"{len(result.skipped)} already there",
        changes=audit.diff(
            {}, {"file_sha256": digest, importer.noun: result.created, "rows": result.rows}
        ),
    )
    result.batch = batch
    return result


def commit_batch(importer: Importer, *, actor: User | None, batch: ImportBatch) -> ImportResult:
    """Import a file kept by ``check_file``."""
    if batch.status != "checked" or batch.content is None:
        raise ValidationFailed({"": _("This file was imported already.")})
    if check_expired(batch):
        raise ValidationFailed(
            {"": _("This file was checked more than a day ago. Upload it again to import it.")}
        )
    return import_file(importer, actor=actor, data=batch.content, filename=batch.filename)


def batch_records(importer: Importer, batch: ImportBatch) -> list[int]:
    """The ids of the records an imported file created."""
    model: Any = importer.model
    return list(db.session.scalars(sa.select(model.id).where(model.import_batch_id == batch.id)))


def preview_removal(importer: Importer, batch: ImportBatch) -> removals.RemovalPreview:
    """What removing an imported file takes away: its records, their t CO2e and years."""
    return removals.preview(kind=importer.removal_kind, ids=batch_records(importer, batch))


def remove_batch(
    importer: Importer, *, actor: User | None, batch: ImportBatch
) -> removals.Removal | None:
    """Remove an imported file with its records, restorably (see ems.removals); a file checked
    but never imported is simply discarded (returns None)."""
    importer.require(actor)
    if batch.status != "imported":
        db.session.delete(batch)
        db.session.flush()
        audit.record(
            actor=actor,
            action=f"{importer.kind}.import.discarded",
            obj=batch,
            summary=f"{batch.filename}: checked file discarded",
        )
        return None
    ids = batch_records(importer, batch)
    return removals.remove(
        actor=actor,
        kind=importer.removal_kind,
        ids=ids,
        summary=f"{batch.filename}: import of {len(ids)} {importer.noun}",
        action=f"{importer.kind}.import.removed",
        changes={importer.noun: {"before": len(ids), "after": 0}},
        also=[batch],
    )


def list_batches(kind: str) -> list[ImportBatch]:
    """Imports of ``kind``, newest first (files checked but not imported included)."""
    return list(
        db.session.scalars(
            sa.select(ImportBatch)
            .where(
                ImportBatch.kind == kind,
                # files that waited more than a day for the go-ahead are gone for the user
                sa.or_(
                    ImportBatch.status != "checked",
                    ImportBatch.created_at >= utcnow() - CHECKED_FILE_LIFETIME,
                ),
            )
            .order_by(ImportBatch.created_at.desc())
        )
    )


def get_batch(kind: str, batch_id: int) -> ImportBatch:
    """The import batch of ``kind`` with ``batch_id``; NotFound if none."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.kind != kind:
        raise NotFound(f"import batch {batch_id}")
    return batch


def known_keys(column: sa.orm.InstrumentedAttribute[str], keys: list[str]) -> set[str]:
    """Which of ``keys`` are already recorded in ``column`` (asked 500 at a time)."""
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        known.update(
            db.session.scalars(sa.select(column).where(column.in_(keys[start : start + 500])))
        )
    return known
