"""The years of the inventory: closed, complete or in progress, how far their data reaches, and
what to check in it; closing and reopening them. Baselines, targets, restatements: ems.targets."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.credits import services as credits
from ems.extensions import utcnow
from ems.inventory import services, years
from ems.inventory.forms import CloseYearForm, ReopenYearForm
from ems.org import services as org
from ems.web import submit_form

bp = Blueprint("inventory", __name__, url_prefix="/inventory")

READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


def _years_page(
    close_form: CloseYearForm, reopen_form: ReopenYearForm, status: int = 200
) -> ResponseReturnValue:
    statuses = years.year_statuses()
    return render_template(
        "inventory/years.html",
        statuses=sorted(statuses.values(), key=lambda s: -s.year),
        reaches={year: years.reach(year) for year in statuses},
        # gross emissions (the headline: Greening the Blue), then the credits applied to the
        # year, then its climate-neutral status; credits never reduce the total
        neutrality=credits.neutrality_by_year(
            {
                year: grams
                for year, grams in services.totals_by_year(services.Boundary.gtb).items()
                if year in statuses
            }
        ),
        # a year can be closed once it has ended, if it has figures
        closable={y for y in years.years_with_lines() if y < utcnow().year},
        quality={year: services.data_quality(year) for year in statuses},
        any_closed=any(s.state is years.YearState.closed for s in statuses.values()),
        close_form=close_form,
        reopen_form=reopen_form,
    ), status


@bp.get("/years")
@role_required(*READERS)
def list_years() -> ResponseReturnValue:
    """Every year: closed, complete or in progress, how far its data reaches, and its gaps."""
    return _years_page(CloseYearForm(), ReopenYearForm())


@bp.post("/years/close")
@role_required(*EDITORS)
def close_year() -> ResponseReturnValue:
    """Close a year: targets judge it and its records are frozen until it is reopened."""
    form = CloseYearForm()
    done = submit_form(
        form,
        lambda: org.close_year(actor=signed_in_user(), year=form.year.data),
        success=_("%(year)s closed.", year=form.year.data),
        next_url=url_for("inventory.list_years"),
    )
    return done or _years_page(form, ReopenYearForm(formdata=None), 422)


@bp.post("/years/reopen")
@role_required(*EDITORS)
def reopen_year() -> ResponseReturnValue:
    """Reopen a closed year, with the reason."""
    form = ReopenYearForm()
    done = submit_form(
        form,
        lambda: org.reopen_year(
            actor=signed_in_user(), year=form.year.data, reason=form.reason.data
        ),
        success=_("%(year)s reopened.", year=form.year.data),
        next_url=url_for("inventory.list_years"),
    )
    return done or _years_page(CloseYearForm(formdata=None), form, 422)
