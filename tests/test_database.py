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


@pytest.mark.parametrize("rows", [3, 150])  # on PostgreSQL: an INSERT, then COPY
def test_bulk_writes_read_back_as_the_orm_writes_them(app, rows):
    """Bulk writes store every kind of value as an ORM insert does: enumerations, exact
    decimals, UTC timestamps, booleans, None and text with tabs, quotes and line breaks."""
    from decimal import Decimal

    from ems.extensions import bulk_insert, utcnow
    from ems.factors import services as factors
    from ems.ledger.models import Basis, EmissionLine, SourceCategory

    factors.load_shipped_sets(actor=None)
    factor = db.session.scalars(sa.select(factors.EmissionFactor).limit(1)).one()
    now = utcnow()

    def line(activity_id: int) -> dict[str, object]:
        odd = activity_id % rows % 2  # the same for n and n + rows
        return {
            "activity_type": "test",
            "activity_id": activity_id,
            "item": "leg\t1 «GVA→NBO»",
            "year": 2025,
            "scope": 3,
            "scope3_category": 6 if odd else None,
            "source_category": SourceCategory.air_travel,
            "basis": Basis.with_rf if odd else None,
            "quantity": Decimal("1234.000000000000000001"),
            "quantity_unit": "passenger.km",
            "factor_id": factor.id,
            "factor_kgco2e_per_unit": Decimal("0.15102"),
            "factor_unit": "passenger.km",
            "co2e_g": 186_361 + activity_id,
            "method": "test",
            "calculation_version": "1",
            "factor_selection": "edition_year",
            "is_fallback": bool(odd),
            "note": 'a "quoted"\nnote\\',
            "created_at": now,
            "superseded_at": None,
        }

    bulk_insert(EmissionLine, [line(n) for n in range(rows)])
    db.session.add_all(EmissionLine(**line(n)) for n in range(rows, 2 * rows))
    db.session.commit()
    db.session.expire_all()
    found = db.session.scalars(
        sa.select(EmissionLine).where(EmissionLine.activity_type == "test")
    ).all()
    columns = [name for name in line(0) if name != "activity_id"]

    def seen(item: EmissionLine) -> tuple[object, ...]:
        return tuple(getattr(item, name) for name in columns if name not in ("co2e_g",))

    by_id = {item.activity_id: item for item in found}
    assert len(by_id) == 2 * rows
    for n in range(rows):
        assert seen(by_id[n]) == seen(by_id[n + rows]), n
        assert by_id[n].co2e_g == 186_361 + n
    assert by_id[0].quantity == Decimal("1234.000000000000000001")
    assert by_id[0].created_at == now


@pytest.mark.parametrize("rows", [3, 150])  # on PostgreSQL: an INSERT, then COPY
def test_a_bulk_write_that_breaks_a_constraint_raises_as_sqlalchemy_does(app, rows):
    """A clash in a bulk write is an IntegrityError whichever way it is written (the web
    answers 409 Conflict), and the transaction writes nothing."""
    from ems.extensions import bulk_insert

    with pytest.raises(sa.exc.IntegrityError):
        bulk_insert(Department, [{"name": "Same", "code": f"C{n}"} for n in range(rows)])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 0
