"""The start page: the dashboard of the year's emissions against the baseline and the target."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from ems.actions import services as actions
from ems.auth.permissions import ANY_ROLE, role_required, signed_in_user
from ems.credits import services as credits
from ems.extensions import utcnow
from ems.inventory import gwp as gwp_editions
from ems.inventory import services as inventory
from ems.inventory import years
from ems.inventory.services import SOURCE_LABELS
from ems.org import services as org
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.targets import services as targets
from ems.travel import services as travel
from ems.web import int_arg

bp = Blueprint("home", __name__)


@bp.get("/")
@role_required(*ANY_ROLE)
def index() -> ResponseReturnValue:
    """The dashboard: the year's total against last year and the trajectory, the trend from the
    baseline to the target year, the breakdowns, the biggest movers and the data gaps. Its cost
    does not grow with the targets or actions: the organisation's totals are read once, every
    target and proposal derives from them, and the open actions come as the first few and a
    count."""
    organisation = org.get_organisation()
    totals = targets.OrganisationTotals()
    by_year = totals.by_year(inventory.Boundary.gtb)
    statuses = years.year_statuses(by_year)
    judged = [y for y, status in statuses.items() if status.is_judged and y in by_year]
    # the latest closed (or complete) year, not whatever year the latest bill runs into
    default = max(judged) if judged else max(by_year, default=None)
    year = int_arg("year", FIRST_YEAR, LAST_YEAR) or default
    context: dict[str, object] = {
        "organisation": organisation,
        "years": sorted(by_year),
        "statuses": statuses,
        "status": statuses.get(year) if year is not None else None,
        # how far an open year's data reaches ("in progress, data to 3 January")
        "reach": years.reach(year)
        if year is not None and year in statuses and not statuses[year].is_judged
        else None,
        "year": year,
        "sources": SOURCE_LABELS,
        "boundaries": inventory.BOUNDARY_LABELS,
        "restatements_needed": targets.restatements_needed(totals),
        "gwp": gwp_editions.editions(),
        "open_actions": actions.open_actions_panel(utcnow().date(), signed_in_user().id),
        "proposal_count": len(actions.proposals(totals)),
    }
    if year is not None:
        both = inventory.inventories(year)
        gross_g = both[inventory.Boundary.gtb].total_g
        path = targets.trajectory(targets.main_target(), totals=totals)
        context.update(
            gtb=both[inventory.Boundary.gtb],
            full=both[inventory.Boundary.full],
            previous_g=by_year.get(year - 1),
            path=path,
            on_line=next((y for y in path.years if y.year == year), None) if path else None,
            movers=inventory.change_explained(year)[:6],
            quality=inventory.data_quality(year),
            # the credits retired for the year beside its gross headline total (never netted)
            neutrality=credits.neutrality_by_year({year: gross_g})[year],
            # ICAO's figures beside DESNZ's, with how many flights have one
            icao=travel.icao_coverage(year, missing_limit=0)
            if both[inventory.Boundary.gtb].air_icao_g
            else None,
        )
    return render_template("home/index.html", **context)
