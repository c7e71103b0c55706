"""A utility's meter export as it comes (title row, ``;``, decimal comma, extra columns, gas in
m³ and MWh, gas oil and heating oil in litres, electricity in MWh): counted, computed from the
published DESNZ factors, the fuel names mapped by country and said, never imported twice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.cli import cli
from ems.energy import services
from ems.energy.importer import IMPORTER, energy_of, parse, quantity_of
from ems.energy.models import EnergyRecord, EnergyType
from ems.extensions import db
from ems.imports import ImportFailed
from ems.imports import services as imports
from ems.imports.mapping import ColumnMapping, Table
from ems.ledger.models import Basis, EmissionLine
from tests.energy.factor_table import desnz, desnz_label, grams, years

DATA = Path(__file__).parents[1] / "data" / "energy"
UTILITY_EXPORT = (DATA / "utility_export.csv").read_bytes()


def _records() -> dict[str, EnergyRecord]:
    """The imported records by meter and period start ("G-7781 2024-04-01")."""
    return {
        f"{record.meter_reference} {record.period_start}": record
        for record in db.session.scalars(sa.select(EnergyRecord))
    }


def _lines(record: EnergyRecord) -> dict[tuple[str, Basis | None], EmissionLine]:
    return {
        (line.item, line.basis): line
        for line in db.session.scalars(
            sa.select(EmissionLine).where(
                EmissionLine.activity_type == services.ACTIVITY_TYPE,
                EmissionLine.activity_id == record.id,
                EmissionLine.superseded_at.is_(None),
            )
        )
    }


#: each row of the file: (meter and start, energy type, unit, quantity as recorded, the DESNZ
#: activity and unit of its factor, the quantity the factor multiplies)
EXPECTED = [
    ("G-7781 2024-01-01", EnergyType.natural_gas, "m3", "12450.5", "natural_gas", "cubic metres"),
    ("G-7781 2024-04-01", EnergyType.natural_gas, "kwh_gross_cv", "85200", "natural_gas",
     "kWh (Gross CV)"),
    ("GEN-1 2024-01-01", EnergyType.gas_oil, "litre", "1200.00", "gas_oil", "litres"),
    # heating oil in Switzerland is gas oil ...
    ("TANK-2 2024-02-01", EnergyType.gas_oil, "litre", "3500.25", "gas_oil", "litres"),
    # ... and burning oil (kerosene) in the UK
    ("TANK-L 2024-01-01", EnergyType.heating_oil, "litre", "2000.00", "burning_oil", "litres"),
]  # fmt: skip


def test_the_dry_run_counts_and_says_how_names_and_units_were_read(sites):
    result = imports.import_file(
        IMPORTER, actor=None, data=UTILITY_EXPORT, filename="utility_export.csv", dry_run=True
    )
    assert (result.created, result.rows, result.skipped) == (6, 6, [])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnergyRecord)) == 0
    notes = "\n".join(result.value_notes)
    assert "“Gasoil” → Gas oil" in notes
    assert "DESNZ Liquid fuels > Gas oil" in notes
    assert "“Heating oil” at sites in CH → Gas oil" in notes
    assert "“Heating oil” at sites in GB → Heating oil — burning oil (kerosene)" in notes
    assert "DESNZ Liquid fuels > Burning oil" in notes
    assert "“Gas” → Natural gas (DESNZ Gaseous fuels > Natural gas)" in notes
    assert "Natural gas in MWh: converted to kWh on the gross calorific value" in notes
    assert len(result.value_notes) == len(set(result.value_notes))  # each said once
    # the tariff, cost and VAT columns are ignored, the title row above the header too
    assert set(result.ignored_columns) == {"Tariff", "Cost (EUR)", "VAT (EUR)"}


def test_the_figures_are_quantity_times_the_published_factor(sites):
    result = imports.import_file(
        IMPORTER, actor=None, data=UTILITY_EXPORT, filename="utility_export.csv"
    )
    db.session.commit()
    records = _records()
    assert len(records) == 6
    expected_total = 0
    for key, kind, unit, quantity, activity, desnz_unit in EXPECTED:
        record = records[key]
        assert (record.energy_type, record.unit, record.quantity) == (
            kind,
            unit,
            Decimal(quantity),
        ), key
        (line,) = _lines(record).values()
        expected = grams(quantity, desnz(2024, activity, desnz_unit))
        assert line.co2e_g == expected, key
        expected_total += expected
    # 2024 gas oil is 2.75541 kg/l, not road diesel's 2.51279 nor burning oil's 2.54015
    assert _lines(records["GEN-1 2024-01-01"])[("fuel", None)].co2e_g == grams(
        "1200", Decimal("2.75541")
    )
    # the names the file gave are on the records and said on their lines
    heating_oil_ch = records["TANK-2 2024-02-01"]
    assert heating_oil_ch.source_name == "Heating oil"
    assert "“Heating oil” → gas_oil (DESNZ Liquid fuels > Gas oil)" in (
        _lines(heating_oil_ch)[("fuel", None)].note
    )
    assert records["G-7781 2024-01-01"].source_name == ""  # "Natural gas" is the type's name
    assert records["G-7781 2024-04-01"].is_estimate  # read type "E"
    # UK electricity: 48.75 MWh = 48,750 kWh, location- and market-based (no supplier factor,
    # no certificates: the grid factor) and the T&D losses
    electricity = _lines(records["E-2231 2024-01-01"])
    grid = grams("48750", desnz(2024, "uk_electricity_generated", "kWh"))
    assert electricity[("electricity", Basis.location)].co2e_g == grid
    assert electricity[("electricity", Basis.market)].co2e_g == grid
    losses = grams("48750", desnz(2024, "uk_electricity_td_losses", "kWh"))
    assert electricity[("td_losses", None)].co2e_g == losses
    assert result.co2e_g == {
        "location": grid,
        "market": grid,
        "fuels_heat_losses": expected_total + losses,
    }


def test_a_second_import_creates_nothing(sites):
    imports.import_file(IMPORTER, actor=None, data=UTILITY_EXPORT, filename="utility_export.csv")
    db.session.commit()
    again = imports.import_file(IMPORTER, actor=None, data=UTILITY_EXPORT, filename="copy.csv")
    assert again.already_imported
    assert again.created == 0
    # the same rows in next month's export (another title row: another file) are all skipped
    next_export = UTILITY_EXPORT.replace(b"44712-0", b"44712-0, reissued")
    result = imports.import_file(IMPORTER, actor=None, data=next_export, filename="next.csv")
    db.session.commit()
    assert (result.created, len(result.skipped)) == (0, 6)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnergyRecord)) == 6


# --- names and units, read without a file ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "country", "kind"),
    [
        ("gas oil", "CH", EnergyType.gas_oil),
        ("Gasoil", "GB", EnergyType.gas_oil),
        ("Red diesel", "GB", EnergyType.gas_oil),
        ("generator diesel", "KE", EnergyType.gas_oil),
        ("Diesel (generator)", "KE", EnergyType.gas_oil),
        ("diesel for generators", "TH", EnergyType.gas_oil),
        ("Heizöl EL", "GB", EnergyType.gas_oil),
        ("fuel oil", "PA", EnergyType.fuel_oil),
        ("Heavy fuel oil", "PA", EnergyType.fuel_oil),
        ("HFO", "KE", EnergyType.fuel_oil),
        ("residual fuel oil", "US", EnergyType.fuel_oil),
        ("mazout lourd", "BE", EnergyType.fuel_oil),
        ("kerosene", "KE", EnergyType.heating_oil),
        ("Burning oil", "GB", EnergyType.heating_oil),
        ("paraffin", "ZA", EnergyType.heating_oil),
        ("kerosine", "DE", EnergyType.heating_oil),
        ("heating oil", "GB", EnergyType.heating_oil),
        ("oil", "IE", EnergyType.heating_oil),
        ("heating oil", "CH", EnergyType.gas_oil),
        ("Heizöl", "DE", EnergyType.gas_oil),
        ("fioul domestique", "FR", EnergyType.gas_oil),
        ("fioul", "FR", EnergyType.gas_oil),
        ("gasóleo de calefacción", "ES", EnergyType.gas_oil),
        ("gasolio riscaldamento", "IT", EnergyType.gas_oil),
        ("heating_oil", "CH", EnergyType.heating_oil),  # the code itself: as it says
        ("diesel", "GB", EnergyType.diesel),  # road diesel: vehicles' fuel
        ("LPG", "CH", EnergyType.lpg),
        ("propane", "US", EnergyType.lpg),
        ("Butane", "FR", EnergyType.lpg),
        ("gas", "GB", EnergyType.natural_gas),
        ("Erdgas", "DE", EnergyType.natural_gas),
        ("Strom", "DE", EnergyType.electricity),
        ("électricité", "FR", EnergyType.electricity),
    ],
)
def test_fuel_names_as_bills_write_them(app, name, country, kind):
    found = energy_of(name, country)
    assert found is not None
    assert found.kind is kind


def test_an_unknown_name_is_none(app):
    assert energy_of("steam", "GB") is None


@pytest.mark.parametrize(
    ("kind", "quantity", "unit", "expected"),
    [
        (EnergyType.natural_gas, "12.5", "MWh", ("12500", "kwh_gross_cv")),
        (EnergyType.natural_gas, "0.0005", "mwh", ("0.5000", "kwh_gross_cv")),
        (EnergyType.natural_gas, "800", "kWh", ("800", "kwh_gross_cv")),
        (EnergyType.natural_gas, "800", "kWh (Net CV)", ("800", "kwh_net_cv")),
        (EnergyType.natural_gas, "800", "kWh Hs", ("800", "kwh_gross_cv")),
        (EnergyType.natural_gas, "800", "m³", ("800", "m3")),
        (EnergyType.natural_gas, "800", "cubic metres", ("800", "m3")),
        (EnergyType.natural_gas, "800", "M3", ("800", "m3")),
        (EnergyType.gas_oil, "800", "Liter", ("800", "litre")),
        (EnergyType.gas_oil, "2", "t", ("2", "tonne")),
        (EnergyType.electricity, "12.5", "MWh", ("12.5", "mwh")),
        (EnergyType.electricity, "36", "GJ", ("36", "gj")),
    ],
)
def test_unit_spellings_and_exact_conversions(app, kind, quantity, unit, expected):
    read = quantity_of(kind, quantity, unit)
    assert not read.error
    assert (read.quantity, read.unit) == expected


def test_ambiguous_units_are_refused_with_the_reason(app):
    assert "gross or the net" in quantity_of(EnergyType.gas_oil, "10", "kWh").error
    assert "15 °C" in quantity_of(EnergyType.natural_gas, "10", "Nm3").error


def test_electricity_in_gj_is_kept_as_written_and_computed_in_kwh(sites):
    table = Table(
        rows=[
            (
                2,
                {
                    "site": "London office",
                    "energy_type": "Electricity",
                    "period_start": "2024-01-01",
                    "period_end": "2024-01-31",
                    "quantity": "36",
                    "unit": "GJ",
                },
            )
        ],
        mapping=ColumnMapping(columns={}),
    )
    checked = parse(table)
    assert checked.errors == []
    ((_number, values),) = checked.rows
    assert (values["quantity"], values["unit"]) == (Decimal(36), "gj")
    result = imports.import_file(
        IMPORTER,
        actor=None,
        data=b"site,energy_type,period_start,period_end,quantity,unit\n"
        b"London office,electricity,2024-01-01,2024-01-31,36,GJ\n",
        filename="gj.csv",
    )
    db.session.commit()
    # 36 GJ = 10,000 kWh exactly
    assert result.co2e_g["location"] == grams(
        "10000", desnz(2024, "uk_electricity_generated", "kWh")
    )


def test_unknown_names_and_ambiguous_units_are_row_errors(sites):
    data = (
        "site;energy;from;to;quantity;unit\n"
        "Geneva HQ;steam;2024-01-01;2024-01-31;100;kWh\n"
        "Geneva HQ;gas oil;2024-01-01;2024-01-31;100;kWh\n"
        "Geneva HQ;natural gas;2024-01-01;2024-01-31;100;Nm3\n"
    )
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(IMPORTER, actor=None, data=data.encode(), filename="bad.csv")
    messages = [str(error) for error in refused.value.row_errors]
    assert messages[0].startswith("Row 2, energy_type: “steam” is not one of")
    assert messages[1].startswith("Row 3, unit: say whether these kWh are on the gross")
    assert messages[2].startswith("Row 4, unit: normal cubic metres")


def test_every_year_has_the_factors_of_every_fuel():
    """Every DESNZ set shipped (2018–2025; earlier years use the nearest, 2018, flagged as a
    fallback) has each fuel's factor in each of its units, under the label ems shows."""
    units = {
        "litre": "litres",
        "tonne": "tonnes",
        "kwh_gross_cv": "kWh (Gross CV)",
        "kwh_net_cv": "kWh (Net CV)",
        "m3": "cubic metres",
    }
    assert years() == set(range(2018, 2026))
    for year in years():
        for kind, activity in services.FUELS.items():
            assert desnz_label(year, activity) == {services.DESNZ_FUEL_LABELS[kind]}
            for unit in services.UNITS[kind]:
                assert desnz(year, activity, units[unit]) > 0, (year, kind, unit)


def test_a_profile_maps_a_file_s_own_name_to_an_energy_type(sites):
    """The profile's value mapping (on the energy field, to an energy type code) is applied
    before the names are read: "Heizöl" at the London office is then gas oil, not kerosene."""
    headers = ["Standort", "Energieträger", "Von", "Bis", "Verbrauch", "Einheit"]
    imports.save_profile(
        actor=None,
        kind="energy",
        name="Heizwerk export",
        headers=headers,
        mapping=ColumnMapping(
            columns=dict(
                zip(
                    headers,
                    ["site", "energy_type", "period_start", "period_end", "quantity", "unit"],
                    strict=True,
                )
            ),
            values={"energy_type": {"heizöl": "gas_oil"}},
        ),
    )
    db.session.commit()
    data = ";".join(headers) + "\nLondon office;Heizöl;2024-01-01;2024-01-31;1000;l\n"
    result = imports.import_file(
        IMPORTER, actor=None, data=data.encode(), filename="h.csv", profile="Heizwerk export"
    )
    db.session.commit()
    (record,) = db.session.scalars(sa.select(EnergyRecord))
    assert record.energy_type is EnergyType.gas_oil
    assert result.value_notes == [
        "“heizöl” → Gas oil (red diesel, generator fuel, continental heating oil) "
        "(DESNZ Liquid fuels > Gas oil), by the profile Heizwerk export"
    ]
    assert result.co2e_g["fuels_heat_losses"] == grams("1000", desnz(2024, "gas_oil", "litres"))


def test_the_mapping_is_shown_by_the_command_line_and_on_the_records_page(
    app, client, create_user, login, sites, tmp_path
):
    path = tmp_path / "utility_export.csv"
    path.write_bytes(UTILITY_EXPORT)
    dry = app.test_cli_runner().invoke(cli, ["import", "energy", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "“Heating oil” at sites in CH → Gas oil" in dry.output
    imports.import_file(IMPORTER, actor=None, data=UTILITY_EXPORT, filename="utility_export.csv")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    page = client.get("/energy/?year=2024").get_data(as_text=True)
    assert "“Heating oil” in the imported file → DESNZ Liquid fuels &gt; Gas oil" in page
    assert "“Heating oil” in the imported file → DESNZ Liquid fuels &gt; Burning oil" in page
    assert "DESNZ Gaseous fuels &gt; Natural gas" in page


def test_a_record_changed_to_another_energy_no_longer_names_the_file_s_word(sites):
    imports.import_file(IMPORTER, actor=None, data=UTILITY_EXPORT, filename="utility_export.csv")
    db.session.commit()
    records = _records()

    def data(record: EnergyRecord, **changes: object) -> dict[str, object]:
        return {**{name: getattr(record, name) for name in services.FIELDS}, **changes}

    kept = records["GEN-1 2024-01-01"]
    services.update_energy_record(actor=None, record=kept, **data(kept, quantity=Decimal(1300)))
    changed = records["TANK-2 2024-02-01"]
    services.update_energy_record(
        actor=None, record=changed, **data(changed, energy_type=EnergyType.heating_oil)
    )
    db.session.commit()
    assert kept.source_name == "Gasoil"
    assert "“Gasoil” → gas_oil" in _lines(kept)[("fuel", None)].note
    assert changed.source_name == ""
    assert "“" not in _lines(changed)[("fuel", None)].note
