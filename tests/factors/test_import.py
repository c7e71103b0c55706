"""Importing a user's factor set from CSV: documented format, row errors, all or nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ems.auth.models import Role
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.factors import services
from ems.factors.models import EmissionFactor, FactorSet
from ems.imports import ImportFailed

META = {
    "family": "Acme Energy",
    "title": "Acme supplier mix",
    "publisher": "Acme Energy SA",
    "licence": "Supplier disclosure",
    "source": "Letter of 2025-02-10",
    "edition_year": 2024,
    "version": "1",
}

GOOD = (
    b"category,activity,unit,kgco2e_per_unit,country,label\n"
    b"electricity,supplier_mix,kWh,0.01234567890123456,CH,Certified hydro\n"
    b"heat,district_heating,kWh,0.0675,,Network letter\n"
)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_import_stores_every_row_exactly(app):
    factor_set, created = services.import_factor_set(actor=None, data=GOOD, **META)
    db.session.commit()
    assert created
    assert (factor_set.code, factor_set.family, factor_set.is_locked) == (
        "acme_energy-2024",
        "acme_energy",
        False,
    )
    db.session.expire_all()
    factors = {f.key: f for f in factor_set.factors}
    assert (
        str(factors["electricity/supplier_mix/country=ch/kwh"].kgco2e_per_unit)
        == "0.01234567890123456"
    )
    assert factors["heat/district_heating/kwh"].label == "Network letter"


def test_bad_rows_are_all_reported_and_nothing_is_imported(app):
    data = (
        b"category,activity,unit,kgco2e_per_unit,country\n"
        b"electricity,supplier_mix,kwh,0,05,CH\n"
        b"electricity,supplier_mix,kwh,abc,CH\n"
        b",x,kwh,1,\n"
        b"heat,district,kwh,-1,\n"
        b"heat,district,kwh,1,ZZ\n"
        b"electricity,other,kwh,0.1,\n"
        b"electricity,other,kwh,0.2,\n"
    )
    try:
        services.import_factor_set(actor=None, data=data, **META)
    except ImportFailed as exc:
        messages = [str(error) for error in exc.row_errors]
    else:
        raise AssertionError("the import should have been refused")
    db.session.rollback()
    assert messages == [
        "Row 2, ?: 6 values for 5 columns (a decimal comma, or an unquoted comma in a text?)"
    ]
    assert count(FactorSet) == 0
    assert count(EmissionFactor) == 0


def test_each_row_error_names_row_and_field(app):
    data = (
        b"category,activity,unit,kgco2e_per_unit,country\n"
        b"electricity,supplier_mix,kwh,abc,CH\n"
        b",x,kwh,1,\n"
        b"heat,district,kwh,-1,\n"
        b"heat,district2,kwh,1,ZZ\n"
        b"electricity,other,kwh,0.1,\n"
        b"electricity,other,kwh,0.2,\n"
    )
    try:
        services.import_factor_set(actor=None, data=data, **META)
    except ImportFailed as exc:
        found = {(error.row, error.field) for error in exc.row_errors}
    else:
        raise AssertionError("the import should have been refused")
    assert found == {
        (2, "kgco2e_per_unit"),
        (3, "category"),
        (4, "kgco2e_per_unit"),
        (5, "country"),
        (7, "activity"),
    }


def test_reimporting_the_same_file_changes_nothing(app):
    first, _ = services.import_factor_set(actor=None, data=GOOD, **META)
    db.session.commit()
    again, created = services.import_factor_set(actor=None, data=GOOD, **META)
    assert not created
    assert again.id == first.id
    assert count(FactorSet) == 1


def test_other_values_under_an_existing_version_are_refused(app):
    services.import_factor_set(actor=None, data=GOOD, **META)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="new version") as excinfo:
        services.import_factor_set(actor=None, data=GOOD.replace(b"0.0675", b"0.07"), **META)
    assert not isinstance(excinfo.value, ImportFailed)
    assert count(FactorSet) == 1


def test_header_problems(app):
    for data, expected in [
        (b"category,activity,unit\nx,y,kwh\n", "kgco2e_per_unit"),
        (b"category,activity,unit,kgco2e_per_unit,colour\nx,y,kwh,1,red\n", "colour"),
        (b"", "empty"),
        (b"\xff\xfe\x00", "UTF-8"),
    ]:
        try:
            services.import_factor_set(actor=None, data=data, **META)
        except ImportFailed as exc:
            text = " ".join([*exc.errors.values(), *(str(e) for e in exc.row_errors)])
            assert expected in text, (data, text)
        else:
            raise AssertionError(data)


def test_shipped_families_are_reserved(app):
    services.load_shipped_sets(actor=None)
    with pytest.raises(ValidationFailed, match="shipped"):
        services.import_factor_set(actor=None, data=GOOD, **{**META, "family": "desnz_air"})


def test_the_downloadable_template_imports(client, create_user, login):
    login(client, create_user(roles=(Role.ems,)))
    template = client.get("/factors/template.csv")
    assert template.mimetype == "text/csv"
    factor_set, created = services.import_factor_set(actor=None, data=template.data, **META)
    assert created
    assert len(factor_set.factors) == 2


def test_import_page_lists_row_errors(client, create_user, login):
    from io import BytesIO

    login(client, create_user(roles=(Role.ems,)))
    bad = b"category,activity,unit,kgco2e_per_unit\nelectricity,mix,kwh,one\n"
    form = {k: str(v) for k, v in META.items()}
    response = client.post(
        "/factors/import",
        data={**form, "file": (BytesIO(bad), "f.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Row 2, kgco2e_per_unit" in response.get_data(as_text=True)
    assert count(FactorSet) == 0
    response = client.post(
        "/factors/import",
        data={**form, "file": (BytesIO(GOOD), "f.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert count(FactorSet) == 1


def test_travel_staff_read_factors_but_cannot_import(client, create_user, login):
    login(client, create_user(roles=(Role.travel,)))
    assert client.get("/factors/").status_code == 200
    assert client.get("/factors/import").status_code == 403
    assert "/factors/import" not in client.get("/factors/").get_data(as_text=True)
