"""Importing the finance system's export of purchases: one row per purchase, all or nothing,
purchases whose reference is already recorded skipped.

The framework maps the file's columns to ``FIELDS`` and applies a profile's value mappings
first: the finance system's account codes ("61200") are mapped in the profile, on the category
field, to a category's name (or to a NAICS code only one category has). Quantities are read in
the units energy reads (``ems.units``): t, tonnes, kg, kilograms, KGM…; material factors are per
tonne, so volumes and energy (litres, kWh) are refused with the reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems.auth.models import Role
from ems.errors import NotFound, ValidationFailed
from ems.extensions import bulk_insert, db, utcnow
from ems.factors.services import FactorSelector
from ems.imports import ImportFailed, RowError, control_character_errors, row_date
from ems.imports import services as imports
from ems.imports.mapping import Field, Table, words
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.org import services as org
from ems.org.models import Department, Site
from ems.procurement import services
from ems.procurement.models import Purchase, SpendCategory
from ems.removals import services as removals


def _listed(text: str) -> tuple[str, ...]:
    """Words written "a|b|c" (compact for long lists of synonyms) as a tuple."""
    return tuple(text.split("|"))


FIELDS: tuple[Field, ...] = (
    Field(
        "reference",
        _l("Document number"),
        required=True,
        kind="code",
        synonyms=_listed(
            "document|document number|document no|doc no|ref|reference|invoice|invoice number|"
            "invoice no|"
            "invoice ref|order number|po number|purchase order|voucher|voucher number|belegnummer|"
            "beleg|beleg nr|rechnungsnummer|rechnung nr|n° de facture|numéro de facture|"
            "no facture|n° de pièce|pièce|número de factura|factura|n° factura|documento|"
            "номер документа|документ|номер счёта|номер счета"
        ),
    ),
    Field(
        "date",
        _l("Date"),
        required=True,
        kind="date",
        synonyms=_listed(
            "purchase date|invoice date|posting date|document date|booking date|datum|"
            "buchungsdatum|belegdatum|rechnungsdatum|date de facture|date comptable|date de pièce|"
            "fecha|fecha de factura|fecha contable|дата|дата документа"
        ),
    ),
    Field(
        "category",
        _l("Category"),
        required=True,
        synonyms=_listed(
            "spend category|commodity|account|gl account|g/l account|general ledger account|"
            "account code|expense account|nominal code|sachkonto|konto|kategorie|compte|"
            "compte général|catégorie|cuenta|cuenta contable|categoría|счёт|счет|категория"
        ),
    ),
    Field(
        "supplier",
        _l("Supplier"),
        synonyms=_listed(
            "vendor|vendor name|supplier name|creditor|lieferant|kreditor|fournisseur|proveedor|"
            "поставщик|контрагент"
        ),
    ),
    Field(
        "description",
        _l("Description"),
        synonyms=_listed(
            "item|text|line description|item description|buchungstext|bezeichnung|beschreibung|"
            "libellé|désignation|descripción|concepto|описание|наименование"
        ),
    ),
    Field(
        "amount",
        _l("Amount"),
        kind="number",
        synonyms=_listed(
            "net amount|value|spend|net value|amount net|betrag|nettobetrag|montant|montant ht|"
            "importe|importe neto|monto|сумма"
        ),
    ),
    Field(
        "currency",
        _l("Currency"),
        kind="code",
        synonyms=(
            "ccy",
            "cur",
            "currency code",
            "währung",
            "devise",
            "monnaie",
            "moneda",
            "валюта",
        ),
    ),
    Field(
        "quantity",
        _l("Quantity"),
        kind="number",
        synonyms=("qty", "menge", "quantité", "qté", "cantidad", "количество", "кол во"),
    ),
    Field(
        "unit",
        _l("Unit"),
        synonyms=_listed(
            "uom|unit of measure|einheit|mengeneinheit|me|unité|unidad|единица|ед изм"
        ),
    ),
    Field(
        "site",
        _l("Site"),
        synonyms=("location", "duty station", "standort", "sitio", "sede", "établissement"),
    ),
    Field(
        "department",
        _l("Department"),
        synonyms=_listed(
            "dept|cost centre|cost center|kostenstelle|centre de coût|centre de coûts|"
            "centro de costo|centro de coste|отдел|подразделение"
        ),
    ),
)
#: the columns of the purchase form's fields, to name them in row errors
COLUMNS = {
    "purchased_on": "date",
    "category_id": "category",
    "quantity_unit": "unit",
    "site_id": "site",
    "department_id": "department",
}


def _names() -> dict[str, dict[str, int | None]]:
    """Category, site and department ids by name as compared (``words``), a department's code
    and a category's NAICS code too (None where several categories share it)."""
    found: dict[str, dict[str, int | None]] = {"category": {}, "site": {}, "department": {}}
    for column, model in (("category", SpendCategory), ("site", Site)):
        for row_id, name in db.session.execute(sa.select(model.id, model.name)):
            found[column][words(name)] = row_id
    by_naics: dict[str, int | None] = {}
    for category_id, naics in db.session.execute(
        sa.select(SpendCategory.id, SpendCategory.naics_code)
    ):
        by_naics[naics] = None if naics in by_naics else category_id
    for naics, only_id in by_naics.items():
        found["category"].setdefault(naics, only_id)
    for department_id, name, code in db.session.execute(
        sa.select(Department.id, Department.name, Department.code)
    ):
        found["department"][words(name)] = department_id
        if code:
            found["department"][words(code)] = department_id
    return found


def _unknown(number: int, column: str, value: str, ambiguous: bool) -> RowError:
    if ambiguous:
        return RowError(
            number,
            column,
            _(
                "several categories have the NAICS code %(value)s: give the category's name "
                "(or map the code to one in the profile)",
                value=value[:40],
            ),
        )
    if column == "category":
        return RowError(
            number,
            column,
            _(
                "no category is named “%(value)s” (map the finance system's account codes to "
                "categories in the profile)",
                value=value[:40],
            ),
        )
    return RowError(
        number, column, _("no %(what)s is named “%(value)s”", what=column, value=value[:40])
    )


def parse(
    table: Table, *, today: dt.date | None = None
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Every row of a mapped file checked: (row number, purchase values) of the good rows, and
    the problems of the others."""
    names = _names()
    errors: list[RowError] = []
    checked: list[tuple[int, dict[str, Any]]] = []
    first_row: dict[str, int] = {}
    for number, row in table.rows:
        unsafe = control_character_errors(number, row)
        if unsafe:
            errors += unsafe
            continue
        before = len(errors)
        reference = row.get("reference", "")
        if not reference:
            errors.append(RowError(number, "reference", _("the document number is required")))
        elif reference in first_row:
            errors.append(
                RowError(
                    number,
                    "reference",
                    _(
                        "%(ref)s is on row %(row)d too; give each purchase its own reference",
                        ref=reference[:40],
                        row=first_row[reference],
                    ),
                )
            )
        else:
            first_row[reference] = number
        day = row_date(errors, number, "date", row.get("date", ""))
        ids: dict[str, int | None] = {}
        for column in ("category", "site", "department"):
            value = row.get(column, "")
            known = names[column]
            ids[column] = known.get(words(value)) if value else None
            if value and ids[column] is None:
                errors.append(_unknown(number, column, value, words(value) in known))
        if len(errors) > before:
            continue
        try:
            values = services.check_purchase(
                purchased_on=day,
                category_id=ids["category"],
                amount=row.get("amount", ""),
                currency=row.get("currency", ""),
                quantity=row.get("quantity", ""),
                quantity_unit=row.get("unit", ""),
                supplier=row.get("supplier", ""),
                description=row.get("description", ""),
                reference=reference,
                site_id=ids["site"],
                department_id=ids["department"],
                today=today,
            )
        except ValidationFailed as exc:
            errors += [
                RowError(number, COLUMNS.get(field, field), message.rstrip("."))
                for field, message in exc.errors.items()
            ]
            continue
        checked.append((number, values))
    return checked, errors


def plan(table: Table, on_progress: imports.Progress | None) -> imports.Plan:
    """Check the mapped file, compute every new purchase's line, skip references already
    recorded."""
    rows, errors = parse(table)
    known = imports.known_keys(
        Purchase.reference,
        [values["reference"] for _number, values in rows],
    )
    result = imports.ImportResult(skipped=sorted(known), co2e_g={"total": 0})
    closed_years = org.closed_years()
    selector = FactorSelector()
    categories = {category.id: category for category in services.list_categories()}
    new: list[tuple[dict[str, Any], ledger.LineSpec]] = []
    for number, values in rows:
        if values["reference"] in known:
            continue
        draft = Purchase(**values, id=0)
        draft.category = categories[values["category_id"]]
        try:
            (line,) = services.purchase_lines(draft, selector)
            line_g = line.co2e_g
        except services.RateMissing as exc:
            errors.append(RowError(number, COLUMNS.get(exc.field, exc.field), str(exc)))
            continue
        except NotFound as exc:
            errors.append(RowError(number, "category", str(exc)))
            continue
        except ValidationFailed as exc:  # a figure no ledger line may hold
            column = "quantity" if values.get("quantity") is not None else "amount"
            errors += [
                RowError(number, column, str(message).rstrip("."))
                for message in exc.errors.values()
            ]
            continue
        closed = imports.closed_year_errors(
            [(number, "date", values["purchased_on"].year)], closed_years
        )
        if closed:
            errors += closed
            continue
        new.append((values, line))
        result.created += 1
        result.rows += 1
        result.co2e_g["total"] += line_g
        if on_progress is not None:
            on_progress(1)
    if errors:  # the file's problems and the missing rates, in the order of the rows
        raise ImportFailed(sorted(errors, key=lambda error: error.row))
    return imports.Plan(result=result, write=lambda batch, _actor: _write(batch, new))


def _write(batch: ImportBatch, new: list[tuple[dict[str, Any], ledger.LineSpec]]) -> None:
    if not new:
        return
    now = utcnow()
    bulk_insert(
        Purchase,
        [
            {
                **values,
                "import_batch_id": batch.id,
                "created_at": now,
                "updated_at": now,
                "version_id": 1,
            }
            for values, _line in new
        ],
    )
    ids = dict(
        db.session.execute(
            sa.select(Purchase.reference, Purchase.id).where(Purchase.import_batch_id == batch.id)
        ).all()
    )
    ledger.add_lines([replace(line, activity_id=ids[values["reference"]]) for values, line in new])


def _restore_conflicts(purchase_ids: list[int]) -> list[str]:
    """The references of a removed import's purchases that live purchases hold now."""
    references = [
        reference
        for (reference,) in removals.rows_of(Purchase.id, purchase_ids, Purchase.reference)
        if reference
    ]
    return [
        _("purchase %(reference)s is recorded again", reference=reference)
        for reference in sorted(imports.known_keys(Purchase.reference, references))
    ]


IMPORTER = imports.Importer(
    kind="procurement",
    require=services.require_editor,
    fields=FIELDS,
    plan=plan,
    noun="purchases",
    model=Purchase,
    activity_type=services.ACTIVITY_TYPE,
    roles=(Role.ems,),
    label=_l("Import of purchases"),
    record_years=services.purchase_dated_years,
    conflicts=_restore_conflicts,
)
