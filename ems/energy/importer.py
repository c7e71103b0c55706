"""Importing utility bills and meter exports: one row per record, all or nothing; a record
already there (same site, energy, period and meter) is skipped.

The framework maps the file's columns to ``FIELDS`` and applies a profile's value mappings
first (a profile may map a file's own word, e.g. "Heizöl", to an energy type code such as
"gas_oil"). Energy and unit names are then read as bills and meter exports write them, in
several languages (``ENERGY_NAMES``, ``ems.units.UNIT_SPELLINGS``):

* gas oil, red diesel and generator diesel are DESNZ *gas oil*; fuel oil and heavy fuel oil
  *fuel oil*; kerosene, burning oil and paraffin *burning oil* (``heating_oil``);
* "heating oil", "oil", "Heizöl", "fioul", "mazout"… depend on the site's country: burning oil
  (kerosene) in the UK and Ireland, where heating oil is kerosene, and gas oil everywhere else;
* "diesel" alone is road diesel (DESNZ "Diesel (average biofuel blend)"): a name that says
  nothing more is taken for the fuel sold at the pump; write "generator diesel" or "gas oil"
  (or map the name in the profile) for the untaxed fuel of generators and boilers;
* natural gas in plain kWh or MWh is taken on the gross calorific value, as gas bills in the UK
  and the EU state it, MWh converted exactly (× 1,000); electricity and heat may be in kWh, MWh
  or GJ (kept as written, converted on their lines). Normal cubic metres (Nm³, 0 °C) are refused:
  DESNZ's cubic metres are at 15 °C, about 5 % fewer of them.

Every name taken for another is said once in the preview (``ImportResult.value_notes``) and on
the lines of each record (``EnergyRecord.source_name``)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.auth.models import Role
from ems.energy import services
from ems.energy.models import EnergyRecord, EnergyType, OnsiteTechnology, RenewableInstrument
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.factors.services import FactorSelector
from ems.imports import ImportFailed, RowError, control_character_errors, row_date
from ems.imports import services as imports
from ems.imports.mapping import Field, Table, words
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.ledger.models import Basis
from ems.org import services as org
from ems.org.models import Site
from ems.removals import services as removals
from ems.units import KWH_PER_MWH, unit_code, unit_words


def _listed(text: str) -> tuple[str, ...]:
    """Words written "a|b|c" (compact for long lists of synonyms) as a tuple."""
    return tuple(text.split("|"))


FIELDS: tuple[Field, ...] = (
    Field(
        "site",
        _l("Site"),
        required=True,
        synonyms=_listed(
            "site name|building|building name|duty station|location|premises|property|facility|"
            "bâtiment|site|établissement|standort|gebäude|liegenschaft|objekt|sitio|edificio|sede|"
            "instalación|здание|объект|площадка"
        ),
    ),
    Field(
        "energy_type",
        _l("Energy"),
        required=True,
        synonyms=_listed(
            "energy|energy type|type|fuel|fuel type|commodity|utility|medium|énergie|energie|"
            "type d'énergie|combustible|fluide|energieart|energieträger|brennstoff|sparte|energía|"
            "tipo de energía|tipo de combustible|вид энергии|энергоресурс|топливо|ресурс"
        ),
    ),
    Field(
        "period_start",
        _l("From"),
        required=True,
        kind="date",
        synonyms=_listed(
            "period start|from|start|start date|period from|billing period start|from date|"
            "read date from|du|début|date de début|période du|von|beginn|ab|zeitraum von|"
            "abrechnungszeitraum von|desde|inicio|fecha inicio|fecha de inicio|periodo desde|с|"
            "начало|начало периода|дата начала"
        ),
    ),
    Field(
        "period_end",
        _l("To"),
        required=True,
        kind="date",
        synonyms=_listed(
            "period end|to|end|end date|period to|billing period end|to date|read date to|au|fin|"
            "date de fin|période au|bis|ende|zeitraum bis|abrechnungszeitraum bis|hasta|fecha fin|"
            "fecha de fin|periodo hasta|по|конец|конец периода|дата окончания"
        ),
    ),
    Field(
        "quantity",
        _l("Quantity"),
        required=True,
        kind="number",
        synonyms=_listed(
            "consumption|quantity|qty|usage|volume|units used|consommation|quantité|"
            "volume consommé|verbrauch|menge|verbrauchsmenge|consumo|cantidad|потребление|"
            "количество|расход|объём"
        ),
    ),
    Field(
        "unit",
        _l("Unit"),
        required=True,
        synonyms=_listed(
            "units|uom|unit of measure|unit of measurement|unité|unité de mesure|einheit|"
            "maßeinheit|mengeneinheit|unidad|unidad de medida|единица|ед изм|единица измерения"
        ),
    ),
    Field(
        "certificates_kwh",
        _l("kWh covered by certificates"),
        kind="number",
        synonyms=_listed(
            "certificates|rec kwh|go kwh|guarantees of origin|certificates kwh|herkunftsnachweise|"
            "garanties d'origine"
        ),
    ),
    Field(
        "supplier_factor",
        _l("Supplier factor"),
        kind="code",
        synonyms=("supplier factor set", "supplier emission factor"),
    ),
    Field(
        "meter_reference",
        _l("Meter or bill reference"),
        synonyms=_listed(
            "meter|meter number|meter id|meter no|meter reference|mpan|mprn|bill reference|"
            "bill number|invoice number|reference|zählernummer|zähler|zählpunkt|rechnungsnummer|"
            "compteur|n° de compteur|pdl|pce|n° de facture|medidor|contador|número de contador|"
            "cups|счётчик|счетчик|номер счётчика"
        ),
    ),
    Field(
        "evidence_note",
        _l("Evidence"),
        synonyms=_listed(
            "note|notes|evidence|comment|comments|remarks|bemerkung|kommentar|commentaire|"
            "remarque|observaciones|comentario|примечание|комментарий"
        ),
    ),
    Field(
        "estimated",
        _l("Estimated"),
        synonyms=_listed(
            "estimate|is estimate|read type|reading type|estimated reading|geschätzt|ablesart|"
            "estimé|estimation|type de relevé|estimado|tipo de lectura|оценка"
        ),
    ),
    Field(
        "technology",
        _l("Technology"),
        synonyms=_listed(
            "generation technology|technology type|source of generation|technologie|"
            "technologie de production|erzeugungsart|technik|tecnología|технология"
        ),
    ),
    Field(
        "instrument",
        _l("Renewable electricity instrument"),
        synonyms=_listed(
            "renewable instrument|contractual instrument|renewable energy instrument|"
            "instrument contractuel|nachweis|instrumento"
        ),
    ),
    Field(
        "meets_quality_criteria",
        _l("Meets the Scope 2 Quality Criteria"),
        synonyms=_listed(
            "quality criteria|meets quality criteria|scope 2 quality criteria|"
            "meets scope 2 quality criteria|critères de qualité|qualitätskriterien"
        ),
    ),
)
#: how a spreadsheet says yes or no (and a meter export an estimated or actual reading)
YES_NO = {
    "": False,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "actual": False,
    "a": False,
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "e": True,
    "estimated": True,
    "estimate": True,
}


def name_words(text: str) -> str:
    """An energy's name as it is compared: ``words`` without accents ("Heizöl" → "heizol")."""
    decomposed = unicodedata.normalize("NFKD", words(text))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _names(table: dict[EnergyType, tuple[str, ...]]) -> dict[str, EnergyType]:
    return {name_words(name): kind for kind, names in table.items() for name in names}


#: energy names as bills and meter exports write them → the kind of energy, the same in every
#: country (compared by ``name_words``)
ENERGY_NAMES: dict[str, EnergyType] = _names(
    {
        EnergyType.electricity: _listed(
            "electricity|electric|elec|power|grid electricity|électricité|électricité réseau|"
            "strom|elektrizität|elektrische energie|electricidad|energía eléctrica|электроэнергия|"
            "электричество"
        ),
        EnergyType.natural_gas: _listed(
            "natural gas|gas|mains gas|gaz|gaz naturel|erdgas|gas natural|природный газ|газ"
        ),
        EnergyType.gas_oil: _listed(
            "gas oil|gasoil|red diesel|generator diesel|diesel generator|diesel (generator)|"
            "diesel (generators)|diesel for generators|generator fuel|gas oil (red diesel)|"
            "heizöl el|heizöl extra leicht|gazole non routier|gnr|gasóleo c|"
            "gasóleo de calefacción c|dieselkraftstoff für generatoren|печное топливо"
        ),
        EnergyType.fuel_oil: _listed(
            "fuel oil|heavy fuel oil|hfo|residual fuel oil|mazout lourd|fioul lourd|schweröl|"
            "heizöl s|heizöl schwer|fuelóleo|fueloil|мазут"
        ),
        EnergyType.heating_oil: _listed(
            "kerosene|kerosine|burning oil|paraffin|heating kerosene|28 second oil|kérosène|"
            "pétrole lampant|kerosin|petroleum|queroseno|керосин"
        ),
        EnergyType.diesel: _listed(
            "diesel|road diesel|derv|gazole|gasóleo a|дизельное топливо|дизель|дт"
        ),
        EnergyType.lpg: _listed(
            "lpg|propane|butane|liquefied petroleum gas|gpl|propane gpl|flüssiggas|propan|glp|"
            "gas licuado|autogas|пропан|сжиженный газ"
        ),
        EnergyType.district_heating: _listed(
            "district heating|district heat|heat network|chauffage urbain|réseau de chaleur|"
            "fernwärme|calefacción urbana|теплоснабжение|тепловая энергия"
        ),
        EnergyType.district_cooling: _listed(
            "district cooling|district cold|froid urbain|réseau de froid|fernkälte|"
            "refrigeración urbana"
        ),
        EnergyType.onsite_renewable: _listed(
            "solar|pv|solar pv|on site renewable|onsite renewable|on site generation|"
            "photovoltaïque|photovoltaik|fotovoltaica"
        ),
    }
)
#: names of heating oil, which is burning oil (kerosene) in ``KEROSENE_COUNTRIES`` and gas oil
#: everywhere else
HEATING_OIL_NAMES = frozenset(
    name_words(name)
    for name in _listed(
        "heating oil|oil|heizöl|fioul domestique|fioul|fod|mazout|domestic heating oil|"
        "gasóleo de calefacción|gasoleo calefaccion|gasolio riscaldamento|huile de chauffage|"
        "stookolie|huisbrandolie"
    )
)
#: how files name the technology of on-site generation (compared by ``name_words``)
TECHNOLOGY_NAMES: dict[str, OnsiteTechnology] = {
    name_words(name): technology
    for technology, names in {
        OnsiteTechnology.solar_pv: _listed(
            "solar pv|solar|pv|photovoltaic|photovoltaics|solar photovoltaic|solar panels|"
            "rooftop solar|photovoltaïque|photovoltaik|fotovoltaica|solaire|solarstrom|"
            "солнечная"
        ),
        OnsiteTechnology.wind: _listed("wind|wind turbine|éolien|éolienne|windkraft|eólica|ветер"),
        OnsiteTechnology.hydro: _listed(
            "hydro|hydropower|hydroelectric|micro hydro|hydraulique|wasserkraft|hidráulica|гидро"
        ),
        OnsiteTechnology.biomass: _listed("biomass|biogas|biomasse|biomasa|биомасса"),
        OnsiteTechnology.geothermal: _listed(
            "geothermal|géothermie|geothermie|geotérmica|геотермальная"
        ),
        OnsiteTechnology.other: _listed("other|other renewable|autre|andere|otra"),
    }.items()
    for name in names
}
#: energy names that say the technology as well: solar (an on-site record named "solar" or
#: "PV" is solar PV without a technology column)
SOLAR_ENERGY_NAMES = frozenset(
    name_words(name)
    for name in _listed("solar|pv|solar pv|photovoltaïque|photovoltaik|fotovoltaica")
)
#: how files name the instrument of purchased electricity
INSTRUMENT_NAMES: dict[str, RenewableInstrument] = {
    name_words(name): instrument
    for instrument, names in {
        RenewableInstrument.none: _listed("none|no|-"),
        RenewableInstrument.certificates: _listed(
            "certificates|eac|energy attribute certificates|go|gos|guarantees of origin|"
            "guarantee of origin|rego|regos|i-rec|irec|rec|recs|garanties d'origine|"
            "herkunftsnachweise|garantías de origen"
        ),
        RenewableInstrument.green_tariff: _listed(
            "green tariff|green electricity tariff|supplier contract|tarif vert|ökostromtarif|"
            "tarifa verde"
        ),
        RenewableInstrument.ppa: _listed(
            "ppa|power purchase agreement|corporate ppa|virtual ppa|vppa"
        ),
    }.items()
    for name in names
}
#: where heating oil is kerosene (DESNZ burning oil): the UK and Ireland
KEROSENE_COUNTRIES = frozenset({"GB", "IE"})
#: the units in which a fuel's kWh are ambiguous until the calorific value is named
PLAIN_KWH = ("kwh", "mwh")
#: normal cubic metres (0 °C), which DESNZ's cubic metres (15 °C) are not
NORMAL_CUBIC_METRES = frozenset({"nm3", "nm³", "n m3", "nm 3", "normal cubic metres"})
#: the record fields the service names, as the file's columns
COLUMNS = {"site_id": "site", "supplier_factor_id": "supplier_factor"}

Key = tuple[int, str, dt.date, dt.date, str]


def _key(values: dict[str, Any]) -> Key:
    return (
        values["site_id"],
        values["energy_type"].value,
        values["period_start"],
        values["period_end"],
        values["meter_reference"],
    )


def _supplier_factors() -> dict[str, int | None]:
    """Supplier factor ids by "set code" (None where the set has several) and "code:key"."""
    found: dict[str, int | None] = {}
    for factor in services.supplier_factors():
        code = factor.factor_set.code.lower()
        found[code] = None if code in found else factor.id
        found[f"{code}:{factor.key}"] = factor.id
    return found


@dataclass(frozen=True)
class EnergyName:
    """What a file's name of an energy was taken for, and the sentence that says so ("" where
    the name is the type's own code or needs no word)."""

    kind: EnergyType
    note: str = ""


def _energy_label(kind: EnergyType) -> str:
    fuel = services.DESNZ_FUEL_LABELS.get(kind)
    label = labels.label("energy_type", kind)
    return _("%(energy)s (DESNZ %(fuel)s)", energy=label, fuel=fuel) if fuel else label


def energy_of(text: str, country_code: str) -> EnergyName | None:
    """The kind of energy a file's name means at a site of ``country_code``: an energy type
    code as it is, a name of ``ENERGY_NAMES``, or heating oil by country; None if unknown."""
    code = text.strip().casefold()
    if code in EnergyType.__members__:
        return EnergyName(EnergyType(code))
    name = name_words(text)
    if name in HEATING_OIL_NAMES:
        if country_code in KEROSENE_COUNTRIES:
            kind = EnergyType.heating_oil
            why = _("heating oil is burning oil (kerosene) in the UK and Ireland")
        else:
            kind = EnergyType.gas_oil
            why = _("heating oil is gas oil outside the UK and Ireland")
        return EnergyName(
            kind,
            _(
                "“%(name)s” at sites in %(country)s → %(energy)s: %(why)s",
                name=text.strip()[:40],
                country=country_code,
                energy=_energy_label(kind),
                why=why,
            ),
        )
    found = ENERGY_NAMES.get(name)
    if found is None:
        return None
    if name == name_words(found.value) or name == name_words(labels.label("energy_type", found)):
        return EnergyName(found)
    return EnergyName(
        found,
        _("“%(name)s” → %(energy)s", name=text.strip()[:40], energy=_energy_label(found)),
    )


@dataclass(frozen=True)
class Quantity:
    """A row's quantity and unit as the record takes them, and what was done to them."""

    quantity: str
    unit: str
    note: str = ""
    error: str = ""


def quantity_of(kind: EnergyType, quantity: str, unit: str) -> Quantity:
    """The unit code of a file's unit for ``kind`` (its spelling read, natural gas in plain kWh
    or MWh taken on the gross CV, MWh of it converted exactly); a unit the record refuses is
    passed on for the record's own check to name."""
    if unit_words(unit) in NORMAL_CUBIC_METRES:
        return Quantity(
            quantity,
            unit,
            error=_(
                "normal cubic metres (Nm³, 0 °C) are not DESNZ's cubic metres (15 °C, about 5 %% "
                "fewer): give the quantity in m³ at 15 °C or in kWh"
            ),
        )
    code = unit_code(unit) or unit.strip().casefold()
    if kind not in services.FUELS or code not in PLAIN_KWH:
        return Quantity(quantity, code)
    if kind is not EnergyType.natural_gas:
        return Quantity(
            quantity,
            code,
            error=_(
                "say whether these kWh are on the gross or the net calorific value (“kWh gross "
                "CV”, “kWh net CV”)"
            ),
        )
    if code == "kwh":
        return Quantity(
            quantity,
            "kwh_gross_cv",
            note=_("Natural gas in kWh: taken on the gross calorific value, as gas bills state it"),
        )
    try:
        kwh = Decimal(quantity) * KWH_PER_MWH
    except InvalidOperation:
        return Quantity(quantity, code)  # the record's check names the quantity
    return Quantity(
        format(kwh.normalize(), "f") if kwh == kwh.to_integral() else format(kwh, "f"),
        "kwh_gross_cv",
        note=_("Natural gas in MWh: converted to kWh on the gross calorific value (× 1,000)"),
    )


@dataclass
class CheckedRows:
    """A file's rows checked: the record values of the good rows, the problems of the others,
    and the sentences saying how names and units were read (each once)."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    value_notes: list[str] = field(default_factory=list)


def _site_ids() -> dict[str, tuple[int, str]]:
    """(id, country code) of each site by its name as compared (``words``)."""
    return {
        words(name): (site_id, country)
        for site_id, name, country in db.session.execute(
            sa.select(Site.id, Site.name, Site.country_code)
        )
    }


def parse(table: Table) -> CheckedRows:
    """Every row of a mapped file checked (see the module's note on names and units)."""
    sites = _site_ids()
    suppliers = _supplier_factors()
    checked = CheckedRows()
    errors = checked.errors
    notes: dict[str, None] = {}
    first_row: dict[Key, int] = {}
    for number, row in table.rows:
        unsafe = control_character_errors(number, row, multiline=("evidence_note",))
        if unsafe:
            errors += unsafe
            continue
        before = len(errors)
        site_name = row.get("site", "")
        site_id, country = sites.get(words(site_name), (None, ""))
        if site_id is None:
            errors.append(
                RowError(number, "site", _("no site is named “%(value)s”", value=site_name[:40]))
            )
        named = row.get("energy_type", "")
        energy = energy_of(named, country)
        if energy is None:
            errors.append(
                RowError(
                    number,
                    "energy_type",
                    _(
                        "“%(value)s” is not one of: %(kinds)s (or map it to one in the profile)",
                        value=named[:40],
                        kinds=", ".join(k.value for k in EnergyType),
                    ),
                )
            )
        amount = Quantity(row.get("quantity", ""), row.get("unit", ""))
        if energy is not None:
            amount = quantity_of(energy.kind, amount.quantity, amount.unit)
            if amount.error:
                errors.append(RowError(number, "unit", amount.error))
        dates = {
            column: row_date(errors, number, column, row.get(column, ""))
            for column in ("period_start", "period_end")
        }
        estimated = YES_NO.get(row.get("estimated", "").casefold())
        if estimated is None:
            errors.append(RowError(number, "estimated", _("“yes” or “no”")))
        supplier_id = None
        supplier = row.get("supplier_factor", "")
        if supplier:
            supplier_id = suppliers.get(supplier.lower())
            if supplier_id is None:
                errors.append(
                    RowError(
                        number,
                        "supplier_factor",
                        _(
                            "no imported set with one kWh factor is coded “%(value)s”; write "
                            "“set code:factor key”",
                            value=supplier[:60],
                        ),
                    )
                )
        technology, instrument = _technology_and_instrument(errors, number, row, named)
        meets = YES_NO.get(row.get("meets_quality_criteria", "yes").casefold() or "yes")
        if meets is None:
            errors.append(RowError(number, "meets_quality_criteria", _("“yes” or “no”")))
        if len(errors) > before or energy is None:
            continue
        try:
            values = services.check_energy_record(
                site_id=site_id,
                energy_type=energy.kind,
                period_start=dates["period_start"],
                period_end=dates["period_end"],
                quantity=amount.quantity,
                unit=amount.unit,
                certificates_kwh=row.get("certificates_kwh", ""),
                supplier_factor_id=supplier_id,
                meter_reference=row.get("meter_reference", ""),
                evidence_note=row.get("evidence_note", ""),
                is_estimate=bool(estimated),
                technology=technology,
                instrument=instrument,
                meets_quality_criteria=bool(meets),
            )
        except ValidationFailed as exc:
            errors += [
                RowError(number, COLUMNS.get(name, name), message.rstrip("."))
                for name, message in exc.errors.items()
            ]
            continue
        key = _key(values)
        if key in first_row:
            errors.append(
                RowError(
                    number,
                    "period_start",
                    _("the same record as on row %(row)d", row=first_row[key]),
                )
            )
            continue
        first_row[key] = number
        if energy.note:
            values["source_name"] = named.strip()[: EnergyRecord.SOURCE_NAME_MAX_LEN]
        notes.update(dict.fromkeys(note for note in (energy.note, amount.note) if note))
        checked.rows.append((number, values))
    checked.value_notes = _profile_notes(
        table, {values["energy_type"] for _n, values in checked.rows}
    )
    checked.value_notes += list(notes)
    return checked


def _technology_and_instrument(
    errors: list[RowError], number: int, row: dict[str, str], energy_name: str
) -> tuple[str | None, str | None]:
    """A row's technology (by its name, or solar PV where the energy's name says solar) and
    instrument codes; each wrong name is an error of the row."""
    technology: str | None = None
    written = row.get("technology", "")
    if written:
        found = TECHNOLOGY_NAMES.get(name_words(written))
        if found is None and written.strip().casefold() in OnsiteTechnology.__members__:
            found = OnsiteTechnology(written.strip().casefold())
        if found is None:
            errors.append(
                RowError(
                    number,
                    "technology",
                    _(
                        "“%(value)s” is not one of: solar PV, wind, hydro, biomass, geothermal, "
                        "other",
                        value=written[:40],
                    ),
                )
            )
        else:
            technology = found.value
    elif name_words(energy_name) in SOLAR_ENERGY_NAMES:
        technology = OnsiteTechnology.solar_pv.value
    instrument: str | None = None
    written = row.get("instrument", "")
    if written:
        chosen = INSTRUMENT_NAMES.get(name_words(written))
        if chosen is None and written.strip().casefold() in RenewableInstrument.__members__:
            chosen = RenewableInstrument(written.strip().casefold())
        if chosen is None:
            errors.append(
                RowError(
                    number,
                    "instrument",
                    _(
                        "“%(value)s” is not one of: none, certificates (GO, REGO, I-REC, REC), "
                        "green tariff, PPA",
                        value=written[:40],
                    ),
                )
            )
        else:
            instrument = chosen.value
    return technology, instrument


def _profile_notes(table: Table, kinds: set[EnergyType]) -> list[str]:
    """The profile's mappings of energy names that the file's rows used (the framework applied
    them: the rows hold the energy type they give)."""
    notes = []
    for written, code in table.mapping.values.get("energy_type", {}).items():
        energy = energy_of(code, "")
        if energy is not None and energy.kind in kinds:
            notes.append(
                _(
                    "“%(name)s” → %(energy)s, by the profile %(profile)s",
                    name=written,
                    energy=_energy_label(energy.kind),
                    profile=table.mapping.profile or "",
                )
            )
    return notes


def _known(keys: list[Key]) -> set[Key]:
    """The keys of records already there."""
    if not keys:
        return set()
    starts = [key[2] for key in keys]
    found = db.session.execute(
        sa.select(
            EnergyRecord.site_id,
            EnergyRecord.energy_type,
            EnergyRecord.period_start,
            EnergyRecord.period_end,
            EnergyRecord.meter_reference,
        ).where(
            EnergyRecord.site_id.in_({key[0] for key in keys}),
            EnergyRecord.period_start.between(min(starts), max(starts)),
        )
    )
    wanted = set(keys)
    return {
        key
        for site_id, kind, start, end, meter in found
        if (key := (site_id, EnergyType(kind).value, start, end, meter)) in wanted
    }


def _describe(key: Key, site_names: dict[int, str]) -> str:
    site_id, kind, start, end, meter = key
    return f"{site_names[site_id]} {kind} {start}–{end}{f' {meter}' if meter else ''}"


def plan(table: Table, on_progress: imports.Progress | None) -> imports.Plan:
    """Check the mapped file, compute every new record's lines, skip records already there;
    say how names and units were read (``value_notes``)."""
    checked = parse(table)
    rows, errors = checked.rows, checked.errors
    known = _known([_key(values) for _number, values in rows])
    site_names = dict(db.session.execute(sa.select(Site.id, Site.name)).all())
    result = imports.ImportResult(
        skipped=sorted(_describe(key, site_names) for key in known),
        co2e_g={"location": 0, "market": 0, "fuels_heat_losses": 0},
        value_notes=checked.value_notes,
    )
    closed_years = org.closed_years()
    selector = FactorSelector()
    new: list[tuple[dict[str, Any], list[ledger.LineSpec]]] = []
    for number, values in rows:
        if _key(values) in known:
            continue
        draft = EnergyRecord(**values, id=0)
        draft.site = db.session.get_one(Site, values["site_id"])
        try:
            lines = services.record_lines(draft, selector)
            grams = [line.co2e_g for line in lines]
        except NotFound as exc:
            errors.append(RowError(number, "energy_type", str(exc)))
            continue
        except ValidationFailed as exc:  # a figure no ledger line may hold
            errors += [
                RowError(number, "quantity", str(message).rstrip("."))
                for message in exc.errors.values()
            ]
            continue
        start, end = values["period_start"], values["period_end"]
        closed = imports.closed_year_errors(
            [
                (number, "period_start" if year == start.year else "period_end", year)
                for year in range(start.year, end.year + 1)
            ],
            closed_years,
        )
        if closed:
            errors += closed
            continue
        new.append((values, lines))
        result.created += 1
        result.rows += 1
        for line, line_g in zip(lines, grams, strict=True):
            figure = (
                line.basis.value
                if line.basis in (Basis.location, Basis.market)
                else "fuels_heat_losses"
            )
            result.co2e_g[figure] += line_g
        if on_progress is not None:
            on_progress(1)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.row))
    return imports.Plan(result=result, write=lambda batch, _actor: _write(batch, new))


def _write(batch: ImportBatch, new: list[tuple[dict[str, Any], list[ledger.LineSpec]]]) -> None:
    records = [EnergyRecord(**values, import_batch_id=batch.id) for values, _lines in new]
    # the years of every record, those without lines too (on-site generation): their figures
    # (data quality, how far the data reaches) change
    ledger.check_open_years({year for values, _lines in new for year in _period_years(values)})
    db.session.add_all(records)
    db.session.flush()
    ledger.add_lines(
        [
            replace(line, activity_id=record.id)
            for record, (_values, lines) in zip(records, new, strict=True)
            for line in lines
        ]
    )


def _period_years(values: dict[str, Any]) -> range:
    return range(values["period_start"].year, values["period_end"].year + 1)


def _restore_conflicts(record_ids: list[int]) -> list[str]:
    """The records of a removed import that live records duplicate now (the same site, energy,
    period and meter: imported again since)."""
    removed = [
        row._asdict()
        for row in removals.rows_of(
            EnergyRecord.id,
            record_ids,
            EnergyRecord.site_id,
            EnergyRecord.energy_type,
            EnergyRecord.period_start,
            EnergyRecord.period_end,
            EnergyRecord.meter_reference,
        )
    ]
    site_names = dict(db.session.execute(sa.select(Site.id, Site.name)).all())
    return [
        _("%(record)s is recorded again", record=_describe(key, site_names))
        for key in sorted(_known([_key(values) for values in removed]), key=str)
    ]


IMPORTER = imports.Importer(
    kind="energy",
    require=services.require_editor,
    fields=FIELDS,
    plan=plan,
    noun="energy records",
    model=EnergyRecord,
    activity_type=services.ACTIVITY_TYPE,
    roles=(Role.ems,),
    label=_l("Import of energy bills"),
    record_years=services.energy_dated_years,
    conflicts=_restore_conflicts,
)
