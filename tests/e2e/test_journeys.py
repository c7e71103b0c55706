"""The three journeys that matter, in a real browser: the travel clerk, the working group and
management."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ems import formatting
from ems.actions import services as actions
from ems.auth.models import Role
from ems.extensions import db
from ems.factors import services as factors
from ems.inventory import services as inventory
from ems.ledger.models import Basis
from ems.reporting import services as reporting
from ems.targets import services as targets
from ems.travel import services as travel
from ems.travel.models import Trip
from tests.conftest import TEST_PASSWORD

#: slow: a browser on a live server
pytestmark = [pytest.mark.usefixtures("app"), pytest.mark.slow]


def log_in(page, user) -> None:
    """Log in through the login form with the keyboard."""
    page.goto("/auth/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def type_into(page, label: str, text: str) -> None:
    """Focus a field by its label and type, as a keyboard user does."""
    page.get_by_label(label, exact=True).first.focus()
    page.keyboard.type(text)


def agency_file(destination: str) -> bytes:
    """A travel agency export of two trips; the second row's destination is ``destination``."""
    return (
        "booking_reference,traveller,origin,destination,departure_date,cabin_class,paid_by\n"
        "AG-100,Ben Okafor,GVA,NBO,2026-02-10,economy,organisation\n"
        f"AG-101,Chloé Martin,GVA,{destination},2026-02-12,business,organisation\n"
    ).encode()


def test_the_travel_clerk_adds_a_return_flight_and_imports_the_agency_file(
    page, create_user, tmp_path
):
    factors.load_shipped_sets(actor=None)
    db.session.commit()
    clerk = create_user(roles=(Role.travel,))
    log_in(page, clerk)

    # a return flight, entered with the keyboard only
    page.goto("/travel/trips/new")
    page.keyboard.type("Ana Silva")  # the traveller field has the focus
    type_into(page, "From", "GVA")
    type_into(page, "To", "LHR")
    type_into(page, "Date", "03042026")  # month, day, year into the date field
    page.get_by_label("Return trip: the same flights back, in reverse").focus()
    page.keyboard.press("Space")
    type_into(page, "Return date", "03062026")
    page.get_by_role("button", name="Save trip").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/travel/trips/\d+$"))

    db.session.rollback()  # end the test's read transaction: see what the server wrote
    trip = db.session.scalars(db.select(Trip)).one()
    assert [(leg.origin, leg.destination) for leg in trip.legs] == [("GVA", "LHR"), ("LHR", "GVA")]
    lines = travel.ledger.current_lines(activity_type="trip", activity_id=trip.id)
    without_rf = sum(line.co2e_g for line in lines if line.basis is Basis.without_rf)
    assert without_rf > 0
    shown = f"{Decimal(without_rf) / 1000:,.1f}"
    assert shown in page.locator("main").inner_text()

    # the agency's file: one bad row is named; the corrected file imports
    page.goto("/travel/import")
    bad = tmp_path / "agency.csv"
    bad.write_bytes(agency_file("XYZQ"))
    page.get_by_label("Agency export (CSV, XLSX or ODS)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    alert = page.get_by_role("alert").filter(has_text="Nothing was imported")
    assert re.search(r"[Rr]ow 3.*destination", alert.inner_text())
    good = tmp_path / "agency-fixed.csv"
    good.write_bytes(agency_file("JFK"))
    page.get_by_label("Agency export (CSV, XLSX or ODS)").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    assert "2 trips from 2 rows to create." in page.locator("main").inner_text()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()
    db.session.rollback()
    references = set(db.session.scalars(db.select(Trip.booking_reference)))
    assert references == {None, "AG-100", "AG-101"}


def test_the_working_group_opens_a_nonconformity_from_the_off_track_proposal(page, create_user):
    factors.load_shipped_sets(actor=None)
    targets.declare_baseline(
        actor=None,
        year=2010,
        boundary="gtb",
        source_category="air_travel",
        co2e_kg="1000",
        source="Greening the Blue 2011 report",
    )
    flight = {"departure_on": dt.date(2024, 5, 6), "cabin_class": "business"}
    legs = [travel.LegInput(origin="GVA", destination="JFK", **flight)]
    travel.create_trip(
        actor=None, traveller="Dana", legs=travel.with_return(legs, dt.date(2024, 5, 10))
    )
    db.session.commit()
    assert [p.year for p in actions.proposals()] == [2024]  # above the line from 2010
    member = create_user(roles=(Role.ems,), name="Wanda Group")
    log_in(page, member)

    notice = page.get_by_text("awaiting a decision: 1")
    assert notice.is_visible()
    page.get_by_role("link", name="Decide").click()
    page.get_by_role("button", name="Open a nonconformity").click()
    page.wait_for_url(re.compile(r"/actions/nonconformities/\d+$"))
    assert "Nonconformity opened." in page.locator("body").inner_text()

    page.get_by_role("link", name="Plan an action").click()
    page.get_by_label("Action", exact=True).fill("Economy class on flights under nine hours")
    page.get_by_label("Owner").select_option(label=f"{member.name} <{member.email}>")
    page.get_by_label("Due", exact=True).fill("2027-03-31")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/actions/nonconformities/\d+$"))
    body = page.locator("body").inner_text()
    assert "Action planned." in body
    assert "Economy class on flights under nine hours" in body
    db.session.rollback()
    assert len(actions.open_actions()) == 1


def test_management_downloads_the_issued_report_and_cannot_edit(page, create_user, tmp_path):
    factors.load_shipped_sets(actor=None)
    legs = [travel.LegInput(origin="GVA", destination="BRU", departure_on=dt.date(2025, 9, 1))]
    travel.create_trip(
        actor=None, traveller="Eve", legs=travel.with_return(legs, dt.date(2025, 9, 3))
    )
    report = reporting.issue_report(actor=None, year=2025)
    db.session.commit()
    total = inventory.inventory(2025).total_g
    manager = create_user(roles=(Role.management,))
    log_in(page, manager)

    assert "2025" in page.locator("main").inner_text()  # the dashboard of the latest year
    page.get_by_role("link", name="Reports").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=report.identifier).click()
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF")
    assert content == report.pdf
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )
    # the report prints tonnes to one decimal, kilograms below a tonne: "1,234.6 t", "420 kg"
    assert " ".join(formatting.co2e(total, locale="en").split()) in text

    for url in ("/travel/trips/new", "/org/settings", "/actions/new", "/inventory/targets"):
        response = page.goto(url)
        assert response is not None
        expected = 200 if url == "/inventory/targets" else 403  # management reads targets
        assert response.status == expected, url
    assert page.get_by_role("button", name="Save").count() == 0  # no edit form on the targets
