"""Baselines and targets with their trajectories; reported and restated years."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.errors import NotFound
from ems.extensions import db, utcnow
from ems.inventory import gwp, services, years
from ems.inventory.forms import (
    SOURCE_LABELS,
    BaselineForm,
    CloseYearForm,
    ReopenYearForm,
    ReportForm,
    RestateForm,
    TargetForm,
)
from ems.inventory.models import DeclaredBaseline, Target
from ems.org import services as org
from ems.web import submit_form

bp = Blueprint("inventory", __name__, url_prefix="/inventory")

READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


def _targets_page(
    baseline_form: BaselineForm, target_form: TargetForm, status: int = 200
) -> ResponseReturnValue:
    paths = services.trajectories()  # every target from the totals read once
    rows = {t.name: t for t in db.session.scalars(db.select(Target))}
    return render_template(
        "inventory/targets.html",
        gwp=gwp.editions(),
        baseline_form=baseline_form,
        target_form=target_form,
        baselines=services.declared_baselines(),
        paths=paths,
        target_rows=rows,
        organisation=org.get_organisation(),
        sources=SOURCE_LABELS,
        boundaries=services.BOUNDARY_LABELS,
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
        next_url=url_for("inventory.targets"),
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
    return redirect(url_for("inventory.targets"))


@bp.post("/targets/new")
@role_required(*EDITORS)
def new_target() -> ResponseReturnValue:
    """Add a per-capita or per-source target."""
    form = TargetForm()
    done = submit_form(
        form,
        lambda: services.create_target(actor=signed_in_user(), **form.service_data()),
        success=_("Target saved."),
        next_url=url_for("inventory.targets"),
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
        next_url=url_for("inventory.targets"),
        current=target,
    )
    return done or render_template(
        "form_page.html",
        form=form,
        title=target.name,
        cancel_url=url_for("inventory.targets"),
        delete_url=url_for("inventory.delete_target", target_id=target.id),
    )


@bp.post("/targets/<id:target_id>/delete")
@role_required(*EDITORS)
def delete_target(target_id: int) -> ResponseReturnValue:
    """Remove a target."""
    services.delete_target(actor=signed_in_user(), target=_target(target_id))
    db.session.commit()
    flash(_("Target removed."), "success")
    return redirect(url_for("inventory.targets"))


def _restatements_page(
    report_form: ReportForm, restate_form: RestateForm, status: int = 200
) -> ResponseReturnValue:
    series = services.reported_series()
    needed = {(s.year, s.boundary) for s in services.restatements_needed()}
    return render_template(
        "inventory/restatements.html",
        series=series,
        needed=needed,
        threshold=org.get_organisation().restatement_threshold_pct,
        report_form=report_form,
        restate_form=restate_form,
        boundaries=services.BOUNDARY_LABELS,
        gwp=gwp.editions(),
    ), status


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
        "inventory/gwp.html",
        gwp=found,
        edition=gwp.edition_label(found.organisation),
        refrigerants_g=services.totals_by_year(
            services.Boundary.full, services.SourceCategory.refrigerants
        ),
        baseline_year=organisation.baseline_year,
        reported=reported,
        reason=reason,
    )


@bp.get("/restatements")
@role_required(*READERS)
def restatements() -> ResponseReturnValue:
    """Reported years as reported, as restated and as they stand now."""
    return _restatements_page(ReportForm(), RestateForm())


def _post(form: Any, save: Any, other: Any, *, report_first: bool) -> ResponseReturnValue:
    done = submit_form(form, save, success=_("Saved."), next_url=url_for("inventory.restatements"))
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


def _years_page(
    close_form: CloseYearForm, reopen_form: ReopenYearForm, status: int = 200
) -> ResponseReturnValue:
    statuses = years.year_statuses()
    return render_template(
        "inventory/years.html",
        statuses=sorted(statuses.values(), key=lambda s: -s.year),
        reaches={year: years.reach(year) for year in statuses},
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
