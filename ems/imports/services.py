"""The life of an imported file, the same for every kind of data: checked, kept until the user
says go, imported in one transaction (all rows or none), never twice, removable as a whole.

A feature describes its kind with an ``Importer``: how to plan a file (read and check every row,
compute the figures, find what is already recorded) and how to remove a batch's records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.audit import services as audit
from ems.auth.models import Role, User
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db, refresh_statistics, utcnow
from ems.imports import RowError
from ems.imports import mapping as columns
from ems.imports.mapping import ColumnMapping, Field, Proposal, Table
from ems.imports.models import ImportBatch, ImportProfile
from ems.removals import services as removals
from ems.removals.models import INCLUDE_REMOVED, Removable, Removal
from ems.tables import Sheet, read_sheet
from ems.validation import has_control_characters

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
    #: keys of records the file changes (a booking sent again with other content)
    changed: list[str] = field(default_factory=list)
    #: keys of records the file cancels (refunds, cancellations)
    cancelled: list[str] = field(default_factory=list)
    #: how the file's values were read where it matters, e.g. "“Heizöl” → gas oil (DESNZ …)"
    value_notes: list[str] = field(default_factory=list)
    #: how the file's columns were read (a profile, or ems's certain proposal)
    mapping: ColumnMapping | None = None
    #: the file's columns that no field takes, and the total rows skipped
    ignored_columns: list[str] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    #: the layout is unknown and ems's proposal is not certain: the user maps the columns
    #: (the file is kept with its batch, status "mapping")
    proposal: Proposal | None = None

    @property
    def needs_mapping(self) -> bool:
        return self.proposal is not None


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
    #: what it takes from a file (the columns are mapped to these; see ems.imports.mapping)
    fields: tuple[Field, ...]
    #: checks every row of the mapped file (ImportFailed naming rows and fields), computes the
    #: figures; it may empty the table's rows once it holds what it needs of them (memory)
    plan: Callable[[Table, Progress | None], Plan]
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
        if again is not None and again.status != "imported":
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


@dataclass(frozen=True)
class Reading:
    """How a file will be read: its header row and the mapping of its columns."""

    header_index: int
    mapping: ColumnMapping

    def as_dict(self) -> dict[str, Any]:
        return {**self.mapping.as_dict(), "header_index": self.header_index}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Reading:
        return cls(int(values.get("header_index", 0)), ColumnMapping.from_dict(values))


def _profile_mapping(profile: ImportProfile) -> ColumnMapping:
    return ColumnMapping.from_dict(
        {
            "columns": profile.columns,
            "values": profile.values,
            "formats": profile.formats,
            "profile": profile.name,
        }
    )


def read_layout(
    importer: Importer, sheet: Sheet, *, profile: str | None = None
) -> Reading | Proposal:
    """How to read ``sheet``: with the named profile, with the kind's profile whose headers it
    has, or with ems's proposal when it is certain; the uncertain proposal otherwise."""
    proposal = columns.propose(sheet, importer.fields)
    if profile is not None:
        chosen = get_profile(importer.kind, profile)
        index = columns.find_layout(sheet, chosen.headers)
        return Reading(proposal.header_index if index is None else index, _profile_mapping(chosen))
    for known in list_profiles(importer.kind):
        index = columns.find_layout(sheet, known.headers)
        if index is not None:
            return Reading(index, _profile_mapping(known))
    if not proposal.certain:
        return proposal
    return Reading(proposal.header_index, proposal.mapping)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Reading, checking and writing a file makes hundreds of thousands of small objects that
    form no reference cycles; Python's cycle collector would scan them again and again as they
    grow (a fifth of an import's time). It is paused for the import and resumed after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _mapped(importer: Importer, sheet: Sheet, reading: Reading) -> Table:
    """The rows of ``sheet`` mapped to the import's fields; the sheet is consumed."""
    return columns.apply(
        sheet, reading.header_index, reading.mapping, importer.fields, consume=True
    )


def _planned(
    importer: Importer, table: Table, reading: Reading, on_progress: Progress | None
) -> Plan:
    plan = importer.plan(table, on_progress)
    plan.result.mapping = reading.mapping
    plan.result.ignored_columns = table.ignored
    plan.result.skipped_rows = table.skipped_rows
    return plan


def check_file(
    importer: Importer,
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    profile: str | None = None,
    reading: Reading | None = None,
) -> ImportResult:
    """Check a file and keep it, waiting for the go-ahead (``commit_batch``); nothing imported.
    A file of an unknown layout whose columns ems cannot map with certainty is kept waiting for
    its mapping instead (``result.needs_mapping``; see ``map_batch``)."""
    importer.require(actor)
    discard_expired_checks()
    digest = file_digest(data)
    batch = _batch(importer.kind, digest)
    if batch is not None and batch.status == "imported":
        return ImportResult(batch=batch, already_imported=True)
    with _without_cycle_collection():
        sheet = read_sheet(data, filename)
        layout = reading or read_layout(importer, sheet, profile=profile)
        if isinstance(layout, Proposal):
            result = ImportResult(proposal=layout)
            status, summary = "mapping", "columns to be mapped"
        else:
            table = _mapped(importer, sheet, layout)
            del sheet  # the file as read is freed while its rows are planned
            result = _planned(importer, table, layout, None).result
            status, summary = "checked", f"{result.rows} rows checked, kept for the go-ahead"
    if batch is None:
        batch = ImportBatch(kind=importer.kind, file_sha256=digest)
        db.session.add(batch)
    batch.status, batch.content, batch.created_at = status, data, utcnow()  # kept a day from now
    batch.mapping = None if isinstance(layout, Proposal) else layout.as_dict()
    _stamp(batch, actor=actor, filename=filename, rows=result.rows)
    db.session.flush()
    audit.record(
        actor=actor,
        action=f"{importer.kind}.import.checked",
        obj=batch,
        summary=f"{batch.filename}: {summary}",
        changes=audit.diff({}, {"file_sha256": digest, "rows": result.rows}),
    )
    result.batch = batch
    return result


def map_batch(
    importer: Importer, *, actor: User | None, batch: ImportBatch, mapping: ColumnMapping
) -> ImportResult:
    """Check a file kept for its mapping with the user's mapping of its columns (see
    save_profile to keep the mapping for later files of this layout)."""
    if batch.content is None or batch.status == "imported":
        raise ValidationFailed({"": _("This file was imported already.")})
    sheet = read_sheet(batch.content, batch.filename)
    header_index = columns.propose(sheet, importer.fields).header_index
    return check_file(
        importer,
        actor=actor,
        data=batch.content,
        filename=batch.filename,
        reading=Reading(header_index, mapping),
    )


#: an import of this many records or more refreshes the database's statistics (see extensions)
STATISTICS_AFTER_RECORDS = 1000

#: a file checked but not imported is kept this long for the go-ahead, then discarded
CHECKED_FILE_LIFETIME = dt.timedelta(days=1)


def check_expired(batch: ImportBatch) -> bool:
    """Whether a checked file waited too long for its go-ahead."""
    return (
        batch.status in ("checked", "mapping")
        and utcnow() - batch.created_at > CHECKED_FILE_LIFETIME
    )


def discard_expired_checks() -> int:
    """Discard the files checked more than a day ago and never imported; how many."""
    expired = db.session.scalars(
        sa.select(ImportBatch).where(
            ImportBatch.status.in_(("checked", "mapping")),
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


class MappingNeeded(ValidationFailed):
    """The file's layout is unknown and ems cannot map its columns with certainty."""

    def __init__(self, proposal: Proposal) -> None:
        self.proposal = proposal
        found = proposal.mapping.describe() or _("no column recognised")
        problems = [*proposal.doubts]
        if proposal.missing:
            problems.append(_("no column found for %(fields)s", fields=", ".join(proposal.missing)))
        super().__init__(
            {
                "file": _(
                    "The file's columns are not those of a known profile and ems is not sure "
                    "how to read them (%(problems)s). Proposed: %(found)s. Map them on the "
                    "import page or name a profile.",
                    problems="; ".join(problems),
                    found=found,
                )
            }
        )


def import_file(
    importer: Importer,
    *,
    actor: User | None,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    on_progress: Progress | None = None,
    profile: str | None = None,
    reading: Reading | None = None,
) -> ImportResult:
    """Import a file: all rows or none; records already there are skipped; the same file twice
    does nothing. The batch is one audited change and can be removed as a whole. The columns are
    read with ``reading``, the named ``profile``, a known profile or a certain proposal
    (MappingNeeded otherwise)."""
    importer.require(actor)
    digest = file_digest(data)
    batch = _batch(importer.kind, digest)
    if batch is not None and batch.status == "imported":
        return ImportResult(batch=batch, already_imported=True)
    with _without_cycle_collection():
        sheet = read_sheet(data, filename)
        layout = reading or read_layout(importer, sheet, profile=profile)
        if isinstance(layout, Proposal):
            raise MappingNeeded(layout)
        table = _mapped(importer, sheet, layout)
        del sheet  # the file as read is freed while its rows are planned
        plan = _planned(importer, table, layout, on_progress)
        if dry_run:
            return plan.result
        return _write_batch(
            importer, plan, layout, actor=actor, batch=batch, file=(digest, filename)
        )


def _write_batch(
    importer: Importer,
    plan: Plan,
    layout: Reading,
    *,
    actor: User | None,
    batch: ImportBatch | None,
    file: tuple[str, str],
) -> ImportResult:
    """Write a planned import: the batch, its records, the audit entry."""
    digest, filename = file
    result = plan.result
    if batch is None:
        batch = ImportBatch(kind=importer.kind, file_sha256=digest)
        db.session.add(batch)
    batch.status, batch.content, batch.imported_at = "imported", None, utcnow()
    batch.created_count, batch.skipped_count = result.created, len(result.skipped)
    batch.mapping = layout.as_dict()
    _stamp(batch, actor=actor, filename=filename, rows=result.rows)
    db.session.flush()
    plan.write(batch, actor)
    if result.created >= STATISTICS_AFTER_RECORDS:
        refresh_statistics()
    changes = {"file_sha256": digest, importer.noun: result.created, "rows": result.rows}
    if result.changed or result.cancelled:
        changes |= {"changed": len(result.changed), "cancelled": len(result.cancelled)}
    audit.record(
        actor=actor,
        action=f"{importer.kind}.import.committed",
        obj=batch,
        summary=f"{filename}: {result.created} {importer.noun} imported ({result.rows} rows), "
        f"{len(result.changed)} changed, {len(result.cancelled)} cancelled, "
        f"{len(result.skipped)} already there; read with "
        f"{layout.mapping.profile or 'the proposed mapping'}",
        changes=audit.diff({}, changes),
    )
    result.batch = batch
    return result


def commit_batch(
    importer: Importer,
    *,
    actor: User | None,
    batch: ImportBatch,
    on_progress: Progress | None = None,
) -> ImportResult:
    """Import a file kept by ``check_file``, read as it was checked; ``on_progress(rows)`` is
    told of the rows checked as they are."""
    # the batch as it is now, held: of two go-aheads (two clicks, two workers) one imports
    db.session.refresh(batch, with_for_update=True)
    if batch.status != "checked" or batch.content is None:
        raise ValidationFailed({"": _("This file was imported already.")})
    if check_expired(batch):
        raise ValidationFailed(
            {"": _("This file was checked more than a day ago. Upload it again to import it.")}
        )
    return import_file(
        importer,
        actor=actor,
        data=batch.content,
        filename=batch.filename,
        on_progress=on_progress,
        reading=Reading.from_dict(batch.mapping) if batch.mapping else None,
    )


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
                    ImportBatch.status == "imported",
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


def list_profiles(kind: str | None = None) -> list[ImportProfile]:
    """The saved file layouts (of ``kind``), by kind and name."""
    query = sa.select(ImportProfile).order_by(ImportProfile.kind, ImportProfile.name)
    if kind is not None:
        query = query.where(ImportProfile.kind == kind)
    return list(db.session.scalars(query))


def get_profile(kind: str, name: str) -> ImportProfile:
    """The profile of ``kind`` named ``name`` (case-insensitive); ValidationFailed if none."""
    for profile in list_profiles(kind):
        if profile.name.casefold() == name.strip().casefold():
            return profile
    known = ", ".join(profile.name for profile in list_profiles(kind)) or _("none")
    raise ValidationFailed(
        {
            "profile": _(
                "No %(kind)s profile is named “%(name)s” (known: %(known)s).",
                kind=kind,
                name=name[:80],
                known=known,
            )
        }
    )


#: the longest header or value a profile holds
PROFILE_TEXT_MAX_LEN = 500


def _check_profile(kind: str, name: str, headers: list[str], mapping: ColumnMapping) -> None:
    importer = _importers.get(kind)
    if importer is None:
        raise ValidationFailed({"kind": _("“%(kind)s” is not a kind of import.", kind=kind[:20])})
    errors: dict[str, str] = {}
    name = name.strip()
    if not name or len(name) > ImportProfile.NAME_MAX_LEN or has_control_characters(name):
        errors["name"] = _(
            "A profile needs a name of 1 to %(n)d characters.", n=ImportProfile.NAME_MAX_LEN
        )
    fields = {item.name for item in importer.fields}
    unknown = sorted(
        {name for name in mapping.columns.values() if name not in fields}
        | {name for name in mapping.values if name not in fields}
    )
    if unknown:
        errors["columns"] = _("Not fields of this import: %(names)s.", names=", ".join(unknown))
    if not [header for header in headers if header.strip()]:
        errors["headers"] = _("A profile needs the headers of the layout it reads.")
    known_headers = {columns.words(key) for key in columns.column_keys(headers)}
    strangers = [header for header in mapping.columns if columns.words(header) not in known_headers]
    if strangers and headers:
        errors["columns"] = _(
            "Not headers of the layout: %(names)s.", names=", ".join(strangers[:5])
        )
    missing = columns.missing_fields(importer.fields, mapping.columns.values())
    if missing:
        errors["fields"] = _(
            "No column is mapped to %(fields)s, which the import needs.",
            fields="; ".join(columns.fields_text(group) for group in missing),
        )
    strings = [
        *headers,
        *mapping.columns,
        *(v for m in mapping.values.values() for k in m.items() for v in k),
    ]
    if any(len(text) > PROFILE_TEXT_MAX_LEN for text in strings):
        errors["columns"] = _(
            "Headers and values are at most %(n)d characters long.", n=PROFILE_TEXT_MAX_LEN
        )
    if any(has_control_characters(text, multiline=True) for text in strings):
        errors["columns"] = _("Remove the control characters from the headers and values.")
    taken = list(mapping.columns.values())
    if len(taken) != len(set(taken)):
        errors["columns"] = _("Each field can be taken from one column only.")
    if errors:
        raise ValidationFailed(errors)


def save_profile(
    *, actor: User | None, kind: str, name: str, headers: list[str], mapping: ColumnMapping
) -> ImportProfile:
    """Save a file layout as a named profile of ``kind`` (replacing the profile of that name)."""
    _check_profile(kind, name, headers, mapping)
    name = name.strip()
    profile = next(
        (known for known in list_profiles(kind) if known.name.casefold() == name.casefold()), None
    )
    before = _profile_dict(profile) if profile is not None else {}
    if profile is None:
        profile = ImportProfile(kind=kind, name=name)
        db.session.add(profile)
    profile.headers = list(headers)
    profile.columns = dict(mapping.columns)
    profile.values = {field: dict(values) for field, values in mapping.values.items() if values}
    profile.formats = mapping.formats.as_dict()
    profile.updated_by_label = actor.email if actor else audit.CLI_ACTOR
    db.session.flush()
    audit.record(
        actor=actor,
        action=f"{kind}.import.profile_saved",
        obj=profile,
        summary=f"Import profile “{name}” saved: {len(profile.columns)} columns",
        changes=audit.diff(before, _profile_dict(profile)),
    )
    return profile


def _profile_dict(profile: ImportProfile) -> dict[str, Any]:
    return {
        "kind": profile.kind,
        "name": profile.name,
        "headers": list(profile.headers),
        "columns": dict(profile.columns),
        "values": {field: dict(values) for field, values in profile.values.items()},
        "formats": dict(profile.formats),
    }


#: the format of exported profiles, checked when they are imported
PROFILES_FORMAT = "ems-import-profiles/1"


def export_profiles(kind: str | None = None, name: str | None = None) -> dict[str, Any]:
    """Profiles as JSON-ready data, to move them to another installation."""
    chosen = [get_profile(kind, name)] if kind and name else list_profiles(kind)
    return {"format": PROFILES_FORMAT, "profiles": [_profile_dict(p) for p in chosen]}


def _export_entry(entry: Any) -> tuple[str, str, list[str], ColumnMapping]:
    """A profile of an export, its types checked (TypeError if any is wrong)."""

    def texts(value: Any) -> bool:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )

    if not isinstance(entry, dict):
        raise TypeError
    kind, name, headers = entry.get("kind"), entry.get("name"), entry.get("headers")
    columns, values = entry.get("columns", {}), entry.get("values", {})
    formats = entry.get("formats", {})
    if (
        not isinstance(kind, str)
        or not isinstance(name, str)
        or not isinstance(headers, list)
        or not all(isinstance(header, str) for header in headers)
        or not texts(columns)
        or not isinstance(values, dict)
        or not all(isinstance(k, str) and texts(v) for k, v in values.items())
        or not isinstance(formats, dict)
        or not all(isinstance(v, bool) for v in formats.values())
    ):
        raise TypeError
    return kind, name, headers, ColumnMapping.from_dict(entry)


def load_profiles(*, actor: User | None, data: Any) -> list[ImportProfile]:
    """Save the profiles of an export (see export_profiles): all of them or none."""
    if not isinstance(data, dict) or data.get("format") != PROFILES_FORMAT:
        raise ValidationFailed(
            {
                "file": _(
                    "Not an export of ems import profiles (%(format)s).", format=PROFILES_FORMAT
                )
            }
        )
    entries = data.get("profiles")
    if not isinstance(entries, list):
        raise ValidationFailed({"file": _("The export holds no list of profiles.")})
    saved = []
    for number, entry in enumerate(entries, start=1):
        try:
            kind, name, headers, mapping = _export_entry(entry)
            saved.append(
                save_profile(actor=actor, kind=kind, name=name, headers=headers, mapping=mapping)
            )
        except TypeError:
            raise ValidationFailed(
                {
                    "file": _(
                        "Profile %(n)d of the export is incomplete or has values of the wrong "
                        "type (kind and name are texts, headers a list of texts, columns and "
                        "values texts, formats true or false).",
                        n=number,
                    )
                }
            ) from None
        except ValidationFailed as exc:
            raise ValidationFailed(
                {
                    key: _("Profile %(n)d: %(problem)s", n=number, problem=message)
                    for key, message in exc.errors.items()
                }
            ) from None
    return saved


def delete_profile(*, actor: User | None, profile: ImportProfile) -> dict[str, Any]:
    """Delete a profile; what it held, as export_profiles writes it (to import it again)."""
    kept = {"format": PROFILES_FORMAT, "profiles": [_profile_dict(profile)]}
    audit.record(
        actor=actor,
        action=f"{profile.kind}.import.profile_deleted",
        obj=profile,
        summary=f"Import profile “{profile.name}” deleted",
        changes=audit.diff(_profile_dict(profile), {}),
    )
    db.session.delete(profile)
    db.session.flush()
    return kept
