"""Open and closed years: an open year is shown as in progress and never judged; a closed year's
records are frozen until it is reopened with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from ems.actions import services as actions
from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.energy import services as energy
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.inventory import services as inventory
from ems.inventory import years
from ems.ledger.models import EmissionLine
from ems.org import services as org
from ems.reporting import services as reporting
from ems.targets import services as targets
from ems.travel import services as travel

TODAY = dt.datetime(2026, 1, 20, 9, 0, tzinfo=dt.UTC)


def bill(site_id: int, start: dt.date, end: dt.date, kwh: int = 10_000) -> None:
    energy.create_energy_record(
        actor=None,
        site_id=site_id,
        energy_type="electricity",
        period_start=start,
        period_end=end,
        quantity=Decimal(kwh),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )


@pytest.fixture
def organisation(app):
    """Geneva with a full 2010 and 2025 of monthly bills, and one bill running three days into
    2026; a baseline of 2010 and a target."""
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="Geneva", country_code="CH")
    for year, kwh in ((2010, 30_000), (2025, 20_000)):
        for month in range(1, 12):
            bill(
                site.id,
                dt.date(year, month, 1),
                dt.date(year, month + 1, 1) - dt.timedelta(days=1),
                kwh,
            )
    bill(site.id, dt.date(2010, 12, 1), dt.date(2010, 12, 31), 30_000)
    bill(site.id, dt.date(2025, 12, 1), dt.date(2026, 1, 3), 20_000)  # runs on into 2026
    db.session.commit()
    return site


@time_machine.travel(TODAY, tick=False)
def test_the_dashboard_opens_on_the_closed_year_and_shows_the_next_as_open(
    client, create_user, login, organisation
):
    org.close_year(actor=None, year=2025)
    db.session.commit()
    assert set(inventory.totals_by_year(inventory.Boundary.gtb)) == {2010, 2025, 2026}
    login(client, create_user(roles=(Role.ems,)))
    page = client.get("/").get_data(as_text=True)
    assert "2025 at a glance" in page
    assert "2026 — in progress" in page  # in the year list
    assert "2025 — closed" in page
    path = targets.trajectory(targets.main_target())
    assert path is not None
    assert path.latest_year == 2025
    on_2026 = next(y for y in path.years if y.year == 2026)
    assert on_2026.actual_g is not None
    assert on_2026.on_track is None

    open_year = client.get("/?year=2026").get_data(as_text=True)
    assert "2026 — in progress, data to January 3, 2026" in open_year
    assert "running on from 2025" in open_year
    assert "on track" not in open_year.split("2026 at a glance")[1].split("</dl>")[0]
    assert "year in progress" in open_year  # no −100 % change from 2025


@time_machine.travel(TODAY, tick=False)
def test_without_a_closed_year_the_latest_complete_one_is_judged(organisation):
    statuses = years.year_statuses()
    assert statuses[2025].state is years.YearState.complete
    assert statuses[2026].state is years.YearState.in_progress
    assert years.reach(2026) == years.Reach(data_to=dt.date(2026, 1, 3), is_carried_over_only=True)
    assert years.judged_years() == {2010, 2025}
    path = targets.trajectory(targets.main_target())
    assert path is not None
    assert path.latest_year == 2025
    projection = actions.projection(path)
    assert projection is not None
    assert projection.latest_year == 2025
    assert reporting.default_report_year(reporting.reportable_years()) == 2025
    # a report of 2025 ends at 2025: the bill running into 2026 is not in its trend
    snapshot = reporting.annual_report_data(
        2025, report_id="draft", issued_on=TODAY.date(), draft=True
    )
    assert max(row["year"] for row in snapshot["trend"]["years"] if row["actual_g"]) == 2025
    assert snapshot["summary"]["year_state"] == "complete"


@time_machine.travel(TODAY, tick=False)
def test_closing_a_year_hands_the_judgement_to_closed_years_only(organisation):
    org.close_year(actor=None, year=2010)
    assert years.judged_years() == {2010}  # 2025 is complete, but closing is now the rule
    path = targets.trajectory(targets.main_target())
    assert path is not None
    assert path.latest_year is None
    assert all(y.on_track is None for y in path.years if y.year > 2010)
    assert not [p for p in actions.proposals() if p.year == 2025]


def test_a_closed_year_refuses_changes_until_it_is_reopened(organisation):
    trip = travel.create_trip(
        actor=None,
        traveller="Ana Silva",
        legs=[travel.LegInput("GVA", "LHR", dt.date(2025, 4, 2))],
    )
    org.close_year(actor=None, year=2025)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="2025 is closed"):
        travel.create_trip(
            actor=None,
            traveller="Ben Okoro",
            legs=[travel.LegInput("GVA", "CDG", dt.date(2025, 6, 2))],
        )
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="2025 is closed"):
        travel.update_trip(
            actor=None,
            trip=trip,
            traveller=trip.traveller,
            legs=[travel.LegInput("GVA", "LHR", dt.date(2025, 4, 2), "business")],
        )
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="2025 is closed"):
        bill(organisation.id, dt.date(2025, 12, 20), dt.date(2026, 1, 10))
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="reason"):
        org.reopen_year(actor=None, year=2025, reason="")
    org.reopen_year(actor=None, year=2025, reason="The December bill was corrected")
    travel.update_trip(
        actor=None,
        trip=trip,
        traveller=trip.traveller,
        legs=[travel.LegInput("GVA", "LHR", dt.date(2025, 4, 2), "business")],
    )
    db.session.commit()
    actions_done = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert "org.year.closed" in actions_done
    assert "org.year.reopened" in actions_done


def test_the_years_page_closes_and_reopens_with_a_reason(client, create_user, login, organisation):
    login(client, create_user(roles=(Role.ems,)))
    page = client.get("/inventory/years").get_data(as_text=True)
    assert "Close 2025" in page
    assert client.post("/inventory/years/close", data={"year": "2025"}).status_code == 302
    assert org.closed_years() == {2025}
    refused = client.post("/inventory/years/reopen", data={"year": "2025", "reason": ""})
    assert refused.status_code == 422
    assert org.closed_years() == {2025}
    done = client.post(
        "/inventory/years/reopen", data={"year": "2025", "reason": "A late bill from SIG"}
    )
    assert done.status_code == 302
    assert org.closed_years() == set()
    assert "A late bill from SIG" in org.reporting_year(2025).reopen_reason


def test_only_the_working_group_closes_years(client, create_user, login, organisation):
    login(client, create_user(roles=(Role.management,)))
    assert client.get("/inventory/years").status_code == 200
    assert "Close 2025" not in client.get("/inventory/years").get_data(as_text=True)
    assert client.post("/inventory/years/close", data={"year": "2025"}).status_code == 403
    assert org.closed_years() == set()


def test_imports_name_the_rows_of_a_closed_year(organisation):
    from ems.energy.importer import IMPORTER as ENERGY
    from ems.imports import ImportFailed
    from ems.imports import services as imports

    org.close_year(actor=None, year=2024)
    db.session.commit()
    agency = (
        "booking_reference,traveller,origin,destination,departure_date\n"
        "A1,Ana Silva,GVA,LHR,2025-03-04\n"
        "A2,Ben Okoro,GVA,CDG,2024-12-30\n"
        "A2,Ben Okoro,CDG,GVA,2025-01-02\n"
    )
    with pytest.raises(ImportFailed) as refused:
        travel.import_trips(actor=None, data=agency.encode(), filename="agency.csv")
    assert [(e.row, e.field) for e in refused.value.row_errors] == [(3, "departure_date")]
    assert "2024 is closed" in refused.value.row_errors[0].message
    bills = (
        "site,energy_type,period_start,period_end,quantity,unit\n"
        "Geneva,electricity,2026-01-04,2026-01-31,900,kwh\n"
        "Geneva,electricity,2024-12-20,2025-01-10,900,kwh\n"
    )
    with pytest.raises(ImportFailed) as refused:
        imports.import_file(ENERGY, actor=None, data=bills.encode(), filename="bills.csv")
    assert [(e.row, e.field) for e in refused.value.row_errors] == [(3, "period_start")]


@time_machine.travel(TODAY, tick=False)
def test_a_bill_running_into_an_empty_year_is_accepted_and_flagged(
    client, create_user, login, organisation
):
    login(client, create_user(roles=(Role.ems,)))
    db.session.execute(sa.delete(EmissionLine).where(EmissionLine.year == 2026))
    db.session.commit()  # 2026 has nothing now
    saved = client.post(
        "/energy/new",
        data={
            "site_id": str(organisation.id),
            "energy_type": "natural_gas",
            "period_start": "2025-12-01",
            "period_end": "2026-01-03",
            "quantity": "3400",
            "unit": "kwh_gross_cv",
            "supplier_factor_id": "0",
        },
        follow_redirects=True,
    )
    text = saved.get_data(as_text=True)
    assert "Energy record saved. It runs 3 days into 2026, which has no other figures yet" in text
    assert years.reach(2026).is_carried_over_only


@time_machine.travel(TODAY, tick=False)
def test_only_an_ended_year_can_be_closed_and_a_new_site_is_not_expected_before_its_records(
    client, create_user, login, organisation
):
    for year in (2026, 2030):
        with pytest.raises(ValidationFailed, match="has not ended"):
            org.close_year(actor=None, year=year)
    login(client, create_user(roles=(Role.ems,)))
    page = client.get("/inventory/years").get_data(as_text=True)
    assert "Close 2025" in page
    assert "Close 2026" not in page
    assert client.post("/inventory/years/close", data={"year": "2026"}).status_code == 422
    # a site opened later (no records yet) takes no verdict away from the years before
    org.create_site(actor=None, name="Nairobi", country_code="KE")
    db.session.commit()
    assert years.judged_years() == {2010, 2025}
    # a closed year without figures is never judged, nor the report's default year
    org.close_year(actor=None, year=2019)
    assert years.judged_years() == set()
    assert reporting.default_report_year(reporting.reportable_years()) == 2026


def test_a_closed_year_refuses_every_change_to_its_records_not_only_its_figures(organisation):
    other = travel.create_trip(
        actor=None,
        traveller="Cleo Diaz",
        legs=[travel.LegInput("GVA", "LHR", dt.date(2025, 4, 2))],
        paid_by="other",  # no figures at all
    )
    record = energy.get_energy_record(
        db.session.scalar(sa.select(sa.func.min(energy.EnergyRecord.id)))
    )
    assert record.period_start.year == 2010
    org.close_year(actor=None, year=2025)
    org.close_year(actor=None, year=2010)
    db.session.commit()
    refused = {
        "notes": lambda: travel.update_trip(
            actor=None,
            trip=other,
            traveller=other.traveller,
            legs=[travel.LegInput("GVA", "LHR", dt.date(2025, 4, 2))],
            paid_by="other",
            notes="Paid by the host",
        ),
        "removal": lambda: travel.delete_trip(actor=None, trip=other),
        "an unpaid trip": lambda: travel.create_trip(
            actor=None,
            traveller="Dan",
            legs=[travel.LegInput("GVA", "CDG", dt.date(2025, 5, 2))],
            paid_by="other",
        ),
        "evidence": lambda: energy.update_energy_record(
            actor=None,
            record=record,
            **{
                name: getattr(record, name)
                for name in energy.FIELDS
                if name not in ("evidence_note", "is_estimate")
            },
            evidence_note="Scanned bill",
            is_estimate=False,
        ),
    }
    for change in refused.values():
        with pytest.raises(ValidationFailed, match="is closed"):
            change()
        db.session.rollback()
    # saving a record as it is changes nothing, and is not refused
    energy.update_energy_record(
        actor=None, record=record, **{name: getattr(record, name) for name in energy.FIELDS}
    )
