"""The README's screenshots, taken from the demo organisation in Debian's Chromium.

`make screenshots` runs this: a scratch SQLite database gets the migrations, the shipped factor
sets and the demo; gunicorn serves it on a free loopback port; Playwright logs in as the demo
accounts and saves the dashboard, the flight form and the reports page as PNG files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from ems.demo.services import DEMO_PASSWORD
from tests.e2e.conftest import CHROMIUM_ARGS, gunicorn

BIN = Path(sys.executable).parent


def _log_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def main() -> None:
    """Build the demo, serve it, and save the screenshots into --out."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "EMS_DATABASE_URL": f"sqlite:///{scratch}/demo.sqlite3",
            "EMS_SECRET_KEY": "screenshots",
            "EMS_INSTANCE_PATH": scratch,
            "EMS_SESSION_COOKIE_SECURE": "false",
        }
        for command in (["db", "upgrade"], ["factors", "load"], ["demo", "load"]):
            subprocess.run([str(BIN / "ems"), *command], env=env, check=True)  # noqa: S603
        with (
            gunicorn(env, Path(scratch) / "server.log", workers=1) as url,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            page = browser.new_page(
                base_url=url,
                viewport={"width": 1280, "height": 1000},
                locale="en-GB",
            )
            _log_in(page, "ems@demo.example")
            page.goto("/")
            page.wait_for_timeout(800)  # the charts' animation
            page.screenshot(path=str(args.out / "dashboard.png"))

            _log_in(page, "travel@demo.example")
            page.goto("/travel/trips/new")
            page.get_by_label("Traveller").fill("Amina Diallo")
            page.get_by_label("From", exact=True).first.fill("GVA")
            page.get_by_label("To", exact=True).first.fill("NBO")
            page.get_by_label("Date", exact=True).first.fill("2026-10-05")
            page.get_by_label("Return trip: the same flights back, in reverse").check()
            page.get_by_label("Return date").fill("2026-10-09")
            page.screenshot(path=str(args.out / "flight-form.png"))

            _log_in(page, "management@demo.example")
            page.goto("/reports/")
            page.screenshot(path=str(args.out / "reports.png"))
            browser.close()
    print(f"Screenshots saved in {args.out}")


if __name__ == "__main__":
    main()
