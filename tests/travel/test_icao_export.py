"""The year's flights as ICAO's Carbon Emissions Calculator takes them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from io import BytesIO

from openpyxl import load_workbook

from ems.auth.models import Role
from ems.extensions import db
from ems.travel import services
from tests.travel.test_trips import legs


def trip(*pairs, **options):
    return services.create_trip(actor=None, traveller="Ana Silva", legs=legs(*pairs, **options))


def test_one_row_per_route_and_class_with_the_passengers_summed(
    client,
    login,
    create_user,
    loaded,
):
    trip(("GVA", "JFK"), ("JFK", "GVA"))
    trip(("GVA", "JFK"), passengers=3)
    trip(("GVA", "JFK"), cabin="business")
    trip(("GVA", "LHR"), cabin="unknown")
    trip(("GVA", "LHR"), passengers=2)  # the same route in economy: the same row for ICAO
    trip(("GVA", "NBO"), day=dt.date(2023, 12, 31))  # another year
    services.create_trip(
        actor=None, traveller="Guest", paid_by="other", legs=legs(("GVA", "JFK"))
    )  # not paid by the organisation: not in its inventory
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))

    exported = client.get("/travel/icao-2024.csv")
    assert exported.status_code == 200
    assert "ems-flights-for-icao-2024.csv" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert rows == [
        [
            "From",
            "To",
            "Cabin class",
            "Trip type",
            "Passengers",
            "Legs",
            "Classes recorded in ems",
            "kg CO2 per passenger",  # for the focal point to fill in from the calculator
        ],
        ["GVA", "JFK", "Economy", "One way", "4", "2", "Economy", ""],
        ["GVA", "LHR", "Economy", "One way", "3", "2", "Economy, Unknown", ""],  # one per class
        ["GVA", "JFK", "Business", "One way", "1", "1", "Business", ""],
        ["JFK", "GVA", "Economy", "One way", "1", "1", "Economy", ""],
    ]
    workbook = load_workbook(BytesIO(client.get("/travel/icao-2024.xlsx").data))
    assert [cell.value for cell in next(workbook.active.iter_rows(min_row=2))] == [
        "GVA",
        "JFK",
        "Economy",
        "One way",
        4,
        2,
        "Economy",
        None,
    ]
    assert len(services.icao_rows(2023)) == 2  # the header and GVA–NBO
    assert services.icao_rows(2022) == [services.icao_rows(2022)[0]]  # no flights: the header
    page = client.get("/travel/?year=2024").get_data(as_text=True)
    assert 'href="/travel/icao-2024.xlsx"' in page
    assert client.get("/travel/icao-1492.csv").status_code == 404
