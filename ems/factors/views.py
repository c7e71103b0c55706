"""The factor library: sets with provenance, search, a factor's history, import, pins."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.auth.permissions import ANY_ROLE, role_required, signed_in_user
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services
from ems.factors.forms import FactorSetImportForm
from ems.tables import ImportFailed
from ems.validation import without_control_characters
from ems.web import MAX_ID, paginate

bp = Blueprint("factors", __name__, url_prefix="/factors")

EDITORS = (Role.ems,)

TEMPLATE_ROWS = [
    [
        "category",
        "activity",
        "unit",
        "kgco2e_per_unit",
        "country",
        "kgco2_per_unit",
        "kgch4_co2e_per_unit",
        "kgn2o_co2e_per_unit",
        "label",
    ],
    [
        "electricity",
        "supplier_mix",
        "kwh",
        "0.0123",
        "CH",
        "",
        "",
        "",
        "Supplier disclosure 2024, certified hydro",
    ],
    [
        "heat",
        "district_heating",
        "kwh",
        "0.0675",
        "CH",
        "",
        "",
        "",
        "District heating network, supplier letter of 2025-02-10",
    ],
]


def _arg(name: str) -> str:
    return without_control_characters(request.args.get(name) or "").strip()[:100]


@bp.get("/")
@role_required(*ANY_ROLE)
def list_sets() -> ResponseReturnValue:
    """Every factor set with its provenance, grouped by family."""
    return render_template(
        "factors/sets.html",
        sets=services.list_sets(),
        counts=services.factor_counts(),
        pins=services.pins(),
    )


@bp.get("/sets/<id:set_id>")
@role_required(*ANY_ROLE)
def show_set(set_id: int) -> ResponseReturnValue:
    """A set's provenance and its factors (or haul definitions)."""
    factor_set = services.get_set(set_id)
    text = _arg("q")
    page = paginate(services.factors_query(text=text, set_id=factor_set.id))
    pin = services.pins().get(factor_set.family)
    return render_template(
        "factors/set.html",
        factor_set=factor_set,
        page=page,
        q=text,
        hauls=services.hauls(factor_set) if factor_set.family == "desnz_haul" else [],
        is_pinned=pin is not None and pin.id == factor_set.id,
        pinned=pin,
    )


@bp.get("/search")
@role_required(*ANY_ROLE)
def search() -> ResponseReturnValue:
    """Search factors across every set by key, label and category."""
    text, category = _arg("q"), _arg("category")
    page = (
        paginate(services.factors_query(text=text, category=category)) if text or category else None
    )
    return render_template(
        "factors/search.html",
        page=page,
        q=text,
        category=category,
        categories=services.categories(),
    )


@bp.get("/history")
@role_required(*ANY_ROLE)
def history() -> ResponseReturnValue:
    """One factor across editions, e.g. long-haul economy with RF from 2018 to 2025."""
    key = _arg("key")
    if "factor" in request.args:
        factor_id = request.args.get("factor", 0, type=int) or 0
        factor = services.get_factor(factor_id if 0 < factor_id <= MAX_ID else 0)
        key = factor.key
    return render_template(
        "factors/history.html", key=key, rows=services.factor_history(key) if key else []
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_set() -> ResponseReturnValue:
    """Import a factor set from CSV: all rows or none, with every row error listed."""
    form = FactorSetImportForm()
    row_errors: list[str] = []
    if form.validate_on_submit():
        try:
            factor_set, created = services.import_factor_set(
                actor=signed_in_user(),
                data=form.file.data.read(),
                **form.service_data(exclude=("file",)),
            )
        except ImportFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
            row_errors = [str(error) for error in exc.row_errors]
        except ValidationFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Factor set %(code)s v%(version)s imported.",
                    code=factor_set.code,
                    version=factor_set.version,
                )
                if created
                else _("This file was imported before with the same values; nothing changed."),
                "success",
            )
            return redirect(url_for("factors.show_set", set_id=factor_set.id))
    status = 422 if form.errors else 200
    return render_template("factors/import.html", form=form, row_errors=row_errors), status


@bp.get("/template.csv")
@role_required(*ANY_ROLE)
def template() -> ResponseReturnValue:
    """A CSV template for factor-set imports."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(TEMPLATE_ROWS)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=ems-factor-set.csv"},
    )


@bp.post("/sets/<id:set_id>/pin")
@role_required(*EDITORS)
def pin_set(set_id: int) -> ResponseReturnValue:
    """Use this set for every year of its family (from the next calculation on)."""
    factor_set = services.get_set(set_id)
    try:
        services.pin_factor_set(actor=signed_in_user(), factor_set=factor_set)
    except ValidationFailed as exc:  # the GWP tables follow the organisation's setting
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for("factors.show_set", set_id=set_id))
    db.session.commit()
    flash(
        _(
            "%(code)s is now used for every year of %(family)s. Figures already calculated "
            "change only when you recalculate.",
            code=factor_set.code,
            family=factor_set.family,
        ),
        "success",
    )
    return redirect(url_for("factors.show_set", set_id=set_id))


@bp.post("/sets/<id:set_id>/unpin")
@role_required(*EDITORS)
def unpin_set(set_id: int) -> ResponseReturnValue:
    """Go back to each year's own edition for this set's family."""
    factor_set = services.get_set(set_id)
    services.unpin_family(actor=signed_in_user(), family=factor_set.family)
    db.session.commit()
    flash(
        _("Each year's own edition of %(family)s is used again.", family=factor_set.family),
        "success",
    )
    return redirect(url_for("factors.show_set", set_id=set_id))


@bp.post("/sets/<id:set_id>/delete")
@role_required(*EDITORS)
def delete_set(set_id: int) -> ResponseReturnValue:
    """Remove an imported set no calculation has used."""
    factor_set = services.get_set(set_id)
    try:
        services.delete_factor_set(actor=signed_in_user(), factor_set=factor_set)
    except ValidationFailed as exc:
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for("factors.show_set", set_id=set_id))
    db.session.commit()
    flash(_("Factor set removed."), "success")
    return redirect(url_for("factors.list_sets"))
