"""Server-side sessions: revocation at logout, new id at login, idle and absolute timeouts."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator

import sqlalchemy as sa
import time_machine

from ems.auth.models import Role, UserSession
from ems.extensions import db
from tests.conftest import CSRF_TOKEN, TEST_PASSWORD


def session_cookie(client) -> str:
    cookie = client.get_cookie(client.application.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def replay(app, token: str):
    """A new client that only has the captured cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], token)
    return other


def test_cookie_captured_before_logout_is_rejected_after_it(app, client, create_user, login):
    login(client, create_user())
    captured = session_cookie(client)
    assert replay(app, captured).get("/").status_code == 200

    client.post("/auth/logout")

    response = replay(app, captured).get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_login_issues_a_new_session_id(client, create_user, login):
    client.get("/auth/login")  # anonymous session with a CSRF token
    before = session_cookie(client)
    login(client, create_user())
    assert session_cookie(client) != before
    hashes = db.session.scalars(sa.select(UserSession.token_sha256)).all()
    assert len(hashes) == 1  # the anonymous session row was replaced, not kept


def test_only_a_hash_of_the_token_is_stored(client, create_user, login):
    login(client, create_user())
    token = session_cookie(client)
    stored = db.session.scalars(sa.select(UserSession.token_sha256)).all()
    assert token not in stored
    assert all(len(value) == 64 for value in stored)


def test_session_cookie_flags(app, client):
    response = client.get("/auth/login")
    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-ems_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in header
    assert "Domain" not in header
    assert "Expires" not in header


def test_idle_timeout_ends_the_session(app, client, create_user, login):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        login(client, create_user())
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))  # active 29 minutes ago: still fine
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        assert client.get("/").status_code == 302


def test_absolute_timeout_ends_an_active_session(app, client, create_user, login):
    with time_machine.travel(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC), tick=False) as clock:
        login(client, create_user())
        for _ in range(11 * 4):  # active every 15 minutes for 11 hours
            clock.shift(dt.timedelta(minutes=15))
            assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(hours=1, minutes=1))
        assert client.get("/").status_code == 302


def test_timeouts_are_configurable(migrated_database, create_user):
    from ems import create_app
    from tests.conftest import EmsClient, app_config, login_with

    app = create_app(app_config(migrated_database, SESSION_IDLE_MINUTES=5))
    app.test_client_class = EmsClient
    with (
        app.app_context(),
        time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock,
    ):
        client = app.test_client()
        login_with(client, create_user())
        clock.shift(dt.timedelta(minutes=6))
        assert client.get("/").status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_password_change_ends_other_sessions_but_keeps_this_one(app, create_user, login):
    user = create_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    response = laptop.post(
        "/auth/password",
        data={
            "current_password": "plum orbit candle 7 harbour",
            "new_password": "violet marble kettle 9 fjord",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302


def test_deactivating_a_user_ends_their_sessions(app, client, create_user, login):
    admin = create_user(roles=(Role.admin,))
    user = create_user()
    theirs = app.test_client()
    login(theirs, user)
    login(client, admin)
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert theirs.get("/").status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == user.id)
        )
        == 0
    )


def test_static_files_do_not_touch_the_session_table(app, client, create_user, login):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        login(client, create_user())
        clock.shift(dt.timedelta(minutes=5))  # past the touch interval: a page would write
        with client.get("/static/css/ems.css") as response:
            assert response.status_code == 200
            assert "Set-Cookie" not in response.headers
        seen = db.session.scalars(sa.select(UserSession.last_seen_at)).one()
        assert seen == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
        client.get("/")
        assert db.session.scalars(sa.select(UserSession.last_seen_at)).one() > seen


def test_anonymous_pages_without_forms_store_no_session(app, client):
    for _ in range(3):
        assert client.get("/nowhere").status_code == 404
        assert client.get("/").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_an_unreadable_session_store_answers_503(app, client, create_user, login, monkeypatch):
    from ems.auth import sessions

    login(client, create_user())

    def broken(**_kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(sessions, "own_transaction", broken)
    response = client.get("/org/")
    assert response.status_code == 503
    assert "Reference:" in response.get_data(as_text=True)


# --- anonymous sessions: a signed cookie, no row ----------------------------------------------


def csrf_of(page) -> str:
    match = CSRF_TOKEN.search(page.get_data(as_text=True))
    assert match
    return match.group(1) or match.group(2)


def session_rows() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) or 0


def test_an_anonymous_visit_to_the_login_page_writes_no_session_row(
    app, client, create_user, login
):
    user = create_user()
    for _ in range(3):
        page = client.get("/auth/login")
        assert page.status_code == 200
        assert 'name="csrf_token"' in page.get_data(as_text=True)
    assert session_rows() == 0
    assert "." in session_cookie(client)  # the anonymous session is a signed cookie
    login(client, user)  # the form's CSRF token, read back from the cookie, is accepted
    assert session_rows() == 1
    assert "." not in session_cookie(client)  # a random token naming the row


def test_logging_out_leaves_no_row_and_the_message_in_a_signed_cookie(
    app, client, create_user, login
):
    login(client, create_user())
    page = client.post("/auth/logout", follow_redirects=True)
    assert "You have logged out." in page.get_data(as_text=True)
    assert session_rows() == 0


def test_a_tampered_anonymous_cookie_is_a_fresh_session(app, client):
    client.get("/auth/login")
    value = session_cookie(client)
    forged = replay(app, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    page = forged.post(
        "/auth/login", data={"email": "a@example.org", "password": "x", "csrf_token": "x"}
    )
    assert page.status_code == 400  # its CSRF token is not believed


def test_a_signed_cookie_never_signs_anyone_in(app, create_user):
    from ems.auth.sessions import anonymous_signer

    user = create_user(roles=(Role.admin,))
    # even with the secret key, a cookie naming a user is not a session: that needs a row
    forged = anonymous_signer(app).dumps({"_user_id": str(user.id), "_fresh": True})
    response = replay(app, forged).get("/admin/users/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_a_login_works_when_the_login_page_could_not_write_to_the_database(
    app, client, create_user, monkeypatch
):
    from ems.auth import sessions

    user = create_user()
    real = sessions.own_transaction

    def locked(**_kwargs):
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    monkeypatch.setattr(sessions, "own_transaction", locked)
    page = client.get("/auth/login")
    assert page.status_code == 200
    monkeypatch.setattr(sessions, "own_transaction", real)
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": csrf_of(page)},
        csrf=False,
    )
    assert response.status_code == 302  # not 400: the CSRF token was in the cookie


def unreachable_database(url: str) -> str:
    """A database URL of the same kind as ``url`` that refuses connections."""
    if url.startswith("postgresql"):
        return sa.make_url(url).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)
    return "sqlite:////nonexistent-directory/ems.sqlite3"


def test_logging_in_while_the_database_refuses_connections_answers_503(migrated_database):
    from ems import create_app
    from tests.conftest import app_config

    app = create_app(app_config(unreachable_database(migrated_database)))
    client = app.test_client()
    page = client.get("/auth/login")  # needs no database: an anonymous, signed session
    assert page.status_code == 200
    response = client.post(
        "/auth/login",
        data={"email": "ana@example.org", "password": TEST_PASSWORD, "csrf_token": csrf_of(page)},
    )
    assert response.status_code == 503  # the database is down: not 400, the CSRF token held
    assert "Reference:" in response.get_data(as_text=True)


# --- the touch of last_seen_at never blocks nor fails a read ----------------------------------


@contextlib.contextmanager
def database_write_locked(app) -> Iterator[None]:
    """Another connection holds the lock a session write would need (SQLite's write lock; the
    rows of user_sessions on PostgreSQL) until the block ends."""
    db.session.rollback()
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(UserSession.id).with_for_update())
            else:
                conn.execute(sa.delete(UserSession).where(UserSession.id == -1))
            yield


def last_seen() -> dt.datetime:
    db.session.rollback()
    return db.session.scalars(sa.select(UserSession.last_seen_at)).one()


def test_a_due_touch_never_waits_for_a_lock(app, client, create_user, login, caplog):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        login(client, create_user())
        seen = last_seen()
        clock.shift(dt.timedelta(minutes=5))  # past the touch interval: a read would touch
        with (
            caplog.at_level(logging.DEBUG, logger="ems.auth.sessions"),
            database_write_locked(app),
        ):
            started = time.monotonic()
            response = client.get("/")
            elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < 2  # not the 5 s busy timeout (nor forever on PostgreSQL)
        assert "not touched" in caplog.text
        assert last_seen() == seen  # skipped…
        assert client.get("/").status_code == 200
        assert last_seen() > seen  # …and done by the next request
        if db.engine.dialect.name == "sqlite":  # the connection got its busy timeout back
            db.session.rollback()
            with db.engine.connect() as conn:
                cursor = conn.connection.dbapi_connection.cursor()
                assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_a_read_without_a_due_touch_takes_no_lock(app, client, create_user, login):
    login(client, create_user())
    with database_write_locked(app):
        started = time.monotonic()
        assert client.get("/").status_code == 200
        assert time.monotonic() - started < 2


def test_a_failed_touch_never_fails_the_request(app, client, create_user, login, monkeypatch):
    from ems.auth import sessions

    def broken():
        raise sa.exc.OperationalError("UPDATE", {}, Exception("disk I/O error"))

    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        login(client, create_user())
        clock.shift(dt.timedelta(minutes=5))
        monkeypatch.setattr(sessions, "no_wait_connection", broken)
        assert client.get("/").status_code == 200
