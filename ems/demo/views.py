"""The demo load as a background job (`ems demo load --in-background`, as `make run` does), and
how far it got, for the sign-in page: nobody can sign in before the demo's accounts exist."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.demo import services
from ems.extensions import db
from ems.jobs import kinds
from ems.jobs.models import Job
from ems.jobs.views import job_progress, job_state

bp = Blueprint("demo", __name__, url_prefix="/demo")


def _run_load(work: kinds.JobWork) -> dict[str, Any]:
    result = services.load_demo(seed=int(work.params["seed"]), progress=work.progress)
    return {"gtb_totals_g": {str(year): grams for year, grams in result.gtb_totals_g.items()}}


def _show_loaded(job: Job) -> ResponseReturnValue:
    flash(_("The demo organisation is loaded."), "success")
    return redirect(url_for("home.index"))


kinds.register_kind(
    kinds.JobKind(
        name=services.LOAD_JOB,
        run=_run_load,
        title=lambda job: _("Loading the demo organisation"),
        show_result=_show_loaded,
        back_url=lambda job: url_for("home.index"),
        viewers=(Role.admin,),
        writes=True,
    )
)


@bp.app_template_global()
def demo_load() -> Job | None:
    """The demo load the sign-in page shows (see services.load_to_show); None while the
    database does not answer: the page is served without it, and this notice is all it
    would add."""
    try:
        return services.load_to_show()
    except sa.exc.OperationalError:
        db.session.rollback()
        return None


@bp.get("/load.json")
def load_status() -> ResponseReturnValue:
    """How far the demo load got, for the sign-in page's script (public: the page is); 404
    once there is nothing to show, and the page reloads."""
    job = services.load_to_show()
    if job is None:
        return jsonify(error=_("No demo load in progress.")), 404
    progress = job_progress(job)
    return jsonify(
        status=job.status.value,
        progress_done=progress.done,
        progress_total=progress.total,
        percent=progress.percent,
        state=job_state(job, progress),
        url=url_for("auth.login"),
    )
