"""In a real browser: a job's page follows its job, and says so when the sign-in has ended
instead of waiting for ever."""

from __future__ import annotations

import re

import pytest

from ems.auth.models import Role
from tests.e2e.test_journeys import log_in
from tests.inventory.test_inventory import organisation  # noqa: F401 (the fixture)
from tests.reporting.test_report import year_2025  # noqa: F401 (the fixture)

#: slow: a browser on a live server
pytestmark = [pytest.mark.usefixtures("app"), pytest.mark.slow]


def test_a_waiting_job_page_leads_to_the_login_once_the_sign_in_has_ended(
    page,
    create_user,
    year_2025,  # noqa: F811 (the imported fixture)
):
    log_in(page, create_user(roles=(Role.management,)))
    page.goto("/reports/")
    page.get_by_role("button", name="Issue the report").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))  # no worker here: the job waits
    assert "Waiting for a worker to start it" in page.locator("[data-job-state]").inner_text()
    page.context.clear_cookies()  # the session ends (expired, or logged out elsewhere)
    page.wait_for_url(re.compile(r"/auth/login"), timeout=5_000)
