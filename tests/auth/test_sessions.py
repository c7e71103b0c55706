"""Server-side sessions: revocation at logout, new id at login, idle and absolute timeouts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from ems.auth.models import Role, UserSession
from ems.extensions import db


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

    monkeypatch.setattr(sessions, "_transaction", broken)
    response = client.get("/org/")
    assert response.status_code == 503
    assert "Reference:" in response.get_data(as_text=True)
