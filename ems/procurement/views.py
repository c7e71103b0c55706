"""Purchases (list, entry, edit, import, export), spending categories, rates and indices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems import exports
from ems.auth.models import Role
from ems.auth.permissions import ANY_ROLE, role_required, signed_in_user
from ems.extensions import db
from ems.forms import choices
from ems.imports import views as import_views
from ems.ledger import services as ledger
from ems.org import services as org
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.procurement import importer, services
from ems.procurement.forms import CategoryForm, ExchangeRateForm, PriceIndexForm, PurchaseForm
from ems.procurement.models import ExchangeRate, PriceIndex
from ems.removals import services as removals
from ems.removals import views as removal_views
from ems.web import (
    MAX_ID,
    form_page,
    int_arg,
    paginate,
    remove_or_explain,
    remove_url,
    return_url,
    submit_form,
)

bp = Blueprint("procurement", __name__, url_prefix="/procurement")

READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


def _filters() -> services.PurchaseFilters:
    """The purchase filters of the query string; anything invalid is ignored."""
    return services.PurchaseFilters(
        year=int_arg("year", FIRST_YEAR, LAST_YEAR),
        category_id=int_arg("category_id", 1, MAX_ID),
        site_id=int_arg("site_id", 1, MAX_ID),
        department_id=int_arg("department_id", 1, MAX_ID),
    )


@bp.get("/")
@role_required(*READERS)
def list_purchases() -> ResponseReturnValue:
    """Purchases with filters, pages and the totals of everything filtered."""
    filters = _filters()
    page = paginate(services.purchases_query(filters))
    count, co2e_g = services.purchase_totals(filters)
    lines = ledger.current_lines_by_activity(
        activity_type=services.ACTIVITY_TYPE, activity_ids=[p.id for p in page.items]
    )
    return render_template(
        "procurement/purchases.html",
        page=page,
        lines=lines,
        filters=filters,
        count=count,
        co2e_g=co2e_g,
        categories=services.list_categories(),
        sites=org.list_sites(),
        departments=org.list_departments(),
    )


def _purchase_form(**kwargs: Any) -> PurchaseForm:
    form = PurchaseForm(**kwargs)
    form.category_id.choices = choices(
        [(0, _("Choose a category")), *((c.id, c.name) for c in services.list_categories())]
    )
    form.site_id.choices = choices([(0, "—"), *((s.id, s.name) for s in org.list_sites())])
    form.department_id.choices = choices(
        [(0, "—"), *((d.id, d.name) for d in org.list_departments())]
    )
    return form


def _purchase_data(form: PurchaseForm) -> dict[str, Any]:
    data = form.service_data()
    for name in ("category_id", "site_id", "department_id"):
        data[name] = data[name] or None
    return data


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_purchase() -> ResponseReturnValue:
    """Record a purchase."""
    form = _purchase_form(data={"currency": org.get_organisation().reporting_currency})
    return form_page(
        form,
        lambda: services.create_purchase(actor=signed_in_user(), **_purchase_data(form)),
        success=_("Purchase saved."),
        next_url=return_url("procurement.list_purchases"),
        title=_("New purchase"),
        cancel_url=return_url("procurement.list_purchases"),
    )


@bp.route("/<id:purchase_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_purchase(purchase_id: int) -> ResponseReturnValue:
    """Correct a purchase; its figure is replaced, the old one kept."""
    purchase = services.get_purchase(purchase_id)
    form = _purchase_form(obj=purchase)
    return form_page(
        form,
        lambda: services.update_purchase(
            actor=signed_in_user(),
            purchase=purchase,
            expected_version=form.expected_version(),
            **_purchase_data(form),
        ),
        success=_("Purchase saved."),
        next_url=return_url("procurement.list_purchases"),
        current=purchase,
        title=_("Purchase %(id)d", id=purchase.id),
        cancel_url=return_url("procurement.list_purchases"),
        remove_url=remove_url("procurement.delete_purchase", purchase_id=purchase.id),
    )


@bp.route("/<id:purchase_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete_purchase(purchase_id: int) -> ResponseReturnValue:
    """Remove a purchase once confirmed (restorable, with its figure)."""
    purchase = services.get_purchase(purchase_id)
    return removal_views.confirm_removal(
        title=_("Remove purchase %(id)d?", id=purchase.id),
        summary=_(
            "%(date)s, %(supplier)s: %(description)s (%(reference)s).",
            date=purchase.purchased_on,
            supplier=purchase.supplier or "—",
            description=purchase.description or purchase.category.name,
            reference=purchase.reference or "—",
        ),
        preview=removals.preview(kind=services.ACTIVITY_TYPE, ids=[purchase.id]),
        remove=lambda: services.delete_purchase(actor=signed_in_user(), purchase=purchase),
        done_message=_("Purchase %(id)d removed.", id=purchase.id),
        done_endpoint="procurement.list_purchases",
        cancel_url=url_for("procurement.edit_purchase", purchase_id=purchase.id),
    )


@bp.get("/export.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_purchases(fmt: str) -> ResponseReturnValue:
    """The filtered purchases with their emissions, as CSV or XLSX."""
    return exports.download(
        services.export_rows(_filters()), f"ems-purchases-{dt.date.today().isoformat()}", fmt
    )


# --- import -----------------------------------------------------------------------------------


def _import_page() -> import_views.ImportPage:
    return import_views.ImportPage(
        importer=importer.IMPORTER,
        title=_("Import purchases"),
        intro=_(
            "One row per purchase from the finance system's export: the amount paid and its "
            "currency, or a quantity in kg or tonnes for a material the factor library has."
        ),
        columns=tuple(field.name for field in importer.FIELDS),
        columns_help=_(
            "Category: a category's name as listed under Procurement → Categories, or its NAICS "
            "code where only one category has it; the finance system's account codes are mapped "
            "to categories in the import profile. Site and department: a name (or a "
            "department's code). Currency as an ISO code (CHF, USD…). Quantities in kg or "
            "tonnes (t, kilograms…). Each reference (invoice or order number) appears once; "
            "references already recorded are skipped."
        ),
        page_endpoint="procurement.import_purchases",
        commit_endpoint="procurement.commit_import",
        remove_endpoint="procurement.remove_import",
        template_endpoint="procurement.import_template",
        done_endpoint="procurement.list_purchases",
        figures={"total": _("Scope 3, purchased goods and services")},
        created_text=lambda result: _("%(n)d purchases to create.", n=result.created),
        imported_text=lambda n, skipped: _(
            "%(n)d purchases imported; %(skipped)d were already recorded.", n=n, skipped=skipped
        ),
        template_name="ems-purchases-import.csv",
        template_rows=(
            (
                "INV-2025-0141",
                "2025-03-04",
                "IT equipment (computers)",
                "Acme Computers SA",
                "12 laptops",
                "14400",
                "CHF",
                "",
                "",
                "",
                "",
            ),
            (
                "INV-2025-0142",
                "2025-03-06",
                "Paper",
                "Papeterie",
                "A4 paper",
                "",
                "",
                "500",
                "kg",
                "",
                "",
            ),
        ),
        upload_label=_("Finance export (CSV, XLSX or ODS)"),
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_purchases() -> ResponseReturnValue:
    """Check a finance export: every bad row listed, or a preview to confirm."""
    return import_views.upload_page(_import_page())


@bp.route("/import/<id:batch_id>/columns", methods=["GET", "POST"])
@role_required(*EDITORS)
def map_import(batch_id: int) -> ResponseReturnValue:
    """Map the columns of a file of an unknown layout, optionally saved as a profile."""
    return import_views.map_columns(_import_page(), batch_id)


@bp.post("/import/<id:batch_id>/commit")
@role_required(*EDITORS)
def commit_import(batch_id: int) -> ResponseReturnValue:
    """Import a checked file: all its rows or none."""
    return import_views.commit(_import_page(), batch_id)


@bp.route("/import/<id:batch_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def remove_import(batch_id: int) -> ResponseReturnValue:
    """Remove an import with its purchases (their figures are kept, superseded)."""
    return import_views.remove(_import_page(), batch_id)


@bp.get("/import/template.csv")
@role_required(*ANY_ROLE)
def import_template() -> ResponseReturnValue:
    """The column template of purchase imports, with example rows."""
    return import_views.template_file(_import_page())


# --- categories -------------------------------------------------------------------------------


def _category_form(**kwargs: Any) -> CategoryForm:
    form = CategoryForm(**kwargs)
    form.material.choices = choices(
        [("", _("None (spend only)")), *((m, m) for m in services.materials())]
    )
    return form


def _categories_page(form: CategoryForm, status: int = 200) -> ResponseReturnValue:
    categories = services.list_categories()
    return render_template(
        "procurement/categories.html",
        form=form,
        categories=categories,
        titles={c.id: services.naics_title(c.naics_code) for c in categories},
    ), status


@bp.get("/categories")
@role_required(*READERS)
def list_categories() -> ResponseReturnValue:
    """Spending categories and the NAICS code each is mapped to."""
    return _categories_page(_category_form())


@bp.post("/categories/new")
@role_required(*EDITORS)
def new_category() -> ResponseReturnValue:
    """Add a category."""
    form = _category_form()
    done = submit_form(
        form,
        lambda: services.create_category(actor=signed_in_user(), **form.service_data()),
        success=_("Category saved."),
        next_url=url_for("procurement.list_categories"),
    )
    return done or _categories_page(form, 422)


@bp.post("/categories/defaults")
@role_required(*EDITORS)
def add_default_categories() -> ResponseReturnValue:
    """Add the default office categories that are missing."""
    added = services.add_default_categories(actor=signed_in_user())
    db.session.commit()
    flash(_("%(n)d default categories added.", n=len(added)), "success")
    return redirect(url_for("procurement.list_categories"))


@bp.route("/categories/<id:category_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_category(category_id: int) -> ResponseReturnValue:
    """Change a category's name or mapping."""
    category = services.get_category(category_id)
    form = _category_form(obj=category)
    return form_page(
        form,
        lambda: services.update_category(
            actor=signed_in_user(),
            category=category,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_("Category saved."),
        next_url=url_for("procurement.list_categories"),
        current=category,
        title=lambda: category.name,  # as it is now, after a conflict too
        intro=_(
            "A changed mapping applies to purchases recorded from now on; recalculate a year "
            "(Factors → Recalculations) to apply it to purchases already recorded."
        ),
        cancel_url=url_for("procurement.list_categories"),
        delete_url=url_for("procurement.delete_category", category_id=category.id),
    )


@bp.post("/categories/<id:category_id>/delete")
@role_required(*EDITORS)
def delete_category(category_id: int) -> ResponseReturnValue:
    """Remove a category no purchase uses."""
    category = services.get_category(category_id)
    return remove_or_explain(
        lambda: services.delete_category(actor=signed_in_user(), category=category),
        success=_("Category removed."),
        done_url=url_for("procurement.list_categories"),
        back_url=url_for("procurement.list_categories"),
    )


# --- exchange rates and price indices -----------------------------------------------------------


def _rates_page(
    rate_form: ExchangeRateForm, index_form: PriceIndexForm, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "procurement/rates.html",
        rate_form=rate_form,
        index_form=index_form,
        rates=services.exchange_rates(),
        indices=services.price_indices(),
    ), status


@bp.get("/rates")
@role_required(*READERS)
def rates() -> ResponseReturnValue:
    """Exchange rates and price indices per year, which convert spend for the factors."""
    return _rates_page(ExchangeRateForm(), PriceIndexForm())


@bp.post("/rates/exchange")
@role_required(*EDITORS)
def save_exchange_rate() -> ResponseReturnValue:
    """Set a currency's rate of a year (replacing the one there was)."""
    form = ExchangeRateForm()
    done = submit_form(
        form,
        lambda: services.set_exchange_rate(actor=signed_in_user(), **form.service_data()),
        success=_("Exchange rate saved."),
        next_url=url_for("procurement.rates"),
    )
    return done or _rates_page(form, PriceIndexForm(formdata=None), 422)


@bp.post("/rates/index")
@role_required(*EDITORS)
def save_price_index() -> ResponseReturnValue:
    """Set a year's price index (replacing the one there was)."""
    form = PriceIndexForm()
    done = submit_form(
        form,
        lambda: services.set_price_index(actor=signed_in_user(), **form.service_data()),
        success=_("Price index saved."),
        next_url=url_for("procurement.rates"),
    )
    return done or _rates_page(ExchangeRateForm(formdata=None), form, 422)


@bp.route("/rates/exchange/<id:rate_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_exchange_rate(rate_id: int) -> ResponseReturnValue:
    """Correct an exchange rate."""
    row = services.get_exchange_rate(rate_id)
    form = ExchangeRateForm(obj=row)
    return _edit_yearly(
        form,
        row,
        lambda: services.set_exchange_rate(
            actor=signed_in_user(), expected_version=form.expected_version(), **form.service_data()
        ),
        title=_("Exchange rate %(currency)s %(year)d", currency=row.currency, year=row.year),
        delete_url=url_for("procurement.delete_exchange_rate", rate_id=row.id),
    )


@bp.route("/rates/index/<id:index_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_price_index(index_id: int) -> ResponseReturnValue:
    """Correct a price index."""
    row = services.get_price_index(index_id)
    form = PriceIndexForm(obj=row)
    return _edit_yearly(
        form,
        row,
        lambda: services.set_price_index(
            actor=signed_in_user(), expected_version=form.expected_version(), **form.service_data()
        ),
        title=_("Price index %(year)d", year=row.year),
        delete_url=url_for("procurement.delete_price_index", index_id=row.id),
    )


def _edit_yearly(
    form: ExchangeRateForm | PriceIndexForm,
    row: ExchangeRate | PriceIndex,
    save: Any,
    *,
    title: str,
    delete_url: str,
) -> ResponseReturnValue:
    return form_page(
        form,
        save,
        success=_("Saved."),
        next_url=url_for("procurement.rates"),
        current=row,
        title=title,
        intro=_(
            "A changed rate applies to purchases recorded from now on; recalculate the year "
            "(Factors → Recalculations) to apply it to purchases already recorded."
        ),
        cancel_url=url_for("procurement.rates"),
        delete_url=delete_url,
    )


@bp.post("/rates/exchange/<id:rate_id>/delete")
@role_required(*EDITORS)
def delete_exchange_rate(rate_id: int) -> ResponseReturnValue:
    """Remove an exchange rate."""
    services.delete_yearly_figure(actor=signed_in_user(), row=services.get_exchange_rate(rate_id))
    db.session.commit()
    flash(_("Exchange rate removed."), "success")
    return redirect(url_for("procurement.rates"))


@bp.post("/rates/index/<id:index_id>/delete")
@role_required(*EDITORS)
def delete_price_index(index_id: int) -> ResponseReturnValue:
    """Remove a price index."""
    services.delete_yearly_figure(actor=signed_in_user(), row=services.get_price_index(index_id))
    db.session.commit()
    flash(_("Price index removed."), "success")
    return redirect(url_for("procurement.rates"))


import_views.register_page(importer.IMPORTER.kind, _import_page)
