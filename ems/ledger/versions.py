"""Ledger versions, and figures kept per version so that they are computed once.

Every transaction that changes the records or lines of a year notes the year (`touched`:
ems.ledger.services.check_open_years, which every change of a record calls with the years it
changes, and the ledger's writes); just before the transaction commits, each year it touched
gets a new version in the same transaction, in year order. A version is a random 62-bit
number, so that it names one committed state of the year's records and lines, even across a
database rebuilt or restored under the same address: two readers that see the same version of
a year see the same committed data of it.

A figure read from the ledger is kept under the versions of the years it reads (`kept`), read
*before* the figure is computed: a figure is never older than the versions it is kept under,
and the commit of a later write, which changes a version, makes it unreachable. A session with
uncommitted ledger changes neither reads nor keeps figures (they include lines that may yet be
rolled back).

Figures are kept in the serving process (a bounded least-recently-used map, one figure per
name): each process computes a year's figures once per version of the year.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from ems.extensions import db
from ems.ledger.models import LedgerVersion

T = TypeVar("T")

#: the years whose lines the session's open transaction has changed
_TOUCHED = "ems.ledger.touched_years"
#: how many figures a process keeps, one per name (a dashboard reads about ten, a report about
#: twenty; names include their years)
KEPT_FIGURES = 512


def touched(years: Iterable[int]) -> None:
    """Note that the open transaction changes the lines of ``years``."""
    db.session.info.setdefault(_TOUCHED, set()).update(years)


def has_pending_changes(session: Session | None = None) -> bool:
    """Whether the open transaction has changed lines it has not committed."""
    return bool((session or db.session()).info.get(_TOUCHED))


def versions(years: Iterable[int] | None = None) -> tuple[tuple[int, int], ...]:
    """(year, version) of ``years`` (every year with a version when None), in year order; a
    year never written since versions exist is version 0."""
    stmt = sa.select(LedgerVersion.year, LedgerVersion.version).order_by(LedgerVersion.year)
    if years is None:
        return tuple((year, version) for year, version in db.session.execute(stmt))
    wanted = sorted(set(years))
    found: dict[int, int] = dict(
        db.session.execute(stmt.where(LedgerVersion.year.in_(wanted))).all()
    )
    return tuple((year, found.get(year, 0)) for year in wanted)


class _Kept:
    """A bounded map of computed figures, safe to share between a process's threads. A figure
    kept at new versions replaces the one of the same name at older versions (which no reader
    can reach any more), so the map holds one figure per name."""

    def __init__(self) -> None:
        self._figures: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: Hashable, state: Hashable) -> tuple[bool, Any]:
        with self._lock:
            found = self._figures.get(name)
            if found is None or found[0] != state:
                return False, None
            self._figures.move_to_end(name)
            return True, found[1]

    def put(self, name: Hashable, state: Hashable, figure: Any) -> None:
        with self._lock:
            self._figures[name] = (state, figure)
            self._figures.move_to_end(name)
            while len(self._figures) > KEPT_FIGURES:
                self._figures.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._figures.clear()


_kept = _Kept()


def kept(name: Hashable, years: Iterable[int] | None, compute: Callable[[], T]) -> T:
    """``compute()``, or the figure it gave at the same versions of ``years`` (None: every
    year). The figure is shared: callers must not change it."""
    if has_pending_changes():
        return compute()
    name = (str(db.engine.url), name)
    state = versions(years)
    found, figure = _kept.get(name, state)
    if not found:
        figure = compute()
        _kept.put(name, state, figure)
    return figure


def forget_kept() -> None:
    """Drop every kept figure (a database replaced under a running process, in tests)."""
    _kept.clear()


def _bump(session: Session) -> None:
    """Give the years the committing transaction touched new versions, in year order (so that
    two writers of the same years never wait for each other in a cycle). A savepoint's release
    is no commit: its years wait for the transaction's."""
    if session.in_nested_transaction():
        return
    years = session.info.pop(_TOUCHED, None)
    if not years:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for year in sorted(years):
        version = secrets.randbits(62) or 1  # 0 is "never written"
        session.execute(
            insert(LedgerVersion)
            .values(year=year, version=version)
            .on_conflict_do_update(index_elements=[LedgerVersion.year], set_={"version": version})
        )


def _forget_touched(session: Session, transaction: SessionTransaction) -> None:
    """The transaction ended (committed: its years were versioned; rolled back: nothing
    changed). A savepoint rolled back keeps the years noted: the transaction may have changed
    them before it, and a version given for nothing only costs a recomputation."""
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)


sa.event.listen(Session, "before_commit", _bump)
sa.event.listen(Session, "after_transaction_end", _forget_touched)
