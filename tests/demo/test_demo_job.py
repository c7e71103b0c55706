"""The demo load as a background job, as `make run` queues it: refused as the command refuses,
shown on the sign-in page while it waits or runs, and after a failure while nobody can sign in.

The load itself is replaced by a small one here (the whole demo is loaded, through the command,
by tests/demo/test_demo.py, and through the worker by `make run`).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ems.auth import services as auth
from ems.auth.models import Role, User
from ems.cli import setup_command
from ems.demo import services
from ems.demo.cli import demo_cli
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.jobs import runner
from ems.jobs.cli import jobs_cli
from ems.jobs.models import Job, JobStatus
from tests.conftest import TEST_PASSWORD
from tests.jobs.conftest import waiting  # noqa: F401 (the fixture)
from tests.jobs.test_jobs import job, read_afresh

#: the account the small load creates, as the real one creates the demo's
ACCOUNT = services.DEMO_ACCOUNTS[0]


def small_load(*, fail: bool = False):
    """A load that creates one demo account in two steps (and then fails, if asked)."""

    def load(*, seed: int, progress) -> services.LoadResult:
        services._check_empty()
        auth.create_user(
            actor=None,
            email=ACCOUNT.email,
            name=ACCOUNT.name,
            roles=[ACCOUNT.role],
            password=TEST_PASSWORD,
        )
        progress(1, 2)
        if fail:
            raise ValidationFailed({"": "The shipped factor sets are missing."})
        progress(2, 2)
        return services.LoadResult(gtb_totals_g={2025: 1_000_000})

    return load


def users() -> int:
    read_afresh()
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


@pytest.fixture
def queued(app, waiting, monkeypatch) -> int:  # noqa: F811 (the imported fixture)
    """A demo load queued by the command, as `make run` does, not run yet: its job's id."""
    monkeypatch.setattr(services, "load_demo", small_load())
    result = app.test_cli_runner().invoke(demo_cli, ["load", "--if-empty", "--in-background"])
    assert result.exit_code == 0, result.output
    assert "Demo organisation queued: job" in result.output
    return int(result.output.split("job ")[1].split()[0])


def test_a_queued_load_is_shown_on_the_sign_in_page_until_it_is_done(app, client, queued):
    cli = app.test_cli_runner()
    again = cli.invoke(demo_cli, ["load", "--in-background"])
    assert again.exit_code == 1
    assert f"being loaded already (job {queued})" in again.output
    assert "Demo not loaded" in cli.invoke(demo_cli, ["load", "--if-empty"]).output
    setup = cli.invoke(setup_command)
    assert "being loaded; it brings its accounts" in setup.output
    listed = cli.invoke(demo_cli, ["accounts"]).output
    assert f"being loaded by the worker (job {queued})" in listed
    assert ACCOUNT.email in listed
    assert users() == 0  # nothing loaded, no administrator made meanwhile

    page = client.get("/auth/login").get_data(as_text=True)
    assert "The demo organisation is being loaded by the background worker" in page
    assert "Waiting for a worker to start it" in page
    assert 'data-job-status-url="/demo/load.json"' in page
    assert "js/jobs.js" in page
    status = client.get("/demo/load.json")
    assert (status.status_code, status.json["status"]) == (200, "queued")
    assert status.json["url"] == "/auth/login"

    with app.app_context():
        runner.run_job(queued)  # as the worker does
    done = job(queued)
    assert (done.status, done.progress_done, done.progress_total) == (JobStatus.done, 2, 2)
    assert done.result == {"gtb_totals_g": {"2025": 1_000_000}}
    assert users() == 1
    page = client.get("/auth/login").get_data(as_text=True)
    assert "being loaded" not in page
    assert "js/jobs.js" not in page
    assert client.get("/demo/load.json").status_code == 404  # the page's script reloads it


def test_a_failed_load_keeps_nothing_and_the_sign_in_page_says_why(
    app, client, queued, monkeypatch
):
    monkeypatch.setattr(services, "load_demo", small_load(fail=True))
    with app.app_context():
        runner.run_job(queued)
    failed = job(queued)
    assert failed.status == JobStatus.failed
    assert users() == 0  # the account made before the failure is gone with its transaction
    page = client.get("/auth/login").get_data(as_text=True)
    assert "The demo organisation could not be loaded; nothing of it was kept." in page
    assert "The shipped factor sets are missing." in page
    assert "js/jobs.js" not in page
    assert client.get("/demo/load.json").json["status"] == "failed"

    # once an account exists (ems setup's administrator, say), the failure is no longer shown
    assert "First administrator created" in app.test_cli_runner().invoke(setup_command).output
    assert "could not be loaded" not in client.get("/auth/login").get_data(as_text=True)


def test_a_load_is_queued_only_into_an_empty_database(app, waiting):  # noqa: F811 (the fixture)
    auth.create_user(
        actor=None, email="ana@example.org", name="Ana", roles=[Role.admin], password=TEST_PASSWORD
    )
    db.session.commit()
    refused = app.test_cli_runner().invoke(demo_cli, ["load", "--in-background"])
    assert refused.exit_code == 1
    assert "holds data of its own (accounts: 1)" in refused.output
    assert services.load_in_progress() is None


def test_the_commands_answer_while_a_running_load_holds_sqlites_write_lock(app, queued):
    """The worker's load holds SQLite's only write lock for its whole run: the commands that
    `make run` calls meanwhile look without asking for it, instead of failing "locked"."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no single write lock")
    db.session.execute(sa.update(Job).where(Job.id == queued).values(status=JobStatus.running))
    db.session.commit()
    writer = db.engine.raw_connection()  # the worker's transaction, as it holds the lock
    writer.cursor().execute("BEGIN IMMEDIATE")
    try:
        cli = app.test_cli_runner()
        listed = cli.invoke(demo_cli, ["accounts"])
        assert f"being loaded by the worker (job {queued})" in listed.output, listed.output
        assert "being loaded; it brings" in cli.invoke(setup_command).output
        for args in (["load", "--in-background"], ["load"]):
            refused = cli.invoke(demo_cli, args)
            assert refused.exit_code == 1
            assert f"being loaded already (job {queued})" in refused.output
        assert "demo.load" in cli.invoke(jobs_cli, ["list"]).output
    finally:
        writer.rollback()
        writer.close()
