"""Account rules enforced by the services, whoever calls them."""

from __future__ import annotations

import pytest

from ems.auth import services
from ems.auth.models import Role, User
from ems.errors import Conflict, PermissionDenied, ValidationFailed
from ems.extensions import db
from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pw 1", "at least"),
        ("x" * (User.PASSWORD_MAX_LEN + 1), "at most"),
        ("password1234", "too easy"),
        ("aaaaaaaaaaaaaaaa", "too easy"),
    ],
)
def test_weak_passwords_are_refused(app, password, reason):
    with pytest.raises(ValidationFailed) as excinfo:
        services.create_user(
            actor=None, email="a@example.org", name="A", roles=[Role.travel], password=password
        )
    assert reason in excinfo.value.errors["password"]


def test_any_unicode_password_within_limits_round_trips(app, login, client):
    password = "Ünïcødé 密码 пароль كلمة 🌍"
    user = services.create_user(
        actor=None,
        email="u@example.org",
        name="U",
        roles=[Role.travel],
        password=password,
        must_change_password=False,
    )
    db.session.commit()
    login(client, user, password)


def test_duplicate_email_is_refused(create_user):
    create_user("same@example.org")
    with pytest.raises(ValidationFailed) as excinfo:
        services.create_user(
            actor=None,
            email="SAME@example.org",
            name="B",
            roles=[Role.travel],
            password=TEST_PASSWORD,
        )
    assert "already exists" in excinfo.value.errors["email"]


def test_at_least_one_known_role(app):
    for roles in ([], ["pilot"]):
        with pytest.raises(ValidationFailed) as excinfo:
            services.create_user(
                actor=None, email="r@example.org", name="R", roles=roles, password=TEST_PASSWORD
            )
        assert "roles" in excinfo.value.errors


def test_only_administrators_manage_accounts(create_user):
    clerk = create_user(roles=(Role.travel, Role.ems, Role.management))
    with pytest.raises(PermissionDenied):
        services.create_user(
            actor=clerk, email="x@example.org", name="X", roles=[Role.admin], password=TEST_PASSWORD
        )
    with pytest.raises(PermissionDenied):
        services.reset_password(actor=clerk, user=clerk)


def test_last_active_administrator_is_kept(create_user):
    admin = create_user(roles=(Role.admin,))
    with pytest.raises(ValidationFailed):
        services.set_user_active(actor=admin, user=admin, is_active=False)
    with pytest.raises(ValidationFailed):
        services.update_user(actor=admin, user=admin, name="A", roles=[Role.ems])
    second = create_user(roles=(Role.admin,))
    services.set_user_active(actor=second, user=admin, is_active=False)


def test_stale_edit_is_refused(create_user):
    admin = create_user(roles=(Role.admin,))
    user = create_user()
    read_version = user.version_id
    services.update_user(
        actor=admin, user=user, name="Renamed", roles=[Role.travel], expected_version=read_version
    )
    db.session.commit()
    assert user.version_id == read_version + 1
    with pytest.raises(Conflict):
        services.update_user(
            actor=admin, user=user, name="Other", roles=[Role.travel], expected_version=read_version
        )


def test_role_only_change_bumps_the_version(create_user):
    admin = create_user(roles=(Role.admin,))
    user = create_user()
    before = user.version_id
    services.update_user(
        actor=admin,
        user=user,
        name=user.name,
        roles=[Role.travel, Role.ems],
        expected_version=before,
    )
    db.session.commit()
    assert user.version_id == before + 1
    assert user.roles == {Role.travel, Role.ems}


def test_administrators_can_do_everything(create_user):
    admin = create_user(roles=(Role.admin,))
    assert all(admin.has_any_role(role) for role in Role)
    clerk = create_user(roles=(Role.travel,))
    assert clerk.has_any_role(Role.travel)
    assert not clerk.has_any_role(Role.ems)
