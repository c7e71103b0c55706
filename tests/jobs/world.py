"""A small ledger for the job tests: meters whose readings follow from their ids, so that a
worker in another process computes the same figures as the test; slow when asked."""

from __future__ import annotations

import time
from decimal import Decimal

import sqlalchemy as sa

from ems.extensions import db
from ems.factors import services as factors
from ems.factors.services import FactorSelector
from ems.ledger import services as ledger
from ems.ledger.models import Basis, EmissionLine, Recalculation, SourceCategory

ACTIVITY_TYPE = "jobs_test_meter"
YEAR = 2024
KEY = "electricity/supplier_mix/kwh"
META = {
    "family": "acme",
    "title": "Acme supplier mix",
    "publisher": "Acme",
    "licence": "supplier disclosure",
    "source": "supplier letter",
}


def meter_lines(activity_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    """Meter ``activity_id`` read 10 × id kWh in YEAR."""
    selected = selector.select(family="acme", key=KEY, year=YEAR)
    return [
        ledger.LineSpec(
            activity_type=ACTIVITY_TYPE,
            activity_id=activity_id,
            year=YEAR,
            scope=2,
            source_category=SourceCategory.electricity,
            basis=Basis.market,
            quantity=Decimal(activity_id * 10),
            quantity_unit="kwh",
            selected=selected,
            method="test_meter",
        )
    ]


def register(*, delay_seconds: float = 0.0) -> None:
    """Make the meters' calculation known (taking ``delay_seconds`` a meter: a slow job)."""

    def calculate(activity_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
        if delay_seconds:
            time.sleep(delay_seconds)
        return meter_lines(activity_id, selector)

    ledger.register_calculator(ACTIVITY_TYPE, calculate)


def unregister() -> None:
    ledger._calculators.pop(ACTIVITY_TYPE, None)


def edition(year: int, value: str) -> None:
    data = f"category,activity,unit,kgco2e_per_unit\nelectricity,supplier_mix,kwh,{value}\n"
    factors.import_factor_set(
        actor=None, data=data.encode(), edition_year=year, version="1", **META
    )


def build(meters: int = 5) -> None:
    """Meters 1..``meters`` recorded with the 2023 edition, then a 2024 edition that halves
    every figure once the year is recalculated (committed)."""
    edition(2023, "0.2")
    for activity_id in range(1, meters + 1):
        ledger.record_lines(
            activity_type=ACTIVITY_TYPE,
            activity_id=activity_id,
            lines=meter_lines(activity_id, FactorSelector()),
        )
    edition(2024, "0.1")
    db.session.commit()


def ledger_state() -> tuple[int, int, int]:
    """(recalculations, current lines, superseded lines), read afresh (taking no write lock)."""
    db.session.rollback()
    db.session.connection(execution_options={"sqlite_immediate": False})
    count = sa.func.count()
    return (
        db.session.scalar(sa.select(count).select_from(Recalculation)) or 0,
        db.session.scalar(
            sa.select(count).select_from(EmissionLine).where(EmissionLine.superseded_at.is_(None))
        )
        or 0,
        db.session.scalar(
            sa.select(count)
            .select_from(EmissionLine)
            .where(EmissionLine.superseded_at.is_not(None))
        )
        or 0,
    )
