"""Lists remember their filters: their links to entry and edit pages carry ``next`` (a relative
URL of this site only), kept through the form, and a save returns there."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from ems.auth.models import Role
from ems.energy import services as energy
from ems.extensions import db
from ems.factors import services as factors
from ems.org import services as org
from ems.procurement import services as procurement
from ems.travel import services as travel
from ems.web import safe_next
from tests.html_forms import page_forms


@pytest.mark.parametrize(
    "value",
    [
        "/travel/?year=2024&search=ana",
        "/energy/refrigerants?year=2024&site_id=3",
        "/travel/trips/5?next=%2Ftravel%2F%3Fyear%3D2024",
        "/",
    ],
)
def test_relative_urls_of_this_site_are_kept(value):
    assert safe_next(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "//evil.example/travel/",
        "/\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example/travel",
        "travel/",
        "/travel/\r\nSet-Cookie: a=b",
        "/travel/\x00",
        "/" + "a" * 3000,
    ],
)
def test_anything_that_could_lead_elsewhere_is_refused(value):
    assert safe_next(value) is None


@pytest.fixture
def data(app: Flask) -> dict[str, int]:
    factors.load_shipped_sets(actor=None)
    procurement.add_default_categories(actor=None)
    procurement.set_exchange_rate(actor=None, currency="CHF", year=2024, units_per_usd="0.88")
    procurement.set_price_index(actor=None, year=2022, index_value="117.973")
    procurement.set_price_index(actor=None, year=2024, index_value="124.4")
    site = org.create_site(actor=None, name="Geneva HQ", country_code="CH")
    db.session.flush()
    energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="electricity",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 31),
        quantity=Decimal(1000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="M-1",
        evidence_note="",
    )
    energy.record_refrigerant_top_up(
        actor=None,
        site_id=site.id,
        topped_up_on=dt.date(2024, 6, 1),
        gas="R-410A",
        kg=Decimal(2),
        equipment="Chiller",
    )
    energy.record_fleet_use(
        actor=None,
        measure="diesel_litres",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 1, 31),
        quantity=Decimal(100),
        vehicle="Land Cruiser",
        site_id=site.id,
    )
    category = next(c for c in procurement.list_categories() if c.name == "Consulting")
    procurement.create_purchase(
        actor=None,
        purchased_on=dt.date(2024, 5, 2),
        category_id=category.id,
        amount=Decimal(1000),
        currency="CHF",
    )
    travel.create_trip(
        actor=None,
        traveller="Ana Silva",
        booking_reference="PNR-1",
        legs=[travel.LegInput("GVA", "LHR", dt.date(2024, 3, 4))],
    )
    db.session.commit()
    return {"site": site.id}


def _link(page: str, pattern: str) -> str:
    """The first link of ``page`` whose address matches ``pattern``, unescaped."""
    match = re.search(r'href="(' + pattern + r'[^"]*)"', page)
    assert match, pattern
    return unescape(match.group(1))


def _entry_action(page: str) -> str:
    """Where the entry form of a list page posts to."""
    match = re.search(r'<form method="post" action="(/energy/refrigerants/new[^"]*)"', page)
    assert match
    return unescape(match.group(1))


def _save(client, url: str) -> str:
    """Open the form at ``url``, send it back as it is; where the save leads."""
    page = client.get(url)
    assert page.status_code == 200
    (form,) = [f for f in page_forms(page.get_data(as_text=True)) if "version_id" in f]
    response = client.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


@pytest.mark.parametrize(
    ("list_path", "edit_link"),
    [
        ("/energy/", r"/energy/\d+/edit"),
        ("/energy/refrigerants", r"/energy/refrigerants/\d+/edit"),
        ("/energy/fleet", r"/energy/fleet/\d+/edit"),
        ("/procurement/", r"/procurement/\d+/edit"),
    ],
)
def test_an_edit_returns_to_the_list_with_its_filters(
    client, create_user, login, data, list_path, edit_link
):
    login(client, create_user(roles=(Role.ems,)))
    filtered = f"{list_path}?year=2024&site_id={data['site']}"
    if list_path == "/procurement/":
        filtered = f"{list_path}?year=2024"
    listing = client.get(filtered).get_data(as_text=True)
    link = _link(listing, edit_link)
    assert parse_qs(urlsplit(link).query)["next"] == [filtered]
    assert _save(client, link) == filtered
    # a next leading elsewhere is ignored: back to the plain list
    elsewhere = link.split("?")[0] + "?next=//evil.example/"
    assert _save(client, elsewhere) == list_path


def test_the_inline_entry_forms_return_to_the_filtered_list(client, create_user, login, data):
    login(client, create_user(roles=(Role.ems,)))
    filtered = f"/energy/refrigerants?year=2024&site_id={data['site']}"
    listing = client.get(filtered).get_data(as_text=True)
    action = _entry_action(listing)
    assert parse_qs(urlsplit(action).query)["next"] == [filtered]
    refused = client.post(action, data={"site_id": data["site"], "gas": "r410a", "kg": "x"})
    assert refused.status_code == 422  # shown again, still returning to the filtered list
    again = _entry_action(refused.get_data(as_text=True))
    assert parse_qs(urlsplit(again).query)["next"] == [filtered]
    saved = client.post(
        again,
        data={"site_id": data["site"], "topped_up_on": "2024-07-01", "gas": "r410a", "kg": "1"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert saved.headers["Location"] == filtered


def test_new_records_return_to_the_filtered_list(client, create_user, login, data):
    login(client, create_user(roles=(Role.ems,)))
    filtered = f"/energy/?year=2024&site_id={data['site']}"
    link = _link(client.get(filtered).get_data(as_text=True), r"/energy/new")
    page = client.get(link).get_data(as_text=True)
    assert f'href="{filtered.replace("&", "&amp;")}"' in page  # Cancel goes back there too
    response = client.post(
        link,
        data={
            "site_id": data["site"],
            "energy_type": "electricity",
            "period_start": "2024-02-01",
            "period_end": "2024-02-29",
            "quantity": "500",
            "unit": "kwh",
            "supplier_factor_id": "0",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == filtered


def test_trips_return_to_the_filtered_list(client, create_user, login, data):
    login(client, create_user(roles=(Role.travel,)))
    filtered = "/travel/?year=2024&search=pnr"
    listing = client.get(filtered).get_data(as_text=True)
    # a new trip from the list goes back to it
    new = _link(listing, r"/travel/trips/new")
    assert parse_qs(urlsplit(new).query)["next"] == [filtered]
    created = client.post(
        new,
        data={
            "traveller": "Ben Okafor",
            "department_id": "0",
            "paid_by": "organisation",
            "legs-0-origin": "GVA",
            "legs-0-destination": "CDG",
            "legs-0-departure_on": "2024-04-01",
            "legs-0-cabin_class": "economy",
            "legs-0-passengers": "1",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    assert created.headers["Location"] == filtered
    # a trip opened from the list: its edit returns to it, and its page leads back to the list
    shown = _link(listing, r"/travel/trips/\d+\?")
    trip_page = client.get(shown).get_data(as_text=True)
    assert f'href="{filtered.replace("&", "&amp;")}"' in trip_page
    edit = _link(trip_page, r"/travel/trips/\d+/edit")
    assert parse_qs(urlsplit(edit).query)["next"] == [shown]
    assert _save(client, edit) == shown


def test_the_trip_list_keeps_the_year_it_opened_on(client, create_user, login, data):
    login(client, create_user(roles=(Role.travel,)))
    listing = client.get("/travel/").get_data(as_text=True)
    new = _link(listing, r"/travel/trips/new")
    assert parse_qs(urlsplit(new).query)["next"] == ["/travel/?year=2024"]
