"""Who is calling the API: the bearer token, its user's roles, and the token's rate limit.

Each request with a valid token counts against the token's fixed one-minute window, and is
counted whether the request then succeeds or fails:

- on PostgreSQL, in the database, in one UPDATE on a short transaction of its own, so that the
  count holds across worker processes and hosts; the same statement records the token's last use.
  It locks the token's row only, so it waits for nothing but the same token's other requests.
- on SQLite, which has one write lock for the whole database and is served by one process, in that
  process's memory: a read must never wait for the write lock, nor fail for want of it. The last
  use is written at most once a minute, and only when the write lock is free at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext as _

from ems.api.services import token_sha256
from ems.auth.models import ApiToken, Role, User
from ems.auth.permissions import ALLOWED_ROLES_ATTR
from ems.errors import PermissionDenied
from ems.extensions import db, no_wait_connection, own_transaction, utcnow

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

_tokens = cast(sa.Table, ApiToken.__table__)
_users = cast(sa.Table, User.__table__)
#: longer Authorization values are refused before any work
MAX_SECRET_LEN = 200
SECONDS_PER_MINUTE = 60


class Unauthenticated(Exception):
    """No token, or one that is unknown, revoked, expired or of a deactivated account."""

    def __init__(self, detail: str, *, invalid: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        #: a token was sent (and refused), as opposed to none at all
        self.invalid = invalid


class RateLimited(Exception):
    """The token made more requests this minute than allowed."""

    def __init__(self, limit: int, retry_after_seconds: int) -> None:
        super().__init__(f"more than {limit} requests a minute")
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class Caller:
    """The token of the current request, its user and what is left of its minute."""

    token_id: int
    user: User
    limit: int
    remaining: int
    reset_seconds: int


def _secret() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.strip().partition(" ")
    if not header or scheme.lower() != "bearer":
        raise Unauthenticated(
            _("Send an API token in the header “Authorization: Bearer <token>”."), invalid=False
        )
    secret = secret.strip()
    if not secret.startswith(ApiToken.SECRET_PREFIX) or len(secret) > MAX_SECRET_LEN:
        raise Unauthenticated(_("This API token is not valid."), invalid=True)
    return secret


def authenticate() -> Caller:
    """The caller of this request; counts the request against the token's minute.

    Raises Unauthenticated or RateLimited.
    """
    secret = _secret()
    now = utcnow()
    limit = int(current_app.config["API_RATE_LIMIT_PER_MINUTE"])
    minute, second = divmod(int(now.timestamp()), SECONDS_PER_MINUTE)
    usable = (
        _tokens.c.revoked_at.is_(None),
        sa.or_(_tokens.c.expires_at.is_(None), _tokens.c.expires_at > now),
    )
    refused = Unauthenticated(
        _("This API token is not valid: unknown, revoked or expired."), invalid=True
    )
    # looked up first without a lock, so that unknown tokens never take SQLite's write lock
    with own_transaction(writes=False) as conn:
        row = conn.execute(
            sa.select(_tokens.c.id, _tokens.c.user_id, _tokens.c.last_used_at)
            .join(_users, _users.c.id == _tokens.c.user_id)
            .where(_tokens.c.token_sha256 == token_sha256(secret), _users.c.is_active, *usable)
        ).one_or_none()
    if row is None:
        raise refused
    if db.engine.dialect.name == "sqlite":
        count = _count_in_memory(token_sha256(secret), minute)
        if row.last_used_at is None or now - row.last_used_at >= LAST_USE_PRECISION:
            _note_use_without_waiting(row.id, now)
    else:
        with own_transaction(writes=True) as conn:
            counted = conn.execute(
                sa.update(_tokens)
                .where(_tokens.c.id == row.id, *usable)  # still usable: not revoked meanwhile
                .values(
                    rate_window_requests=sa.case(
                        (
                            _tokens.c.rate_window_minute == minute,
                            _tokens.c.rate_window_requests + 1,
                        ),
                        else_=1,
                    ),
                    rate_window_minute=minute,
                    last_used_at=now,
                )
                .returning(_tokens.c.rate_window_requests)
            ).scalar_one_or_none()
        if counted is None:
            raise refused
        count = counted
    reset = SECONDS_PER_MINUTE - second
    if count > limit:
        raise RateLimited(limit, reset)
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:  # deactivated a moment ago
        raise Unauthenticated(_("This API token is not valid."), invalid=True)
    return Caller(
        token_id=row.id, user=user, limit=limit, remaining=limit - count, reset_seconds=reset
    )


#: SQLite: requests counted this process, by the token's SHA-256: (the clock minute, its requests)
_windows: dict[str, tuple[int, int]] = {}
_windows_lock = threading.Lock()
#: SQLite: a token's last use is written when the stored one is older than this
LAST_USE_PRECISION = dt.timedelta(minutes=1)


def _count_in_memory(token_key: str, minute: int) -> int:
    """This request's number in the token's minute, counted in this process."""
    with _windows_lock:
        counted_minute, requests = _windows.get(token_key, (minute, 0))
        requests = requests + 1 if counted_minute == minute else 1
        _windows[token_key] = (minute, requests)
        if len(_windows) > MAX_WINDOWS:  # tokens of past minutes are forgotten
            for stale in [key for key, (m, _n) in _windows.items() if m != minute]:
                del _windows[stale]
        return requests


#: more tokens than this counted in memory and the past minutes' counts are dropped
MAX_WINDOWS = 10_000


def _note_use_without_waiting(token_id: int, now: dt.datetime) -> None:
    """Record the token's last use if SQLite's write lock is free this instant; else skip it
    (the next request a minute on will try again)."""
    try:
        with no_wait_connection() as conn, conn.begin():
            conn.execute(
                sa.update(_tokens).where(_tokens.c.id == token_id).values(last_used_at=now)
            )
    except sa.exc.OperationalError:
        log.debug("token %s: last use not recorded, the database is busy", token_id)


def token_required(*roles: Role) -> Callable[[F], F]:
    """Admit requests whose token's user holds one of ``roles`` (administrators always pass);
    others get 401 (no valid token), 429 (too many requests) or 403 (a role missing)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            caller = authenticate()
            g.api_caller = caller
            if not caller.user.has_any_role(*roles):
                raise PermissionDenied(_("The token's account does not have access to this."))
            return view(*args, **kwargs)

        setattr(wrapped, ALLOWED_ROLES_ATTR, frozenset(roles))
        return cast(F, wrapped)

    return decorator


def caller() -> Caller:
    """The authenticated caller (views behind token_required only)."""
    return cast(Caller, g.api_caller)
