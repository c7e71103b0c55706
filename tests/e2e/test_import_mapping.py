"""In a real browser: a file of a layout ems has not seen is shown column by column with ems's
proposal; the clerk corrects one column, saves the mapping as a profile and imports; the next
file of that layout is recognised without asking."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.extensions import db
from ems.factors import services as factors
from ems.imports.models import ImportProfile
from ems.travel.models import Trip
from tests.e2e.test_journeys import log_in

#: slow: a browser on a live server
pytestmark = [pytest.mark.usefixtures("app"), pytest.mark.slow]

#: the layout of "Agency X": a title row, its own name for the booking reference ("Job no"),
#: extra columns, semicolons and day-first dates
HEADER = "Job no;Passenger;From;To;Flight date;Class;Fare EUR;Airline\n"


def agency_x(*rows: str) -> bytes:
    return ("Agency X - monthly export\n" + HEADER + "".join(rows)).encode("cp1252")


def test_an_unknown_layout_is_mapped_once_saved_and_recognised_next_time(
    page, create_user, tmp_path
):
    factors.load_shipped_sets(actor=None)
    db.session.commit()
    log_in(page, create_user(roles=(Role.travel,)))
    page.goto("/travel/import")
    march = tmp_path / "agency-x-march.csv"
    march.write_bytes(
        agency_x(
            "JX-1;Zoé Müller;GVA;NBO;03.03.2026;Y;812,40;LX\n",
            "JX-2;Ben Okafor;GVA;FRA;10.03.2026;J;455,00;LH\n",
        )
    )
    page.get_by_label("Agency export (CSV, XLSX or ODS)").set_input_files(str(march))
    page.get_by_role("button", name="Check the file").click()

    page.wait_for_url(re.compile(r"/travel/import/\d+/columns$"))
    main = page.locator("main")
    assert "Map the columns of agency-x-march.csv" in main.inner_text()
    mapping = page.locator("#column-mapping")
    assert "JX-1" in mapping.inner_text()  # each column with its sample values
    assert "Zoé Müller" in mapping.inner_text()  # read in its Windows encoding
    assert page.get_by_label("Passenger", exact=True).input_value() == "traveller"  # proposed
    assert (
        page.get_by_label("Job no", exact=True).input_value() == ""
    )  # not recognised: the one to correct
    page.get_by_label("Job no", exact=True).select_option("booking_reference")
    page.get_by_label("Save as profile").fill("Agency X monthly export")
    page.get_by_role("button", name="Check the file with this mapping").click()

    preview = page.locator("#preview-heading")
    assert preview.inner_text() == "Ready to import"
    reading = page.locator("#import-reading").inner_text()
    assert "Agency X monthly export" in reading
    assert "Fare EUR" in reading
    assert "Airline" in reading
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()
    db.session.rollback()  # see what the server wrote
    assert set(db.session.scalars(sa.select(Trip.booking_reference))) == {"JX-1", "JX-2"}
    assert db.session.scalar(sa.select(ImportProfile.name)) == "Agency X monthly export"

    april = tmp_path / "agency-x-april.csv"
    april.write_bytes(agency_x("JX-3;Chloé Martin;GVA;JFK;02.04.2026;W;1 210,00;UA\n"))
    page.goto("/travel/import")
    page.get_by_label("Agency export (CSV, XLSX or ODS)").set_input_files(str(april))
    page.get_by_role("button", name="Check the file").click()
    assert page.locator("#preview-heading").inner_text() == "Ready to import"  # no question
    assert "profile “Agency X monthly export”" in page.locator("#import-reading").inner_text()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()
    db.session.rollback()
    assert (
        db.session.scalar(sa.select(sa.func.count(Trip.id)).where(Trip.booking_reference == "JX-3"))
        == 1
    )
