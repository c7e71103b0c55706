"""API tokens: personal ones, and those administrators create for service accounts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems.auth.models import User
from ems.extensions import Base, utcnow


class ApiToken(Base):
    """A bearer token that acts as its user, with the user's roles.

    Only the SHA-256 of the secret is stored. The secret is 256 random bits, so a fast hash is
    enough: nobody can guess such a secret, and a slow password hash would only slow down every
    API request (passwords, chosen by people, get argon2id instead).
    """

    __tablename__ = "api_tokens"

    NAME_MAX_LEN = 80
    #: every secret starts with this, so that a leaked one is recognised (secret scanners)
    SECRET_PREFIX = "ems_"  # noqa: S105 (the marker of every secret, not a secret)
    #: how many leading characters of the secret are kept to tell tokens apart
    PREFIX_LEN = 12
    #: tokens one account may hold unrevoked
    MAX_ACTIVE_PER_USER = 20

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN))
    #: the first PREFIX_LEN characters of the secret, shown in lists
    prefix: Mapped[str] = mapped_column(sa.String(PREFIX_LEN))
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: who created it: the user, or an administrator for a service account
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    #: fixed-window rate limit: the clock minute counted (Unix time // 60) and its requests
    rate_window_minute: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    rate_window_requests: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def status(self, now: dt.datetime) -> str:
        """ "active", "revoked" or "expired" at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… of user {self.user_id}>"
