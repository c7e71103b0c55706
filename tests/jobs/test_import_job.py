"""A large checked file is imported by a background job: its page shows the progress, then leads
to the records with the import's message; a small one is imported in the request as before."""

from __future__ import annotations

from io import BytesIO

import pytest
import sqlalchemy as sa
from flask import Flask

from ems.auth.models import Role
from ems.extensions import db
from ems.factors import services as factors
from ems.imports import views as import_views
from ems.imports.models import ImportBatch
from ems.jobs import runner
from ems.jobs.models import Job, JobStatus
from ems.org import services as org
from ems.travel.models import Trip
from tests.jobs.test_jobs import read_afresh
from tests.travel.test_import import AGENCY, count


@pytest.fixture
def agency(app: Flask) -> None:
    """The factors and the department the agency file's rows name."""
    factors.load_shipped_sets(actor=None)
    org.create_department(actor=None, name="Programme", code="PRG")
    db.session.commit()


def checked_batch(client) -> ImportBatch:
    checked = client.post(
        "/travel/import",
        data={"file": (BytesIO(AGENCY.encode()), "agency.csv")},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200, checked.get_data(as_text=True)
    return db.session.scalars(sa.select(ImportBatch)).one()


def test_a_large_file_is_imported_by_a_job_that_shows_its_progress(
    app, client, create_user, login, agency, waiting, monkeypatch
):
    monkeypatch.setattr(import_views, "JOB_ROWS", 3)  # the file's 4 rows are "large"
    login(client, create_user(roles=(Role.travel,)))
    batch = checked_batch(client)
    queued = client.post(f"/travel/import/{batch.id}/commit")
    assert queued.status_code == 302
    job_page = queued.headers["Location"]
    assert job_page.startswith("/jobs/")
    waiting_page = client.get(job_page).get_data(as_text=True)
    assert "Import of agency.csv" in waiting_page
    assert "Waiting for a worker to start it" in waiting_page
    assert count(Trip) == 0
    job_id = int(job_page.rsplit("/", 1)[1])
    read_afresh()
    with app.app_context():
        runner.run_job(job_id)  # as a worker does
    job = db.session.get(Job, job_id)
    assert job is not None
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.done, 4, 4)
    assert job.result == {"created": 2, "skipped": 0, "changed": 0, "cancelled": 0}
    done = client.get(job_page)
    assert done.headers["Location"] == "/travel/"
    trips = client.get("/travel/").get_data(as_text=True)
    assert "2 trips imported; 0 bookings were already recorded as they are." in trips
    assert count(Trip) == 2


def test_a_failed_import_job_changes_nothing_and_leads_back(
    client, create_user, login, agency, monkeypatch
):
    monkeypatch.setattr(import_views, "JOB_ROWS", 3)
    login(client, create_user(roles=(Role.travel,)))
    batch = checked_batch(client)
    batch.created_at = batch.created_at.replace(year=2000)  # checked too long ago
    db.session.commit()
    queued = client.post(f"/travel/import/{batch.id}/commit")
    page = client.get(queued.headers["Location"]).get_data(as_text=True)
    assert "The job failed; nothing was changed." in page
    assert "checked more than a day ago" in page
    assert 'href="/travel/import"' in page
    assert count(Trip) == 0


def test_a_small_file_is_imported_in_the_request(client, create_user, login, agency):
    login(client, create_user(roles=(Role.travel,)))
    batch = checked_batch(client)
    committed = client.post(f"/travel/import/{batch.id}/commit")
    assert committed.headers["Location"] == "/travel/"
    assert count(Trip) == 2


def _queued_import(client, monkeypatch) -> int:
    monkeypatch.setattr(import_views, "JOB_ROWS", 3)
    batch = checked_batch(client)
    queued = client.post(f"/travel/import/{batch.id}/commit")
    return int(queued.headers["Location"].rsplit("/", 1)[1])


def test_a_file_given_the_go_ahead_twice_is_imported_once(
    app, client, create_user, login, agency, waiting, monkeypatch
):
    login(client, create_user(roles=(Role.travel,)))
    first = _queued_import(client, monkeypatch)
    second = int(
        client.post(f"/travel/import/{db.session.scalars(sa.select(ImportBatch.id)).one()}/commit")
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    read_afresh()
    with app.app_context():
        runner.run_job(first)
        runner.run_job(second)
    read_afresh()
    assert db.session.get(Job, first).status == JobStatus.done
    refused = db.session.get(Job, second)
    assert (refused.status, refused.message) == (
        JobStatus.failed,
        "This file was imported already.",
    )
    assert count(Trip) == 2


def test_a_job_of_an_account_deactivated_since_changes_nothing(
    app, client, create_user, login, agency, waiting, monkeypatch
):
    user = create_user(roles=(Role.travel,))
    login(client, user)
    job_id = _queued_import(client, monkeypatch)
    read_afresh()
    user.is_active = False
    db.session.commit()
    with app.app_context():
        runner.run_job(job_id)
    read_afresh()
    job = db.session.get(Job, job_id)
    assert (job.status, job.message) == (
        JobStatus.failed,
        "The account that asked for this job is deactivated.",
    )
    assert count(Trip) == 0
