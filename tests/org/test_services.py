"""Organisation rules, whoever calls the services."""

from __future__ import annotations

import pytest

from ems.auth.models import Role
from ems.errors import Conflict, PermissionDenied, ValidationFailed
from ems.extensions import db
from ems.org import services
from ems.org.models import Organisation


def settings(**overrides):
    values = {
        "name": "Agency",
        "reporting_currency": "usd",
        "baseline_year": 2010,
        "target_year": 2030,
        "target_reduction_pct": 45,
    }
    return {**values, **overrides}


def test_defaults_before_anything_is_saved(app):
    organisation = services.get_organisation()
    assert (
        organisation.baseline_year,
        organisation.target_year,
        organisation.target_reduction_pct,
    ) == (2010, 2030, 45)
    assert organisation.reporting_currency == "USD"


def test_settings_are_saved_and_normalised(app):
    services.update_organisation(actor=None, **settings(name="  UN Agency "))
    db.session.commit()
    saved = db.session.get(Organisation, 1)
    assert saved is not None
    assert saved.name == "UN Agency"
    assert saved.reporting_currency == "USD"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reporting_currency": "XYZ1"}, "reporting_currency"),
        ({"baseline_year": 2031}, "target_year"),
        ({"target_year": 3000}, "target_year"),
        ({"target_reduction_pct": 0}, "target_reduction_pct"),
        ({"target_reduction_pct": 101}, "target_reduction_pct"),
        ({"name": ""}, "name"),
        ({"report_language": "de"}, "report_language"),
    ],
)
def test_invalid_settings_name_the_field(app, overrides, field):
    with pytest.raises(ValidationFailed) as excinfo:
        services.update_organisation(actor=None, **settings(**overrides))
    assert field in excinfo.value.errors


def test_site_rules(app):
    services.create_site(actor=None, name="Geneva", country_code="ch", floor_area_m2=12000)
    with pytest.raises(ValidationFailed) as excinfo:
        services.create_site(actor=None, name="Geneva", country_code="XX", floor_area_m2=0)
    assert set(excinfo.value.errors) == {"name", "country_code", "floor_area_m2"}


def test_department_codes_are_unique_and_upper_case(app):
    department = services.create_department(actor=None, name="Finance", code="fin")
    assert department.code == "FIN"
    with pytest.raises(ValidationFailed) as excinfo:
        services.create_department(actor=None, name="Funds", code="FIN")
    assert "code" in excinfo.value.errors
    assert services.create_department(actor=None, name="No code", code="").code is None


def test_headcount_is_one_record_per_year(app):
    first = services.set_headcount(actor=None, year=2023, headcount=980)
    with pytest.raises(ValidationFailed, match="edit it instead"):
        services.set_headcount(actor=None, year=2023, headcount=1010)
    services.set_headcount(
        actor=None, year=2023, headcount=1010, note="FTE", expected_version=first.version_id
    )
    db.session.commit()
    assert [(h.year, h.headcount, h.note) for h in services.list_headcounts()] == [
        (2023, 1010, "FTE")
    ]


def test_only_the_working_group_edits(create_user):
    manager = create_user(roles=(Role.management, Role.travel))
    with pytest.raises(PermissionDenied):
        services.create_site(actor=manager, name="X", country_code="CH")


def test_stale_site_edit_is_a_conflict(app):
    site = services.create_site(actor=None, name="Geneva", country_code="CH")
    db.session.commit()
    stale = site.version_id
    services.update_site(
        actor=None, site=site, name="Geneva HQ", country_code="CH", expected_version=stale
    )
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_site(
            actor=None, site=site, name="Genève", country_code="CH", expected_version=stale
        )


def test_countries_are_named_and_exclude_regions(app):
    countries = services.countries()
    assert countries["CH"] == "Switzerland"
    assert "EU" not in countries
    assert "001" not in countries
