"""Running a job in a worker: take it, do its work in one transaction, report its progress on
the side, and find the jobs whose worker stopped.

The work's changes and the job's end are committed together, or not at all: a worker killed
mid-way takes its open transaction with it. Progress and the worker's sign of life (the
heartbeat) are written in short transactions of their own, on other connections, so that a
web page sees them while the work is still uncommitted.

SQLite has one writer at a time: while a job that writes holds the lock, its progress cannot
be written to its record; the worker notes it on the queue instead (``note_progress``), where
the job's page reads it. A job that only reads (a preview) writes its progress on SQLite too.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ems.auth.models import User
from ems.errors import Conflict, PermissionDenied, ValidationFailed
from ems.extensions import db, no_wait_connection, own_transaction, utcnow
from ems.jobs import kinds
from ems.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)

#: a job whose worker stopped is run this many times in all, then failed
MAX_ATTEMPTS = 2
#: progress is written at most this often (and when the last item is done)
PROGRESS_INTERVAL_SECONDS = 0.5


@dataclass(frozen=True)
class _Claimed:
    """A job this worker took: which attempt it is, and what to do."""

    job_id: int
    attempt: int
    kind: str
    params: dict[str, Any]
    created_by_id: int | None
    locale: str


def _this_attempt(job_id: int, attempt: int) -> sa.ColumnElement[bool]:
    """The job while this worker's attempt still owns it (not ended, not taken over)."""
    return sa.and_(Job.id == job_id, Job.status == JobStatus.running, Job.attempts == attempt)


def _claim(job_id: int) -> _Claimed | None:
    """Mark the job running for a new attempt; None if it is not queued (another worker took
    it, or it ended): a job message delivered twice runs the job once."""
    with own_transaction(writes=True) as conn:
        row = conn.execute(
            sa.select(
                Job.attempts, Job.kind, Job.params, Job.created_by_id, Job.locale, Job.status
            ).where(Job.id == job_id)
        ).one_or_none()
        if row is None or row.status != JobStatus.queued:
            return None
        now = utcnow()
        taken = conn.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.queued)
            .values(
                status=JobStatus.running,
                attempts=row.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                progress_done=0,
                progress_total=0,
                message="",
            )
        )
        if taken.rowcount != 1:
            return None
    return _Claimed(job_id, row.attempts + 1, row.kind, row.params, row.created_by_id, row.locale)


def _write_aside(job_id: int, attempt: int, **values: Any) -> bool:
    """Write progress or a heartbeat in a transaction of its own, skipped (False) when the
    database is busy (SQLite while the work holds its write lock)."""
    try:
        with no_wait_connection() as conn, conn.begin():
            conn.execute(sa.update(Job).where(_this_attempt(job_id, attempt)).values(**values))
    except sa.exc.OperationalError as exc:
        log.debug("job %d: progress not written (%s)", job_id, exc.orig)
        return False
    return True


class ProgressReporter:
    """The progress callback given to a job's work: writes (done, total) at most every
    PROGRESS_INTERVAL_SECONDS, and always the last item; where the database is busy, tells
    ``aside`` instead (the queue, which the job's page reads too)."""

    def __init__(self, job_id: int, attempt: int, aside: kinds.Progress | None = None) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.aside = aside
        self._last = float("-inf")
        #: the latest progress told, written with the job's end (SQLite may have skipped it)
        self.told: dict[str, int] = {}

    def __call__(self, done: int, total: int) -> None:
        self.told = {"progress_done": done, "progress_total": total}
        now = time.monotonic()
        if done < total and now - self._last < PROGRESS_INTERVAL_SECONDS:
            return
        self._last = now
        written = _write_aside(
            self.job_id,
            self.attempt,
            progress_done=done,
            progress_total=total,
            heartbeat_at=utcnow(),
        )
        if not written and self.aside is not None:
            try:
                self.aside(done, total)
            except Exception:  # progress is for the eyes: the work goes on without it
                log.warning("job %d: progress not noted on the queue", self.job_id)


class Heartbeat:
    """A thread writing the job's heartbeat every ``interval`` seconds while its work runs, so
    that a job silent for long lost its worker (see recover_stalled)."""

    def __init__(self, app: Flask, job_id: int, attempt: int, interval: float) -> None:
        self.app = app
        self.job_id = job_id
        self.attempt = attempt
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat")
        self._thread.daemon = True

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with self.app.app_context():
            while not self._stop.wait(self.interval):
                _write_aside(self.job_id, self.attempt, heartbeat_at=utcnow())


def _end(conn: sa.Connection, claimed: _Claimed, **values: Any) -> bool:
    """Mark the job ended with ``values``, if this attempt still owns it."""
    ended = conn.execute(
        sa.update(Job)
        .where(_this_attempt(claimed.job_id, claimed.attempt))
        .values(finished_at=utcnow(), heartbeat_at=utcnow(), **values)
    )
    return ended.rowcount == 1


def _fail(claimed: _Claimed, message: str) -> None:
    """Record the job failed with ``message`` (its work was rolled back)."""
    try:
        with own_transaction(writes=True) as conn:
            _end(conn, claimed, status=JobStatus.failed, message=message[: Job.MESSAGE_MAX_LEN])
    except sa.exc.SQLAlchemyError:
        # it stays running; recover_stalled runs it again, or fails it, once it is silent
        log.exception("job %d: its failure could not be recorded", claimed.job_id)


def run_job(job_id: int, *, note_progress: kinds.Progress | None = None) -> None:
    """Run the queued job ``job_id`` (inside an app context); nothing if it is not queued.
    ``note_progress`` is told the progress that the database is too busy to take."""
    claimed = _claim(job_id)
    if claimed is None:
        log.info("job %d is not queued (taken by another worker, or ended)", job_id)
        return
    with force_locale(claimed.locale):
        kind = kinds.get_kind(claimed.kind)
        if kind is None:
            log.error("job %d: no kind %r is registered", job_id, claimed.kind)
            _fail(claimed, _("This kind of job is not known to the worker; nothing was changed."))
            return
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        interval = float(app.config["JOBS_HEARTBEAT_SECONDS"])
        with Heartbeat(app, job_id, claimed.attempt, interval):
            _work(claimed, kind, note_progress)


def _work(claimed: _Claimed, kind: kinds.JobKind, note_progress: kinds.Progress | None) -> None:
    """Do the work in the session's one transaction; commit it with the job's end."""
    session = db.session
    progress = ProgressReporter(claimed.job_id, claimed.attempt, note_progress)
    try:
        # a job that writes takes SQLite's write lock up front; one that reads never waits
        session.connection(execution_options={"sqlite_immediate": kind.writes})
        actor = session.get(User, claimed.created_by_id) if claimed.created_by_id else None
        if actor is not None and not actor.is_active:  # deactivated since it was queued
            raise PermissionDenied(_("The account that asked for this job is deactivated."))
        if actor is None and kind.needs_actor:
            raise PermissionDenied(_("The account that asked for this job is gone."))
        result = kind.run(kinds.JobWork(params=claimed.params, actor=actor, progress=progress))
        if kind.writes:
            ended = _end(
                session.connection(), claimed, status=JobStatus.done, result=result, **progress.told
            )
            if not ended:
                session.rollback()
                log.warning("job %d: taken over meanwhile; this run is undone", claimed.job_id)
                return
            session.commit()
        else:
            session.rollback()
            with own_transaction(writes=True) as conn:
                _end(conn, claimed, status=JobStatus.done, result=result, **progress.told)
    except ValidationFailed as exc:
        session.rollback()
        _fail(claimed, "; ".join(exc.errors.values()))
    except (PermissionDenied, Conflict) as exc:  # refused, or another change came first
        session.rollback()
        _fail(claimed, str(exc))
    except (sa.exc.IntegrityError, sa.orm.exc.StaleDataError):  # as the web's 409
        session.rollback()
        _fail(
            claimed,
            _(
                "Someone else changed the same records at the same time; nothing was changed. "
                "Try again."
            ),
        )
    except Exception:
        session.rollback()
        log.exception("job %d (%s) failed", claimed.job_id, claimed.kind)
        _fail(claimed, _("The job failed unexpectedly; nothing was changed."))


def recover_stalled(*, stale_after: dt.timedelta) -> list[int]:
    """Find the jobs silent for longer than ``stale_after``: a running one whose worker stopped
    (killed, machine down) is queued again, or failed after MAX_ATTEMPTS; a queued one (its
    message lost) is sent again. Returns the ids to put on the queue (after this commits)."""
    cutoff = utcnow() - stale_after
    again: list[int] = []
    with own_transaction(writes=True) as conn:
        stalled = conn.execute(
            sa.select(Job.id, Job.status, Job.attempts, Job.locale).where(
                Job.status.in_([JobStatus.queued, JobStatus.running]), Job.heartbeat_at < cutoff
            )
        ).all()
        for job in stalled:
            now = utcnow()
            if job.status == JobStatus.running and job.attempts >= MAX_ATTEMPTS:
                with force_locale(job.locale):
                    message = _(
                        "The worker stopped while running it, %(n)d times; nothing was changed.",
                        n=job.attempts,
                    )
                conn.execute(
                    sa.update(Job)
                    .where(Job.id == job.id, Job.status == JobStatus.running)
                    .values(
                        status=JobStatus.failed, message=message, finished_at=now, heartbeat_at=now
                    )
                )
                log.warning("job %d: its worker stopped again; failed", job.id)
                continue
            conn.execute(
                sa.update(Job)
                .where(Job.id == job.id, Job.status == job.status)
                .values(
                    status=JobStatus.queued, heartbeat_at=now, progress_done=0, progress_total=0
                )
            )
            if job.status == JobStatus.running:
                log.warning("job %d: its worker stopped; queued again", job.id)
            again.append(job.id)
    return again
