"""API tokens (created, listed, revoked) and the API's bulk entry of trips. Services flush; the
caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ems.audit import services as audit
from ems.auth.models import ApiToken, Role, User
from ems.errors import NotFound, PermissionDenied, ValidationFailed
from ems.extensions import db, utcnow
from ems.travel import services as travel
from ems.travel.models import Trip, TripSource
from ems.validation import check_text

#: how long a token may be made to last, in days
MAX_EXPIRY_DAYS = 3 * 366
#: the most trips one bulk request may hold
BULK_MAX_TRIPS = 100


def token_sha256(secret: str) -> str:
    """The stored form of a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _require_owner_or_admin(actor: User | None, user: User) -> None:
    """Users manage their own tokens; administrators (and the command line) anyone's."""
    if actor is not None and actor.id != user.id and Role.admin not in actor.roles:
        raise PermissionDenied(_("Only administrators manage the tokens of other accounts."))


def create_token(
    *, actor: User | None, user: User, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token acting as ``user``; returns it with its secret, which is never shown again."""
    _require_owner_or_admin(actor, user)
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, ApiToken.NAME_MAX_LEN)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        errors["expires_in_days"] = _("Enter 1 to %(n)d days, or none.", n=MAX_EXPIRY_DAYS)
    if not user.is_active:
        errors["user_id"] = _("This account is deactivated.")
    active = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            # expired tokens cannot be used (nor revoked on the page): they do not count
            sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
        )
    )
    if (active or 0) >= ApiToken.MAX_ACTIVE_PER_USER:
        errors[""] = _(
            "An account holds at most %(n)d tokens; revoke one first.",
            n=ApiToken.MAX_ACTIVE_PER_USER,
        )
    if errors:
        raise ValidationFailed(errors)
    secret = ApiToken.SECRET_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[: ApiToken.PREFIX_LEN],
        token_sha256=token_sha256(secret),
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
        expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor=actor,
        action="api.token.created",
        obj=token,
        summary=f"API token {token.prefix}… “{name}” for {user.email}",
        changes=audit.diff({}, audit.snapshot(token, ["user_id", "name", "prefix", "expires_at"])),
    )
    return token, secret


def revoke_token(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token: it is refused from now on (revoking it again changes nothing)."""
    _require_owner_or_admin(actor, token.user)
    if token.revoked_at is not None:
        return token
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(
        actor=actor,
        action="api.token.revoked",
        obj=token,
        summary=f"API token {token.prefix}… “{token.name}” of {token.user.email} revoked",
        changes={"revoked_at": {"before": None, "after": audit.json_value(token.revoked_at)}},
    )
    return token


def get_token(token_id: int) -> ApiToken:
    """The token with ``token_id``; NotFound if none."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"API token {token_id}")
    return token


def list_tokens(user: User | None = None) -> list[ApiToken]:
    """Tokens, newest first: of ``user``, or of every account."""
    stmt = sa.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(stmt))


# --- bulk entry of trips ----------------------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    """What became of one trip of a bulk request."""

    index: int
    #: "created", "duplicate" (its booking reference is already recorded) or "error"
    status: str
    booking_reference: str | None = None
    trip: Trip | None = None
    #: the trip already recorded under the booking reference, for a duplicate
    existing_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _existing_trip_id(reference: str) -> int | None:
    return db.session.scalar(sa.select(Trip.id).where(Trip.booking_reference == reference))


def create_trips(
    *,
    actor: User | None,
    trips: Sequence[Mapping[str, Any]],
    refused: Mapping[int, Mapping[str, str]] | None = None,
) -> list[BulkResult]:
    """Record many trips, each on its own: every valid one is saved, every other one gets its
    errors. Each needs a booking reference; one already recorded (or earlier in ``trips``) is
    skipped as a duplicate, so sending the same trips again creates nothing.

    ``trips`` are create_trip's keyword arguments; ``refused`` holds the errors found before
    (the items at those indexes are reported, not tried).
    """
    if actor is not None and not actor.has_any_role(Role.travel, Role.ems):
        raise PermissionDenied(_("Only travel staff and the EMS working group record trips."))
    if len(trips) > BULK_MAX_TRIPS:
        raise ValidationFailed(
            {"trips": _("Send at most %(n)d trips at a time.", n=BULK_MAX_TRIPS)}
        )
    refused = refused or {}
    results: list[BulkResult] = []
    seen: dict[str, int | None] = {}
    for index, data in enumerate(trips):
        errors: dict[str, str] = dict(refused.get(index, {}))
        reference = check_text(
            errors,
            "booking_reference",
            data.get("booking_reference"),
            Trip.BOOKING_REFERENCE_MAX_LEN,
        )
        if errors:  # the reference is checked first: it is looked up
            results.append(BulkResult(index, "error", reference or None, errors=errors))
            continue
        existing = seen[reference] if reference in seen else _existing_trip_id(reference)
        if existing is not None or reference in seen:
            results.append(BulkResult(index, "duplicate", reference, existing_id=existing))
            continue
        try:
            with db.session.begin_nested():  # a failed trip leaves the others alone
                trip = travel.create_trip(
                    actor=actor,
                    **{**data, "booking_reference": reference, "source": TripSource.api},
                )
        except ValidationFailed as exc:
            results.append(BulkResult(index, "error", reference, errors=exc.errors))
            continue
        except NotFound as exc:  # a factor or an airport the calculation needs is missing
            results.append(BulkResult(index, "error", reference, errors={"": str(exc)}))
            continue
        except sa.exc.IntegrityError:  # recorded by someone else a moment ago
            existing = _existing_trip_id(reference)
            results.append(BulkResult(index, "duplicate", reference, existing_id=existing))
            seen[reference] = existing
            continue
        seen[reference] = trip.id
        results.append(BulkResult(index, "created", reference, trip=trip))
    return results
