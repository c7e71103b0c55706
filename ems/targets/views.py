"""Baselines and targets with their trajectories; reported and restated years; the GWP edition
of each year and what a change of edition asks of the baseline and reported years.

The pages keep their addresses under /inventory (bookmarks and links out of ems stay valid); their
endpoints are this blueprint's ("targets.targets", …)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.errors import NotFound
from ems.extensions import db
from ems.inventory import gwp
from ems.inventory import services as inventory
from ems.inventory.services import SOURCE_LABELS
from ems.ledger.models import SourceCategory
from ems.org import services as org
from ems.targets import services
from ems.targets.forms import BaselineForm, ReportForm, RestateForm, TargetForm
from ems.targets.models import DeclaredBaseline, Target
from ems.web import submit_form

bp = Blueprint("targets", __name__, url_prefix="/inventory")

READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


def _targets_page(
    baseline_form: BaselineForm, target_form: TargetForm, status: int = 200
) -> ResponseReturnValue:
    paths = services.trajectories()  # every target from the totals read once
    rows = {t.name: t for t in db.session.scalars(db.select(Target))}
    return render_template(
        "targets/targets.html",
        gwp=gwp.editions(),
        baseline_form=baseline_form,
        target_form=target_form,
        baselines=services.declared_baselines(),
        paths=paths,
        target_rows=rows,
        organisation=org.get_organisation(),
        sources=SOURCE_LABELS,
        boundaries=inventory.BOUNDARY_LABELS,
    ), status


@bp.get("/targets")
@role_required(*READERS)
def targets() -> ResponseReturnValue:
    """Every target with its baseline, its straight line and where the latest year stands."""
    return _targets_page(BaselineForm(), TargetForm())


@bp.post("/baselines")
@role_required(*EDITORS)
def declare_baseline() -> ResponseReturnValue:
    """Declare (or correct) a baseline figure of one source."""
    form = BaselineForm()
    done = submit_form(
        form,
        lambda: services.declare_baseline(actor=signed_in_user(), **form.service_data()),
        success=_("Baseline figure saved."),
        next_url=url_for("targets.targets"),
    )
    return done or _targets_page(form, TargetForm(formdata=None), 422)


@bp.post("/baselines/<id:baseline_id>/delete")
@role_required(*EDITORS)
def delete_baseline(baseline_id: int) -> ResponseReturnValue:
    """Remove a declared baseline figure."""
    row = db.session.get(DeclaredBaseline, baseline_id)
    if row is None:
        raise NotFound(f"declared baseline {baseline_id}")
    services.delete_declared_baseline(actor=signed_in_user(), row=row)
    db.session.commit()
    flash(_("Baseline figure removed."), "success")
    return redirect(url_for("targets.targets"))


@bp.post("/targets/new")
@role_required(*EDITORS)
def new_target() -> ResponseReturnValue:
    """Add a per-capita or per-source target."""
    form = TargetForm()
    done = submit_form(
        form,
        lambda: services.create_target(actor=signed_in_user(), **form.service_data()),
        success=_("Target saved."),
        next_url=url_for("targets.targets"),
    )
    return done or _targets_page(BaselineForm(formdata=None), form, 422)


def _target(target_id: int) -> Target:
    target = db.session.get(Target, target_id)
    if target is None:
        raise NotFound(f"target {target_id}")
    return target


@bp.route("/targets/<id:target_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_target(target_id: int) -> ResponseReturnValue:
    """Change a target."""
    target = _target(target_id)
    form = TargetForm(obj=target)
    if not form.is_submitted():
        form.source_category.data = target.source_category.value if target.source_category else ""
    done = submit_form(
        form,
        lambda: services.update_target(
            actor=signed_in_user(),
            target=target,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_("Target saved."),
        next_url=url_for("targets.targets"),
        current=target,
    )
    return done or render_template(
        "form_page.html",
        form=form,
        title=target.name,
        cancel_url=url_for("targets.targets"),
        delete_url=url_for("targets.delete_target", target_id=target.id),
    )


@bp.post("/targets/<id:target_id>/delete")
@role_required(*EDITORS)
def delete_target(target_id: int) -> ResponseReturnValue:
    """Remove a target."""
    services.delete_target(actor=signed_in_user(), target=_target(target_id))
    db.session.commit()
    flash(_("Target removed."), "success")
    return redirect(url_for("targets.targets"))


def _restatements_page(
    report_form: ReportForm, restate_form: RestateForm, status: int = 200
) -> ResponseReturnValue:
    series = services.reported_series()
    needed = {(s.year, s.boundary) for s in services.restatements_needed()}
    return render_template(
        "targets/restatements.html",
        series=series,
        needed=needed,
        threshold=org.get_organisation().restatement_threshold_pct,
        report_form=report_form,
        restate_form=restate_form,
        boundaries=inventory.BOUNDARY_LABELS,
        gwp=gwp.editions(),
    ), status


@bp.get("/restatements")
@role_required(*READERS)
def restatements() -> ResponseReturnValue:
    """Reported years as reported, as restated and as they stand now."""
    return _restatements_page(ReportForm(), RestateForm())


def _post(form: Any, save: Any, other: Any, *, report_first: bool) -> ResponseReturnValue:
    done = submit_form(form, save, success=_("Saved."), next_url=url_for("targets.restatements"))
    if done:
        return done
    forms = (form, other) if report_first else (other, form)
    return _restatements_page(*forms, status=422)


@bp.post("/restatements/report")
@role_required(*EDITORS)
def record_reported() -> ResponseReturnValue:
    """Record a year's totals as reported."""
    form = ReportForm()
    return _post(
        form,
        lambda: services.record_reported(actor=signed_in_user(), **form.service_data()),
        RestateForm(formdata=None),
        report_first=True,
    )


@bp.post("/restatements/restate")
@role_required(*EDITORS)
def restate() -> ResponseReturnValue:
    """Restate a reported year with its current totals."""
    form = RestateForm()
    return _post(
        form,
        lambda: services.restate(actor=signed_in_user(), **form.service_data()),
        ReportForm(formdata=None),
        report_first=False,
    )


@bp.get("/gwp")
@role_required(*READERS)
def gwp_editions() -> ResponseReturnValue:
    """The GWP edition of each year's refrigerant figures against the organisation's, and the
    recalculations that bring every year onto it."""
    found = gwp.editions()
    organisation = org.get_organisation()
    reported = {s.year for s in services.reported_series()}
    reason = _(
        "The organisation's GWP edition is %(edition)s: the year's refrigerants are converted "
        "again with it.",
        edition=gwp.edition_label(found.organisation),
    )
    return render_template(
        "targets/gwp.html",
        gwp=found,
        edition=gwp.edition_label(found.organisation),
        refrigerants_g=inventory.totals_by_year(
            inventory.Boundary.full, SourceCategory.refrigerants
        ),
        baseline_year=organisation.baseline_year,
        reported=reported,
        reason=reason,
    )
