"""The shipped factor sets: published values, exact storage, provenance, idempotent loading."""

from __future__ import annotations

import csv
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from ems.cli import cli
from ems.extensions import db
from ems.factors import services
from ems.factors.keys import factor_key
from ems.factors.models import EmissionFactor, FactorSet, HaulDefinition
from ems.factors.shipped import BLENDS, DATA_DIR, shipped_sets


def air_key(haul: str, cabin: str, rf: str) -> str:
    return factor_key(
        "air", "passenger_flight", "passenger_km", haul=haul, cabin_class=cabin, rf=rf
    )


def value(code: str, key: str) -> Decimal:
    factor = db.session.scalar(
        sa.select(EmissionFactor)
        .join(FactorSet)
        .where(FactorSet.code == code, EmissionFactor.key == key)
    )
    assert factor is not None, (code, key)
    return factor.kgco2e_per_unit


def test_published_air_values(loaded):
    international_economy = air_key("international_non_uk", "economy", "with_rf")
    assert value("desnz-air-2024", international_economy) == Decimal("0.13465")
    # the 2023 cell holds 0.13464333…, displayed as 0.13464; 2024 republished it as 0.13465
    assert value("desnz-air-2023", international_economy) == Decimal("0.13464")
    assert value("desnz-air-2025", air_key("long_haul", "business", "with_rf")) == Decimal(
        "0.33940"
    )
    # the cell holds 0.140625: displayed half-up, not by banker's rounding (0.14062)
    assert value("desnz-air-2021", international_economy) == Decimal("0.14063")
    assert value(
        "desnz-other-2018", "transmission_distribution/uk_electricity_td_losses/kwh"
    ) == Decimal("0.02413")  # the cell holds 0.024130000000000002


def _desnz_values() -> list[tuple[str, str, str]]:
    """(file, row label, value text) of every number in the shipped DESNZ tables."""
    columns = {
        "desnz_air_passenger.csv": (
            "kgco2e_per_pkm",
            "kgco2_per_pkm",
            "kgch4_co2e_per_pkm",
            "kgn2o_co2e_per_pkm",
        ),
        "desnz_other.csv": ("kgco2e_per_unit",),
    }
    found = []
    for name, wanted in columns.items():
        with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                found += [(name, f"row {number} {column}", row[column]) for column in wanted]
    return found


def test_every_desnz_value_is_the_figure_desnz_prints():
    """No binary noise (0.15970000000000004) and no unrounded cell (0.20010828…): every value
    is a plain decimal of at most 5 places, without trailing zeros, as the sheets display it."""
    values = _desnz_values()
    assert len(values) == 224 * 4 + 966
    for name, where, text in values:
        assert re.fullmatch(r"-?\d+(\.\d{0,4}[1-9])?", text), (name, where, text)


@pytest.mark.parametrize(
    ("years", "multiplier"), [(range(2018, 2023), "1.9"), (range(2023, 2026), "1.7")]
)
def test_radiative_forcing_multiplies_the_co2_part_only(loaded, years, multiplier):
    for year in years:
        factors = {
            f.key: f
            for f in db.session.get_one(
                FactorSet, services.find_set(f"desnz-air-{year}").id
            ).factors
        }
        assert len(factors) == 28
        for key, with_rf in factors.items():
            if "rf=with_rf" not in key:
                continue
            without_rf = factors[key.replace("rf=with_rf", "rf=without_rf")]
            assert with_rf.kgco2_per_unit is not None
            assert without_rf.kgco2_per_unit is not None
            ratio = with_rf.kgco2_per_unit / without_rf.kgco2_per_unit
            assert ratio.quantize(Decimal("0.01")) == Decimal(multiplier), (year, key)
            assert with_rf.kgch4_co2e_per_unit == without_rf.kgch4_co2e_per_unit
            assert with_rf.kgn2o_co2e_per_unit == without_rf.kgn2o_co2e_per_unit


def test_refrigerant_blends_from_composition_match_desnz(loaded):
    assert value("ipcc-gwp-ar5", "gwp/r410a/kg") == Decimal(1924)
    assert value("ipcc-gwp-ar4", "gwp/r410a/kg") == Decimal(2088)
    desnz = {}
    with (DATA_DIR / "desnz_other.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["category"] == "refrigerant":
                desnz[(int(row["set_year"]), row["activity"])] = Decimal(row["kgco2e_per_unit"])
    checked = 0
    for (year, gas), published in desnz.items():
        report = "ar4" if year <= 2022 else "ar5"
        assert value(f"ipcc-gwp-{report}", f"gwp/{gas}/kg") == published, (year, gas)
        checked += 1
    assert checked == 48
    assert {"R-410A", "R-404A", "R-407C"} <= set(BLENDS)


def test_values_round_trip_exactly(loaded):
    """Every stored value equals the published text, digit for digit, on this database."""
    db.session.expire_all()
    stored = {
        (code, key): str(number)
        for code, key, number in db.session.execute(
            sa.select(FactorSet.code, EmissionFactor.key, EmissionFactor.kgco2e_per_unit).join(
                FactorSet
            )
        )
    }
    expected = {
        (spec.code, factor.key): str(factor.kgco2e_per_unit)
        for spec in shipped_sets()
        for factor in spec.factors
    }
    assert stored == expected
    assert stored[("desnz-air-2018", air_key("long_haul", "economy", "with_rf"))] == "0.16279"


def test_loading_is_idempotent(loaded):
    count = db.session.scalar(sa.select(sa.func.count()).select_from(EmissionFactor))
    report = services.load_shipped_sets(actor=None)
    db.session.commit()
    assert report.created == []
    assert len(report.unchanged) == len(list(shipped_sets()))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmissionFactor)) == count


def test_shipped_sets_carry_provenance_and_are_locked(loaded):
    sets = services.list_sets()
    families = {s.family for s in sets}
    assert families == {
        "desnz_air",
        "desnz_other",
        "desnz_haul",
        "ems_hotel_average",
        "epa_supply_chain",
        "ember_grid",
        "electricitymaps_grid",
        "ipcc_gwp",
    }
    assert {s.edition_year for s in sets if s.family == "desnz_air"} == set(range(2018, 2026))
    assert {s.version for s in sets if s.family == "epa_supply_chain"} == {"1.2", "1.3.0"}
    for factor_set in sets:
        assert factor_set.is_shipped
        assert factor_set.is_locked
        assert factor_set.publisher
        assert factor_set.licence
        assert factor_set.source


def test_icao_tables_are_not_shipped():
    assert not list(DATA_DIR.glob("*icao*"))


def test_haul_definitions(loaded):
    hauls = {(h.country_code, h.haul) for h in services.hauls(services.find_set("desnz-haul-2025"))}
    assert {
        ("CH", "short_haul"),
        ("FR", "short_haul"),
        ("US", "long_haul"),
        ("KE", "long_haul"),
        ("GB", "domestic"),
    } <= hauls
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HaulDefinition)) == 890


def test_grid_intensity_in_kg_per_kwh(loaded):
    key = factor_key("electricity", "grid_average", "kwh", country="CH")
    assert value("ember-grid-2024", key) == Decimal("0.03672")
    assert value("ember-grid-2023", key) == Decimal("0.02956")  # the latest revision of 2023


def test_epa_uses_the_factor_with_margins(loaded):
    key = factor_key("procurement", "purchase", "usd", naics="111110")
    assert value("epa-supply-chain-v1.3.0", key) == Decimal("0.532")


def test_factors_list_command_shows_every_set_with_provenance(app, loaded):
    result = app.test_cli_runner().invoke(cli, ["factors", "list"])
    assert result.exit_code == 0, result.output
    for spec in shipped_sets():
        assert f"{spec.code}  v{spec.version}" in result.output
    assert "Open Government Licence v3.0" in result.output
    assert "Public domain (work of the US Government)" in result.output


def test_the_hotel_means_are_the_mean_of_every_country_each_edition_publishes():
    """No country left out (a name the key mapping does not know would be): the mean of the
    file's rows, London and regions (2019's "Caribbean Region") apart, for every edition with
    hotel factors."""
    from ems.factors.shipped import desnz_other, hotel_averages

    with (DATA_DIR / "desnz_other.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    means = {s.edition_year: s.factors[0] for s in hotel_averages(desnz_other())}
    years = {int(r["set_year"]) for r in rows if r["category"] == "hotel"}
    assert set(means) == years
    for year, factor in means.items():
        values = [
            Decimal(r["kgco2e_per_unit"])
            for r in rows
            if r["set_year"] == str(year)
            and r["category"] == "hotel"
            and "(London)" not in r["desnz_label"]
            and not r["desnz_label"].endswith("Region")
        ]
        mean = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        assert (factor.kgco2e_per_unit, factor.key) == (
            mean,
            "hotel/hotel_stay_average/region=world/room_night",
        ), year
        assert factor.label.startswith(f"Mean of {len(values)} countries")
