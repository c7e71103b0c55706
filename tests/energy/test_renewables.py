"""The renewable share of electricity: on-site generation with its technology, certificates
and contracts that meet the Scope 2 Quality Criteria (or not), and market-based Scope 2 on a
residual mix where one was imported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import flask_migrate
import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.energy import services
from ems.energy.importer import IMPORTER
from ems.energy.models import EnergyRecord, OnsiteTechnology, RenewableInstrument
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.factors.services import FactorSelector
from ems.imports import ImportFailed
from ems.imports import services as imports
from ems.inventory import services as inventory
from ems.ledger import services as ledger
from ems.ledger.models import Basis
from tests.test_migrations import empty_app  # noqa: F401 (the fixture)

#: DESNZ 2025: UK electricity generated, kg CO2e per kWh
UK_GRID = Decimal("0.17700")


def record(site_id, *, energy_type="electricity", quantity="10000", **extra):
    return services.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type=energy_type,
        period_start=extra.pop("start", dt.date(2025, 1, 1)),
        period_end=extra.pop("end", dt.date(2025, 3, 31)),
        quantity=Decimal(quantity),
        unit=extra.pop("unit", "kwh"),
        certificates_kwh=extra.pop("certificates_kwh", None),
        supplier_factor_id=extra.pop("supplier_factor_id", None),
        meter_reference=extra.pop("meter_reference", "M-1"),
        evidence_note="",
        **extra,
    )


def market_line(energy_record):
    lines = ledger.current_lines(activity_type="energy_record", activity_id=energy_record.id)
    (line,) = [line for line in lines if line.basis is Basis.market]
    return line


def import_set(csv_text: str, *, family: str, year: int = 2025):
    factor_set, _created = factors.import_factor_set(
        actor=None,
        data=csv_text.encode(),
        family=family,
        title=family,
        publisher="AIB",
        licence="by permission",
        source="the publisher's table",
        edition_year=year,
        version="1",
    )
    db.session.commit()
    return factor_set


RESIDUAL_MIX_CSV = (
    "category,activity,unit,country,kgco2e_per_unit\n"
    "residual_mix,electricity,kwh,GB,0.31000\n"
    "residual_mix,electricity,kwh,DE,0.70000\n"
)


# --- the renewable share ----------------------------------------------------------------------


def test_the_renewable_share_on_a_worked_example(sites):
    london, geneva = sites["GB"], sites["CH"]
    # London 2025: 10,000 kWh of grid electricity, 4,000 of them covered by certificates that
    # meet the criteria; 2,000 kWh more under certificates that do not; 1,000 kWh of solar PV
    record(london, certificates_kwh=Decimal(4000))
    record(
        london,
        quantity="5000",
        certificates_kwh=Decimal(2000),
        meets_quality_criteria=False,
        meter_reference="M-2",
        start=dt.date(2025, 4, 1),
        end=dt.date(2025, 6, 30),
    )
    record(
        london,
        energy_type="onsite_renewable",
        technology="solar_pv",
        quantity="1",
        unit="mwh",
        meter_reference="PV-1",
    )
    # Geneva: a bill across New Year, half its days in 2025 (no instrument)
    record(geneva, quantity="6200", start=dt.date(2024, 12, 1), end=dt.date(2025, 1, 31))
    db.session.commit()
    shares = {share.site: share for share in services.renewable_shares(2025)}
    uk = shares["London office"]
    assert (uk.year, uk.electricity_kwh, uk.onsite_kwh) == (2025, 15000, 1000)
    # renewable: 1,000 on site + 4,000 certificates meeting the criteria (not the other 2,000)
    assert uk.renewable_kwh == 5000
    assert uk.total_kwh == 16000
    assert uk.share_pct == pytest.approx(31.25)  # 5,000 / 16,000
    # market-based: (10,000 − 4,000) + 5,000 kWh (its certificates not counted) on the grid
    assert uk.market_g == round((6000 + 5000) * UK_GRID * 1000)
    assert uk.market_t == Decimal(uk.market_g) / 1_000_000
    ch = shares["Geneva HQ"]
    assert (ch.electricity_kwh, ch.renewable_kwh, ch.share_pct) == (3100, 0, 0.0)
    # every year when none is given: Geneva's December 2024 too, latest year first
    every = services.renewable_shares()
    assert [(share.year, share.site) for share in every] == [
        (2025, "Geneva HQ"),
        (2025, "London office"),
        (2024, "Geneva HQ"),
    ]
    assert services.renewable_shares(2025, site_id=london) == [uk]


def test_the_energy_page_shows_the_share_beside_the_market_based_figure(
    client, create_user, login, sites
):
    record(sites["GB"], certificates_kwh=Decimal(10000))
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/energy/?year=2025").get_data(as_text=True)
    assert "Renewable share of electricity" in page
    assert "100.0" in page  # all of London's kWh covered by certificates
    assert "Energy attribute certificates (GO, REGO, I-REC, REC)" in page


# --- certificates and contracts against the quality criteria ----------------------------------


def test_certificates_meeting_the_criteria_lower_the_market_based_figure(sites):
    line = market_line(record(sites["GB"], certificates_kwh=Decimal(4000)))
    assert line.quantity == 6000
    assert line.co2e_g == round(6000 * UK_GRID * 1000)
    assert "4000 kWh covered by certificates" in line.note


def test_certificates_not_meeting_the_criteria_give_no_market_based_reduction(sites):
    energy_record = record(
        sites["GB"],
        certificates_kwh=Decimal(4000),
        instrument="certificates",
        meets_quality_criteria=False,
    )
    assert energy_record.instrument is RenewableInstrument.certificates
    line = market_line(energy_record)
    assert line.quantity == 10000
    assert line.co2e_g == round(10000 * UK_GRID * 1000)  # as without certificates
    assert "not counted: they do not meet the Scope 2 Quality Criteria" in line.note
    assert services.renewable_shares(2025)[0].renewable_kwh == 0


def test_a_green_tariff_meeting_the_criteria_uses_its_factor_and_counts_as_renewable(sites):
    tariff = import_set(
        "category,activity,unit,kgco2e_per_unit\nelectricity,green_tariff,kwh,0.01\n",
        family="acme",
    )
    factor_id = tariff.factors[0].id
    meets = record(sites["GB"], supplier_factor_id=factor_id, instrument="green_tariff")
    assert market_line(meets).co2e_g == 100_000  # 10,000 kWh x 0.01
    assert services.renewable_shares(2025)[0].renewable_kwh == 10000
    fails = record(
        sites["CH"],
        supplier_factor_id=factor_id,
        instrument="ppa",
        meets_quality_criteria=False,
    )
    line = market_line(fails)
    assert line.method == services.MARKET_GRID_AVERAGE  # the contract's factor not used
    assert "supplier factor not used" in line.note


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"instrument": "certificates"}, "certificates_kwh"),
        ({"instrument": "green_tariff"}, "supplier_factor_id"),
        ({"instrument": "none", "certificates_kwh": Decimal(10)}, "instrument"),
        ({"instrument": "solar"}, "instrument"),
        ({"technology": "solar_pv"}, "technology"),
        ({"energy_type": "onsite_renewable"}, "technology"),
        ({"energy_type": "natural_gas", "unit": "kwh_gross_cv", "instrument": "ppa"}, "instrument"),
    ],
)
def test_instrument_and_technology_are_checked(sites, values, field):
    with pytest.raises(ValidationFailed) as failed:
        record(sites["GB"], **values)
    assert field in failed.value.errors


# --- the residual mix -------------------------------------------------------------------------


def test_the_residual_mix_is_used_where_imported_and_the_grid_average_otherwise(sites):
    before = market_line(record(sites["GB"]))
    assert before.method == services.MARKET_GRID_AVERAGE
    assert "grid average: no residual mix for GB" in before.note
    assert before.co2e_g == round(10000 * UK_GRID * 1000)
    quality = inventory.data_quality(2025)
    assert quality.market_grid_average_kwh == 10000
    assert quality.market_grid_average_g == before.co2e_g
    assert quality.issues >= 1
    residual = import_set(RESIDUAL_MIX_CSV, family="aib_residual_mix")
    # a residual mix is no supplier's factor
    assert not {f.id for f in residual.factors} & {f.id for f in services.supplier_factors()}
    energy_record = record(sites["GB"], meter_reference="M-2")
    line = market_line(energy_record)
    assert line.method == services.MARKET_RESIDUAL_MIX
    assert f"residual mix {residual.code}" in line.note
    assert line.factor.key == services.residual_mix_key("GB")
    assert line.co2e_g == 3_100_000  # 10,000 kWh x 0.31
    # the location-based line stays on the grid
    location = [
        line
        for line in ledger.current_lines(
            activity_type="energy_record", activity_id=energy_record.id
        )
        if line.basis is Basis.location
    ]
    assert location[0].co2e_g == round(10000 * UK_GRID * 1000)
    # Geneva has no residual mix in the set: the grid average, counted as a gap
    geneva = market_line(record(sites["CH"]))
    assert geneva.method == services.MARKET_GRID_AVERAGE
    assert "grid average: no residual mix for CH" in geneva.note
    db.session.commit()
    quality = inventory.data_quality(2025)
    assert quality.market_grid_average_kwh == 20000  # London's first record and Geneva's
    assert quality.market_grid_average_g == before.co2e_g + geneva.co2e_g


def test_the_residual_mix_of_the_nearest_edition(sites):
    import_set(RESIDUAL_MIX_CSV.replace("0.31000", "0.40000"), family="aib", year=2023)
    newer = import_set(RESIDUAL_MIX_CSV, family="aib", year=2024)
    line = market_line(record(sites["GB"]))
    assert line.factor.factor_set_id == newer.id  # 2024 is nearer 2025 than 2023
    assert line.is_fallback
    assert line.co2e_g == 3_100_000


# --- on-site generation with its technology ---------------------------------------------------


def test_onsite_generation_with_its_technology_through_the_form(client, create_user, login, sites):
    login(client, create_user(roles=(Role.ems,)))
    form = {
        "site_id": str(sites["CH"]),
        "energy_type": "onsite_renewable",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "quantity": "4200",
        "unit": "kwh",
        "supplier_factor_id": "0",
        "instrument": "none",
    }
    refused = client.post("/energy/new", data=form)
    assert refused.status_code == 200  # the form again, with the error
    assert "Choose how the electricity is generated on site." in refused.get_data(as_text=True)
    saved = client.post("/energy/new", data={**form, "technology": "solar_pv"})
    assert saved.status_code == 302
    generation = db.session.scalars(sa.select(EnergyRecord)).one()
    assert generation.technology is OnsiteTechnology.solar_pv
    assert "Solar PV" in client.get("/energy/").get_data(as_text=True)
    edit = client.get(f"/energy/{generation.id}/edit").get_data(as_text=True)
    assert '<option selected value="solar_pv">' in edit
    rows = services.energy_export_rows()
    header, row = rows[0], rows[1]
    assert dict(zip(header, row, strict=True))["technology"] == "solar_pv"


def test_onsite_generation_with_its_technology_through_the_import(sites):
    bills = (
        "Site,Energy,From,To,Quantity,Unit,Meter,Technology\n"
        "Geneva HQ,on-site renewable,2025-01-01,2025-01-31,4200,kWh,PV-1,photovoltaic\n"
        "Geneva HQ,onsite_renewable,2025-02-01,2025-02-28,4500,kWh,PV-1,PV\n"
        "Geneva HQ,solar,2025-03-01,2025-03-31,5100,kWh,PV-2,\n"
        "Geneva HQ,onsite_renewable,2025-04-01,2025-04-30,3000,kWh,W-1,wind turbine\n"
    )
    result = imports.import_file(IMPORTER, actor=None, data=bills.encode(), filename="pv.csv")
    db.session.commit()
    assert result.created == 4
    technologies = db.session.scalars(
        sa.select(EnergyRecord.technology).order_by(EnergyRecord.period_start)
    ).all()
    assert technologies == [OnsiteTechnology.solar_pv] * 3 + [OnsiteTechnology.wind]


def test_an_onsite_row_without_a_technology_or_with_an_unknown_one_is_named(sites):
    bills = (
        "Site,Energy,From,To,Quantity,Unit,Meter,Technology\n"
        "Geneva HQ,onsite_renewable,2025-01-01,2025-01-31,4200,kWh,PV-1,\n"
        "Geneva HQ,onsite_renewable,2025-02-01,2025-02-28,4500,kWh,PV-1,fusion\n"
    )
    with pytest.raises(ImportFailed) as failed:
        imports.import_file(IMPORTER, actor=None, data=bills.encode(), filename="pv.csv")
    messages = [str(error) for error in failed.value.row_errors]
    assert len(messages) == 2, messages
    assert messages[0].startswith("Row 2, technology: Choose how the electricity is generated")
    assert messages[1].startswith("Row 3, technology: “fusion” is not one of: solar PV")


# --- the migration keeps existing figures -----------------------------------------------------


def test_existing_records_keep_their_figures_through_the_migration(empty_app):  # noqa: F811
    flask_migrate.upgrade(revision="0022_line_bases")
    now = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO sites (id, name, country_code, city, version_id) "
                "VALUES (1, 'London office', 'GB', '', 1)"
            )
        )
        for record_id, certificates in ((1, "4000"), (2, None)):
            conn.execute(
                sa.text(
                    "INSERT INTO energy_records (id, site_id, energy_type, period_start, "
                    "period_end, quantity, unit, source_name, certificates_kwh, "
                    "meter_reference, evidence_note, is_estimate, created_at, updated_at, "
                    "version_id) VALUES (:id, 1, 'electricity', :start, :end, '10000', 'kwh', "
                    "'', :certificates, :meter, '', :no, :now, :now, 1)"
                ),
                {
                    "id": record_id,
                    "start": dt.date(2025, 1, 1),
                    "end": dt.date(2025, 3, 31),
                    "certificates": certificates,
                    "meter": f"M-{record_id}",
                    "no": False,
                    "now": now,
                },
            )
    flask_migrate.upgrade(revision="0023_renewables")
    factors.load_shipped_sets(actor=None)
    with_certificates = db.session.get_one(EnergyRecord, 1)
    without = db.session.get_one(EnergyRecord, 2)
    assert with_certificates.instrument is RenewableInstrument.certificates
    assert without.instrument is RenewableInstrument.none
    assert with_certificates.meets_quality_criteria
    assert without.meets_quality_criteria
    assert with_certificates.technology is None
    selector = FactorSelector()
    for energy_record, kwh in ((with_certificates, 6000), (without, 10000)):
        (market,) = [
            line
            for line in services.record_lines(energy_record, selector)
            if line.basis is Basis.market
        ]
        assert market.quantity == kwh  # as before: the certificates still count
        assert market.co2e_g == round(kwh * UK_GRID * 1000)
    db.session.rollback()
