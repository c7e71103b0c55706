"""ICAO's figures back into ems: the round trip export → calculator → import, a second method
on the same legs, never added to a total; coverage; bad files; closed years."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.imports import ImportFailed
from ems.inventory.services import Boundary, inventories
from ems.ledger.models import Basis, EmissionLine
from ems.org import services as org
from ems.travel import services
from tests.travel.test_trips import legs

#: what ICAO's calculator gave, kg CO2 per passenger (made-up figures of the right size)
CALCULATED = {
    ("GVA", "JFK", "Economy"): "291.4",
    ("GVA", "JFK", "Business"): "874.2",
    ("GVA", "LHR", "Economy"): "66.9",
}


def trip(*pairs, **options):
    return services.create_trip(actor=None, traveller="Ana Silva", legs=legs(*pairs, **options))


@pytest.fixture
def flights(loaded):
    """Flights of 2024: GVA→JFK economy (1 + 3 passengers), back JFK→GVA, GVA→JFK business,
    GVA→LHR of unknown class, GVA→NBO (no figure), and one of 2023."""
    made = {
        "return": trip(("GVA", "JFK"), ("JFK", "GVA")),
        "group": trip(("GVA", "JFK"), passengers=3),
        "business": trip(("GVA", "JFK"), cabin="business"),
        "unknown": trip(("GVA", "LHR"), cabin="unknown"),
        "nairobi": trip(("GVA", "NBO")),
        "earlier": trip(("GVA", "JFK"), day=dt.date(2023, 6, 1)),
    }
    db.session.commit()
    return made


def filled_in(year: int, figures: dict[tuple[str, str, str], str]) -> bytes:
    """The export of ``year`` with the calculator's figures written in its last column."""
    rows = services.icao_rows(year)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow([*row[:-1], figures.get((row[0], row[1], row[2]), "")])
    return out.getvalue().encode()


def icao_lines(trip_id: int | None = None, *, current: bool = True) -> list[EmissionLine]:
    stmt = sa.select(EmissionLine).where(EmissionLine.basis == Basis.icao)
    if trip_id is not None:
        stmt = stmt.where(EmissionLine.activity_id == trip_id)
    if current:
        stmt = stmt.where(EmissionLine.superseded_at.is_(None))
    return list(db.session.scalars(stmt.order_by(EmissionLine.activity_id, EmissionLine.item)))


def run_import(data: bytes, *, year: int = 2024, version: str = "v13.1 (2024)"):
    done = services.import_icao_figures(
        actor=None,
        data=data,
        filename="icao-results.csv",
        year=year,
        version=version,
        source="calculator",
    )
    db.session.commit()
    return done


def test_the_round_trip_gives_each_covered_leg_an_icao_line_beside_desnz(flights):
    desnz_before = set(
        db.session.scalars(sa.select(EmissionLine.id).where(EmissionLine.superseded_at.is_(None)))
    )
    totals_before = {b: i.total_g for b, i in inventories(2024).items()}
    data = filled_in(2024, CALCULATED)
    assert services.icao_rows(2024)[0][-1] == "kg CO2 per passenger"

    done = run_import(data)

    assert done.created
    assert done.routes == 3
    # the return flight JFK→GVA takes GVA→JFK's figure; GVA→NBO has none
    assert (done.legs_covered, done.legs) == (5, 6)
    by_trip = {name: icao_lines(t.id) for name, t in flights.items()}
    assert [(line.item, line.quantity, line.co2e_g) for line in by_trip["return"]] == [
        ("leg 1", Decimal(1), 291_400),
        ("leg 2", Decimal(1), 291_400),
    ]
    assert "figure of GVA→JFK" in by_trip["return"][1].note
    assert [line.co2e_g for line in by_trip["group"]] == [3 * 291_400]
    assert [line.co2e_g for line in by_trip["business"]] == [874_200]
    assert [line.co2e_g for line in by_trip["unknown"]] == [66_900]  # economy's figure
    assert "class unknown" in by_trip["unknown"][0].note
    assert by_trip["nairobi"] == []
    assert by_trip["earlier"] == []
    line = by_trip["business"][0]
    assert line.method == "icao_calculator"
    assert line.quantity_unit == "passenger"
    assert line.factor.factor_set.version == "v13.1 (2024)"
    assert hashlib.sha256(data).hexdigest() in line.note
    assert hashlib.sha256(data).hexdigest() in line.factor.factor_set.source
    # the DESNZ lines stay as they were, and no total moves
    still = set(
        db.session.scalars(
            sa.select(EmissionLine.id).where(
                EmissionLine.superseded_at.is_(None), EmissionLine.basis != Basis.icao
            )
        )
    )
    assert still == desnz_before
    assert {b: i.total_g for b, i in inventories(2024).items()} == totals_before

    coverage = services.icao_coverage(2024)
    assert (coverage.legs, coverage.legs_covered) == (6, 5)
    assert coverage.coverage_pct == Decimal("83.3")
    assert coverage.icao_g == 2 * 291_400 + 3 * 291_400 + 874_200 + 66_900
    nairobi_g = sum(
        line.co2e_g
        for line in db.session.scalars(
            sa.select(EmissionLine).where(
                EmissionLine.activity_id == flights["nairobi"].id,
                EmissionLine.basis == Basis.without_rf,
            )
        )
    )
    assert coverage.desnz_uncovered_g == nairobi_g
    assert coverage.gtb_g == coverage.icao_g + nairobi_g
    assert [(m.origin, m.destination, m.cabin_class, m.legs) for m in coverage.missing] == [
        ("GVA", "NBO", "Economy", 1)
    ]
    assert inventories(2024)[Boundary.gtb].total_g == totals_before[Boundary.gtb]


def test_the_same_file_again_changes_nothing_and_a_correction_is_a_new_version(flights):
    data = filled_in(2024, CALCULATED)
    run_import(data)
    lines = {line.id for line in icao_lines()}
    again = run_import(data)
    assert not again.created
    assert {line.id for line in icao_lines()} == lines
    corrected = filled_in(2024, {**CALCULATED, ("GVA", "LHR", "Economy"): "70"})
    with pytest.raises(ValidationFailed) as refused:
        run_import(corrected)
    assert "version" in refused.value.errors
    db.session.rollback()
    run_import(corrected, version="v13.1 (2024) corrected")
    assert [line.co2e_g for line in icao_lines(flights["unknown"].id)] == [70_000]
    assert len(icao_lines(flights["unknown"].id, current=False)) == 2  # the first one kept


def test_an_edited_trip_takes_its_new_class_figure(flights):
    run_import(filled_in(2024, CALCULATED))
    economy = flights["group"]
    services.update_trip(
        actor=None,
        trip=economy,
        traveller=economy.traveller,
        legs=legs(("GVA", "JFK"), passengers=3, cabin="business"),
    )
    db.session.commit()
    assert [line.co2e_g for line in icao_lines(economy.id)] == [3 * 874_200]


def test_a_route_table_kept_by_the_organisation_is_accepted(flights):
    table = (
        b"Origin,Destination,Class,kg CO2/pax,Trip type\n"
        b"GVA,NBO,economy,1090.4,Round trip\n"  # a round trip's figure: half for one leg
    )
    done = services.import_icao_figures(
        actor=None,
        data=table,
        filename="routes.csv",
        year=2024,
        version="2024-01",
        source="route_table",
    )
    db.session.commit()
    assert done.legs_covered == 1
    assert [line.co2e_g for line in icao_lines(flights["nairobi"].id)] == [545_200]


def test_a_bad_file_names_every_row_and_column_and_writes_nothing(flights):
    bad = (
        b"From,To,Cabin class,kg CO2 per passenger\n"
        b"GVA,XQZ,Economy,100\n"
        b"GVA,JFK,Cattle,100\n"
        b"GVA,JFK,Economy,-4\n"
        b"GVA,LHR,Economy,66.9\n"
        b"GVA,LHR,Economy,70\n"
    )
    with pytest.raises(ImportFailed) as failed:
        run_import(bad)
    db.session.rollback()
    found = {(e.row, e.field) for e in failed.value.row_errors}
    assert found == {
        (2, "To"),
        (3, "Cabin class"),
        (4, "kg CO2 per passenger"),
        (6, "kg CO2 per passenger"),
    }
    assert icao_lines(current=False) == []
    assert services.icao_sets() == []
    with pytest.raises(ImportFailed):
        run_import(b"From,To,Cabin class,kg CO2 per passenger\nGVA,JFK,Economy,\n")


def test_a_closed_year_is_refused(flights, create_user):
    db.session.execute(sa.delete(EmissionLine).where(EmissionLine.year == 2023))
    db.session.commit()
    org.close_year(actor=None, year=2023)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        run_import(filled_in(2023, CALCULATED), year=2023)
    assert "year" in refused.value.errors


def test_the_page_shows_coverage_and_imports_for_the_working_group(
    flights, client, login, create_user
):
    login(client, create_user(roles=(Role.travel,)))
    page = client.get("/travel/icao?year=2024")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "0 of 6" in text
    assert "GVA" in text
    assert 'action="/travel/icao"' not in text  # travel staff see, the working group imports
    refused = client.post("/travel/icao", data={})
    assert refused.status_code == 403

    other = client.application.test_client()
    login(other, create_user(roles=(Role.ems,)))
    upload = {
        "file": (io.BytesIO(filled_in(2024, CALCULATED)), "results.csv"),
        "year": "2024",
        "version": "v13.1",
        "source": "calculator",
    }
    done = other.post("/travel/icao", data=upload, content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)
    shown = other.get(done.headers["Location"]).get_data(as_text=True)
    assert "5 of 6" in shown
    assert "83.3" in shown
    broken = {
        "file": (
            io.BytesIO(b"From,To,Cabin class,kg CO2 per passenger\nGVA,JFK,Cattle,1\n"),
            "x.csv",
        ),
        "year": "2024",
        "version": "v2",
        "source": "calculator",
    }
    answer = other.post("/travel/icao", data=broken, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "Row 2" in answer.get_data(as_text=True) or "row 2" in answer.get_data(as_text=True)


def test_figures_written_with_a_decimal_comma_are_read(flights):
    """A CSV saved by a spreadsheet in French: semicolons, Windows-1252, decimal commas."""
    table = (
        "From;To;Cabin class;kg CO2 per passenger;Notes\n"
        "GVA;JFK;Economy;291,4;calculé\n"
        "GVA;LHR;Economy;1 066,9;\n"
        "GVA;NBO;Economy;1.090,4;\n"
    ).encode("cp1252")
    run_import(table)
    assert [line.co2e_g for line in icao_lines(flights["group"].id)] == [3 * 291_400]
    assert [line.co2e_g for line in icao_lines(flights["unknown"].id)] == [1_066_900]
    assert [line.co2e_g for line in icao_lines(flights["nairobi"].id)] == [1_090_400]


def test_a_figure_below_a_gram_and_a_file_that_is_not_a_table_are_refused(flights):
    with pytest.raises(ImportFailed) as failed:
        run_import(b"From,To,Cabin class,kg CO2 per passenger\nGVA,JFK,Economy,0.0004\n")
    assert [(e.row, e.field) for e in failed.value.row_errors] == [(2, "kg CO2 per passenger")]
    db.session.rollback()
    with pytest.raises(ImportFailed) as failed:
        run_import(b"From,To,Cabin class\nGVA,JFK,Economy\n")
    assert [(e.row, e.field) for e in failed.value.row_errors] == [(1, "kg CO2 per passenger")]
    db.session.rollback()
    with pytest.raises(ImportFailed) as failed:
        run_import(b"%PDF-1.4 binary")
    assert "PDF" in failed.value.errors["file"]


def test_the_same_file_again_writes_no_audit_entry(flights):
    from ems.audit.models import AuditEntry

    data = filled_in(2024, CALCULATED)
    run_import(data)
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    again = run_import(data)
    assert (again.created, again.legs_covered) == (False, 5)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
