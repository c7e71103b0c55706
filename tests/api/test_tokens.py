"""API tokens: created with a secret shown once, stored hashed, refused when revoked, expired
or of a deactivated account; rate limited per token; never a cookie."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
import time_machine

from ems.api import services as api_services
from ems.audit.models import AuditEntry
from ems.auth import services as auth
from ems.auth.models import ApiToken, Role
from ems.errors import PermissionDenied, ValidationFailed
from ems.extensions import db
from tests.conftest import TEST_PASSWORD


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
    page = client.post(
        "/account/tokens",
        data={"name": "My script", "expires_in_days": "90", "password": TEST_PASSWORD},
    )
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
        data={
            "user_id": str(booking_tool.id),
            "name": "Booking tool",
            "expires_in_days": "0",
            "password": TEST_PASSWORD,  # the administrator's own
        },
    )
    secret = re.search(r"<code>(ems_[A-Za-z0-9_-]{43})</code>", page.get_data(as_text=True))
    assert secret is not None
    me = api("GET", "/me", secret.group(1)).get_json()
    assert me["email"] == "booking-tool@example.org"
    assert me["token"]["expires_at"] is None
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert "booking-tool@example.org" in listing


# --- tokens die with the password -------------------------------------------------------------

NEW_PASSWORD = "violet marble kettle 9 fjord"


def revocations(token_ids: list[int]) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == "api.token.revoked",
                AuditEntry.object_id.in_([str(i) for i in token_ids]),
            )
        )
    )


def all_tokens() -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def test_a_password_change_revokes_the_accounts_tokens(
    app, client, api, create_user, token_for, login
):
    user = create_user()
    first, second = token_for(user, name="script"), token_for(user, name="dashboard")
    assert api("GET", "/me", first).status_code == 200
    login(client, user)
    response = client.post(
        "/auth/password",
        data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert api("GET", "/me", first).status_code == 401
    assert api("GET", "/me", second).status_code == 401
    tokens = all_tokens()
    assert all(token.revoked_at is not None for token in tokens)
    entries = revocations([token.id for token in tokens])
    assert len(entries) == 2
    assert all("password changed" in entry.summary for entry in entries)


def test_an_admin_reset_revokes_the_tokens_even_while_a_new_password_is_forced(
    app, client, api, create_user, token_for, login
):
    admin = create_user(roles=(Role.admin,))
    user = create_user()
    secret = token_for(user)
    login(client, admin)
    assert client.post(f"/admin/users/{user.id}/reset-password").status_code == 302
    db.session.expire_all()
    assert user.must_change_password  # a new password is being forced, and meanwhile…
    assert api("GET", "/me", secret).status_code == 401  # …the old token is dead already
    (token,) = all_tokens()
    assert token.revoked_at is not None
    (entry,) = revocations([token.id])
    assert entry.actor_label == admin.email
    assert "password reset" in entry.summary


def test_a_forced_password_change_revokes_tokens_created_meanwhile(
    app, api, create_user, token_for
):
    service = create_user(must_change_password=True)  # a service account: tokens, no login
    secret = token_for(service)
    assert api("GET", "/me", secret).status_code == 200
    auth.change_password(user=service, current_password=TEST_PASSWORD, new_password=NEW_PASSWORD)
    db.session.commit()
    assert api("GET", "/me", secret).status_code == 401


def test_deactivation_revokes_tokens_and_reactivation_does_not_bring_them_back(
    app, client, api, create_user, token_for, login
):
    admin = create_user(roles=(Role.admin,))
    user = create_user()
    secret = token_for(user)
    login(client, admin)
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert api("GET", "/me", secret).status_code == 401
    assert client.post(f"/admin/users/{user.id}/activate").status_code == 302
    db.session.expire_all()
    assert user.is_active
    assert api("GET", "/me", secret).status_code == 401
    (token,) = all_tokens()
    assert token.revoked_at is not None
    assert "account deactivated" in revocations([token.id])[0].summary
    # a new token works again
    assert api("GET", "/me", token_for(user)).status_code == 200


def test_tokens_already_revoked_or_expired_are_left_alone(app, create_user, token_for):
    admin = create_user(roles=(Role.admin,))
    user = create_user()
    token_for(user, name="revoked")
    token_for(user, name="expired", expires_in_days=1)
    revoked, expired = all_tokens()
    api_services.revoke_token(actor=user, token=revoked)
    revoked_at = revoked.revoked_at
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        auth.reset_password(actor=admin, user=user)
        db.session.commit()
    revoked, expired = all_tokens()
    assert revoked.revoked_at == revoked_at
    assert expired.revoked_at is None
    assert len(revocations([revoked.id, expired.id])) == 1  # the owner's own revocation


def test_an_admin_logs_an_account_out_everywhere(app, client, api, create_user, token_for, login):
    from ems.auth.models import UserSession

    admin = create_user(roles=(Role.admin,))
    user = create_user()
    secret = token_for(user)
    theirs = app.test_client()
    login(theirs, user)
    login(client, admin)
    page = client.get(f"/admin/users/{user.id}")
    assert f"/admin/users/{user.id}/log-out-everywhere" in page.get_data(as_text=True)
    confirm = client.get(f"/admin/users/{user.id}/log-out-everywhere")
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "1 session" in text
    assert "1 API token" in text
    assert api("GET", "/me", secret).status_code == 200  # nothing happens before confirming

    done = client.post(f"/admin/users/{user.id}/log-out-everywhere", follow_redirects=True)
    assert done.status_code == 200
    assert "logged out everywhere" in done.get_data(as_text=True)
    assert theirs.get("/").status_code == 302  # their session ended
    assert api("GET", "/me", secret).status_code == 401
    assert client.get("/").status_code == 200  # the administrator's own session goes on
    sessions = db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )
    assert sessions == 0
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "auth.user.logged_out_everywhere")
    ).one()
    assert entry.actor_label == admin.email
    assert "1 sessions ended, 1 API tokens revoked" in entry.summary
    db.session.expire_all()
    assert user.must_change_password is False  # the password stays


def test_an_admin_cannot_log_themselves_out_everywhere(app, create_user):
    admin = create_user(roles=(Role.admin,))
    with pytest.raises(ValidationFailed):
        auth.log_out_everywhere(actor=admin, user=admin)
    with pytest.raises(PermissionDenied):
        auth.log_out_everywhere(actor=create_user(), user=admin)


def test_creating_a_token_asks_for_the_password_again(app, client, api, create_user, login):
    user = create_user()
    login(client, user)
    form = client.get("/account/tokens").get_data(as_text=True)
    assert 'name="password"' in form
    assert 'autocomplete="current-password"' in form
    missing = client.post("/account/tokens", data={"name": "Stolen", "expires_in_days": "0"})
    assert missing.status_code == 422
    wrong = client.post(
        "/account/tokens",
        data={"name": "Stolen", "expires_in_days": "0", "password": "a stolen session"},
    )
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "The password is not correct." in text
    assert 'id="password-errors"' in text
    assert "ems_" not in re.sub(r"<code>ems_…</code>", "", text)  # no secret shown
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    failed = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "auth.login.failed")
    ).one()
    assert failed.actor_label == user.email


def test_wrong_token_passwords_are_throttled_like_logins(app, client, create_user, login):
    user = create_user()
    login(client, user)
    data = {"name": "Stolen", "expires_in_days": "0", "password": "guess guess"}
    statuses = [client.post("/account/tokens", data=data).status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    right = client.post("/account/tokens", data={**data, "password": TEST_PASSWORD})
    assert right.status_code == 429  # the correct password too, until the window passes
    assert "Too many failed attempts" in right.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    # and the account's login is throttled alike
    other = app.test_client()
    response = other.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 429


def test_administrators_confirm_with_their_own_password(app, client, create_user, login):
    admin = create_user(roles=(Role.admin,), password="admin's own long passphrase 42")
    service = create_user("booking-tool@example.org")
    login(client, admin, password="admin's own long passphrase 42")
    data = {"user_id": str(service.id), "name": "Booking tool", "expires_in_days": "0"}
    wrong = client.post("/admin/tokens", data={**data, "password": TEST_PASSWORD})
    assert wrong.status_code == 422
    right = client.post(
        "/admin/tokens", data={**data, "password": "admin's own long passphrase 42"}
    )
    assert right.status_code == 200
    assert re.search(r"<code>ems_[A-Za-z0-9_-]{43}</code>", right.get_data(as_text=True))
