"""Login, per-account throttling, password change and the temporary-password flow."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.extensions import db
from tests.conftest import TEST_PASSWORD


def attempt(client, email: str, password: str):
    return client.post("/auth/login", data={"email": email, "password": password})


def test_login_with_correct_password_redirects_home(client, create_user):
    user = create_user()
    response = attempt(client, user.email.upper(), TEST_PASSWORD)  # emails are case-insensitive
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_wrong_password_gives_one_generic_message(client, create_user):
    user = create_user()
    wrong_password = attempt(client, user.email, "not the password at all")
    unknown_account = attempt(client, "nobody@example.org", "not the password at all")
    for response in (wrong_password, unknown_account):
        assert response.status_code == 200
        assert "The email or password is not correct." in response.get_data(as_text=True)


def test_sixth_failed_login_is_throttled_per_account_not_per_address(app, create_user):
    victim, colleague = create_user(), create_user()
    attacker, office_mate = app.test_client(), app.test_client()  # same address (127.0.0.1)
    for _ in range(5):
        assert attempt(attacker, victim.email, "guess guess guess").status_code == 200
    sixth = attempt(attacker, victim.email, TEST_PASSWORD)  # even the right password
    assert sixth.status_code == 429
    assert "Too many failed attempts for this account" in sixth.get_data(as_text=True)
    # another account, from the same address, still logs in
    assert attempt(office_mate, colleague.email, TEST_PASSWORD).status_code == 302
    throttled = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "auth.login.throttled")
    )
    assert throttled == 1


def test_throttle_lifts_after_the_window(app, client, create_user):
    user = create_user()
    with time_machine.travel(dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(5):
            attempt(client, user.email, "guess guess guess")
        assert attempt(client, user.email, TEST_PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=16))
        assert attempt(client, user.email, TEST_PASSWORD).status_code == 302


def test_successful_login_resets_the_failure_count(client, create_user, login):
    user = create_user()
    for _ in range(4):
        attempt(client, user.email, "guess guess guess")
    login(client, user)
    client.post("/auth/logout")
    for _ in range(4):
        attempt(client, user.email, "guess guess guess")
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 302


def test_over_long_password_is_refused_without_hashing(client, create_user, monkeypatch):
    from ems.auth import services

    user = create_user()
    calls = []
    monkeypatch.setattr(services, "_verify", lambda *args: calls.append(args) or True)
    response = attempt(client, user.email, "x" * 129)
    assert response.status_code == 200
    assert calls == []


def test_deactivated_account_cannot_log_in(client, create_user):
    user = create_user()
    from ems.auth import services

    services.set_user_active(actor=None, user=user, is_active=False)
    db.session.commit()
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 200


def test_temporary_password_must_be_changed_first(client, create_user, login):
    user = create_user(must_change_password=True)
    login(client, user)
    response = client.get("/org/")
    assert response.headers["Location"] == "/auth/password"
    response = client.post(
        "/auth/password",
        data={"current_password": TEST_PASSWORD, "new_password": "quartz meadow lantern 4 river"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_change_needs_the_current_password(client, create_user, login):
    login(client, create_user())
    response = client.post(
        "/auth/password",
        data={
            "current_password": "wrong wrong wrong",
            "new_password": "quartz meadow lantern 4 river",
        },
    )
    assert response.status_code == 200
    assert "The current password is not correct." in response.get_data(as_text=True)


def test_next_parameter_only_leads_within_the_site(client, create_user):
    user = create_user(roles=(Role.ems,))
    inside = client.post(
        "/auth/login?next=/org/sites", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert inside.headers["Location"] == "/org/sites"
    client.post("/auth/logout")
    outside = client.post(
        "/auth/login?next=//evil.example/x", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert outside.headers["Location"] == "/"


def test_password_hash_is_argon2id(create_user):
    assert create_user().password_hash.startswith("$argon2id$")


def test_long_passphrases_are_accepted(client, create_user, login):
    login(client, create_user())
    passphrase = "the quick brown fox jumps over the lazy dog near the riverbank at dawn " * 2
    response = client.post(
        "/auth/password", data={"current_password": TEST_PASSWORD, "new_password": passphrase[:128]}
    )
    assert response.status_code == 302


def test_control_characters_in_next_lead_home(client, create_user):
    user = create_user()
    response = client.post(
        "/auth/login?next=/%0d%0aSet-Cookie:x=1",
        data={"email": user.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_wrong_current_passwords_count_towards_the_throttle(client, create_user, login):
    user = create_user()
    login(client, user)
    for _ in range(5):
        response = client.post(
            "/auth/password",
            data={
                "current_password": "wrong wrong wrong",
                "new_password": "quartz meadow lantern 4",
            },
        )
        assert response.status_code == 200
    response = client.post(
        "/auth/password",
        data={"current_password": TEST_PASSWORD, "new_password": "quartz meadow lantern 4 river"},
    )
    assert response.status_code == 429
    client.post("/auth/logout")
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 429
