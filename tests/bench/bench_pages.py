"""Benchmark: the dashboard and the targets page with one target and with 300 (MAX_TARGETS).

Run by `make bench` (not part of the test suite). Builds a ledger of --lines lines over
2014–2023 (a tenth superseded, 40 sites, 25 departments, every source), a declared 2010
baseline, headcounts and 2014–2022 closed, then times each page as a signed-in working-group
member asks for it (the test client: routing, the session, the queries and the template), with
one target beside the organisation's and then with 300. Prints the median CPU time and wall
time per request, and the ratio of the 300-target page to the one-target page — its own fastest
honest baseline: the same page, the same ledger, the least targets it can show.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import flask_migrate

from ems import create_app
from ems.auth import services as auth
from ems.auth.models import Role
from ems.extensions import db
from ems.org import services as org
from ems.targets import services as targets
from tests.bench.bench_inventory import ledger_dimensions
from tests.bench.bench_ledger import _rows, analyze, database, insert_lines
from tests.conftest import TEST_PASSWORD, EmsClient, app_config, login_with
from tests.inventory.test_page_cost import add_targets

YEARS = range(2014, 2024)
PAGES = {"dashboard": "/", "targets page": "/inventory/targets"}


def medians(get: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median CPU seconds and wall seconds of ``get`` (after one warm-up call)."""
    get()
    cpu, wall = [], []
    for _ in range(repeat):
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        get()
        cpu.append(time.process_time() - cpu_started)
        wall.append(time.perf_counter() - wall_started)
    return statistics.median(cpu), statistics.median(wall)


def build(lines: int) -> None:
    """The ledger, the baseline, headcounts and closed years, committed."""
    factor_id, dims = ledger_dimensions()
    insert_lines(_rows(lines, factor_id, years=YEARS, **dims))
    for source in ("electricity", "heat_fuels", "air_travel", "refrigerants"):
        targets.declare_baseline(
            actor=None,
            year=2010,
            boundary="gtb",
            source_category=source,
            co2e_kg="250000",
            source="bench",
        )
    for year in (2010, *YEARS):
        org.set_headcount(actor=None, year=year, headcount=1000)
    for year in YEARS[:-1]:
        org.close_year(actor=None, year=year)
    db.session.commit()
    analyze()


def bench(kind: str, lines: int, repeat: int) -> None:
    """Build the data on one database and print the timings."""
    with database(kind) as url:
        app = create_app(app_config(url))
        app.test_client_class = EmsClient
        with app.app_context():
            flask_migrate.upgrade()
            started = time.perf_counter()
            build(lines)
            member = auth.create_user(
                actor=None,
                email="bench@example.org",
                name="Bench",
                roles=(Role.ems,),
                password=TEST_PASSWORD,
                must_change_password=False,
            )
            db.session.commit()
            client = app.test_client()
            login_with(client, member)
            built = time.perf_counter() - started
            timings: dict[int, dict[str, tuple[float, float]]] = {}
            for count, (first, last) in ((1, (1, 2)), (300, (2, targets.MAX_TARGETS + 1))):
                add_targets(first, last)
                timings[count] = {
                    name: medians(lambda path=path: _ok(client.get(path)), repeat)
                    for name, path in PAGES.items()
                }
            print(
                f"{db.engine.dialect.name:<10} {lines:,} lines over {len(YEARS)} years, "
                f"built in {built:.0f} s; median of {repeat} requests"
            )
            for name in PAGES:
                (cpu_1, wall_1), (cpu_300, wall_300) = timings[1][name], timings[300][name]
                print(
                    f"  {name + ':':<14} 1 target {cpu_1 * 1000:7.1f} ms CPU "
                    f"({wall_1 * 1000:7.1f} ms wall); 300 targets {cpu_300 * 1000:7.1f} ms CPU "
                    f"({wall_300 * 1000:7.1f} ms wall)   ratio {cpu_300 / cpu_1:.2f} CPU, "
                    f"{wall_300 / wall_1:.2f} wall"
                )
            db.session.remove()
            db.engine.dispose()


def _ok(response: object) -> object:
    assert getattr(response, "status_code", None) == 200, getattr(response, "location", response)
    return response


def main() -> None:
    """Parse the arguments and run the benchmark on SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("EMS_TEST_DATABASE_URL"),
        help="server URL (default: EMS_TEST_DATABASE_URL)",
    )
    args = parser.parse_args()
    bench("sqlite", args.lines, args.repeat)
    if args.postgresql:
        bench(args.postgresql, args.lines, args.repeat)


if __name__ == "__main__":
    main()
