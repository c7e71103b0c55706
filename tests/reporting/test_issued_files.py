"""An issued report freezes everything issued with it: its inventory export and its Greening the
Blue data pack are built from the issue's snapshot, stored with their SHA-256 and downloaded again
byte for byte whatever changes later; the exports of today's figures say that they are live."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from ems.auth.models import Role
from ems.extensions import db, utcnow
from ems.reporting import exports, services
from ems.reporting.models import IssuedReport, IssuedReportFile
from ems.travel import services as travel
from tests.reporting.test_exports import YEAR, year  # noqa: F401 (the fixture)

FILES = ("inventory.csv", "inventory.xlsx", "gtb-pack.csv", "gtb-pack.xlsx")


def _kg(grams: int) -> str:
    return str(float((Decimal(grams) / 1000).quantize(Decimal("0.001"), ROUND_HALF_UP)))


def _download(client, url: str) -> tuple[bytes, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.get_data()
    digest = hashlib.sha256(body).hexdigest()
    if "/issued/" in url:  # the stored digest comes with it: the client can check what it got
        assert response.headers["X-Content-SHA256"] == digest
    return body, digest


def _another_flight() -> None:
    travel.create_trip(
        actor=None,
        traveller="Ben",
        legs=travel.with_return(
            [travel.LegInput(origin="GVA", destination="JFK", departure_on=dt.date(2025, 9, 1))],
            dt.date(2025, 9, 8),
        ),
    )
    db.session.commit()


@pytest.fixture
def reader(client, login, create_user, year):  # noqa: F811 (the imported fixture)
    login(client, create_user("director@example.org", roles=(Role.management,)))
    return client


def test_issued_exports_download_again_with_the_same_sha256_after_the_data_changed(reader):
    report = services.issue_report(actor=None, year=YEAR)
    db.session.commit()
    issued_total_kg = _kg(report.snapshot["summary"]["total_g"])
    live_then, _digest = _download(reader, f"/reports/{YEAR}/inventory.csv")

    first = {name: _download(reader, f"/reports/issued/{report.id}/{name}") for name in FILES}
    stored = {
        f.name: f for f in db.session.scalars(sa.select(IssuedReportFile)).all()
    }  # one of each, with the digest of its bytes
    assert set(stored) == set(FILES)
    for name, (body, digest) in first.items():
        assert stored[name].sha256 == digest
        assert stored[name].size_bytes == len(body)
    # built from the same figures as the PDF: the inventory as it stood, the same total
    assert first["inventory.csv"][0] == live_then
    assert issued_total_kg in first["inventory.csv"][0].decode("utf-8-sig")
    pack = first["gtb-pack.csv"][0].decode("utf-8-sig")
    assert f"issued with report {report.identifier}" in pack
    assert "live" not in pack

    _another_flight()  # the data change after the issue
    live_now, _digest = _download(reader, f"/reports/{YEAR}/inventory.csv")
    assert live_now != live_then
    assert issued_total_kg not in live_now.decode("utf-8-sig")
    for name in FILES:
        assert _download(reader, f"/reports/issued/{report.id}/{name}") == first[name], name
    # the PDF too stays as issued
    assert _download(reader, f"/reports/issued/{report.id}.pdf")[1] == report.pdf_sha256


def test_issued_files_are_rebuilt_identically_from_the_snapshot_alone(year):  # noqa: F811
    report = services.issue_report(actor=None, year=YEAR)
    db.session.commit()
    stored = {f.name: f.content for f in db.session.scalars(sa.select(IssuedReportFile))}
    again = exports.issued_files(report.snapshot["exports"], issued_at=report.issued_at)
    assert {name: content for name, _media, content in again} == stored
    workbook = load_workbook(io.BytesIO(stored["inventory.xlsx"]))
    issued_at = report.issued_at.replace(tzinfo=None, microsecond=0)
    assert workbook.properties.created == issued_at  # dated as issued, not as built
    assert workbook.properties.modified == issued_at
    header = next(iter(workbook.active.values))
    assert list(header) == report.snapshot["exports"]["inventory"][0]


def test_the_page_shows_issued_files_with_their_digests_and_live_exports_as_live(reader):
    report = services.issue_report(actor=None, year=YEAR)
    db.session.commit()
    page = reader.get("/reports/").get_data(as_text=True)
    for file in db.session.scalars(sa.select(IssuedReportFile)):
        assert f"/reports/issued/{report.id}/{file.name}" in page
        assert file.sha256 in page
    today = utcnow().date().isoformat()
    assert f"Live exports, {today}" in page
    live = reader.get(f"/reports/{YEAR}/gtb-pack.xlsx")
    assert f"ems-greening-the-blue-{YEAR}-live-{today}.xlsx" in live.headers["Content-Disposition"]
    rows = [list(row) for row in load_workbook(io.BytesIO(live.get_data())).active.values]
    generated = "Generated / Établi le / Generado el"  # the pack's labels are trilingual
    assert any(row[0] == generated and f"{today}, live" in str(row[1]) for row in rows)
    issued = reader.get(f"/reports/issued/{report.id}/inventory.csv")
    assert f"{report.identifier}-inventory.csv" in issued.headers["Content-Disposition"]
    assert reader.get(f"/reports/issued/{report.id}/other.csv").status_code == 404


def test_a_version_issued_before_files_were_kept_says_it_has_none(reader):
    report = services.issue_report(actor=None, year=YEAR)
    db.session.execute(sa.delete(IssuedReportFile))  # as a version issued before this change
    db.session.commit()
    page = reader.get("/reports/").get_data(as_text=True)
    assert "no inventory or data pack was issued with this version" in page
    assert reader.get(f"/reports/issued/{report.id}/inventory.csv").status_code == 404
    assert db.session.get(IssuedReport, report.id).pdf_sha256 in page
