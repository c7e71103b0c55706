"""The queue between web servers and workers (Huey): Redis when EMS_JOBS_REDIS_URL is set,
else a SQLite file in the instance folder (one machine, no server to run).

The queue only carries job ids; everything else about a job is in its database record.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import huey  # type: ignore[import-untyped]
from flask import Flask, current_app

from ems.jobs import runner

log = logging.getLogger(__name__)

#: the SQLite queue's file in the instance folder, when EMS_JOBS_QUEUE_FILE is unset
QUEUE_FILE = "jobs-queue.sqlite3"
_EXTENSION = "ems.jobs"
_creating = threading.Lock()


@dataclass(frozen=True)
class JobQueue:
    """An app's queue and the tasks on it."""

    huey: huey.Huey
    #: runs one job: run_task(job_id)
    run_task: huey.api.TaskWrapper
    #: queues the jobs whose worker stopped again (every minute in each worker)
    recover_task: huey.api.TaskWrapper


def get_queue(app: Flask | None = None) -> JobQueue:
    """``app``'s queue (the current app's by default), made on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    with _creating:
        queue: JobQueue | None = app.extensions.get(_EXTENSION)
        if queue is None:
            queue = app.extensions[_EXTENSION] = _create_queue(app)
    return queue


def _create_queue(app: Flask) -> JobQueue:
    config = app.config
    name = config["JOBS_QUEUE_NAME"]
    immediate = bool(config["JOBS_IMMEDIATE"])
    storage: huey.Huey
    if config.get("JOBS_REDIS_URL"):
        storage = huey.RedisHuey(
            name, url=config["JOBS_REDIS_URL"], results=False, immediate=immediate
        )
    else:
        path = Path(config.get("JOBS_QUEUE_FILE") or Path(app.instance_path) / QUEUE_FILE)
        if not immediate:
            path.parent.mkdir(parents=True, exist_ok=True)
        storage = huey.SqliteHuey(name, filename=str(path), results=False, immediate=immediate)

    # the tasks run in a worker thread: each in an app context of its own (its own session)
    @storage.task(name="ems.jobs.run")
    def run_task(job_id: int) -> None:
        key = _progress_key(job_id)

        def note(done: int, total: int) -> None:
            storage.put(key, (done, total))

        storage.get(key)  # what an attempt stopped mid-way (or an earlier database) left
        with app.app_context():
            try:
                runner.run_job(job_id, note_progress=note)
            finally:
                storage.get(key)  # taken: the job's record holds its last progress now

    @storage.periodic_task(huey.crontab(minute="*"), name="ems.jobs.recover")
    def recover_task() -> None:
        with app.app_context():
            recover(app)

    return JobQueue(storage, run_task, recover_task)


def _progress_key(job_id: int) -> str:
    return f"ems.jobs.progress.{job_id}"


def noted_progress(job_id: int, app: Flask | None = None) -> tuple[int, int] | None:
    """The progress (done, total) of a running job that its record could not take (SQLite,
    while the job's work holds the only write lock), as its worker noted it on the queue;
    None if none was noted, or the queue does not answer."""
    try:
        noted = get_queue(app).huey.get(_progress_key(job_id), peek=True)
    except Exception:
        log.warning("the progress of job %d could not be read from the queue", job_id)
        return None
    return (int(noted[0]), int(noted[1])) if noted is not None else None


def enqueue(job_id: int, app: Flask | None = None) -> None:
    """Put the committed job ``job_id`` on the queue (run at once in immediate mode). A queue
    that does not answer is logged, not raised: the job stays queued and is sent again by the
    next recovery (see recover)."""
    try:
        get_queue(app).run_task(job_id)
    except Exception:
        log.exception("job %d could not be put on the queue; it will be sent again", job_id)


def recover(app: Flask | None = None) -> list[int]:
    """Queue again the jobs whose worker stopped, fail those tried too often (inside an app
    context); returns the ids sent again."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    stale_after = dt.timedelta(seconds=float(app.config["JOBS_STALE_SECONDS"]))
    again = runner.recover_stalled(stale_after=stale_after)
    for job_id in again:
        enqueue(job_id, app)
    return again


def run_worker(app: Flask, *, workers: int = 1) -> None:
    """Run jobs from ``app``'s queue with ``workers`` threads until stopped (SIGINT, SIGTERM).
    Jobs left running by a worker that stopped are recovered first, then every minute."""
    queue = get_queue(app)
    with app.app_context():
        again = recover(app)
    if again:
        log.info("jobs sent again at start: %s", ", ".join(map(str, again)))
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()
