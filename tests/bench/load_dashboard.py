"""Load run: 20 people on the dashboard of the demo, against gunicorn, on the loopback only.

Run by `make load` (or `python -m tests.bench.load_dashboard [--postgresql URL] [--seconds 30]`).
It builds a fresh database (a SQLite file, or a new database on the PostgreSQL server given),
loads the demo organisation (`ems demo load`), serves it with gunicorn as the README says
(SQLite: one worker with threads; PostgreSQL: workers), signs USERS people in (the demo's working
group account, one session each) and lets each of them open the dashboard, read it for a
moment (--think seconds, 1 s by default, drawn between half and one and a half times that) and
open it again, for the given time. Then the same without reading time: each person asks again
as soon as the page arrives (the server saturated, a harsher load than people make).

Prints, per database and load: requests, answers other than 200, requests per second, and the
latency percentiles (median, p95, p99, max) in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from tests.bench.load_writers import ROOT, free_port, gunicorn
from tests.conftest import fresh_postgresql_database

USERS = 20
EMAIL = "ems@demo.example"
PASSWORD = "greening the blue 2030"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def prepare(url: str) -> None:
    """Migrate and load the demo organisation, as `make run` does."""
    env = {**os.environ, "EMS_DATABASE_URL": url, "EMS_PASSWORD_HASH_PROFILE": "CHEAPEST"}
    for command in (["db", "upgrade"], ["factors", "load"], ["demo", "load", "--if-empty"]):
        subprocess.run(  # noqa: S603 (our own command line)
            [str(Path(sys.executable).parent / "ems"), *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )


def signed_in(base: str, email: str = EMAIL, password: str = PASSWORD) -> requests.Session:
    """A browser-like session signed in through the login form (the demo's working group
    account by default)."""
    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=30)
    token = CSRF.search(page.text)
    assert token, "no CSRF token on the login page"
    answer = session.post(
        f"{base}/auth/login",
        data={"email": email, "password": password, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.status_code
    return session


def person(
    session: requests.Session,
    base: str,
    think_s: float,
    until: float,
    seed: int,
    latencies: list[float],
    refused: list[int],
    lock: threading.Lock,
) -> None:
    """Open the dashboard, read it, open it again, until ``until``."""
    pause = random.Random(seed)  # noqa: S311 (reading times, not secrets)
    while time.monotonic() < until:
        started = time.perf_counter()
        answer = session.get(f"{base}/", timeout=60)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if answer.status_code != 200:
                refused.append(answer.status_code)
        if think_s:
            time.sleep(pause.uniform(think_s / 2, think_s * 3 / 2))


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(url: str, *, sqlite: bool, seconds: float, think_s: float) -> None:
    """Both loads on the database at ``url``; prints their figures."""
    prepare(url)
    name = "SQLite" if sqlite else "PostgreSQL"
    with gunicorn(url, free_port(), sqlite=sqlite) as base:
        sessions = [signed_in(base) for _ in range(USERS)]
        for session in sessions:  # every worker has served the page once
            session.get(f"{base}/", timeout=60)
        for think in (think_s, 0.0):
            latencies: list[float] = []
            refused: list[int] = []
            lock = threading.Lock()
            until = time.monotonic() + seconds
            threads = [
                threading.Thread(
                    target=person,
                    args=(session, base, think, until, n, latencies, refused, lock),
                )
                for n, session in enumerate(sessions)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            ms = [value * 1000 for value in latencies]
            reading = f"reading {think:g} s between pages" if think else "no reading time"
            print(
                f"== {name}: dashboard, {USERS} people, {reading}, {seconds:.0f} s ==\n"
                f"  requests {len(ms)} ({len(ms) / seconds:.1f}/s), not 200: {len(refused)}; "
                f"ms median {statistics.median(ms):.0f}, p95 {percentile(ms, 0.95):.0f}, "
                f"p99 {percentile(ms, 0.99):.0f}, max {max(ms):.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", help="a PostgreSQL server URL to run on as well")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between pages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(
            f"sqlite:///{folder}/load.sqlite3",
            sqlite=True,
            seconds=args.seconds,
            think_s=args.think,
        )
    if args.postgresql:
        with fresh_postgresql_database(args.postgresql) as url:
            run(url, sqlite=False, seconds=args.seconds, think_s=args.think)


if __name__ == "__main__":
    main()
