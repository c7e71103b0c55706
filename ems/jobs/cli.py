"""`ems worker`: run the queued jobs; `ems jobs list`: the latest jobs and how they stand; and
the progress bar the commands doing a job's work themselves show."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ems.extensions import read_only
from ems.jobs import queue, services

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar as ClickProgressBar


class ProgressBar:
    """A progress callback ``(done, total)`` drawing a bar on standard error, opened once the
    total is known; use it in a ``with`` block."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bar: ClickProgressBar[int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@click.command("worker")
@click.option(
    "--threads",
    "-w",
    "workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Jobs run at the same time by this worker (run one worker per core for more).",
)
@with_appcontext
def worker_command(workers: int) -> None:
    """Run background jobs (recalculations, large imports, report issues) from the queue until
    stopped (Ctrl-C)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("JOBS_REDIS_URL")
    name = repr(app.config["JOBS_QUEUE_NAME"])
    click.echo(
        _(
            "ems worker: %(threads)d thread(s), queue %(queue)s on %(url)s",
            threads=workers,
            queue=name,
            url=url,
        )
        if url
        else _(
            "ems worker: %(threads)d thread(s), queue %(queue)s on a SQLite file in the "
            "instance folder",
            threads=workers,
            queue=name,
        )
    )
    queue.run_worker(app, workers=workers)


@click.group("jobs")
def jobs_cli() -> None:
    """Background jobs."""


@jobs_cli.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@with_appcontext
def list_command(limit: int) -> None:
    """The latest jobs, newest first."""
    read_only()
    # the column headers; the rows are data
    number, kind, status, done, tries = _("id"), _("kind"), _("status"), _("progress"), _("tries")
    click.echo(f"{number:>6} {kind:<32} {status:<8} {done:>13} {tries:>5}  " + _("created (UTC)"))
    for job in services.list_jobs(limit=limit):
        progress = f"{job.progress_done}/{job.progress_total}" if job.progress_total else ""
        click.echo(
            f"{job.id:>6} {job.kind:<32} {job.status.value:<8} {progress:>13} {job.attempts:>5}  "
            f"{job.created_at:%Y-%m-%d %H:%M}" + (f"  {job.message}" if job.message else "")
        )
