"""Importing utility bills and meter readings: one row per record, all or nothing; a record
already there (same site, energy, period and meter) is skipped."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems.auth.models import Role
from ems.energy import services
from ems.energy.models import EnergyRecord, EnergyType
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db
from ems.factors.services import FactorSelector
from ems.imports import ImportFailed, RowError, control_character_errors, read_table, row_date
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.ledger.models import Basis
from ems.org import services as org
from ems.org.models import Site
from ems.removals import services as removals

REQUIRED = ("site", "energy_type", "period_start", "period_end", "quantity", "unit")
OPTIONAL = (
    "certificates_kwh",
    "supplier_factor",
    "meter_reference",
    "evidence_note",
    "estimated",
)
ALIASES = {
    "building": "site",
    "site name": "site",
    "energy": "energy_type",
    "type": "energy_type",
    "fuel": "energy_type",
    "from": "period_start",
    "start": "period_start",
    "start date": "period_start",
    "period from": "period_start",
    "to": "period_end",
    "end": "period_end",
    "end date": "period_end",
    "period to": "period_end",
    "consumption": "quantity",
    "units": "unit",
    "certificates": "certificates_kwh",
    "rec kwh": "certificates_kwh",
    "go kwh": "certificates_kwh",
    "supplier factor set": "supplier_factor",
    "meter": "meter_reference",
    "meter number": "meter_reference",
    "bill reference": "meter_reference",
    "reference": "meter_reference",
    "note": "evidence_note",
    "evidence": "evidence_note",
    "notes": "evidence_note",
    "estimate": "estimated",
    "is estimate": "estimated",
}
#: how a spreadsheet says yes or no
YES_NO = {
    "": False,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "actual": False,
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "e": True,
    "estimated": True,
}
ENERGY_ALIASES = {
    **{kind.value.replace("_", " "): kind for kind in EnergyType},
    "gas": EnergyType.natural_gas,
    "oil": EnergyType.heating_oil,
    "fuel oil": EnergyType.heating_oil,
    "gas oil": EnergyType.diesel,
    "generator diesel": EnergyType.diesel,
    "district heat": EnergyType.district_heating,
    "district cold": EnergyType.district_cooling,
    "solar": EnergyType.onsite_renewable,
    "pv": EnergyType.onsite_renewable,
    "on site renewable": EnergyType.onsite_renewable,
}
UNIT_ALIASES = {
    "kwh": "kwh",
    "mwh": "mwh",
    "kwh gross": "kwh_gross_cv",
    "kwh gross cv": "kwh_gross_cv",
    "kwh (gross cv)": "kwh_gross_cv",
    "kwh net": "kwh_net_cv",
    "kwh net cv": "kwh_net_cv",
    "kwh (net cv)": "kwh_net_cv",
    "m3": "m3",
    "m³": "m3",
    "cubic metres": "m3",
    "l": "litre",
    "litre": "litre",
    "litres": "litre",
    "liter": "litre",
    "liters": "litre",
    "t": "tonne",
    "tonne": "tonne",
    "tonnes": "tonne",
}
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


def _words(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _supplier_factors() -> dict[str, int | None]:
    """Supplier factor ids by "set code" (None where the set has several) and "code:key"."""
    found: dict[str, int | None] = {}
    for factor in services.supplier_factors():
        code = factor.factor_set.code.lower()
        found[code] = None if code in found else factor.id
        found[f"{code}:{factor.key}"] = factor.id
    return found


def parse(data: bytes, filename: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Every row checked: (row number, record values) of the good rows, and the problems of the
    others (ImportFailed for a file that cannot be read at all)."""
    rows = read_table(data, filename, required=REQUIRED, optional=OPTIONAL, aliases=ALIASES)
    sites = {
        name.lower(): site_id for site_id, name in db.session.execute(sa.select(Site.id, Site.name))
    }
    suppliers = _supplier_factors()
    errors: list[RowError] = []
    checked: list[tuple[int, dict[str, Any]]] = []
    first_row: dict[Key, int] = {}
    for number, row in rows:
        unsafe = control_character_errors(number, row, multiline=("evidence_note",))
        if unsafe:
            errors += unsafe
            continue
        before = len(errors)
        site_id = sites.get(row["site"].lower())
        if site_id is None:
            errors.append(
                RowError(number, "site", _("no site is named “%(value)s”", value=row["site"][:40]))
            )
        kind = ENERGY_ALIASES.get(_words(row["energy_type"]))
        if kind is None:
            errors.append(
                RowError(
                    number,
                    "energy_type",
                    _(
                        "“%(value)s” is not one of: %(kinds)s",
                        value=row["energy_type"][:40],
                        kinds=", ".join(k.value for k in EnergyType),
                    ),
                )
            )
        unit = UNIT_ALIASES.get(_words(row["unit"]).replace("_", " "), row["unit"].lower())
        dates = {
            column: row_date(errors, number, column, row[column])
            for column in ("period_start", "period_end")
        }
        estimated = YES_NO.get(row.get("estimated", "").lower())
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
        if len(errors) > before:
            continue
        try:
            values = services.check_energy_record(
                site_id=site_id,
                energy_type=kind,
                period_start=dates["period_start"],
                period_end=dates["period_end"],
                quantity=row["quantity"],
                unit=unit,
                certificates_kwh=row.get("certificates_kwh", ""),
                supplier_factor_id=supplier_id,
                meter_reference=row.get("meter_reference", ""),
                evidence_note=row.get("evidence_note", ""),
                is_estimate=bool(estimated),
            )
        except ValidationFailed as exc:
            errors += [
                RowError(number, COLUMNS.get(field, field), message.rstrip("."))
                for field, message in exc.errors.items()
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
        checked.append((number, values))
    return checked, errors


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


def plan(data: bytes, filename: str, on_progress: imports.Progress | None) -> imports.Plan:
    """Check the file, compute every new record's lines, skip records already there."""
    rows, errors = parse(data, filename)
    known = _known([_key(values) for _number, values in rows])
    site_names = dict(db.session.execute(sa.select(Site.id, Site.name)).all())
    result = imports.ImportResult(
        skipped=sorted(_describe(key, site_names) for key in known),
        co2e_g={"location": 0, "market": 0, "total": 0},
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
            figure = line.basis.value if line.basis in (Basis.location, Basis.market) else "total"
            result.co2e_g[figure] += line_g
        if on_progress is not None:
            on_progress(1)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.row))
    return imports.Plan(result=result, write=lambda batch, _actor: _write(batch, new))


def _write(batch: ImportBatch, new: list[tuple[dict[str, Any], list[ledger.LineSpec]]]) -> None:
    records = [EnergyRecord(**values, import_batch_id=batch.id) for values, _lines in new]
    db.session.add_all(records)
    db.session.flush()
    ledger.add_lines(
        [
            replace(line, activity_id=record.id)
            for record, (_values, lines) in zip(records, new, strict=True)
            for line in lines
        ]
    )


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
    plan=plan,
    noun="energy records",
    model=EnergyRecord,
    activity_type=services.ACTIVITY_TYPE,
    roles=(Role.ems,),
    label=_l("Import of energy bills"),
    record_years=services.energy_dated_years,
    conflicts=_restore_conflicts,
)
