"""The role × route matrix, the POSTs an actor is allowed to make: each on a world of its own,
since it may change or remove what the next case's URL names (see tests/test_access.py)."""

from __future__ import annotations

import pytest

from ems.extensions import db
from tests.test_access import CASES, build_world, case_id, changes, check_access


@pytest.mark.parametrize("case", [c for c in CASES if changes(c[0], c[1], c[3])], ids=case_id)
def test_access_of_changes(app, client, login, case):
    users, values = build_world()
    db.session.commit()
    if case[3] != "anonymous":
        login(client, users[case[3]])
    check_access(app, client, values, case, client.csrf_token())
