"""The pages of an import, the same for every kind: upload and check, preview, go-ahead, remove.

Features route to these functions from their own blueprints, so each keeps its own URLs and
role checks (see the access matrix test).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import SubmitField

from ems import exports
from ems.auth.permissions import signed_in_user
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.forms import EmsForm
from ems.imports import MAX_FILE_BYTES, MAX_REPORTED_ERRORS, ImportFailed
from ems.imports import services as imports
from ems.imports.forms import mapping_form
from ems.imports.mapping import fields_text, missing_fields, propose
from ems.jobs import kinds
from ems.jobs.models import Job
from ems.jobs.views import start_job
from ems.removals import views as removal_views
from ems.tables import read_sheet


class ImportForm(EmsForm):
    """Upload a file to check it."""

    file = FileField(
        _l("File (CSV, XLSX or ODS)"), [FileRequired(), FileSize(MAX_FILE_BYTES)], description=""
    )
    submit = SubmitField(_l("Check the file"))


@dataclass(frozen=True)
class ImportPage:
    """What an import page shows and where its buttons lead."""

    importer: imports.Importer
    title: str
    #: what the file holds and how its rows become records
    intro: str
    #: the columns of the downloadable template (the file may name them otherwise)
    columns: Sequence[str]
    #: accepted spellings, units and date formats
    columns_help: str
    #: endpoints of this kind: the page, its go-ahead, removal, template, and the list afterwards
    page_endpoint: str
    commit_endpoint: str
    remove_endpoint: str
    template_endpoint: str
    done_endpoint: str
    #: label of each figure of ImportResult.co2e_g
    figures: Mapping[str, str]
    #: what a checked file will create, e.g. "2 trips with 4 flights to create"
    created_text: Callable[[imports.ImportResult], str]
    #: the message after the go-ahead, from the numbers created and skipped
    imported_text: Callable[[int, int], str]
    #: the template file: its name and example rows
    template_name: str
    template_rows: Sequence[Sequence[str]]
    upload_label: str = ""
    #: the page mapping a file's columns, where a blueprint has several imports
    map_endpoint: str = ""

    @property
    def mapping_endpoint(self) -> str:
        """The page mapping a file's columns: ``map_endpoint``, else ``map_import`` beside the
        import page."""
        return self.map_endpoint or f"{self.page_endpoint.split('.')[0]}.map_import"


def upload_page(page: ImportPage) -> ResponseReturnValue:
    """Check an uploaded file: every bad row listed, or a preview to confirm."""
    form = _upload_form(page)
    row_errors: list[str] = []
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = imports.check_file(
                page.importer,
                actor=signed_in_user(),
                data=upload.read(),
                filename=upload.filename or "upload",
            )
        except ImportFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
            row_errors = _row_errors(exc)
        except ValidationFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
        else:
            db.session.commit()  # the checked file waits for the go-ahead (or for its mapping)
            if result.needs_mapping and result.batch is not None:
                return redirect(url_for(page.mapping_endpoint, batch_id=result.batch.id))
    return _page(page, form, row_errors, result)


def _upload_form(page: ImportPage) -> ImportForm:
    form = ImportForm()
    if page.upload_label:
        form.file.label.text = page.upload_label
    return form


def _page(
    page: ImportPage,
    form: ImportForm,
    row_errors: list[str],
    result: imports.ImportResult | None,
) -> ResponseReturnValue:
    return render_template(
        "imports/import.html",
        page=page,
        form=form,
        row_errors=row_errors,
        result=result,
        batches=imports.list_batches(page.importer.kind),
        profiles=[profile.name for profile in imports.list_profiles(page.importer.kind)],
        field_labels={item.name: item.label for item in page.importer.fields},
    ), 422 if form.errors or row_errors else 200


def _row_errors(exc: ImportFailed) -> list[str]:
    listed = [str(error) for error in exc.row_errors[:MAX_REPORTED_ERRORS]]
    if len(exc.row_errors) > MAX_REPORTED_ERRORS:
        listed.append(_("… and %(n)d more.", n=len(exc.row_errors) - MAX_REPORTED_ERRORS))
    return listed


def map_columns(page: ImportPage, batch_id: int) -> ResponseReturnValue:
    """Map the columns of a kept file of an unknown layout: each column with sample values and
    ems's proposal; the user corrects it, may save it as a profile, and the file is checked."""
    batch = imports.get_batch(page.importer.kind, batch_id)
    if batch.status == "imported" or batch.content is None or imports.check_expired(batch):
        flash(_("This file is no longer waiting for its columns; upload it again."), "error")
        return redirect(url_for(page.page_endpoint))
    sheet = read_sheet(batch.content, batch.filename)
    proposal = propose(sheet, page.importer.fields)
    # a checked file is mapped again from the mapping it was read with (its profile's, say)
    before = imports.Reading.from_dict(batch.mapping).mapping if batch.mapping else None
    form = mapping_form(
        proposal.headers,
        page.importer.fields,
        before or proposal.mapping,
        questions=set() if before else proposal.format_questions,
    )
    row_errors: list[str] = []
    if form.validate_on_submit():
        chosen = form.mapping(proposal.headers)
        actor = signed_in_user()
        try:
            if form.profile_name.data:  # saved even when the file's rows need correcting
                chosen.profile = imports.save_profile(
                    actor=actor,
                    kind=page.importer.kind,
                    name=form.profile_name.data,
                    headers=[header for header in proposal.headers if header],
                    mapping=chosen,
                ).name
            with db.session.begin_nested():  # a bad row undoes the check, not the profile
                result = imports.map_batch(page.importer, actor=actor, batch=batch, mapping=chosen)
        except ImportFailed as exc:
            row_errors = _row_errors(exc)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            db.session.commit()
            return _page(page, _upload_form(page), [], result)
        db.session.commit()  # the profile is kept even when the file's rows need correcting
    return render_template(
        "imports/mapping.html",
        page=page,
        form=form,
        batch=batch,
        proposal=proposal,
        samples=proposal.samples(sheet),
        columns=list(zip(proposal.headers, form.column_names, strict=True)),
        missing=[
            fields_text(group)
            for group in missing_fields(page.importer.fields, proposal.mapping.columns.values())
        ],
        row_errors=row_errors,
    ), 422 if form.errors or row_errors else 200


def commit(page: ImportPage, batch_id: int) -> ResponseReturnValue:
    """Import a checked file: all its rows or none. A file of more than JOB_ROWS rows is
    imported by a background job, whose page shows its progress, then leads on."""
    batch = imports.get_batch(page.importer.kind, batch_id)
    if batch.rows > JOB_ROWS and batch.status == "checked" and page.importer.kind in _pages:
        return start_job(
            COMMIT_JOB,
            {"kind": page.importer.kind, "batch_id": batch.id, "file": batch.filename},
        )
    try:
        result = imports.commit_batch(page.importer, actor=signed_in_user(), batch=batch)
    except ValidationFailed as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for(page.page_endpoint))
    db.session.commit()
    flash(
        _imported_message(
            page, result.created, len(result.skipped), len(result.changed), len(result.cancelled)
        ),
        "success",
    )
    return redirect(url_for(page.done_endpoint))


def _imported_message(
    page: ImportPage, created: int, skipped: int, changed: int, cancelled: int
) -> str:
    message = page.imported_text(created, skipped)
    if changed or cancelled:
        message += " " + _(
            "%(changed)d changed (new versions recorded), %(cancelled)d cancelled (restorable "
            "from Removed records).",
            changed=changed,
            cancelled=cancelled,
        )
    return message


# --- large files: imported by a background job ------------------------------------------------

#: a checked file of more rows than this is imported by a job (ems.jobs), with its progress
JOB_ROWS = 2_000
COMMIT_JOB = "imports.commit"
#: the import pages of the kinds, by kind (features register them: the job shows its result)
_pages: dict[str, Callable[[], ImportPage]] = {}


def register_page(kind: str, page: Callable[[], ImportPage]) -> None:
    """Make a kind's import page known to the import job, which leads to it when done."""
    _pages[kind] = page


def _run_commit(work: kinds.JobWork) -> dict[str, Any]:
    page = _pages[work.params["kind"]]()
    batch = imports.get_batch(page.importer.kind, work.params["batch_id"])
    total, done = batch.rows, 0

    def progress(rows: int) -> None:
        nonlocal done
        done += rows
        work.progress(min(done, total), total)

    result = imports.commit_batch(
        page.importer, actor=work.actor, batch=batch, on_progress=progress
    )
    return {
        "created": result.created,
        "skipped": len(result.skipped),
        "changed": len(result.changed),
        "cancelled": len(result.cancelled),
    }


def _show_committed(job: Job) -> ResponseReturnValue:
    page = _pages[job.params["kind"]]()
    counts = job.result or {}
    flash(
        _imported_message(
            page,
            counts.get("created", 0),
            counts.get("skipped", 0),
            counts.get("changed", 0),
            counts.get("cancelled", 0),
        ),
        "success",
    )
    return redirect(url_for(page.done_endpoint))


kinds.register_kind(
    kinds.JobKind(
        name=COMMIT_JOB,
        run=_run_commit,
        title=lambda job: _("Import of %(file)s", file=job.params.get("file", "")),
        show_result=_show_committed,
        back_url=lambda job: url_for(_pages[job.params["kind"]]().page_endpoint),
        writes=True,
        needs_actor=True,
    )
)


def remove(page: ImportPage, batch_id: int) -> ResponseReturnValue:
    """Remove an import with its records, once confirmed (restorable: see ems.removals); a file
    checked but not imported is discarded."""
    batch = imports.get_batch(page.importer.kind, batch_id)
    return removal_views.confirm_removal(
        title=_("Remove the import of %(file)s?", file=batch.filename),
        summary=ngettext(
            "Imported on %(date)s by %(who)s: %(num)d record from %(rows)d rows.",
            "Imported on %(date)s by %(who)s: %(num)d records from %(rows)d rows.",
            batch.created_count,
            date=format_date(batch.imported_at or batch.created_at, "medium"),
            who=batch.user_label,
            rows=batch.rows,
        )
        if batch.status == "imported"
        else _(
            "Checked on %(date)s, never imported.", date=format_date(batch.created_at, "medium")
        ),
        preview=imports.preview_removal(page.importer, batch),
        remove=lambda: imports.remove_batch(page.importer, actor=signed_in_user(), batch=batch),
        done_message=_(
            "Import of %(file)s removed with its %(n)d records.",
            file=batch.filename,
            n=batch.created_count if batch.status == "imported" else 0,
        ),
        done_endpoint=page.page_endpoint,
        cancel_url=url_for(page.page_endpoint),
    )


def template_file(page: ImportPage) -> Response:
    """The column template of the import, with example rows."""
    return Response(
        exports.csv_bytes([list(page.columns), *map(list, page.template_rows)]),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={page.template_name}"},
    )
