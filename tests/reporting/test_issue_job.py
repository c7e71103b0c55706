"""Issuing a report from the web is a background job: the form is checked at once, the job's page
shows the issue's progress, then leads to the reports with the new version listed; a job that
cannot issue says why and stores nothing."""

from __future__ import annotations

import re

import sqlalchemy as sa

from ems.auth import services as auth
from ems.auth.models import Role, User
from ems.extensions import db
from ems.jobs import runner
from ems.jobs.models import Job, JobStatus
from ems.reporting.models import IssuedReport
from tests.inventory.test_inventory import organisation  # noqa: F401 (the fixture)
from tests.jobs.conftest import waiting  # noqa: F401 (the fixture)
from tests.jobs.test_jobs import job, read_afresh
from tests.reporting.test_report import year_2025  # noqa: F401 (the fixture)

JOB_URL = re.compile(r"^/jobs/(\d+)$")


def issued_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IssuedReport)) or 0


def test_the_issue_runs_as_a_job_with_its_progress_then_lists_the_version(
    app,
    client,
    login,
    create_user,
    year_2025,  # noqa: F811 (the imported fixture)
    waiting,  # noqa: F811 (the imported fixture)
):
    login(client, create_user(roles=(Role.management,)))
    response = client.post("/reports/issue", data={"year": "2025", "note": "first"})
    assert response.status_code == 302
    url = response.headers["Location"]
    job_id = int(JOB_URL.match(url).group(1))
    page = client.get(url).get_data(as_text=True)
    assert "Issue of the 2025 report" in page
    assert "Waiting for a worker to start it" in page
    read_afresh()
    assert issued_count() == 0  # queued: nothing issued yet
    with app.app_context():
        runner.run_job(job_id)  # as a worker does
    done = job(job_id)
    assert (done.status, done.progress_done, done.progress_total) == (JobStatus.done, 4, 4)
    assert issued_count() == 1
    shown = client.get(url)
    assert shown.status_code == 302
    assert shown.headers["Location"] == "/reports/"
    listed = client.get("/reports/").get_data(as_text=True)
    assert "Report EMS-2025-v1 issued." in listed
    assert "EMS-2025-v1" in listed
    assert "first" in listed


def test_the_form_refuses_a_year_without_records_before_queuing(
    client,
    login,
    create_user,
    year_2025,  # noqa: F811 (the imported fixture)
):
    login(client, create_user(roles=(Role.management,)))
    refused = client.post("/reports/issue", data={"year": "2019"})
    assert refused.status_code == 422
    assert "Nothing is recorded for 2019" in refused.get_data(as_text=True)
    read_afresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_an_issue_whose_issuer_lost_the_role_fails_and_stores_nothing(
    app,
    client,
    login,
    create_user,
    year_2025,  # noqa: F811 (the imported fixture)
    waiting,  # noqa: F811 (the imported fixture)
):
    manager = create_user(roles=(Role.management,))
    login(client, manager)
    url = client.post("/reports/issue", data={"year": "2025"}).headers["Location"]
    job_id = int(JOB_URL.match(url).group(1))
    db.session.rollback()
    auth.update_user(actor=None, user=db.session.get(User, manager.id), name="M", roles=[Role.ems])
    db.session.commit()
    read_afresh()
    with app.app_context():
        runner.run_job(job_id)
    failed = job(job_id)
    assert failed.status == JobStatus.failed
    assert "Only management can issue the annual report." in (failed.message or "")
    assert issued_count() == 0


def test_a_year_is_issued_in_two_languages_each_a_version_of_its_own(
    app,
    client,
    login,
    create_user,
    year_2025,  # noqa: F811 (the imported fixture)
    waiting,  # noqa: F811 (the imported fixture)
):
    """The language is chosen on the form (default: the organisation's); each issue is frozen
    with its own SHA-256 and says its language in the list."""
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/reports/").get_data(as_text=True)
    assert re.search(r'<option (selected )?value="en"( selected)?>English', page)
    assert re.search(r"<option[^>]*selected[^>]*>English", page)
    for language in ("fr", "zh"):
        response = client.post("/reports/issue", data={"year": "2025", "language": language})
        assert response.status_code == 302
        with app.app_context():
            runner.run_job(int(JOB_URL.match(response.headers["Location"]).group(1)))
    read_afresh()
    reports = db.session.scalars(sa.select(IssuedReport).order_by(IssuedReport.version)).all()
    assert [(r.identifier, r.language) for r in reports] == [
        ("EMS-2025-v1", "fr"),
        ("EMS-2025-v2", "zh"),
    ]
    assert reports[0].pdf_sha256 != reports[1].pdf_sha256
    assert reports[0].snapshot["language"] == "fr"
    listed = client.get("/reports/").get_data(as_text=True)
    assert "(Français)" in listed
    assert "(中文)" in listed
    # an unknown language is refused by name, and nothing is queued
    refused = client.post("/reports/issue", data={"year": "2025", "language": "de"})
    assert refused.status_code == 422
    assert "Choose one of the languages offered." in refused.get_data(as_text=True)
    # a draft in Arabic, asked for by its link
    draft = client.get("/reports/2025/draft.pdf?language=ar")
    assert draft.status_code == 200
    assert "EMS-2025-DRAFT-ar.pdf" in draft.headers["Content-Disposition"]
