"""Account administration pages."""

from __future__ import annotations

import re

from ems.auth import services
from ems.auth.models import Role
from ems.extensions import db
from tests.conftest import login_with


def test_admin_creates_an_account_and_sees_its_temporary_password_once(
    app, client, create_user, login
):
    login(client, create_user(roles=(Role.admin,)))
    response = client.post(
        "/admin/users/new",
        data={"email": "Clerk@Example.org", "name": "Travel Clerk", "roles": ["travel", "ems"]},
    )
    assert response.headers["Location"] == "/admin/users/"
    page = client.get("/admin/users/").get_data(as_text=True)
    password = re.search(r"Temporary password: (\S+) ", page)
    assert password, page
    assert "Temporary password:" not in client.get("/admin/users/").get_data(as_text=True)
    user = services.find_user("clerk@example.org")
    assert user is not None
    assert user.roles == {Role.travel, Role.ems}
    assert user.must_change_password
    login_with(app.test_client(), user, password.group(1))


def test_admin_changes_roles_and_the_change_applies_at_once(app, client, create_user, login):
    login(client, create_user(roles=(Role.admin,)))
    clerk = create_user(roles=(Role.travel,))
    theirs = app.test_client()
    login(theirs, clerk)
    assert theirs.get("/org/").status_code == 403
    response = client.post(
        f"/admin/users/{clerk.id}",
        data={"name": clerk.name, "roles": ["travel", "ems"], "version_id": clerk.version_id},
    )
    assert response.status_code == 302
    assert theirs.get("/org/").status_code == 200  # roles are read on every request


def test_admin_form_rejects_an_empty_role_list(client, create_user, login):
    login(client, create_user(roles=(Role.admin,)))
    clerk = create_user()
    response = client.post(
        f"/admin/users/{clerk.id}", data={"name": clerk.name, "version_id": clerk.version_id}
    )
    assert response.status_code == 200
    assert "Choose at least one role." in response.get_data(as_text=True)


def test_reset_password_ends_sessions_and_forces_a_change(app, client, create_user, login):
    login(client, create_user(roles=(Role.admin,)))
    clerk = create_user()
    theirs = app.test_client()
    login(theirs, clerk)
    response = client.post(f"/admin/users/{clerk.id}/reset-password")
    assert response.status_code == 302
    assert theirs.get("/").status_code == 302
    db.session.expire_all()
    assert services.get_user(clerk.id).must_change_password


def test_admins_cannot_deactivate_or_reset_themselves(client, create_user, login):
    admin = create_user(roles=(Role.admin,))
    login(client, admin)
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "/deactivate" not in page
    assert "/reset-password" not in page
    client.post(f"/admin/users/{admin.id}/deactivate")
    assert "You cannot deactivate your own account." in client.get("/").get_data(as_text=True)
    client.post(f"/admin/users/{admin.id}/reset-password")
    assert "password page" in client.get("/").get_data(as_text=True)
    assert client.get("/").status_code == 200  # still logged in


def test_the_last_admin_keeps_the_admin_role(client, create_user, login):
    admin = create_user(roles=(Role.admin,))
    login(client, admin)
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"name": admin.name, "roles": ["ems"], "version_id": admin.version_id},
    )
    assert "last active administrator" in response.get_data(as_text=True)


def test_login_rejects_control_characters_without_a_server_error(client):
    response = client.post("/auth/login", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 200
    assert "not correct" in response.get_data(as_text=True)
