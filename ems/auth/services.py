"""Accounts, passwords and authentication. Services flush; the caller commits."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import secrets
from collections.abc import Iterable
from typing import cast

import argon2
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value
from zxcvbn import zxcvbn

from ems import languages
from ems.audit import services as audit
from ems.auth.models import ApiToken, FailedLogin, Role, User, UserRole, UserSession
from ems.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed, check_version
from ems.extensions import db, serialize, utcnow
from ems.validation import check_text, has_control_characters

#: zxcvbn's 0–4 guessability score a new password must reach
MIN_PASSWORD_SCORE = 3
ZXCVBN_MAX_LEN = 72


class LoginFailed(ServiceError):
    """Wrong email or password, or an inactive account (one message for all, no enumeration)."""


class WrongPassword(ValidationFailed):
    """The current password given to confirm a change was wrong (recorded as a failure)."""


class LoginThrottled(ServiceError):
    """Too many recent failures for this account."""

    def __init__(self, retry_after: dt.timedelta) -> None:
        super().__init__("login throttled")
        self.retry_after_minutes = max(1, -(-int(retry_after.total_seconds()) // 60))

    def message(self) -> str:
        """What the user is told."""
        return str(
            _(
                "Too many failed attempts for this account. Try again in %(n)d minutes.",
                n=self.retry_after_minutes,
            )
        )


@functools.cache
def _hasher(profile: str) -> argon2.PasswordHasher:
    return argon2.PasswordHasher.from_parameters(getattr(argon2.profiles, profile))


def password_hasher() -> argon2.PasswordHasher:
    """The argon2id hasher for the configured profile."""
    return _hasher(current_app.config["PASSWORD_HASH_PROFILE"])


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return password_hasher().hash(password)


def normalise_email(email: str) -> str:
    """The stored form of an email address (the login name)."""
    return email.strip().lower()


def _checked_email(email: str) -> str:
    errors: dict[str, str] = {}
    email = normalise_email(check_text(errors, "email", email, User.EMAIL_MAX_LEN))
    if not errors:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            errors["email"] = _("Enter a valid email address.")
    if errors:
        raise ValidationFailed(errors)
    return email


def _checked_name(name: str) -> str:
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, User.NAME_MAX_LEN)
    if errors:
        raise ValidationFailed(errors)
    return name


def _checked_roles(roles: Iterable[Role | str]) -> set[Role]:
    try:
        checked = {Role(role) for role in roles}
    except ValueError:
        raise ValidationFailed({"roles": _("Choose roles from the list.")}) from None
    if not checked:
        raise ValidationFailed({"roles": _("Choose at least one role.")})
    return checked


def check_password_policy(
    password: str, *, email: str = "", name: str = "", field: str = "password"
) -> None:
    """Refuse passwords that are too short, too long or easy to guess (ASVS 6.2)."""
    if len(password) < User.PASSWORD_MIN_LEN:
        raise ValidationFailed(
            {field: _("Use at least %(n)d characters.", n=User.PASSWORD_MIN_LEN)}
        )
    if len(password) > User.PASSWORD_MAX_LEN:
        raise ValidationFailed({field: _("Use at most %(n)d characters.", n=User.PASSWORD_MAX_LEN)})
    # zxcvbn refuses more than 72 characters; a longer password is judged by its first 72
    result = zxcvbn(password[:ZXCVBN_MAX_LEN], user_inputs=[part for part in (email, name) if part])
    if result["score"] < MIN_PASSWORD_SCORE:
        advice = _("This password is too easy to guess; a few unrelated words make a good one.")
        hint = result["feedback"].get("warning") or ""
        raise ValidationFailed({field: f"{advice} {hint}".strip()})


def _require_admin(actor: User | None) -> None:
    """Only administrators (or the command line, actor None) manage accounts."""
    if actor is not None and Role.admin not in actor.roles:
        raise PermissionDenied(_("Only administrators manage accounts."))


def _set_roles(user: User, roles: set[Role]) -> None:
    current = {row.role: row for row in user.role_rows}
    for role, row in current.items():
        if role not in roles:
            user.role_rows.remove(row)
    for role in sorted(roles - set(current)):
        user.role_rows.append(UserRole(role=role))


def _is_last_active_admin(user: User) -> bool:
    if not user.is_active or Role.admin not in user.roles:
        return False
    serialize("auth.active_admins")  # two admins removing each other must not both succeed
    stmt = (
        sa.select(sa.func.count())
        .select_from(User)
        .join(UserRole)
        .where(User.is_active.is_(True), UserRole.role == Role.admin, User.id != user.id)
    )
    return db.session.scalar(stmt) == 0


def generate_password() -> str:
    """A random password for a new or reset account, to be changed at first login."""
    return secrets.token_urlsafe(18)


def get_user(user_id: int) -> User:
    """The user with ``user_id``; NotFound if there is none."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


def find_user(email: str) -> User | None:
    """The user with this email address, if any."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def list_users() -> list[User]:
    """All accounts, active first, then by name."""
    return list(db.session.scalars(sa.select(User).order_by(User.is_active.desc(), User.name)))


def count_users() -> int:
    """How many accounts exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


def create_user(
    *,
    actor: User | None,
    email: str,
    name: str,
    roles: Iterable[Role | str],
    password: str,
    must_change_password: bool = True,
) -> User:
    """Create an account; ``must_change_password`` for passwords chosen by someone else."""
    _require_admin(actor)
    email = _checked_email(email)
    name = _checked_name(name)
    checked_roles = _checked_roles(roles)
    if find_user(email) is not None:
        raise ValidationFailed({"email": _("An account with this email address already exists.")})
    check_password_policy(password, email=email, name=name)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    _set_roles(user, checked_roles)
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor=actor,
        action="auth.user.created",
        obj=user,
        summary=f"Account {email} created",
        changes=audit.diff(
            {}, {"email": email, "name": name, "roles": audit.json_value(checked_roles)}
        ),
    )
    return user


def update_user(
    *,
    actor: User | None,
    user: User,
    name: str,
    roles: Iterable[Role | str],
    expected_version: int | None = None,
) -> User:
    """Change an account's name and roles."""
    _require_admin(actor)
    check_version(user.version_id, expected_version)
    name = _checked_name(name)
    checked_roles = _checked_roles(roles)
    if Role.admin not in checked_roles and _is_last_active_admin(user):
        raise ValidationFailed(
            {"roles": _("This is the last active administrator; keep the administrator role.")}
        )
    before = audit.snapshot(user, ["name", "roles"])
    user.name = name
    _set_roles(user, checked_roles)
    changes = audit.diff(before, audit.snapshot(user, ["name", "roles"]))
    if changes:
        user.updated_at = utcnow()  # bumps the version even when only roles changed
        db.session.flush()
        audit.record(
            actor=actor,
            action="auth.user.updated",
            obj=user,
            summary=f"Account {user.email} updated",
            changes=changes,
        )
    return user


def set_user_active(*, actor: User | None, user: User, is_active: bool) -> User:
    """Deactivate (ending all its sessions) or reactivate an account."""
    _require_admin(actor)
    if user.is_active == is_active:
        return user
    if actor is not None and actor.id == user.id:
        raise ValidationFailed({"": _("You cannot deactivate your own account.")})
    if not is_active and _is_last_active_admin(user):
        raise ValidationFailed(
            {"": _("This is the last active administrator; it cannot be deactivated.")}
        )
    user.is_active = is_active
    if not is_active:  # reactivation brings back neither sessions nor tokens
        _end_access(user, actor=actor, reason="account deactivated")
    db.session.flush()
    audit.record(
        actor=actor,
        action="auth.user.activated" if is_active else "auth.user.deactivated",
        obj=user,
        summary=f"Account {user.email} " + ("reactivated" if is_active else "deactivated"),
        changes=audit.diff({"is_active": not is_active}, {"is_active": is_active}),
    )
    return user


def reset_password(*, actor: User | None, user: User) -> str:
    """Give an account a new random password, to be changed at next login; returns it."""
    _require_admin(actor)
    if actor is not None and actor.id == user.id:
        raise ValidationFailed({"": _("Change your own password on the password page.")})
    password = generate_password()
    _set_password(user, password, is_temporary=True, actor=actor, reason="password reset")
    audit.record(
        actor=actor,
        action="auth.user.password_reset",
        obj=user,
        summary=f"Temporary password set for {user.email}",
    )
    return password


def change_password(*, user: User, current_password: str, new_password: str) -> None:
    """Change one's own password; all of the user's sessions end (the caller starts a new one).

    A wrong current password counts as a failed login of the account (and is throttled alike):
    the caller commits on WrongPassword and LoginThrottled too.
    """
    now = utcnow()
    _check_throttle(user.email, now, user=user)
    if len(current_password) > User.PASSWORD_MAX_LEN or not _verify(user, current_password):
        _record_failure(user.email, now, user=user, what="Wrong current password")
        raise WrongPassword({"current_password": _("The current password is not correct.")})
    if new_password == current_password:
        raise ValidationFailed(
            {"new_password": _("Choose a password different from the current one.")}
        )
    check_password_policy(new_password, email=user.email, name=user.name, field="new_password")
    _set_password(user, new_password, is_temporary=False, actor=user, reason="password changed")
    audit.record(
        actor=user,
        action="auth.user.password_changed",
        obj=user,
        summary=f"{user.email} changed their password",
    )


def _set_password(
    user: User, password: str, *, is_temporary: bool, actor: User | None, reason: str
) -> None:
    """Store a new password hash; end all of the user's sessions and revoke their tokens."""
    user.password_hash = hash_password(password)
    user.must_change_password = is_temporary
    user.password_changed_at = utcnow()
    _end_access(user, actor=actor, reason=reason)
    db.session.flush()


def _usable_tokens(user: User) -> sa.Select[ApiToken]:
    return sa.select(ApiToken).where(
        ApiToken.user_id == user.id,
        ApiToken.revoked_at.is_(None),
        sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
    )


def _end_access(user: User, *, actor: User | None, reason: str) -> tuple[int, int]:
    """End every server-side session of ``user`` (its cookies stop working) and revoke each of
    its usable API tokens (audited one by one, ``reason`` saying why). Returns both counts."""
    ended = db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))
    now = utcnow()
    tokens = list(db.session.scalars(_usable_tokens(user).order_by(ApiToken.id)))
    for token in tokens:
        token.revoked_at = now
    db.session.flush()
    for token in tokens:
        audit.record(
            actor=actor,
            action="api.token.revoked",
            obj=token,
            summary=f"API token {token.prefix}… “{token.name}” of {user.email} revoked: {reason}",
            changes={"revoked_at": {"before": None, "after": audit.json_value(now)}},
        )
    return cast(sa.CursorResult[object], ended).rowcount, len(tokens)


def count_access(user: User) -> tuple[int, int]:
    """How many live sessions and usable API tokens ``user`` has (a session past its timeouts
    may be counted until it is purged)."""
    sessions = db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )
    tokens = db.session.scalar(
        sa.select(sa.func.count()).select_from(_usable_tokens(user).subquery())
    )
    return sessions or 0, tokens or 0


def log_out_everywhere(*, actor: User | None, user: User) -> tuple[int, int]:
    """End all of an account's sessions and revoke all of its API tokens (a lost laptop, a leaked
    token); the password stays. Returns how many sessions ended and tokens were revoked."""
    _require_admin(actor)
    if actor is not None and actor.id == user.id:
        raise ValidationFailed(
            {"": _("Change your own password on the password page: it ends your other sessions.")}
        )
    sessions, tokens = _end_access(user, actor=actor, reason="logged out everywhere")
    audit.record(
        actor=actor,
        action="auth.user.logged_out_everywhere",
        obj=user,
        summary=(
            f"{user.email} logged out everywhere: {sessions} sessions ended, "
            f"{tokens} API tokens revoked"
        ),
    )
    return sessions, tokens


def confirm_password(*, user: User, password: str, field: str = "password") -> None:
    """Ask a signed-in user for their password again before a sensitive step (creating an API
    token), so that a stolen session does not become lasting access.

    A wrong password counts as a failed login of the account and is throttled alike: raises
    WrongPassword (the error under ``field``) or LoginThrottled; the caller commits on both.
    """
    now = utcnow()
    _check_throttle(user.email, now, user=user)
    if len(password) > User.PASSWORD_MAX_LEN or not _verify(user, password):
        _record_failure(user.email, now, user=user, what="Wrong password to confirm")
        raise WrongPassword({field: _("The password is not correct.")})


def _verify(user: User, password: str) -> bool:
    hasher = password_hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        _bookkeep(user, password_hash=hasher.hash(password))
    return True


def _bookkeep(user: User, **values: object) -> None:
    """Store login bookkeeping (last login, a rehashed password) without bumping the account's
    version: simultaneous logins to one account must not conflict with each other, nor with an
    administrator editing the account. A plain UPDATE, mirrored onto the loaded user."""
    users = cast(sa.Table, User.__table__)
    db.session.execute(
        sa.update(users)
        .where(users.c.id == user.id)
        .values(updated_at=users.c.updated_at, **values)  # not an edit of the account
    )
    for name, value in values.items():
        set_committed_value(user, name, value)


@functools.cache
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash(secrets.token_urlsafe(16))


def _check_throttle(email: str, now: dt.datetime, *, user: User | None) -> None:
    """Raise LoginThrottled if ``email`` had too many failures within the window."""
    serialize(f"auth.login:{email}")  # concurrent attempts for one account are counted in turn
    window = dt.timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    db.session.execute(sa.delete(FailedLogin).where(FailedLogin.failed_at < now - window))
    recent = list(
        db.session.scalars(
            sa.select(FailedLogin.failed_at)
            .where(FailedLogin.email == email)
            .order_by(FailedLogin.failed_at)
        )
    )
    if len(recent) >= current_app.config["LOGIN_MAX_FAILURES"]:
        audit.record(
            actor=user,
            action="auth.login.throttled",
            obj=user,
            object_type="users",
            summary=f"Login throttled for {email}",
        )
        db.session.flush()
        raise LoginThrottled(recent[0] + window - now)


def _record_failure(email: str, now: dt.datetime, *, user: User | None, what: str) -> None:
    db.session.add(FailedLogin(email=email, failed_at=now))
    audit.record(
        actor=user,
        action="auth.login.failed",
        obj=user,
        object_type="users",
        summary=f"{what} for {email}",
    )
    db.session.flush()


def authenticate(*, email: str, password: str) -> User:
    """Check a login; throttled per account after repeated failures.

    Raises LoginThrottled when the account name has had too many recent failures (whatever the
    password), LoginFailed for a wrong email or password or an inactive account. Failures are
    recorded (and audited) in the session: the caller commits on failure too.
    """
    email = normalise_email(email)
    if len(email) > User.EMAIL_MAX_LEN or has_control_characters(email):
        raise LoginFailed(email)  # no such account can exist
    now = utcnow()
    user = find_user(email)
    _check_throttle(email, now, user=user)
    if len(password) > User.PASSWORD_MAX_LEN:
        ok = False  # never hand an over-long password to argon2
    elif user is None:
        _verify_dummy(password)
        ok = False
    else:
        ok = _verify(user, password) and user.is_active
    if not ok:
        _record_failure(email, now, user=user, what="Failed login")
        raise LoginFailed(email)
    assert user is not None  # noqa: S101 (ok implies a user)
    db.session.execute(sa.delete(FailedLogin).where(FailedLogin.email == email))
    _bookkeep(user, last_login_at=now)
    audit.record(actor=user, action="auth.login.succeeded", obj=user, summary=f"{email} logged in")
    return user


def _verify_dummy(password: str) -> None:
    """Spend the time of a real verification, so unknown accounts answer no faster."""
    profile = current_app.config["PASSWORD_HASH_PROFILE"]
    with contextlib.suppress(argon2.exceptions.VerificationError):
        _hasher(profile).verify(_dummy_hash(profile), password)


def record_logout(*, user: User) -> None:
    """Audit a logout (the session itself is removed by the session interface)."""
    audit.record(actor=user, action="auth.logout", obj=user, summary=f"{user.email} logged out")


def set_language(*, user: User, language: str | None) -> None:
    """Set the language ems speaks to ``user`` in (a code of ems.languages); None: the
    browser's. Audited when it changes."""
    if language is not None and languages.known(language) is None:
        raise ValidationFailed({"language": _("Choose one of the languages offered.")})
    if user.language == language:
        return
    before, user.language = user.language, language
    audit.record(
        actor=user,
        action="auth.user.language_changed",
        obj=user,
        summary=f"{user.email} chose the language {language or 'of their browser'}",
        changes={"language": {"before": before, "after": language}},
    )
    db.session.flush()
