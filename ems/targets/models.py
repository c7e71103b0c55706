"""Declared baselines, targets, and reported and restated totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ems.extensions import Base, utcnow
from ems.ledger.models import SourceCategory
from ems.org.models import FIRST_YEAR, LAST_YEAR

_SOURCE = sa.Enum(
    SourceCategory, native_enum=False, length=20, create_constraint=True, name="source_category"
)


class DeclaredBaseline(Base):
    """A baseline-year figure of one source in one boundary, declared from an earlier inventory
    where the records of that year are not in ems (most organisations have no 2010 records)."""

    __tablename__ = "declared_baselines"
    __table_args__ = (
        sa.UniqueConstraint("year", "boundary", "source_category"),
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
    )

    SOURCE_MAX_LEN = 300
    NOTE_MAX_LEN = 1000

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    #: "gtb" or "full" (see ems.inventory.services.Boundary)
    boundary: Mapped[str] = mapped_column(sa.String(10))
    source_category: Mapped[SourceCategory] = mapped_column(_SOURCE)
    co2e_kg: Mapped[Decimal]
    #: where the figure comes from, e.g. "Greening the Blue 2011 report, table 3"
    source: Mapped[str] = mapped_column(sa.String(SOURCE_MAX_LEN))
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX_LEN), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


class Target(Base):
    """A reduction target beside the organisation's main one: per capita, or for one source."""

    __tablename__ = "targets"
    __table_args__ = (
        sa.CheckConstraint("baseline_year < target_year", name="baseline_before_target"),
        sa.CheckConstraint("reduction_pct > 0 AND reduction_pct <= 100", name="reduction_range"),
    )

    NAME_MAX_LEN = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN), unique=True)
    boundary: Mapped[str] = mapped_column(sa.String(10))
    #: the source it is for; None: every source of the boundary
    source_category: Mapped[SourceCategory | None] = mapped_column(_SOURCE)
    per_capita: Mapped[bool] = mapped_column(default=False)
    baseline_year: Mapped[int]
    target_year: Mapped[int]
    #: reduction against the baseline by the target year, in whole percent
    reduction_pct: Mapped[int]
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


class ReportedTotal(Base):
    """A year's total as it was reported, or as it was later restated (GHG Protocol base-year
    and reporting recalculation policy): the two series are kept side by side."""

    __tablename__ = "reported_totals"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('reported', 'restated')", name="kind_valid"),
        sa.CheckConstraint("co2e_g >= 0", name="co2e_not_negative"),
    )

    REASON_MAX_LEN = 1000
    APPROVER_MAX_LEN = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    boundary: Mapped[str] = mapped_column(sa.String(10))
    #: "reported" (the figure published) or "restated" (a later correction of it)
    kind: Mapped[str] = mapped_column(sa.String(10))
    co2e_g: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LEN), default="")
    #: who approved the restatement (or the reporting), as they sign
    approved_by: Mapped[str] = mapped_column(sa.String(APPROVER_MAX_LEN), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_by_label: Mapped[str] = mapped_column(sa.String(254))
