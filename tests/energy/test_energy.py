"""Energy records: published values, Scope 2 both ways, certificates, bills across New Year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ems.auth.models import Role
from ems.energy import services
from ems.errors import ValidationFailed
from ems.factors import services as factors
from ems.ledger import services as ledger
from ems.ledger.models import Basis, SourceCategory
from ems.org import services as org


def record(
    site_id,
    *,
    energy_type="electricity",
    start=dt.date(2025, 1, 1),
    end=dt.date(2025, 3, 31),
    quantity="10000",
    unit="kwh",
    **extra,
):
    return services.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type=energy_type,
        period_start=start,
        period_end=end,
        quantity=Decimal(quantity),
        unit=unit,
        certificates_kwh=extra.get("certificates_kwh"),
        supplier_factor_id=extra.get("supplier_factor_id"),
        meter_reference="M-1",
        evidence_note="bill",
    )


def lines_of(energy_record):
    lines = ledger.current_lines(activity_type="energy_record", activity_id=energy_record.id)
    return {(line.item, line.basis): line for line in lines}


def test_uk_electricity_2025_location_market_and_losses(sites):
    lines = lines_of(record(sites["GB"]))
    location = lines[("electricity", Basis.location)]
    assert location.co2e_g == 1_770_000  # 10,000 kWh x 0.17700 = 1,770.0 kg
    assert (location.scope, location.source_category) == (2, SourceCategory.electricity)
    assert lines[("electricity", Basis.market)].co2e_g == 1_770_000  # no instrument: the grid
    losses = lines[("td_losses", None)]
    assert losses.co2e_g == 185_300  # 10,000 kWh x 0.01853 = 185.3 kg
    assert (losses.scope, losses.scope3_category) == (3, 3)


def test_natural_gas_2025_gross_cv(sites):
    (line,) = lines_of(record(sites["GB"], energy_type="natural_gas", unit="kwh_gross_cv")).values()
    assert line.co2e_g == 1_829_600  # 10,000 kWh x 0.18296 = 1,829.6 kg
    assert (line.scope, line.source_category) == (1, SourceCategory.heat_fuels)


def test_certificates_for_all_kwh_zero_the_market_line_only(sites):
    lines = lines_of(record(sites["GB"], certificates_kwh=Decimal("10000")))
    assert lines[("electricity", Basis.market)].co2e_g == 0
    assert lines[("electricity", Basis.location)].co2e_g == 1_770_000


def test_outside_the_uk_the_grid_of_the_country_and_no_losses(sites):
    lines = lines_of(record(sites["CH"], start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31)))
    location = lines[("electricity", Basis.location)]
    assert location.factor_kgco2e_per_unit == Decimal("0.03672")  # Ember, Switzerland 2024
    assert ("td_losses", None) not in lines


def test_a_supplier_factor_sets_the_market_line(sites):
    supplier_set, _ = factors.import_factor_set(
        actor=None,
        data=b"category,activity,unit,kgco2e_per_unit\nelectricity,hydro_mix,kwh,0.012\n",
        family="acme",
        title="Acme",
        publisher="Acme",
        licence="supplier",
        source="letter",
        edition_year=2025,
        version="1",
    )
    lines = lines_of(record(sites["CH"], supplier_factor_id=supplier_set.factors[0].id))
    assert lines[("electricity", Basis.market)].co2e_g == 120_000
    assert lines[("electricity", Basis.market)].factor_selection == "supplier"


def test_a_bill_across_new_year_is_split_by_days(sites):
    bill = record(
        sites["GB"], start=dt.date(2024, 12, 1), end=dt.date(2025, 1, 30), quantity="6100"
    )  # 31 days in 2024, 30 in 2025
    by_year = {}
    for line in ledger.current_lines(activity_type="energy_record", activity_id=bill.id):
        if line.basis is Basis.location:
            by_year[line.year] = line
    assert by_year[2024].quantity == Decimal("3100.000")
    assert by_year[2025].quantity == Decimal("3000.000")
    assert by_year[2024].factor.factor_set.code == "desnz-other-2024"
    parts = services.split_by_year(dt.date(2024, 12, 1), dt.date(2025, 1, 30), Decimal("1000"))
    assert sum(part.quantity for part in parts) == Decimal("1000")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": dt.date(2025, 3, 1), "end": dt.date(2025, 2, 1)}, "period_end"),
        ({"quantity": "-5"}, "quantity"),
        ({"unit": "m3"}, "unit"),
        ({"unit": "furlongs"}, "unit"),
        ({"energy_type": "plasma"}, "energy_type"),
        ({"energy_type": "district_heating"}, "supplier_factor_id"),
        ({"certificates_kwh": Decimal("20000")}, "certificates_kwh"),
    ],
)
def test_bad_records_name_the_field(sites, overrides, field):
    with pytest.raises(ValidationFailed) as excinfo:
        record(sites["GB"], **overrides)
    assert field in excinfo.value.errors


def test_unknown_country_grid_is_explained(sites):
    site = org.create_site(actor=None, name="Antarctic station", country_code="AQ")
    with pytest.raises(ValidationFailed) as excinfo:
        record(site.id)
    assert "country=aq" in " ".join(excinfo.value.errors.values())


def test_energy_pages(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    response = client.post(
        "/energy/new",
        data={
            "site_id": str(sites["GB"]),
            "energy_type": "electricity",
            "period_start": "2025-01-01",
            "period_end": "2025-03-31",
            "quantity": "10000",
            "unit": "kwh",
            "supplier_factor_id": "0",
        },
    )
    assert response.status_code == 302
    page = client.get("/energy/").get_data(as_text=True)
    assert "1,770.0" in page
    assert "185.3" in page
    bad = client.post(
        "/energy/new",
        data={
            "site_id": str(sites["GB"]),
            "energy_type": "electricity",
            "period_start": "2025-03-31",
            "period_end": "2025-01-01",
            "quantity": "10",
            "unit": "kwh",
            "supplier_factor_id": "0",
        },
    )
    assert "cannot end before it starts" in bad.get_data(as_text=True)


def top_up(site_id, gas="R-410A", kg="10"):
    return services.record_refrigerant_top_up(
        actor=None,
        site_id=site_id,
        topped_up_on=dt.date(2024, 6, 1),
        gas=gas,
        kg=Decimal(kg),
        equipment="Chiller 2",
    )


def test_r410a_at_ar5_and_the_organisation_choice_of_report(sites):
    leak = top_up(sites["CH"])
    (line,) = ledger.current_lines(activity_type="refrigerant_top_up", activity_id=leak.id)
    assert line.co2e_g == 19_240_000  # 10 kg x 1,924 (AR5, from its composition)
    assert (line.scope, line.source_category) == (1, SourceCategory.refrigerants)
    org.update_organisation(
        actor=None,
        name="Agency",
        reporting_currency="USD",
        baseline_year=2010,
        target_year=2030,
        target_reduction_pct=45,
        gwp_report="ar4",
    )
    other = top_up(sites["CH"])
    (line,) = ledger.current_lines(activity_type="refrigerant_top_up", activity_id=other.id)
    assert line.co2e_g == 20_880_000  # AR4: 2,088


@pytest.mark.parametrize(
    ("gas", "kg", "field"),
    [("unobtainium", "1", "gas"), ("R-410A", "-1", "kg"), ("R-410A", "0", "kg")],
)
def test_bad_top_ups_name_the_field(sites, gas, kg, field):
    with pytest.raises(ValidationFailed) as excinfo:
        top_up(sites["CH"], gas=gas, kg=kg)
    assert field in excinfo.value.errors


def test_refrigerant_page(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    response = client.post(
        "/energy/refrigerants/new",
        data={
            "site_id": str(sites["CH"]),
            "topped_up_on": "2024-06-01",
            "gas": "r410a",
            "kg": "10",
            "equipment": "Chiller",
        },
    )
    assert response.status_code == 302
    assert "19,240.0" in client.get("/energy/refrigerants").get_data(as_text=True)


def test_fleet_fuel_and_car_km_by_desnz_factors(sites):
    diesel = services.record_fleet_use(
        actor=None,
        measure="diesel_litres",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 1, 31),
        quantity=Decimal("100"),
        vehicle="Land Cruiser",
    )
    (line,) = ledger.current_lines(activity_type="fleet_record", activity_id=diesel.id)
    assert line.factor_kgco2e_per_unit == Decimal("2.57082")  # DESNZ 2025, diesel, litres
    assert line.co2e_g == 257_082
    assert (line.scope, line.source_category) == (1, SourceCategory.fleet)
    car = services.record_fleet_use(
        actor=None,
        measure="car_km",
        period_start=dt.date(2024, 12, 17),
        period_end=dt.date(2025, 1, 15),
        quantity=Decimal("3000"),
    )
    years = {
        line.year: line.quantity
        for line in ledger.current_lines(activity_type="fleet_record", activity_id=car.id)
    }
    assert years == {2024: Decimal("1500.000"), 2025: Decimal("1500.000")}


@pytest.mark.parametrize(
    ("measure", "quantity", "field"),
    [("horse_km", "1", "measure"), ("diesel_litres", "-3", "quantity")],
)
def test_bad_fleet_records_name_the_field(sites, measure, quantity, field):
    with pytest.raises(ValidationFailed) as excinfo:
        services.record_fleet_use(
            actor=None,
            measure=measure,
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 1, 2),
            quantity=Decimal(quantity),
        )
    assert field in excinfo.value.errors


def test_fleet_page(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    response = client.post(
        "/energy/fleet/new",
        data={
            "measure": "diesel_litres",
            "quantity": "100",
            "period_start": "2025-01-01",
            "period_end": "2025-01-31",
            "vehicle": "Truck",
            "site_id": "0",
        },
    )
    assert response.status_code == 302
    assert "257.1" in client.get("/energy/fleet").get_data(as_text=True)
