"""Benchmark: recalculating a year of imported flights against importing them, on SQLite and
PostgreSQL.

Run by `make bench`. On a fresh migrated database with the shipped factors, imports an agency
file of --legs flights in 2024 (`import_trips`, as bench_travel_import: two ledger lines a leg,
with and without radiative forcing), then applies the recalculation of 2024
(`apply_recalculation`: every current line of the year recomputed from its trip with today's
factors, the old lines kept and superseded, one transaction). The import of the same lines is
the baseline: a recalculation does the same computing and writing, from stored trips instead
of a file. --repeat rounds (at least 3), each on a fresh database; minimum and median, CPU time
beside wall time (on PostgreSQL the server's work is outside this process's CPU time: read
the wall time there). Aim: the recalculation within 3x the import.
"""

from __future__ import annotations

import argparse
import os
import statistics

import sqlalchemy as sa

from ems import create_app
from ems.extensions import db
from ems.ledger import services as ledger
from ems.ledger.models import EmissionLine
from ems.travel import services
from tests.bench.bench_ledger import database
from tests.bench.bench_travel_import import agency_csv, prepared, timed
from tests.conftest import app_config

YEAR = 2024


def one_round(
    url: str, data: bytes, legs: int
) -> tuple[tuple[float, float], tuple[float, float], int]:
    """(wall, CPU) of the import and of the recalculation of its year; the year's lines."""
    app = create_app(app_config(url))
    with app.app_context():

        def imported() -> None:
            result = services.import_trips(actor=None, data=data, filename="agency.csv")
            db.session.commit()
            assert result.rows == legs, result

        def recalculated() -> None:
            ledger.apply_recalculation(actor=None, year=YEAR, reason="benchmark")
            db.session.commit()

        import_time = timed(imported)
        before = ledger.year_totals(YEAR)
        recalculation_time = timed(recalculated)
        assert ledger.year_totals(YEAR) == before  # the same factors: the same figures
        lines = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(EmissionLine)
            .where(EmissionLine.year == YEAR, EmissionLine.superseded_at.is_(None))
        )
        db.session.remove()
        db.engine.dispose()
    return import_time, recalculation_time, int(lines or 0)


def bench(kind: str, legs: int, repeat: int) -> None:
    """Import then recalculate, on a fresh database each round."""
    data = agency_csv(legs)
    imports: list[tuple[float, float]] = []
    recalculations: list[tuple[float, float]] = []
    lines = 0
    for _round in range(repeat):
        with database(kind) as url:
            prepared(url)
            imported, recalculated, lines = one_round(url, data, legs)
            imports.append(imported)
            recalculations.append(recalculated)
    dialect = "sqlite" if kind == "sqlite" else "postgresql"
    print(f"{dialect}: {legs:,} legs, {lines:,} current lines in {YEAR}, {repeat} rounds")
    for name, samples in (("import_trips", imports), ("apply_recalculation", recalculations)):
        walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
        print(
            f"  {name:<20} wall min {min(walls):6.2f} s median {statistics.median(walls):6.2f} s"
            f" | CPU min {min(cpus):6.2f} s median {statistics.median(cpus):6.2f} s"
            f" = {lines / statistics.median(cpus):>8,.0f} lines/s (CPU)"
        )
    ratio_cpu = statistics.median(c for _w, c in recalculations) / statistics.median(
        c for _w, c in imports
    )
    ratio_wall = statistics.median(w for w, _c in recalculations) / statistics.median(
        w for w, _c in imports
    )
    print(f"  ratio of the recalculation to the import: CPU {ratio_cpu:.2f}, wall {ratio_wall:.2f}")


def main() -> None:
    """Run the benchmark on SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--legs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("EMS_TEST_DATABASE_URL"),
        help="server URL (default: EMS_TEST_DATABASE_URL)",
    )
    args = parser.parse_args()
    repeat = max(args.repeat, 3)
    bench("sqlite", args.legs, repeat)
    if args.postgresql:
        bench(args.postgresql, args.legs, repeat)


if __name__ == "__main__":
    main()
