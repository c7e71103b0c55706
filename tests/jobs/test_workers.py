"""Real workers in processes of their own, on the test's database, with the queue on SQLite and
on Redis (when a server answers at 127.0.0.1:6379): a queued recalculation runs to the same
figures as a direct call, and a worker killed mid-job leaves nothing half written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from ems import PROJECT_ROOT
from ems.auth.models import Role
from ems.jobs import queue
from ems.jobs.models import Job, JobStatus
from ems.ledger import services as ledger
from ems.ledger import views as ledger_views
from tests.conftest import app_config
from tests.jobs import world
from tests.jobs.test_jobs import job, queue_job

REDIS_URL = os.environ.get("EMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TIMEOUT_SECONDS = 30


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def queue_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The queue's settings: a SQLite file of the test's, or a Redis queue of a name of the
    test's own (parallel test workers never share one)."""
    name = f"ems_test_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        yield {
            "JOBS_QUEUE_FILE": str(tmp_path / "queue.sqlite3"),
            "JOBS_QUEUE_NAME": name,
            "JOBS_IMMEDIATE": False,
        }
        return
    if not redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    yield {"JOBS_REDIS_URL": REDIS_URL, "JOBS_QUEUE_NAME": name, "JOBS_IMMEDIATE": False}
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(match=f"huey.*{name}*"):
        server.delete(key)


@contextmanager
def worker(app: Flask, tmp_path: Path, *, delay_seconds: float = 0.0) -> Iterator[Path]:
    """A worker process on the test app's database and queue (killed on exit); yields its
    log file."""
    config = app_config(
        app.config["SQLALCHEMY_DATABASE_URI"],
        **{key: value for key, value in app.config.items() if key.startswith("JOBS_")},
    )
    log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (our own module, our own arguments)
            [
                sys.executable,
                "-m",
                "tests.jobs.worker_process",
                json.dumps(config),
                str(delay_seconds),
            ],
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log
    finally:
        process.kill()
        process.wait()
        worker.last = process  # type: ignore[attr-defined]


def wait_for(what: Callable[[], Job | None], log: Path) -> Job:
    """Poll until ``what`` gives a job; fails (with the worker's log) after TIMEOUT_SECONDS."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        found = what()
        if found is not None:
            return found
        time.sleep(0.05)
    pytest.fail(f"timed out; the worker's log:\n{log.read_text()}")


def ended(job_id: int) -> Callable[[], Job | None]:
    def check() -> Job | None:
        found = job(job_id)
        return found if found.is_ended else None

    return check


def started(job_id: int) -> Callable[[], Job | None]:
    def check() -> Job | None:
        found = job(job_id)
        return found if found.status != JobStatus.queued else None

    return check


@pytest.fixture
def editor(app, create_user):
    return create_user(roles=(Role.ems,))


def test_a_worker_runs_queued_recalculations(app, meters, editor, queue_config, tmp_path):
    app.config.update(queue_config, JOBS_STALE_SECONDS=30)
    direct = ledger.preview_recalculation(year=world.YEAR)
    preview_id = queue_job(ledger_views.PREVIEW_JOB)
    apply_id = queue_job(ledger_views.APPLY_JOB, editor, reason="new edition")
    queue.enqueue(preview_id)
    queue.enqueue(apply_id)
    with worker(app, tmp_path) as log:
        previewed = wait_for(ended(preview_id), log)
        applied = wait_for(ended(apply_id), log)
    assert previewed.status == JobStatus.done, previewed.message
    assert previewed.result == ledger_views._preview_result(direct)
    assert applied.status == JobStatus.done, applied.message
    assert world.ledger_state() == (1, 5, 5)
    assert ledger.year_totals(world.YEAR) == {
        (change.source, change.basis): change.after_g for change in direct.changes
    }


def test_a_worker_killed_mid_job_leaves_nothing_and_the_job_runs_again(
    app, meters, editor, queue_config, tmp_path
):
    app.config.update(queue_config, JOBS_STALE_SECONDS=1, JOBS_HEARTBEAT_SECONDS=0.2)
    direct = ledger.preview_recalculation(year=world.YEAR)
    job_id = queue_job(ledger_views.APPLY_JOB, editor, reason="new edition")
    queue.enqueue(job_id)
    # a meter takes 0.5 s: the job is in the middle of its five when the worker is killed
    with worker(app, tmp_path, delay_seconds=0.5) as log:
        wait_for(started(job_id), log)
        time.sleep(0.8)
    assert worker.last.returncode == -signal.SIGKILL  # type: ignore[attr-defined]
    killed = job(job_id)
    assert (killed.status, killed.attempts) == (JobStatus.running, 1)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert 1 <= killed.progress_done < 5  # mid-way (SQLite: not written while it writes)
    assert world.ledger_state() == (0, 5, 0)  # its transaction died with it
    time.sleep(1.0)  # silent for longer than JOBS_STALE_SECONDS
    with worker(app, tmp_path) as log:  # finds it at start, queues it again, runs it
        done = wait_for(ended(job_id), log)
    assert (done.status, done.attempts) == (JobStatus.done, 2), done.message
    assert world.ledger_state() == (1, 5, 5)
    assert ledger.year_totals(world.YEAR) == {
        (change.source, change.basis): change.after_g for change in direct.changes
    }
