"""The annual report's downloads: the inventory table and the Greening the Blue data pack."""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook

from ems.energy import services as energy
from ems.exports import csv_bytes, xlsx_bytes
from ems.extensions import db
from ems.factors import services as factors
from ems.inventory import services as inventory
from ems.inventory.services import Boundary
from ems.ledger import services as ledger
from ems.ledger.models import Basis, SourceCategory
from ems.org import services as org
from ems.procurement import services as procurement
from ems.reporting.exports import (
    INVENTORY_HEADER,
    PACK_CATEGORIES,
    PACK_HEADER,
    gtb_pack_rows,
    inventory_rows,
)
from ems.travel import services as travel

YEAR = 2025
GENERATED_ON = dt.date(2026, 2, 1)
# published values (see tests/inventory/test_inventory.py): UK electricity 2025, 10,000 kWh
ELECTRICITY_G = 1_770_000
HEAT_G = 100_000  # 1,000 kWh of district heat at the supplier's 0.1 kg/kWh


def _energy(site_id: int, kind: str, start: dt.date, end: dt.date, **values: object) -> None:
    energy.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type=kind,
        period_start=start,
        period_end=end,
        **{
            "quantity": Decimal(10000),
            "unit": "kwh",
            "certificates_kwh": None,
            "supplier_factor_id": None,
            "meter_reference": "",
            "evidence_note": "",
            **values,
        },
    )


@pytest.fixture
def year(app):
    """London office in 2025: electricity in Q1 and, covered by certificates, in Q2; gas,
    district heat, a refrigerant top-up and fleet diesel; a return flight GVA–LHR with a rail
    journey and two hotel nights; a computer purchase."""
    factors.load_shipped_sets(actor=None)
    london = org.create_site(actor=None, name="London office", country_code="GB")
    programme = org.create_department(actor=None, name="Programme", code="PRG")
    q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    q2 = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    _energy(london.id, "electricity", *q1)
    _energy(london.id, "electricity", *q2, certificates_kwh=Decimal(10000))
    _energy(london.id, "natural_gas", *q1, unit="kwh_gross_cv")
    supplier, _created = factors.import_factor_set(
        actor=None,
        data=b"category,activity,unit,kgco2e_per_unit\nheat,network,kwh,0.1\n",
        family="geneva_heat",
        title="Network",
        publisher="SIG",
        licence="supplier",
        source="letter",
        edition_year=2025,
        version="1",
    )
    _energy(
        london.id,
        "district_heating",
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 31),
        quantity=Decimal(1000),
        supplier_factor_id=supplier.factors[0].id,
    )
    energy.record_refrigerant_top_up(
        actor=None, site_id=london.id, topped_up_on=dt.date(2025, 6, 1), gas="r410a", kg="10"
    )
    energy.record_fleet_use(
        actor=None,
        measure="diesel_litres",
        period_start=dt.date(2025, 2, 1),
        period_end=dt.date(2025, 2, 28),
        quantity=Decimal(50),
        site_id=london.id,
    )
    trip = travel.create_trip(
        actor=None,
        traveller="Ana",
        department_id=programme.id,
        legs=travel.with_return(
            [travel.LegInput(origin="GVA", destination="LHR", departure_on=dt.date(2025, 3, 4))],
            dt.date(2025, 3, 6),
        ),
        ground=[
            travel.GroundInput(
                mode="rail", travelled_on=dt.date(2025, 3, 5), distance_km=Decimal(250)
            )
        ],
        hotels=[travel.HotelInput(country_code="GB", check_in_on=dt.date(2025, 3, 4), nights=2)],
    )
    procurement.add_default_categories(actor=None)
    procurement.set_exchange_rate(actor=None, currency="CHF", year=2025, units_per_usd="0.8804")
    procurement.set_price_index(actor=None, year=2022, index_value="117.973")
    procurement.set_price_index(actor=None, year=2025, index_value="124.4")
    computers = next(c for c in procurement.list_categories() if c.name.startswith("IT equip"))
    procurement.create_purchase(
        actor=None,
        purchased_on=dt.date(2025, 5, 2),
        category_id=computers.id,
        amount=Decimal(10000),
        currency="CHF",
    )
    db.session.commit()
    return {"trip": trip}


def _kg(grams: int) -> float:
    return float((Decimal(grams) / 1000).quantize(Decimal("0.001"), ROUND_HALF_UP))


def _t(grams: int) -> float:
    return float((Decimal(grams) / 1_000_000).quantize(Decimal("0.001"), ROUND_HALF_UP))


def _records(rows: list[list[object]]) -> list[dict[str, object]]:
    """The group rows of inventory_rows as dicts (header and total rows left out)."""
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return [record for record in records if record["source_label"] != "Total"]


def _totals(rows: list[list[object]]) -> dict[object, dict[str, object]]:
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return {r["boundary"]: r for r in records if r["source_label"] == "Total"}


def _pack(rows: list[list[object]]) -> list[dict[str, object]]:
    """The figure rows of the data pack (between its column header and its total) as dicts."""
    start = rows.index(PACK_HEADER) + 1
    end = next(i for i, row in enumerate(rows) if row and str(row[0]).startswith("Total"))
    return [dict(zip(PACK_HEADER, row, strict=True)) for row in rows[start:end]]


def _pack_total(rows: list[list[object]]) -> object:
    return next(row for row in rows if row and str(row[0]).startswith("Total"))[4]


def test_inventory_rows_total_the_inventory_of_each_boundary(year):
    rows = inventory_rows(YEAR)
    assert rows[0] == INVENTORY_HEADER
    both = inventory.inventories(YEAR)
    totals = _totals(rows)
    assert list(totals) == ["gtb", "full"]
    records = _records(rows)
    for boundary in Boundary:
        total = totals[boundary.value]
        assert total["co2e_kg"] == _kg(both[boundary].total_g)
        assert total["lines"] == both[boundary].lines
        counted = [
            r for r in records if r["boundary"] == boundary.value and r["counted_in_total"] == "yes"
        ]
        rounding = 0.001 * len(counted)
        assert sum(r["co2e_kg"] for r in counted) == pytest.approx(total["co2e_kg"], abs=rounding)
        assert sum(r["lines"] for r in counted) == both[boundary].lines
    assert both[Boundary.full].total_g > both[Boundary.gtb].total_g > 0


def test_inventory_rows_name_sites_departments_and_sources(year):
    records = _records(inventory_rows(YEAR))
    flights = [r for r in records if r["source"] == "air_travel"]
    assert {r["source_label"] for r in flights} == {"Air travel"}
    assert {r["scope3_category_label"] for r in flights} == {"Business travel"}
    assert {(r["boundary"], r["boundary_label"]) for r in flights} == {
        ("gtb", "Greening the Blue"),
        ("full", "Full boundary"),
    }
    assert {(r["site"], r["department"], r["scope"], r["scope3_category"]) for r in flights} == {
        ("", "Programme", 3, 6)
    }
    gas = next(r for r in records if r["source"] == "heat_fuels" and r["scope"] == 1)
    assert (gas["site"], gas["department"], gas["basis"]) == ("London office", "", "")
    assert (gas["source_label"], gas["basis_label"]) == ("Heating and fuels", "")


def test_second_figures_are_shown_but_not_counted(year):
    both = inventory.inventories(YEAR)
    records = _records(inventory_rows(YEAR))
    for boundary in Boundary:
        by_basis: dict[str, list[dict[str, object]]] = {}
        for record in records:
            if record["boundary"] == boundary.value:
                by_basis.setdefault(str(record["basis"]), []).append(record)
        assert {r["counted_in_total"] for r in by_basis["with_rf"]} == {"no"}
        assert {r["counted_in_total"] for r in by_basis["location"]} == {"no"}
        assert {r["counted_in_total"] for r in by_basis["without_rf"]} == {"yes"}
        assert {r["counted_in_total"] for r in by_basis["market"]} == {"yes"}
        assert {r["basis_label"] for r in by_basis["with_rf"]} == {"with RF"}
        assert sum(r["co2e_kg"] for r in by_basis["with_rf"]) == _kg(both[boundary].air_with_rf_g)

    pack = {row["Category"]: row for row in _pack(gtb_pack_rows(YEAR))}
    gtb = both[Boundary.gtb]
    with_rf = pack["Business travel: air (with RF)"]
    assert (with_rf["tCO2e"], with_rf["Counted in total"]) == (_t(gtb.air_with_rf_g), "no")
    without_rf = pack["Business travel: air (without RF)"]
    assert (without_rf["tCO2e"], without_rf["Counted in total"]) == (
        _t(gtb.air_without_rf_g),
        "yes",
    )
    # the certificates cover Q2: location-based counts both quarters, market-based one
    location = pack["Purchased electricity (location-based)"]
    assert (location["tCO2e"], location["Counted in total"]) == (_t(2 * ELECTRICITY_G), "no")
    market = pack["Purchased electricity (market-based)"]
    assert (market["tCO2e"], market["Counted in total"]) == (_t(ELECTRICITY_G), "yes")
    assert gtb.scope2_location_g == 2 * ELECTRICITY_G + HEAT_G


def test_gtb_pack_totals_the_gtb_inventory(year):
    rows = gtb_pack_rows(YEAR, generated_on=GENERATED_ON)
    gtb = inventory.inventory(YEAR, Boundary.gtb)
    assert _pack_total(rows) == _t(gtb.total_g)
    figures = _pack(rows)
    counted = [row["tCO2e"] for row in figures if row["Counted in total"] == "yes"]
    assert sum(counted) == pytest.approx(_pack_total(rows), abs=0.001 * len(counted))
    assert rows[1] == ["Organisation", org.get_organisation().name]
    assert rows[2] == ["Reporting year", YEAR]
    assert rows[5][1].startswith("2026-02-01")
    # every UN category has its row, in order, even with nothing recorded
    assert [row["Category"] for row in figures] == [c.label for c in PACK_CATEGORIES]


def test_gtb_pack_gives_activity_quantities(year):
    figures = {row["Category"]: row for row in _pack(gtb_pack_rows(YEAR))}
    air_km = sum(
        line.quantity
        for line in ledger.current_lines(activity_type="trip", activity_id=year["trip"].id)
        if line.basis is Basis.without_rf
    )

    def quantity(category: str) -> tuple[object, object]:
        return figures[category]["Activity quantity"], figures[category]["Unit"]

    assert quantity("Purchased electricity (market-based)") == (10000.0, "kWh")
    assert quantity("Purchased electricity (location-based)") == (20000.0, "kWh")
    assert quantity("Purchased heat, steam and cooling (district networks)") == (1000.0, "kWh")
    assert figures["Purchased heat, steam and cooling (district networks)"]["tCO2e"] == _t(HEAT_G)
    assert quantity("Stationary combustion (heating and fuels)") == (10000.0, "kWh (gross CV)")
    assert quantity("Fugitive emissions (refrigerants)") == (10.0, "kg")
    assert quantity("Mobile combustion (own vehicles)") == (50.0, "litres")
    assert quantity("Business travel: air (without RF)") == (
        float(air_km.quantize(Decimal("0.001"), ROUND_HALF_UP)),
        "passenger-km",
    )
    assert quantity("Business travel: other (rail, bus, coach, taxi, car)") == (
        250.0,
        "passenger-km",
    )


def test_hotels_and_procurement_are_in_the_full_inventory_only(year):
    records = _records(inventory_rows(YEAR))
    for source in ("hotels", "procurement"):
        assert {r["boundary"] for r in records if r["source"] == source} == {"full"}
    full = inventory.inventory(YEAR, Boundary.full)
    hotels = sum(r["co2e_kg"] for r in records if r["source"] == "hotels")
    assert hotels == _kg(full.by_source[SourceCategory.hotels]) > 0
    assert full.by_source[SourceCategory.procurement] > 0

    rows = gtb_pack_rows(YEAR)
    labels = " ".join(str(row["Category"]) for row in _pack(rows)).lower()
    assert "hotel" not in labels
    assert "procurement" not in labels
    assert rows[-1][0] == "Note"
    assert "Hotel nights are not in" in str(rows[-1][1])


@pytest.mark.parametrize("export", [inventory_rows, gtb_pack_rows])
def test_rows_make_csv_and_xlsx(year, export):
    rows = export(YEAR)
    text = csv_bytes(rows).decode("utf-8-sig")
    assert text.count("\r\n") == len(rows)
    sheet = load_workbook(io.BytesIO(xlsx_bytes(rows, title="Inventory"))).active
    read_back = [list(row) for row in sheet.iter_rows(values_only=True)]
    width = max(len(row) for row in rows)
    expected = [[None if v == "" else v for v in row] + [None] * (width - len(row)) for row in rows]
    assert read_back == expected


def test_an_empty_year_gives_headers_and_zero_totals(app):
    rows = inventory_rows(2030)
    headline = rows[1][8]
    assert str(headline).startswith("headline: ")
    assert rows == [
        INVENTORY_HEADER,
        ["gtb", "Greening the Blue", None, None, "", "", "Total", "", headline, "", "", 0.0, 0, ""],
        ["full", "Full boundary", None, None, "", "", "Total", "", headline, "", "", 0.0, 0, ""],
    ]
    pack = gtb_pack_rows(2030)
    assert _pack_total(pack) == 0.0
    assert {(row["tCO2e"], row["Activity quantity"]) for row in _pack(pack)} == {(0.0, None)}


def test_the_report_shows_procurement_as_it_stands_after_each_change(year):
    """The report's procurement table is kept per version of the year's lines: a purchase added
    or a category renamed shows at once."""
    from ems.reporting import services as reporting

    def table() -> list[dict[str, object]]:
        data = reporting.annual_report_data(
            2025, report_id="EMS-T", issued_on=dt.date(2026, 1, 31), draft=True
        )
        return data["procurement"]

    (before,) = table()
    assert before["category"].startswith("IT equip")
    assert before["purchases"] == 1
    computers = next(c for c in procurement.list_categories() if c.name.startswith("IT equip"))
    procurement.create_purchase(
        actor=None,
        purchased_on=dt.date(2025, 6, 2),
        category_id=computers.id,
        amount=Decimal(5000),
        currency="CHF",
    )
    db.session.commit()
    (added,) = table()
    assert added["purchases"] == 2
    assert added["co2e_g"] > before["co2e_g"]
    procurement.update_category(
        actor=None,
        category=computers,
        name="Laptops and servers",
        naics_code=computers.naics_code,
        material=computers.material,
    )
    db.session.commit()
    (renamed,) = table()
    assert renamed == {**added, "category": "Laptops and servers"}
