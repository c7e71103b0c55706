"""A background job's record: what to do, how far it got, and how it ended."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ems.extensions import Base, utcnow


class JobStatus(enum.StrEnum):
    """Where a job stands: waiting for a worker, being run, or ended (done or failed)."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


#: statuses a job no longer leaves
ENDED = frozenset({JobStatus.done, JobStatus.failed})


class Job(Base):
    """One piece of background work: its kind and parameters, its progress and its outcome.

    The record is written by the web server that queues the job and by the worker that runs it,
    so that any web server can show its progress, and a reload finds it again.
    """

    __tablename__ = "jobs"

    KIND_MAX_LEN = 60
    MESSAGE_MAX_LEN = 1000

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what to do, a registered kind such as "ledger.recalculation.preview" (see ems.jobs.kinds)
    kind: Mapped[str] = mapped_column(sa.String(KIND_MAX_LEN))
    status: Mapped[JobStatus] = mapped_column(
        sa.Enum(JobStatus, native_enum=False, length=10, create_constraint=True, name="job_status"),
        default=JobStatus.queued,
        index=True,
    )
    #: how many of how many items (a recalculation's records) are done; total 0: not known yet
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    #: why it failed, in words for its user
    message: Mapped[str] = mapped_column(sa.String(MESSAGE_MAX_LEN), default="")
    #: what it produced, as its kind describes it (a recalculation's totals, its id)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: the kind's parameters (a year, the factor sets chosen, a reason)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: who queued it; None: the command line
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: the language its messages are written in (that of the page that queued it)
    locale: Mapped[str] = mapped_column(sa.String(20), default="en")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    #: how many times a worker took it: a job whose worker stopped is run once more
    attempts: Mapped[int] = mapped_column(default=0)
    #: its last sign of life: when it was queued (or sent again), then its worker's last beat
    heartbeat_at: Mapped[dt.datetime | None]

    @property
    def is_ended(self) -> bool:
        """True once done or failed."""
        return self.status in ENDED

    @property
    def percent(self) -> int | None:
        """How far it got, 0–100; None while the total is not known."""
        if self.status == JobStatus.done:
            return 100
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)
