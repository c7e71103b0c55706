"""Beyond one machine: two web servers (gunicorn) and a worker, each a process of its own, on
one database and one Redis queue. A job queued through one server is run by the worker and
seen finished through the other."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ems import PROJECT_ROOT
from ems.auth.models import Role
from ems.extensions import db
from tests.bench.load_dashboard import CSRF, signed_in
from tests.bench.load_writers import free_port
from tests.conftest import TEST_PASSWORD, app_config
from tests.jobs import world
from tests.jobs.test_jobs import PREVIEW_FORM
from tests.jobs.test_workers import REDIS_URL, redis_answers, worker

TIMEOUT_SECONDS = 60


@contextlib.contextmanager
def web_server(config: dict[str, Any], log: Path) -> Iterator[str]:
    """gunicorn serving the app with ``config`` on a port of its own; yields its address."""
    port = free_port()
    env = {**os.environ, "EMS_TEST_APP_CONFIG": json.dumps(config)}
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{port}",
                "tests.jobs.web_process:serve()",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}/auth/login", timeout=5).ok:
                    break
            time.sleep(0.1)
        else:
            pytest.fail(f"the web server did not start:\n{log.read_text()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_job_queued_through_one_server_is_seen_finished_through_the_other(
    app, meters, create_user, tmp_path
):
    if not redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    editor = create_user(roles=(Role.ems,))
    email = editor.email
    db.session.commit()  # the servers read and write the same database: the test holds no lock
    queue = {
        "JOBS_REDIS_URL": REDIS_URL,
        "JOBS_QUEUE_NAME": f"ems_test_{uuid.uuid4().hex[:12]}",
        "JOBS_IMMEDIATE": False,
    }
    app.config.update(queue)
    config = app_config(app.config["SQLALCHEMY_DATABASE_URI"], SESSION_COOKIE_SECURE=False, **queue)
    with (
        web_server(config, tmp_path / "web-a.log") as server_a,
        web_server(config, tmp_path / "web-b.log") as server_b,
        worker(app, tmp_path) as worker_log,
    ):
        browser = signed_in(server_a, email, TEST_PASSWORD)
        form = browser.get(f"{server_a}/ledger/recalculate", timeout=30).text
        token = CSRF.search(form)
        assert token, "no CSRF token on the form"
        queued = browser.post(
            f"{server_a}/ledger/recalculate",
            data={**PREVIEW_FORM, "csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=30,
        )
        assert queued.status_code == 302, queued.text
        job_page = queued.headers["Location"]
        assert re.fullmatch(r"/jobs/\d+", job_page)
        # the same signed-in person (sessions are kept in the database) asks the other server
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            status = browser.get(f"{server_b}{job_page}.json", timeout=30).json()
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the job did not end; the worker's log:\n{worker_log.read_text()}")
        assert status["status"] == "done", status
        page = browser.get(f"{server_b}{job_page}", timeout=30).text
        assert f"Preview for {world.YEAR}" in page
        assert "5 of 5 records would change" in page
