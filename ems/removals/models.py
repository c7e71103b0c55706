"""Removals, and the mark a removed record carries.

A removed record stays in its table with ``removal_id`` set; every ORM query leaves such rows
out (``hide_removed``), so a removal is undone by clearing the mark and
bringing its ledger lines back.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ems.extensions import Base, utcnow

#: the condition of rows not removed, for partial unique indexes (PostgreSQL and SQLite)
NOT_REMOVED = "removal_id IS NULL"


def unique_while_live(name: str, *columns: str) -> sa.Index:
    """A unique index over the rows that are not removed: a removed record does not hold its
    booking reference or file against a new one."""
    return sa.Index(
        name,
        *columns,
        unique=True,
        postgresql_where=sa.text(NOT_REMOVED),
        sqlite_where=sa.text(NOT_REMOVED),
    )


class Removal(Base):
    """One removal: a trip, a record or an import batch with its records, restorable."""

    __tablename__ = "removals"

    SUMMARY_MAX_LEN = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what was removed, e.g. "trip", "energy_record", "import:travel" (see services.KINDS)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    #: what people read, e.g. "Trip 12 of Ana Silva from 2025-03-04"
    summary: Mapped[str] = mapped_column(sa.String(SUMMARY_MAX_LEN))
    #: the records removed (trips, energy records, purchases …), not counting an import batch
    record_count: Mapped[int]
    #: grams CO2e of their current lines at removal, headline basis (air without RF, scope 2
    #: market-based), and the years those lines were in
    co2e_g: Mapped[int] = mapped_column(sa.BigInteger)
    years: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    removed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    removed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    removed_by_label: Mapped[str] = mapped_column(sa.String(254))
    restored_at: Mapped[dt.datetime | None]
    restored_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    restored_by_label: Mapped[str] = mapped_column(sa.String(254), default="")

    @property
    def is_restored(self) -> bool:
        """True once the removal was undone."""
        return self.restored_at is not None


class Removable:
    """Mixin of the records that can be removed and restored (trips, activity records, imports).

    A removed record keeps its row and its id, so its history (audit trail, ledger lines) stays
    attached to it when it is restored.
    """

    @declared_attr
    def removal_id(cls) -> Mapped[int | None]:  # noqa: N805 (declared_attr takes the class)
        """The removal that took the record away; None while it is part of the records."""
        return mapped_column(sa.ForeignKey("removals.id"), index=True)


#: execution option that lets a query see removed records (restoring, the removals page)
INCLUDE_REMOVED = "include_removed"


@sa.event.listens_for(orm.Session, "do_orm_execute")
def hide_removed(state: orm.ORMExecuteState) -> None:
    """Leave removed records out of every ORM SELECT unless it asks for them."""
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get(INCLUDE_REMOVED, False)
    ):
        state.statement = state.statement.options(
            orm.with_loader_criteria(
                Removable, lambda cls: cls.removal_id.is_(None), include_aliases=True
            )
        )
