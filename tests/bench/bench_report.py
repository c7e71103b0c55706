"""Benchmark: the annual report of one year over a ledger of a million lines.

Run by `make bench` (not part of the test suite). Builds a ledger like bench_inventory's (a
tenth of the lines superseded, 40 sites, 25 departments, every source, both figures of air
travel and electricity): --lines lines spread over --years years ending with the report year
(default: a million lines all in the report year, the size the report must handle; --years 10
spreads them over ten years) and times, in turns (tests.bench.timing; minimum and median, wall
and CPU): gathering the report's figures (`annual_report_data`), rendering the PDF from them,
and the whole draft (`draft_pdf`), against the single bare SQL query for the year's total — the
fastest way to get the report's first figure. The whole draft is timed twice: computed afresh,
and with the year's figures already computed at this version of its lines (kept by
ems.ledger.versions, as after any page that showed them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import flask_migrate
import sqlalchemy as sa

from ems import create_app
from ems.extensions import db
from ems.org import services as org
from ems.reporting import pdf, services
from tests.bench.bench_inventory import BARE_TOTAL, YEAR, computed_afresh, ledger_dimensions
from tests.bench.bench_ledger import _rows, analyze, database, insert_lines
from tests.bench.timing import alternate
from tests.conftest import app_config


def bench(kind: str, lines: int, years: int, repeat: int) -> None:
    """Build the ledger on one database and print the timings."""
    with database(kind) as url:
        app = create_app(app_config(url))
        with app.app_context():
            flask_migrate.upgrade()
            started = time.perf_counter()
            factor_id, dims = ledger_dimensions()
            org.set_headcount(actor=None, year=YEAR, headcount=1000)
            db.session.commit()
            insert_lines(_rows(lines, factor_id, years=range(YEAR - years + 1, YEAR + 1), **dims))
            analyze()
            built = time.perf_counter() - started

            def figures() -> dict[str, object]:
                return services.annual_report_data(
                    YEAR, report_id="EMS-BENCH", issued_on=dt.date(2026, 1, 31), draft=True
                )

            data = figures()
            content = pdf.render_annual_report(data)
            timings = alternate(
                {
                    "bare total query": lambda: db.session.scalar(BARE_TOTAL, {"year": YEAR}),
                    "report figures (snapshot)": lambda: computed_afresh(figures),
                    "PDF from the snapshot": lambda: pdf.render_annual_report(data),
                    "whole draft report": lambda: computed_afresh(lambda: services.draft_pdf(YEAR)),
                    # the figures already computed at this version of the year (by a page or
                    # by the draft just before)
                    "whole draft, figures kept": lambda: services.draft_pdf(YEAR),
                },
                repeat,
            )
            total = db.session.scalar(sa.text("SELECT count(*) FROM emission_lines"))
            in_year = db.session.scalar(
                sa.text("SELECT count(*) FROM emission_lines WHERE year = :year"), {"year": YEAR}
            )
            print(
                f"{db.engine.dialect.name:<10} {total:>10,} lines over {years} years ({in_year:,} "
                f"in {YEAR}, a tenth superseded), built in {built:.0f} s; "
                f"the PDF has {len(content):,} bytes"
            )
            baseline = timings.pop("bare total query")
            print(baseline.line("bare total query"))
            for name, timing in timings.items():
                print(timing.line(name, baseline, cpu_ratio=db.engine.dialect.name == "sqlite"))
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark on SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("EMS_TEST_DATABASE_URL"),
        help="server URL (default: EMS_TEST_DATABASE_URL)",
    )
    args = parser.parse_args()
    bench("sqlite", args.lines, args.years, args.repeat)
    if args.postgresql:
        bench(args.postgresql, args.lines, args.years, args.repeat)


if __name__ == "__main__":
    main()
