"""Removals are confirmed, show what goes, and are undone with the same figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.cli import cli
from ems.energy import services as energy
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.imports.models import ImportBatch
from ems.ledger import services as ledger
from ems.ledger.models import HEADLINE_BASES, EmissionLine
from ems.org import services as org
from ems.removals import services as removals
from ems.removals.models import Removal
from ems.travel import services as travel
from ems.travel.models import Trip

AGENCY = (
    "PNR,Passenger Name,From,To,Travel Date,Class,Pax,Purpose\n"
    "ABC123,Ana Silva,GVA,FRA,2024-03-04,Y,1,Conference\n"
    "ABC123,Ana Silva,FRA,GVA,2024-03-07,Y,1,Conference\n"
    "XYZ789,Ben Okoro,NBO,GVA,2024-05-10,C,1,Board meeting\n"
    "QRS456,Cleo Diaz,GVA,BKK,2025-01-12,W,2,Mission\n"
)


def live_trips() -> int:
    return db.session.scalar(sa.select(sa.func.count(Trip.id))) or 0


def ledger_totals() -> dict[int, int]:
    """Headline grams of the current lines, by year."""
    rows = db.session.execute(
        sa.select(EmissionLine.year, sa.func.sum(EmissionLine.co2e_g))
        .where(
            EmissionLine.superseded_at.is_(None),
            sa.or_(EmissionLine.basis.is_(None), EmissionLine.basis.in_(HEADLINE_BASES)),
        )
        .group_by(EmissionLine.year)
    )
    return {year: int(grams) for year, grams in rows}


def current_lines() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(EmissionLine)
            .where(EmissionLine.superseded_at.is_(None))
        )
        or 0
    )


def import_agency(client, data: str = AGENCY) -> ImportBatch:
    checked = client.post(
        "/travel/import",
        data={"file": (BytesIO(data.encode()), "agency.csv")},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200, checked.get_data(as_text=True)
    batch = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert client.post(f"/travel/import/{batch.id}/commit").status_code == 302
    return batch


def test_a_removed_import_shows_what_goes_and_is_restored_with_the_same_totals(
    client, create_user, login, loaded
):
    login(client, create_user(roles=(Role.travel,)))
    batch = import_agency(client)
    totals, lines = ledger_totals(), current_lines()
    assert live_trips() == 3
    assert set(totals) == {2024, 2025}

    page = client.get(f"/travel/import/{batch.id}/delete")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "agency.csv" in text
    assert "2024, 2025" in text
    assert f"{sum(totals.values()) / 1_000_000:,.1f}" in text  # the t CO2e that goes
    assert live_trips() == 3  # showing what goes removes nothing

    removed = client.post(f"/travel/import/{batch.id}/delete", data={"next": "/travel/?year=2024"})
    assert removed.headers["Location"].endswith("/travel/?year=2024")  # back to the list it was
    assert live_trips() == 0
    assert current_lines() == 0
    assert ledger_totals() == {}
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0
    removal = db.session.scalars(sa.select(Removal)).one()
    assert (removal.record_count, removal.years) == (3, [2024, 2025])
    assert removal.co2e_g == sum(totals.values())
    listing = client.get("/removals/").get_data(as_text=True)
    assert "agency.csv" in listing
    assert "Restore" in listing

    restored = client.post(f"/removals/{removal.id}/restore")
    assert restored.status_code == 302
    assert live_trips() == 3
    assert ledger_totals() == totals
    assert current_lines() == lines
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 1
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["travel.import.removed", "removals.removal.restored"]
    again = client.post(f"/removals/{removal.id}/restore", follow_redirects=True)
    assert "restored already" in again.get_data(as_text=True)
    assert current_lines() == lines


def test_the_same_file_can_be_imported_again_and_then_the_removal_cannot_come_back(
    client, create_user, login, loaded
):
    login(client, create_user(roles=(Role.travel,)))
    batch = import_agency(client)
    client.post(f"/travel/import/{batch.id}/delete")
    import_agency(client)  # the removed trips hold neither their file nor their bookings
    assert live_trips() == 3
    removal = db.session.scalars(sa.select(Removal)).one()
    page = client.post(f"/removals/{removal.id}/restore", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "same file was imported again" in text
    assert "ABC123" in text
    assert live_trips() == 3
    assert removal.restored_at is None


def test_a_trip_is_removed_after_confirmation_and_undone_from_the_message(
    client, create_user, login, loaded
):
    login(client, create_user(roles=(Role.travel,)))
    trip = travel.create_trip(
        actor=None,
        traveller="Ana Silva",
        legs=[travel.LegInput("GVA", "LHR", dt.date(2024, 4, 2))],
        ground=[travel.GroundInput("rail", dt.date(2024, 4, 3), Decimal(120))],
    )
    db.session.commit()
    lines = current_lines()
    confirm = client.get(f"/travel/trips/{trip.id}/delete?next=/travel/%3Fyear%3D2024")
    assert confirm.status_code == 200
    assert "Ana Silva" in confirm.get_data(as_text=True)
    done = client.post(f"/travel/trips/{trip.id}/delete", data={"next": "/travel/?year=2024"})
    assert done.headers["Location"].endswith("/travel/?year=2024")
    page = client.get("/travel/?year=2024").get_data(as_text=True)
    assert "Undo" in page  # the message offers the way back at once
    assert client.get(f"/travel/trips/{trip.id}").status_code == 404
    removal = db.session.scalars(sa.select(Removal)).one()
    client.post(f"/removals/{removal.id}/restore")
    assert client.get(f"/travel/trips/{trip.id}").status_code == 200
    assert current_lines() == lines


def test_closed_years_refuse_removals_and_restorations(client, create_user, login, loaded):
    user = create_user(roles=(Role.travel, Role.ems))
    login(client, user)
    trip = travel.create_trip(
        actor=None,
        traveller="Ana Silva",
        legs=[travel.LegInput("GVA", "LHR", dt.date(2024, 4, 2))],
    )
    other = travel.create_trip(
        actor=None,
        traveller="Ben Okoro",
        legs=[travel.LegInput("GVA", "CDG", dt.date(2024, 6, 2))],
    )
    removal = travel.delete_trip(actor=None, trip=other)
    org.close_year(actor=None, year=2024)
    db.session.commit()
    page = client.get(f"/travel/trips/{trip.id}/delete").get_data(as_text=True)
    assert "2024 is closed" in page
    assert 'type="submit"' not in page.split("<main")[1]
    refused = client.post(f"/travel/trips/{trip.id}/delete")
    assert refused.status_code == 422
    assert "2024 is closed" in refused.get_data(as_text=True)
    assert live_trips() == 1
    with pytest.raises(Exception, match="2024 is closed"):
        removals.restore(actor=None, removal=removal)
    db.session.rollback()
    org.reopen_year(actor=None, year=2024, reason="A late correction")
    removals.restore(actor=None, removal=removal)
    db.session.commit()
    assert live_trips() == 2


def test_only_those_who_may_remove_a_kind_may_restore_it(client, create_user, login, loaded):
    site = org.create_site(actor=None, name="Geneva", country_code="CH")
    record = energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="electricity",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 31),
        quantity=Decimal(1000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    removal = energy.delete_energy_record(actor=None, record=record)
    db.session.commit()
    login(client, create_user(roles=(Role.travel,)))
    assert "Geneva" not in client.get("/removals/").get_data(as_text=True)
    assert client.post(f"/removals/{removal.id}/restore").status_code == 403
    other = client.application.test_client()
    login(other, create_user(roles=(Role.management,)))
    assert other.get("/removals/").status_code == 403


def test_the_command_line_asks_before_removing_and_restores_by_id(app, loaded):
    result = travel.import_trips(actor=None, data=AGENCY.encode(), filename="agency.csv")
    db.session.commit()
    runner = app.test_cli_runner()
    asked = runner.invoke(cli, ["import", "remove", str(result.batch.id)], input="n\n")
    assert "3 records" in asked.output
    assert "Aborted" in asked.output
    assert live_trips() == 3
    done = runner.invoke(cli, ["import", "remove", str(result.batch.id), "--yes"])
    assert done.exit_code == 0, done.output
    assert live_trips() == 0
    removal = db.session.scalars(sa.select(Removal)).one()
    listed = runner.invoke(cli, ["removals", "list"])
    assert f"#{removal.id}" in listed.output
    assert "agency.csv" in listed.output
    restored = runner.invoke(cli, ["removals", "restore", str(removal.id), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert live_trips() == 3


def _settings(gwp_report: str) -> None:
    org.update_organisation(
        actor=None,
        name="Agency",
        reporting_currency="CHF",
        baseline_year=2010,
        target_year=2030,
        target_reduction_pct=45,
        gwp_report=gwp_report,
    )


def test_a_record_restored_after_its_year_was_recalculated_follows_the_recalculation(loaded):
    site = org.create_site(actor=None, name="Bangkok", country_code="TH")
    top_ups = [
        energy.record_refrigerant_top_up(
            actor=None, site_id=site.id, topped_up_on=dt.date(2024, month, 1), gas="r410a", kg="1"
        )
        for month in (3, 9)
    ]
    removal = energy.delete_refrigerant_top_up(actor=None, top_up=top_ups[1])
    _settings("ar6")
    ledger.apply_recalculation(actor=None, year=2024, reason="GWP AR6")
    db.session.commit()
    removals.restore(actor=None, removal=removal)
    db.session.commit()
    factors_now = set(
        db.session.scalars(
            sa.select(EmissionLine.factor_kgco2e_per_unit).where(
                EmissionLine.superseded_at.is_(None)
            )
        )
    )
    assert factors_now == {Decimal(2256)}  # both on AR6: the restored one too
    assert ledger_totals() == {2024: 2 * 2256 * 1000}


def test_an_import_whose_records_were_imported_again_is_not_restored_twice(
    client, create_user, login, loaded
):
    from ems.energy.importer import IMPORTER as ENERGY
    from ems.imports import services as imports

    org.create_site(actor=None, name="Geneva", country_code="CH")
    bills = (
        "site,energy_type,period_start,period_end,quantity,unit\n"
        "Geneva,electricity,2025-01-01,2025-01-31,900,kwh\n"
    )
    first = imports.import_file(ENERGY, actor=None, data=bills.encode(), filename="jan.csv")
    removal = imports.remove_batch(ENERGY, actor=None, batch=first.batch)
    again = imports.import_file(ENERGY, actor=None, data=(bills + "\n").encode(), filename="b.csv")
    db.session.commit()
    assert again.created == 1  # another file, the same bill
    with pytest.raises(ValidationFailed, match="Geneva electricity 2025-01-01"):
        removals.restore(actor=None, removal=removal)


def test_the_same_file_checked_again_makes_way_for_its_restored_import(
    client, create_user, login, loaded
):
    login(client, create_user(roles=(Role.travel,)))
    batch = import_agency(client)
    client.post(f"/travel/import/{batch.id}/delete")
    client.post(
        "/travel/import",
        data={"file": (BytesIO(AGENCY.encode()), "agency.csv")},
        content_type="multipart/form-data",
    )  # checked, waiting for the go-ahead
    removal = db.session.scalars(sa.select(Removal)).one()
    assert client.post(f"/removals/{removal.id}/restore").status_code == 302
    assert live_trips() == 3
    assert db.session.scalars(sa.select(ImportBatch.status)).all() == ["imported"]
