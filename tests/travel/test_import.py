"""Importing an agency export: aliases, every bad row listed, all or nothing, idempotent."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.cli import cli
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.imports import ImportFailed
from ems.imports.models import ImportBatch
from ems.ledger.models import EmissionLine
from ems.org import services as org
from ems.travel import services
from ems.travel.models import FlightLeg, Trip

AGENCY = (
    "PNR,Passenger Name,From,To,Travel Date,Class,Pax,Cost Center,Purpose\n"
    "ABC123,Ana Silva,GVA,FRA,2024-03-04,Y,1,PRG,Conference\n"
    "ABC123,Ana Silva,FRA,JFK,2024-03-04,Y,1,PRG,Conference\n"
    "ABC123,Ana Silva,JFK,GVA,09.03.2024,economy,1,PRG,Conference\n"
    "XYZ789,Ben Okoro,NBO,GVA,2024-05-10,C,1,,Board meeting\n"
)


@pytest.fixture
def loaded(app):
    factors.load_shipped_sets(actor=None)
    org.create_department(actor=None, name="Programme", code="PRG")
    db.session.commit()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_an_agency_export_becomes_trips_with_their_lines(loaded):
    result = services.import_trips(actor=None, data=AGENCY.encode(), filename="march.csv")
    db.session.commit()
    assert (result.created, result.rows, result.skipped) == (2, 4, [])
    trip = db.session.scalars(sa.select(Trip).where(Trip.booking_reference == "ABC123")).one()
    assert [(leg.origin, leg.destination) for leg in trip.legs] == [
        ("GVA", "FRA"),
        ("FRA", "JFK"),
        ("JFK", "GVA"),
    ]
    assert trip.department_id is not None
    assert count(EmissionLine) == 8
    assert result.co2e_g["with_rf"] == sum(
        db.session.scalars(sa.select(EmissionLine.co2e_g).where(EmissionLine.basis == "with_rf"))
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "travel.import.committed")
    ).one()
    assert "march.csv" in entry.summary


def test_the_same_file_or_booking_is_never_imported_twice(loaded):
    services.import_trips(actor=None, data=AGENCY.encode(), filename="march.csv")
    db.session.commit()
    again = services.import_trips(actor=None, data=AGENCY.encode(), filename="again.csv")
    assert again.already_imported
    more = AGENCY + "NEW001,Cleo Diaz,GVA,LHR,2024-06-01,,1,,\n"
    result = services.import_trips(actor=None, data=more.encode(), filename="april.csv")
    db.session.commit()
    assert (result.created, result.skipped) == (1, ["ABC123", "XYZ789"])
    assert count(Trip) == 3
    assert count(FlightLeg) == 5


def test_every_bad_row_is_listed_and_nothing_is_imported(loaded):
    bad = (
        "booking_reference,traveller,origin,destination,departure_date,cabin_class,passengers\n"
        "A1,Ana,GVA,JFK,2024-03-04,economy,1\n"
        "A2,Ana,GVQ,JFK,2024-03-04,economy,1\n"
        "A3,Ana,GVA,GVA,2024-03-04,economy,1\n"
        "A4,Ana,GVA,JFK,2024-02-31,economy,1\n"
        "A5,Ana,GVA,JFK,2024-03-04,deluxe,1\n"
        "A6,Ana,GVA,JFK,2024-03-04,economy,0\n"
        "A7,,GVA,JFK,2024-03-04,economy,1\n"
        "A1,Bob,JFK,GVA,2024-03-05,economy,1\n"
    )
    with pytest.raises(ImportFailed) as excinfo:
        services.import_trips(actor=None, data=bad.encode(), filename="bad.csv")
    found = {(error.row, error.field) for error in excinfo.value.row_errors}
    assert found == {
        (3, "origin"),
        (4, "destination"),
        (5, "departure_date"),
        (6, "cabin_class"),
        (7, "passengers"),
        (8, "traveller"),
        (9, "traveller"),
    }
    db.session.rollback()
    assert count(Trip) == count(ImportBatch) == count(EmissionLine) == 0


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"PNR,From\nA,GVA\n", "x.csv", "no column found for traveller, departure_date"),
        (b"\xff\xfe\x00\x01", "x.csv", "No header row"),
        (b"PK\x03\x04garbage", "x.xlsx", "not an XLSX"),
        (b"", "x.csv", "empty"),
        (b"a,b,c\n", "x.pdf", ".csv, .tsv, .xlsx or .ods"),
    ],
)
def test_malformed_files_are_refused_with_a_reason(loaded, data, filename, message):
    with pytest.raises((ImportFailed, ValidationFailed)) as excinfo:
        services.import_trips(actor=None, data=data, filename=filename)
    text = " ".join(
        [*excinfo.value.errors.values(), *map(str, getattr(excinfo.value, "row_errors", []))]
    )
    assert message in text


def test_xlsx_exports_import_too(loaded):
    workbook = Workbook()
    sheet = workbook.active
    for row in csv.reader(io.StringIO(AGENCY)):
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    result = services.import_trips(actor=None, data=buffer.getvalue(), filename="march.xlsx")
    assert (result.created, result.rows) == (2, 4)


def test_a_zip_bomb_is_refused_before_opening(loaded):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * (120 * 1024 * 1024))
    with pytest.raises(ImportFailed, match="unpacks to more than"):
        services.import_trips(actor=None, data=buffer.getvalue(), filename="bomb.xlsx")


def test_an_import_failing_halfway_leaves_nothing(loaded, monkeypatch):
    from ems.ledger import services as ledger

    def broken(lines):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ledger, "add_lines", broken)
    with pytest.raises(RuntimeError):
        services.import_trips(actor=None, data=AGENCY.encode(), filename="march.csv")
    db.session.rollback()
    assert count(Trip) == count(FlightLeg) == count(ImportBatch) == count(EmissionLine) == 0


def test_removing_a_batch_removes_its_trips_and_keeps_the_figures(loaded):
    result = services.import_trips(actor=None, data=AGENCY.encode(), filename="march.csv")
    db.session.commit()
    assert result.batch is not None
    removal = services.remove_import_batch(actor=None, batch=result.batch)
    db.session.commit()
    assert removal is not None
    assert removal.record_count == 2
    assert count(Trip) == count(ImportBatch) == 0
    assert count(EmissionLine) == 8
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(EmissionLine)
            .where(EmissionLine.superseded_at.is_(None))
        )
        == 0
    )


def test_check_then_import_in_the_browser(client, create_user, login, loaded):
    login(client, create_user(roles=(Role.travel,)))
    checked = client.post(
        "/travel/import",
        data={"file": (BytesIO(AGENCY.encode()), "m.csv")},
        content_type="multipart/form-data",
    )
    text = checked.get_data(as_text=True)
    assert "2 trips from 4 rows to create." in text
    assert count(Trip) == 0
    batch = db.session.scalars(sa.select(ImportBatch)).one()
    assert batch.status == "checked"
    committed = client.post(f"/travel/import/{batch.id}/commit")
    assert committed.status_code == 302
    assert count(Trip) == 2
    bad = AGENCY.replace("GVA,FRA", "GVA,FRX")
    refused = client.post(
        "/travel/import",
        data={"file": (BytesIO(bad.encode()), "b.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "Row 2, destination: Unknown airport code “FRX”" in refused.get_data(as_text=True)


def test_import_command_dry_run_then_import(app, loaded, tmp_path):
    path = tmp_path / "agency.csv"
    path.write_text(AGENCY)
    runner = app.test_cli_runner()
    dry = runner.invoke(cli, ["import", "travel", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would import 2 trips from 4 rows" in dry.output
    assert count(Trip) == 0
    done = runner.invoke(cli, ["import", "travel", str(path)])
    assert "imported 2 trips" in done.output
    assert count(Trip) == 2


def test_export_is_safe_against_formula_injection(client, create_user, login, loaded):
    hostile = AGENCY.replace("Conference", '=HYPERLINK("http://evil")').replace(
        "Board meeting", "+cmd|' /C calc'!A0"
    )
    services.import_trips(actor=None, data=hostile.encode(), filename="h.csv")
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    exported = client.get("/travel/export.csv").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    purposes = {row["purpose"] for row in rows}
    assert purposes == {'\'=HYPERLINK("http://evil")', "'+cmd|' /C calc'!A0"}
    assert all(float(row["co2e_kg_with_rf"]) > 0 for row in rows)
    workbook = load_workbook(BytesIO(client.get("/travel/export.xlsx").data))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def crafted_xlsx(sheet_xml: str) -> bytes:
    """A minimal workbook around ``sheet_xml``."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.'
        'org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
        'workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas'
        '.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


SHEET = (
    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main">{dimension}<sheetData>{rows}</sheetData></worksheet>'
)


def test_a_tiny_workbook_claiming_a_million_rows_is_refused_quickly(loaded):
    import time

    data = crafted_xlsx(
        SHEET.format(
            dimension='<dimension ref="A1:XFD1048576"/>',
            rows='<row r="1">'
            + "".join(
                f'<c r="{column}1" t="inlineStr"><is><t>{name}</t></is></c>'
                for column, name in zip(
                    "ABCDE", ["PNR", "Traveller", "From", "To", "Date"], strict=True
                )
            )
            + '</row><row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        )
    )
    assert len(data) < 5000
    started = time.perf_counter()
    with pytest.raises(ImportFailed, match="more than 200000 rows"):
        services.import_trips(actor=None, data=data, filename="tiny.xlsx")
    assert time.perf_counter() - started < 10


def test_a_damaged_sheet_is_refused(loaded):
    data = crafted_xlsx('<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"')
    with pytest.raises(ImportFailed, match="cannot be read"):
        services.import_trips(actor=None, data=data, filename="broken.xlsx")


def test_rows_of_a_booking_must_agree_and_odd_values_are_row_errors(loaded):
    header = (
        "booking_reference,traveller,origin,destination,departure_date,passengers,paid_by,purpose\n"
    )
    rows = [
        "B1,Ana,GVA,LHR,2024-03-04,1,organisation,Talks",
        "B1,Ana,LHR,GVA,2024-03-06,1,other,Talks",  # 3: paid_by differs
        "B2,Ben,GVA,LHR,2024-03-04,²,organisation,",  # 4: not a number
        "B3,Ben,GVA,LHR,2024-03-04,--1,organisation,",  # 5
        "B4,C\x0bD,GVA,LHR,2024-03-04,1,organisation,",  # 6: control character
        "B5,Eve,GVA,LHR,2024-03-041,1,organisation,",  # 7: trailing digit
        "B6,Flo,GVA,LHR,2024-03-04,1,organisation,",
        "B6,Flo,GVA,LHR,2024-03-04,1,organisation,",  # 9: the same flight twice
    ]
    with pytest.raises(ImportFailed) as excinfo:
        services.import_trips(
            actor=None, data=(header + "\n".join(rows) + "\n").encode(), filename="odd.csv"
        )
    found = {(error.row, error.field) for error in excinfo.value.row_errors}
    assert found == {
        (3, "paid_by"),
        (4, "passengers"),
        (5, "passengers"),
        (6, "traveller"),
        (7, "departure_date"),
        (9, "origin"),
    }


def test_a_booking_holds_at_most_twelve_flights(loaded):
    header = "booking_reference,traveller,origin,destination,departure_date\n"
    rows = [
        f"B1,Ana,{'GVA' if i % 2 == 0 else 'LHR'},{'LHR' if i % 2 == 0 else 'GVA'},"
        f"2024-03-{i + 1:02d}"
        for i in range(14)
    ]
    with pytest.raises(ImportFailed) as excinfo:
        services.import_trips(
            actor=None, data=(header + "\n".join(rows) + "\n").encode(), filename="long.csv"
        )
    assert {error.row for error in excinfo.value.row_errors} == {14, 15}


def test_a_checked_file_is_audited_and_expires_after_a_day(client, create_user, login, loaded):
    login(client, create_user(roles=(Role.travel,)))
    upload = {"file": (BytesIO(AGENCY.encode()), "m.csv")}
    checked = client.post("/travel/import", data=upload, content_type="multipart/form-data")
    assert checked.status_code == 200
    batch = db.session.scalars(sa.select(ImportBatch)).one()
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "travel.import.checked" in actions
    batch.created_at -= services.imports.CHECKED_FILE_LIFETIME + dt.timedelta(minutes=1)
    db.session.commit()
    assert "m.csv" not in client.get("/travel/import").get_data(as_text=True)
    refused = client.post(f"/travel/import/{batch.id}/commit", follow_redirects=True)
    assert "checked more than a day ago" in refused.get_data(as_text=True)
    assert count(Trip) == 0
    other = AGENCY.replace("GVA,FRA", "GVA,CDG")
    again = {"file": (BytesIO(other.encode()), "n.csv")}
    checked = client.post("/travel/import", data=again, content_type="multipart/form-data")
    assert checked.status_code == 200
    assert db.session.scalars(sa.select(ImportBatch.filename)).all() == ["n.csv"]
    assert "travel.import.expired" in db.session.scalars(sa.select(AuditEntry.action)).all()


def test_the_command_line_says_so_when_another_import_recorded_the_same_bookings_first(
    app, loaded, tmp_path, monkeypatch
):
    """Two imports of the same bookings at once (PostgreSQL: both plan, then one commits
    first): the other meets the booking references' unique index, writes nothing and says why,
    without a traceback. Here the other import's trip is recorded in between, as its commit
    would leave it."""
    from ems.imports import services as import_services

    planned = import_services._planned

    def recorded_meanwhile(*args, **kwargs):
        plan = planned(*args, **kwargs)
        services.create_trip(
            actor=None,
            traveller="Ben Okoro",
            booking_reference="XYZ789",
            legs=[
                services.LegInput(
                    origin="NBO", destination="GVA", departure_on=dt.date(2024, 5, 10)
                )
            ],
        )
        return plan

    monkeypatch.setattr(import_services, "_planned", recorded_meanwhile)
    path = tmp_path / "agency.csv"
    path.write_text(AGENCY)
    result = app.test_cli_runner().invoke(cli, ["import", "travel", str(path)])
    assert result.exit_code == 1, result.output
    assert "Another import recorded some of the same records at the same moment" in result.output
    assert "Traceback" not in result.output
    assert count(Trip) == 0  # nothing of this transaction is left
