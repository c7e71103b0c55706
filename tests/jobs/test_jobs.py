"""Jobs: queued from the recalculation form, run in one transaction with their progress
written on the side, shown to the people allowed to see them, recovered when a worker stops."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import sqlalchemy as sa
from flask import current_app

from ems.auth.models import Role, User
from ems.errors import Conflict, NotFound
from ems.extensions import db, utcnow
from ems.jobs import kinds, queue, runner, services
from ems.jobs.models import Job, JobStatus
from ems.ledger import services as ledger
from ems.ledger import views as ledger_views
from tests.jobs import world

PREVIEW_FORM = {"year": str(world.YEAR), "factor_set_id": "0", "preview": "1"}
APPLY_FORM = {"year": str(world.YEAR), "factor_set_id": "0", "reason": "new edition", "apply": "1"}


def read_afresh() -> None:
    """End the test's transaction and start one that only reads: on SQLite it takes no write
    lock, which a worker in another process would wait for."""
    db.session.rollback()
    db.session.connection(execution_options={"sqlite_immediate": False})


def job(job_id: int) -> Job:
    """The job as committed now."""
    read_afresh()
    found = db.session.get(Job, job_id)
    assert found is not None
    db.session.refresh(found)
    return found


def queue_job(kind: str, actor: User | None = None, **params: object) -> int:
    """A committed, queued job (not run: no worker, not immediate)."""
    job_id = services.submit(
        actor=actor, kind=kind, params={"year": world.YEAR, "overrides": {}, **params}
    ).id
    db.session.commit()
    return job_id


def run(job_id: int, note_progress: kinds.Progress | None = None) -> None:
    """Run the job as a worker's task does: in an app context of its own, after the test's
    transaction ended (on SQLite it could hold the write lock)."""
    db.session.rollback()
    with current_app.app_context():
        runner.run_job(job_id, note_progress=note_progress)


def test_a_preview_job_keeps_the_preview_a_direct_call_gives(app, meters):
    direct = ledger_views._preview_result(ledger.preview_recalculation(year=world.YEAR))
    job_id = queue_job(ledger_views.PREVIEW_JOB)
    run(job_id)
    done = job(job_id)
    assert done.status == JobStatus.done
    assert done.result == direct
    assert done.result["changed_activities"] == 5
    assert (done.progress_done, done.progress_total) == (5, 5)
    assert done.attempts == 1
    assert done.started_at is not None
    assert done.finished_at is not None
    assert world.ledger_state() == (0, 5, 0)  # a preview changes nothing


def test_an_apply_job_commits_the_recalculation_with_its_end(app, meters, create_user):
    editor = create_user(roles=(Role.ems,))
    before = ledger.preview_recalculation(year=world.YEAR)
    job_id = queue_job(ledger_views.APPLY_JOB, editor, reason="new edition")
    run(job_id)
    done = job(job_id)
    assert done.status == JobStatus.done, done.message
    recalculation = ledger.get_recalculation(done.result["recalculation_id"])
    assert recalculation.applied_by_id == editor.id
    assert ledger.year_totals(world.YEAR) == {
        (change.source, change.basis): change.after_g for change in before.changes
    }
    assert world.ledger_state() == (1, 5, 5)


def test_a_job_runs_once_however_often_it_is_delivered(app, meters):
    job_id = queue_job(ledger_views.PREVIEW_JOB)
    run(job_id)
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(result={"mark": 1}))
    db.session.commit()
    run(job_id)  # the same message again: the job has ended, nothing is done
    assert job(job_id).result == {"mark": 1}
    assert job(job_id).attempts == 1


def test_progress_is_committed_while_the_work_is_not(app, meters, create_user):
    """What another connection (a web page) sees in the middle of the work."""
    seen: list[tuple[int, int, JobStatus]] = []
    recalculations_seen: list[int] = []

    def watching(activity_id, selector):
        if activity_id == 4:
            # a reader's transaction: on SQLite it takes no lock (the apply holds the write lock)
            with db.engine.connect().execution_options(sqlite_immediate=False) as conn:
                row = conn.execute(
                    sa.select(Job.progress_done, Job.progress_total, Job.status).where(
                        Job.status == JobStatus.running
                    )
                ).one()
                seen.append(tuple(row))
                recalculations_seen.append(
                    conn.scalar(sa.text("SELECT count(*) FROM recalculations"))
                )
        return world.meter_lines(activity_id, selector)

    runner.PROGRESS_INTERVAL_SECONDS, interval = 0.0, runner.PROGRESS_INTERVAL_SECONDS
    ledger.register_calculator(world.ACTIVITY_TYPE, watching)
    try:
        noted: list[tuple[int, int]] = []
        run(queue_job(ledger_views.PREVIEW_JOB), lambda *progress: noted.append(progress))
        assert (seen, noted) == ([(3, 5, JobStatus.running)], [])
        seen.clear()
        editor = create_user(roles=(Role.ems,))
        applied = queue_job(ledger_views.APPLY_JOB, editor, reason="new")
        run(applied, lambda *progress: noted.append(progress))
        if db.engine.dialect.name == "sqlite":
            # one writer at a time: the apply holds the lock, so its progress goes to the queue
            assert seen == [(0, 0, JobStatus.running)]
            assert noted[:4] == [(0, 5), (1, 5), (2, 5), (3, 5)]
        else:
            assert (seen, noted) == ([(3, 5, JobStatus.running)], [])
        assert recalculations_seen[-1] == 0  # the work was not committed yet
        assert job(applied).status == JobStatus.done
    finally:
        runner.PROGRESS_INTERVAL_SECONDS = interval


def test_a_refused_recalculation_fails_the_job_with_the_reason_and_changes_nothing(
    app, meters, create_user
):
    world.unregister()  # no calculator: the year cannot be recalculated
    editor = create_user(roles=(Role.ems,))
    job_id = queue_job(ledger_views.APPLY_JOB, editor, reason="new edition")
    run(job_id)
    failed = job(job_id)
    assert failed.status == JobStatus.failed
    assert failed.message.startswith("5 records cannot be recalculated: jobs_test_meter #1")
    assert world.ledger_state() == (0, 5, 0)


def test_an_unexpected_error_fails_the_job_rolls_back_and_is_logged(
    app, meters, create_user, caplog
):
    def broken(activity_id, selector):
        if activity_id == 3:
            raise RuntimeError("boom")
        return world.meter_lines(activity_id, selector)

    ledger.register_calculator(world.ACTIVITY_TYPE, broken)
    editor = create_user(roles=(Role.ems,))
    job_id = queue_job(ledger_views.APPLY_JOB, editor, reason="new edition")
    with caplog.at_level(logging.ERROR, logger="ems.jobs.runner"):
        run(job_id)
    failed = job(job_id)
    assert failed.status == JobStatus.failed
    assert failed.message == "The job failed unexpectedly; nothing was changed."
    assert "boom" in caplog.text
    assert world.ledger_state() == (0, 5, 0)


@pytest.mark.parametrize(
    ("clash", "message"),
    [
        (
            Conflict("Another change of meter 1 came first; try again."),
            "Another change of meter 1 came first; try again.",
        ),
        (  # as the web's 409
            sa.exc.IntegrityError("INSERT …", {}, Exception("duplicate key")),
            "Someone else changed the same records at the same time; nothing was changed. "
            "Try again.",
        ),
    ],
)
def test_a_job_that_met_another_change_fails_with_a_plain_message(
    app, meters, create_user, clash, message
):
    def clashing(activity_id, selector):
        raise clash

    ledger.register_calculator(world.ACTIVITY_TYPE, clashing)
    editor = create_user(roles=(Role.ems,))
    job_id = queue_job(ledger_views.APPLY_JOB, editor, reason="new edition")
    run(job_id)
    failed = job(job_id)
    assert failed.status == JobStatus.failed
    assert failed.message == message
    assert world.ledger_state() == (0, 5, 0)


def test_a_job_done_in_its_users_name_is_refused_without_one(app, meters):
    job_id = queue_job(ledger_views.APPLY_JOB, None, reason="new edition")  # no account
    run(job_id)
    failed = job(job_id)
    assert failed.status == JobStatus.failed
    assert failed.message == "The account that asked for this job is gone."
    assert world.ledger_state() == (0, 5, 0)


def stall(job_id: int, *, attempts: int, seconds_ago: float = 120) -> None:
    """Leave the job as a killed worker leaves it: running, silent for ``seconds_ago``."""
    db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id)
        .values(
            status=JobStatus.running,
            attempts=attempts,
            heartbeat_at=utcnow() - dt.timedelta(seconds=seconds_ago),
        )
    )
    db.session.commit()


def test_a_job_whose_worker_stopped_runs_once_more(app, meters):
    job_id = queue_job(ledger_views.PREVIEW_JOB)
    stall(job_id, attempts=1)
    assert queue.recover() == [job_id]  # queued again and (immediate) run at once
    done = job(job_id)
    assert (done.status, done.attempts) == (JobStatus.done, 2)


def test_a_job_sent_again_starts_its_progress_over(app, meters, waiting):
    """Its page must not show how far the stopped attempt got."""
    job_id = queue_job(ledger_views.PREVIEW_JOB)
    db.session.execute(
        sa.update(Job).where(Job.id == job_id).values(progress_done=3, progress_total=5)
    )
    stall(job_id, attempts=1)
    assert queue.recover() == [job_id]
    again = job(job_id)
    assert (again.status, again.progress_done, again.progress_total) == (JobStatus.queued, 0, 0)


def test_a_job_whose_worker_stopped_twice_fails(app, meters):
    job_id = queue_job(ledger_views.PREVIEW_JOB)
    stall(job_id, attempts=2)
    assert queue.recover() == []
    failed = job(job_id)
    assert failed.status == JobStatus.failed
    assert failed.message == "The worker stopped while running it, 2 times; nothing was changed."


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(app, meters):
    job_id = queue_job(ledger_views.PREVIEW_JOB)
    stall(job_id, attempts=1, seconds_ago=1)
    assert queue.recover() == []
    assert job(job_id).status == JobStatus.running


def test_a_queued_job_whose_message_was_lost_is_sent_again(app, meters):
    job_id = queue_job(ledger_views.PREVIEW_JOB)  # never put on the queue
    db.session.execute(sa.update(Job).values(heartbeat_at=utcnow() - dt.timedelta(seconds=120)))
    db.session.commit()
    assert queue.recover() == [job_id]
    assert job(job_id).status == JobStatus.done


def test_a_taken_over_attempt_does_not_commit(app, meters, create_user):
    """A worker thought stopped that was only slow: its late end is undone."""
    editor = create_user(roles=(Role.ems,))
    job_id = queue_job(ledger_views.APPLY_JOB, editor, reason="new edition")

    def taken_over(activity_id, selector):
        if activity_id == 5:  # meanwhile the job was queued again and taken by another worker
            with db.engine.begin() as conn:
                conn.execute(sa.update(Job).values(attempts=Job.attempts + 1))
        return world.meter_lines(activity_id, selector)

    if db.engine.dialect.name == "sqlite":
        pytest.skip("the apply holds SQLite's only write lock: nothing else can write meanwhile")
    ledger.register_calculator(world.ACTIVITY_TYPE, taken_over)
    run(job_id)
    assert world.ledger_state() == (0, 5, 0)
    assert job(job_id).status == JobStatus.running  # the other attempt's to end


def test_only_their_user_and_the_ledger_readers_see_a_job(app, create_user):
    world.register()
    try:
        owner = create_user(roles=(Role.ems,))
        submitted = services.submit(
            actor=owner, kind=ledger_views.PREVIEW_JOB, params={"year": 2024, "overrides": {}}
        )
        db.session.commit()
        assert services.get_job(submitted.id, viewer=owner) is submitted
        assert services.get_job(submitted.id, viewer=create_user(roles=(Role.management,)))
        with pytest.raises(NotFound):
            services.get_job(submitted.id, viewer=create_user(roles=(Role.travel,)))
    finally:
        world.unregister()
