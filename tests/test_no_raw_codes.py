"""People read labels, machines read codes: no page, report text or people-facing export of the
demo organisation shows a raw code (``ems.labels.RAW_CODES``), and the machine-readable exports
keep each code in its own column beside its label.

The demo is loaded once for the module (as tests/demo does); every GET route of the application
is walked as each demo account that may open it, with ids taken from the demo.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from flask import Flask, url_for
from openpyxl import load_workbook
from pypdf import PdfReader

from ems import PROJECT_ROOT, create_app, formatting, labels, languages
from ems.actions.models import CorrectiveAction, Nonconformity
from ems.auth.models import ApiToken, User
from ems.credits.models import CarbonCredit
from ems.demo import services as demo_services
from ems.demo.cli import demo_cli
from ems.energy.models import (
    EnergyRecord,
    FleetRecord,
    RefrigerantTopUp,
    WasteRecord,
    WaterRecord,
)
from ems.extensions import db
from ems.factors.models import EmissionFactor, FactorSet
from ems.imports.models import ImportBatch
from ems.inventory import services as inventory
from ems.ledger.models import Recalculation
from ems.org.models import Department, Headcount, Site
from ems.procurement.models import ExchangeRate, PriceIndex, Purchase, SpendCategory
from ems.reporting.exports import ISSUED_FILES
from ems.reporting.models import IssuedReport
from ems.targets.models import DeclaredBaseline, Target
from ems.travel.models import FlightLeg, GroundLeg, HotelStay, Trip
from tests.conftest import EmsClient, app_config, empty_all_tables

#: one demo organisation walked for the whole module (make test keeps a module on one worker)
pytestmark = pytest.mark.slow

#: one pattern for every raw code, as a whole word (an underscore or a hyphen belongs to the
#: word: "desnz-air-2025" is a factor set's name, not the code "desnz")
RAW = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, labels.RAW_CODES))) + r")(?![\w-])"
)
YEAR = 2025
#: a figure printed with three decimals, as tonnes were before: "1,234.568"
THREE_DECIMALS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})*\.\d{3}(?![\d.])")

#: routes that are not for people to read, or not of this test
NOT_WALKED = {
    "auth.logout",  # would end the session
    "static",
    "org.logo",  # an image
    "travel.search_airports",  # JSON for the airport field
    # import templates are input formats: they keep their codes
    "travel.import_template",
    "energy.import_template",
    "energy.waste_import_template",
    "energy.water_import_template",
    "procurement.import_template",
    "factors.template",
}
#: exports meant for people: no raw code anywhere, header or cells
PEOPLE_EXPORTS = {"reporting.gtb_pack"}
#: exports meant to be re-imported or read by tools: the code columns stay, each beside a label
#: column (``<column>_label``); the header and the label columns hold no raw code
MACHINE_EXPORTS: dict[str, set[str]] = {
    "reporting.inventory_export": {"boundary", "scope3_category", "source", "basis"},
    "travel.export_trips": {"paid_by", "source", "item", "class_or_mode"},
    "energy.export_records": {"energy_type", "unit"},
    "energy.export_refrigerants": {"unit"},
    "energy.export_fleet": {"measure", "unit"},
    "energy.export_waste": {"stream", "treatment"},
    "energy.export_water": {"supply_source"},
    "procurement.export_purchases": {"unit", "method", "converted_unit"},
    "credits.export_credits": {"standard"},
}
#: the files issued with a report are the same two tables, frozen
ISSUED_FILE = "reporting.download_issued_file"


def export_kind(endpoint: str, url: str) -> str | None:
    """The export (endpoint) a downloaded file is, or None if it is no export."""
    if endpoint == ISSUED_FILE:
        return "reporting.gtb_pack" if "gtb-pack" in url else "reporting.inventory_export"
    return endpoint if endpoint in PEOPLE_EXPORTS or endpoint in MACHINE_EXPORTS else None


class _VisibleText(HTMLParser):
    """The text a person sees on a page: no attributes (option values, URLs), no scripts, and
    no ``<code>`` (identifiers shown as such, e.g. a factor's key or a SHA-256)."""

    HIDDEN = frozenset({"script", "style", "code", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def raw_codes_in(text: str) -> list[str]:
    """Each raw code found, with a little of the text around it."""
    return [
        f"{match.group(1)!r} in …{text[max(0, match.start() - 40) : match.end() + 40]!r}…"
        for match in RAW.finditer(text)
    ]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def export_rows(content: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return [list(row) for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


# --- the demo ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(migrated_database: str) -> Iterator[Flask]:
    """The demo loaded once, by its command; the tables emptied after the module."""
    app = create_app(app_config(migrated_database))
    app.test_client_class = EmsClient
    with app.app_context():
        result = app.test_cli_runner().invoke(demo_cli, ["load"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def _first(model: Any, *where: Any) -> int | None:
    return db.session.scalar(sa.select(model.id).where(*where).order_by(model.id).limit(1))


def _trips_of_every_shape() -> list[int]:
    """A trip with a premium-economy flight, one with a rail journey, one with a hotel stay."""
    found = [
        db.session.scalar(
            sa.select(FlightLeg.trip_id).where(FlightLeg.cabin_class == "premium_economy").limit(1)
        ),
        db.session.scalar(sa.select(GroundLeg.trip_id).order_by(GroundLeg.id).limit(1)),
        db.session.scalar(sa.select(HotelStay.trip_id).order_by(HotelStay.id).limit(1)),
        _first(Trip),
    ]
    return sorted({trip_id for trip_id in found if trip_id is not None})


def _url_values() -> dict[str, list[Any]]:
    """For each URL argument, the demo's ids to walk."""
    values: dict[str, list[Any]] = {
        "trip_id": _trips_of_every_shape(),
        "year": [YEAR],
        "fmt": ["csv", "xlsx"],
        "name": list(ISSUED_FILES),
        "report_id": [
            i
            for i in [
                db.session.scalar(
                    sa.select(IssuedReport.id).where(IssuedReport.identifier == f"EMS-{YEAR}-v1")
                )
            ]
            if i
        ],
    }
    for name, model in {
        "user_id": User,
        "site_id": Site,
        "department_id": Department,
        "set_id": FactorSet,
        "recalculation_id": Recalculation,
        "record_id": EnergyRecord,
        "top_up_id": RefrigerantTopUp,
        "fleet_record_id": FleetRecord,
        "waste_record_id": WasteRecord,
        "water_record_id": WaterRecord,
        "batch_id": ImportBatch,
        "purchase_id": Purchase,
        "baseline_id": DeclaredBaseline,
        "nonconformity_id": Nonconformity,
        "action_id": CorrectiveAction,
        "target_id": Target,
        "category_id": SpendCategory,
        "rate_id": ExchangeRate,
        "index_id": PriceIndex,
        "token_id": ApiToken,
        "credit_id": CarbonCredit,
    }.items():
        found = _first(model)
        values[name] = [found] if found is not None else []
    haul_set = db.session.scalar(
        sa.select(FactorSet.id).where(FactorSet.family == "desnz_haul").limit(1)
    )
    if haul_set:
        values["set_id"].append(haul_set)
    if db.session.scalar(sa.select(sa.func.count()).select_from(Headcount)):
        values["year"] = [YEAR]
    return values


def _extra_urls() -> list[str]:
    """Pages as people use them, with filters and searches that bring codes to the surface."""
    key = db.session.scalar(
        sa.select(EmissionFactor.key).where(EmissionFactor.key.like("%premium_economy%")).limit(1)
    )
    return [
        url_for("home.index", year=YEAR),
        url_for("home.index", year=2010),
        url_for("travel.list_trips", cabin_class="premium_economy"),
        url_for("travel.list_trips", year=YEAR),
        url_for("travel.estimate", origin="GVA", destination="JFK", via="LHR", cabin_class="first"),
        url_for("factors.search", q="long_haul"),
        url_for("factors.history", key=key or ""),
        url_for("energy.list_records", year=YEAR),
        url_for("audit.list_entries"),
    ]


def _urls(app: Flask) -> dict[str, list[str]]:
    """Every GET route's URLs with the demo's ids (endpoint → URLs); an argument the demo has no
    value for leaves the route out."""
    with app.test_request_context():
        values = _url_values()
        urls: dict[str, list[str]] = {}
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_WALKED:
                continue
            if rule.endpoint.startswith("api.") and rule.endpoint != "api.docs":
                continue  # the JSON API: machine-readable, bearer tokens only
            combinations: list[dict[str, Any]] = [{}]
            for name in sorted(rule.arguments):
                combinations = [
                    {**combo, name: value}
                    for combo in combinations
                    for value in values.get(name, [])
                ]
            for combo in combinations:
                urls.setdefault(rule.endpoint, []).append(url_for(rule.endpoint, **combo))
        urls["extra"] = _extra_urls()
    return urls


@pytest.fixture(scope="module")
def walked(demo: Flask) -> dict[str, Any]:
    """Every page, PDF and export, fetched as each demo account that may open it."""
    pages: dict[str, str] = {}
    pdfs: dict[str, bytes] = {}
    exports: dict[tuple[str, str], bytes] = {}
    files: set[str] = set()
    with demo.app_context():
        urls = _urls(demo)
        for account in demo_services.DEMO_ACCOUNTS:
            client = demo.test_client()
            response = client.post(
                "/auth/login",
                data={"email": account.email, "password": demo_services.DEMO_PASSWORD},
            )
            assert response.status_code == 302, account.email
            for endpoint, endpoint_urls in urls.items():
                for url in endpoint_urls:
                    is_file = export_kind(endpoint, url) is not None
                    if url in files:
                        continue  # a file is the same for every reader: fetched once
                    response = client.get(url)
                    assert response.status_code < 500, url
                    if response.status_code != 200:
                        continue  # not this role's page (403) or a redirect
                    kind = response.mimetype
                    if kind == "application/pdf" or is_file:
                        files.add(url)
                    if kind == "application/pdf":
                        pdfs[url] = response.data
                    elif is_file:
                        exports[(str(export_kind(endpoint, url)), url)] = response.data
                    elif kind == "text/html":
                        pages[f"{account.role.value} {url}"] = response.get_data(as_text=True)
        snapshot = db.session.scalar(
            sa.select(IssuedReport.snapshot).where(IssuedReport.identifier == f"EMS-{YEAR}-v1")
        )
        db.session.remove()
    return {
        "pages": pages,
        "pdfs": pdfs,
        "exports": exports,
        "urls": urls,
        "snapshot": snapshot,
    }


# --- the checks -------------------------------------------------------------------------------


def test_the_code_list_holds_the_codes_people_saw():
    for code in ("international_non_uk", "premium_economy", "air_travel", "actions_planned"):
        assert code in labels.RAW_CODES
    assert {"gtb", "kwh_gross_cv", "with_rf", "m3"} <= labels.RAW_CODES
    assert "economy" not in labels.RAW_CODES  # a word: it appears in labels themselves
    assert raw_codes_in("Class: Premium economy, long haul, kWh (gross CV)") == []
    assert raw_codes_in("class premium_economy") != []


def test_every_page_walked(walked):
    roles_seen = {key.split(" ", 1)[0] for key in walked["pages"]}
    assert roles_seen == {account.role.value for account in demo_services.DEMO_ACCOUNTS}
    assert len(walked["pages"]) > 150
    walked_endpoints = set(walked["urls"])
    for endpoint in (
        "travel.show_trip",
        "actions.show",
        "energy.edit_fleet_record",
        "energy.edit_waste_record",
        "energy.edit_water_record",
    ):
        assert endpoint in walked_endpoints


def test_no_page_shows_a_raw_code(walked):
    found = [
        f"{page}: {hit}"
        for page, html in sorted(walked["pages"].items())
        for hit in raw_codes_in(visible_text(html))
    ]
    if os.environ.get("EMS_RAW_CODES_REPORT"):
        Path(os.environ["EMS_RAW_CODES_REPORT"]).write_text("\n".join(found))
    assert not found, f"{len(found)} raw codes shown:\n" + "\n".join(found[:60])


def test_the_reports_show_no_raw_code(walked):
    pdfs = walked["pdfs"]
    assert any("draft.pdf" in url for url in pdfs)
    assert any("/issued/" in url for url in pdfs)
    found = [
        f"{url}: {hit}" for url, content in pdfs.items() for hit in raw_codes_in(pdf_text(content))
    ]
    assert not found, "\n".join(found[:60])


def test_people_facing_exports_show_no_raw_code(walked):
    checked = 0
    for (endpoint, url), content in walked["exports"].items():
        if endpoint not in PEOPLE_EXPORTS:
            continue
        fmt = url.rsplit(".", 1)[1]
        text = "\n".join(" ".join(row) for row in export_rows(content, fmt))
        assert not raw_codes_in(text), (url, raw_codes_in(text)[:20])
        checked += 1
    assert checked == 2 * 2 * len(PEOPLE_EXPORTS)  # CSV and XLSX, live and issued


def test_machine_readable_exports_keep_codes_beside_labels(walked):
    checked = 0
    for (endpoint, url), content in walked["exports"].items():
        if endpoint not in MACHINE_EXPORTS:
            continue
        fmt = url.rsplit(".", 1)[1]
        rows = export_rows(content, fmt)
        header = rows[0]
        assert not raw_codes_in(" ".join(header)), (url, header)
        for column in MACHINE_EXPORTS[endpoint]:
            assert column in header, (url, column)
            assert f"{column}_label" in header, (url, column)
            index = header.index(f"{column}_label")
            cells = " | ".join(row[index] for row in rows[1:] if len(row) > index)
            assert not raw_codes_in(cells), (url, column, raw_codes_in(cells)[:10])
        checked += 1
    assert checked == 2 * len(MACHINE_EXPORTS) + 2  # and the inventory issued with the report


def test_the_demo_reports_are_typeset(walked):
    """Tonnes to one decimal, no date or word broken in a cell, a draft that says so."""
    snapshot = walked["snapshot"]
    dates = {n["detected_on"] for n in snapshot["actions"]["nonconformities"]}
    dates |= {a["due_on"] for a in snapshot["actions"]["actions"]}
    assert dates
    for url, content in walked["pdfs"].items():
        pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
        text = "\n".join(pages)
        assert not THREE_DECIMALS.findall(text), (url, THREE_DECIMALS.findall(text)[:5])
        words = set(text.split())
        assert dates <= words, (url, dates - words)  # every date whole, on one line
        for header in ("Lines", "Boundary", "Fallbacks", "Severity", "Passenger-km"):
            if header in ("Boundary",) and not snapshot["methodology"]["restatements"]:
                continue
            assert header in words, (url, header)
        if "draft.pdf" in url:
            assert "Draft — not issued" in pages[0]
            assert "Issued on" not in text
        else:
            assert f"Report EMS-{YEAR}-v1" in pages[0]
            assert "Issued on" in pages[0]


# --- the six languages ------------------------------------------------------------------------

#: the five languages besides English
TRANSLATED = [code for code in languages.CODES if code != languages.DEFAULT]
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdfr]|%%|\{[a-z_]*\}")


def _english_left(code: str) -> list[str]:
    """The English of every message translated otherwise in ``code``: whole messages of two
    words or more, and the stretches of three words or more between placeholders; those the
    translation itself holds (a name, "Greening the Blue") are left out."""
    path = Path(PROJECT_ROOT / "ems" / "translations" / code / "LC_MESSAGES" / "messages.po")
    with path.open("rb") as po:
        catalogue = [message for message in read_po(po) if message.id]
    # what a translator kept in English on purpose somewhere (a file's column name, a name)
    kept = " ".join(
        " ".join([m.string] if isinstance(m.string, str) else m.string) for m in catalogue
    )
    fragments: set[str] = set()
    for message in catalogue:
        english = message.id if isinstance(message.id, str) else message.id[1]
        translated = " ".join(
            [message.string] if isinstance(message.string, str) else message.string
        )
        for part in _PLACEHOLDER.split(english.replace("%%", "%")):
            part = " ".join(part.split()).strip(" .,:;()“”")
            words = part.split(" ")
            enough = len(words) >= (2 if part == english.strip(" .") else 3)
            if enough and len(part) >= 12 and part not in translated and part not in kept:
                fragments.add(part)
    return sorted(fragments)


#: pages written for developers in English: the API's description (its text is not marked)
NOT_TRANSLATED = {"/api/v1/docs"}
#: messages written into a ledger line's note when it is computed: stored, as data is
STORED_NOTES = {"edition has this factor; the", "edition was used"}


def _stored_texts() -> list[str]:
    """Every text the demo stored (names, titles, notes, audit summaries, ledger notes…):
    data, shown as it was written, in whatever language its author used."""
    texts: set[str] = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum):
                texts.update(
                    " ".join(value.split())
                    for value in db.session.scalars(sa.select(column).distinct())
                    if isinstance(value, str) and len(value) >= 12
                )
    return sorted(texts)


@pytest.fixture(scope="module")
def walked_in_languages(demo: Flask) -> dict[str, dict[str, str]]:
    """Every page, fetched as the demo's administrator (who may open them all) in each of the
    five languages besides English (the header switch's cookie), and the draft report of the
    year in each."""
    admin = next(a for a in demo_services.DEMO_ACCOUNTS if a.role.value == "admin")
    pages: dict[str, dict[str, str]] = {}
    with demo.app_context():
        urls = _urls(demo)
        for code in TRANSLATED:
            client = demo.test_client()
            client.set_cookie(languages.COOKIE, code)
            response = client.post(
                "/auth/login", data={"email": admin.email, "password": demo_services.DEMO_PASSWORD}
            )
            assert response.status_code == 302
            pages[code] = {}
            for endpoint, endpoint_urls in urls.items():
                if export_kind(endpoint, endpoint_urls[0]) is not None:
                    continue
                for url in endpoint_urls:
                    response = client.get(url)
                    assert response.status_code < 500, (code, url)
                    if response.status_code == 200 and response.mimetype == "text/html":
                        pages[code][url] = response.get_data(as_text=True)
        pages["stored"] = dict.fromkeys(_stored_texts(), "")
        db.session.remove()
    return pages


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_page_is_in_the_reader_s_language(walked_in_languages, code):
    """No marked string left in English on any page, and Arabic pages right to left."""
    pages = walked_in_languages[code]
    assert len(pages) > 100  # the administrator opens every page
    language = languages.LANGUAGES[code]
    fragments = _english_left(code)
    assert len(fragments) > 500
    stored = list(walked_in_languages["stored"])
    found = []
    for url, html in sorted(pages.items()):
        assert f'<html lang="{language.tag}" dir="{language.direction}"' in html, url
        if url in NOT_TRANSLATED:
            continue
        text = " ".join(visible_text(html).split())
        for fragment in fragments:
            if fragment not in text or fragment in STORED_NOTES:
                continue
            escaped = re.escape(fragment)
            if re.search(rf"{escaped}[^>]{{0,12}} > |> [^>]{{0,12}}{escaped}", text):
                continue  # in a factor's path as its publisher names it ("Refuse > … > …")
            if not any(fragment in value and value in text for value in stored):
                found.append(f"{url}: {fragment!r}")
    assert not found, f"{len(found)} English strings in {code}:\n" + "\n".join(found[:60])


@pytest.mark.parametrize("code", ["zh", "ar", "fr"])
def test_the_demo_report_is_written_in_the_language_asked_for(demo, code):
    """Its headings from the language's texts, its figures formatted as the language writes
    them, each script in a font that has it (pypdf reads it back in reading order)."""
    texts = tomllib.loads((PROJECT_ROOT / "reports" / "texts" / f"{code}.toml").read_text("utf-8"))
    with demo.app_context():
        total_g = inventory.inventories(YEAR)[inventory.Boundary.gtb].total_g
        client = demo.test_client()
        admin = next(a for a in demo_services.DEMO_ACCOUNTS if a.role.value == "management")
        client.post(
            "/auth/login", data={"email": admin.email, "password": demo_services.DEMO_PASSWORD}
        )
        response = client.get(f"/reports/{YEAR}/draft.pdf?language={code}")
        db.session.remove()
    assert response.status_code == 200
    assert f"-{code}.pdf" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    # Arabic is drawn in its joined (presentation) forms: read back as letters
    text = unicodedata.normalize("NFKC", "\n".join(page.extract_text() for page in reader.pages))
    for heading in ("summary", "trend", "breakdown", "flights", "methodology"):
        assert texts["headings"][heading] in text, (code, heading)
    assert texts["title"] in text
    # the year's total as the language writes it (French: "2 299,8"; Chinese, Arabic: "2,299.8")
    figure = formatting.tonnes(total_g, 1, locale=code).replace("-", "−")
    assert unicodedata.normalize("NFKC", figure) in text, (code, figure)
    assert ("\u202f" in figure) == (code == "fr")  # a narrow space groups French thousands
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    wanted = {"zh": "DroidSansFallback", "ar": "NotoSansArabic", "fr": "DejaVuSans"}[code]
    assert any(wanted in font for font in fonts), fonts
