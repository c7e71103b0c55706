"""Carbon credits retired: the list of a year, entry, correction, removal and export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems import exports, labels
from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.credits import services
from ems.credits.forms import CreditForm
from ems.periods import FIRST_YEAR, LAST_YEAR
from ems.removals import services as removals
from ems.removals import views as removal_views
from ems.web import form_page, int_arg, paginate, remove_url, return_url

bp = Blueprint("credits", __name__, url_prefix="/credits")

READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


@bp.get("/")
@role_required(*READERS)
def list_credits() -> ResponseReturnValue:
    """The credits retired, of one inventory year or all, with their tonnes."""
    year = int_arg("year", FIRST_YEAR, LAST_YEAR)
    page = paginate(services.credits_query(year))
    count, total_t = services.credit_totals(year)
    return render_template(
        "credits/list.html",
        page=page,
        year=year,
        by_year=services.retired_t_by_year(),
        count=count,
        total_t=total_t,
    )


def _data(form: CreditForm) -> dict[str, Any]:
    return form.service_data()


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_credit() -> ResponseReturnValue:
    """Record a block of credits retired."""
    year = int_arg("year", FIRST_YEAR, LAST_YEAR)
    form = CreditForm(data={"applied_year": year} if year else None)
    return form_page(
        form,
        lambda: services.create_credit(actor=signed_in_user(), **_data(form)),
        success=_("Credits saved."),
        next_url=return_url("credits.list_credits"),
        title=_("Record credits retired"),
        intro=_(
            "Credits are kept beside the emissions, never netted from them: the inventory "
            "stays gross, and the year is climate neutral when its credits cover it."
        ),
        cancel_url=return_url("credits.list_credits"),
    )


@bp.route("/<id:credit_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_credit(credit_id: int) -> ResponseReturnValue:
    """Correct a block of credits (a second editor is told what changed)."""
    credit = services.get_credit(credit_id)
    form = CreditForm(obj=credit)
    return form_page(
        form,
        lambda: services.update_credit(
            actor=signed_in_user(),
            credit=credit,
            expected_version=form.expected_version(),
            **_data(form),
        ),
        success=_("Credits saved."),
        next_url=return_url("credits.list_credits"),
        current=credit,
        title=_("Credits %(id)d", id=credit.id),
        cancel_url=return_url("credits.list_credits"),
        remove_url=remove_url("credits.delete_credit", credit_id=credit.id),
    )


@bp.route("/<id:credit_id>/delete", methods=["GET", "POST"])
@role_required(*EDITORS)
def delete_credit(credit_id: int) -> ResponseReturnValue:
    """Remove a block of credits once confirmed (restorable while its serials are free)."""
    credit = services.get_credit(credit_id)
    return removal_views.confirm_removal(
        title=_("Remove credits %(id)d?", id=credit.id),
        summary=_(
            "%(tonnes)s t of %(standard)s, %(project)s, serials %(first)s to %(last)s, retired "
            "%(date)s for %(year)d. Credits count no emissions: removing them changes no "
            "total, only the year's climate-neutral status.",
            tonnes=f"{credit.co2e_t:,}",
            standard=labels.label("credit_standard", credit.standard),
            project=credit.project_name,
            first=credit.serial_first,
            last=credit.serial_last,
            date=credit.retired_on.isoformat(),
            year=credit.applied_year,
        ),
        preview=removals.preview(kind=services.ACTIVITY_TYPE, ids=[credit.id]),
        remove=lambda: services.delete_credit(actor=signed_in_user(), credit=credit),
        done_message=_("Credits %(id)d removed.", id=credit.id),
        done_endpoint="credits.list_credits",
        cancel_url=url_for("credits.edit_credit", credit_id=credit.id),
    )


@bp.get("/export.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def export_credits(fmt: str) -> ResponseReturnValue:
    """The credits (of the year asked) as CSV or XLSX."""
    year = int_arg("year", FIRST_YEAR, LAST_YEAR)
    name = f"ems-credits-{year or 'all'}-{dt.date.today().isoformat()}"
    return exports.download(services.export_rows(year), name, fmt)
