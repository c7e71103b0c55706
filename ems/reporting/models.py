"""Issued annual reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ems.extensions import Base, utcnow
from ems.org.models import FIRST_YEAR, LAST_YEAR


class IssuedReport(Base):
    """One issued version of a year's report: the PDF as issued, the figures it was built from,
    and the PDF's SHA-256. Never changed once written; a new issue is a new version."""

    __tablename__ = "issued_reports"
    __table_args__ = (
        sa.UniqueConstraint("year", "version"),
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    NOTE_MAX_LEN = 1000

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    #: 1 for the first issue of a year, then 2, 3, …
    version: Mapped[int]
    #: printed on the cover and every page, e.g. "EMS-2025-v2"
    identifier: Mapped[str] = mapped_column(sa.String(40), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    issued_by_label: Mapped[str] = mapped_column(sa.String(254))
    #: why this version was issued (e.g. a restatement); empty for a first issue
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX_LEN), default="")
    #: every figure and text the PDF was rendered from
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON, deferred=True)
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    pdf_size_bytes: Mapped[int]
    #: the language the report was written in (ems.languages); a year can be issued in several
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")


class IssuedReportFile(Base):
    """A file issued with a report version (the inventory export, the Greening-the-Blue pack),
    built from the same snapshot as its PDF and kept byte for byte with its SHA-256."""

    __tablename__ = "issued_report_files"
    __table_args__ = (sa.UniqueConstraint("issued_report_id", "name"),)

    NAME_MAX_LEN = 80

    id: Mapped[int] = mapped_column(primary_key=True)
    issued_report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("issued_reports.id", ondelete="CASCADE"), index=True
    )
    #: which file, e.g. "inventory.csv", "gtb-pack.xlsx"
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int]
