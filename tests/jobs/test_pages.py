"""The job pages: the recalculation form queues a job and leads to its page, which shows the
progress, then the result; only its user and the ledger's readers see it."""

from __future__ import annotations

import re

import sqlalchemy as sa

from ems.auth.models import Role
from ems.extensions import db
from ems.jobs import queue, runner
from ems.jobs.models import Job, JobStatus
from ems.ledger import services as ledger
from tests.jobs.test_jobs import APPLY_FORM, PREVIEW_FORM, job, read_afresh

JOB_URL = re.compile(r"^/jobs/(\d+)$")


def queue_from_the_form(client, form) -> str:
    response = client.post("/ledger/recalculate", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert JOB_URL.match(response.headers["Location"])
    return response.headers["Location"]


def test_a_preview_from_the_form_shows_its_progress_then_the_table(
    app, client, login, create_user, meters, waiting
):
    login(client, create_user(roles=(Role.ems,)))
    url = queue_from_the_form(client, PREVIEW_FORM)
    waiting = client.get(url).get_data(as_text=True)
    assert "Waiting for a worker to start it" in waiting
    assert "<progress" in waiting
    assert f'href="{url}"' in waiting  # the Refresh link, for browsers without JavaScript
    assert client.get(f"{url}.json").json["status"] == "queued"
    job_id = int(JOB_URL.match(url).group(1))
    read_afresh()
    with app.app_context():
        runner.run_job(job_id)  # as a worker does
    status = client.get(f"{url}.json").json
    assert (status["status"], status["progress_done"], status["progress_total"]) == ("done", 5, 5)
    page = client.get(url).get_data(as_text=True)
    assert "Preview for 2024" in page
    assert "5 of 5 records would change" in page
    assert 'action="/ledger/recalculate"' in page  # applying it queues the apply job
    assert ledger.list_recalculations() == []


def test_applying_from_the_preview_page_leads_to_the_recalculation(
    client, login, create_user, meters
):
    login(client, create_user(roles=(Role.ems,)))
    url = queue_from_the_form(client, APPLY_FORM)
    shown = client.get(url)
    assert shown.status_code == 302
    recalculation = ledger.list_recalculations()[0]
    assert shown.headers["Location"] == f"/ledger/recalculations/{recalculation.id}"
    page = client.get(shown.headers["Location"]).get_data(as_text=True)
    assert "Recalculation applied" in page
    assert "new edition" in page


def test_a_failed_job_says_why_and_leads_back_to_the_form(client, login, create_user, meters):
    from tests.jobs import world

    world.unregister()  # the year cannot be recalculated
    login(client, create_user(roles=(Role.ems,)))
    url = queue_from_the_form(client, APPLY_FORM)
    page = client.get(url).get_data(as_text=True)
    assert "The job failed; nothing was changed." in page
    assert "5 records cannot be recalculated" in page
    assert "/ledger/recalculate?year=2024&amp;reason=new+edition" in page
    assert client.get(f"{url}.json").json["status"] == "failed"


def test_the_form_refuses_an_application_without_a_reason_before_queuing(
    client, login, create_user, meters
):
    login(client, create_user(roles=(Role.ems,)))
    refused = client.post("/ledger/recalculate", data={**APPLY_FORM, "reason": " "})
    assert refused.status_code == 200
    assert "This field is required." in refused.get_data(as_text=True)
    read_afresh()
    from ems.jobs.services import list_jobs

    assert list_jobs() == []


def test_another_users_job_is_not_found(client, app, login, create_user, meters):
    login(client, create_user(roles=(Role.ems,)))
    url = queue_from_the_form(client, PREVIEW_FORM)
    job_id = int(JOB_URL.match(url).group(1))
    assert job(job_id).status.value == "done"
    for role, status in ((Role.travel, 404), (Role.management, 200), (Role.ems, 200)):
        other = app.test_client()
        login(other, create_user(roles=(role,)))
        assert other.get(url).status_code == status, role
        assert other.get(f"{url}.json").status_code == status, role
    anonymous = app.test_client()
    assert anonymous.get(url).headers["Location"].startswith("/auth/login")


def test_the_job_page_loads_its_script_which_is_served(client, login, create_user, meters, waiting):
    login(client, create_user(roles=(Role.ems,)))
    url = queue_from_the_form(client, PREVIEW_FORM)
    assert '<script src="/static/js/jobs.js" defer>' in client.get(url).get_data(as_text=True)
    with client.get("/static/js/jobs.js") as script:
        assert script.status_code == 200
        assert "data-job-status-url" in script.get_data(as_text=True)


def test_a_job_page_shows_the_progress_its_worker_noted_on_the_queue(
    app, client, login, create_user, meters, waiting
):
    """On SQLite a job that writes holds the only write lock, and its worker notes its progress
    on the queue instead of the job's record (see runner.ProgressReporter)."""
    login(client, create_user(roles=(Role.ems,)))
    url = queue_from_the_form(client, PREVIEW_FORM)
    job_id = int(JOB_URL.match(url).group(1))
    read_afresh()
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(status=JobStatus.running))
    db.session.commit()
    assert "Running…" in client.get(url).get_data(as_text=True)
    queue.get_queue(app).huey.put(f"ems.jobs.progress.{job_id}", (3, 8))
    page = client.get(url).get_data(as_text=True)
    assert "Running: 3 of 8 done." in page
    assert 'value="3" max="8"' in page
    status = client.get(f"{url}.json").json
    assert (status["progress_done"], status["progress_total"], status["percent"]) == (3, 8, 37)
