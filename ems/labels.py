"""What people read for each code the application stores: one place, marked for translation.

Machines read codes (``international_non_uk``, ``premium_economy``, ``kwh_gross_cv``); people
read labels ("International, to/from non-UK", "Premium economy", "kWh (gross CV)"). Every page,
the PDF report, the exports meant for people and the edit-conflict messages take their labels
from here (``label(kind, code)``, or the ``label`` filter and global in templates).

The tables are keyed by the code's text, so that an enum member (a ``StrEnum``) finds its label
as well as its value does; this module imports no feature, so every feature may import it.
``RAW_CODES`` lists the codes that must never reach a person as they are (a test walks the demo's
pages, report and exports against it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: a label as stored here: translated when it is turned into text
Label = Any

HAULS: dict[str, Label] = {
    "domestic": _l("Domestic"),
    "short_haul": _l("Short haul"),
    "long_haul": _l("Long haul"),
    "international_non_uk": _l("International, to/from non-UK"),
}

CABIN_CLASSES: dict[str, Label] = {
    "economy": _l("Economy"),
    "premium_economy": _l("Premium economy"),
    "business": _l("Business"),
    "first": _l("First"),
    "unknown": _l("Unknown"),
    "average": _l("Average passenger"),
}

SOURCES: dict[str, Label] = {
    "air_travel": _l("Air travel"),
    "other_travel": _l("Rail, road and other travel"),
    "hotels": _l("Hotel nights"),
    "electricity": _l("Electricity"),
    "heat_fuels": _l("Heating and fuels"),
    "refrigerants": _l("Refrigerants"),
    "fleet": _l("Fleet"),
    "procurement": _l("Procurement"),
    "water_waste": _l("Water and waste"),
}

SCOPES: dict[str, Label] = {
    "1": _l("Scope 1"),
    "2": _l("Scope 2"),
    "3": _l("Scope 3"),
}

#: the scopes as the report explains them
SCOPE_DESCRIPTIONS: dict[str, Label] = {
    "1": _l("Scope 1 — direct (fuels, fleet, refrigerants)"),
    "2": _l("Scope 2 — purchased electricity, heat and cooling"),
    "3": _l("Scope 3 — other indirect"),
}

#: the GHG Protocol's fifteen scope 3 categories
SCOPE3_CATEGORIES: dict[str, Label] = {
    "1": _l("Purchased goods and services"),
    "2": _l("Capital goods"),
    "3": _l("Fuel- and energy-related activities"),
    "4": _l("Upstream transportation and distribution"),
    "5": _l("Waste generated in operations"),
    "6": _l("Business travel"),
    "7": _l("Employee commuting"),
    "8": _l("Upstream leased assets"),
    "9": _l("Downstream transportation and distribution"),
    "10": _l("Processing of sold products"),
    "11": _l("Use of sold products"),
    "12": _l("End-of-life treatment of sold products"),
    "13": _l("Downstream leased assets"),
    "14": _l("Franchises"),
    "15": _l("Investments"),
}

BOUNDARIES: dict[str, Label] = {
    "gtb": _l("Greening the Blue (scopes 1 and 2, business travel)"),
    "full": _l("Full (everything recorded)"),
}

#: the boundaries in a table's header or a chart's legend
BOUNDARIES_SHORT: dict[str, Label] = {
    "gtb": _l("Greening the Blue"),
    "full": _l("Full boundary"),
}

BASES: dict[str, Label] = {
    "with_rf": _l("with RF"),
    "without_rf": _l("without RF"),
    "location": _l("location-based"),
    "market": _l("market-based"),
    "icao": _l("ICAO calculator"),
    "outside": _l("outside the scopes"),
}

NONCONFORMITY_STATUSES: dict[str, Label] = {
    "open": _l("Open"),
    "analysed": _l("Analysed"),
    "actions_planned": _l("Actions planned"),
    "verifying": _l("Verifying effectiveness"),
    "closed_effective": _l("Closed, effective"),
    "closed_not_effective": _l("Closed, not effective"),
}

ACTION_STATUSES: dict[str, Label] = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
}

ORIGINS: dict[str, Label] = {
    "off_track_year": _l("Off-track year"),
    "threshold_breach": _l("Threshold breach"),
    "audit_finding": _l("Audit finding"),
    "management_review": _l("Management review"),
    "data_quality": _l("Data-quality finding"),
    "other": _l("Other"),
}

SEVERITIES: dict[str, Label] = {
    "minor": _l("Minor"),
    "major": _l("Major"),
}

VERDICTS: dict[str, Label] = {
    "effective": _l("Effective"),
    "not_effective": _l("Not effective"),
}

IMPORT_STATUSES: dict[str, Label] = {
    "mapping": _l("Waiting for its columns to be mapped"),
    "checked": _l("Checked, not imported yet"),
    "imported": _l("Imported"),
}

#: how ems matched a file's column to a field (see ems.imports.mapping.propose)
MAPPING_MATCHES: dict[str, Label] = {
    "synonym": _l("recognised by its header"),
    "close": _l("by a similar header: check it"),
    "pattern": _l("recognised by its values"),
}

IMPORT_KINDS: dict[str, Label] = {
    "travel": _l("Travel"),
    "energy": _l("Energy"),
    "procurement": _l("Procurement"),
    "waste": _l("Waste"),
    "water": _l("Water"),
}

REPORT_STATUSES: dict[str, Label] = {
    "draft": _l("Draft — not issued"),
    "issued": _l("Issued"),
}

TOKEN_STATUSES: dict[str, Label] = {
    "active": _l("Active"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
}

REPORTED_KINDS: dict[str, Label] = {
    "reported": _l("As reported"),
    "restated": _l("Restated"),
}

#: units of factors, activity quantities and ledger lines (``ems.factors.keys.UNIT_CODES``)
UNITS: dict[str, Label] = {
    "passenger_km": _l("passenger-km"),
    "km": _l("km"),
    "mile": _l("miles"),
    "kwh": _l("kWh"),
    "mwh": _l("MWh"),
    "gj": _l("GJ"),
    "kwh_gross_cv": _l("kWh (gross CV)"),
    "kwh_net_cv": _l("kWh (net CV)"),
    "m3": _l("m³"),
    "litre": _l("litres"),
    "tonne": _l("tonnes"),
    "kg": _l("kg"),
    "room_night": _l("room-nights"),
    "usd": _l("USD"),
}
#: spend in US dollars of a price year: "usd_2021"
_USD_OF_YEAR = re.compile(r"usd_(\d{4})")

ENERGY_TYPES: dict[str, Label] = {
    "electricity": _l("Electricity"),
    "natural_gas": _l("Natural gas"),
    "heating_oil": _l("Heating oil — burning oil (kerosene)"),
    "gas_oil": _l("Gas oil (red diesel, generator fuel, continental heating oil)"),
    "fuel_oil": _l("Fuel oil (heavy fuel oil)"),
    "diesel": _l("Diesel — road diesel (average biofuel blend)"),
    "lpg": _l("LPG"),
    "district_heating": _l("District heating"),
    "district_cooling": _l("District cooling"),
    "onsite_renewable": _l("On-site renewable generation"),
}

#: how on-site electricity is generated (``EnergyRecord.technology``)
ONSITE_TECHNOLOGIES: dict[str, Label] = {
    "solar_pv": _l("Solar PV"),
    "wind": _l("Wind"),
    "hydro": _l("Hydro"),
    "biomass": _l("Biomass"),
    "geothermal": _l("Geothermal"),
    "other": _l("Other renewable"),
}

#: the contractual instrument of purchased electricity (``EnergyRecord.instrument``)
RENEWABLE_INSTRUMENTS: dict[str, Label] = {
    "none": _l("None"),
    "certificates": _l("Energy attribute certificates (GO, REGO, I-REC, REC)"),
    "green_tariff": _l("Green tariff or supplier contract"),
    "ppa": _l("Power purchase agreement (PPA)"),
}

FLEET_MEASURES: dict[str, Label] = {
    "diesel_litres": _l("Diesel (litres)"),
    "petrol_litres": _l("Petrol (litres)"),
    "lpg_litres": _l("LPG (litres)"),
    "diesel_car_km": _l("Diesel car (km)"),
    "petrol_car_km": _l("Petrol car (km)"),
    "hybrid_car_km": _l("Hybrid car (km)"),
    "plug_in_hybrid_car_km": _l("Plug-in hybrid car (km)"),
    "battery_electric_car_km": _l("Battery electric car (km)"),
    "car_km": _l("Car, fuel unknown (km)"),
}

WASTE_STREAMS: dict[str, Label] = {
    "mixed": _l("Mixed (general) waste"),
    "paper_card": _l("Paper and card"),
    "plastics": _l("Plastics"),
    "glass": _l("Glass"),
    "metals": _l("Metals"),
    "food_organic": _l("Food and organic"),
    "e_waste": _l("Electrical and electronic (e-waste)"),
    "hazardous": _l("Hazardous"),
}

WASTE_TREATMENTS: dict[str, Label] = {
    "landfill": _l("Landfill"),
    "recycling": _l("Recycling"),
    "composting": _l("Composting"),
    "anaerobic_digestion": _l("Anaerobic digestion"),
    "incineration_energy_recovery": _l("Incineration with energy recovery"),
    "incineration_no_recovery": _l("Incineration without energy recovery"),
}

WATER_SOURCES: dict[str, Label] = {
    "mains": _l("Mains (public supply)"),
    "ground": _l("Groundwater (own well)"),
    "rain": _l("Rainwater"),
    "recycled": _l("Recycled (grey) water"),
}

GROUND_MODES: dict[str, Label] = {
    "rail": _l("Rail"),
    "international_rail": _l("International rail"),
    "bus": _l("Bus"),
    "coach": _l("Coach"),
    "taxi": _l("Taxi"),
    "car": _l("Car (km driven)"),
}

PAID_BY: dict[str, Label] = {
    "organisation": _l("The organisation (in the inventory)"),
    "other": _l("Others (not in the inventory)"),
}

TRIP_SOURCES: dict[str, Label] = {
    "manual": _l("Entered by hand"),
    "import": _l("Imported"),
    "api": _l("Booking tool (API)"),
}

#: what produced a ledger line (``EmissionLine.activity_type``)
ACTIVITY_TYPES: dict[str, Label] = {
    "trip": _l("Trip"),
    "energy_record": _l("Energy record"),
    "refrigerant_top_up": _l("Refrigerant top-up"),
    "fleet_record": _l("Fleet record"),
    "purchase": _l("Purchase"),
    "waste_record": _l("Waste record"),
    "water_record": _l("Water record"),
}

#: which part of an activity a ledger line is for (``EmissionLine.item``); numbered items
#: ("leg 2") are read by ``line_item``
LINE_ITEMS: dict[str, Label] = {
    "electricity": _l("Electricity"),
    "fuel": _l("Fuel"),
    "heat": _l("Heat"),
    "td_losses": _l("Transmission and distribution losses"),
    "leak": _l("Refrigerant leak"),
    "fleet": _l("Fleet"),
    "purchase": _l("Purchase"),
    "waste": _l("Waste"),
    "supply": _l("Water supply"),
    "wastewater": _l("Wastewater treatment"),
}
_NUMBERED_ITEM = re.compile(r"(leg|journey|stay) (\d+)")

#: how a line's factor was chosen (``EmissionLine.factor_selection``)
FACTOR_SELECTIONS: dict[str, Label] = {
    "edition_year": _l("Edition of the activity's year"),
    "nearest_edition": _l("Nearest edition (fallback)"),
    "average": _l("Mean of the published places (fallback)"),
    "proxy": _l("Another place's factor, as the organisation chose (fallback)"),
    "pinned": _l("Pinned set"),
    "supplier": _l("Supplier's factor"),
    "organisation_setting": _l("Organisation setting"),
}

#: how a line was computed (``EmissionLine.method``)
METHODS: dict[str, Label] = {
    "desnz_air_gcd": _l("Flight: great-circle distance × DESNZ factor"),
    "desnz_rail": _l("Rail: distance × DESNZ factor"),
    "desnz_international_rail": _l("International rail: distance × DESNZ factor"),
    "desnz_bus": _l("Bus: distance × DESNZ factor"),
    "desnz_coach": _l("Coach: distance × DESNZ factor"),
    "desnz_taxi": _l("Taxi: distance × DESNZ factor"),
    "desnz_car": _l("Car: distance × DESNZ factor"),
    "desnz_hotel_room_night": _l("Hotel: room-nights × DESNZ factor"),
    "desnz_fuel": _l("Fuel: quantity × DESNZ factor"),
    "desnz_fuels": _l("Fuel: quantity × DESNZ factor"),
    "desnz_td_losses": _l("Transmission and distribution losses × DESNZ factor"),
    "supplier_factor": _l("Supplier's factor"),
    "scope2_location": _l("Electricity, location-based: grid average"),
    "scope2_market": _l("Electricity, market-based: supplier or certificates"),
    "scope2_market_residual_mix": _l("Electricity, market-based: residual mix"),
    "scope2_market_grid_average": _l(
        "Electricity, market-based: grid average (no residual mix imported)"
    ),
    "mass_times_gwp": _l("kg × global warming potential"),
    "spend_based": _l("Spend-based: spend × supply-chain factor"),
    "material_factor": _l("Material: quantity × DESNZ factor"),
    "desnz_waste": _l("Waste: tonnes × DESNZ waste factor"),
    "desnz_water": _l("Water: m³ × DESNZ water factor"),
    "icao": _l("ICAO calculator"),
}

HAUL_METHODS: dict[str, Label] = {
    "desnz": _l("DESNZ haul definitions of each flight's year"),
    "distance_bands": _l("Distance bands (UK domestic, under 3,700 km, longer)"),
}

HOTEL_FALLBACKS: dict[str, Label] = {
    "world": _l("Mean of every published country"),
    "region": _l("Mean of the published countries of the region"),
    "country": _l("A chosen country's factor"),
}

GTB_AIR_METHODS: dict[str, Label] = {
    "desnz": _l("DESNZ without RF"),
    "icao": _l("ICAO where present, DESNZ without RF for the others"),
}

BASELINE_ORIGINS: dict[str, Label] = {
    "computed": _l("computed from the records"),
    "declared": _l("declared"),
}

GWP_EDITIONS: dict[str, Label] = {
    "ar4": _l("AR4 (IPCC Fourth Assessment Report)"),
    "ar5": _l("AR5 (IPCC Fifth Assessment Report)"),
    "ar6": _l("AR6 (IPCC Sixth Assessment Report)"),
}

FACTOR_FAMILIES: dict[str, Label] = {
    "desnz_air": _l("DESNZ air passenger factors"),
    "desnz_haul": _l("DESNZ haul definitions"),
    "desnz_other": _l("DESNZ fuels, travel, hotels and materials"),
    "electricitymaps_grid": _l("Electricity Maps grid averages"),
    "ems_hotel_average": _l("Hotel stays: mean of the DESNZ countries (derived by ems)"),
    "ember_grid": _l("Ember grid averages"),
    "epa_supply_chain": _l("US EPA supply-chain factors"),
    "ipcc_gwp": _l("IPCC global warming potentials"),
}

CREDIT_STANDARDS: dict[str, Label] = {
    "cdm_cer": _l("CDM Certified Emission Reductions (CERs)"),
    "gold_standard_ver": _l("Gold Standard Verified Emission Reductions (VERs)"),
    "verra_vcu": _l("Verra Verified Carbon Standard (VCUs)"),
    "american_carbon_registry": _l("American Carbon Registry"),
    "climate_action_reserve": _l("Climate Action Reserve"),
    "plan_vivo": _l("Plan Vivo"),
    "other": _l("Other standard"),
}

#: the state of the environmental management system, as the UN inventory asks it
EMS_STATUSES: dict[str, Label] = {
    "none": _l("None"),
    "in_development": _l("In development"),
    "implemented": _l("Implemented"),
    "certified_iso14001": _l("Certified to ISO 14001"),
}

ROLES: dict[str, Label] = {
    "travel": _l("Travel staff"),
    "ems": _l("EMS working group"),
    "management": _l("Management"),
    "admin": _l("Administrator"),
}

#: every table, by the kind a caller names
KINDS: dict[str, Mapping[str, Label]] = {
    "haul": HAULS,
    "cabin_class": CABIN_CLASSES,
    "source": SOURCES,
    "scope": SCOPES,
    "scope_description": SCOPE_DESCRIPTIONS,
    "scope3_category": SCOPE3_CATEGORIES,
    "boundary": BOUNDARIES,
    "boundary_short": BOUNDARIES_SHORT,
    "basis": BASES,
    "nonconformity_status": NONCONFORMITY_STATUSES,
    "action_status": ACTION_STATUSES,
    "origin": ORIGINS,
    "severity": SEVERITIES,
    "verdict": VERDICTS,
    "import_status": IMPORT_STATUSES,
    "mapping_match": MAPPING_MATCHES,
    "import_kind": IMPORT_KINDS,
    "report_status": REPORT_STATUSES,
    "token_status": TOKEN_STATUSES,
    "reported_kind": REPORTED_KINDS,
    "unit": UNITS,
    "energy_type": ENERGY_TYPES,
    "onsite_technology": ONSITE_TECHNOLOGIES,
    "renewable_instrument": RENEWABLE_INSTRUMENTS,
    "fleet_measure": FLEET_MEASURES,
    "waste_stream": WASTE_STREAMS,
    "waste_treatment": WASTE_TREATMENTS,
    "water_source": WATER_SOURCES,
    "ground_mode": GROUND_MODES,
    "paid_by": PAID_BY,
    "trip_source": TRIP_SOURCES,
    "activity_type": ACTIVITY_TYPES,
    "line_item": LINE_ITEMS,
    "factor_selection": FACTOR_SELECTIONS,
    "method": METHODS,
    "haul_method": HAUL_METHODS,
    "gtb_air_method": GTB_AIR_METHODS,
    "hotel_fallback": HOTEL_FALLBACKS,
    "baseline_origin": BASELINE_ORIGINS,
    "gwp_edition": GWP_EDITIONS,
    "factor_family": FACTOR_FAMILIES,
    "role": ROLES,
    "credit_standard": CREDIT_STANDARDS,
    "ems_status": EMS_STATUSES,
}

#: codes that read as words or numbers and may appear in text as such ("open", "economy", "1")
_PLAIN = re.compile(r"[a-z]+|[0-9]+")
#: codes without an underscore or a digit that still are no words a person writes this way
_CODE_WORDS = frozenset({"gtb", "kwh", "mwh", "gj", "lpg", "usd"})


def _raw_codes() -> frozenset[str]:
    codes = {code for table in KINDS.values() for code in table}
    return frozenset(
        code for code in codes if not _PLAIN.fullmatch(code) or code in _CODE_WORDS
    ) | frozenset({"usd_2021", "usd_2022", "usd_2023", "usd_2024", "usd_2025"})


#: codes that must never be shown to people as they are (whole words, case-sensitive: "kwh" is a
#: code, "kWh" its label); plain words such as "open" or "economy" are not listed
RAW_CODES: frozenset[str] = _raw_codes()


#: the kinds of code the annual report prints: their labels are frozen into its snapshot
REPORT_KINDS = (
    "source",
    "haul",
    "cabin_class",
    "scope_description",
    "scope3_category",
    "boundary_short",
    "basis",
    "nonconformity_status",
    "action_status",
    "severity",
    "verdict",
)


def snapshot_labels(kinds: tuple[str, ...] = REPORT_KINDS) -> dict[str, dict[str, str]]:
    """The labels of ``kinds`` as plain text (JSON types), for a report's snapshot: an issued
    report keeps the words it was issued with."""
    return {kind: labels(kind) for kind in kinds}


def humanise(code: str) -> str:
    """A code no table knows, made readable: "some_new_code" → "Some new code"."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def label(kind: str, code: object, default: str | None = None) -> str:
    """The label of ``code`` (a code's text or an enum member) among ``kind``'s codes.

    None and "" give "—" (or ``default``); a code the table does not know gives ``default`` if
    given, else the code made readable (never the raw code).
    """
    if code is None or code == "":
        return "—" if default is None else default
    text = str(getattr(code, "value", code))
    if kind == "unit":
        return unit(text)
    if kind == "line_item":
        return line_item(text)
    found = KINDS[kind].get(text)
    if found is not None:
        return str(found)
    return humanise(text) if default is None else default


def labels(kind: str) -> dict[str, str]:
    """Every code of ``kind`` with its label, in the table's order (e.g. for a form's choices)."""
    return {code: str(text) for code, text in KINDS[kind].items()}


def unit(code: str) -> str:
    """A unit's label; spend in dollars of a price year reads "USD (2021 prices)"."""
    found = UNITS.get(code)
    if found is not None:
        return str(found)
    usd = _USD_OF_YEAR.fullmatch(code)
    if usd:
        return _("USD (%(year)s prices)", year=usd.group(1))
    return humanise(code) if "_" in code else code


def line_item(item: str) -> str:
    """What a ledger line is for: "leg 2" → "Flight 2", "td_losses" → "Transmission and…"."""
    numbered = _NUMBERED_ITEM.fullmatch(item)
    if numbered:
        kind, number = numbered.group(1), int(numbered.group(2))
        if kind == "leg":
            return _("Flight %(n)d", n=number)
        if kind == "journey":
            return _("Journey %(n)d", n=number)
        return _("Hotel stay %(n)d", n=number)
    found = LINE_ITEMS.get(item)
    return str(found) if found is not None else humanise(item)


def record_link(link: str) -> str:
    """A record a nonconformity names ("energy_record:4") as people read it: "Energy record 4"."""
    kind, _sep, number = link.partition(":")
    return f"{label('activity_type', kind)} {number}".strip()


#: the kinds of code a record's field holds, for the audit log's "before" and "after"
FIELD_KINDS: dict[str, tuple[str, ...]] = {
    "status": ("nonconformity_status", "action_status", "import_status", "token_status"),
    "origin": ("origin",),
    "severity": ("severity",),
    "source_category": ("source",),
    "source_categories": ("source",),
    "source": ("trip_source", "source"),
    "boundary": ("boundary_short",),
    "basis": ("basis",),
    "haul": ("haul",),
    "cabin_class": ("cabin_class",),
    "legs": ("cabin_class",),
    "mode": ("ground_mode",),
    "ground": ("ground_mode",),
    "energy_type": ("energy_type",),
    "technology": ("onsite_technology",),
    "instrument": ("renewable_instrument",),
    "unit": ("unit",),
    "quantity_unit": ("unit",),
    "measure": ("fleet_measure",),
    "stream": ("waste_stream",),
    "treatment": ("waste_treatment",),
    "supply_source": ("water_source",),
    "paid_by": ("paid_by",),
    "flight_haul_method": ("haul_method",),
    "gtb_air_method": ("gtb_air_method",),
    "hotel_fallback": ("hotel_fallback",),
    "gwp_report": ("gwp_edition",),
    "kind": ("import_kind", "reported_kind"),
    "roles": ("role",),
    "record_links": (),
}
_WORD = re.compile(r"[A-Za-z0-9_-]+")


def field_name(field: str) -> str:
    """A changed field as the audit log names it: a boundary's code reads as the boundary."""
    found = BOUNDARIES_SHORT.get(field)
    return str(found) if found is not None else field


def field_value(field: str, value: object) -> str:
    """A field's value as people read it: codes of the field's kinds labelled (in lists, and in
    a text such as "GVA-FRA 2025-01-02 premium_economy x1" word by word), anything else as is."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(field_value(field, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)}: {field_value(k, v)}" for k, v in value.items())
    text = str(value)
    if field == "record_links":
        return record_link(text)
    tables = [KINDS[kind] for kind in FIELD_KINDS.get(field, ())]
    for table in tables:
        if text in table:
            return str(table[text])

    def _word(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in RAW_CODES:
            for table in tables:
                if word in table:
                    return str(table[word])
        return word

    return _WORD.sub(_word, text) if tables else text


#: the tables ``readable`` looks a code up in, first match wins
_READABLE_KINDS = (
    "haul",
    "cabin_class",
    "basis",
    "source",
    "unit",
    "energy_type",
    "onsite_technology",
    "renewable_instrument",
    "fleet_measure",
    "waste_stream",
    "waste_treatment",
    "water_source",
    "ground_mode",
    "nonconformity_status",
    "action_status",
    "origin",
    "boundary_short",
    "activity_type",
    "factor_selection",
    "method",
    "factor_family",
    "gwp_edition",
)


def readable(text: object) -> str:
    """A text that may hold raw codes (a published factor's label, a calculation's note) with
    each code replaced by its label: "air > long_haul > average > with_rf" → "air > Long haul >
    average > with RF"."""

    def _word(match: re.Match[str]) -> str:
        word = match.group(0)
        if word not in RAW_CODES:
            return word
        if _USD_OF_YEAR.fullmatch(word):
            return unit(word)
        for kind in _READABLE_KINDS:
            found = KINDS[kind].get(word)
            if found is not None:
                return str(found)
        return humanise(word)

    return _WORD.sub(_word, str(text))


def scope3_category(category: object) -> str:
    """A scope 3 category with its number: "3.6 Business travel"."""
    number = str(category)
    return f"3.{number} {label('scope3_category', number)}"


def enum_labels(members: Any, kind: str) -> dict[Any, Label]:
    """``{member: label}`` for the members of an enum, in the enum's order (the tables older
    code imports, e.g. ``SOURCE_LABELS``); the texts stay lazy."""
    table = KINDS[kind]
    return {member: table[member.value] for member in members}


_REFRIGERANT = re.compile(r"(r|cfc|halon)(\d+)([a-z]*)")
#: gases whose formula has lower-case letters
_FORMULAS = {"ccl4": "CCl4", "ch3br": "CH3Br", "ch3ccl3": "CH3CCl3", "ch3cl": "CH3Cl"}


def refrigerant_name(gas: str) -> str:
    """A gas as its numbering writes it: r134a → R-134a, r410a → R-410A (a blend of the 400 and
    500 series takes a capital letter), cfc11 → CFC-11, halon1301 → Halon 1301, sf6 → SF6."""
    found = _REFRIGERANT.fullmatch(gas.lower())
    if found is None:
        return _FORMULAS.get(gas.lower(), gas.upper())
    family, number, suffix = found.groups()
    if family == "halon":
        return f"Halon {number}"
    if family == "cfc":
        return f"CFC-{number}{suffix}"
    blend = len(number) == 3 and number[0] in "45"
    return f"R-{number}{suffix.upper() if blend else suffix}"
