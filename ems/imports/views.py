"""The pages of an import, the same for every kind: upload and check, preview, go-ahead, remove.

Features route to these functions from their own blueprints, so each keeps its own URLs and
role checks (see the access matrix test).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flask import Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
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
from ems.removals import views as removal_views


class ImportForm(EmsForm):
    """Upload a file to check it."""

    file = FileField(
        _l("File (CSV or XLSX)"), [FileRequired(), FileSize(MAX_FILE_BYTES)], description=""
    )
    submit = SubmitField(_l("Check the file"))


@dataclass(frozen=True)
class ImportPage:
    """What an import page shows and where its buttons lead."""

    importer: imports.Importer
    title: str
    #: what the file holds and how its rows become records
    intro: str
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


def upload_page(page: ImportPage) -> ResponseReturnValue:
    """Check an uploaded file: every bad row listed, or a preview to confirm."""
    form = ImportForm()
    if page.upload_label:
        form.file.label.text = page.upload_label
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
            row_errors = [str(error) for error in exc.row_errors[:MAX_REPORTED_ERRORS]]
            if len(exc.row_errors) > MAX_REPORTED_ERRORS:
                row_errors.append(
                    _("… and %(n)d more.", n=len(exc.row_errors) - MAX_REPORTED_ERRORS)
                )
        except ValidationFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
        else:
            db.session.commit()  # the checked file waits for the go-ahead
    status = 422 if form.errors else 200
    return render_template(
        "imports/import.html",
        page=page,
        form=form,
        row_errors=row_errors,
        result=result,
        batches=imports.list_batches(page.importer.kind),
    ), status


def commit(page: ImportPage, batch_id: int) -> ResponseReturnValue:
    """Import a checked file: all its rows or none."""
    batch = imports.get_batch(page.importer.kind, batch_id)
    try:
        result = imports.commit_batch(page.importer, actor=signed_in_user(), batch=batch)
    except ValidationFailed as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for(page.page_endpoint))
    db.session.commit()
    flash(page.imported_text(result.created, len(result.skipped)), "success")
    return redirect(url_for(page.done_endpoint))


def remove(page: ImportPage, batch_id: int) -> ResponseReturnValue:
    """Remove an import with its records, once confirmed (restorable: see ems.removals); a file
    checked but not imported is discarded."""
    batch = imports.get_batch(page.importer.kind, batch_id)
    return removal_views.confirm_removal(
        title=_("Remove the import of %(file)s?", file=batch.filename),
        summary=_(
            "Imported on %(date)s by %(who)s: %(n)d %(noun)s from %(rows)d rows.",
            date=(batch.imported_at or batch.created_at).strftime("%Y-%m-%d"),
            who=batch.user_label,
            n=batch.created_count,
            noun=page.importer.noun,
            rows=batch.rows,
        )
        if batch.status == "imported"
        else _("Checked on %(date)s, never imported.", date=batch.created_at.strftime("%Y-%m-%d")),
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
