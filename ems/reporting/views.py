"""Report pages: issued versions, draft previews, issuing, and the year's exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ems import languages
from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.errors import ValidationFailed
from ems.exports import XLSX_MIME, download, workbook_bytes
from ems.extensions import db, utcnow
from ems.inventory import gwp
from ems.jobs import kinds
from ems.jobs.models import Job
from ems.jobs.views import start_job
from ems.org.models import FIRST_YEAR, LAST_YEAR
from ems.org.services import get_organisation
from ems.reporting import exports, services
from ems.reporting.forms import IssueForm
from ems.reporting.gtb_pack import gtb_pack_sheets

bp = Blueprint("reporting", __name__, url_prefix="/reports")

READERS = (Role.ems, Role.management)
ISSUERS = (Role.management,)
#: what people read for each file issued with a report (see exports.ISSUED_FILES)
FILE_LABELS = {
    "inventory.csv": _l("Inventory CSV"),
    "inventory.xlsx": _l("Inventory XLSX"),
    "gtb-pack.csv": _l("Greening the Blue data pack CSV"),
    "gtb-pack.xlsx": _l("Greening the Blue data pack XLSX"),
}


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
        form.year.data = services.default_report_year(years)
    reports = services.issued_reports()
    if not form.is_submitted():
        form.language.data = get_organisation().report_language
    return render_template(
        "reporting/index.html",
        years=years,
        issued=services.group_by_year(reports),
        files=services.files_by_report(reports),
        gwp=gwp.editions(),
        file_labels=FILE_LABELS,
        today=_today(),
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
    """Issue a year's report as its next version: checked here, built and stored by a job whose
    page shows its progress, then leads back to the reports with the new version listed."""
    form = IssueForm()
    if form.validate_on_submit():
        try:
            year, note, language = services.check_issue(
                actor=signed_in_user(), **form.service_data()
            )
        except ValidationFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
        else:
            return start_job(ISSUE_JOB, {"year": year, "note": note, "language": language})
    return _index(form, 422)


@bp.get(f"/<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>/draft.pdf")
@role_required(*READERS)
def draft(year: int) -> ResponseReturnValue:
    """A draft of the year's report from today's figures, marked DRAFT on every page, in the
    language asked for (``?language=``; default: the organisation's report language)."""
    language = languages.parse(request.args.get("language"))
    name = services.identifier(year, None) + (f"-{language}" if language else "")
    return _pdf(services.draft_pdf(year, language), name)


@bp.get("/issued/<id:report_id>.pdf")
@role_required(*READERS)
def download_issued(report_id: int) -> ResponseReturnValue:
    """An issued report, byte for byte as issued."""
    report = services.get_issued(report_id)
    return _pdf(report.pdf, report.identifier, sha256=report.pdf_sha256)


@bp.get("/issued/<id:report_id>/<name>")
@role_required(*READERS)
def download_issued_file(report_id: int, name: str) -> ResponseReturnValue:
    """A file issued with a report (its inventory or Greening-the-Blue pack), byte for byte as
    issued, with its SHA-256."""
    report = services.get_issued(report_id)
    file = services.get_issued_file(report, name)
    headers = {"Content-Disposition": f"attachment; filename={report.identifier}-{file.name}"}
    response = Response(file.content, mimetype=file.media_type, headers=headers)
    response.set_etag(file.sha256)
    response.headers["X-Content-SHA256"] = file.sha256
    return response


def _today() -> dt.date:
    return utcnow().date()


@bp.get(f"/<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>/inventory.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def inventory_export(year: int, fmt: str) -> ResponseReturnValue:
    """The year's inventory from today's figures (live, dated in the file name), every group in
    both boundaries, as CSV or XLSX."""
    return download(exports.inventory_rows(year), f"ems-inventory-{year}-live-{_today()}", fmt)


@bp.get(f"/<int(min={FIRST_YEAR}, max={LAST_YEAR}):year>/gtb-pack.<any(csv, xlsx):fmt>")
@role_required(*READERS)
def gtb_pack(year: int, fmt: str) -> ResponseReturnValue:
    """The year's Greening-the-Blue data pack from today's figures (live, dated in the file
    name and its header): the XLSX holds every section of the UN data collection, one sheet
    each; the CSV its summary (scopes 1 and 2 and business travel)."""
    today = _today()
    name = f"ems-greening-the-blue-{year}-live-{today}"
    if fmt == "xlsx":
        return Response(
            workbook_bytes(gtb_pack_sheets(year, generated_on=today)),
            mimetype=XLSX_MIME,
            headers={"Content-Disposition": f"attachment; filename={name}.xlsx"},
        )
    return download(exports.gtb_pack_rows(year, generated_on=today), name, fmt)


# --- issuing as a job ---------------------------------------------------------------------------

ISSUE_JOB = "reporting.issue"


def _run_issue(work: kinds.JobWork) -> dict[str, Any]:
    report = services.issue_report(
        actor=work.actor,
        year=work.params["year"],
        note=work.params["note"],
        # jobs queued before reports had languages: the organisation's
        language=work.params.get("language"),
        progress=work.progress,
    )
    return {"report_id": report.id, "identifier": report.identifier}


def _show_issued(job: Job) -> ResponseReturnValue:
    assert job.result is not None  # noqa: S101 (a done job has its result)
    flash(
        _(
            "Report %(id)s issued. It is stored as issued and can be downloaded again.",
            id=job.result["identifier"],
        ),
        "success",
    )
    return redirect(url_for("reporting.index"))


kinds.register_kind(
    kinds.JobKind(
        name=ISSUE_JOB,
        run=_run_issue,
        title=lambda job: _("Issue of the %(year)d report", year=job.params["year"]),
        show_result=_show_issued,
        back_url=lambda job: url_for("reporting.index"),
        viewers=READERS,
        writes=True,
        needs_actor=True,
    )
)
