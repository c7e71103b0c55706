"""One place gives every code its label (ems.labels), and figures are formatted by Babel in the
reader's locale (ems.formatting)."""

from __future__ import annotations

import enum

import pytest
from flask_babel import force_locale

from ems import formatting, labels
from ems.actions.models import ActionStatus, NonconformityStatus, Origin, Severity
from ems.auth.models import Role
from ems.credits.models import CreditStandard
from ems.energy.models import (
    EnergyType,
    OnsiteTechnology,
    RenewableInstrument,
    WasteStream,
    WasteTreatment,
    WaterSource,
)
from ems.energy.services import FLEET
from ems.factors.keys import UNIT_CODES
from ems.inventory.services import Boundary
from ems.ledger.models import Basis, SourceCategory
from ems.org.models import EmsStatus
from ems.travel.calculation import PUBLISHED_CLASSES, CabinClass, HaulMethod
from ems.travel.models import GroundMode, PaidBy, TripSource

ENUMS: list[tuple[type[enum.Enum], str]] = [
    (SourceCategory, "source"),
    (Basis, "basis"),
    (Boundary, "boundary"),
    (Boundary, "boundary_short"),
    (CabinClass, "cabin_class"),
    (HaulMethod, "haul_method"),
    (GroundMode, "ground_mode"),
    (PaidBy, "paid_by"),
    (TripSource, "trip_source"),
    (EnergyType, "energy_type"),
    (OnsiteTechnology, "onsite_technology"),
    (RenewableInstrument, "renewable_instrument"),
    (WasteStream, "waste_stream"),
    (WasteTreatment, "waste_treatment"),
    (WaterSource, "water_source"),
    (Origin, "origin"),
    (Severity, "severity"),
    (NonconformityStatus, "nonconformity_status"),
    (ActionStatus, "action_status"),
    (Role, "role"),
    (CreditStandard, "credit_standard"),
    (EmsStatus, "ems_status"),
]


@pytest.mark.parametrize(("kind_enum", "kind"), ENUMS, ids=lambda v: getattr(v, "__name__", v))
def test_every_member_of_every_enum_has_a_label(app, kind_enum, kind):
    for member in kind_enum:
        assert member.value in labels.KINDS[kind], (kind, member)
        text = labels.label(kind, member)
        assert text
        assert text != member.value or "_" not in member.value  # a code never its own label


def test_every_factor_key_value_and_unit_has_a_label(app):
    for haul, classes in PUBLISHED_CLASSES.items():
        assert haul in labels.HAULS
        assert set(classes) <= set(labels.CABIN_CLASSES)
    assert set(UNIT_CODES.values()) <= set(labels.UNITS)
    assert set(FLEET) == set(labels.FLEET_MEASURES)
    assert {unit for _category, _activity, unit in FLEET.values()} <= set(labels.UNITS)


def test_labels_read_as_words_and_never_as_codes(app):
    assert labels.label("haul", "international_non_uk") == "International, to/from non-UK"
    assert labels.label("cabin_class", CabinClass.premium_economy) == "Premium economy"
    assert labels.label("boundary_short", "gtb") == "Greening the Blue"
    assert labels.label("unit", "kwh_gross_cv") == "kWh (gross CV)"
    assert labels.label("unit", "usd_2021") == "USD (2021 prices)"
    assert labels.label("line_item", "leg 2") == "Flight 2"
    assert labels.label("line_item", "td_losses") == "Transmission and distribution losses"
    assert labels.label("source", None) == "—"
    assert labels.label("source", "some_new_source") == "Some new source"  # never the code
    assert labels.label("factor_family", "own_family", "own_family") == "own_family"
    assert labels.record_link("energy_record:4") == "Energy record 4"
    assert labels.scope3_category(6) == "3.6 Business travel"


def test_the_list_of_raw_codes(app):
    assert {"international_non_uk", "premium_economy", "air_travel", "actions_planned"} <= (
        labels.RAW_CODES
    )
    assert {"gtb", "kwh", "kwh_gross_cv", "with_rf", "m3", "usd_2022"} <= labels.RAW_CODES
    # plain words are no codes to hide: they are words in labels too ("Economy", "Open")
    assert not {"economy", "open", "rail", "1", "full", "kg", "km"} & labels.RAW_CODES
    for code in labels.RAW_CODES:
        assert code == code.lower()  # a code is lower case; its label is not ("kWh")


def test_texts_with_codes_are_made_readable(app):
    assert (
        labels.readable("Business travel- air > long_haul > premium_economy > with_rf")
        == "Business travel- air > Long haul > Premium economy > with RF"
    )
    assert labels.readable("0.096 kg/usd from desnz-air-2025") == "0.096 kg/USD from desnz-air-2025"
    assert labels.field_value("status", "actions_planned") == "Actions planned"
    assert labels.field_value("legs", ["GVA-FRA 2025-01-02 premium_economy x1"]) == (
        "GVA-FRA 2025-01-02 Premium economy x1"
    )
    assert labels.field_value("traveller", "air_travel") == "air_travel"  # not a code here
    assert labels.field_name("gtb") == "Greening the Blue"


def test_labels_are_translated_where_they_are_read(app):
    text = labels.CABIN_CLASSES["premium_economy"]
    assert str(text) == "Premium economy"
    snapshot = labels.snapshot_labels()
    assert snapshot["haul"]["long_haul"] == "Long haul"
    assert all(isinstance(v, str) for table in snapshot.values() for v in table.values())


def test_figures_are_rounded_half_up_and_formatted_by_the_locale(app):
    assert formatting.tonnes(1_234_550_000) == "1,234.6"
    assert formatting.tonnes(-40_000) == "0.0"  # no negative zero
    assert formatting.tonnes(2_000_000, sign=True) == "+2.0"
    assert formatting.kilograms(12_345) == "12.3"
    assert formatting.co2e(2_299_804_552) == "2,299.8\u00a0t"
    assert formatting.co2e(812_400) == "812\u00a0kg"
    assert formatting.co2e(400) == "0.4\u00a0kg"
    assert formatting.co2e(None) == "—"
    assert formatting.percent(-6.04) == "-6.0\u00a0%"
    assert formatting.number(1234.5, 1, locale="fr") == "1\u202f234,5"
    with force_locale("de"):
        assert formatting.tonnes(1_234_567_890) == "1.234,6"


def test_the_template_filters(app):
    render = app.jinja_env.from_string(
        "{{ 2299804552|tonnes }}|{{ 812400|co2e }}|{{ 'premium_economy'|label('cabin_class') }}|"
        "{{ 'e.g. `trip:12`'|code_spans }}"
    ).render
    assert render() == "2,299.8|812\u00a0kg|Premium economy|e.g. <code>trip:12</code>"
