"""The kinds of job: each feature registers what its jobs do and how their results are shown.

The jobs package knows no feature; a feature (the ledger's recalculations) registers its kinds
when its views are imported, which every web server and worker does when it creates the app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask.typing import ResponseReturnValue

from ems.auth.models import Role, User
from ems.jobs.models import Job

#: a job's progress callback: (items done, items in all)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class JobWork:
    """What a kind's work function is given."""

    params: Mapping[str, Any]
    #: who queued the job, loaded in the work's transaction; None: the command line
    actor: User | None
    progress: Progress


@dataclass(frozen=True)
class JobKind:
    """A kind of job.

    ``run`` does the work in the worker's one transaction (flushing, never committing) and
    returns the result to keep (JSON). It raises ValidationFailed to fail with its messages.
    ``writes``: whether the work changes anything (its transaction is committed with the job's
    end); a job that only reads gives back its transaction and records its result apart.
    """

    name: str
    run: Callable[[JobWork], dict[str, Any]]
    #: the page's heading, from the parameters
    title: Callable[[Job], str]
    #: the page showing a finished job's result (a rendered template or a redirect)
    show_result: Callable[[Job], ResponseReturnValue]
    #: where a failed job's page leads back to (the form that queued it)
    back_url: Callable[[Job], str]
    #: roles that may see every job of this kind (besides the user who queued it)
    viewers: tuple[Role, ...] = ()
    writes: bool = False
    #: the work is done in the name of the user who queued it (the service checks their
    #: roles): a job whose account is gone is refused, never run as the command line
    needs_actor: bool = False


_kinds: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> JobKind:
    """Make ``kind`` known to web servers and workers (registering it again replaces it)."""
    _kinds[kind.name] = kind
    return kind


def get_kind(name: str) -> JobKind | None:
    """The kind called ``name``; None if no feature registered it."""
    return _kinds.get(name)
