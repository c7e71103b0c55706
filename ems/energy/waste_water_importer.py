"""Importing waste and water records (a contractor's waste report, a utility's water bills):
one row per record, all or nothing; a record already there is skipped (waste: same site,
period, stream, treatment and reference; water: same site, period, source and reference).

Streams, treatments and sources are read as their codes, their English labels or the usual
words of such reports ("general waste", "recycled", "borehole"); a profile may map a file's
own words to the codes first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import labels
from ems.auth.models import Role
from ems.energy import services
from ems.energy.importer import YES_NO, name_words
from ems.energy.models import WasteRecord, WaterRecord
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.factors.services import FactorSelector
from ems.imports import ImportFailed, RowError, control_character_errors, row_date
from ems.imports import services as imports
from ems.imports.mapping import Field, Table, words
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.org import services as org
from ems.org.models import Site
from ems.removals import services as removals


def _listed(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


def _site_field() -> Field:
    return Field(
        "site",
        _l("Site"),
        required=True,
        synonyms=_listed("site name|building|duty station|location|premises|facility|bâtiment"),
    )


def _period_fields() -> tuple[Field, Field]:
    return (
        Field(
            "period_start",
            _l("From"),
            required=True,
            kind="date",
            synonyms=_listed("period start|from|start|start date|period from|du|von|desde"),
        ),
        Field(
            "period_end",
            _l("To"),
            required=True,
            kind="date",
            synonyms=_listed("period end|to|end|end date|period to|au|bis|hasta"),
        ),
    )


def _tail_fields() -> tuple[Field, ...]:
    return (
        Field(
            "estimated",
            _l("Estimated"),
            synonyms=_listed("estimate|is estimate|estimated reading|estimé|geschätzt|estimado"),
        ),
        Field(
            "reference",
            _l("Reference"),
            synonyms=_listed(
                "ref|reference number|meter|meter number|bill reference|invoice number|"
                "consignment note|waste transfer note|contractor reference"
            ),
        ),
        Field(
            "note",
            _l("Note"),
            synonyms=_listed("notes|comment|comments|remarks|commentaire|bemerkung"),
        ),
    )


WASTE_FIELDS: tuple[Field, ...] = (
    _site_field(),
    *_period_fields(),
    Field(
        "stream",
        _l("Waste stream"),
        required=True,
        synonyms=_listed("waste stream|waste type|type|material|fraction|category|déchet"),
    ),
    Field(
        "treatment",
        _l("Treatment"),
        required=True,
        synonyms=_listed(
            "disposal|disposal route|route|destination|treatment method|waste treatment|"
            "traitement|entsorgung"
        ),
    ),
    Field(
        "tonnes",
        _l("Tonnes"),
        required=True,
        kind="number",
        synonyms=_listed("tonnes|tons|t|weight|weight t|weight (t)|quantity|poids|gewicht"),
    ),
    *_tail_fields(),
)
WATER_FIELDS: tuple[Field, ...] = (
    _site_field(),
    *_period_fields(),
    Field(
        "supply_source",
        _l("Source"),
        required=True,
        synonyms=_listed("source|water source|supply|origin|provenance|herkunft|fuente"),
    ),
    Field(
        "supply_m3",
        _l("Water supplied (m³)"),
        required=True,
        kind="number",
        synonyms=_listed(
            "supply m3|water m3|consumption|consumption m3|volume|water supplied|m3|"
            "consommation|verbrauch|consumo"
        ),
    ),
    Field(
        "wastewater_m3",
        _l("Wastewater treated (m³)"),
        kind="number",
        synonyms=_listed("wastewater|wastewater m3|sewerage|sewerage m3|sewage|eaux usées"),
    ),
    *_tail_fields(),
)


def _vocabulary(table: dict[str, Any], extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each code by its own text, its words, its label and ``extra``'s (English) words."""
    found: dict[str, str] = {}
    for code, label in table.items():
        for name in (code, code.replace("_", " "), str(label), *extra.get(code, ())):
            found[name_words(name)] = code
    return found


#: the words reports use for each code (English labels are read as well)
STREAM_WORDS = {
    "mixed": ("general", "general waste", "residual", "residual waste", "mixed waste", "refuse"),
    "paper_card": ("paper", "card", "cardboard", "paper and cardboard", "paper & card"),
    "plastics": ("plastic",),
    "metals": ("metal", "cans", "aluminium", "steel"),
    "food_organic": ("food", "organic", "food waste", "biowaste", "garden waste"),
    "e_waste": ("weee", "electronic", "electronics", "e waste"),
    "hazardous": ("hazardous waste", "special waste"),
}
TREATMENT_WORDS = {
    "landfill": ("landfilled", "tip"),
    "recycling": ("recycled", "closed loop", "open loop"),
    "composting": ("composted", "compost"),
    "anaerobic_digestion": ("ad", "digestion", "biogas"),
    "incineration_energy_recovery": (
        "energy recovery",
        "energy from waste",
        "efw",
        "combustion",
        "incineration",
        "incinerated",
    ),
    "incineration_no_recovery": ("incineration without recovery", "incinerated without recovery"),
}
SOURCE_WORDS = {
    "mains": ("mains water", "public supply", "utility", "municipal", "tap"),
    "ground": ("groundwater", "borehole", "well"),
    "rain": ("rainwater", "rainwater harvesting"),
    "recycled": ("grey water", "greywater", "recycled water", "reclaimed"),
}


@dataclass(frozen=True)
class Kind:
    """What differs between the waste and the water import."""

    kind: str
    fields: tuple[Field, ...]
    model: type[WasteRecord] | type[WaterRecord]
    activity_type: str
    #: field → the labels of its codes and the words reports use for them
    vocabularies: dict[str, tuple[dict[str, Any], dict[str, tuple[str, ...]]]]
    #: the record's checked values from the row's (vocabulary fields read, dates parsed)
    check: Callable[..., dict[str, Any]]
    #: the row's fields the record takes as they are
    plain: tuple[str, ...]
    #: the columns of the record that identify it
    key_columns: tuple[str, ...]
    lines: Callable[[Any, FactorSelector], list[ledger.LineSpec]]
    #: the fields a missing factor and a figure too large are told on
    factor_field: str
    quantity_field: str
    figure: str
    noun: str


Key = tuple[Any, ...]


def _key(kind: Kind, values: dict[str, Any]) -> Key:
    return tuple(str(getattr(values[c], "value", values[c])) for c in kind.key_columns)


def _site_ids() -> dict[str, int]:
    return {
        words(name): site_id for site_id, name in db.session.execute(sa.select(Site.id, Site.name))
    }


def _parse(kind: Kind, table: Table) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Every row of a mapped file checked: the record values of the good rows, the problems of
    the others."""
    sites = _site_ids()
    vocabularies = {field: _vocabulary(*tables) for field, tables in kind.vocabularies.items()}
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    first_row: dict[Key, int] = {}
    for number, row in table.rows:
        unsafe = control_character_errors(number, row, multiline=("note",))
        if unsafe:
            errors += unsafe
            continue
        before = len(errors)
        site_name = row.get("site", "")
        site_id = sites.get(words(site_name))
        if site_id is None:
            errors.append(
                RowError(number, "site", _("no site is named “%(value)s”", value=site_name[:40]))
            )
        codes = {}
        for field, vocabulary in vocabularies.items():
            written = row.get(field, "")
            code = vocabulary.get(name_words(written))
            if code is None:
                errors.append(
                    RowError(
                        number,
                        field,
                        _(
                            "“%(value)s” is not one of: %(codes)s (or map it to one in the "
                            "profile)",
                            value=written[:40],
                            codes=", ".join(dict.fromkeys(vocabulary.values())),
                        ),
                    )
                )
            codes[field] = code
        dates = {
            column: row_date(errors, number, column, row.get(column, ""))
            for column in ("period_start", "period_end")
        }
        estimated = YES_NO.get(row.get("estimated", "").casefold())
        if estimated is None:
            errors.append(RowError(number, "estimated", _("“yes” or “no”")))
        if len(errors) > before:
            continue
        try:
            values = kind.check(
                site_id=site_id,
                **dates,
                **codes,
                **{field: row.get(field, "") for field in kind.plain},
                is_estimate=bool(estimated),
            )
        except ValidationFailed as exc:
            errors += [
                RowError(number, "site" if name == "site_id" else name, message.rstrip("."))
                for name, message in exc.errors.items()
            ]
            continue
        key = _key(kind, values)
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
        rows.append((number, values))
    return rows, errors


def _known(kind: Kind, keys: Sequence[Key]) -> set[Key]:
    """The keys of records already there."""
    if not keys:
        return set()
    model: Any = kind.model
    columns = [getattr(model, column) for column in kind.key_columns]
    found = db.session.execute(
        sa.select(*columns).where(model.site_id.in_({int(key[0]) for key in keys}))
    )
    wanted = set(keys)
    return {
        key for row in found if (key := tuple(str(getattr(v, "value", v)) for v in row)) in wanted
    }


def _describe(key: Key, site_names: dict[int, str]) -> str:
    site_id, start, end, *rest = key
    text = " ".join([site_names[int(site_id)], f"{start}–{end}", *[part for part in rest if part]])
    return labels.readable(text)


def _plan(kind: Kind, table: Table, on_progress: imports.Progress | None) -> imports.Plan:
    """Check the mapped file, compute every new record's lines, skip records already there."""
    rows, errors = _parse(kind, table)
    known = _known(kind, [_key(kind, values) for _number, values in rows])
    site_names = dict(db.session.execute(sa.select(Site.id, Site.name)).all())
    result = imports.ImportResult(
        skipped=sorted(_describe(key, site_names) for key in known), co2e_g={kind.figure: 0}
    )
    closed_years = org.closed_years()
    selector = FactorSelector()
    new: list[tuple[dict[str, Any], list[ledger.LineSpec]]] = []
    for number, values in rows:
        if _key(kind, values) in known:
            continue
        draft = kind.model(**values, id=0)
        try:
            lines = kind.lines(draft, selector)
            grams = sum(line.co2e_g for line in lines)
        except NotFound as exc:
            errors.append(RowError(number, kind.factor_field, str(exc)))
            continue
        except ValidationFailed as exc:  # a figure no ledger line may hold
            errors += [
                RowError(number, kind.quantity_field, str(message).rstrip("."))
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
        result.co2e_g[kind.figure] += grams
        if on_progress is not None:
            on_progress(1)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.row))
    return imports.Plan(result=result, write=lambda batch, _actor: _write(kind, batch, new))


def _write(
    kind: Kind, batch: ImportBatch, new: list[tuple[dict[str, Any], list[ledger.LineSpec]]]
) -> None:
    records = [kind.model(**values, import_batch_id=batch.id) for values, _lines in new]
    ledger.check_open_years(
        {
            year
            for values, _lines in new
            for year in range(values["period_start"].year, values["period_end"].year + 1)
        }
    )
    db.session.add_all(records)
    db.session.flush()
    ledger.add_lines(
        [
            replace(line, activity_id=record.id)
            for record, (_values, lines) in zip(records, new, strict=True)
            for line in lines
        ]
    )


def _restore_conflicts(kind: Kind, record_ids: list[int]) -> list[str]:
    """The records of a removed import that live records duplicate now."""
    model: Any = kind.model
    removed = [
        tuple(str(getattr(v, "value", v)) for v in row)
        for row in removals.rows_of(
            model.id, record_ids, *[getattr(model, c) for c in kind.key_columns]
        )
    ]
    site_names = dict(db.session.execute(sa.select(Site.id, Site.name)).all())
    return [
        _("%(record)s is recorded again", record=_describe(key, site_names))
        for key in sorted(_known(kind, removed), key=str)
    ]


def _check_waste(**row: Any) -> dict[str, Any]:
    return services.check_waste_record(**row)


def _check_water(**row: Any) -> dict[str, Any]:
    return services.check_water_record(**row)


WASTE = Kind(
    kind="waste",
    fields=WASTE_FIELDS,
    model=WasteRecord,
    activity_type=services.WASTE_ACTIVITY,
    vocabularies={
        "stream": (labels.WASTE_STREAMS, STREAM_WORDS),
        "treatment": (labels.WASTE_TREATMENTS, TREATMENT_WORDS),
    },
    check=_check_waste,
    plain=("tonnes", "reference", "note"),
    key_columns=("site_id", "period_start", "period_end", "stream", "treatment", "reference"),
    lines=services.waste_record_lines,
    factor_field="treatment",
    quantity_field="tonnes",
    figure="waste",
    noun="waste records",
)
WATER = Kind(
    kind="water",
    fields=WATER_FIELDS,
    model=WaterRecord,
    activity_type=services.WATER_ACTIVITY,
    vocabularies={"supply_source": (labels.WATER_SOURCES, SOURCE_WORDS)},
    check=_check_water,
    plain=("supply_m3", "wastewater_m3", "reference", "note"),
    key_columns=("site_id", "period_start", "period_end", "supply_source", "reference"),
    lines=services.water_record_lines,
    factor_field="supply_source",
    quantity_field="supply_m3",
    figure="water",
    noun="water records",
)


def _importer(kind: Kind, label: Any, record_years: Callable[[list[int]], set[int]]) -> Any:
    return imports.Importer(
        kind=kind.kind,
        require=services.require_editor,
        fields=kind.fields,
        plan=lambda table, on_progress: _plan(kind, table, on_progress),
        noun=kind.noun,
        model=kind.model,
        activity_type=kind.activity_type,
        roles=(Role.ems,),
        label=label,
        record_years=record_years,
        conflicts=lambda ids: _restore_conflicts(kind, ids),
    )


WASTE_IMPORTER: imports.Importer = _importer(
    WASTE, _l("Import of waste records"), services.waste_dated_years
)
WATER_IMPORTER: imports.Importer = _importer(
    WATER, _l("Import of water records"), services.water_dated_years
)
