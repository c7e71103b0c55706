"""The factor sets shipped with ems (ems/data/factors, the globalwarmingpotentials package).

Each reader turns a published table into SetSpecs; loading them is ems.factors.services' job.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import globalwarmingpotentials

from ems.factors.keys import UNIT_CODES, country_code, country_code_from_iso3, factor_key, slug
from ems.factors.regions import region_of

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "factors"

OGL = "Open Government Licence v3.0"
DESNZ_PUBLISHER = "UK Government (BEIS to 2022, DESNZ from 2023)"
DESNZ_TITLE = "UK Government GHG Conversion Factors for Company Reporting"
#: workbook version stated in each set year's sheets
DESNZ_VERSIONS = {
    2018: "1.01",
    2019: "1.3",
    2020: "1.0",
    2021: "2.0",
    2022: "2.0",
    2023: "1.1",
    2024: "1.1",
    2025: "1.0",
}
DESNZ_SOURCE = (
    "GOV.UK 'Greenhouse gas reporting: conversion factors {year}', workbook v{version}; "
    "values extracted at full stored precision (ems/data/factors/README.md §1)."
)


@dataclass(frozen=True)
class FactorSpec:
    """One factor row as it will be stored."""

    category: str
    activity: str
    unit: str
    kgco2e_per_unit: Decimal
    attributes: dict[str, str] = field(default_factory=dict)
    kgco2_per_unit: Decimal | None = None
    kgch4_co2e_per_unit: Decimal | None = None
    kgn2o_co2e_per_unit: Decimal | None = None
    label: str = ""

    @property
    def key(self) -> str:
        """The factor's stable key."""
        return factor_key(self.category, self.activity, self.unit, **self.attributes)


@dataclass(frozen=True)
class HaulSpec:
    """One row of a DESNZ haul definition sheet."""

    country_name: str
    country_code: str | None
    haul: str


@dataclass
class SetSpec:
    """A factor set with its provenance and rows."""

    code: str
    family: str
    publisher: str
    title: str
    edition_year: int
    version: str
    licence: str
    source: str
    notes: str = ""
    factors: list[FactorSpec] = field(default_factory=list)
    hauls: list[HaulSpec] = field(default_factory=list)

    def content_sha256(self) -> str:
        """A digest of the rows, to recognise identical content."""
        rows = sorted(
            [
                f.key,
                str(f.kgco2e_per_unit),
                str(f.kgco2_per_unit),
                str(f.kgch4_co2e_per_unit),
                str(f.kgn2o_co2e_per_unit),
                f.label,
            ]
            for f in self.factors
        )
        rows += sorted([h.country_name, h.country_code or "", h.haul] for h in self.hauls)
        return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _desnz_set(
    code: str,
    family: str,
    year: int,
    sheet: str,
    notes: str,
    *,
    factors: list[FactorSpec] | None = None,
    hauls: list[HaulSpec] | None = None,
) -> SetSpec:
    """A DESNZ set of one year: the provenance every DESNZ set shares."""
    return SetSpec(
        code=f"{code}-{year}",
        family=family,
        publisher=DESNZ_PUBLISHER,
        title=f"{DESNZ_TITLE} {year}: {sheet}",
        edition_year=year,
        version=DESNZ_VERSIONS[year],
        licence=OGL,
        source=DESNZ_SOURCE.format(year=year, version=DESNZ_VERSIONS[year]),
        notes=notes,
        factors=factors or [],
        hauls=hauls or [],
    )


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _optional(value: str) -> Decimal | None:
    return Decimal(value) if value.strip() else None


def desnz_air() -> Iterator[SetSpec]:
    """DESNZ 'Business travel- air': kg CO2e per passenger-km by haul, class and RF basis."""
    by_year: dict[int, list[FactorSpec]] = defaultdict(list)
    for row in _read("desnz_air_passenger.csv"):
        by_year[int(row["set_year"])].append(
            FactorSpec(
                category="air",
                activity="passenger_flight",
                unit="passenger_km",
                attributes={
                    "haul": row["haul"],
                    "cabin_class": row["cabin_class"],
                    "rf": row["rf"],
                },
                kgco2e_per_unit=Decimal(row["kgco2e_per_pkm"]),
                kgco2_per_unit=_optional(row["kgco2_per_pkm"]),
                kgch4_co2e_per_unit=_optional(row["kgch4_co2e_per_pkm"]),
                kgn2o_co2e_per_unit=_optional(row["kgn2o_co2e_per_pkm"]),
                label=f"Business travel- air > {row['haul']} > {row['cabin_class']} > {row['rf']}",
            )
        )
    for year, factors in sorted(by_year.items()):
        multiplier = "1.9" if year <= 2022 else "1.7"
        yield _desnz_set(
            "desnz-air",
            "desnz_air",
            year,
            "Business travel- air",
            f"Per passenger-km of great-circle distance; the 8 % distance uplift is inside the "
            f"factors. With-RF factors multiply the CO2 part by {multiplier}.",
            factors=factors,
        )


def desnz_other() -> Iterator[SetSpec]:
    """DESNZ fuels, electricity, travel, hotels, water, waste, materials and refrigerants."""
    by_year: dict[int, list[FactorSpec]] = defaultdict(list)
    for row in _read("desnz_other.csv"):
        category, activity, attributes = row["category"], row["activity"], {}
        if category == "hotel":
            place = row["desnz_label"].split(" > ", 1)[-1]
            code = country_code(place.replace(" (London)", ""))
            if code is not None:
                activity = "hotel_stay"
                attributes = {"country": code}
                if "(London)" in place:
                    attributes["city"] = "london"
        by_year[int(row["set_year"])].append(
            FactorSpec(
                category=category,
                activity=activity,
                unit=UNIT_CODES[row["unit"]],
                attributes=attributes,
                kgco2e_per_unit=Decimal(row["kgco2e_per_unit"]),
                label=f"{row['scope']} · {row['desnz_sheet']} · {row['desnz_label']}",
            )
        )
    for year, factors in sorted(by_year.items()):
        gwp = "IPCC AR4" if year <= 2022 else "IPCC AR5"
        yield _desnz_set(
            "desnz-other",
            "desnz_other",
            year,
            "fuels, electricity, travel, hotels, water, waste, materials, refrigerants",
            f"Refrigerant GWPs: {gwp}.",
            factors=factors,
        )


#: the family of the mean hotel factors ems derives from each DESNZ edition (hotels in a country
#: DESNZ publishes no factor for)
HOTEL_AVERAGE_FAMILY = "ems_hotel_average"
#: the derived factor's place in a key: the mean of every country published
HOTEL_AVERAGE_REGION = "world"


def _room_night_mean(
    countries: dict[str, Decimal], region: str, edition: int, what: str
) -> FactorSpec:
    mean = sum(countries.values(), Decimal(0)) / len(countries)
    return FactorSpec(
        category="hotel",
        activity="hotel_stay_average",
        unit="room_night",
        attributes={"region": region},
        kgco2e_per_unit=mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        label=f"Mean of {len(countries)} countries{what} of DESNZ {edition}: "
        f"{', '.join(sorted(countries))}",
    )


def hotel_averages(desnz_sets: Iterable[SetSpec]) -> Iterator[SetSpec]:
    """For each DESNZ edition of ``desnz_sets`` (desnz_other's), the unweighted means of its
    countries' room-night factors (London apart, the UK counted once), to 0.1 kg as DESNZ
    publishes them: of every country, and of the countries of each UN M49 region
    (ems.factors.regions). The fallback for a stay in a country the edition does not cover,
    as the organisation chooses (its settings)."""
    for desnz in desnz_sets:
        countries = {
            factor.attributes["country"]: factor.kgco2e_per_unit
            for factor in desnz.factors
            if factor.activity == "hotel_stay" and "city" not in factor.attributes
        }
        if not countries:
            continue
        year = desnz.edition_year
        by_region: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for country, value in countries.items():
            region = region_of(country)
            if region is not None:
                by_region[region][country] = value
        yield SetSpec(
            code=f"ems-hotel-average-{year}",
            family=HOTEL_AVERAGE_FAMILY,
            publisher="ems, from DESNZ",
            title=f"Hotel stay, mean of the {len(countries)} countries of DESNZ {year}",
            edition_year=year,
            version=desnz.version,
            licence=OGL,
            source=f"Derived from {desnz.code} ({desnz.source}): the unweighted mean of its "
            f"{len(countries)} country room-night factors, London apart, and of those of each "
            "UN M49 region, rounded half-up to 0.1 kg.",
            notes="Used for hotel stays in countries DESNZ publishes no factor for; their "
            "lines are flagged as fallbacks.",
            factors=[
                _room_night_mean(countries, HOTEL_AVERAGE_REGION, year, ""),
                *(
                    _room_night_mean(members, region, year, f" in {region.title()}")
                    for region, members in sorted(by_region.items())
                ),
            ],
        )


def desnz_hauls() -> Iterator[SetSpec]:
    """DESNZ 'Haul definition' sheets: the haul of flights between the UK and each country."""
    by_year: dict[int, list[HaulSpec]] = defaultdict(list)
    for row in _read("desnz_haul_definitions.csv"):
        code = (country_code_from_iso3(row["iso3"]) if row["iso3"] else None) or country_code(
            row["country"]
        )
        by_year[int(row["set_year"])].append(HaulSpec(row["country"], code, row["haul"]))
    for year, hauls in sorted(by_year.items()):
        yield _desnz_set(
            "desnz-haul",
            "desnz_haul",
            year,
            "Haul definition",
            "Flights to or from the UK: domestic, short haul or long haul by country.",
            hauls=hauls,
        )


EPA_SETS = (
    (
        "epa_supply_chain_v1_2_usd2021.csv",
        "1.2",
        2021,
        "USEEIO v2.1.19-GHG, GHG data year 2019, IPCC AR4 GWP-100",
        "doi:10.23719/1528686",
    ),
    (
        "epa_supply_chain_v1_3_usd2022.csv",
        "1.3.0",
        2022,
        "USEEIO v2.2.22-GHG, GHG data year 2022, IPCC AR5 GWP-100",
        "doi:10.23719/1531143",
    ),
)


def epa_supply_chain() -> Iterator[SetSpec]:
    """US EPA supply-chain factors (spend-based, by 2017 NAICS code), with margins."""
    for filename, version, price_year, model, doi in EPA_SETS:
        factors = [
            FactorSpec(
                category="procurement",
                activity="purchase",
                # the same key in every edition; the dollars are of the set's year (edition_year)
                unit="usd",
                attributes={"naics": row["naics_code"]},
                kgco2e_per_unit=Decimal(row["factor_with_margins"]),
                label=(
                    f"{row['naics_title']} (NAICS {row['naics_code']}); without margins "
                    f"{row['factor_without_margins']}, margins {row['margins']}"
                ),
            )
            for row in _read(filename)
        ]
        yield SetSpec(
            code=f"epa-supply-chain-v{version}",
            family="epa_supply_chain",
            publisher="U.S. Environmental Protection Agency, Office of Research and Development",
            title="Supply Chain Greenhouse Gas Emission Factors for US Industries and "
            f"Commodities v{version}",
            edition_year=price_year,
            version=version,
            licence="Public domain (work of the US Government)",
            source=f"{filename.replace('epa_supply_chain', 'SupplyChainGHGEmissionFactors')} "
            f"({doi}); {model}.",
            notes=(
                f"kg CO2e per {price_year} US dollar at purchaser price (factor with "
                "margins). Convert spend to USD of that year before multiplying."
            ),
            factors=factors,
        )


def ember_grid() -> Iterator[SetSpec]:
    """Ember yearly grid intensity by country and region (as republished in co2.js)."""
    by_year: dict[int, list[FactorSpec]] = defaultdict(list)
    for row in _read("grid_electricity_ember.csv"):
        if row["latest_for_year"] != "true":
            continue
        code = country_code_from_iso3(row["country_iso3"]) if row["country_iso3"] else None
        attributes = (
            {"country": code} if code else {"region": row["country_iso3"] or row["country_name"]}
        )
        by_year[int(row["year"])].append(
            FactorSpec(
                category="electricity",
                activity="grid_average",
                unit="kwh",
                attributes=attributes,
                kgco2e_per_unit=Decimal(row["gco2e_per_kwh"]).scaleb(-3),
                label=(
                    f"{row['country_name']} {row['year']}: {row['gco2e_per_kwh']} gCO2e/kWh "
                    f"(co2.js {row['source_commit'][:12]}, {row['source_commit_date']})"
                ),
            )
        )
    for year, factors in sorted(by_year.items()):
        yield SetSpec(
            code=f"ember-grid-{year}",
            family="ember_grid",
            publisher="Ember (republished by the Green Web Foundation in co2.js)",
            title=f"Yearly electricity data: grid emissions intensity, data year {year}",
            edition_year=year,
            version="co2.js-2025-08",
            licence="CC BY-SA 4.0 as republished in co2.js (Ember publishes under CC BY 4.0); "
            "attribute Ember",
            source=(
                "thegreenwebfoundation/co2.js data/output/average-intensities.json, the "
                "newest version reporting each country-year (commits listed per factor)."
            ),
            notes="Location-based grid average intensity, kg CO2e per kWh.",
            factors=factors,
        )


def electricitymaps_grid() -> Iterator[SetSpec]:
    """Electricity Maps yearly carbon intensity by zone (as republished in co2.js)."""
    by_year: dict[int, list[FactorSpec]] = defaultdict(list)
    for row in _read("grid_electricity_electricitymaps.csv"):
        zone = row["zone"]
        attributes = {"country": zone} if len(zone) == 2 else {"zone": zone}
        by_year[int(row["year"])].append(
            FactorSpec(
                category="electricity",
                activity="grid_average",
                unit="kwh",
                attributes=attributes,
                kgco2e_per_unit=Decimal(row["gco2e_per_kwh"]).scaleb(-3),
                label=f"{row['zone_name']} ({zone}) {row['year']}: "
                f"{row['gco2e_per_kwh']} gCO2eq/kWh",
            )
        )
    for year, factors in sorted(by_year.items()):
        yield SetSpec(
            code=f"electricitymaps-grid-{year}",
            family="electricitymaps_grid",
            publisher="Electricity Maps (republished by the Green Web Foundation in co2.js)",
            title=f"Yearly carbon intensity by zone, {year}",
            edition_year=year,
            version="co2.js-2026-02",
            licence="Open Database License (ODbL) 1.0; attribute Electricity Maps",
            source=(
                f"thegreenwebfoundation/co2.js data/output/electricity-maps/yearly_{year}"
                ".json at df82c78e7e52f74a8e413846504b517a63a0ab52."
            ),
            notes="Grid carbon intensity, kg CO2e per kWh.",
            factors=factors,
        )


#: IPCC assessment reports in the globalwarmingpotentials package: (column, year of the report)
GWP_REPORTS = {"ar4": ("AR4GWP100", 2007), "ar5": ("AR5GWP100", 2014), "ar6": ("AR6GWP100", 2021)}

#: refrigerant blends by mass fraction of their components (ASHRAE 34 compositions)
BLENDS: dict[str, dict[str, Decimal]] = {
    "R-404A": {"HFC125": Decimal("0.44"), "HFC143a": Decimal("0.52"), "HFC134a": Decimal("0.04")},
    "R-407A": {"HFC32": Decimal("0.20"), "HFC125": Decimal("0.40"), "HFC134a": Decimal("0.40")},
    "R-407C": {"HFC32": Decimal("0.23"), "HFC125": Decimal("0.25"), "HFC134a": Decimal("0.52")},
    "R-407F": {"HFC32": Decimal("0.30"), "HFC125": Decimal("0.30"), "HFC134a": Decimal("0.40")},
    "R-410A": {"HFC32": Decimal("0.50"), "HFC125": Decimal("0.50")},
    "R-427A": {
        "HFC32": Decimal("0.15"),
        "HFC125": Decimal("0.25"),
        "HFC143a": Decimal("0.10"),
        "HFC134a": Decimal("0.50"),
    },
    "R-507A": {"HFC125": Decimal("0.50"), "HFC143a": Decimal("0.50")},
    "R-508B": {"HFC23": Decimal("0.46"), "C2F6": Decimal("0.54")},
}


def gas_activity(species: str) -> str:
    """The activity slug of a gas: refrigerant numbers for HFCs/HCFCs (HFC134a → r134a)."""
    for prefix in ("HCFC", "HFC"):
        if species.startswith(prefix) and species[len(prefix) :][:1].isdigit():
            return "r" + species[len(prefix) :].lower()
    return slug(species)


#: gases the Montreal Protocol controls (ozone-depleting) among the GWP tables' species: CFCs,
#: HCFCs, halons, carbon tetrachloride, methyl chloroform and methyl bromide. The GHG Protocol
#: reports their emissions separately, outside the scopes.
MONTREAL_PREFIXES = ("CFC", "HCFC", "Halon")
MONTREAL_SPECIES = frozenset({"CCl4", "CH3CCl3", "CH3Br"})


def ozone_depleting_gases() -> frozenset[str]:
    """The activity slugs (r22, cfc11, halon1301…) of the Montreal Protocol gases the GWP tables
    know, in any IPCC report."""
    return frozenset(
        gas_activity(species)
        for column, _year in GWP_REPORTS.values()
        for species in globalwarmingpotentials.data[column]
        if species.startswith(MONTREAL_PREFIXES) or species in MONTREAL_SPECIES
    )


def _whole_or_exact(value: float) -> Decimal:
    number = Decimal(repr(value))
    return number.to_integral_value() if number == number.to_integral_value() else number


def blend_gwp(components: dict[str, Decimal], gwps: dict[str, float]) -> Decimal:
    """Mass-weighted GWP of a blend, rounded half-up to a whole number as publishers do."""
    total = sum(
        (fraction * Decimal(repr(gwps[gas])) for gas, fraction in components.items()), Decimal(0)
    )
    return total.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def ipcc_gwp() -> Iterator[SetSpec]:
    """100-year GWPs of IPCC AR4, AR5 and AR6, with common refrigerant blends."""
    for report, (column, year) in GWP_REPORTS.items():
        gwps = globalwarmingpotentials.data[column]
        factors = [
            FactorSpec(
                category="gwp", activity="co2", unit="kg", kgco2e_per_unit=Decimal(1), label="CO2"
            ),
            # the refrigerant R-744 is carbon dioxide: GWP 1 by definition, in every report
            FactorSpec(
                category="gwp",
                activity="r744",
                unit="kg",
                kgco2e_per_unit=Decimal(1),
                label="R-744 (carbon dioxide, as a refrigerant)",
            ),
        ]
        factors += [
            FactorSpec(
                category="gwp",
                activity=gas_activity(species),
                unit="kg",
                kgco2e_per_unit=_whole_or_exact(value),
                label=species,
            )
            for species, value in sorted(gwps.items())
        ]
        for blend, components in BLENDS.items():
            if all(gas in gwps for gas in components):
                mix = ", ".join(
                    f"{gas} {fraction * 100:g} %" for gas, fraction in components.items()
                )
                factors.append(
                    FactorSpec(
                        category="gwp",
                        activity=slug(blend).replace("_", ""),
                        unit="kg",
                        kgco2e_per_unit=blend_gwp(components, gwps),
                        label=f"{blend} blend by mass: {mix}; rounded to a whole number",
                    )
                )
        yield SetSpec(
            code=f"ipcc-gwp-{report}",
            family="ipcc_gwp",
            publisher="Intergovernmental Panel on Climate Change (via globalwarmingpotentials)",
            title=f"Global warming potentials, 100-year horizon, IPCC {report.upper()}",
            edition_year=year,
            version=globalwarmingpotentials.__version__,
            licence="CC0 1.0 (the globalwarmingpotentials compilation)",
            source=(
                f"Python package globalwarmingpotentials {globalwarmingpotentials.__version__}"
                f", column {column}; blends from ASHRAE 34 mass compositions."
            ),
            notes="kg CO2e per kg of gas released.",
            factors=factors,
        )


def shipped_sets() -> Iterator[SetSpec]:
    """Every factor set ems ships, in loading order."""
    yield from desnz_air()
    other = list(desnz_other())
    yield from other
    yield from desnz_hauls()
    yield from hotel_averages(other)
    yield from epa_supply_chain()
    yield from ember_grid()
    yield from electricitymaps_grid()
    yield from ipcc_gwp()
