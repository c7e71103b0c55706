"""A user switches ems to French, then to Arabic, in a real browser: every page follows, the
Arabic pages are laid out right to left, and a trip created in Arabic is confirmed in Arabic."""

from __future__ import annotations

import re

import pytest
from babel.support import Translations

from ems import PROJECT_ROOT
from ems.auth.models import Role
from ems.extensions import db
from ems.factors import services as factors
from ems.travel.models import Trip
from tests.e2e.test_journeys import log_in

#: slow: a browser on a live server
pytestmark = [pytest.mark.usefixtures("app"), pytest.mark.slow]


def _in(code: str, message: str) -> str:
    """``message`` as the catalogue of ``code`` words it."""
    translations = Translations.load(str(PROJECT_ROOT / "ems" / "translations"), [code])
    return translations.gettext(message)


def _switch_to(page, name: str) -> None:
    """Choose a language by its own name in the header's switch, and apply it."""
    page.locator("#header-language").select_option(label=name)
    with page.expect_navigation():
        page.locator(".language-switch button").click()


def test_a_user_switches_to_french_then_arabic_and_records_a_trip(page, create_user):
    factors.load_shipped_sets(actor=None)
    db.session.commit()
    log_in(page, create_user(roles=(Role.travel,)))
    html = page.locator("html")
    assert html.get_attribute("lang") == "en"

    _switch_to(page, "Français")
    assert html.get_attribute("lang") == "fr"
    assert html.get_attribute("dir") == "ltr"
    assert page.get_by_role("link", name=_in("fr", "Travel"), exact=True).is_visible()
    brand_ltr = page.locator(".brand").bounding_box()
    assert brand_ltr is not None
    assert brand_ltr["x"] < 100

    _switch_to(page, "العربية")
    assert html.get_attribute("lang") == "ar"
    assert html.get_attribute("dir") == "rtl"
    width = page.viewport_size["width"]
    # the layout is mirrored: the name of the application at the right, the navigation after it
    brand = page.locator(".brand").bounding_box()
    assert brand is not None
    assert brand["x"] + brand["width"] > width - 100
    first, last = page.locator(".main-nav a").first, page.locator(".main-nav a").last
    assert first.bounding_box()["x"] > last.bounding_box()["x"]

    # the preference stays with the user on every page, and a new trip is confirmed in Arabic
    page.goto("/travel/trips/new")
    assert html.get_attribute("dir") == "rtl"
    assert page.get_by_role("heading", level=1).inner_text() != "New trip"
    page.locator('[name="traveller"]').fill("Ana Silva")
    page.locator('[name="legs-0-origin"]').fill("GVA")
    page.locator('[name="legs-0-destination"]').fill("LHR")
    page.locator('[name="legs-0-departure_on"]').fill("2026-03-04")
    page.get_by_role("button", name=_in("ar", "Save trip")).click()
    page.wait_for_url(re.compile(r"/travel/trips/\d+$"))
    flash = page.locator(".flash").first
    assert _in("ar", "Trip saved.") in flash.inner_text()
    assert _in("ar", "Trip saved.") != "Trip saved."
    # the message's rule stands at its right, where an Arabic reader starts
    assert flash.evaluate("e => getComputedStyle(e).borderRightWidth") == "4px"
    assert flash.evaluate("e => getComputedStyle(e).borderLeftWidth") == "0px"
    # figures read left to right in the right-to-left page
    assert "GVA→LHR" in page.locator("main").inner_text()

    db.session.rollback()  # see what the server wrote
    trip = db.session.scalars(db.select(Trip)).one()
    assert trip.traveller == "Ana Silva"
    assert [(leg.origin, leg.destination) for leg in trip.legs] == [("GVA", "LHR")]
