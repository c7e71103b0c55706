"""Browser tests: Debian's Chromium driven by Playwright (no browser download) against the app
served by a real server process (gunicorn) on a free loopback port, on the test database.

The tests set up their data through the services in this process and commit it; the server
process reads the same database. A failing test leaves a screenshot and the page's HTML in
``tests/e2e/artifacts/`` (or ``$EMS_E2E_ARTIFACTS``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(os.environ.get("EMS_E2E_ARTIFACTS", Path(__file__).parent / "artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is not installed (make browser installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser tests, never skip them
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log_path: Path, workers: int = 2) -> Iterator[str]:
    """The application served by gunicorn in its own process on a free loopback port, with
    ``env``; yields its base URL once it answers, and stops it afterwards."""
    port = _free_port()
    log = log_path.open("w")
    server = subprocess.Popen(  # noqa: S603 (a fixed command line: this project's gunicorn)
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "ems:create_app()",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/auth/login", timeout=2):  # noqa: S310 (loopback)
                    break
            except (urllib.error.URLError, OSError):  # refused, reset, or a slow first answer
                if server.poll() is not None:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server did not answer: {log_path.read_text()}")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def live_server(migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The application served by gunicorn on the test database; yields its base URL."""
    instance = tmp_path_factory.mktemp("instance")
    env = {
        **os.environ,
        "EMS_DATABASE_URL": migrated_database,
        "EMS_SECRET_KEY": "e2e-secret-key",
        "EMS_SESSION_COOKIE_SECURE": "false",
        "EMS_INSTANCE_PATH": str(instance),
    }
    with gunicorn(env, instance / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright."""
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so the page fixture knows if the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, live_server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser page (its own cookies) on the live server; on failure, a screenshot."""
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    # script errors and CSP violations; refused requests (403, 422) are the tests' own business
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = request.node.name.replace("/", "_")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    context.close()
    assert not errors, f"console errors: {errors}"


@pytest.fixture(autouse=True)
def _reads_do_not_lock_the_server_out(app: Any) -> None:
    """The test process reads in deferred transactions: on SQLite, the immediate transactions
    it takes by default (outside requests) would hold the write lock the server needs."""
    from ems.extensions import db

    db.engine.update_execution_options(sqlite_immediate=False)
