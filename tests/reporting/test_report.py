"""The annual report: its figures are the inventory's, issued versions are frozen byte for byte,
drafts say DRAFT on every page, and only the right people issue and download it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from pypdf import PdfReader

from ems.auth.models import Role
from ems.cli import cli
from ems.energy import services as energy
from ems.errors import PermissionDenied, ValidationFailed
from ems.extensions import db
from ems.inventory import services as inventory
from ems.inventory.services import Boundary
from ems.org import services as org
from ems.reporting import pdf, services
from ems.reporting.models import IssuedReport
from ems.targets import services as targets
from ems.targets.models import ReportedTotal
from tests.inventory.test_inventory import organisation  # noqa: F401 (the fixture)


def pages_text(content: bytes) -> list[str]:
    """The extracted text of each page, white space runs as one space (table cells wrap)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def printed(grams: int) -> str:
    """A figure as a reader of the report sees it: tonnes to one decimal (1,234.6), or kilograms
    below one tonne (420 kg)."""
    if abs(grams) >= 1_000_000 or abs(grams) < 50:
        value = (Decimal(grams) / 1_000_000).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{value:,}"
    places = Decimal(1) if abs(grams) >= 1000 else Decimal("0.1")
    return f"{(Decimal(grams) / 1000).quantize(places, ROUND_HALF_UP):,} kg"


@pytest.fixture
def year_2025(organisation):  # noqa: F811 (the imported fixture)
    """The inventory tests' organisation, with a declared 2010 baseline and a 2024 bill."""
    targets.declare_baseline(
        actor=None,
        year=2010,
        boundary="gtb",
        source_category="air_travel",
        co2e_kg="40000",
        source="Greening the Blue 2011 report",
    )
    energy.create_energy_record(
        actor=None,
        site_id=organisation["london"],
        energy_type="electricity",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
        quantity=Decimal(8000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    db.session.commit()
    return organisation


def test_the_pdf_holds_the_inventory_figures_as_the_service_computes_them(year_2025):
    report = services.issue_report(actor=None, year=2025)
    db.session.commit()
    text = "\n".join(pages_text(report.pdf))
    both = inventory.inventories(2025)
    for boundary in Boundary:
        inv = both[boundary]
        figures = [inv.total_g, inv.air_with_rf_g, inv.air_without_rf_g]
        figures += [inv.scope2_location_g, inv.scope2_market_g]
        figures += list(inv.by_source.values()) + list(inv.by_scope.values())
        figures += list(inv.by_scope3_category.values())
        for grams in figures:
            assert printed(grams) in text, (boundary, grams)
    gtb = both[Boundary.gtb]
    assert f"{gtb.per_capita_g / 1000:,.1f}" in text  # per person, in kg
    # the summary's change from 2024 and the sentences use the same figures
    previous = inventory.totals_by_year(Boundary.gtb)[2024]
    change = round((gtb.total_g - previous) * 100 / previous, 1)
    assert f"{abs(change):,.1f} % more than in 2024" in text
    assert "Greening the Blue" in text
    assert "Full boundary" in text
    # the flights, buildings and methodology sections are there, with their figures
    assert "GVA–LHR" in text
    assert "London office" in text
    assert "desnz-air-2025" in text
    assert "Open Government Licence v3.0" in text
    assert report.snapshot["summary"]["total_g"] == gtb.total_g


def test_the_pdf_has_contents_page_numbers_and_a_running_header(year_2025):
    content = services.draft_pdf(2025)
    texts = pages_text(content)
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata is not None
    assert "2025" in (reader.metadata.title or "")
    assert "Contents" in texts[1]
    assert "Executive summary" in texts[1]
    for number, text in enumerate(texts[2:], start=3):
        assert f"Page {number} of {len(texts)}" in text
        assert "My organisation — Annual sustainability report 2025" in text
    # headings are in the outline for navigation
    assert [item.title for item in reader.outline if not isinstance(item, list)][:2] == [
        "Executive summary",
        "Trend since the baseline",
    ]


def test_an_issued_report_downloads_again_byte_for_byte_after_the_data_changed(
    year_2025, client, create_user, login
):
    login(client, create_user(roles=(Role.management,)))
    response = client.post("/reports/issue", data={"year": "2025", "note": ""})
    assert response.status_code == 302
    report = db.session.scalars(db.select(IssuedReport)).one()
    first = client.get(f"/reports/issued/{report.id}.pdf")
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    digest = hashlib.sha256(first.data).hexdigest()
    assert digest == report.pdf_sha256 == first.headers["X-Content-SHA256"]

    # the data change: another bill moves the 2025 total
    energy.create_energy_record(
        actor=None,
        site_id=year_2025["london"],
        energy_type="electricity",
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2025, 6, 30),
        quantity=Decimal(5000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    db.session.commit()
    again = client.get(f"/reports/issued/{report.id}.pdf")
    assert hashlib.sha256(again.data).hexdigest() == digest
    draft = client.get("/reports/2025/draft.pdf")
    assert draft.status_code == 200
    assert draft.data != again.data
    new_total = printed(inventory.inventory(2025).total_g)
    assert new_total in "\n".join(pages_text(draft.data))
    assert new_total not in "\n".join(pages_text(again.data))

    # a new issue is a new version; both are listed
    client.post("/reports/issue", data={"year": "2025", "note": "April bill added"})
    versions = services.issued_reports(2025)
    assert [r.identifier for r in versions] == ["EMS-2025-v2", "EMS-2025-v1"]
    assert versions[0].pdf_sha256 != digest
    page = client.get("/reports/").get_data(as_text=True)
    assert "EMS-2025-v1" in page
    assert "EMS-2025-v2" in page
    assert "April bill added" in page
    assert digest in page


def test_a_stored_snapshot_renders_to_the_same_bytes(year_2025, app):
    report = services.issue_report(actor=None, year=2025)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(IssuedReport, report.id)
    assert stored is not None
    assert pdf.render_annual_report(stored.snapshot) == stored.pdf


def test_issuing_records_the_year_as_reported_once(year_2025):
    services.issue_report(actor=None, year=2025)
    services.issue_report(actor=None, year=2025, note="second")
    rows = db.session.scalars(db.select(ReportedTotal).where(ReportedTotal.year == 2025)).all()
    assert sorted((r.boundary, r.kind) for r in rows) == [("full", "reported"), ("gtb", "reported")]
    assert {r.boundary: r.co2e_g for r in rows} == {
        b.value: inventory.inventory(2025, b).total_g for b in Boundary
    }


def test_a_draft_says_draft_on_every_page_and_an_issue_on_none(year_2025):
    draft = pages_text(services.draft_pdf(2025))
    assert len(draft) >= 5
    assert all("DRAFT" in text for text in draft)
    issued = pages_text(services.issue_report(actor=None, year=2025).pdf)
    assert not any("DRAFT" in text for text in issued)
    assert "EMS-2025-v1" in issued[0]


@pytest.mark.parametrize("roles", [(Role.travel,), (Role.ems,)])
def test_only_management_issues(year_2025, client, create_user, login, roles):
    user = create_user(roles=roles)
    with pytest.raises(PermissionDenied):
        services.issue_report(actor=user, year=2025)
    login(client, user)
    assert client.post("/reports/issue", data={"year": "2025"}).status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(IssuedReport)) == 0


def test_travel_users_cannot_see_or_download_reports(year_2025, client, create_user, login):
    report = services.issue_report(actor=None, year=2025)
    db.session.commit()
    login(client, create_user(roles=(Role.travel,)))
    for url in (
        "/reports/",
        f"/reports/issued/{report.id}.pdf",
        "/reports/2025/draft.pdf",
        "/reports/2025/inventory.csv",
        "/reports/2025/gtb-pack.xlsx",
    ):
        assert client.get(url).status_code == 403, url
    assert b"/reports/" not in client.get("/").data  # no link in the menu either


def test_bad_years_are_refused_with_a_message(year_2025, client, create_user, login):
    with pytest.raises(ValidationFailed) as refused:
        services.issue_report(actor=None, year=1999)
    assert "Nothing is recorded for 1999" in refused.value.errors["year"]
    login(client, create_user(roles=(Role.management,)))
    for year in ("1999", "abc", "", "2025' OR 1=1"):
        response = client.post("/reports/issue", data={"year": year})
        assert response.status_code == 422, year
    assert "Nothing is recorded for 1999" in client.post(
        "/reports/issue", data={"year": "1999"}
    ).get_data(as_text=True)
    assert client.get("/reports/1800/draft.pdf").status_code == 404
    assert client.get("/reports/issued/999.pdf").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(IssuedReport)) == 0


def test_the_command_line_issues_and_writes_drafts(year_2025, app, tmp_path):
    runner = app.test_cli_runner()
    draft = tmp_path / "draft.pdf"
    result = runner.invoke(cli, ["report", "2025", "--out", str(draft), "--draft"])
    assert result.exit_code == 0, result.output
    assert draft.read_bytes().startswith(b"%PDF")
    assert "DRAFT" in pages_text(draft.read_bytes())[0]
    assert db.session.scalar(db.select(db.func.count()).select_from(IssuedReport)) == 0

    out = tmp_path / "report.pdf"
    result = runner.invoke(cli, ["report", "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = db.session.scalars(db.select(IssuedReport)).one()
    assert out.read_bytes() == report.pdf
    assert report.pdf_sha256 in result.output
    assert report.issued_by_label == "command line"

    result = runner.invoke(cli, ["report", "1999", "--out", str(tmp_path / "none.pdf")])
    assert result.exit_code != 0
    assert "Nothing is recorded for 1999" in result.output

    # a PDF that cannot be written: no version is issued
    result = runner.invoke(cli, ["report", "2025", "--out", str(tmp_path / "no" / "r.pdf")])
    assert result.exit_code == 1
    assert "No such file or directory; nothing was issued." in result.output
    assert [r.identifier for r in services.issued_reports(2025)] == ["EMS-2025-v1"]

    # in another language, as asked; a language ems is not written in is refused by name
    russian = tmp_path / "ru.pdf"
    result = runner.invoke(cli, ["report", "2025", "--out", str(russian), "--language", "ru"])
    assert result.exit_code == 0, result.output
    issued = sorted((r.identifier, r.language) for r in services.issued_reports(2025))
    assert issued == [("EMS-2025-v1", "en"), ("EMS-2025-v2", "ru")]
    assert "Годовой отчёт" in pages_text(russian.read_bytes())[0]
    result = runner.invoke(cli, ["report", "2025", "--out", str(russian), "--language", "de"])
    assert result.exit_code == 2
    assert "--language" in result.output


def test_the_logo_from_the_settings_is_on_the_cover(year_2025, app):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), (200, 10, 10)).save(buffer, format="PNG")
    org.set_logo(actor=None, data=buffer.getvalue())
    with_logo = services.draft_pdf(2025)
    org.set_logo(actor=None, data=None)
    default = services.draft_pdf(2025)
    sizes = [
        [(i.image.width, i.image.height) for i in PdfReader(io.BytesIO(c)).pages[0].images]
        for c in (with_logo, default)
    ]
    assert sizes[0] == [(64, 32)]
    assert sizes[1] != sizes[0]


def test_figures_are_printed_in_tonnes_rounded_half_up_without_a_negative_zero():
    assert pdf.figure(1_234_567_500) == "1,234.6"
    assert pdf.figure(1_234_550_000) == "1,234.6"  # half up, from the exact grams
    assert pdf.figure(-40_000_000) == "−40.0"
    assert pdf.tonnes(-40_000) == "0.0"  # −0.04 t rounds to zero, shown without a sign
    assert pdf.signed_figure(-1_500_000) == "−1.5"
    assert pdf.signed_figure(0) == "0.0"
    assert pdf.figure(None) == "–"
    assert pdf.percent(-6.04) == "−6.0\u00a0%"


def test_long_texts_break_across_pages_and_markup_is_printed_as_written(year_2025, create_user):
    from ems.actions import services as actions

    owner = create_user(roles=(Role.ems,), name="Owner <&> Co")
    nc = actions.create_nonconformity(
        actor=None,
        title="Flights <b>above</b> & beyond the line",
        origin="audit_finding",
        detected_on=dt.date(2025, 5, 1),
    )
    words = " ".join(["Replace every long-haul business-class trip by economy class"] * 80)
    actions.create_action(
        actor=None,
        nonconformity=nc,
        description=words,
        owner_id=owner.id,
        due_on=dt.date(2026, 1, 31),
    )
    db.session.commit()
    text = "\n".join(pages_text(services.draft_pdf(2025)))
    assert "Flights <b>above</b> & beyond the line" in text
    assert "Owner <&> Co" in text
    assert text.count("Replace") == 80  # every word of the description, over two pages


def test_a_site_with_certificates_shows_its_whole_electricity_consumption(year_2025):
    energy.create_energy_record(
        actor=None,
        site_id=year_2025["london"],
        energy_type="electricity",
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2025, 6, 30),
        quantity=Decimal(6000),
        unit="kwh",
        certificates_kwh=Decimal(6000),
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    data = services.annual_report_data(
        2025, report_id="EMS-2025-DRAFT", issued_on=dt.date(2026, 1, 5), draft=True
    )
    (london,) = data["buildings"]
    assert london["electricity_kwh"] == 16_000  # the fixture's 10,000 kWh and these 6,000
    assert london["scope2_location_g"] > london["scope2_market_g"]  # certificates: market-based 0
