"""Honest answers under load: a saved change is never answered with an error, reads never wait
for the write lock, error pages need no database, and a database that does not answer is
reported as unavailable within seconds."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from ems import create_app
from ems.auth.models import Role
from ems.extensions import db
from ems.org import services as org
from ems.org.models import Department
from tests.api.conftest import trip_body
from tests.conftest import EmsClient, app_config, empty_all_tables, login_with


@pytest.fixture
def impatient_app(migrated_database: str) -> Iterator[Flask]:
    """The application with SQLite waiting 0.3 s for the write lock instead of 5 s."""
    app = create_app(app_config(migrated_database, SQLITE_BUSY_TIMEOUT_MS=300))
    app.test_client_class = EmsClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@contextlib.contextmanager
def writer_holding_the_lock_after_commit(app: Flask) -> Iterator[None]:
    """From the request's first commit on, another connection holds SQLite's write lock until
    the request has been answered (PostgreSQL has no database-wide write lock: no-op there)."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    holder = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=5)
    held = []

    def take_lock(_session: Any) -> None:
        if not held:
            holder.execute("BEGIN IMMEDIATE")
            held.append(True)

    sa.event.listen(sa.orm.Session, "after_commit", take_lock)
    try:
        yield
    finally:
        sa.event.remove(sa.orm.Session, "after_commit", take_lock)
        if held:
            holder.execute("ROLLBACK")
        holder.close()


def test_after_its_commit_a_request_only_reads(app):
    """SQLite: a changing request takes the write lock up front until its view commits; what it
    reads after (the message, the redirect) begins a reading transaction, which never waits."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    begins: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        with app.test_request_context("/org/departments/new", method="POST"):
            org.create_department(actor=None, name="Finance")
            db.session.commit()
            assert db.session.scalars(sa.select(Department.name)).all() == ["Finance"]
            db.session.rollback()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]


def test_a_form_saved_while_another_writer_holds_the_lock_is_answered_as_saved(
    impatient_app, create_user
):
    client = impatient_app.test_client()
    login_with(client, create_user(roles=(Role.ems,)))
    with writer_holding_the_lock_after_commit(impatient_app):
        response = client.post("/org/departments/new", data={"name": "Field offices"})
    assert response.status_code == 302, response.status_code
    assert [d.name for d in db.session.scalars(sa.select(Department))] == ["Field offices"]


def test_an_api_create_while_another_writer_holds_the_lock_is_answered_201(
    impatient_app, create_user
):
    from ems.api import services as api_services

    _token, secret = api_services.create_token(
        actor=None, user=create_user(roles=(Role.travel,)), name="t"
    )
    db.session.commit()
    client = impatient_app.test_client()
    with writer_holding_the_lock_after_commit(impatient_app):
        response = client.post(
            "/api/v1/trips",
            csrf=False,
            json=trip_body(paid_by="other"),
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["traveller"] == "Ana Silva"


def test_api_reads_do_not_wait_for_the_write_lock(impatient_app, create_user):
    """A token's request counter and last use are never a reason for a read to fail."""
    from ems.api import services as api_services

    _token, secret = api_services.create_token(
        actor=None, user=create_user(roles=(Role.travel,)), name="t"
    )
    db.session.commit()
    client = impatient_app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    holder = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=5)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        answers = [client.get("/api/v1/trips", headers=headers).status_code for _ in range(5)]
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answers == [200] * 5
    assert elapsed < 1.5  # no request waited out the 0.3 s busy timeout
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["rate_limit_remaining"] == me["rate_limit_per_minute"] - 6  # all counted


def test_the_busy_page_needs_no_database(app, client, create_user):
    """When the database fails mid-request, the 503 page is drawn without it (the signed-in
    user is not loaded again) and tells the client when to retry."""
    failing = []

    def fail(*_args: Any) -> None:
        if failing:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("database is locked"))

    @app.get("/test/busy")
    def busy() -> str:
        failing.append(True)
        db.session.execute(sa.text("SELECT 1"))
        return "unreachable"

    login_with(client, create_user(roles=(Role.ems,)))
    sa.event.listen(db.engine, "before_cursor_execute", fail)
    try:
        response = client.get("/test/busy")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", fail)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Service busy" in response.get_data(as_text=True)


@pytest.fixture
def silent_database_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung database host)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_database_that_never_answers_is_a_503_within_seconds(silent_database_server):
    app = create_app(
        app_config(
            f"postgresql+psycopg://ems@127.0.0.1:{silent_database_server}/ems",
            DATABASE_CONNECT_TIMEOUT_SECONDS=1,
            WTF_CSRF_ENABLED=False,
        )
    )
    client = app.test_client()
    started = time.monotonic()
    response = client.post(
        "/auth/login", data={"email": "someone@example.org", "password": "any password at all"}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "Service busy" in response.get_data(as_text=True)
    assert elapsed < 5


def test_a_form_sent_without_its_version_is_refused(client, create_user, login):
    department = org.create_department(actor=None, name="Finance")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    response = client.post(f"/org/departments/{department.id}/edit", data={"name": "Treasury"})
    assert response.status_code == 200
    assert "sent without the version" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Department, department.id).name == "Finance"


def test_the_api_documentation_does_not_repeat_the_host_header(app, client):
    page = client.get("/api/v1/docs", headers={"Host": "attacker.example"})
    assert page.status_code == 200
    assert "attacker.example" not in page.get_data(as_text=True)
    app.config["PUBLIC_URL"] = "https://ems.example.org/"
    assert "https://ems.example.org/api/v1" in client.get("/api/v1/docs").get_data(as_text=True)


def test_a_missing_version_is_titled_as_such(app, client, create_user):
    from ems.api import services as api_services
    from tests.api.conftest import paid_by_others_trip

    _token, secret = api_services.create_token(
        actor=None, user=create_user(roles=(Role.travel,)), name="t"
    )
    db.session.commit()
    trip_id = paid_by_others_trip("REF1")
    change = {
        "traveller": "Ben Jones",
        "paid_by": "other",
        "legs": [{"origin": "GVA", "destination": "CDG", "departure_on": "2024-03-04"}],
    }
    response = client.put(
        f"/api/v1/trips/{trip_id}",
        json=change,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 428
    assert response.get_json()["title"] == "Version required"
