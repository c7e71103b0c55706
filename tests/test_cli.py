"""The `ems` command line."""

from __future__ import annotations

import os
import subprocess
import sys

from ems.auth import services
from ems.auth.models import Role
from ems.cli import create_user_command, setup_command
from ems.extensions import db


def test_setup_creates_the_first_admin_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(setup_command)
    assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output
    assert "password:" in result.output
    admin = services.find_user("admin@example.org")
    assert admin is not None
    assert admin.roles == {Role.admin}
    assert admin.must_change_password
    password = result.output.split("password:")[1].split()[0]
    db.session.expire_all()
    assert services.authenticate(email="admin@example.org", password=password) == admin
    again = runner.invoke(setup_command)
    assert "Accounts exist already" in again.output
    assert services.count_users() == 1


def test_create_user_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(
        create_user_command,
        ["Clerk@Example.org", "--role", "travel", "--role", "ems", "--password-stdin"],
        input="tulip cobalt ferry 3 anvil\n",
    )
    assert result.exit_code == 0, result.output
    user = services.find_user("clerk@example.org")
    assert user is not None
    assert user.roles == {Role.travel, Role.ems}
    assert not user.must_change_password


def test_create_user_explains_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        create_user_command,
        ["x@example.org", "--role", "travel", "--password-stdin"],
        input="password\n",
    )
    assert result.exit_code == 1
    assert "password: Use at least 12 characters." in result.output
    assert services.count_users() == 0


def test_console_script_needs_no_app_option():
    env = {**os.environ, "EMS_DATABASE_URL": "sqlite://", "EMS_SECRET_KEY": "test"}
    result = subprocess.run(
        [sys.executable, "-m", "ems.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    for command in ("create-user", "setup", "db", "run"):
        assert command in result.stdout
