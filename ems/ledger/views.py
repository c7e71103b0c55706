"""Recalculations and stale figures; a recalculation's preview and its application run as
background jobs (ems.jobs), whose page shows their progress and then their result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.auth.permissions import role_required
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.forms import choices
from ems.jobs import kinds
from ems.jobs.models import Job
from ems.jobs.views import start_job
from ems.ledger import services
from ems.ledger.forms import RecalculationForm
from ems.ledger.models import Basis, Recalculation, SourceCategory
from ems.ledger.services import RecalculationPreview, SourceChange
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.validation import check_text

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


def _recalculation_form(**data: Any) -> RecalculationForm:
    """The recalculation form with its factor-set choices; ``data`` fills it on a GET."""
    form = RecalculationForm(**data)
    form.factor_set_id.choices = choices(
        [(0, _("Selection rule"))]
        + [
            (s.id, f"{s.code} v{s.version}")
            for s in factors.list_sets()
            if s.family != "desnz_haul"
        ]
    )
    return form


@bp.route("/recalculate", methods=["GET", "POST"])
@role_required(*EDITORS)
def recalculate() -> ResponseReturnValue:
    """Preview the recalculation of a year; apply it with a reason. Either is queued as a job
    and the job's page shows its progress, then the preview (or the applied recalculation)."""
    # a page proposing a recalculation (e.g. after a change of GWP edition) gives its reason
    form = _recalculation_form(
        year=request.args.get("year", type=int),
        reason=request.args.get("reason", "")[: Recalculation.REASON_MAX_LEN],
    )
    if form.validate_on_submit():
        try:
            kind, params = _recalculation_job(form)
        except ValidationFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
        else:
            return start_job(kind, params)
    return render_template("ledger/recalculate.html", form=form, preview=None)


def _recalculation_job(form: RecalculationForm) -> tuple[str, dict[str, Any]]:
    """The kind and parameters of the job the submitted form asks for."""
    overrides = {}
    if form.factor_set_id.data:
        chosen = factors.get_set(form.factor_set_id.data)
        overrides[chosen.family] = chosen.id
    params: dict[str, Any] = {
        "year": form.year.data,
        "overrides": overrides,
        "factor_set_id": form.factor_set_id.data or 0,
    }
    kind = PREVIEW_JOB
    if form.apply.data:
        # the service checks it too, in the job: here the form can say so at once
        errors: dict[str, str] = {}
        params["reason"] = check_text(
            errors, "reason", form.reason.data, Recalculation.REASON_MAX_LEN, multiline=True
        )
        if errors:
            raise ValidationFailed(errors)
        kind = APPLY_JOB
    return kind, params


# --- the recalculation jobs -------------------------------------------------------------------

PREVIEW_JOB = "ledger.recalculation.preview"
APPLY_JOB = "ledger.recalculation.apply"
#: problems kept with a preview's result (the page shows this many)
PROBLEMS_KEPT = 50


def _preview_result(preview: RecalculationPreview) -> dict[str, Any]:
    """A preview as the job keeps it (JSON), without the new lines."""
    return {
        "year": preview.year,
        "activities": preview.activities,
        "changed_activities": preview.changed_activities,
        "problems": preview.problems[:PROBLEMS_KEPT],
        "changes": [
            {
                "source": change.source.value,
                "basis": change.basis.value if change.basis else None,
                "before_g": change.before_g,
                "after_g": change.after_g,
                "lines_before": change.lines_before,
                "lines_after": change.lines_after,
            }
            for change in preview.changes
        ],
    }


def _preview_from(result: dict[str, Any]) -> RecalculationPreview:
    """The preview a job kept."""
    return RecalculationPreview(
        year=result["year"],
        activities=result["activities"],
        changed_activities=result["changed_activities"],
        problems=list(result["problems"]),
        changes=[
            SourceChange(
                source=SourceCategory(change["source"]),
                basis=Basis(change["basis"]) if change["basis"] else None,
                before_g=change["before_g"],
                after_g=change["after_g"],
                lines_before=change["lines_before"],
                lines_after=change["lines_after"],
            )
            for change in result["changes"]
        ],
    )


def _run_preview(work: kinds.JobWork) -> dict[str, Any]:
    preview = services.preview_recalculation(
        year=work.params["year"], overrides=work.params["overrides"], progress=work.progress
    )
    return _preview_result(preview)


def _run_apply(work: kinds.JobWork) -> dict[str, Any]:
    recalculation = services.apply_recalculation(
        actor=work.actor,
        year=work.params["year"],
        reason=work.params["reason"],
        overrides=work.params["overrides"],
        progress=work.progress,
    )
    return {"recalculation_id": recalculation.id, "year": recalculation.year}


def _show_preview(job: Job) -> ResponseReturnValue:
    """The preview page again, from the job's result, with the form to apply it."""
    assert job.result is not None  # noqa: S101 (a done job has its result)
    form = _recalculation_form(
        year=job.params["year"], factor_set_id=job.params.get("factor_set_id", 0)
    )
    return render_template("ledger/recalculate.html", form=form, preview=_preview_from(job.result))


def _show_applied(job: Job) -> ResponseReturnValue:
    assert job.result is not None  # noqa: S101 (a done job has its result)
    flash(_("Recalculation applied; the previous figures are kept."), "success")
    return redirect(
        url_for("ledger.show_recalculation", recalculation_id=job.result["recalculation_id"])
    )


def _back_to_form(job: Job) -> str:
    return url_for(
        "ledger.recalculate", year=job.params["year"], reason=job.params.get("reason") or None
    )


kinds.register_kind(
    kinds.JobKind(
        name=PREVIEW_JOB,
        run=_run_preview,
        title=lambda job: _("Recalculation preview of %(year)d", year=job.params["year"]),
        show_result=_show_preview,
        back_url=_back_to_form,
        viewers=READERS,
    )
)
kinds.register_kind(
    kinds.JobKind(
        name=APPLY_JOB,
        run=_run_apply,
        title=lambda job: _("Recalculation of %(year)d", year=job.params["year"]),
        show_result=_show_applied,
        back_url=_back_to_form,
        viewers=READERS,
        writes=True,
        needs_actor=True,
    )
)
