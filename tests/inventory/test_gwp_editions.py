"""One GWP edition per comparison: after the organisation changes its GWP edition, the baseline and
the reported years stay on the old one until recalculated, and every page comparing years says
which edition each year is on; a recalculation brings a year onto the organisation's edition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.energy import services as energy
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.factors.models import EmissionFactor, FactorSet
from ems.inventory import gwp
from ems.inventory import services as inventory
from ems.ledger import services as ledger
from ems.ledger.models import EmissionLine, SourceCategory
from ems.org import services as org
from ems.reporting import services as reporting
from ems.targets import services as targets
from tests.html_forms import form_version

#: IPCC GWP-100 of R-410A (half HFC-32, half HFC-125): AR5 1923.5 → 1924, AR6 2255.5 → 2256
R410A = {"ar5": Decimal(1924), "ar6": Decimal(2256)}
SETTINGS = {
    "name": "Agency",
    "reporting_currency": "CHF",
    "baseline_year": "2010",
    "target_year": "2030",
    "target_reduction_pct": "45",
    "flight_haul_method": "desnz",
    "restatement_threshold_pct": "5",
}


def _top_up(site_id: int, day: dt.date, kg: str = "10") -> None:
    energy.record_refrigerant_top_up(
        actor=None, site_id=site_id, topped_up_on=day, gas="r410a", kg=kg
    )


def _refrigerant_g(year: int) -> int:
    return inventory.totals_by_year(inventory.Boundary.gtb, SourceCategory.refrigerants)[year]


@pytest.fixture
def leaks(app):
    """10 kg of R-410A leaked in 2010 (the baseline, from the records), 2024 (reported) and
    2025, on the default AR5."""
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="London office", country_code="GB")
    for year in (2010, 2024, 2025):
        _top_up(site.id, dt.date(year, 6, 1))
    targets.record_reported(actor=None, year=2024, approved_by="Director")
    db.session.commit()
    return site


def test_years_on_one_edition_are_not_marked(leaks):
    editions = gwp.editions()
    assert editions.by_year == {2010: ("ar5",), 2024: ("ar5",), 2025: ("ar5",)}
    assert not editions.mixed
    assert editions.label(2010) is None
    assert editions.message() is None
    assert _refrigerant_g(2010) == 10 * R410A["ar5"] * 1000


def test_ar5_to_ar6_flags_the_years_until_they_are_recalculated(client, login, create_user, leaks):
    login(client, create_user(roles=(Role.ems, Role.management)))
    version = form_version(client.get("/org/settings").get_data(as_text=True))
    changed = client.post("/org/settings", data={**SETTINGS, **version, "gwp_report": "ar6"})
    assert changed.status_code == 302
    assert changed.headers["Location"].endswith("/inventory/gwp")  # the recalculations proposed
    proposal = client.get("/inventory/gwp").get_data(as_text=True)
    assert "Refrigerant figures already recorded stay on AR5" in proposal  # the flash
    for year in (2010, 2024, 2025):
        assert f"/ledger/recalculate?year={year}" in proposal
    assert "baseline" in proposal
    assert "reported" in proposal

    editions = gwp.editions()
    assert editions.organisation == "ar6"
    assert editions.other_years == [2010, 2024, 2025]
    assert editions.label(2010) == "AR5"
    # a leak recorded now is on AR6: 2025 mixes both editions
    _top_up(leaks.id, dt.date(2025, 9, 1), kg="1")
    db.session.commit()
    editions = gwp.editions()
    assert editions.label(2025) == "AR5 + AR6"
    message = editions.message()
    assert "2010, 2024 on AR5" in message
    assert "2025 on AR5 + AR6" in message
    assert "The organisation's edition is AR6" in message

    # every page that compares years says so, and marks the years
    for url in ("/", "/inventory/targets", "/inventory/restatements", "/reports/"):
        page = client.get(url).get_data(as_text=True)
        assert "data-gwp-mixed" in page, url
        assert "different IPCC GWP editions" in page, url
        assert "GWP AR5" in page, url
    dashboard = client.get("/").get_data(as_text=True)
    assert "2010, 2024 on AR5; 2025 on AR5 + AR6" in dashboard
    snapshot = reporting.annual_report_data(
        2025, report_id="EMS-2025-DRAFT", issued_on=dt.date(2026, 1, 5), draft=True
    )
    assert snapshot["methodology"]["gwp_editions"]["by_year"]["2010"] == ["AR5"]
    assert message in snapshot["summary"]["sentences"]

    # the recalculation applies the organisation's edition to the refrigerant lines
    queued = client.post(
        "/ledger/recalculate", data={"year": "2010", "factor_set_id": "0", "preview": "y"}
    )
    preview = client.get(queued.headers["Location"])  # the job's page shows its result
    assert preview.status_code == 200
    assert "records would change" in preview.get_data(as_text=True)
    for year in (2010, 2024, 2025):
        ledger.apply_recalculation(actor=None, year=year, reason="GWP edition now AR6")
    db.session.commit()
    assert _refrigerant_g(2010) == 10 * R410A["ar6"] * 1000
    assert _refrigerant_g(2025) == 11 * R410A["ar6"] * 1000
    editions = gwp.editions()
    assert editions.by_year == {2010: ("ar6",), 2024: ("ar6",), 2025: ("ar6",)}
    assert not editions.mixed
    for url in ("/", "/inventory/targets", "/inventory/restatements", "/reports/"):
        page = client.get(url).get_data(as_text=True)
        assert "data-gwp-mixed" not in page, url
        assert "GWP AR5" not in page, url
    assert "Every year's refrigerant figures are on AR6." in client.get("/inventory/gwp").get_data(
        as_text=True
    )


def test_stale_figures_name_the_organisation_edition(leaks):
    org.update_organisation(
        actor=None,
        name="Agency",
        reporting_currency="CHF",
        baseline_year=2010,
        target_year=2030,
        target_reduction_pct=45,
        gwp_report="ar6",
    )
    stale = [g for g in ledger.stale_groups() if g.activity_type == "refrigerant_top_up"]
    assert sorted(g.year for g in stale) == [2010, 2024, 2025]
    assert {g.used.code for g in stale} == {"ipcc-gwp-ar5"}
    assert {g.now.code for g in stale if g.now} == {"ipcc-gwp-ar6"}


def test_a_recalculation_may_override_the_gwp_tables_and_they_cannot_be_pinned(leaks):
    ar4 = db.session.scalars(sa.select(FactorSet).where(FactorSet.code == "ipcc-gwp-ar4")).one()
    preview = ledger.preview_recalculation(year=2010, overrides={"ipcc_gwp": ar4.id})
    (change,) = [c for c in preview.changes if c.source is SourceCategory.refrigerants]
    assert change.after_g == 10 * 2088 * 1000  # AR4's R-410A, as asked for this recalculation
    with pytest.raises(ValidationFailed):
        factors.pin_factor_set(actor=None, factor_set=ar4)
    line = db.session.scalars(
        sa.select(EmissionLine).where(
            EmissionLine.year == 2010, EmissionLine.superseded_at.is_(None)
        )
    ).one()
    factor = db.session.get(EmissionFactor, line.factor_id)
    assert factor is not None
    assert line.factor_selection == "organisation_setting"
    assert "IPCC AR5 GWP (organisation setting)" in line.note


def test_years_are_written_as_people_write_them():
    assert gwp.years_text([2010, 2018, 2019, 2020, 2021, 2023]) == "2010, 2018–2021, 2023"
    assert gwp.years_text([2010, 2011]) == "2010, 2011"
    assert gwp.years_text([]) == ""


def test_the_gwp_tables_are_not_pinned_on_the_factor_pages(client, login, create_user, leaks):
    login(client, create_user(roles=(Role.ems,)))
    ar6 = db.session.scalars(sa.select(FactorSet).where(FactorSet.code == "ipcc-gwp-ar6")).one()
    page = client.get(f"/factors/sets/{ar6.id}").get_data(as_text=True)
    assert f"/factors/sets/{ar6.id}/pin" not in page
    assert "the organisation&#39;s setting" in page or "the organisation's setting" in page
    refused = client.post(f"/factors/sets/{ar6.id}/pin", follow_redirects=True)
    assert refused.status_code == 200
    assert "chosen in the organisation" in refused.get_data(as_text=True)
