"""A stand-in activity for the ledger's tests: meters of electricity, kept in a dict."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask

from ems.factors import services as factors
from ems.factors.models import FactorSet
from ems.factors.services import FactorSelector
from ems.ledger import services as ledger
from ems.ledger.models import Basis, SourceCategory

KEY = "electricity/supplier_mix/kwh"
META = {
    "family": "acme",
    "title": "Acme supplier mix",
    "publisher": "Acme",
    "licence": "supplier disclosure",
    "source": "supplier letter",
    "version": "1",
}

#: a stand-in activity store: id -> (year, kWh), so the ledger can be tested before any module
METERS: dict[int, tuple[int, Decimal]] = {}


def meter_lines(activity_id: int, selector: FactorSelector) -> list[ledger.LineSpec]:
    year, kwh = METERS[activity_id]
    selected = selector.select(family="acme", key=KEY, year=year)
    return [
        ledger.LineSpec(
            activity_type="test_meter",
            activity_id=activity_id,
            year=year,
            scope=2,
            source_category=SourceCategory.electricity,
            basis=Basis.market,
            quantity=kwh,
            quantity_unit="kwh",
            selected=selected,
            method="test_meter",
        )
    ]


@pytest.fixture
def meters(app: Flask) -> Iterator[dict[int, tuple[int, Decimal]]]:
    ledger.register_calculator("test_meter", meter_lines)
    METERS.clear()
    yield METERS
    del ledger._calculators["test_meter"]


def edition(year: int, value: str, version: str = "1") -> FactorSet:
    data = f"category,activity,unit,kgco2e_per_unit\nelectricity,supplier_mix,kwh,{value}\n"
    factor_set, _created = factors.import_factor_set(
        actor=None, data=data.encode(), edition_year=year, **{**META, "version": version}
    )
    return factor_set


def record(activity_id: int, year: int, kwh: str) -> None:
    METERS[activity_id] = (year, Decimal(kwh))
    ledger.record_lines(
        activity_type="test_meter",
        activity_id=activity_id,
        lines=meter_lines(activity_id, FactorSelector()),
    )
