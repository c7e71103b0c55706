"""Import batches: one per file imported, removable as a whole."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ems.extensions import Base, utcnow
from ems.removals.models import Removable, unique_while_live


class ImportBatch(Removable, Base):
    """A file checked for import, then imported: what, by whom, when, and how many rows."""

    __tablename__ = "import_batches"
    __table_args__ = (
        unique_while_live("uq_import_batches_kind_file_sha256", "kind", "file_sha256"),
    )

    FILENAME_MAX_LEN = 255

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the file holds, e.g. "travel"
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: the name the file had on the user's computer (shown only; never used as a path)
    filename: Mapped[str] = mapped_column(sa.String(FILENAME_MAX_LEN))
    #: identifies the file: the same file is never imported twice
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: "mapping" (waiting for its columns to be mapped, file kept), "checked" (waiting for the
    #: user's go-ahead, file kept) or "imported"
    status: Mapped[str] = mapped_column(sa.String(10), default="checked")
    #: the file, while it waits to be imported
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    rows: Mapped[int] = mapped_column(default=0)
    #: what was created and what was skipped as already there
    created_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[dt.datetime | None]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    user_label: Mapped[str] = mapped_column(sa.String(254))
    #: how the file's columns were read: the profile's name or the proposal, with its columns,
    #: value mappings and formats (see ems.imports.mapping.ColumnMapping)
    mapping: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class ImportProfile(Base):
    """A named layout of a kind of file ("Agency X monthly export"): which column holds which
    field, how its values translate and how it writes numbers and dates. A later file with the
    same headers is recognised and read the same way."""

    __tablename__ = "import_profiles"
    __table_args__ = (sa.UniqueConstraint("kind", "name"),)

    NAME_MAX_LEN = 80

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN))
    #: the file's headers as written, in order (the layout is recognised by them, in any order)
    headers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: header → field; field → {file value → ems value}; {"day_first": …, "decimal_comma": …}
    columns: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    values: Mapped[dict[str, dict[str, str]]] = mapped_column(sa.JSON, default=dict)
    formats: Mapped[dict[str, bool]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_label: Mapped[str] = mapped_column(sa.String(254), default="")
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012
