"""Importing the finance system's export of purchases: one row per purchase, all or nothing,
purchases whose reference is already recorded skipped."""

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
from ems.imports import ImportFailed, RowError, control_character_errors, read_table, row_date
from ems.imports import services as imports
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.org import services as org
from ems.org.models import Department, Site
from ems.procurement import services
from ems.procurement.models import Purchase, SpendCategory
from ems.removals import services as removals

REQUIRED = ("reference", "date", "category")
OPTIONAL = (
    "supplier",
    "description",
    "amount",
    "currency",
    "quantity",
    "unit",
    "site",
    "department",
)
ALIASES = {
    "document": "reference",
    "document number": "reference",
    "invoice": "reference",
    "invoice number": "reference",
    "order number": "reference",
    "po number": "reference",
    "purchase date": "date",
    "invoice date": "date",
    "posting date": "date",
    "vendor": "supplier",
    "vendor name": "supplier",
    "supplier name": "supplier",
    "item": "description",
    "text": "description",
    "spend category": "category",
    "commodity": "category",
    "net amount": "amount",
    "value": "amount",
    "ccy": "currency",
    "qty": "quantity",
    "cost centre": "department",
    "cost center": "department",
    "dept": "department",
}
#: the columns of the purchase form's fields, to name them in row errors
COLUMNS = {
    "purchased_on": "date",
    "category_id": "category",
    "quantity_unit": "unit",
    "site_id": "site",
    "department_id": "department",
}


def _names() -> dict[str, dict[str, int]]:
    """Category, site and department ids by lower-case name (and department code)."""
    found: dict[str, dict[str, int]] = {"category": {}, "site": {}, "department": {}}
    for column, model in (("category", SpendCategory), ("site", Site)):
        for row_id, name in db.session.execute(sa.select(model.id, model.name)):
            found[column][name.lower()] = row_id
    for row_id, name, code in db.session.execute(
        sa.select(Department.id, Department.name, Department.code)
    ):
        found["department"][name.lower()] = row_id
        if code:
            found["department"][code.lower()] = row_id
    return found


def parse(
    data: bytes, filename: str, *, today: dt.date | None = None
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Every row checked: (row number, purchase values) of the good rows, and the problems of
    the others (ImportFailed for a file that cannot be read at all)."""
    rows = read_table(data, filename, required=REQUIRED, optional=OPTIONAL, aliases=ALIASES)
    names = _names()
    errors: list[RowError] = []
    checked: list[tuple[int, dict[str, Any]]] = []
    first_row: dict[str, int] = {}
    for number, row in rows:
        unsafe = control_character_errors(number, row)
        if unsafe:
            errors += unsafe
            continue
        before = len(errors)
        reference = row["reference"]
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
        day = row_date(errors, number, "date", row["date"])
        ids: dict[str, int | None] = {}
        for column in ("category", "site", "department"):
            value = row.get(column, "")
            ids[column] = names[column].get(value.lower()) if value else None
            if value and ids[column] is None:
                errors.append(
                    RowError(
                        number,
                        column,
                        _("no %(what)s is named “%(value)s”", what=column, value=value[:40]),
                    )
                )
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


def plan(data: bytes, filename: str, on_progress: imports.Progress | None) -> imports.Plan:
    """Check the file, compute every new purchase's line, skip references already recorded."""
    rows, errors = parse(data, filename)
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
    plan=plan,
    noun="purchases",
    model=Purchase,
    activity_type=services.ACTIVITY_TYPE,
    roles=(Role.ems,),
    label=_l("Import of purchases"),
    record_years=services.purchase_dated_years,
    conflicts=_restore_conflicts,
)
