"""Fixtures of the job tests: the meters' ledger; jobs that wait for a worker (by default the
tests run them at once, inside the request: Huey's immediate mode)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.jobs import world


@pytest.fixture
def meters(app: Flask) -> Iterator[None]:
    """The meters' ledger of tests/jobs/world.py, built and committed."""
    world.register()
    world.build()
    yield
    world.unregister()


@pytest.fixture
def waiting(app: Flask, tmp_path: Path) -> Flask:
    """Jobs wait on a queue of the test's own, which no worker reads."""
    app.config.update(
        JOBS_IMMEDIATE=False,
        JOBS_QUEUE_FILE=str(tmp_path / "queue.sqlite3"),
        JOBS_QUEUE_NAME=f"ems_test_{uuid.uuid4().hex[:12]}",
    )
    return app
