"""Benchmark: importing 100,000 flight legs from an agency CSV, end to end, on SQLite and
PostgreSQL.

Run by `make bench`. Times `ems.travel.services.import_trips` (read the file, map its columns,
check every row, compute every leg, write trips, legs and emission lines, one transaction) and
compares it with the fastest honest baseline on the same machine and the same migrated, indexed
schema: the very rows the import wrote (trips, legs, lines), precomputed, written bare — a DBAPI
`executemany` on SQLite, `COPY` on PostgreSQL. The two sides alternate, each on a fresh database,
--repeat times (at least 3); minimum and median are reported, CPU time beside wall time (on
SQLite the ratio is taken on CPU time, the machine being shared; on PostgreSQL the server's
work is outside this process's CPU time, so its wall time is the one to
read). The command line a user runs,
`ems import travel FILE`, is timed too, start-up included, with its peak memory, and its peak
memory for 10,000 and 200,000 legs compared.
Aim: at least 10,000 legs/s and within 2x of the bare write (CPU); the peak memory of 200,000
legs within 2x that of 10,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask_migrate
import sqlalchemy as sa

from ems import create_app
from ems.extensions import db
from ems.factors import services as factors
from ems.travel import services
from tests.bench.bench_ledger import database
from tests.conftest import app_config

DESTINATIONS = [
    "FRA",
    "LHR",
    "JFK",
    "NBO",
    "BKK",
    "CDG",
    "AMS",
    "IAD",
    "DXB",
    "ADD",
    "BOG",
    "GRU",
    "NRT",
    "PEK",
    "DEL",
    "JNB",
    "CAI",
    "YUL",
    "MAD",
    "FCO",
    "VIE",
    "BRU",
    "CPH",
    "IST",
    "SIN",
    "SYD",
    "LOS",
    "ACC",
    "DKR",
    "LIM",
]
CLASSES = ["economy"] * 7 + ["business"] * 2 + ["premium_economy", "first", ""]
#: what the import writes, in the order the foreign keys need
TABLES = ("import_batches", "trips", "flight_legs", "emission_lines")

Rows = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def agency_csv(legs: int) -> bytes:
    """An export of ``legs`` flights: return trips from Geneva, two legs per booking."""
    rng = random.Random(31)  # noqa: S311 (benchmark data)
    lines = ["PNR,Passenger Name,From,To,Travel Date,Class,Pax"]
    for booking in range(legs // 2):
        there = rng.choice(DESTINATIONS)
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(350))
        cabin = rng.choice(CLASSES)
        name = f"Traveller {booking % 1000}"
        lines.append(f"B{booking:07d},{name},GVA,{there},{day},{cabin},1")
        lines.append(f"B{booking:07d},{name},{there},GVA,{day + dt.timedelta(days=4)},{cabin},1")
    return ("\n".join(lines) + "\n").encode()


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``run``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def prepared(url: str) -> None:
    """A fresh database migrated, with the shipped factors."""
    app = create_app(app_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        factors.load_shipped_sets(actor=None)
        db.session.commit()
        db.engine.dispose()


def import_side(url: str, data: bytes, legs: int) -> tuple[float, float, Rows]:
    """Import the file on a prepared database; its time and the rows it wrote."""
    app = create_app(app_config(url))
    with app.app_context():

        def run() -> None:
            result = services.import_trips(actor=None, data=data, filename="agency.csv")
            db.session.commit()
            assert result.rows == legs, result

        wall, cpu = timed(run)
        written: Rows = {}
        for table in TABLES:
            found = db.session.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608 (fixed names)
            written[table] = (list(found.keys()), [tuple(row) for row in found])
        db.session.remove()
        db.engine.dispose()
    return wall, cpu, written


def _json(value: Any) -> Any:
    from psycopg.types.json import Json

    return Json(value) if isinstance(value, dict | list) else value


def bare_side(url: str, written: Rows) -> tuple[float, float]:
    """Write the same rows bare on a prepared database: executemany (SQLite) or COPY."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        connection.execute("PRAGMA journal_mode=WAL")

        def run_sqlite() -> None:
            with connection:
                for table in TABLES:
                    columns, rows = written[table]
                    marks = ", ".join("?" * len(columns))
                    connection.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                        rows,
                    )

        try:
            return timed(run_sqlite)
        finally:
            connection.close()
    engine = sa.create_engine(url)
    raw: Any = engine.raw_connection()

    def run_copy() -> None:
        with raw.cursor() as cursor:
            for table in TABLES:
                columns, rows = written[table]
                if table == "import_batches":  # its one row holds JSON (how it was read)
                    rows = [tuple(_json(value) for value in row) for row in rows]
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        raw.commit()

    try:
        return timed(run_copy)
    finally:
        raw.close()
        engine.dispose()


def cli_side(url: str, path: Path) -> tuple[float, float, int]:
    """`ems import travel FILE` in its own process on a prepared database: wall and CPU
    seconds, start-up included, and its peak memory in MiB (the process's own high-water mark,
    read while it runs: the resource usage a wait returns counts the moment of the fork, when
    the child is a copy of this process and of the rows it holds)."""
    env = {**os.environ, "EMS_DATABASE_URL": url, "EMS_SECRET_KEY": "bench"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 (this project's own command line)
        [sys.executable, "-m", "ems.cli", "import", "travel", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak_kib = 0
    while process.poll() is None:
        peak_kib = max(peak_kib, _high_water_kib(process.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    assert process.returncode == 0, "the command line import failed"
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, peak_kib // 1024


def _high_water_kib(pid: int) -> int:
    """The peak resident memory of process ``pid`` so far (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def summary(name: str, samples: list[tuple[float, float]], legs: int) -> str:
    walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
    return (
        f"  {name:<34} wall min {min(walls):6.2f} s median {statistics.median(walls):6.2f} s"
        f" | CPU min {min(cpus):6.2f} s median {statistics.median(cpus):6.2f} s"
        f" = {legs / statistics.median(cpus):>8,.0f} legs/s (CPU)"
    )


def bench(kind: str, legs: int, repeat: int) -> None:
    """Alternate the import, the bare write and the command line on fresh databases."""
    data = agency_csv(legs)
    imports: list[tuple[float, float]] = []
    bares: list[tuple[float, float]] = []
    clis: list[tuple[float, float]] = []
    peaks: list[int] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "agency.csv"
        path.write_bytes(data)
        for _round in range(repeat):
            with database(kind) as url:
                prepared(url)
                wall, cpu, written = import_side(url, data, legs)
                imports.append((wall, cpu))
            with database(kind) as url:
                prepared(url)
                bares.append(bare_side(url, written))
            with database(kind) as url:
                prepared(url)
                wall, cpu, peak = cli_side(url, path)
                clis.append((wall, cpu))
                peaks.append(peak)
    dialect = "sqlite" if kind == "sqlite" else "postgresql"
    bare_name = "bare executemany" if kind == "sqlite" else "bare COPY"
    rows = sum(len(written[table][1]) for table in TABLES)
    print(f"{dialect}: {legs:,} legs ({rows:,} rows written), {repeat} alternating rounds")
    print(summary("import_trips", imports, legs))
    print(summary(f"{bare_name} of the same rows", bares, legs))
    print(summary("ems import travel (start-up incl.)", clis, legs))
    ratio_cpu = statistics.median(c for _w, c in imports) / statistics.median(c for _w, c in bares)
    ratio_wall = statistics.median(w for w, _c in imports) / statistics.median(w for w, _c in bares)
    print(
        f"  ratio to the bare write: CPU {ratio_cpu:.2f}, wall {ratio_wall:.2f}; "
        f"command line peak memory {max(peaks)} MiB"
    )
    if kind == "sqlite":  # the memory is the command's own, whatever the database
        print(memory_growth())


#: the files whose imports' peak memory is compared (aim: the larger within 2x the smaller)
MEMORY_LEGS = (10_000, 200_000)


def memory_growth() -> str:
    """Peak memory of `ems import travel` for a small and a large file (SQLite)."""
    peaks = []
    with tempfile.TemporaryDirectory() as folder:
        for legs in MEMORY_LEGS:
            path = Path(folder) / f"agency-{legs}.csv"
            path.write_bytes(agency_csv(legs))
            with database("sqlite") as url:
                prepared(url)
                peaks.append(cli_side(url, path)[2])
    (small, large), (small_mib, large_mib) = MEMORY_LEGS, peaks
    return (
        f"  command line peak memory: {small:,} legs {small_mib} MiB, {large:,} legs "
        f"{large_mib} MiB: ratio {large_mib / small_mib:.2f}"
    )


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
