"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from collections.abc import Callable, Iterator
from typing import Any, cast

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Session, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class ExactDecimal(sa.TypeDecorator[decimal.Decimal]):
    """A decimal stored as its text, so every digit survives on every database.

    SQLite keeps NUMERIC as a binary float; published factors carry up to 17 significant digits
    that must come back unchanged. Values are never summed in SQL (sums are of integer grams).
    """

    impl = sa.String(48)
    cache_ok = True

    def process_bind_param(self, value: decimal.Decimal | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, decimal.Decimal) or not value.is_finite():
            raise ValueError(f"a finite Decimal is required, not {value!r}")
        return str(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> decimal.Decimal | None:
        return None if value is None else decimal.Decimal(value)


class Base(DeclarativeBase):
    """Declarative base: constraint names follow NAMING_CONVENTION, datetimes are UTC."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UtcDateTime, decimal.Decimal: ExactDecimal},
    )


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


db = SQLAlchemy(model_class=Base)
# batch mode keeps ALTERs working on SQLite; compare_type lets `ems db check` see type drift
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def read_only() -> None:
    """Begin the session's transaction as one that only reads: on SQLite it takes no write
    lock, so a command that only looks never waits for a long writer (a job). Nothing if the
    session's transaction has begun already."""
    if db.session().get_transaction() is None:
        db.session.connection(execution_options={"sqlite_immediate": False})


def serialize(name: str, *, shared: bool = False) -> None:
    """Make concurrent transactions that call this with the same ``name`` run one at a time;
    ``shared`` ones run together, but never beside one that is not shared.

    For check-then-write rules (login throttling, the last administrator; a year's lines
    written by many while no one closes or recalculates it). PostgreSQL: a transaction-scoped
    advisory lock. SQLite: writing transactions are already serialized by BEGIN IMMEDIATE, so
    nothing is needed.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        lock = sa.func.pg_advisory_xact_lock_shared if shared else sa.func.pg_advisory_xact_lock
        db.session.execute(sa.select(lock(sa.func.hashtext(name))))


#: rows from which PostgreSQL's COPY pays for itself over a prepared INSERT
COPY_FROM_ROWS = 100


def bulk_insert(model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction: with one prepared statement, or on
    PostgreSQL with COPY.

    For imports of tens of thousands of rows: the values go through each column type's own
    bind processing (exactly as an ORM or Core insert would store them), but the statement is
    compiled once and the driver gets plain tuples.
    """
    if not rows:
        return
    connection = db.session.connection()
    columns = list(rows[0])
    table = cast(sa.Table, model.__table__)
    compiled = sa.insert(table).compile(dialect=connection.dialect, column_keys=columns)
    # the column types' own conversions, keyed by parameter name
    processors = cast(dict[str, Callable[[Any], Any]], compiled._bind_processors)
    copy = connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS
    names = columns if copy or not compiled.positional else compiled.positiontup
    assert names is not None  # noqa: S101 (positional statements list their parameters)
    columns_out = []  # converted column by column: far fewer branches than cell by cell
    for name in names:
        convert = processors.get(name)
        values = [row[name] for row in rows]
        if convert is not None and all(value is values[0] for value in values):
            values = [convert(values[0])] * len(values)  # one value for all (a timestamp, say)
        elif convert is not None:
            values = [convert(value) for value in values]
        columns_out.append(values)
    params: list[Any] = list(zip(*columns_out, strict=True))
    if copy:
        _copy(connection, table, names, params)
        return
    if not compiled.positional:
        params = [dict(zip(names, values, strict=True)) for values in params]
    connection.exec_driver_sql(compiled.string, params)


def _copy(connection: sa.Connection, table: sa.Table, columns: list[str], rows: list[Any]) -> None:
    """``rows`` (tuples of bound values, as ``columns``) written by PostgreSQL's COPY, each
    value sent in the text form of its Python type."""
    import psycopg  # only PostgreSQL installations use it

    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(table.c[name].name for name in columns)
    statement = f"COPY {table.name} ({names}) FROM STDIN"
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:  # as SQLAlchemy raises it (a clash: IntegrityError, 409)
        raise sa.exc.DBAPIError.instance(statement, None, error, psycopg.Error) from error


@contextlib.contextmanager
def own_transaction(*, writes: bool) -> Iterator[sa.Connection]:
    """A short transaction of its own, independent of the request's unit of work (sessions, an
    API token's count). A writing one takes SQLite's write lock up front; a reading one never
    waits for writers."""
    with db.engine.connect() as conn:
        conn.execution_options(sqlite_immediate=writes)
        with conn.begin():
            yield conn


@contextlib.contextmanager
def no_wait_connection() -> Iterator[sa.Connection]:
    """A connection whose transactions take SQLite's write lock at once or fail at once (busy
    timeout 0 for its use, restored after), for bookkeeping a request may skip (a session's or
    a token's last use); on PostgreSQL, a plain connection."""
    with db.engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        if conn.dialect.name != "sqlite":
            yield conn
            return
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            cursor.execute("PRAGMA busy_timeout=0")
            try:
                yield conn
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
        finally:
            cursor.close()


def refresh_statistics() -> None:
    """After a bulk load, give PostgreSQL's planner the tables' new statistics at once.

    Autovacuum gathers them a while later; until then a year's totals over thousands of fresh
    rows can be planned as if the tables were empty (tens of seconds instead of milliseconds).
    SQLite plans without such statistics: nothing to do there.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))


#: HTTP methods that must not change anything, so their transactions only read
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


#: set on ``g`` once a request has committed its unit of work
_COMMITTED = "ems_unit_of_work_committed"


@sa.event.listens_for(Session, "after_commit")
def _note_commit(_session: Session) -> None:
    if has_request_context():
        setattr(g, _COMMITTED, True)


def _request_may_write() -> bool:
    """Whether the current transaction may write: outside requests, and in a request that
    changes something until its view has committed. After the commit a view only reads (the
    message and the redirect); such a read waiting for another writer's lock would answer
    "busy" for a change that was saved."""
    if not has_request_context():
        return True
    return request.method not in READ_ONLY_METHODS and not g.get(_COMMITTED, False)


def configure_sqlite(engine: sa.Engine, *, busy_timeout_ms: int) -> None:
    """Per-connection pragmas and the pysqlite transaction fix. No-op for other databases.

    Without the fix, Python's sqlite3 driver issues its own BEGIN lazily and rows written in a
    released SAVEPOINT survive a rollback of the outer transaction.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # stop the driver's own BEGIN handling
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # SQLAlchemy now owns BEGIN, so SAVEPOINT/ROLLBACK behave. Transactions that may write
        # take the write lock up front (IMMEDIATE): a deferred transaction that read first and
        # writes later fails at once with "database is locked" if another connection committed
        # in between. Reading requests (GET) start deferred, so they never wait for writers.
        immediate = conn.get_execution_options().get("sqlite_immediate", _request_may_write())
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
