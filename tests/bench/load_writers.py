"""Load run: concurrent writers against a live gunicorn server, then every answer reconciled
against the database.

Run by `make load` (or `python -m tests.bench.load_writers [--postgresql URL] [--seconds 60]`).
It builds a fresh database (a SQLite file, or a new database on the PostgreSQL server given),
starts gunicorn as the README says (SQLite: one worker with threads; PostgreSQL: workers), and
lets WRITERS threads write for the given time, each as its own user: trips and energy records
through the API (each with its own token) and departments through the web forms (each with its
own signed-in session), with a read of the dashboard now and then. Each write carries a unique
key (booking reference, meter reference, department name).

Afterwards it reports, per database: the answers by status, writes per second, and the
reconciliation: every acknowledged write must be stored once; a write answered 503 ("busy, try
again") must not be stored ("503 but saved"); nothing stored that was not asked for.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import flask_migrate
import requests
import sqlalchemy as sa

from ems import create_app
from ems.api import services as api_services
from ems.auth import services as auth_services
from ems.auth.models import Role
from ems.energy.models import EnergyRecord
from ems.extensions import db
from ems.factors import services as factors
from ems.org import services as org
from ems.org.models import Department
from ems.travel.models import Trip
from tests.conftest import app_config, fresh_postgresql_database

WRITERS = 20
PASSWORD = "plum orbit candle 7 harbour"
ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Tally:
    """What the writers were told, and the keys of the writes acknowledged or refused as busy."""

    statuses: collections.Counter[tuple[str, int]] = field(default_factory=collections.Counter)
    acknowledged: dict[str, set[str]] = field(default_factory=lambda: collections.defaultdict(set))
    busy: dict[str, set[str]] = field(default_factory=lambda: collections.defaultdict(set))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, key: str | None, status: int) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            if key is not None and status in (201, 302):
                self.acknowledged[kind].add(key)
            elif key is not None and status == 503:
                self.busy[kind].add(key)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(url: str) -> tuple[list[str], list[str], int]:
    """Migrate, load factors, create a site and a user per writer; their tokens and emails."""
    app = create_app(app_config(url, PASSWORD_HASH_PROFILE="CHEAPEST"))
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        factors.load_shipped_sets(actor=None)
        site = org.create_site(actor=None, name="Geneva HQ", country_code="CH")
        tokens, emails = [], []
        for number in range(WRITERS):
            user = auth_services.create_user(
                actor=None,
                email=f"writer{number}@example.org",
                name=f"Writer {number}",
                roles=(Role.travel, Role.ems),
                password=PASSWORD,
                must_change_password=False,
            )
            tokens.append(api_services.create_token(actor=None, user=user, name="load")[1])
            emails.append(user.email)
        db.session.commit()
        site_id = site.id
        db.engine.dispose()
    return tokens, emails, site_id


@contextlib.contextmanager
def gunicorn(url: str, port: int, *, sqlite: bool) -> Iterator[str]:
    """The application served as the README says, on ``port``."""
    workers = ["--workers", "1", "--threads", "8"] if sqlite else ["--workers", "4"]
    env = {
        **os.environ,
        "EMS_DATABASE_URL": url,
        "EMS_SECRET_KEY": "load-run-secret",
        "EMS_SESSION_COOKIE_SECURE": "false",
        "EMS_PASSWORD_HASH_PROFILE": "CHEAPEST",
        # one token per writer, far more requests than a person makes: not what is measured
        "EMS_API_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    log = open(Path(tempfile.gettempdir()) / f"ems-load-{port}.log", "w")  # noqa: SIM115
    command = [sys.executable, "-m", "gunicorn", *workers, "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [*command, "ems:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}/auth/login", timeout=5).ok:
                    break
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def writer(
    base: str, number: int, token: str, email: str, site_id: int, until: float, tally: Tally
) -> None:
    """Write until ``until``: an API trip, an API energy record, a department by form, a read."""
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    web = requests.Session()
    login_page = web.get(f"{base}/auth/login", timeout=30)
    token_match = CSRF.search(login_page.text)
    assert token_match, "no CSRF token on the login page"
    signed_in = web.post(
        f"{base}/auth/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token_match.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    tally.note("login", None, signed_in.status_code)
    form_page = web.get(f"{base}/org/departments/new", timeout=30)
    form_token = CSRF.search(form_page.text)
    for step in itertools.count():
        if time.monotonic() >= until:
            return
        key = f"W{number:02d}N{step:05d}"
        try:
            kind = ("trip", "energy", "department", "read")[step % 4]
            if kind == "trip":
                answer = api.post(
                    f"{base}/api/v1/trips",
                    json={
                        "traveller": f"Writer {number}",
                        "booking_reference": key,
                        "legs": [
                            {"origin": "GVA", "destination": "LHR", "departure_on": "2025-03-04"}
                        ],
                    },
                    timeout=60,
                )
            elif kind == "energy":
                answer = api.post(
                    f"{base}/api/v1/energy-records",
                    json={
                        "site_id": site_id,
                        "energy_type": "electricity",
                        "period_start": "2025-01-01",
                        "period_end": "2025-01-31",
                        "quantity": 1000,
                        "unit": "kwh",
                        "meter_reference": key,
                    },
                    timeout=60,
                )
            elif kind == "department" and form_token:
                answer = web.post(
                    f"{base}/org/departments/new",
                    data={"name": key, "csrf_token": form_token.group(1)},
                    allow_redirects=False,
                    timeout=60,
                )
            else:
                kind, key = "read", None
                answer = web.get(f"{base}/", timeout=60)
        except requests.RequestException as exc:
            tally.note(f"{kind} (no answer: {type(exc).__name__})", None, 0)
            continue
        tally.note(kind, key, answer.status_code)


def stored_keys(url: str) -> dict[str, list[str]]:
    """The unique keys of what the database holds, by kind."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        keys = {
            "trip": list(conn.scalars(sa.select(Trip.booking_reference))),
            "energy": list(conn.scalars(sa.select(EnergyRecord.meter_reference))),
            "department": list(conn.scalars(sa.select(Department.name))),
        }
    engine.dispose()
    return {kind: [key for key in values if key] for kind, values in keys.items()}


def run(url: str, *, sqlite: bool, seconds: float) -> bool:
    """One load run on the database at ``url``; prints its figures; True if it reconciles."""
    tokens, emails, site_id = prepare(url)
    tally = Tally()
    with gunicorn(url, free_port(), sqlite=sqlite) as base:
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=writer, args=(base, n, tokens[n], emails[n], site_id, until, tally)
            )
            for n in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    stored = stored_keys(url)
    print(f"== {'SQLite' if sqlite else 'PostgreSQL'}: {WRITERS} writers for {seconds:.0f} s ==")
    for (kind, status), count in sorted(tally.statuses.items()):
        print(f"  {kind:<12} {status:>4}  {count:>6}")
    server_errors = sum(n for (_k, status), n in tally.statuses.items() if status >= 500)
    acknowledged = sum(len(keys) for keys in tally.acknowledged.values())
    ok = True
    for kind, keys in stored.items():
        duplicates = len(keys) - len(set(keys))
        lost = tally.acknowledged[kind] - set(keys)
        busy_but_saved = tally.busy[kind] & set(keys)
        unasked = set(keys) - tally.acknowledged[kind] - tally.busy[kind]
        print(
            f"  {kind:<12} acknowledged {len(tally.acknowledged[kind]):>5}  stored {len(keys):>5}"
            f"  lost {len(lost)}  duplicated {duplicates}  503-but-saved {len(busy_but_saved)}"
            f"  stored-unacknowledged {len(unasked)}"
        )
        ok &= not lost and not duplicates and not busy_but_saved and not unasked
    print(
        f"  acknowledged writes {acknowledged} ({acknowledged / seconds:.1f}/s), "
        f"answers 5xx {server_errors}; reconciled: {'yes' if ok else 'NO'}"
    )
    return ok and (sqlite or server_errors == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", help="a PostgreSQL server URL to run on as well")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(run(f"sqlite:///{folder}/load.sqlite3", sqlite=True, seconds=args.seconds))
    if args.postgresql:
        with fresh_postgresql_database(args.postgresql) as url:
            results.append(run(url, sqlite=False, seconds=args.seconds))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
