"""API tokens: created with a secret shown once, stored hashed, refused when revoked, expired
or of a deactivated account; rate limited per token; never a cookie."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
import time_machine

from ems.api import services as api_services
from ems.api.models import ApiToken
from ems.audit.models import AuditEntry
from ems.auth import services as auth
from ems.auth.models import Role
from ems.errors import PermissionDenied, ValidationFailed
from ems.extensions import db


def test_the_secret_is_shown_once_and_only_its_hash_is_stored(app, create_user):
    user = create_user()
    token, secret = api_services.create_token(actor=user, user=user, name="Booking tool")
    db.session.commit()
    assert re.fullmatch(r"ems_[A-Za-z0-9_-]{43}", secret)
    assert token.prefix == secret[:12]
    stored = db.session.execute(sa.select(ApiToken.__table__)).one()._asdict()
    assert secret not in [str(value) for value in stored.values()]
    assert stored["token_sha256"] == api_services.token_sha256(secret)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "api.token.created")
    ).one()
    assert secret not in str(entry.changes)


def test_a_token_acts_as_its_user(app, api, create_user, token_for):
    user = create_user("ana@example.org", roles=(Role.travel, Role.management))
    response = api("GET", "/me", token_for(user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "ana@example.org"
    assert body["roles"] == ["management", "travel"]
    assert body["token"]["prefix"].startswith("ems_")


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic YTpi", "Bearer", "Bearer nonsense", "Bearer ems_" + "x" * 43, "ems_abc"],
)
def test_requests_without_a_valid_token_are_refused(app, api, header):
    headers = {"Authorization": header} if header is not None else {}
    response = api("GET", "/me", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401


def test_a_revoked_token_is_refused(app, api, create_user, token_for):
    user = create_user()
    secret = token_for(user)
    assert api("GET", "/me", secret).status_code == 200
    token = db.session.scalars(sa.select(ApiToken)).one()
    api_services.revoke_token(actor=user, token=token)
    db.session.commit()
    response = api("GET", "/me", secret)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_an_expired_token_is_refused(app, api, create_user, token_for):
    secret = token_for(create_user(), expires_in_days=30)
    assert api("GET", "/me", secret).status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)):
        assert api("GET", "/me", secret).status_code == 401


def test_the_token_of_a_deactivated_account_is_refused(app, api, create_user, token_for):
    admin = create_user(roles=(Role.admin,))
    user = create_user()
    secret = token_for(user)
    auth.set_user_active(actor=admin, user=user, is_active=False)
    db.session.commit()
    assert api("GET", "/me", secret).status_code == 401


def test_the_last_use_is_recorded(app, api, create_user, token_for):
    secret = token_for(create_user())
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert token.last_used_at is None
    api("GET", "/me", secret)
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_users_manage_their_own_tokens_and_administrators_anyones(app, create_user):
    ana, ben = create_user(), create_user()
    admin = create_user(roles=(Role.admin,))
    with pytest.raises(PermissionDenied):
        api_services.create_token(actor=ana, user=ben, name="x")
    token, _secret = api_services.create_token(actor=admin, user=ben, name="service")
    with pytest.raises(PermissionDenied):
        api_services.revoke_token(actor=ana, token=token)
    api_services.revoke_token(actor=admin, token=token)
    assert token.revoked_at is not None
    assert token.created_by_id == admin.id


def test_token_rules(app, create_user):
    user = create_user()
    with pytest.raises(ValidationFailed) as caught:
        api_services.create_token(actor=user, user=user, name=" ", expires_in_days=5000)
    assert set(caught.value.errors) == {"name", "expires_in_days"}
    for number in range(ApiToken.MAX_ACTIVE_PER_USER):
        api_services.create_token(actor=user, user=user, name=f"t{number}")
    with pytest.raises(ValidationFailed):
        api_services.create_token(actor=user, user=user, name="one too many")
    # expired tokens can neither be used nor revoked on the page: they leave room for new ones
    db.session.execute(
        sa.update(ApiToken).values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    )
    api_services.create_token(actor=user, user=user, name="after the others expired")


def test_rate_limit_per_token(app, api, create_user, token_for):
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    user = create_user()
    first, second = token_for(user), token_for(user)
    with time_machine.travel(dt.datetime(2025, 5, 1, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        statuses = [api("GET", "/me", first).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = api("GET", "/me", first)
        assert refused.mimetype == "application/problem+json"
        assert refused.headers["Retry-After"] == "55"
        assert api("GET", "/me", second).status_code == 200  # counted per token
    with time_machine.travel(dt.datetime(2025, 5, 1, 10, 1, 0, tzinfo=dt.UTC), tick=False):
        response = api("GET", "/me", first)
        assert response.status_code == 200
        assert response.headers["RateLimit-Remaining"] == "2"


def test_the_api_sets_no_cookie_and_ignores_the_session(app, client, api, create_user, login):
    user = create_user()
    login(client, user)  # the client now holds a session cookie of a signed-in user
    for response in (
        api("GET", "/me"),  # the cookie does not authenticate
        api("GET", "/nothing-here"),
        api("POST", "/trips", json={}),
        api("GET", "/openapi.json"),
        api("GET", "/docs"),
    ):
        assert "Set-Cookie" not in response.headers, response.request.path
        assert "Cookie" not in response.headers.get("Vary", "")
    assert api("GET", "/me").status_code == 401


def test_api_answers_carry_no_cookie_with_a_token(app, api, create_user, token_for):
    secret = token_for(create_user(roles=(Role.travel,)))
    for response in (
        api("GET", "/me", secret),
        api("POST", "/trips", secret, json={"traveller": 1}),
        api("GET", "/trips/123456", secret),
    ):
        assert "Set-Cookie" not in response.headers


# --- the token pages --------------------------------------------------------------------------


def test_a_user_creates_sees_and_revokes_their_tokens(app, client, api, create_user, login):
    user = create_user()
    login(client, user)
    page = client.post("/account/tokens", data={"name": "My script", "expires_in_days": "90"})
    assert page.status_code == 200
    secret = re.search(r"<code>(ems_[A-Za-z0-9_-]{43})</code>", page.get_data(as_text=True))
    assert secret is not None
    assert api("GET", "/me", secret.group(1)).status_code == 200
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "My script" in listing
    assert secret.group(1) not in listing  # shown once only
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert api("GET", "/me", secret.group(1)).status_code == 401


def test_a_user_cannot_revoke_anothers_token(app, client, create_user, login, token_for):
    owner, other = create_user(), create_user()
    token_for(owner)
    token = db.session.scalars(sa.select(ApiToken)).one()
    login(client, other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_administrators_create_tokens_for_service_accounts(app, client, api, create_user, login):
    admin = create_user(roles=(Role.admin,))
    booking_tool = create_user("booking-tool@example.org", roles=(Role.travel,))
    login(client, admin)
    page = client.post(
        "/admin/tokens",
        data={"user_id": str(booking_tool.id), "name": "Booking tool", "expires_in_days": "0"},
    )
    secret = re.search(r"<code>(ems_[A-Za-z0-9_-]{43})</code>", page.get_data(as_text=True))
    assert secret is not None
    me = api("GET", "/me", secret.group(1)).get_json()
    assert me["email"] == "booking-tool@example.org"
    assert me["token"]["expires_at"] is None
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert "booking-tool@example.org" in listing
