"""Server-side sessions stored in the database.

The cookie carries a random 256-bit token; the database keeps only its SHA-256, the session data,
the signed-in user and two timestamps. A session ends at logout, after the idle timeout, after the
absolute timeout, or when the user's sessions are ended (password change, deactivation): a cookie
copied before any of these no longer works.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterator
from typing import Any, cast

import flask
import sqlalchemy as sa
from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from ems.auth.models import UserSession
from ems.errors import API_PATH_PREFIX
from ems.extensions import db, utcnow

log = logging.getLogger(__name__)
_serializer = TaggedJSONSerializer()
_sessions = cast(sa.Table, UserSession.__table__)


@contextlib.contextmanager
def _transaction(*, writes: bool) -> Iterator[sa.Connection]:
    """A short transaction of its own, independent of the request's unit of work.

    A writing one takes SQLite's write lock up front; a reading one never waits for writers.
    """
    with db.engine.connect() as conn:
        conn.execution_options(sqlite_immediate=writes)
        with conn.begin():
            yield conn


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
        """Load the session named by the cookie, if it exists and has not expired.

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
        now = utcnow()
        try:
            with _transaction(writes=False) as conn:
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

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Write the session back, create or replace its row, and set or clear the cookie.

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
        if not session:
            if session.row_id is not None:
                with _transaction(writes=True) as conn:
                    conn.execute(sa.delete(_sessions).where(_sessions.c.id == session.row_id))
            if name in flask.request.cookies:
                response.delete_cookie(name, **self._cookie_options(app))
            return
        now = utcnow()
        values = {
            "data": _serializer.dumps(dict(session)),
            "user_id": _user_id(session),
            "last_seen_at": now,
        }
        with _transaction(writes=True) as conn:
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
            touch = dt.timedelta(seconds=app.config["SESSION_TOUCH_SECONDS"])
            stale = session.last_seen_at is None or now - session.last_seen_at >= touch
            if session.modified or stale:
                conn.execute(
                    sa.update(_sessions).where(_sessions.c.id == session.row_id).values(**values)
                )


def _user_id(session: ServerSession) -> int | None:
    """The signed-in user's id as Flask-Login keeps it in the session."""
    value = session.get("_user_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _purge_expired(
    conn: sa.Connection, now: dt.datetime, idle: dt.timedelta, absolute: dt.timedelta
) -> None:
    """Delete sessions that can no longer be used."""
    conn.execute(
        sa.delete(_sessions).where(
            sa.or_(_sessions.c.last_seen_at < now - idle, _sessions.c.created_at < now - absolute)
        )
    )
