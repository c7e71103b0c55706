"""Queuing jobs and finding them for the people allowed to see them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from ems.auth.models import User
from ems.errors import NotFound
from ems.extensions import db, utcnow
from ems.jobs import kinds
from ems.jobs.models import Job, JobStatus


def submit(*, actor: User | None, kind: str, params: Mapping[str, Any], locale: str = "en") -> Job:
    """Record a queued job of ``kind``; the caller commits, then puts it on the queue
    (ems.jobs.queue.enqueue): a worker must find the record when it takes the job."""
    if kinds.get_kind(kind) is None:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        kind=kind,
        params=dict(params),
        status=JobStatus.queued,
        created_by_id=actor.id if actor else None,
        locale=locale,
        heartbeat_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def can_see(user: User, job: Job) -> bool:
    """True if ``user`` queued ``job`` or holds a role that may see every job of its kind."""
    if job.created_by_id == user.id:
        return True
    kind = kinds.get_kind(job.kind)
    return kind is not None and user.has_any_role(*kind.viewers)


def get_job(job_id: int, *, viewer: User) -> Job:
    """The job ``job_id`` as ``viewer`` may see it; NotFound if it does not exist or is another
    user's they may not see (not telling which)."""
    job = db.session.get(Job, job_id)
    if job is None or not can_see(viewer, job):
        raise NotFound(f"job {job_id}")
    return job


def list_jobs(*, limit: int = 50) -> list[Job]:
    """The most recent jobs, newest first (the command line's list)."""
    return list(db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit)))
