"""Recalculations and stale figures."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.forms import choices
from ems.ledger import services
from ems.ledger.forms import RecalculationForm
from ems.ledger.models import Recalculation
from ems.ledger.services import RecalculationPreview
from ems.org.models import FIRST_YEAR, LAST_YEAR

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


@bp.get("/recalculations")
@role_required(*READERS)
def list_recalculations() -> ResponseReturnValue:
    """Applied recalculations with reason, who and when."""
    return render_template(
        "ledger/recalculations.html", recalculations=services.list_recalculations()
    )


@bp.get("/recalculations/<id:recalculation_id>")
@role_required(*READERS)
def show_recalculation(recalculation_id: int) -> ResponseReturnValue:
    """Old and new totals per source of one recalculation; the old figures stay retrievable."""
    recalculation = services.get_recalculation(recalculation_id)
    return render_template(
        "ledger/recalculation.html",
        recalculation=recalculation,
        previous=services.year_totals(recalculation.year, recalculation=recalculation),
    )


@bp.get("/stale")
@role_required(*READERS)
def stale() -> ResponseReturnValue:
    """Records whose figures use a factor the selection rule would no longer pick."""
    year = request.args.get("year", type=int)
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        year = None
    return render_template("ledger/stale.html", groups=services.stale_groups(year=year), year=year)


@bp.route("/recalculate", methods=["GET", "POST"])
@role_required(*EDITORS)
def recalculate() -> ResponseReturnValue:
    """Preview the recalculation of a year; apply it with a reason."""
    # a page proposing a recalculation (e.g. after a change of GWP edition) gives its reason
    form = RecalculationForm(
        year=request.args.get("year", type=int),
        reason=request.args.get("reason", "")[: Recalculation.REASON_MAX_LEN],
    )
    form.factor_set_id.choices = choices(
        [(0, _("Selection rule"))]
        + [
            (s.id, f"{s.code} v{s.version}")
            for s in factors.list_sets()
            if s.family != "desnz_haul"
        ]
    )
    preview: RecalculationPreview | None = None
    if form.validate_on_submit():
        overrides = {}
        if form.factor_set_id.data:
            chosen = factors.get_set(form.factor_set_id.data)
            overrides[chosen.family] = chosen.id
        try:
            if form.apply.data:
                recalculation = services.apply_recalculation(
                    actor=signed_in_user(),
                    year=form.year.data,
                    reason=form.reason.data or "",
                    overrides=overrides,
                )
                db.session.commit()
                flash(_("Recalculation applied; the previous figures are kept."), "success")
                return redirect(
                    url_for("ledger.show_recalculation", recalculation_id=recalculation.id)
                )
            preview = services.preview_recalculation(year=form.year.data, overrides=overrides)
        except ValidationFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
    return render_template("ledger/recalculate.html", form=form, preview=preview)
