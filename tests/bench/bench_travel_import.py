"""Benchmark: importing 100,000 flight legs from an agency CSV, end to end, on SQLite.

Run by `make bench`. Times `ems.travel.services.import_trips` (parse, check every row, compute
every leg, write trips, legs and emission lines, one transaction) and compares it with the
fastest baseline on the same machine: a bare DBAPI `executemany` of the very rows the import
wrote (trips, legs, lines) into the same schema on a fresh database. Aim: at least 10,000 legs/s
and within 5x of the bare insert.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import tempfile
import time
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

from ems import create_app
from ems.extensions import db
from ems.factors import services as factors
from ems.travel import services
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
TABLES = ("trips", "flight_legs", "emission_lines")


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


def migrated(url: str) -> None:
    app = create_app(app_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def main() -> None:
    """Run the benchmark and print legs per second and the ratio to the bare insert."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--legs", type=int, default=100_000)
    args = parser.parse_args()
    data = agency_csv(args.legs)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/import.sqlite3"
        app = create_app(app_config(url))
        with app.app_context():
            flask_migrate.upgrade()
            factors.load_shipped_sets(actor=None)
            db.session.commit()
            started = time.perf_counter()
            result = services.import_trips(actor=None, data=data, filename="agency.csv")
            db.session.commit()
            elapsed = time.perf_counter() - started
            assert result.rows == args.legs, result
            written = {
                table: db.session.execute(sa.text(f"SELECT * FROM {table}")).all()  # noqa: S608 (fixed names)
                for table in TABLES
            }
            columns = {
                table: list(db.session.execute(sa.text(f"SELECT * FROM {table} LIMIT 0")).keys())  # noqa: S608 (fixed names)
                for table in TABLES
            }
            db.session.remove()
            db.engine.dispose()
        baseline_path = Path(folder) / "baseline.sqlite3"
        migrated(f"sqlite:///{baseline_path}")
        connection = sqlite3.connect(baseline_path)
        connection.execute("PRAGMA journal_mode=WAL")
        started = time.perf_counter()
        with connection:
            for table in TABLES:
                marks = ", ".join("?" * len(columns[table]))
                connection.executemany(
                    f"INSERT INTO {table} VALUES ({marks})",  # noqa: S608
                    [tuple(row) for row in written[table]],
                )
        baseline = time.perf_counter() - started
        connection.close()
    rows = sum(len(rows) for rows in written.values())
    print(
        f"travel import: {args.legs:,} legs ({result.created:,} trips, {rows:,} rows written) "
        f"in {elapsed:.2f} s = {args.legs / elapsed:,.0f} legs/s"
    )
    print(
        f"  bare executemany of the same rows: {baseline:.2f} s "
        f"({args.legs / baseline:,.0f} legs/s)   ratio {elapsed / baseline:.2f}"
    )


if __name__ == "__main__":
    main()
