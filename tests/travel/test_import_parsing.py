"""The agency file's rows as ``agency_file.parse`` reads them from a mapped table: places by
code, city or airport name, cabin words and booking-class letters, return flags, types,
ticket numbers, refunds; and the columns the framework recognises by their headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ems.imports import ImportFailed
from ems.imports.mapping import Table, apply, propose
from ems.tables import read_sheet
from ems.travel.calculation import CabinClass
from ems.travel.services import agency_file, agency_words

DATA = Path(__file__).parent.parent / "data" / "travel"
TODAY = dt.date(2025, 12, 31)


def table(text: str, values: dict[str, dict[str, str]] | None = None) -> Table:
    """The file as the framework hands it over: columns proposed, then applied."""
    sheet = read_sheet(text.encode(), "file.csv")
    proposal = propose(sheet, agency_words.FIELDS)
    mapping = proposal.mapping
    mapping.values = values or {}
    return apply(sheet, proposal.header_index, mapping, agency_words.FIELDS)


def parse(text: str, **kwargs) -> list[agency_file.ImportedTrip]:
    return agency_file.parse(table(text, **kwargs), today=TODAY)


def errors_of(text: str) -> set[tuple[int, str]]:
    with pytest.raises(ImportFailed) as excinfo:
        parse(text)
    return {(error.row, error.field) for error in excinfo.value.row_errors}


HEADER = "PNR,Traveller,From,To,Date,Class\n"


@pytest.mark.parametrize("name", sorted(path.name for path in DATA.glob("*.csv")))
def test_every_sample_file_is_mapped_with_certainty(app, name):
    sheet = read_sheet((DATA / name).read_bytes(), name)
    proposal = propose(sheet, agency_words.FIELDS)
    assert proposal.certain, (proposal.missing, proposal.doubts)


def test_airport_code_columns_without_known_headers_are_origin_then_destination(app):
    sheet = read_sheet(b"Ref,Name,Col A,Col B,Day\nR1,Ana,GVA,NBO,2025-03-03\n", "x.csv")
    columns = propose(sheet, agency_words.FIELDS).mapping.columns
    assert (columns["Col A"], columns["Col B"]) == ("origin", "destination")


def test_a_column_of_currencies_or_flags_is_no_airport(app):
    sheet = read_sheet(
        b"PNR,Traveller,Date,Currency,Rtn,Leg start,Leg end\n"
        b"R1,Ana,2025-03-03,CHF,YES,GVA,NBO\nR2,Bo,2025-03-04,CHF,YES,GVA,FRA\n",
        "x.csv",
    )
    columns = propose(sheet, agency_words.FIELDS).mapping.columns
    assert (columns["Leg start"], columns["Leg end"]) == ("origin", "destination")
    assert "Currency" not in columns


def test_cities_and_airport_names_resolve_where_unambiguous(app):
    (trip,) = parse(
        HEADER + "A1,Ana,Genève,Frankfurt am Main,2025-03-03,\n"
        "A1,Ana,frankfurt am main,NAIROBI,2025-03-04,\n"
        "A1,Ana,Jomo Kenyatta International Airport,geneva,2025-03-05,\n"
    )
    assert [(o.code, d.code) for o, d, *_rest in trip.legs] == [
        ("GVA", "FRA"),
        ("FRA", "NBO"),
        ("NBO", "GVA"),
    ]


def test_a_city_of_several_airports_is_a_row_error_naming_them(app):
    with pytest.raises(ImportFailed) as excinfo:
        parse(HEADER + "A1,Ana,London,GVA,2025-03-03,\nA2,Bo,GVA,Atlantis,2025-03-03,\n")
    messages = {(e.row, e.field): e.message for e in excinfo.value.row_errors}
    assert "LHR, LGW, STN, LTN, LCY" in messages[(2, "origin")]
    assert "write the code" in messages[(2, "origin")]
    assert "Unknown airport code" in messages[(3, "destination")]


def test_the_profile_maps_an_ambiguous_city(app):
    (trip,) = parse(
        HEADER + "A1,Ana,London,GVA,2025-03-03,\n", values={"origin": {"london": "LCY"}}
    )
    assert trip.legs[0][0].code == "LCY"


@pytest.mark.parametrize(
    ("word", "cabin"),
    [
        ("Economy class", CabinClass.economy),
        ("économique", CabinClass.economy),
        ("Economie", CabinClass.economy),
        ("turista", CabinClass.economy),
        ("Económica", CabinClass.economy),
        ("Эконом", CabinClass.economy),
        ("经济舱", CabinClass.economy),
        ("Premium economy class", CabinClass.premium_economy),
        ("eco plus", CabinClass.premium_economy),
        ("Business class", CabinClass.business),
        ("Affaires", CabinClass.business),
        ("negocios", CabinClass.business),
        ("Бизнес", CabinClass.business),
        ("商务舱", CabinClass.business),
        ("First class", CabinClass.first),
        ("Première", CabinClass.first),
        ("primera", CabinClass.first),
        ("头等舱", CabinClass.first),
        ("Average passenger", CabinClass.unknown),
        ("", CabinClass.unknown),
        ("J", CabinClass.business),
        ("y", CabinClass.economy),
        ("W", CabinClass.premium_economy),
        ("F", CabinClass.first),
    ],
)
def test_cabin_words_and_letters(app, word, cabin):
    (trip,) = parse(HEADER + f"A1,Ana,GVA,NBO,2025-03-03,{word}\n")
    assert trip.legs[0][3] is cabin


def test_booking_class_letters_follow_the_documented_table():
    expected = {
        **dict.fromkeys("FAP", CabinClass.first),
        **dict.fromkeys("JCDIZR", CabinClass.business),
        **dict.fromkeys("WE", CabinClass.premium_economy),
        **dict.fromkeys("YBHKLMNQSTVXGOU", CabinClass.economy),
    }
    letters = agency_words.BOOKING_CLASS_LETTERS
    assert letters == expected
    assert set(letters) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def test_the_booking_class_column_gives_the_cabin_when_no_cabin_is_written(app):
    (trip,) = parse("PNR,Traveller,From,To,Date,RBD\nA1,Ana,GVA,NBO,2025-03-03,C\n")
    assert trip.legs[0][3] is CabinClass.business
    assert errors_of("PNR,Traveller,From,To,Date,Fare class\nA1,Ana,GVA,NBO,2025-03-03,8\n") == {
        (2, "booking_class")
    }


def test_a_return_flag_adds_the_way_back_on_its_date_or_the_same_day(app):
    trips = parse(
        "PNR,Traveller,From,To,Date,Round trip,Return date\n"
        "A1,Ana,GVA,NBO,2025-03-03,yes,2025-03-10\n"
        "A2,Bo,GVA,FRA,2025-03-03,RT,\n"
        "A3,Cy,GVA,FRA,2025-03-03,no,\n"
    )
    legs = {
        t.booking_reference: [(o.code, d.code, str(day)) for o, d, day, *_ in t.legs] for t in trips
    }
    assert legs == {
        "A1": [("GVA", "NBO", "2025-03-03"), ("NBO", "GVA", "2025-03-10")],
        "A2": [("GVA", "FRA", "2025-03-03"), ("FRA", "GVA", "2025-03-03")],
        "A3": [("GVA", "FRA", "2025-03-03")],
    }
    assert errors_of(
        "PNR,Traveller,From,To,Date,Return,Return date\nA1,Ana,GVA,NBO,2025-03-03,yes,2025-03-01\n"
    ) == {(2, "return_date")}


def test_ticket_numbers_are_kept_and_group_bookings_without_a_reference(app):
    trips = parse(
        "PNR,Traveller,From,To,Date,E-ticket\n"
        ",Ana,GVA,FRA,2025-03-03,0571234567890\n"
        ",Ana,FRA,GVA,2025-03-05,0571234567890\n"
        "B2,Bo,GVA,NBO,2025-03-03,0579999999999\n"
    )
    by_key = {t.booking_reference: t.tickets for t in trips}
    assert by_key == {
        "0571234567890": ("0571234567890", "0571234567890"),
        "B2": ("0579999999999",),
    }
    assert errors_of("PNR,Traveller,From,To,Date,Ticket no\n,Ana,GVA,FRA,2025-03-03,\n") == {
        (2, "booking_reference")
    }


def test_types_statuses_and_items_checked_as_the_trip_form_checks_them(app):
    found = errors_of(
        "PNR,Traveller,Type,From,To,Date,Distance km,Nights,Country,Status\n"
        "A1,Ana,zeppelin,GVA,FRA,2025-03-03,,,,\n"  # 2: type unknown
        "A2,Ana,rail,Montreux,Vevey,2025-03-03,,,,\n"  # 3: no distance, ends not airports
        "A3,Ana,hotel,,,2025-03-03,,,CH,\n"  # 4: nights missing
        "A4,Ana,hotel,,,2025-03-03,,2,Narnia,\n"  # 5: country unknown
        "A5,Ana,flight,GVA,FRA,2025-03-03,,,,pending\n"  # 6: status unknown
        "A6,Ana,taxi,,,2025-03-03,50000,,,\n"  # 7: too far
    )
    assert found == {
        (2, "travel_type"),
        (3, "distance_km"),
        (4, "nights"),
        (5, "country"),
        (6, "status"),
        (7, "distance_km"),
    }


def test_refund_rows_name_what_they_take_back(app):
    trips = parse(
        "PNR,Traveller,From,To,Date,Status,Fare\n"
        "A1,Ana,GVA,FRA,2025-03-03,Refund,-100\n"
        "A2,Bo,,,2025-03-03,Annulé,\n"
        "A3,Cy,GVA,NBO,2025-03-03,Sale,-50.00\n"
        "A4,Di,GVA,NBO,2025-03-03,Exchange,120\n"
    )
    by_key = {t.booking_reference: t for t in trips}
    assert [(c.origin, c.destination) for c in by_key["A1"].cancellations] == [("GVA", "FRA")]
    assert by_key["A2"].cancellations[0].whole_booking
    assert by_key["A3"].cancellations
    assert not by_key["A3"].has_items
    assert by_key["A4"].has_items
    assert not by_key["A4"].cancellations


@pytest.mark.parametrize("passengers", ["1E+999999999", "-1E+999999999", "2.5", "1000001"])
def test_a_number_of_passengers_that_is_no_whole_number_is_a_row_error(app, passengers):
    text = "PNR,Traveller,From,To,Date,Class,Pax\n" + f"B1,Ana,GVA,CDG,2024-03-04,Y,{passengers}\n"
    assert errors_of(text) == {(2, "passengers")}
