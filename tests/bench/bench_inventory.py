"""Benchmark: the full inventory of one year (both boundaries, every breakdown) over a ledger of
a million lines.

Run by `make bench` (not part of the test suite). Builds --lines lines in the inventory year
(a tenth of them superseded, 40 sites, 25 departments, every source, both figures of air travel
and electricity) and, with --other-years, as many again spread over nine other years. Times what
the inventory page computes — `inventories(year)` (both boundaries, every breakdown), the change
explained and the data-quality figures — each against the bare SQL GROUP BY of the year's
current lines on the same indexed table, in turns (tests.bench.timing), and reports minimum and
median wall and CPU times and the ratios: computed afresh, and kept (computed already at this
version of the year's lines, see ems.ledger.versions). By default at 100k, 1M and 3M lines in
the year: the figures must grow linearly with the year's lines.
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
)
from tests.bench.timing import alternate
from tests.conftest import app_config

YEAR = 2023
BARE_TOTAL = sa.text(
    "SELECT sum(co2e_g) FROM emission_lines WHERE year = :year AND superseded_at IS NULL "
    "AND (basis IS NULL OR basis IN ('without_rf', 'market'))"
)


#: the same GROUP BY by every dimension the inventory's breakdowns need (what
#: ems.inventory.services.year_groups asks of the database): for reference beside the baseline
BARE_INVENTORY_GROUPS = sa.text(
    "SELECT source_category, basis, scope, scope3_category, site_id, department_id, "
    "sum(co2e_g), count(*) FROM emission_lines WHERE year = :year AND superseded_at IS NULL "
    "GROUP BY source_category, basis, scope, scope3_category, site_id, department_id"
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
            # every figure the inventory page shows, computed (nothing kept from an earlier
            # call), then kept (computed at this version), in turns with the bare GROUP BY
            figures: dict[str, Callable[[], object]] = {
                f"inventories({YEAR}), 2 boundaries": lambda: services.inventories(YEAR),
                "change explained": lambda: services.change_explained(YEAR),
                "data quality": lambda: services.data_quality(YEAR),
            }
            sides: dict[str, Callable[[], object]] = {
                "bare GROUP BY of the year": lambda: db.session.execute(
                    BARE_YEAR_TOTALS, year
                ).all(),
                "bare GROUP BY, the inventory's 6 columns": lambda: db.session.execute(
                    BARE_INVENTORY_GROUPS, year
                ).all(),
            }
            for name, run in figures.items():
                sides[name] = lambda run=run: computed_afresh(run)
                sides[f"{name}, kept"] = run
            timings = alternate(sides, repeat)
            total = db.session.scalar(sa.text("SELECT count(*) FROM emission_lines"))
            print(
                f"{db.engine.dialect.name:<10} {total:>10,} lines ({lines:,} in {YEAR}, a tenth "
                f"superseded), built in {built:.0f} s"
            )
            baseline = timings.pop("bare GROUP BY of the year")
            print(baseline.line("bare GROUP BY of the year", width=44))
            on_sqlite = db.engine.dialect.name == "sqlite"
            for name, timing in timings.items():
                print(timing.line(name, baseline, width=44, cpu_ratio=on_sqlite))
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark on SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--lines",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[100_000, 1_000_000, 3_000_000],
        help="sizes of the year, comma-separated (the figures must grow linearly)",
    )
    parser.add_argument("--other-years", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("EMS_TEST_DATABASE_URL"),
        help="server URL (default: EMS_TEST_DATABASE_URL)",
    )
    args = parser.parse_args()
    for lines in args.lines:
        bench("sqlite", lines, args.other_years, args.repeat)
    if args.postgresql:
        for lines in args.lines:
            bench(args.postgresql, lines, args.other_years, args.repeat)


if __name__ == "__main__":
    main()
