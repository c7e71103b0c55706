"""The selection rule: the edition of the activity's year, the nearest one flagged, or a pin."""

from __future__ import annotations

import pytest

from ems.errors import NotFound
from ems.extensions import db
from ems.factors import services
from ems.factors.keys import factor_key

KEY = factor_key(
    "air", "passenger_flight", "passenger_km", haul="long_haul", cabin_class="economy", rf="with_rf"
)


@pytest.fixture
def selector(app):
    services.load_shipped_sets(actor=None)
    db.session.commit()
    return services.FactorSelector()


def test_the_edition_of_the_year_is_used(selector):
    chosen = selector.select(family="desnz_air", key=KEY, year=2024)
    assert chosen.factor_set.code == "desnz-air-2024"
    assert not chosen.is_fallback
    assert chosen.note == ""


@pytest.mark.parametrize(("year", "edition"), [(2010, 2018), (2017, 2018), (2026, 2025)])
def test_the_nearest_edition_is_a_recorded_fallback(selector, year, edition):
    chosen = selector.select(family="desnz_air", key=KEY, year=year)
    assert chosen.factor_set.edition_year == edition
    assert chosen.is_fallback
    assert str(edition) in chosen.note


def test_a_missing_year_in_the_middle_takes_the_earlier_edition(selector):
    key = factor_key("hotel", "hotel_stay", "room_night", country="CH")
    chosen = selector.select(family="desnz_other", key=key, year=2020)  # no 2020 hotel sheet
    assert chosen.factor_set.edition_year == 2019
    assert chosen.is_fallback


def test_a_pinned_set_is_used_for_every_year(selector):
    services.pin_factor_set(actor=None, factor_set=services.find_set("desnz-air-2024"))
    db.session.commit()
    pinned = services.FactorSelector()
    for year in (2010, 2019, 2025):
        chosen = pinned.select(family="desnz_air", key=KEY, year=year)
        assert chosen.factor_set.code == "desnz-air-2024"
        assert chosen.selection == "pinned"
        assert not chosen.is_fallback
    services.unpin_family(actor=None, family="desnz_air")
    db.session.commit()
    assert (
        services.FactorSelector().select(family="desnz_air", key=KEY, year=2019).factor_set.code
        == "desnz-air-2019"
    )


def test_an_unknown_key_is_explained(selector):
    with pytest.raises(NotFound) as excinfo:
        selector.select(family="desnz_air", key="air/nothing/passenger_km", year=2024)
    assert "air/nothing/passenger_km" in str(excinfo.value)


def test_a_new_version_of_an_edition_wins(app):
    data = b"category,activity,unit,kgco2e_per_unit\nelectricity,supplier_mix,kwh,0.100\n"
    meta = {
        "family": "acme",
        "title": "Acme mix",
        "publisher": "Acme",
        "licence": "supplier",
        "source": "letter",
        "edition_year": 2024,
    }
    services.import_factor_set(actor=None, data=data, version="1", **meta)
    services.import_factor_set(
        actor=None, data=data.replace(b"0.100", b"0.090"), version="2", **meta
    )
    db.session.commit()
    chosen = services.FactorSelector().select(
        family="acme", key="electricity/supplier_mix/kwh", year=2024
    )
    assert chosen.factor_set.version == "2"
    assert str(chosen.factor.kgco2e_per_unit) == "0.090"
