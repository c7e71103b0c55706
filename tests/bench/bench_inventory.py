"""Benchmark: the full inventory of one year (both boundaries, every breakdown) over a ledger of
a million lines.

Run by `make bench` (not part of the test suite). Builds --lines lines in the inventory year
(a tenth of them superseded, 40 sites, 25 departments, every source, both figures of air travel
and electricity) and, with --other-years, as many again spread over nine other years. Times what
the inventory page computes — `inventories(year)` (both boundaries, every breakdown), the change
explained and the data-quality figures — each against the bare SQL GROUP BY of the year's
current lines on the same indexed table, and reports medians and the ratios: computed afresh,
and kept (computed already at this version of the year's lines, see ems.ledger.versions).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import flask_migrate
import sqlalchemy as sa

from ems import create_app
from ems.extensions import db
from ems.inventory import services
from ems.ledger import versions
from ems.org import services as org
from tests.bench.bench_ledger import (
    BARE_YEAR_TOTALS,
    _rows,
    analyze,
    bench_factor_id,
    database,
    insert_lines,
    median_seconds,
)
from tests.conftest import app_config

YEAR = 2023
BARE_TOTAL = sa.text(
    "SELECT sum(co2e_g) FROM emission_lines WHERE year = :year AND superseded_at IS NULL "
    "AND (basis IS NULL OR basis IN ('without_rf', 'market'))"
)


def ledger_dimensions() -> tuple[int, dict[str, Any]]:
    """The bench factor, and 40 sites and 25 departments (each list with None) to spread
    lines over, committed; the keyword arguments of ``_rows`` for them."""
    sites = [org.create_site(actor=None, name=f"Site {n}", country_code="CH").id for n in range(40)]
    departments = [org.create_department(actor=None, name=f"Department {n}").id for n in range(25)]
    db.session.commit()
    return bench_factor_id(), {"site_ids": [*sites, None], "department_ids": [*departments, None]}


def computed_afresh(run: Callable[[], object]) -> object:
    """``run()`` with no figure kept from an earlier call (see ems.ledger.versions)."""
    versions.forget_kept()
    return run()


def bench(kind: str, lines: int, other_years: bool, repeat: int) -> None:
    """Build the ledger on one database and print the timings."""
    with database(kind) as url:
        app = create_app(app_config(url))
        with app.app_context():
            flask_migrate.upgrade()
            started = time.perf_counter()
            factor_id, dims = ledger_dimensions()
            insert_lines(_rows(lines, factor_id, years=[YEAR], **dims))
            if other_years:
                others = [year for year in range(2014, 2024) if year != YEAR]
                insert_lines(_rows(lines, factor_id, years=others, **dims))
            analyze()
            built = time.perf_counter() - started
            full = services.inventories(YEAR)[services.Boundary.full]
            bare_total = int(db.session.scalar(BARE_TOTAL, {"year": YEAR}))
            assert full.total_g == bare_total, (full.total_g, bare_total)
            year = {"year": YEAR}
            baseline = median_seconds(
                lambda: db.session.execute(BARE_YEAR_TOTALS, year).all(), repeat
            )
            total = db.session.scalar(sa.text("SELECT count(*) FROM emission_lines"))
            print(
                f"{db.engine.dialect.name:<10} {total:>10,} lines ({lines:,} in {YEAR}, a tenth "
                f"superseded), built in {built:.0f} s"
            )
            print(f"  bare GROUP BY of the year:           {baseline * 1000:8.1f} ms")
            # every figure the inventory page shows, each against the bare GROUP BY
            # computed (nothing kept from an earlier call), then kept (computed at this version)
            for name, run in (
                (f"inventories({YEAR}), 2 boundaries", lambda: services.inventories(YEAR)),
                ("change explained", lambda: services.change_explained(YEAR)),
                ("data quality", lambda: services.data_quality(YEAR)),
            ):
                computed = median_seconds(lambda run=run: computed_afresh(run), repeat)
                kept = median_seconds(run, repeat)
                print(
                    f"  {name + ':':<36} {computed * 1000:8.1f} ms   "
                    f"ratio {computed / baseline:.2f}   "
                    f"kept: {kept * 1000:6.2f} ms   ratio {kept / baseline:.3f}"
                )
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark on SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--other-years", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("EMS_TEST_DATABASE_URL"),
        help="server URL (default: EMS_TEST_DATABASE_URL)",
    )
    args = parser.parse_args()
    bench("sqlite", args.lines, args.other_years, args.repeat)
    if args.postgresql:
        bench(args.postgresql, args.lines, args.other_years, args.repeat)


if __name__ == "__main__":
    main()
