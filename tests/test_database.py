"""Database set-up: the SQLite transaction fix, pragmas, exact integers, UTC datetimes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ems.extensions import db
from ems.org.models import Department


def count_departments() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Department)) or 0


def test_rolled_back_outer_transaction_leaves_no_rows_written_in_savepoints(app):
    """Without the pysqlite fix, rows from released savepoints survive the outer rollback."""
    for number in range(2):
        with db.session.begin_nested():
            db.session.add(Department(name=f"Unit {number}"))
    db.session.flush()
    assert count_departments() == 2
    db.session.rollback()
    assert count_departments() == 0


def test_rolled_back_savepoint_discards_only_its_own_rows(app):
    db.session.add(Department(name="Kept"))
    savepoint = db.session.begin_nested()
    db.session.add(Department(name="Discarded"))
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert db.session.scalars(sa.select(Department.name)).all() == ["Kept"]


def test_sqlite_pragmas(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_foreign_keys_are_enforced(app):
    from ems.auth.models import UserRole

    db.session.add(UserRole(user_id=999_999, role="travel"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_check_constraints_are_enforced(app):
    from ems.org.models import Headcount

    db.session.add(Headcount(year=2024, headcount=0, note=""))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_datetimes_come_back_as_utc(app, create_user):
    user = create_user()
    db.session.expire_all()
    assert user.created_at.tzinfo is dt.UTC


def test_naive_datetimes_are_refused(app, create_user):
    user = create_user()
    user.last_login_at = dt.datetime(2026, 1, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()
