"""`ems token …`: create, list and revoke tokens from the command line."""

from __future__ import annotations

import re

from ems.api.cli import token_cli
from ems.auth.models import Role


def test_create_list_and_revoke(app, api, create_user):
    create_user("booking-tool@example.org", roles=(Role.travel,))
    runner = app.test_cli_runner()
    created = runner.invoke(
        token_cli, ["create", "booking-tool@example.org", "--name", "Booking tool"]
    )
    assert created.exit_code == 0, created.output
    secret = re.search(r"ems_[A-Za-z0-9_-]{43}", created.output)
    assert secret is not None
    assert api("GET", "/me", secret.group()).status_code == 200
    listed = runner.invoke(token_cli, ["list", "--email", "booking-tool@example.org"])
    assert "Booking tool" in listed.output
    assert "active" in listed.output
    assert secret.group() not in listed.output
    token_id = listed.output.split("\t")[0]
    assert runner.invoke(token_cli, ["revoke", token_id]).exit_code == 0
    assert api("GET", "/me", secret.group()).status_code == 401
    assert runner.invoke(token_cli, ["create", "nobody@example.org", "--name", "x"]).exit_code == 1
