"""Benchmark: a year's totals from a ledger of millions of emission lines.

Run by `make bench` (not part of the test suite). Builds a ledger of --lines lines over ten years
(a tenth of them superseded) on a fresh database, then times `ledger.year_totals(year)` against
the fastest honest baseline on the same machine and the same indexed schema: the bare SQL GROUP
BY of that year's current lines on `emission_lines` itself, by hand, in turns
(tests.bench.timing). Reports minimum and median, wall and CPU, and the ratio, and how long the
ledger took to build (COPY on PostgreSQL, one prepared statement per chunk on SQLite).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

import flask_migrate
import sqlalchemy as sa

from ems import create_app
from ems.extensions import bulk_insert, db, utcnow
from ems.factors import services as factors
from ems.ledger import services as ledger
from ems.ledger import versions
from ems.ledger.models import Basis, EmissionLine, SourceCategory
from tests.bench.timing import alternate
from tests.conftest import app_config, fresh_postgresql_database

YEARS = range(2016, 2026)
TARGET_YEAR = 2023
CHUNK = 50_000


#: the scope (and scope 3 category) of each source's lines, as the calculators write them
SCOPES = {
    SourceCategory.air_travel: (3, 6),
    SourceCategory.other_travel: (3, 6),
    SourceCategory.hotels: (3, 6),
    SourceCategory.electricity: (2, None),
    SourceCategory.heat_fuels: (1, None),
    SourceCategory.refrigerants: (1, None),
    SourceCategory.fleet: (1, None),
    SourceCategory.procurement: (3, 1),
    SourceCategory.water_waste: (3, 5),
}
BASES = {
    SourceCategory.air_travel: [Basis.with_rf, Basis.without_rf],
    SourceCategory.electricity: [Basis.location, Basis.market],
}
#: the sources whose lines name a site, and those whose lines name a department, as the
#: calculators write them: travel by the traveller's department, buildings by their site, a
#: purchase by either or both
SITED = {
    SourceCategory.electricity,
    SourceCategory.heat_fuels,
    SourceCategory.refrigerants,
    SourceCategory.fleet,
    SourceCategory.water_waste,
    SourceCategory.procurement,
}
DEPARTMENTAL = {
    SourceCategory.air_travel,
    SourceCategory.other_travel,
    SourceCategory.hotels,
    SourceCategory.procurement,
}


def _rows(
    count: int,
    factor_id: int,
    *,
    years: Sequence[int] = YEARS,
    site_ids: Sequence[int | None] = (None,),
    department_ids: Sequence[int | None] = (None,),
) -> Iterator[dict[str, object]]:
    rng = random.Random(2024)  # noqa: S311 (benchmark data, not security)
    sources = list(SourceCategory)
    now = utcnow()
    for index in range(count):
        source = rng.choice(sources)
        scope, category = SCOPES[source]
        basis = rng.choice(BASES[source]) if source in BASES else None
        grams = rng.randrange(1, 2_000_000)
        yield {
            "activity_type": "bench",
            "activity_id": index,
            "item": "",
            "year": rng.choice(years),
            "scope": scope,
            "scope3_category": category,
            "source_category": source,
            "basis": basis,
            "site_id": rng.choice(site_ids) if source in SITED else None,
            "department_id": rng.choice(department_ids) if source in DEPARTMENTAL else None,
            "quantity": Decimal(grams),
            "quantity_unit": "kwh",
            "factor_id": factor_id,
            "factor_kgco2e_per_unit": Decimal("0.001"),
            "factor_unit": "kwh",
            "co2e_g": grams,
            "method": "bench",
            "calculation_version": "bench",
            "factor_selection": "edition_year",
            "is_fallback": False,
            "note": "",
            "created_at": now,
            "superseded_at": now if index % 10 == 0 else None,
        }


def bench_factor_id() -> int:
    """The one factor every benchmark line pins."""
    factor_set, _ = factors.import_factor_set(
        actor=None,
        data=b"category,activity,unit,kgco2e_per_unit\nheat,bench,kwh,0.001\n",
        family="bench",
        title="Bench",
        publisher="ems",
        licence="n/a",
        source="benchmark",
        edition_year=2023,
        version="1",
    )
    db.session.commit()
    return factor_set.factors[0].id


def insert_lines(rows: Iterable[dict[str, object]]) -> None:
    """Insert benchmark lines in chunks, committing each: PostgreSQL's COPY there, one
    prepared statement per chunk on SQLite."""
    copy = db.session.get_bind().dialect.name == "postgresql"
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            (_copy_lines if copy else _insert_lines)(batch)
            batch = []
    (_copy_lines if copy else _insert_lines)(batch)


def _insert_lines(batch: list[dict[str, object]]) -> None:
    bulk_insert(EmissionLine, batch)
    versions.touched({int(str(row["year"])) for row in batch})  # as a ledger write does
    db.session.commit()


def _copy_lines(batch: list[dict[str, object]]) -> None:
    if not batch:
        return
    columns = list(batch[0])
    cursor = db.session.connection().connection.cursor()
    with cursor.copy(f"COPY emission_lines ({', '.join(columns)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row([_plain(row[name]) for name in columns])
    versions.touched({int(str(row["year"])) for row in batch})
    db.session.commit()


def _plain(value: object) -> object:
    """A value as COPY takes it (enumerations by their value)."""
    return value.value if isinstance(value, SourceCategory | Basis) else value


def analyze() -> None:
    """Statistics (and, on PostgreSQL, the visibility map autovacuum would keep up to date)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))


def _fill(count: int) -> None:
    insert_lines(_rows(count, bench_factor_id()))
    analyze()


#: the bare query: that year's current lines summed by source and basis, by hand
BARE_YEAR_TOTALS = sa.text(
    "SELECT source_category, basis, sum(co2e_g) FROM emission_lines "
    "WHERE year = :year AND superseded_at IS NULL GROUP BY source_category, basis"
)


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
    else:
        with fresh_postgresql_database(kind) as url:
            yield url


def bench(kind: str, lines: int, repeat: int) -> None:
    """Build the ledger on one database and print the timings."""
    with database(kind) as url:
        app = create_app(app_config(url))
        with app.app_context():
            flask_migrate.upgrade()
            started = time.perf_counter()
            _fill(lines)
            filled = time.perf_counter() - started
            parameters = {"year": TARGET_YEAR}
            expected = {
                (SourceCategory(s), Basis(b) if b else None): int(t)
                for s, b, t in db.session.execute(BARE_YEAR_TOTALS, parameters)
            }
            assert ledger.year_totals(TARGET_YEAR) == expected
            timings = alternate(
                {
                    "bare GROUP BY of that year": lambda: db.session.execute(
                        BARE_YEAR_TOTALS, parameters
                    ).all(),
                    f"ledger.year_totals({TARGET_YEAR})": lambda: ledger.year_totals(TARGET_YEAR),
                },
                repeat,
            )
            current = db.session.scalar(
                sa.text(
                    "SELECT count(*) FROM emission_lines "
                    "WHERE year = :year AND superseded_at IS NULL"
                ),
                parameters,
            )
            print(
                f"{db.engine.dialect.name:<10} {lines:>10,} lines ({current:,} current in "
                f"{TARGET_YEAR}), built in {filled:.0f} s"
            )
            baseline = timings.pop("bare GROUP BY of that year")
            print(baseline.line("bare GROUP BY of that year"))
            for name, timing in timings.items():
                print(timing.line(name, baseline, cpu_ratio=db.engine.dialect.name == "sqlite"))
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark on SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
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
