"""The inventory of a small organisation, computed by hand from published factors."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from ems.cli import cli
from ems.energy import services as energy
from ems.extensions import db
from ems.factors import services as factors
from ems.inventory import services
from ems.inventory.services import Boundary
from ems.ledger import services as ledger
from ems.ledger.models import Basis, SourceCategory
from ems.org import services as org
from ems.procurement import services as procurement
from ems.travel import services as travel


@pytest.fixture
def organisation(app):
    """London office: 10,000 kWh of electricity and of gas (gross CV) in Q1 2025, 10 kg of
    R-410A; one return flight GVA–LHR in 2025; a CHF 10,000 computer purchase in 2024."""
    factors.load_shipped_sets(actor=None)
    london = org.create_site(actor=None, name="London office", country_code="GB")
    programme = org.create_department(actor=None, name="Programme", code="PRG")
    org.set_headcount(actor=None, year=2025, headcount=4)
    for kind, unit in (("electricity", "kwh"), ("natural_gas", "kwh_gross_cv")):
        energy.create_energy_record(
            actor=None,
            site_id=london.id,
            energy_type=kind,
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 3, 31),
            quantity=Decimal(10000),
            unit=unit,
            certificates_kwh=None,
            supplier_factor_id=None,
            meter_reference="",
            evidence_note="",
        )
    energy.record_refrigerant_top_up(
        actor=None, site_id=london.id, topped_up_on=dt.date(2025, 6, 1), gas="r410a", kg="10"
    )
    trip = travel.create_trip(
        actor=None,
        traveller="Ana",
        department_id=programme.id,
        legs=travel.with_return(
            [travel.LegInput(origin="GVA", destination="LHR", departure_on=dt.date(2025, 3, 4))],
            dt.date(2025, 3, 6),
        ),
    )
    procurement.add_default_categories(actor=None)
    procurement.set_exchange_rate(actor=None, currency="CHF", year=2024, units_per_usd="0.8804")
    procurement.set_price_index(actor=None, year=2022, index_value="117.973")
    procurement.set_price_index(actor=None, year=2024, index_value="124.4")
    computers = next(c for c in procurement.list_categories() if c.name.startswith("IT equip"))
    procurement.create_purchase(
        actor=None,
        purchased_on=dt.date(2024, 5, 2),
        category_id=computers.id,
        amount=Decimal(10000),
        currency="CHF",
    )
    db.session.commit()
    flight = dict.fromkeys((Basis.with_rf, Basis.without_rf), 0)
    for line in ledger.current_lines(activity_type="trip", activity_id=trip.id):
        flight[line.basis] += line.co2e_g
    return {"london": london.id, "programme": programme.id, "flight": flight, "trip": trip}


# published values (kg): UK electricity 2025, 10,000 kWh: 1,770.0 location-based, 185.3 T&D;
# natural gas 2025, 10,000 kWh gross CV: 1,829.6; R-410A 10 kg at AR5 (GWP 1,924): 19,240
ELECTRICITY_G = 1_770_000
TD_LOSSES_G = 185_300
GAS_G = 1_829_600
R410A_G = 19_240_000
PURCHASE_G = 624_756  # see tests/procurement/test_purchases.py


def test_2025_in_both_boundaries(organisation):
    flight = organisation["flight"]
    both = services.inventories(2025)
    gtb, full = both[Boundary.gtb], both[Boundary.full]
    scope1 = GAS_G + R410A_G
    # the GtB total: scopes 1 and 2 (market-based: no instrument, so the grid factor) and
    # flights without RF; T&D losses (scope 3 category 3) are outside it
    assert gtb.total_g == scope1 + ELECTRICITY_G + flight[Basis.without_rf]
    assert full.total_g == gtb.total_g + TD_LOSSES_G
    assert gtb.by_scope == {1: scope1, 2: ELECTRICITY_G, 3: flight[Basis.without_rf]}
    assert full.by_scope3_category == {3: TD_LOSSES_G, 6: flight[Basis.without_rf]}
    assert full.by_source == {
        SourceCategory.heat_fuels: GAS_G,
        SourceCategory.refrigerants: R410A_G,
        SourceCategory.electricity: ELECTRICITY_G + TD_LOSSES_G,
        SourceCategory.air_travel: flight[Basis.without_rf],
    }
    assert full.by_site == {
        organisation["london"]: full.total_g - flight[Basis.without_rf],
        None: flight[Basis.without_rf],
    }
    assert gtb.by_department[organisation["programme"]] == flight[Basis.without_rf]
    # the second figures stand beside the totals, never in them
    assert (gtb.air_with_rf_g, gtb.air_without_rf_g) == (
        flight[Basis.with_rf],
        flight[Basis.without_rf],
    )
    assert flight[Basis.with_rf] > flight[Basis.without_rf]
    assert (gtb.scope2_location_g, gtb.scope2_market_g) == (ELECTRICITY_G, ELECTRICITY_G)
    assert gtb.per_capita_g == round(gtb.total_g / 4)


def test_procurement_counts_in_the_full_boundary_only(organisation):
    both = services.inventories(2024)
    assert both[Boundary.full].total_g == PURCHASE_G
    assert both[Boundary.full].by_scope3_category == {1: PURCHASE_G}
    assert both[Boundary.gtb].total_g == 0
    assert both[Boundary.gtb].per_capita_g is None  # no 2024 headcount


def test_certificates_change_the_market_based_total_only(organisation):
    energy.create_energy_record(
        actor=None,
        site_id=organisation["london"],
        energy_type="electricity",
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2025, 6, 30),
        quantity=Decimal(10000),
        unit="kwh",
        certificates_kwh=Decimal(10000),
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    gtb = services.inventory(2025, Boundary.gtb)
    assert gtb.scope2_market_g == ELECTRICITY_G
    assert gtb.scope2_location_g == 2 * ELECTRICITY_G
    assert services.totals_by_year(Boundary.gtb)[2025] == gtb.total_g


def test_totals_by_year_match_the_inventories(organisation):
    for boundary in Boundary:
        by_year = services.totals_by_year(boundary)
        for year in (2024, 2025):
            assert by_year.get(year, 0) == services.inventory(year, boundary).total_g


def test_inventory_command_json(app, organisation):
    result = app.test_cli_runner().invoke(cli, ["inventory", "2025", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    gtb = services.inventory(2025)
    assert figures["total_co2e_kg"] == gtb.total_g / 1000
    assert figures["by_scope"]["1"] == (GAS_G + R410A_G) / 1000
    assert (
        figures["by_site"]["London office"]
        == (gtb.total_g - organisation["flight"][Basis.without_rf]) / 1000
    )
    assert figures["scope2_location_based_co2e_kg"] == 1770.0
    full = app.test_cli_runner().invoke(cli, ["inventory", "2024", "--boundary", "full"])
    assert "total 0.625 t CO2e" in full.output


def test_data_quality(organisation):
    quality = services.data_quality(2025)
    assert quality.fallback_by_source == {}
    assert (quality.flights, quality.flights_unknown_cabin) == (2, 0)
    assert quality.months_without_energy == {"London office": list(range(4, 13))}
    travel.create_trip(
        actor=None,
        traveller="Ben",
        legs=[
            travel.LegInput(
                origin="GVA",
                destination="CDG",
                departure_on=dt.date(2025, 5, 2),
                cabin_class="unknown",
            )
        ],
    )
    assert services.data_quality(2025).flights_unknown_cabin == 1
    earlier = services.data_quality(2024)
    # no 2024 edition of the EPA factors: the 2022 one was used
    assert earlier.fallback_by_source == {SourceCategory.procurement: (1, PURCHASE_G)}
    assert earlier.months_without_energy == {"London office": list(range(1, 13))}
    assert earlier.issues == 2


def test_district_heat_counts_in_both_scope_2_figures(organisation):
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
    energy.create_energy_record(
        actor=None,
        site_id=organisation["london"],
        energy_type="district_heating",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 1, 31),
        quantity=Decimal(1000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=supplier.factors[0].id,
        meter_reference="",
        evidence_note="",
    )
    gtb = services.inventory(2025)
    assert (gtb.scope2_location_g, gtb.scope2_market_g) == (ELECTRICITY_G + 100_000,) * 2
    assert gtb.by_scope[2] == ELECTRICITY_G + 100_000
