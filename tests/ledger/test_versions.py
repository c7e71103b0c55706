"""Figures kept per ledger version: computed once, never stale; writers of a year in parallel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from ems.extensions import db
from ems.inventory import services as inventory
from ems.ledger import services as ledger
from ems.ledger import versions
from tests.ledger.conftest import edition, record

FULL = inventory.Boundary.full


def total_g(year: int) -> int:
    return inventory.inventories(year)[FULL].total_g


def test_a_committed_write_is_read_back_at_once(meters):
    edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.commit()
    assert total_g(2024) == 10_000
    assert inventory.totals_by_year(FULL) == {2024: 10_000}
    record(2, 2024, "50")
    db.session.commit()
    assert total_g(2024) == 15_000  # not the 10,000 computed a moment ago
    assert inventory.totals_by_year(FULL) == {2024: 15_000}
    assert [c.after_g for c in inventory.change_explained(2024, FULL)] == [15_000]


def test_a_version_changes_on_commit_and_only_for_the_years_written(meters):
    edition(2023, "0.1")
    edition(2024, "0.1")
    record(1, 2023, "100")
    record(2, 2024, "100")
    db.session.commit()
    before = dict(versions.versions([2023, 2024]))
    assert 0 not in before.values()
    record(2, 2024, "200")
    assert dict(versions.versions([2023, 2024])) == before  # not before the commit
    db.session.commit()
    after = dict(versions.versions([2023, 2024]))
    assert after[2023] == before[2023]
    assert after[2024] != before[2024]
    record(1, 2023, "300")
    db.session.rollback()
    assert dict(versions.versions([2023, 2024])) == after


def test_uncommitted_lines_are_shown_to_their_writer_but_never_kept(meters):
    edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.commit()
    assert total_g(2024) == 10_000
    record(2, 2024, "50")
    assert total_g(2024) == 15_000  # the writer sees its own change
    db.session.rollback()
    assert total_g(2024) == 10_000  # and nobody sees it once it is rolled back


def test_a_figure_is_computed_once_per_version(meters, monkeypatch):
    edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.commit()
    computed: list[int] = []
    original = inventory._year_groups

    def counted(year: int) -> list[inventory.Group]:
        computed.append(year)
        return original(year)

    monkeypatch.setattr(inventory, "_year_groups", counted)
    assert total_g(2024) == total_g(2024) == 10_000
    assert computed == [2024]
    record(1, 2024, "120")
    db.session.commit()
    assert total_g(2024) == 12_000
    assert computed == [2024, 2024]


def test_a_kept_figure_is_not_changed_by_its_reader(meters):
    edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.commit()
    inventory.year_groups(2024).clear()
    inventory.headline_cells().clear()
    assert total_g(2024) == 10_000
    assert inventory.totals_by_year(FULL) == {2024: 10_000}


def _in_thread(app: Flask, work: Callable[[], object]) -> object:
    """``work()`` in a transaction of its own (another connection), committed; its exception
    if it raised one."""
    outcome: list[object] = []

    def run() -> None:
        with app.app_context():
            try:
                db.session.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
                outcome.append(work())
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                outcome.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return outcome[0]


def test_writers_of_one_year_do_not_wait_for_each_other_but_its_recalculation_does(app, meters):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    edition(2024, "0.1")
    record(1, 2024, "100")
    record(2, 2024, "100")
    db.session.commit()
    record(1, 2024, "150")  # uncommitted: holds the year shared and record 1 alone
    assert _in_thread(app, lambda: record(2, 2024, "50")) is None  # another record: no wait
    busy = _in_thread(app, lambda: record(1, 2024, "170"))  # the same record waits
    assert isinstance(busy, sa.exc.OperationalError)
    assert "lock timeout" in str(busy)
    meters[1] = (2024, Decimal(150))  # the stand-in store is not transactional: as committed
    refused = _in_thread(
        app, lambda: ledger.apply_recalculation(actor=None, year=2024, reason="new factors")
    )
    assert isinstance(refused, sa.exc.OperationalError)  # the year's recalculation waits
    assert _in_thread(app, lambda: record(3, 2025, "1")) is None  # nor a writer of 2025
    db.session.commit()
    assert total_g(2024) == 20_000  # 150 + 50 kWh
    recalculation = _in_thread(
        app, lambda: ledger.apply_recalculation(actor=None, year=2024, reason="new factors")
    )
    assert not isinstance(recalculation, Exception)
    assert total_g(2024) == 20_000


def _failed_savepoint() -> None:
    """A savepoint rolled back, as an API call that writes records one by one does on a bad
    one."""
    try:
        with db.session.begin_nested():
            raise ValueError("bad row")
    except ValueError:
        pass


def test_a_savepoint_rolled_back_after_a_write_leaves_its_year_changed(meters):
    edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.commit()
    assert total_g(2024) == 10_000
    before = versions.versions([2024])
    record(2, 2024, "50")  # in the transaction, before the savepoint
    _failed_savepoint()
    db.session.commit()
    assert versions.versions([2024]) != before
    assert total_g(2024) == 15_000


def test_a_savepoint_rolled_back_keeps_the_uncommitted_lines_out_of_the_kept_figures(meters):
    edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.commit()
    record(2, 2024, "50")
    _failed_savepoint()
    assert total_g(2024) == 15_000  # the writer's own view, not kept
    db.session.rollback()
    assert total_g(2024) == 10_000


def test_a_savepoint_released_is_no_commit(meters):
    edition(2024, "0.1")
    record(1, 2024, "100")
    db.session.commit()
    before = versions.versions([2024])
    with db.session.begin_nested():
        record(2, 2024, "50")
    assert versions.has_pending_changes()
    assert total_g(2024) == 15_000
    db.session.rollback()
    assert versions.versions([2024]) == before
    assert total_g(2024) == 10_000
