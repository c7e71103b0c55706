"""The Greening the Blue submission pack: one sheet per section of the UN data collection,
labelled in English, French and Spanish, with the ledger's figures."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from ems.auth.models import Role
from ems.credits import services as credits
from ems.energy import services as energy
from ems.extensions import db
from ems.inventory.services import Boundary, inventory
from ems.ledger.models import Basis, EmissionLine
from ems.org import services as org
from ems.reporting.gtb_pack import SECTIONS, gtb_pack_sheets, say
from ems.travel import services as travel
from tests.travel.test_icao_results import CALCULATED, filled_in
from tests.travel.test_trips import legs

YEAR = 2024


def tonnes(grams: float):
    """A figure of the pack: tonnes rounded to 0.001 t."""
    return pytest.approx(grams / 1e6, abs=0.0005)


@pytest.fixture
def year_of_data(loaded):
    """A year with a bill, two leaks (one of R-22), flights with ICAO figures, waste, water,
    credits and management indicators."""
    site = org.create_site(actor=None, name="Geneva HQ", country_code="CH")
    db.session.flush()
    energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="natural_gas",
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR, 3, 31),
        quantity=Decimal(10_000),
        unit="kwh_gross_cv",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    for gas, kg in (("R-410A", "2"), ("R-22", "3")):
        energy.record_refrigerant_top_up(
            actor=None, site_id=site.id, topped_up_on=dt.date(YEAR, 5, 1), gas=gas, kg=kg
        )
    travel.create_trip(actor=None, traveller="Ana", legs=legs(("GVA", "JFK"), ("JFK", "GVA")))
    travel.create_trip(actor=None, traveller="Ben", legs=legs(("GVA", "NBO")))
    energy.record_waste(
        actor=None,
        site_id=site.id,
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR, 3, 31),
        stream="mixed",
        treatment="landfill",
        tonnes="2",
    )
    energy.record_waste(
        actor=None,
        site_id=site.id,
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR, 3, 31),
        stream="paper_card",
        treatment="recycling",
        tonnes="6",
    )
    energy.record_water(
        actor=None,
        site_id=site.id,
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR, 3, 31),
        supply_source="mains",
        supply_m3="1200",
        wastewater_m3="1100",
    )
    db.session.commit()
    travel.import_icao_figures(
        actor=None,
        data=filled_in(YEAR, CALCULATED),
        filename="results.csv",
        year=YEAR,
        version="v13.1",
        source="calculator",
    )
    credits.create_credit(
        actor=None,
        standard="gold_standard_ver",
        project_name="Cookstoves Kenya",
        project_id="GS1234",
        vintage_year=2022,
        serial_first="GS1-1-KE-GS1234-12-2022-100-1",
        serial_last="GS1-1-KE-GS1234-12-2022-100-5",
        co2e_t=5,
        retired_on=dt.date(YEAR + 1, 2, 1),
        applied_year=YEAR,
        today=dt.date(YEAR + 1, 3, 1),
    )
    org.set_management_indicators(
        actor=None,
        year=YEAR,
        ems_status="implemented",
        policy_adopted_on=dt.date(2021, 6, 1),
        all_sites=True,
        staff_trained=40,
        today=dt.date(YEAR + 1, 3, 1),
    )
    db.session.commit()
    return site


def _row(rows, first):
    return next(row for row in rows if row and row[0] == first)


def test_one_sheet_per_section_in_three_languages(year_of_data):
    sheets = gtb_pack_sheets(YEAR, generated_on=dt.date(YEAR + 1, 3, 1))
    assert list(sheets) == ["Summary", *(title for title, _build in SECTIONS)]
    assert say("Waste") == "Waste / Déchets / Residuos"
    for title, rows in list(sheets.items())[1:]:
        assert rows[0] == [say(title)], title
    total = inventory(YEAR, Boundary.gtb).total_g
    summary_total = _row(sheets["Summary"], say("Total (Greening the Blue boundary)"))
    assert summary_total[4] == tonnes(total)  # t to 0.001 t


def _grams(**where) -> int:
    stmt = sa.select(sa.func.coalesce(sa.func.sum(EmissionLine.co2e_g), 0)).where(
        EmissionLine.superseded_at.is_(None),
        *(getattr(EmissionLine, k) == v for k, v in where.items()),
    )
    return int(db.session.scalar(stmt))


def test_each_section_gives_the_ledgers_figures(year_of_data):
    sheets = gtb_pack_sheets(YEAR)
    energy_total = _row(sheets["Facilities energy"], say("Total"))
    assert energy_total[6] == tonnes(_grams(activity_type="energy_record", scope=1))

    refrigerants = sheets["Refrigerants"]
    assert _row(refrigerants, say("Total"))[4] == tonnes(2 * 1924 * 1000)
    outside = refrigerants[
        refrigerants.index([say("Optional emissions outside the scopes (not in the total)")]) + 1
    ]
    assert outside[1] == "R-22"
    assert outside[4] == tonnes(3 * 1760 * 1000)
    assert outside[-1] == say("Ozone-depleting (Montreal Protocol)")

    air = sheets["Air travel (ICAO)"]
    assert _row(air, say("Flights"))[1] == 3
    assert _row(air, say("Flights with an ICAO figure"))[1] == 2
    assert _row(air, say("ICAO calculator, flights with its figure"))[1] == tonnes(2 * 291_400)
    assert _row(air, "GVA")[:6] == ["GVA", "JFK", say("Economy"), 1.0, 291.4, tonnes(291_400)]
    assert _row(air, "JFK")[:6] == ["JFK", "GVA", say("Economy"), 1.0, 291.4, tonnes(291_400)]
    desnz = [
        _row(air, say(f"DESNZ without RF, {which}"))[1]
        for which in ("the same flights", "flights without an ICAO figure")
    ]
    assert sum(desnz) == tonnes(_grams(basis=Basis.without_rf, year=YEAR))

    waste = sheets["Waste"]
    assert _row(waste, say("Total"))[3] == 8.0
    assert _row(waste, say("Total"))[4] == tonnes(_grams(activity_type="waste_record"))
    assert _row(waste, say("Diverted from landfill"))[3] == 75.0

    water = sheets["Water"]
    assert _row(water, "Geneva HQ")[2:4] == [1200.0, 1100.0]
    assert _row(water, say("Total"))[4] == tonnes(_grams(activity_type="water_record"))

    offsets = sheets["Offsets"]
    assert _row(offsets, say("Total"))[5] == 5
    gross = inventory(YEAR, Boundary.gtb).total_g
    assert _row(offsets, say("Gross emissions (Greening the Blue boundary)"))[1] == tonnes(gross)
    assert _row(offsets, say("Climate neutral"))[1] == say("yes" if gross <= 5e6 else "no")

    management = sheets["Environmental management"]
    assert _row(management, say("Sites in the EMS"))[1] == say("All sites")
    assert _row(management, say("Staff trained"))[1] == 40


def test_the_download_is_a_workbook_of_every_section(year_of_data, client, login, create_user):
    login(client, create_user(roles=(Role.management,)))
    answer = client.get(f"/reports/{YEAR}/gtb-pack.xlsx")
    assert answer.status_code == 200
    workbook = load_workbook(io.BytesIO(answer.data), read_only=True)
    assert workbook.sheetnames == ["Summary", *(title for title, _build in SECTIONS)]
    waste = list(workbook["Waste"].iter_rows(values_only=True))
    assert waste[0][0] == say("Waste")


def test_the_organisation_can_take_air_travel_from_icao_where_present(year_of_data):
    desnz_total = _row(gtb_pack_sheets(YEAR)["Summary"], say("Total (Greening the Blue boundary)"))[
        4
    ]
    settings = org.get_organisation()
    org.update_organisation(
        actor=None,
        name=settings.name,
        reporting_currency=settings.reporting_currency,
        baseline_year=settings.baseline_year,
        target_year=settings.target_year,
        target_reduction_pct=settings.target_reduction_pct,
        gtb_air_method="icao",
    )
    db.session.commit()
    summary = gtb_pack_sheets(YEAR)["Summary"]
    coverage = travel.icao_coverage(YEAR)
    desnz_air = _row(summary, say("Business travel: air (without RF)"))
    assert desnz_air[5] == say("no")
    icao_air = _row(
        summary, say("Business travel: air (ICAO where present, DESNZ without RF for the others)")
    )
    assert icao_air[2] == 3  # flights
    assert icao_air[4] == tonnes(coverage.gtb_g)
    assert icao_air[5] == say("yes")
    total = _row(
        summary, say("Total (Greening the Blue boundary, air travel by ICAO where present)")
    )
    assert total[4] == pytest.approx(desnz_total - desnz_air[4] + icao_air[4], abs=0.002)
    # the inventory, the targets and the report stay on DESNZ
    assert inventory(YEAR, Boundary.gtb).total_g / 1e6 == pytest.approx(desnz_total, abs=0.0005)
    r22 = _row(summary, say("Optional: ozone-depleting refrigerants (outside the scopes)"))
    assert r22[4] == tonnes(3 * 1760 * 1000)
    assert r22[5] == say("no")
    assert r22[1] == ""  # in no scope
