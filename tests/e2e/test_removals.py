"""In a real browser: an import is removed only after its confirmation page says what goes, and
it comes back, with the same figures, from the removed records."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.extensions import db
from ems.factors import services as factors
from ems.ledger.models import HEADLINE_BASES, EmissionLine
from ems.travel.models import Trip
from tests.e2e.test_journeys import agency_file, log_in

#: slow: a browser on a live server
pytestmark = [pytest.mark.usefixtures("app"), pytest.mark.slow]


def current_grams() -> int:
    """Grams of the current lines on the headline basis (air travel without RF)."""
    db.session.rollback()  # see what the server wrote
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(EmissionLine.co2e_g), 0)).where(
                EmissionLine.superseded_at.is_(None),
                sa.or_(EmissionLine.basis.is_(None), EmissionLine.basis.in_(HEADLINE_BASES)),
            )
        )
    )


def test_the_clerk_removes_an_import_after_confirming_and_restores_it(page, create_user, tmp_path):
    factors.load_shipped_sets(actor=None)
    db.session.commit()
    log_in(page, create_user(roles=(Role.travel,)))
    page.goto("/travel/import")
    export = tmp_path / "agency-february.csv"
    export.write_bytes(agency_file("JFK"))
    page.get_by_label("Agency export (CSV, XLSX or ODS)").set_input_files(str(export))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()
    grams = current_grams()
    assert grams > 0

    page.goto("/travel/import")
    page.get_by_role("link", name="Remove with its records…").click()
    main = page.locator("main")
    assert "Remove the import of agency-february.csv?" in main.inner_text()
    assert "Records\n2" in main.inner_text() or "Records 2" in main.inner_text()
    assert f"{grams / 1_000_000:,.1f}" in main.inner_text()  # the t CO2e that goes
    page.get_by_role("link", name="Cancel").click()  # changing one's mind removes nothing
    assert current_grams() == grams

    page.get_by_role("link", name="Remove with its records…").click()
    page.get_by_role("button", name="Remove").click()
    page.wait_for_url(re.compile(r"/travel/import$"))
    assert "removed with its 2 records" in page.locator("main").inner_text()
    assert current_grams() == 0
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 0

    page.get_by_role("link", name="Removed records and imports").click()
    row = page.get_by_role("row").filter(has_text="agency-february.csv")
    row.get_by_role("button", name="Restore").click()
    page.wait_for_load_state()
    assert "Restored" in page.locator("main").inner_text()
    assert current_grams() == grams
    assert set(db.session.scalars(sa.select(Trip.booking_reference))) == {"AG-100", "AG-101"}
