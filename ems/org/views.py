"""Pages to view and maintain the organisation: settings, sites, departments, headcount and the
environmental management indicators of each year."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.extensions import db
from ems.forms import choices
from ems.org import services
from ems.org.forms import (
    DepartmentForm,
    HeadcountForm,
    LogoForm,
    ManagementForm,
    OrganisationForm,
    SiteForm,
)
from ems.org.models import ManagementIndicators
from ems.web import form_page, remove_or_explain, submit_form

bp = Blueprint("org", __name__, url_prefix="/org")

#: who reads the organisation pages, and who changes them
READERS = (Role.ems, Role.management)
EDITORS = (Role.ems,)


def _settings_page(logo_form: LogoForm | None = None, status: int = 200) -> ResponseReturnValue:
    """The settings overview, with the logo form (and its errors, after a refused upload)."""
    organisation = services.get_organisation()
    return render_template(
        "org/settings.html",
        organisation=organisation,
        has_logo=services.logo_png() is not None,
        logo_form=logo_form or LogoForm(),
        sites=services.list_sites(),
        departments=services.list_departments(),
        headcounts=services.list_headcounts(),
        country_name=services.country_name,
    ), status


@bp.get("/")
@role_required(*READERS)
def show_settings() -> ResponseReturnValue:
    """The organisation's settings with its sites, departments and headcount at a glance."""
    return _settings_page()


@bp.get("/logo.png")
@role_required(*READERS)
def logo() -> ResponseReturnValue:
    """The logo on the annual report's cover: the organisation's own, or the default."""
    png = services.logo_png()
    if png is None:
        default = Path(current_app.config["REPORT_ASSETS_DIR"]) / "logo.png"
        if not default.is_file():
            abort(404)
        png = default.read_bytes()
    return Response(png, mimetype="image/png")


@bp.post("/logo")
@role_required(*EDITORS)
def upload_logo() -> ResponseReturnValue:
    """Replace the logo on the annual report's cover with an uploaded PNG or JPEG."""
    form = LogoForm()
    done = submit_form(
        form,
        lambda: services.set_logo(
            actor=signed_in_user(), data=form.logo.data.read(services.LOGO_MAX_BYTES + 1)
        ),
        success=_("Logo replaced."),
        next_url=url_for("org.show_settings"),
    )
    return done or _settings_page(form, 422)


@bp.post("/logo/remove")
@role_required(*EDITORS)
def remove_logo() -> ResponseReturnValue:
    """Go back to the default logo."""
    services.set_logo(actor=signed_in_user(), data=None)
    db.session.commit()
    flash(_("The report uses the default logo again."), "success")
    return redirect(url_for("org.show_settings"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_settings() -> ResponseReturnValue:
    """Change the organisation's name, currency, baseline and target."""
    organisation = services.get_organisation()
    form = OrganisationForm(obj=organisation)
    if organisation.version_id is None and not form.is_submitted():
        form.version_id.data = "0"  # not saved yet: the version that says so
    before = organisation.gwp_report
    done = submit_form(
        form,
        lambda: services.update_organisation(
            actor=signed_in_user(), expected_version=form.expected_version(), **form.service_data()
        ),
        success=_("Organisation settings saved."),
        next_url=url_for("org.show_settings"),
        current=organisation if organisation.version_id else None,
    )
    if done and services.get_organisation().gwp_report != before:
        # the figures recorded stay on the old edition: propose their recalculation
        flash(
            _(
                "The GWP edition is now %(new)s. Refrigerant figures already recorded stay on "
                "%(old)s until their years are recalculated: recalculate the baseline and the "
                "reported years.",
                new=services.get_organisation().gwp_report.upper(),
                old=before.upper(),
            ),
            "info",
        )
        return redirect(url_for("targets.gwp_editions"))
    return done or render_template(
        "form_page.html",
        form=form,
        title=_("Organisation settings"),
        cancel_url=url_for("org.show_settings"),
    )


@bp.get("/sites")
@role_required(*READERS)
def list_sites() -> ResponseReturnValue:
    """All sites."""
    return render_template(
        "org/sites.html", sites=services.list_sites(), country_name=services.country_name
    )


@bp.route("/sites/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_site() -> ResponseReturnValue:
    """Add a site."""
    form = SiteForm()
    return form_page(
        form,
        lambda: services.create_site(actor=signed_in_user(), **form.service_data()),
        success=_("Site added."),
        next_url=url_for("org.list_sites"),
        title=_("New site"),
        cancel_url=url_for("org.list_sites"),
    )


@bp.route("/sites/<id:site_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_site(site_id: int) -> ResponseReturnValue:
    """Change a site."""
    site = services.get_site(site_id)
    form = SiteForm(obj=site)
    return form_page(
        form,
        lambda: services.update_site(
            actor=signed_in_user(),
            site=site,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_("Site saved."),
        next_url=url_for("org.list_sites"),
        current=site,
        title=lambda: _("Site %(name)s", name=site.name),  # as it is now, after a conflict too
        cancel_url=url_for("org.list_sites"),
        delete_url=url_for("org.delete_site", site_id=site.id),
    )


@bp.post("/sites/<id:site_id>/delete")
@role_required(*EDITORS)
def delete_site(site_id: int) -> ResponseReturnValue:
    """Remove a site."""
    site = services.get_site(site_id)
    return remove_or_explain(
        lambda: services.delete_site(actor=signed_in_user(), site=site),
        success=_("Site %(name)s removed.", name=site.name),
        done_url=url_for("org.list_sites"),
        back_url=url_for("org.edit_site", site_id=site_id),
    )


@bp.get("/departments")
@role_required(*READERS)
def list_departments() -> ResponseReturnValue:
    """All departments."""
    return render_template("org/departments.html", departments=services.list_departments())


@bp.route("/departments/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_department() -> ResponseReturnValue:
    """Add a department."""
    form = DepartmentForm()
    return form_page(
        form,
        lambda: services.create_department(actor=signed_in_user(), **form.service_data()),
        success=_("Department added."),
        next_url=url_for("org.list_departments"),
        title=_("New department"),
        cancel_url=url_for("org.list_departments"),
    )


@bp.route("/departments/<id:department_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_department(department_id: int) -> ResponseReturnValue:
    """Change a department."""
    department = services.get_department(department_id)
    form = DepartmentForm(obj=department)
    return form_page(
        form,
        lambda: services.update_department(
            actor=signed_in_user(),
            department=department,
            expected_version=form.expected_version(),
            **form.service_data(),
        ),
        success=_("Department saved."),
        next_url=url_for("org.list_departments"),
        current=department,
        title=lambda: _("Department %(name)s", name=department.name),
        cancel_url=url_for("org.list_departments"),
        delete_url=url_for("org.delete_department", department_id=department.id),
    )


@bp.post("/departments/<id:department_id>/delete")
@role_required(*EDITORS)
def delete_department(department_id: int) -> ResponseReturnValue:
    """Remove a department."""
    department = services.get_department(department_id)
    return remove_or_explain(
        lambda: services.delete_department(actor=signed_in_user(), department=department),
        success=_("Department %(name)s removed.", name=department.name),
        done_url=url_for("org.list_departments"),
        back_url=url_for("org.edit_department", department_id=department_id),
    )


@bp.get("/headcount")
@role_required(*READERS)
def list_headcounts() -> ResponseReturnValue:
    """Headcount per year."""
    return render_template("org/headcount.html", headcounts=services.list_headcounts())


@bp.route("/headcount/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_headcount() -> ResponseReturnValue:
    """Record a year's headcount."""
    form = HeadcountForm()
    return form_page(
        form,
        lambda: services.set_headcount(actor=signed_in_user(), **form.service_data()),
        success=_("Headcount saved."),
        next_url=url_for("org.list_headcounts"),
        title=_("Headcount of a year"),
        cancel_url=url_for("org.list_headcounts"),
    )


@bp.route("/headcount/<id:year>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_headcount(year: int) -> ResponseReturnValue:
    """Correct a year's headcount."""
    record = services.get_headcount(year)
    form = HeadcountForm(obj=record)
    form.year.render_kw = {"readonly": True}  # the year is what identifies the record
    return form_page(
        form,
        lambda: services.set_headcount(
            actor=signed_in_user(),
            year=record.year,
            expected_version=form.expected_version(),
            **form.service_data(exclude=("year",)),
        ),
        success=_("Headcount saved."),
        next_url=url_for("org.list_headcounts"),
        current=record,
        title=_("Headcount %(year)d", year=record.year),
        cancel_url=url_for("org.list_headcounts"),
        delete_url=url_for("org.delete_headcount", year=record.year),
    )


@bp.post("/headcount/<id:year>/delete")
@role_required(*EDITORS)
def delete_headcount(year: int) -> ResponseReturnValue:
    """Remove a year's headcount."""
    record = services.get_headcount(year)
    services.delete_headcount(actor=signed_in_user(), record=record)
    db.session.commit()
    flash(_("Headcount %(year)d removed.", year=year), "success")
    return redirect(url_for("org.list_headcounts"))


# --- environmental management indicators -------------------------------------------------------


@bp.get("/management")
@role_required(*READERS)
def list_management() -> ResponseReturnValue:
    """The environmental management indicators of each year."""
    return render_template(
        "org/management.html",
        records=services.list_management_indicators(),
        site_count=len(services.list_sites()),
    )


def _management_form(record: ManagementIndicators | None = None) -> ManagementForm:
    form = (
        ManagementForm(obj=record, site_ids=[site.id for site in record.sites])
        if record is not None
        else ManagementForm()
    )
    form.site_ids.choices = choices((site.id, site.name) for site in services.list_sites())
    return form


@bp.route("/management/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_management() -> ResponseReturnValue:
    """Record a year's environmental management indicators."""
    form = _management_form()
    return form_page(
        form,
        lambda: services.set_management_indicators(actor=signed_in_user(), **form.service_data()),
        success=_("Environmental management indicators saved."),
        next_url=url_for("org.list_management"),
        title=_("Environmental management of a year"),
        cancel_url=url_for("org.list_management"),
    )


@bp.route("/management/<id:year>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_management(year: int) -> ResponseReturnValue:
    """Correct a year's environmental management indicators."""
    record = services.get_management_indicators(year)
    form = _management_form(record)
    form.year.render_kw = {"readonly": True}  # the year is what identifies the record
    return form_page(
        form,
        lambda: services.set_management_indicators(
            actor=signed_in_user(),
            year=record.year,
            expected_version=form.expected_version(),
            **form.service_data(exclude=("year",)),
        ),
        success=_("Environmental management indicators saved."),
        next_url=url_for("org.list_management"),
        current=record,
        title=_("Environmental management %(year)d", year=record.year),
        cancel_url=url_for("org.list_management"),
    )
