"""A job's page: its progress while it runs (updated by a small script, or by reloading), then
its result as its kind shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from ems.auth.permissions import ANY_ROLE, role_required, signed_in_user
from ems.extensions import db
from ems.jobs import kinds, queue, services
from ems.jobs.models import Job, JobStatus

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def start_job(kind: str, params: Mapping[str, Any]) -> ResponseReturnValue:
    """Queue a job of ``kind`` for the signed-in user, in their language, and lead to its page
    (the request's transaction is committed first: the worker must find the job's record)."""
    job = services.submit(
        actor=signed_in_user(), kind=kind, params=params, locale=str(get_locale() or "en")
    )
    job_id = job.id  # read before the commit, which ends the transaction
    db.session.commit()
    queue.enqueue(job_id)
    return redirect(url_for("jobs.show", job_id=job_id))


@dataclass(frozen=True)
class ShownProgress:
    """How far a job got, as its page shows it."""

    done: int
    total: int
    #: 0–100; None while the total is not known
    percent: int | None


@bp.app_template_global()
def job_progress(job: Job) -> ShownProgress:
    """The job's progress from its record or, while its work holds SQLite's only write lock,
    as its worker noted it on the queue."""
    done, total = job.progress_done, job.progress_total
    if job.status == JobStatus.running and not total:
        done, total = queue.noted_progress(job.id) or (done, total)
        if total:
            return ShownProgress(done, total, min(100, done * 100 // total))
    return ShownProgress(done, total, job.percent)


@bp.app_template_global()
def job_state(job: Job, progress: ShownProgress | None = None) -> str:
    """Where the job stands, in words (``progress``: its progress, read already)."""
    if job.status == JobStatus.queued:
        return _("Waiting for a worker to start it…")
    if job.status == JobStatus.running:
        progress = progress or job_progress(job)
        if progress.total:
            return _(
                "Running: %(done)d of %(total)d done.", done=progress.done, total=progress.total
            )
        return _("Running…")
    if job.status == JobStatus.done:
        return _("Done.")
    return _("Failed.")


@bp.get("/<id:job_id>")
@role_required(*ANY_ROLE)
def show(job_id: int) -> ResponseReturnValue:
    """The job's progress; once done, its result (another user's job: not found)."""
    job = services.get_job(job_id, viewer=signed_in_user())
    kind = kinds.get_kind(job.kind)
    if job.status == JobStatus.done and kind is not None:
        return kind.show_result(job)
    progress = job_progress(job)
    return render_template(
        "jobs/job.html",
        job=job,
        progress=progress,
        title=kind.title(job) if kind else job.kind,
        state=job_state(job, progress),
        back_url=kind.back_url(job) if kind else None,
    )


@bp.get("/<id:job_id>.json")
@role_required(*ANY_ROLE)
def status(job_id: int) -> ResponseReturnValue:
    """The job's progress for the page's script, polled every second."""
    job = services.get_job(job_id, viewer=signed_in_user())
    progress = job_progress(job)
    return jsonify(
        id=job.id,
        status=job.status.value,
        progress_done=progress.done,
        progress_total=progress.total,
        percent=progress.percent,
        state=job_state(job, progress),
        message=job.message,
        url=url_for("jobs.show", job_id=job.id),
    )
