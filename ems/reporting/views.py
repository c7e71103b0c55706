"""Report pages: issued versions, draft previews, issuing, and the year's exports."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.exports import download
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.reporting import exports, services
from ems.reporting.forms import IssueForm
from ems.web import submit_form

bp = Blueprint("reporting", __name__, url_prefix="/reports")

READERS = (Role.ems, Role.management)
ISSUERS = (Role.management,)


def _pdf(content: bytes, name: str, *, sha256: str | None = None) -> Response:
    headers = {"Content-Disposition": f"attachment; filename={name}.pdf"}
    response = Response(content, mimetype="application/pdf", headers=headers)
    if sha256:  # the stored digest: a client can check what it received
        response.set_etag(sha256)
        response.headers["X-Content-SHA256"] = sha256
    return response


def _index(form: IssueForm, status: int = 200) -> ResponseReturnValue:
    years = services.reportable_years()
    if not form.is_submitted() and years:
        form.year.data = years[0]
    return render_template(
        "reporting/index.html",
        years=years,
        issued=services.group_by_year(services.issued_reports()),
        form=form,
    ), status


@bp.get("/")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    """Every year with records: its issued versions, a draft preview and its exports."""
    return _index(IssueForm())


@bp.post("/issue")
@role_required(*ISSUERS)
def issue() -> ResponseReturnValue:
    """Issue a year's report as its next version."""
    form = IssueForm()
    done = submit_form(
        form,
        lambda: services.issue_report(actor=signed_in_user(), **form.service_data()),
        success=_("Report issued. It is stored as issued and can be downloaded again."),
        next_url=url_for("reporting.index"),
    )
    return done or _index(form, 422)


@bp.get(f"/<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>/draft.pdf")
@role_required(*READERS)
def draft(year: int) -> ResponseReturnValue:
    """A draft of the year's report from today's figures, marked DRAFT on every page."""
    return _pdf(services.draft_pdf(year), services.identifier(year, None))


@bp.get("/issued/<id:report_id>.pdf")
@role_required(*READERS)
def download_issued(report_id: int) -> ResponseReturnValue:
    """An issued report, byte for byte as issued."""
    report = services.get_issued(report_id)
    return _pdf(report.pdf, report.identifier, sha256=report.pdf_sha256)


@bp.get(f"/<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>/inventory.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def inventory_export(year: int, fmt: str) -> ResponseReturnValue:
    """The year's inventory, every group in both boundaries, as CSV or XLSX."""
    return download(exports.inventory_rows(year), f"ems-inventory-{year}", fmt)


@bp.get(f"/<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>/gtb-pack.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def gtb_pack(year: int, fmt: str) -> ResponseReturnValue:
    """The year's Greening-the-Blue data pack: scopes 1 and 2 and business travel."""
    return download(exports.gtb_pack_rows(year), f"ems-greening-the-blue-{year}", fmt)
