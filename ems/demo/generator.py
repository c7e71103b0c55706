"""The demo organisation's records, generated in memory from one seeded random generator.

Nothing here touches the database: the same seed gives the same rows, always. The loader
(``ems.demo.services``) writes them through the project's own services and importers and
chooses how many of the candidate flights of each year it imports, so that the year's
Greening-the-Blue total reaches ``TARGET_GTB_T``.

Everything is invented, but plausible: an organisation like a UN programme with its
headquarters in Geneva and four regional offices. The exchange rates and US price indices are
demo approximations of yearly averages (labelled so where they are stored), not official figures.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import io
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ems.travel import airports

SEED = 2030
YEARS = (2010, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025)
ORGANISATION_NAME = "Global Environment Programme (demo)"
BASELINE_YEAR = 2010
TARGET_YEAR = 2030
TARGET_REDUCTION_PCT = 45
#: the Greening-the-Blue total each year's flights are added up to, tonnes CO2e (2022 and 2023
#: are the published figures of a real organisation; the others are plausible)
TARGET_GTB_T = {
    2010: 2900,
    2018: 2600,
    2019: 2700,
    2020: 1250,
    2021: 1550,
    2022: 1969,
    2023: 2582,
    2024: 2450,
    2025: 2300,
}
HEADCOUNTS = {
    2010: 880,
    2018: 960,
    2019: 985,
    2020: 990,
    2021: 1000,
    2022: 1010,
    2023: 1030,
    2024: 1045,
    2025: 1050,
}
#: the label every demo approximation carries where it is stored
DEMO_SOURCE = "Demo approximation of the yearly average; not an official figure"


@dataclass(frozen=True)
class SiteSpec:
    """A building of the demo organisation."""

    name: str
    country_code: str
    city: str
    floor_area_m2: int


GENEVA = "Geneva headquarters"
NAIROBI = "Nairobi regional office"
BANGKOK = "Bangkok regional office"
PANAMA = "Panama City regional office"
NEW_YORK = "New York liaison office"
SITES = (
    SiteSpec(GENEVA, "CH", "Geneva", 18_200),
    SiteSpec(NAIROBI, "KE", "Nairobi", 4_500),
    SiteSpec(BANGKOK, "TH", "Bangkok", 2_400),
    SiteSpec(PANAMA, "PA", "Panama City", 1_600),
    SiteSpec(NEW_YORK, "US", "New York", 1_100),
)
#: (code, name, weight among travellers and purchases)
DEPARTMENTS = (
    ("EXO", "Executive Office", 4),
    ("CCD", "Climate Change Division", 16),
    ("ECO", "Ecosystems Division", 16),
    ("ECN", "Economy Division", 14),
    ("LAW", "Law Division", 8),
    ("SCI", "Science Division", 12),
    ("COM", "Communication Division", 6),
    ("CSD", "Corporate Services Division", 10),
)

#: units of each currency per US dollar, yearly averages (demo approximations)
EXCHANGE_RATES = {
    "CHF": {
        2010: "1.04",
        2018: "0.98",
        2019: "0.99",
        2020: "0.94",
        2021: "0.91",
        2022: "0.955",
        2023: "0.90",
        2024: "0.88",
        2025: "0.86",
    },
    "EUR": {
        2010: "0.755",
        2018: "0.847",
        2019: "0.893",
        2020: "0.877",
        2021: "0.845",
        2022: "0.951",
        2023: "0.925",
        2024: "0.924",
        2025: "0.89",
    },
    "KES": {
        2010: "79.2",
        2018: "101.3",
        2019: "102.0",
        2020: "106.5",
        2021: "109.6",
        2022: "117.9",
        2023: "139.8",
        2024: "134.8",
        2025: "129.3",
    },
    "THB": {
        2010: "31.7",
        2018: "32.3",
        2019: "31.0",
        2020: "31.3",
        2021: "32.0",
        2022: "35.1",
        2023: "34.8",
        2024: "35.3",
        2025: "33.5",
    },
}
#: US price index (GDP deflator, 2017 = 100), demo approximations; the EPA factors are in dollars
#: of 2021 and 2022, so every purchase year and those two need one
US_PRICE_INDEX = {
    2010: "89.2",
    2018: "102.5",
    2019: "104.3",
    2020: "105.5",
    2021: "110.4",
    2022: "118.1",
    2023: "122.6",
    2024: "125.7",
    2025: "128.9",
}

#: the district-heating supplier's factor, imported as a small factor set of its own
DISTRICT_HEAT_SET: dict[str, Any] = {
    "family": "sig_district_heat",
    "title": "Geneva district heating network, supplier emission factor (demo)",
    "publisher": "Services Industriels de Genève (demo value)",
    "edition_year": 2022,
    "version": "1",
    "licence": "supplier disclosure (demo)",
    "source": "Supplier's letter to the demo organisation of 2022-01-20 (invented for the demo)",
}
DISTRICT_HEAT_CSV = (
    b"category,activity,unit,kgco2e_per_unit,label\n"
    b"heat,district_heating_geneva,kwh,0.089,Geneva district heating network 2022 (demo)\n"
)
DISTRICT_HEAT_CODE = "sig_district_heat-2022"


# --- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnergyRow:
    """A bill or meter reading, as a row of the energy import."""

    site: str
    energy_type: str
    period_start: dt.date
    period_end: dt.date
    quantity: Decimal
    unit: str
    meter_reference: str
    evidence_note: str
    certificates_kwh: Decimal | None = None
    supplier_factor: str = ""
    estimated: bool = False
    #: the technology of on-site generation ("solar_pv" for the roof-top panels)
    technology: str = ""
    #: the instrument of electricity with certificates; they meet the Scope 2 Quality Criteria
    instrument: str = ""


@dataclass(frozen=True)
class RefrigerantRow:
    """Refrigerant added to a unit."""

    site: str
    topped_up_on: dt.date
    gas: str
    kg: Decimal
    equipment: str


@dataclass(frozen=True)
class FleetRow:
    """Fuel put into, or km driven by, own vehicles over a period."""

    site: str
    vehicle: str
    measure: str
    period_start: dt.date
    period_end: dt.date
    quantity: Decimal


@dataclass(frozen=True)
class WasteRow:
    """Tonnes of a stream sent to a treatment over a quarter, as a row of the waste import."""

    site: str
    period_start: dt.date
    period_end: dt.date
    stream: str
    treatment: str
    tonnes: Decimal
    reference: str
    estimated: bool = False


@dataclass(frozen=True)
class WaterRow:
    """A quarter's water bill of a site, as a row of the water import."""

    site: str
    period_start: dt.date
    period_end: dt.date
    supply_source: str
    supply_m3: Decimal
    wastewater_m3: Decimal | None
    reference: str


@dataclass(frozen=True)
class PurchaseRow:
    """A purchase, as a row of the finance system's export."""

    reference: str
    purchased_on: dt.date
    category: str
    supplier: str
    description: str
    site: str
    department: str
    amount: Decimal | None = None
    currency: str = ""
    quantity: Decimal | None = None
    unit: str = ""


@dataclass(frozen=True)
class Journey:
    """A rail journey."""

    mode: str
    travelled_on: dt.date
    origin: str
    destination: str
    distance_km: Decimal


@dataclass(frozen=True)
class Stay:
    """A hotel stay."""

    country_code: str
    check_in_on: dt.date
    nights: int


@dataclass(frozen=True)
class GroundTrip:
    """A trip entered by the travel desk: rail journeys and hotel nights."""

    reference: str
    traveller: str
    department: str
    purpose: str
    journeys: tuple[Journey, ...] = ()
    stays: tuple[Stay, ...] = ()


@dataclass(frozen=True)
class FlightRow:
    """One flight of the travel agency's export."""

    reference: str
    traveller: str
    origin: str
    destination: str
    departure_on: dt.date
    cabin_class: str
    passengers: int
    department: str
    purpose: str
    paid_by: str


#: a booking: its flights
FlightTrip = tuple[FlightRow, ...]


@dataclass(frozen=True)
class DemoData:
    """Every generated record of the demo organisation."""

    energy: dict[int, tuple[EnergyRow, ...]]
    refrigerants: tuple[RefrigerantRow, ...]
    fleet: tuple[FleetRow, ...]
    purchases: dict[int, tuple[PurchaseRow, ...]]
    ground_trips: tuple[GroundTrip, ...]
    #: candidate bookings of each year, in the order the loader takes them (spread over the
    #: year, so that any first part of them covers the whole year)
    flights: dict[int, tuple[FlightTrip, ...]] = field(default_factory=dict)
    #: the waste contractors' quarterly reports and the water bills of each year
    waste: dict[int, tuple[WasteRow, ...]] = field(default_factory=dict)
    water: dict[int, tuple[WaterRow, ...]] = field(default_factory=dict)


# --- energy ------------------------------------------------------------------------------------

#: how a year's consumption spreads over the months
HEATING_PROFILE = (16, 14, 12, 8, 4, 1, 0.5, 0.5, 2, 7, 12, 14)
ELECTRICITY_PROFILE = (105, 100, 100, 95, 95, 100, 100, 85, 95, 100, 105, 105)
COOLING_PROFILE = (95, 100, 110, 115, 110, 100, 100, 100, 95, 95, 90, 90)
#: activity of the regional offices against 2018 (fewer people in the buildings in 2020–2021)
OCCUPANCY = {
    2010: 1.08,
    2018: 1.0,
    2019: 1.0,
    2020: 0.86,
    2021: 0.9,
    2022: 0.97,
    2023: 0.98,
    2024: 0.96,
    2025: 0.94,
}
GENEVA_ELECTRICITY_KWH = {
    2010: 2_150_000,
    2018: 1_900_000,
    2019: 1_880_000,
    2020: 1_560_000,
    2021: 1_640_000,
    2022: 1_720_000,
    2023: 1_700_000,
    2024: 1_660_000,
    2025: 1_620_000,
}
#: gas boilers until the connection to district heating at the end of 2021
GENEVA_GAS_KWH = {
    2010: 2_300_000,
    2018: 2_060_000,
    2019: 2_000_000,
    2020: 1_880_000,
    2021: 2_050_000,
}
GENEVA_DISTRICT_HEAT_KWH = {2022: 1_760_000, 2023: 1_700_000, 2024: 1_690_000, 2025: 1_650_000}
#: roof-top solar panels from 2023
GENEVA_SOLAR_KWH = {2023: 42_000, 2024: 61_000, 2025: 63_000}
#: Geneva buys certified hydro power (guarantees of origin for every kWh) from 2019
GENEVA_CERTIFICATES_FROM = 2019
#: the regional offices' electricity in a year like 2018, kWh
REGIONAL_ELECTRICITY_KWH = {NAIROBI: 520_000, BANGKOK: 330_000, PANAMA: 230_000, NEW_YORK: 150_000}
NAIROBI_GENERATOR_LITRES = 8_000
#: Nairobi's roof-top solar PV (about 63 kWp at some 1,750 kWh per kWp a year) from 2019
NAIROBI_SOLAR_KWH = 110_000
NAIROBI_SOLAR_FROM = 2019
NEW_YORK_GAS_KWH = 55_000
#: estimated bills: the New York office's last quarter of 2024 (the bills came late)
ESTIMATED = {(NEW_YORK, 2024, 4)}
#: bills never received: Nairobi's electricity of the third quarter of 2021 (a data gap)
MISSING = {(NAIROBI, "electricity", 2021, 3)}
METERS = {
    (GENEVA, "electricity"): ("GVA-E-01", "SIG invoice"),
    (GENEVA, "natural_gas"): ("GVA-G-01", "SIG gas invoice"),
    (GENEVA, "district_heating"): ("GVA-DH-01", "SIG district heating invoice"),
    (GENEVA, "onsite_renewable"): ("GVA-PV-01", "inverter reading"),
    (NAIROBI, "electricity"): ("NBO-E-01", "KPLC bill"),
    (NAIROBI, "diesel"): ("NBO-GEN-01", "generator fuel delivery notes"),
    (NAIROBI, "onsite_renewable"): ("NBO-PV-01", "inverter reading"),
    (BANGKOK, "electricity"): ("BKK-E-01", "MEA bill"),
    (PANAMA, "electricity"): ("PTY-E-01", "ENSA bill"),
    (NEW_YORK, "electricity"): ("NYC-E-01", "Con Edison bill"),
    (NEW_YORK, "natural_gas"): ("NYC-G-01", "Con Edison gas bill"),
}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _split(rng: random.Random, total: float, profile: Sequence[float], parts: int) -> list[Decimal]:
    """``total`` spread over ``parts`` periods (12 months or 4 quarters) by a monthly profile,
    each period ±4 %, in whole units."""
    months = [weight / sum(profile) for weight in profile]
    per_part = [sum(months[i : i + 12 // parts]) for i in range(0, 12, 12 // parts)]
    return [Decimal(round(total * share * rng.uniform(0.96, 1.04))) for share in per_part]


def _bills(
    rng: random.Random,
    *,
    year: int,
    site: str,
    energy_type: str,
    unit: str,
    total: float,
    profile: Sequence[float],
    parts: int,
    certificates: bool = False,
    supplier_factor: str = "",
) -> list[EnergyRow]:
    meter, issuer = METERS[(site, energy_type)]
    rows = []
    step = 12 // parts
    for index, quantity in enumerate(_split(rng, total, profile, parts)):
        if (site, energy_type, year, index + 1) in MISSING:
            continue
        first_month = index * step + 1
        period = f"{year}-{first_month:02d}" if parts == 12 else f"Q{index + 1} {year}"
        rows.append(
            EnergyRow(
                site=site,
                energy_type=energy_type,
                period_start=dt.date(year, first_month, 1),
                period_end=_month_end(year, first_month + step - 1),
                quantity=quantity,
                unit=unit,
                meter_reference=meter,
                evidence_note=f"{issuer} {period}",
                certificates_kwh=quantity if certificates else None,
                supplier_factor=supplier_factor,
                estimated=(site, year, index + 1) in ESTIMATED,
                technology="solar_pv" if energy_type == "onsite_renewable" else "",
                instrument="certificates" if certificates else "",
            )
        )
    return rows


def _energy(rng: random.Random) -> dict[int, tuple[EnergyRow, ...]]:
    by_year: dict[int, tuple[EnergyRow, ...]] = {}
    for year in YEARS:
        rows = _bills(
            rng,
            year=year,
            site=GENEVA,
            energy_type="electricity",
            unit="kwh",
            total=GENEVA_ELECTRICITY_KWH[year],
            profile=ELECTRICITY_PROFILE,
            parts=12,
            certificates=year >= GENEVA_CERTIFICATES_FROM,
        )
        if year in GENEVA_GAS_KWH:
            rows += _bills(
                rng,
                year=year,
                site=GENEVA,
                energy_type="natural_gas",
                unit="kwh_gross_cv",
                total=GENEVA_GAS_KWH[year],
                profile=HEATING_PROFILE,
                parts=12,
            )
        if year in GENEVA_DISTRICT_HEAT_KWH:
            rows += _bills(
                rng,
                year=year,
                site=GENEVA,
                energy_type="district_heating",
                unit="kwh",
                total=GENEVA_DISTRICT_HEAT_KWH[year],
                profile=HEATING_PROFILE,
                parts=12,
                supplier_factor=DISTRICT_HEAT_CODE,
            )
        if year in GENEVA_SOLAR_KWH:
            rows += _bills(
                rng,
                year=year,
                site=GENEVA,
                energy_type="onsite_renewable",
                unit="kwh",
                total=GENEVA_SOLAR_KWH[year],
                profile=COOLING_PROFILE,
                parts=4,
            )
        occupancy = OCCUPANCY[year]
        for site in (NAIROBI, BANGKOK, PANAMA, NEW_YORK):
            rows += _bills(
                rng,
                year=year,
                site=site,
                energy_type="electricity",
                unit="kwh",
                total=REGIONAL_ELECTRICITY_KWH[site] * occupancy,
                profile=COOLING_PROFILE if site != NEW_YORK else ELECTRICITY_PROFILE,
                parts=4,
            )
        rows += _bills(
            rng,
            year=year,
            site=NAIROBI,
            energy_type="diesel",
            unit="litre",
            total=NAIROBI_GENERATOR_LITRES * occupancy,
            profile=COOLING_PROFILE,
            parts=4,
        )
        if year >= NAIROBI_SOLAR_FROM:
            rows += _bills(
                rng,
                year=year,
                site=NAIROBI,
                energy_type="onsite_renewable",
                unit="kwh",
                total=NAIROBI_SOLAR_KWH,
                profile=COOLING_PROFILE,
                parts=4,
            )
        rows += _bills(
            rng,
            year=year,
            site=NEW_YORK,
            energy_type="natural_gas",
            unit="kwh_gross_cv",
            total=NEW_YORK_GAS_KWH * occupancy,
            profile=HEATING_PROFILE,
            parts=4,
        )
        by_year[year] = tuple(rows)
    return by_year


# --- refrigerants and fleet -------------------------------------------------------------------

#: (site, date, gas, kg, equipment): what the maintenance contractors reported adding
REFRIGERANTS = (
    (BANGKOK, dt.date(2010, 5, 12), "r22", "4.0", "split units, 3rd floor"),
    (GENEVA, dt.date(2010, 9, 3), "r134a", "3.0", "server room chiller"),
    (BANGKOK, dt.date(2018, 4, 18), "r410a", "3.5", "split units, 3rd floor"),
    (GENEVA, dt.date(2018, 7, 9), "r134a", "2.0", "server room chiller"),
    (BANGKOK, dt.date(2019, 5, 6), "r410a", "4.0", "split units, 3rd floor"),
    (NAIROBI, dt.date(2019, 10, 21), "r410a", "1.5", "conference block cooling"),
    (GENEVA, dt.date(2020, 8, 14), "r134a", "3.0", "server room chiller"),
    (BANGKOK, dt.date(2021, 4, 27), "r410a", "3.0", "split units, 3rd floor"),
    (BANGKOK, dt.date(2022, 5, 16), "r410a", "2.5", "split units, 3rd floor"),
    (NAIROBI, dt.date(2022, 11, 2), "r407c", "2.0", "conference block cooling"),
    (BANGKOK, dt.date(2023, 3, 22), "r410a", "4.5", "split units, 3rd floor"),
    (GENEVA, dt.date(2023, 7, 4), "r134a", "2.0", "server room chiller"),
    (BANGKOK, dt.date(2023, 9, 12), "r410a", "3.5", "split units, 3rd floor"),
    (BANGKOK, dt.date(2024, 4, 9), "r410a", "2.0", "split units, 3rd floor"),
    (GENEVA, dt.date(2024, 8, 20), "r134a", "1.5", "server room chiller"),
    (BANGKOK, dt.date(2025, 6, 3), "r32", "1.2", "new split units, 3rd floor"),
    (NEW_YORK, dt.date(2025, 7, 15), "r410a", "1.0", "rooftop unit"),
)
#: litres (or km) a year: Geneva's pool cars (one electric from 2023), Nairobi's four-wheel
#: drives (quarterly fuel cards), Bangkok's van, Panama's pick-up
GENEVA_DIESEL_LITRES = {
    2010: 3400,
    2018: 2700,
    2019: 2650,
    2020: 1500,
    2021: 1900,
    2022: 2300,
    2023: 1250,
    2024: 1200,
    2025: 1150,
}
GENEVA_ELECTRIC_KM = {2023: 8400, 2024: 9100, 2025: 9600}
NAIROBI_DIESEL_LITRES = {
    2010: 12_500,
    2018: 11_000,
    2019: 11_400,
    2020: 6_800,
    2021: 7_900,
    2022: 10_200,
    2023: 10_800,
    2024: 10_300,
    2025: 9_900,
}
BANGKOK_PETROL_LITRES = 2300
PANAMA_DIESEL_LITRES = 1600


def _fleet(rng: random.Random) -> tuple[FleetRow, ...]:
    rows = []
    for year in YEARS:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        cars = "2 diesel pool cars" if year < 2023 else "diesel pool car"
        rows.append(
            FleetRow(GENEVA, cars, "diesel_litres", start, end, Decimal(GENEVA_DIESEL_LITRES[year]))
        )
        if year in GENEVA_ELECTRIC_KM:
            rows.append(
                FleetRow(
                    GENEVA,
                    "electric pool car",
                    "battery_electric_car_km",
                    start,
                    end,
                    Decimal(GENEVA_ELECTRIC_KM[year]),
                )
            )
        for quantity, quarter in zip(
            _split(rng, NAIROBI_DIESEL_LITRES[year], COOLING_PROFILE, 4), range(4), strict=True
        ):
            rows.append(
                FleetRow(
                    NAIROBI,
                    "4 four-wheel-drive vehicles",
                    "diesel_litres",
                    dt.date(year, quarter * 3 + 1, 1),
                    _month_end(year, quarter * 3 + 3),
                    quantity,
                )
            )
        occupancy = OCCUPANCY[year]
        rows.append(
            FleetRow(
                BANGKOK,
                "office van",
                "petrol_litres",
                start,
                end,
                Decimal(round(BANGKOK_PETROL_LITRES * occupancy * rng.uniform(0.95, 1.05))),
            )
        )
        rows.append(
            FleetRow(
                PANAMA,
                "pick-up",
                "diesel_litres",
                start,
                end,
                Decimal(round(PANAMA_DIESEL_LITRES * occupancy * rng.uniform(0.95, 1.05))),
            )
        )
    return tuple(rows)


# --- waste and water ---------------------------------------------------------------------------

#: each site's waste a year, tonnes (about 60 kg a person at headquarters), where its mixed
#: waste goes (Geneva burns it with energy recovery, the others landfill it), and whether its
#: food waste is composted (else it goes with the mixed waste)
WASTE_SITES = {
    GENEVA: (38.0, "incineration_energy_recovery", "anaerobic_digestion"),
    NAIROBI: (16.0, "landfill", "composting"),
    BANGKOK: (9.0, "landfill", ""),
    PANAMA: (6.0, "landfill", ""),
    NEW_YORK: (4.0, "landfill", "composting"),
}
#: the shares of each stream; mixed waste falls as sorting improves, year by year
WASTE_MIX_2018 = {
    "mixed": 0.52,
    "paper_card": 0.28,
    "food_organic": 0.10,
    "plastics": 0.05,
    "glass": 0.03,
    "metals": 0.02,
}
#: the share of the mixed waste moved to sorted streams each year after 2018
SORTING_GAIN = 0.015
#: e-waste collected once a year (fourth quarter), tonnes
E_WASTE_T = {GENEVA: 0.6, NAIROBI: 0.2}
#: each site's mains water a year, m³ (about 25 m³ a person, Geneva's cooling towers
#: included), and the wastewater's share
WATER_M3 = {GENEVA: 12_500, NAIROBI: 6_000, BANGKOK: 3_300, PANAMA: 2_000, NEW_YORK: 1_200}
WASTEWATER_SHARE = 0.9
#: Nairobi harvests rainwater from 2021 (its roof tanks), m³ a year
NAIROBI_RAINWATER_M3 = 1_400
NAIROBI_RAINWATER_FROM = 2021


def _quarters(year: int) -> list[tuple[int, dt.date, dt.date]]:
    return [(q, dt.date(year, q * 3 - 2, 1), _month_end(year, q * 3)) for q in range(1, 5)]


def _waste(rng: random.Random) -> dict[int, tuple[WasteRow, ...]]:
    """Quarterly waste reports of every site and year: mostly mixed waste and paper, paper and
    the sorted streams recycled, food composted or digested where the site can."""
    by_year: dict[int, tuple[WasteRow, ...]] = {}
    for year in YEARS:
        sorted_more = SORTING_GAIN * max(0, year - 2018)
        mix = dict(WASTE_MIX_2018)
        mix["mixed"] -= sorted_more
        mix["paper_card"] += sorted_more * 0.6
        mix["plastics"] += sorted_more * 0.4
        rows = []
        for site, (tonnes, disposal, food) in WASTE_SITES.items():
            for quarter, start, end in _quarters(year):
                reference = f"WTN-{site[:3].upper()}-{year}-Q{quarter}"
                quarter_t = tonnes * OCCUPANCY[year] / 4
                for stream, share in mix.items():
                    treatment = "recycling"
                    if stream == "mixed":
                        treatment = disposal
                    elif stream == "food_organic":
                        treatment = food or disposal
                    amount = Decimal(str(round(quarter_t * share * rng.uniform(0.9, 1.1), 2)))
                    rows.append(WasteRow(site, start, end, stream, treatment, amount, reference))
                if quarter == 4 and site in E_WASTE_T:
                    rows.append(
                        WasteRow(
                            site,
                            start,
                            end,
                            "e_waste",
                            "recycling",
                            Decimal(str(E_WASTE_T[site])),
                            reference,
                            estimated=True,
                        )
                    )
        by_year[year] = tuple(rows)
    return by_year


def _water(rng: random.Random) -> dict[int, tuple[WaterRow, ...]]:
    """Quarterly water bills of every site and year (mains water and its wastewater), and
    Nairobi's rainwater."""
    by_year: dict[int, tuple[WaterRow, ...]] = {}
    for year in YEARS:
        rows = []
        for site, yearly in WATER_M3.items():
            for quarter, start, end in _quarters(year):
                supply = round(yearly * OCCUPANCY[year] / 4 * rng.uniform(0.92, 1.08))
                rows.append(
                    WaterRow(
                        site,
                        start,
                        end,
                        "mains",
                        Decimal(supply),
                        Decimal(round(supply * WASTEWATER_SHARE)),
                        f"W-{site[:3].upper()}-{year}-Q{quarter}",
                    )
                )
                if site == NAIROBI and year >= NAIROBI_RAINWATER_FROM:
                    rain = round(NAIROBI_RAINWATER_M3 / 4 * rng.uniform(0.5, 1.5))
                    rows.append(
                        WaterRow(
                            site,
                            start,
                            end,
                            "rain",
                            Decimal(rain),
                            None,
                            f"RW-NAI-{year}-Q{quarter}",
                        )
                    )
        by_year[year] = tuple(rows)
    return by_year


def waste_csv(rows: Sequence[WasteRow]) -> bytes:
    """A waste contractor's report of ``rows``."""
    return _csv(
        ("Site", "From", "To", "Waste stream", "Treatment", "Tonnes", "Estimated", "Reference"),
        [
            (
                row.site,
                row.period_start.isoformat(),
                row.period_end.isoformat(),
                row.stream,
                row.treatment,
                row.tonnes,
                "yes" if row.estimated else "no",
                row.reference,
            )
            for row in rows
        ],
    )


def water_csv(rows: Sequence[WaterRow]) -> bytes:
    """The water bills of ``rows``."""
    return _csv(
        ("Site", "From", "To", "Source", "Supply m3", "Wastewater m3", "Reference"),
        [
            (
                row.site,
                row.period_start.isoformat(),
                row.period_end.isoformat(),
                row.supply_source,
                row.supply_m3,
                "" if row.wastewater_m3 is None else row.wastewater_m3,
                row.reference,
            )
            for row in rows
        ],
    )


# --- procurement -------------------------------------------------------------------------------

#: the demo's own spending category (the defaults cover the rest): name, 2017 NAICS code
EXTRA_CATEGORIES = (("Conferences and events", "561920"),)
#: category, weight, smallest and largest amount in US dollars, suppliers
SPENDING = (
    ("IT equipment (computers)", 8, 800, 60_000, ("Alpine Systems SA", "Lakeside Computers")),
    ("Computer peripherals and printers", 4, 300, 15_000, ("Bureau Tech Sàrl",)),
    ("Software", 5, 1_000, 80_000, ("Northwind Software", "Contoso Licensing")),
    ("IT services", 5, 5_000, 150_000, ("Helvetic IT Services", "Savanna Digital Ltd")),
    ("Cloud and hosting", 4, 2_000, 90_000, ("Nimbus Cloud", "Contoso Cloud")),
    ("Telecoms (mobile)", 4, 1_000, 20_000, ("Mobile Telecom Co.",)),
    ("Consulting", 10, 5_000, 180_000, ("Greenleaf Consulting", "Meridian Advisory")),
    ("Translation and interpretation", 6, 1_000, 40_000, ("Polyglot Services",)),
    ("Printing", 5, 500, 25_000, ("Imprimerie du Lac", "Quick Print Ltd")),
    ("Catering", 6, 500, 30_000, ("Le Bon Repas", "Savanna Catering")),
    ("Cleaning", 3, 3_000, 40_000, ("Clean & Co",)),
    ("Security services", 3, 5_000, 60_000, ("Secure Guard Ltd",)),
    ("Furniture", 3, 1_000, 50_000, ("Office Interiors SA",)),
    ("Courier and express delivery", 3, 200, 8_000, ("Swift Courier",)),
    ("Conferences and events", 5, 5_000, 120_000, ("Palais Events", "Congress Partners")),
    ("Stationery and office supplies", 4, 200, 6_000, ("Papeterie Centrale",)),
)
#: where purchases are made, with their currencies (weights)
BUYERS = (
    (GENEVA, 70, (("CHF", 85), ("EUR", 15))),
    (NAIROBI, 12, (("KES", 80), ("USD", 20))),
    (BANGKOK, 8, (("THB", 100),)),
    (PANAMA, 5, (("USD", 100),)),
    (NEW_YORK, 5, (("USD", 100),)),
)
PURCHASES_PER_YEAR = {
    2010: 90,
    2018: 120,
    2019: 125,
    2020: 100,
    2021: 110,
    2022: 130,
    2023: 140,
    2024: 140,
    2025: 135,
}
PAPER_ORDERS_PER_YEAR = 6


def _pick(rng: random.Random, choices: Sequence[tuple[str, float]]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _day(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _purchases(rng: random.Random) -> dict[int, tuple[PurchaseRow, ...]]:
    departments = [(code, weight) for code, _name, weight in DEPARTMENTS]
    by_year: dict[int, tuple[PurchaseRow, ...]] = {}
    for year in YEARS:
        rows: list[PurchaseRow] = []
        for _ in range(PURCHASES_PER_YEAR[year]):
            category, _weight, low, high, suppliers = rng.choices(
                SPENDING, weights=[item[1] for item in SPENDING]
            )[0]
            site, _weight, currencies = rng.choices(BUYERS, weights=[b[1] for b in BUYERS])[0]
            currency = _pick(rng, currencies)
            usd = low * (high / low) ** rng.random()  # log-uniform: many small, a few large
            rate = Decimal(EXCHANGE_RATES[currency][year]) if currency != "USD" else Decimal(1)
            amount = (Decimal(str(round(usd, 2))) * rate).quantize(Decimal("0.01"))
            rows.append(
                PurchaseRow(
                    reference=f"PO-{year}-{len(rows) + 1:05d}",
                    purchased_on=_day(rng, year),
                    category=category,
                    supplier=rng.choice(suppliers),
                    description=f"{category} for the {site.split(' ', 1)[0]} office",
                    site=site,
                    department=_pick(rng, departments),
                    amount=amount,
                    currency=currency,
                )
            )
        paper = "Recycled paper" if year >= 2019 else "Paper"
        tenths = 6 if year >= 2020 else 10  # less printing since the pandemic
        for _ in range(PAPER_ORDERS_PER_YEAR):
            rows.append(
                PurchaseRow(
                    reference=f"PO-{year}-{len(rows) + 1:05d}",
                    purchased_on=_day(rng, year),
                    category=paper,
                    supplier="Papeterie Centrale",
                    description="A4 copy paper, pallets",
                    site=GENEVA,
                    department="CSD",
                    quantity=Decimal(rng.randrange(200, 1500, 50) * tenths // 10),
                    unit="kg",
                )
            )
        by_year[year] = tuple(sorted(rows, key=lambda row: (row.purchased_on, row.reference)))
    return by_year


# --- travellers -------------------------------------------------------------------------------

GIVEN_NAMES = (  # noqa: SIM905 (names read better as one text)
    "Amina Ana Aroha Beatriz Carlos Chen Daniel Dmitri Elena Fatima Grace Hana Hugo Ines Ivan "
    "Jamal Jana Jonas Kofi Lars Laura Leila Li Lucas Maria Mateo Mei Miguel Nadia Nikhil Nora "
    "Olga Omar Paolo Priya Rahul Rosa Sami Sara Sofia Tariq Thandi Tomas Wanjiru Yuki Zainab"
).split()
FAMILY_NAMES = (  # noqa: SIM905 (names read better as one text)
    "Abebe Achieng Ahmed Alvarez Andersen Banda Bauer Bianchi Castro Chowdhury Costa Dubois "
    "Eriksson Fernandes Fischer Garcia Haddad Hoffmann Ibrahim Ito Jensen Kamau Kariuki Khan "
    "Kim Kowalski Laurent Lopez Martin Mensah Meyer Moreau Mwangi Nakamura Nguyen Novak Odhiambo "
    "Okafor Olsen Otieno Perez Petrov Rossi Sato Schmid Silva Singh Suzuki Tanaka Tesfaye Wang "
    "Weber Yilmaz Zhang"
).split()


def _travellers(rng: random.Random, count: int) -> tuple[tuple[str, str], ...]:
    """``count`` staff who travel: "Family, Given" and their department code."""
    departments = [(code, weight) for code, _name, weight in DEPARTMENTS]
    people: list[tuple[str, str]] = []
    names: set[str] = set()
    while len(people) < count:
        name = f"{rng.choice(FAMILY_NAMES)}, {rng.choice(GIVEN_NAMES)}"
        if name not in names:
            names.add(name)
            people.append((name, _pick(rng, departments)))
    return tuple(people)


# --- rail and hotels --------------------------------------------------------------------------

#: journeys from Geneva by train: destination, mode, km, hotel country (None: a day trip), weight
RAIL_ROUTES = (
    ("Bern", "rail", "159", "CH", 5),
    ("Zurich", "rail", "277", "CH", 4),
    ("Lausanne", "rail", "60", None, 3),
    ("Basel", "rail", "248", "CH", 2),
    ("Lyon", "international_rail", "190", "FR", 2),
    ("Paris", "international_rail", "540", "FR", 4),
    ("Milan", "international_rail", "380", "IT", 1),
)
RAIL_TRIPS = {
    2010: 18,
    2018: 28,
    2019: 32,
    2020: 9,
    2021: 14,
    2022: 36,
    2023: 42,
    2024: 50,
    2025: 75,
}
#: hotel nights booked by the travel desk for missions: country, weight
HOTEL_COUNTRIES = (
    ("US", 6),
    ("BE", 3),
    ("FR", 3),
    ("GB", 2),
    ("IT", 2),
    ("TH", 2),
    ("IN", 2),
    ("KE", 3),
    ("ET", 2),
    ("JP", 1),
    ("CN", 1),
    ("ZA", 1),
    ("BR", 1),
    ("CO", 1),
    ("MX", 1),
    ("AE", 1),
)
HOTEL_TRIPS = {
    2010: 20,
    2018: 35,
    2019: 40,
    2020: 10,
    2021: 15,
    2022: 35,
    2023: 45,
    2024: 45,
    2025: 40,
}
PURPOSES = (
    "Conference",
    "Meeting of the parties",
    "Project mission",
    "Donor meeting",
    "Workshop",
    "Training",
    "Negotiation session",
    "Field visit",
)


def _ground_trips(
    rng: random.Random, travellers: Sequence[tuple[str, str]]
) -> tuple[GroundTrip, ...]:
    trips = []
    routes = [(route, route[4]) for route in RAIL_ROUTES]
    for year in YEARS:
        for number in range(1, RAIL_TRIPS[year] + 1):
            (place, mode, km, country, _w) = rng.choices(
                [r for r, _w in routes], weights=[w for _r, w in routes]
            )[0]
            traveller, department = rng.choice(travellers)
            out = dt.date(year, 1, 2) + dt.timedelta(days=rng.randrange(355))
            nights = 0 if country is None else rng.choice((0, 1, 1, 2))
            back = out + dt.timedelta(days=nights)
            trips.append(
                GroundTrip(
                    reference=f"RAIL-{year}-{number:04d}",
                    traveller=traveller,
                    department=department,
                    purpose=rng.choice(PURPOSES),
                    journeys=(
                        Journey(mode, out, "Geneva", place, Decimal(km)),
                        Journey(mode, back, place, "Geneva", Decimal(km)),
                    ),
                    stays=(Stay(country, out, nights),) if country and nights else (),
                )
            )
        for number in range(1, HOTEL_TRIPS[year] + 1):
            traveller, department = rng.choice(travellers)
            trips.append(
                GroundTrip(
                    reference=f"HTL-{year}-{number:04d}",
                    traveller=traveller,
                    department=department,
                    purpose=rng.choice(PURPOSES),
                    stays=(
                        Stay(
                            _pick(rng, HOTEL_COUNTRIES),
                            dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(355)),
                            rng.randint(2, 6),
                        ),
                    ),
                )
            )
    return tuple(trips)


# --- flights ----------------------------------------------------------------------------------

#: where the organisation's travellers fly from: the airport of each office, its share of the
#: bookings and how many of its staff travel
OFFICES = (("GVA", 70, 320), ("NBO", 10, 50), ("BKK", 8, 40), ("PTY", 6, 30), ("JFK", 6, 25))
#: destinations of each office (UN duty stations, capitals, conference cities) with weights
DESTINATIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "GVA": (
        ("JFK", 8),
        ("IAD", 3),
        ("BRU", 8),
        ("CDG", 7),
        ("LHR", 6),
        ("FCO", 5),
        ("VIE", 5),
        ("NBO", 9),
        ("ADD", 5),
        ("JNB", 2),
        ("DXB", 3),
        ("DEL", 3),
        ("BKK", 4),
        ("NRT", 2),
        ("PEK", 3),
        ("GRU", 2),
        ("BOG", 2),
        ("MEX", 2),
        ("PTY", 3),
        ("DKR", 2),
        ("CAI", 2),
        ("AMM", 2),
        ("BER", 2),
        ("MAD", 2),
        ("CPH", 2),
        ("YUL", 2),
        ("SIN", 1),
        ("KGL", 1),
        ("ACC", 1),
        ("ZRH", 1.5),
        ("LYS", 0.6),
    ),
    "NBO": (
        ("ADD", 8),
        ("GVA", 8),
        ("JNB", 5),
        ("DAR", 4),
        ("EBB", 4),
        ("KGL", 4),
        ("JFK", 2),
        ("ACC", 2),
        ("CAI", 2),
        ("DXB", 2),
        ("LOS", 2),
    ),
    "BKK": (
        ("GVA", 5),
        ("NRT", 3),
        ("PEK", 4),
        ("DEL", 3),
        ("SIN", 4),
        ("KUL", 3),
        ("CGK", 3),
        ("MNL", 3),
        ("HAN", 3),
        ("ICN", 2),
        ("SYD", 1),
    ),
    "PTY": (
        ("GVA", 3),
        ("BOG", 5),
        ("MEX", 5),
        ("LIM", 3),
        ("SCL", 2),
        ("GRU", 3),
        ("SJO", 4),
        ("SDQ", 2),
        ("JFK", 3),
        ("IAD", 2),
    ),
    "JFK": (("GVA", 6), ("IAD", 4), ("YUL", 2), ("PTY", 2), ("NBO", 1), ("BRU", 2), ("LHR", 2)),
}
#: from 2025 the travel desk books rail instead of these flights from Geneva (a corrective
#: action): weight multipliers
RAIL_POLICY_FROM = 2025
RAIL_POLICY = {"ZRH": 0.0, "LYS": 0.0, "CDG": 0.4}
#: routes flown with a connection: (airport, airport) in alphabetical order → hub
CONNECTIONS = {
    ("BOG", "GVA"): "MAD",
    ("GVA", "PTY"): "MAD",
    ("GVA", "KGL"): "BRU",
    ("GVA", "JNB"): "ZRH",
    ("GVA", "SJO"): "MAD",
    ("BKK", "GVA"): "DXB",
    ("GVA", "LOS"): "CDG",
    ("NBO", "PTY"): "AMS",
}
#: when people fly, by month (weights)
MONTHS_NORMAL = (0.7, 1.0, 1.1, 1.0, 1.1, 1.1, 0.7, 0.4, 1.1, 1.2, 1.2, 0.8)
MONTHS = {
    2020: (1.0, 1.0, 0.45, 0.02, 0.02, 0.04, 0.08, 0.08, 0.15, 0.2, 0.12, 0.06),
    2021: (0.1, 0.1, 0.15, 0.15, 0.2, 0.3, 0.35, 0.25, 0.6, 0.8, 0.8, 0.5),
}
LONG_HAUL_KM = 3700
#: cabin of a booking by the length of its longest flight (weights); the demo's 2010 agency
#: data often lacks the class
CABINS_LONG = (("Economy", 70), ("Premium Economy", 8), ("Business", 19), ("First", 1), ("", 2))
CABINS_SHORT = (("Economy", 92), ("Business", 6), ("", 2))
UNKNOWN_CABIN_2010 = 0.08
#: candidate bookings generated per year (the loader uses as many as the year's total needs)
CANDIDATE_TRIPS = 4000


@functools.cache
def _km(origin: str, destination: str) -> Decimal:
    a, b = airports.find(origin), airports.find(destination)
    assert a is not None, origin  # noqa: S101 (the codes are the demo's own)
    assert b is not None, destination  # noqa: S101
    return airports.great_circle_km(a, b)


def _hops(origin: str, destination: str) -> list[tuple[str, str]]:
    """The flights between two airports: direct, or through the route's hub."""
    hub = CONNECTIONS.get((min(origin, destination), max(origin, destination)))
    return [(origin, hub), (hub, destination)] if hub else [(origin, destination)]


def _flight_trip(
    rng: random.Random,
    *,
    year: int,
    reference: str,
    office: str,
    traveller: tuple[str, str],
) -> FlightTrip:
    choices = list(DESTINATIONS[office])
    if office == "GVA" and year >= RAIL_POLICY_FROM:
        choices = [(code, weight * RAIL_POLICY.get(code, 1)) for code, weight in choices]
    first = _pick(rng, choices)
    kind = rng.random()
    stops = [office, first]
    if kind < 0.12:  # two places on one trip
        second = _pick(rng, [(c, w) for c, w in choices if c not in (office, first)])
        stops.append(second)
    if kind < 0.92:  # back home (else one way: a relocation, or back on another booking)
        stops.append(office)
    hops = [hop for a, b in itertools.pairwise(stops) for hop in _hops(a, b)]
    longest = max(_km(a, b) for a, b in hops)
    long_haul = longest >= LONG_HAUL_KM
    cabin = _pick(rng, CABINS_LONG if long_haul else CABINS_SHORT)
    if year == min(YEARS) and rng.random() < UNKNOWN_CABIN_2010:
        cabin = ""
    stay_days = rng.randint(3, 9) if long_haul else rng.randint(1, 4)
    #: days from the trip's first flight to the first flight of each part of the journey
    offsets = [0, stay_days, stay_days + rng.randint(2, 4)][: len(stops) - 1]
    last_day = offsets[-1] + len(_hops(stops[-2], stops[-1])) - 1
    month = rng.choices(range(1, 13), weights=MONTHS.get(year, MONTHS_NORMAL))[0]
    start = dt.date(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))
    start = min(start, dt.date(year, 12, 31) - dt.timedelta(days=last_day))  # within the year
    passengers = 2 if rng.random() < 0.03 else 1
    paid_by = "other" if rng.random() < 0.03 else "organisation"
    purpose = rng.choice(PURPOSES)
    name, department = traveller
    rows = []
    for offset, (a, b) in zip(offsets, itertools.pairwise(stops), strict=True):
        for hop_index, (origin, destination) in enumerate(_hops(a, b)):
            rows.append(
                FlightRow(
                    reference=reference,
                    traveller=name,
                    origin=origin,
                    destination=destination,
                    departure_on=start + dt.timedelta(days=offset + hop_index),
                    cabin_class=cabin,
                    passengers=passengers,
                    department=department,
                    purpose=purpose,
                    paid_by=paid_by,
                )
            )
    return tuple(rows)


def _flights(
    rng: random.Random, travellers: dict[str, tuple[tuple[str, str], ...]]
) -> dict[int, tuple[FlightTrip, ...]]:
    offices = [(code, weight) for code, weight, _people in OFFICES]
    by_year = {}
    for year in YEARS:
        trips = []
        for number in range(1, CANDIDATE_TRIPS + 1):
            office = _pick(rng, offices)
            trips.append(
                _flight_trip(
                    rng,
                    year=year,
                    reference=f"{year}-{office}-{number:05d}",
                    office=office,
                    traveller=rng.choice(travellers[office]),
                )
            )
        by_year[year] = tuple(trips)
    return by_year


# --- climate neutrality and environmental management -----------------------------------------

#: carbon credits retired (standard, project, project id, vintage, first and last serial, t,
#: retired on, year applied, evidence): CDM CERs of an invented project. 2022 (1,969 t) is
#: covered, 2023 (2,582 t) is not
CREDITS = (
    (
        "cdm_cer",
        "Demo Valley small hydro bundle (demo project)",
        "DEMO-9001",
        2021,
        "XX-5-100001001-1-1-0-9001",
        "XX-5-100003000-1-1-0-9001",
        2000,
        dt.date(2023, 5, 16),
        2022,
        "DEMO-RET-2023-0042 (demo retirement id, not a registry's)",
    ),
    (
        "cdm_cer",
        "Demo Valley small hydro bundle (demo project)",
        "DEMO-9001",
        2022,
        "XX-5-100003001-1-1-0-9001",
        "XX-5-100005000-1-1-0-9001",
        2000,
        dt.date(2024, 6, 4),
        2023,
        "DEMO-RET-2024-0107 (demo retirement id, not a registry's)",
    ),
)
#: the environmental policy, adopted with the start of the EMS
POLICY_ADOPTED_ON = dt.date(2019, 6, 12)
#: each year's EMS: its state, whether it covers every site (else headquarters only), and the
#: staff trained that year
MANAGEMENT = {
    2018: ("none", False, 0),
    2019: ("in_development", False, 24),
    2020: ("in_development", False, 40),
    2021: ("in_development", False, 65),
    2022: ("implemented", True, 180),
    2023: ("implemented", True, 210),
    2024: ("implemented", True, 150),
    2025: ("implemented", True, 160),
}


# --- everything ------------------------------------------------------------------------------


def generate(seed: int = SEED) -> DemoData:
    """Every record of the demo organisation; the same seed gives the same records."""
    rng = random.Random(seed)  # noqa: S311 (invented demo data, not security)
    travellers = {code: _travellers(rng, people) for code, _weight, people in OFFICES}
    return DemoData(
        energy=_energy(rng),
        refrigerants=tuple(
            RefrigerantRow(site, day, gas, Decimal(kg), equipment)
            for site, day, gas, kg, equipment in REFRIGERANTS
        ),
        fleet=_fleet(rng),
        purchases=_purchases(rng),
        ground_trips=_ground_trips(rng, travellers["GVA"]),
        flights=_flights(rng, travellers),
        # their own generators: the records above stay as they were before waste and water
        waste=_waste(random.Random(f"{seed}-waste")),  # noqa: S311 (invented demo data)
        water=_water(random.Random(f"{seed}-water")),  # noqa: S311 (invented demo data)
    )


# --- files -----------------------------------------------------------------------------------


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def agency_csv(trips: Sequence[FlightTrip]) -> bytes:
    """The travel agency's export of ``trips``: one row per flight, as agencies name columns."""
    return _csv(
        (
            "PNR",
            "Passenger Name",
            "From",
            "To",
            "Travel Date",
            "Class",
            "Pax",
            "Cost Center",
            "Trip Purpose",
            "Paid By",
        ),
        [
            (
                row.reference,
                row.traveller,
                row.origin,
                row.destination,
                row.departure_on.isoformat(),
                row.cabin_class,
                row.passengers,
                row.department,
                row.purpose,
                row.paid_by,
            )
            for trip in trips
            for row in trip
        ],
    )


def energy_csv(rows: Sequence[EnergyRow]) -> bytes:
    """Bills and meter readings as the energy import reads them."""
    return _csv(
        (
            "site",
            "energy_type",
            "period_start",
            "period_end",
            "quantity",
            "unit",
            "certificates_kwh",
            "supplier_factor",
            "meter_reference",
            "evidence_note",
            "estimated",
            "technology",
            "instrument",
            "meets_quality_criteria",
        ),
        [
            (
                row.site,
                row.energy_type,
                row.period_start.isoformat(),
                row.period_end.isoformat(),
                row.quantity,
                row.unit,
                "" if row.certificates_kwh is None else row.certificates_kwh,
                row.supplier_factor,
                row.meter_reference,
                row.evidence_note,
                "yes" if row.estimated else "no",
                row.technology,
                row.instrument,
                "yes" if row.instrument else "",
            )
            for row in rows
        ],
    )


def purchases_csv(rows: Sequence[PurchaseRow]) -> bytes:
    """The finance system's export of purchases."""
    return _csv(
        (
            "reference",
            "date",
            "category",
            "supplier",
            "description",
            "amount",
            "currency",
            "quantity",
            "unit",
            "site",
            "department",
        ),
        [
            (
                row.reference,
                row.purchased_on.isoformat(),
                row.category,
                row.supplier,
                row.description,
                "" if row.amount is None else row.amount,
                row.currency,
                "" if row.quantity is None else row.quantity,
                row.unit,
                row.site,
                row.department,
            )
            for row in rows
        ],
    )
