"""Users, their roles, their server-side sessions, their API tokens and failed login attempts."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems import labels
from ems.extensions import Base, utcnow


class Role(enum.StrEnum):
    """What a user may do; a user may hold several roles."""

    travel = "travel"
    ems = "ems"
    management = "management"
    admin = "admin"

    @property
    def label(self) -> str:
        """The role's display name."""
        return str(ROLE_LABELS[self])


ROLE_LABELS = labels.enum_labels(Role, "role")


class User(Base):
    """A person who signs in to ems."""

    __tablename__ = "users"

    EMAIL_MAX_LEN = 254
    NAME_MAX_LEN = 120
    PASSWORD_MIN_LEN = 12
    #: longer passwords are refused before hashing, so they cannot be used to exhaust the server
    PASSWORD_MAX_LEN = 128

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-case; the login name
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX_LEN), unique=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN))
    #: argon2id hash in PHC string format
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: set for passwords chosen by someone else (first admin, admin resets): changed at next login
    must_change_password: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    #: the language ems speaks to this user in (a code of ems.languages); None: the browser's
    language: Mapped[str | None] = mapped_column(sa.String(8))
    #: optimistic lock: bumped on every update; a stale edit fails instead of overwriting
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # what Flask-Login asks of a user object
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The identifier Flask-Login keeps in the session."""
        return str(self.id)

    @property
    def roles(self) -> set[Role]:
        """The roles this user holds."""
        return {row.role for row in self.role_rows}

    def has_any_role(self, *roles: Role) -> bool:
        """True if the user holds one of ``roles``; administrators can do everything."""
        held = self.roles
        return Role.admin in held or any(role in held for role in roles)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, length=20, create_constraint=True, name="role"),
        primary_key=True,
    )

    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(Base):
    """A server-side session. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the signed-in user, so that all of a user's sessions can be ended at once
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: session contents, Flask's tagged JSON
    data: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    last_seen_at: Mapped[dt.datetime] = mapped_column(index=True)


class FailedLogin(Base):
    """A failed login attempt for an account name (known or not), for per-account throttling."""

    __tablename__ = "failed_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the lower-cased email that was tried
    email: Mapped[str] = mapped_column(sa.String(User.EMAIL_MAX_LEN), index=True)
    failed_at: Mapped[dt.datetime] = mapped_column(index=True)


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
