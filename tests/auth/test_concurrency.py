"""Check-then-write rules hold under concurrent requests, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from ems import create_app
from ems.auth import services
from ems.auth.models import FailedLogin, Role, User, UserSession
from ems.errors import PermissionDenied, ValidationFailed
from ems.extensions import db
from tests.conftest import TEST_PASSWORD, app_config


def run_together(app: Flask, calls: list[Callable[[FlaskClient], object]]) -> list[object]:
    """Run each call in its own thread with its own client, released at the same moment."""
    db.session.rollback()  # the test's own transaction would hold SQLite's write lock
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int) -> None:
        client = FlaskClient(app)
        start.wait()
        results[index] = calls[index](client)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def plain_app(url: str) -> Flask:
    """A second app on the test database, without CSRF, for clients in threads."""
    return create_app(app_config(url, WTF_CSRF_ENABLED=False))


def test_parallel_wrong_logins_of_one_account_are_throttled(app, migrated_database, create_user):
    user = create_user()
    email = user.email
    threaded = plain_app(migrated_database)

    def wrong_login(client: FlaskClient) -> int:
        return client.post(
            "/auth/login", data={"email": email, "password": "guess guess"}
        ).status_code

    statuses = run_together(threaded, [wrong_login] * 12)
    with threaded.app_context():
        db.engine.dispose()
    assert sorted(statuses) == [200] * 5 + [429] * 7
    db.session.rollback()
    failures = db.session.scalar(sa.select(sa.func.count()).select_from(FailedLogin))
    assert failures == 5


def test_two_admins_removing_each_other_leave_one(app, migrated_database, create_user):
    first = create_user(roles=(Role.admin,))
    second = create_user(roles=(Role.admin,))
    pair = (first.id, second.id)
    threaded = plain_app(migrated_database)

    def remove_admin_role(actor_id: int, target_id: int) -> Callable[[FlaskClient], str]:
        def call(_client: FlaskClient) -> str:
            with threaded.app_context():
                actor = db.session.get_one(User, actor_id)
                target = db.session.get_one(User, target_id)
                try:
                    services.update_user(
                        actor=actor, user=target, name=target.name, roles=[Role.ems]
                    )
                except (ValidationFailed, PermissionDenied):
                    db.session.rollback()
                    return "refused"
                db.session.commit()
                return "removed"

        return call

    for _round in range(4):
        results = run_together(
            threaded, [remove_admin_role(*pair), remove_admin_role(*reversed(pair))]
        )
        assert sorted(results) == ["refused", "removed"]
        db.session.rollback()
        admins = [user for user in db.session.scalars(sa.select(User)) if Role.admin in user.roles]
        assert len(admins) == 1
        for user_id in pair:  # both administrators again for the next round
            services.update_user(
                actor=None, user=db.session.get_one(User, user_id), name="Admin", roles=[Role.admin]
            )
        db.session.commit()
    with threaded.app_context():
        db.engine.dispose()


def test_simultaneous_correct_logins_to_one_account_all_succeed(
    app, migrated_database, create_user
):
    user = create_user()
    email, version = user.email, user.version_id
    threaded = plain_app(migrated_database)

    def correct_login(client: FlaskClient) -> int:
        response = client.post("/auth/login", data={"email": email, "password": TEST_PASSWORD})
        return response.status_code

    statuses = run_together(threaded, [correct_login] * 8)
    with threaded.app_context():
        db.engine.dispose()
    assert statuses == [302] * 8  # none answered 409 "Conflicting change"
    db.session.rollback()
    stored = db.session.get_one(User, user.id)
    assert stored.last_login_at is not None
    assert stored.version_id == version  # bookkeeping is not an edit of the account
    sessions = db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )
    assert sessions == 8
