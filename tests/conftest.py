"""Test fixtures: a migrated database (SQLite, or PostgreSQL when EMS_TEST_DATABASE_URL is set),
a fresh app per test with every table emptied afterwards, and helpers to create users and log in.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ems import create_app
from ems.auth import services as auth_services
from ems.auth.models import Role, User
from ems.extensions import db
from ems.ledger import versions

TEST_PASSWORD = "plum orbit candle 7 harbour"
CSRF_TOKEN = re.compile(
    r'<meta name="csrf-token" content="([^"]+)"|<input id="csrf_token" name="csrf_token" '
    r'type="hidden" value="([^"]+)"'
)


def pytest_report_header() -> str:
    return f"ems test database: {_server_url() or 'SQLite (temporary file)'}"


def _server_url() -> str | None:
    return os.environ.get("EMS_TEST_DATABASE_URL") or None


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """The configuration every test app gets."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        # background jobs run inside the request that queues them (tests/jobs runs real workers)
        "JOBS_IMMEDIATE": True,
        **overrides,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this test run: a SQLite file, or a new PostgreSQL database."""
    server_url = _server_url()
    if server_url is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'ems.sqlite3'}"
        return
    with fresh_postgresql_database(server_url) as url:
        yield url


class fresh_postgresql_database:  # noqa: N801 (used like a function, as a context manager)
    """Create a uniquely named database on the server of ``server_url``; drop it on exit."""

    def __init__(self, server_url: str) -> None:
        self.server = sa.make_url(server_url)
        self.name = f"ems_test_{uuid.uuid4().hex[:12]}"
        self.admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")

    def __enter__(self) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    """The test database, built by running every migration (as production databases are)."""
    app = create_app(app_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_url


def empty_all_tables() -> None:
    """Delete every row (the schema stays) so the next test starts from an empty database, and
    forget the figures kept for it (its years are "never written" again)."""
    versions.forget_kept()
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        # children before parents; a DELETE of a few rows is 30-100 times faster than TRUNCATE,
        # which PostgreSQL pays per table however empty
        for table in reversed(tables):
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":  # ids from 1 again, as after a fresh migration
            conn.exec_driver_sql(
                "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            )


class EmsClient(FlaskClient):
    """Test client that puts the session's CSRF token into form posts, like a browser form."""

    def csrf_token(self) -> str:
        """The CSRF token of this client's session (the page's meta tag or the login form)."""
        page = self.get("/auth/password", follow_redirects=True)
        match = CSRF_TOKEN.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1) or match.group(2)

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        # Each request gets its own app context, as in production (and on Flask 3.2): otherwise
        # Flask 3.1 reuses the test's, sharing its `g` and its database session. The test's own
        # transaction ends first, as no browser shares a transaction with anyone.
        db.session.rollback()
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def post(self, *args: Any, csrf: bool = True, **kwargs: Any) -> TestResponse:
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)) and "csrf_token" not in (data or {}):
            kwargs["data"] = {**(data or {}), "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)


@pytest.fixture
def app(migrated_database: str) -> Iterator[Flask]:
    """A fresh application on the migrated test database, emptied after the test."""
    app = create_app(app_config(migrated_database))
    app.test_client_class = EmsClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> EmsClient:
    """A browser-like client."""
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    """Create committed users through the auth service."""
    counter = iter(range(1, 10_000))

    def _create_user(
        email: str | None = None,
        *,
        roles: tuple[Role, ...] = (Role.travel,),
        password: str = TEST_PASSWORD,
        must_change_password: bool = False,
        name: str | None = None,
    ) -> User:
        number = next(counter)
        user = auth_services.create_user(
            actor=None,
            email=email or f"user{number}@example.org",
            name=name or f"Test User {number}",
            roles=roles,
            password=password,
            must_change_password=must_change_password,
        )
        db.session.commit()
        return user

    return _create_user


@pytest.fixture
def loaded(app: Flask) -> None:
    """The shipped factor sets (DESNZ, eGRID, Ember, USEEIO, the IPCC GWPs), committed."""
    from ems.factors import services as factors

    factors.load_shipped_sets(actor=None)
    db.session.commit()


def login_with(client: FlaskClient, user: User, password: str = TEST_PASSWORD) -> TestResponse:
    """Log ``user`` in on ``client`` through the login form; asserts it worked."""
    response = client.post("/auth/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login(app: Flask) -> Callable[..., TestResponse]:
    """Log a user in on a client: ``login(client, user)``."""
    return login_with
