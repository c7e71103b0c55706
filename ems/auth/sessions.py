"""Server-side sessions stored in the database, for signed-in users.

The cookie carries a random 256-bit token; the database keeps only its SHA-256, the session data,
the signed-in user and two timestamps. A session ends at logout, after the idle timeout, after the
absolute timeout, or when the user's sessions are ended (password change, deactivation, "log out
everywhere"): a cookie copied before any of these no longer works.

An anonymous visitor's session (the CSRF token of the login form, messages, nothing else) is kept
in the same cookie, signed with the application's secret key: anonymous visits write nothing to the
database, and the login page works while the database is busy. The row is created at login. A
signed cookie never carries a signed-in user (it could not be ended): that is dropped when read.

A signed-in session is touched (its ``last_seen_at``) at most every ``SESSION_TOUCH_SECONDS``;
the touch never waits for a lock and may be skipped, so it can neither block nor fail a request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any, cast

import flask
import sqlalchemy as sa
from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface, SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import CallbackDict

from ems.auth.models import UserSession
from ems.errors import API_PATH_PREFIX
from ems.extensions import no_wait_connection, own_transaction, utcnow

log = logging.getLogger(__name__)
_serializer = TaggedJSONSerializer()
_sessions = cast(sa.Table, UserSession.__table__)
#: what Flask-Login keeps in a session to say who is signed in: never taken from a signed cookie
IDENTITY_KEYS = frozenset({"_user_id", "_fresh", "_id", "_remember", "_remember_seconds"})
#: a signed cookie holds dots (payload.timestamp.signature); a database token never does
_SIGNED_MARK = "."


class _AnonymousCookie(SecureCookieSessionInterface):
    """Flask's signed-cookie serializer, with a salt and digest of ems's own."""

    salt = "ems-anonymous-session"
    digest_method = staticmethod(hashlib.sha256)


_anonymous_cookie = _AnonymousCookie()


def anonymous_signer(app: Flask) -> URLSafeTimedSerializer:
    """Signs and reads anonymous session cookies with the application's secret key."""
    signer = _anonymous_cookie.get_signing_serializer(app)
    if signer is None:
        raise RuntimeError("SECRET_KEY is not set")
    return signer


def token_sha256(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Session data with the identity of its database row."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        *,
        row_id: int | None = None,
        last_seen_at: dt.datetime | None = None,
        is_unavailable: bool = False,
        from_cookie: bool = False,
    ) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.row_id = row_id
        self.last_seen_at = last_seen_at
        self.new = row_id is None
        self.modified = False
        self.regenerate_requested = False
        #: the session store could not be read: the request is answered with 503, nothing saved
        self.is_unavailable = is_unavailable
        #: read from a signed cookie (an anonymous session)
        self.from_cookie = from_cookie

    def regenerate(self) -> None:
        """Give this session a new token when the response is sent (call at login)."""
        self.regenerate_requested = True
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    """Keeps sessions in the ``user_sessions`` table, on their own short transactions."""

    def _timeouts(self, app: Flask) -> tuple[dt.timedelta, dt.timedelta]:
        return (
            dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
            dt.timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]),
        )

    def _cookie_options(self, app: Flask) -> dict[str, Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
        }

    def open_session(self, app: Flask, request: Request) -> ServerSession | None:
        """Load the session of the cookie: an anonymous one it holds, signed, or the row it names
        if that exists and has not expired.

        Expired rows are left for the purge that runs whenever a session is created. When the
        database cannot be read, the session is marked unavailable and the request answers 503.
        """
        if request.path.startswith(f"{app.static_url_path}/"):
            return None  # static files need no session: a null session, no database round trip
        if request.path.startswith(API_PATH_PREFIX):
            return None  # the API authenticates by token: no session, no cookie, whatever is sent
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        idle, absolute = self._timeouts(app)
        if _SIGNED_MARK in token:
            return self._open_signed(app, token, absolute)
        now = utcnow()
        try:
            with own_transaction(writes=False) as conn:
                row = conn.execute(
                    sa.select(
                        _sessions.c.id,
                        _sessions.c.data,
                        _sessions.c.created_at,
                        _sessions.c.last_seen_at,
                    ).where(_sessions.c.token_sha256 == token_sha256(token))
                ).one_or_none()
        except sa.exc.OperationalError:
            log.exception("session store unavailable")
            return ServerSession(is_unavailable=True)
        if row is None or now - row.last_seen_at > idle or now - row.created_at > absolute:
            return ServerSession()
        return ServerSession(
            _serializer.loads(row.data), row_id=row.id, last_seen_at=row.last_seen_at
        )

    def _open_signed(self, app: Flask, value: str, absolute: dt.timedelta) -> ServerSession:
        """The anonymous session of a signed cookie; a fresh one if it is forged or too old."""
        try:
            data = anonymous_signer(app).loads(value, max_age=int(absolute.total_seconds()))
        except BadSignature:
            return ServerSession()
        if not isinstance(data, dict):
            return ServerSession()
        anonymous = {key: value for key, value in data.items() if key not in IDENTITY_KEYS}
        return ServerSession(anonymous, from_cookie=True)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Write the session back: a signed-in one to its row (created or replaced at login), an
        anonymous one to a signed cookie; set or clear the cookie.

        A failure here comes after the view committed its work: it is logged, and the response
        goes out without the session change (the user may have to log in again).
        """
        assert isinstance(session, ServerSession)  # noqa: S101 (open_session made it)
        response.vary.add("Cookie")
        if session.is_unavailable:
            return
        try:
            self._save(app, session, response)
        except sa.exc.OperationalError:
            log.exception("session could not be saved")

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        if _user_id(session) is None:
            self._save_anonymous(app, session, response)
            return
        now = utcnow()
        if session.row_id is not None and not session.modified and not session.regenerate_requested:
            touch = dt.timedelta(seconds=app.config["SESSION_TOUCH_SECONDS"])
            if session.last_seen_at is None or now - session.last_seen_at >= touch:
                _touch(session.row_id, now)
            return  # nothing else changed: no write, no lock
        values = {
            "data": _serializer.dumps(dict(session)),
            "user_id": _user_id(session),
            "last_seen_at": now,
        }
        with own_transaction(writes=True) as conn:
            if session.regenerate_requested and session.row_id is not None:
                conn.execute(sa.delete(_sessions).where(_sessions.c.id == session.row_id))
                session.row_id = None
            if session.row_id is None:
                token = secrets.token_urlsafe(32)
                _purge_expired(conn, now, *self._timeouts(app))
                conn.execute(
                    sa.insert(_sessions).values(
                        token_sha256=token_sha256(token), created_at=now, **values
                    )
                )
                response.set_cookie(name, token, **self._cookie_options(app))
                return
            conn.execute(
                sa.update(_sessions).where(_sessions.c.id == session.row_id).values(**values)
            )

    def _save_anonymous(self, app: Flask, session: ServerSession, response: Response) -> None:
        """Keep an anonymous session in a signed cookie; end the row it had (at logout)."""
        name = self.get_cookie_name(app)
        had_row = session.row_id is not None
        if had_row:
            with own_transaction(writes=True) as conn:
                conn.execute(sa.delete(_sessions).where(_sessions.c.id == session.row_id))
            session.row_id = None
        if not session:
            if name in flask.request.cookies:
                response.delete_cookie(name, **self._cookie_options(app))
            return
        if session.modified or had_row or not session.from_cookie:
            value = anonymous_signer(app).dumps(dict(session))
            response.set_cookie(name, value, **self._cookie_options(app))


def _user_id(session: ServerSession) -> int | None:
    """The signed-in user's id as Flask-Login keeps it in the session."""
    value = session.get("_user_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _touch(row_id: int, now: dt.datetime) -> None:
    """Record that a session was used, if that needs no wait: the row or the database locked by
    a writer, the touch is skipped (the next request tries again). Never raises."""
    try:
        with no_wait_connection() as conn, conn.begin():
            row = _sessions.c.id == row_id
            if conn.dialect.name == "postgresql":  # a locked row is skipped, not waited for
                free = sa.select(_sessions.c.id).where(row).with_for_update(skip_locked=True)
                row = _sessions.c.id.in_(free.scalar_subquery())
            done = conn.execute(sa.update(_sessions).where(row).values(last_seen_at=now))
        if not done.rowcount:
            log.debug("session %s not touched: its row is locked (or gone)", row_id)
    except sa.exc.OperationalError as exc:
        log.debug("session %s not touched: %s", row_id, exc)


def _purge_expired(
    conn: sa.Connection, now: dt.datetime, idle: dt.timedelta, absolute: dt.timedelta
) -> None:
    """Delete sessions that can no longer be used."""
    conn.execute(
        sa.delete(_sessions).where(
            sa.or_(_sessions.c.last_seen_at < now - idle, _sessions.c.created_at < now - absolute)
        )
    )
