"""Carbon credits retired: never netted from emissions, a credit retired once (serials), and a
year's climate-neutral status against its gross Greening-the-Blue total."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.credits import services
from ems.credits.models import CarbonCredit
from ems.energy import services as energy
from ems.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ems.extensions import db
from ems.inventory import services as inventory
from ems.ledger.models import EmissionLine
from ems.org import services as org
from ems.removals import services as removals

CDM = "XX-5-{n}-1-1-0-9001"


def credit_values(**overrides: object) -> dict[str, object]:
    """A block of 1,000 CERs (serials 1001 to 2000) retired for 2024."""
    values: dict[str, object] = {
        "standard": "cdm_cer",
        "project_name": "Demo hydro",
        "project_id": "9001",
        "vintage_year": 2022,
        "serial_first": CDM.format(n=1001),
        "serial_last": CDM.format(n=2000),
        "co2e_t": 1000,
        "retired_on": dt.date(2025, 3, 1),
        "applied_year": 2024,
        "evidence": "https://example.org/retirement/1",
    }
    return {**values, **overrides}


def retire(**overrides: object) -> CarbonCredit:
    credit = services.create_credit(actor=None, **credit_values(**overrides))
    db.session.commit()
    return credit


def refused(field: str, **overrides: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        services.create_credit(actor=None, **credit_values(**overrides))
    db.session.rollback()
    assert field in caught.value.errors, caught.value.errors
    return caught.value.errors[field]


@pytest.fixture
def emissions(app, loaded):
    """2024's gas at one site: about 18.3 t CO2e in the Greening the Blue boundary."""
    site = org.create_site(actor=None, name="HQ", country_code="GB")
    energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="natural_gas",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        quantity=Decimal(100_000),
        unit="kwh_gross_cv",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="",
        evidence_note="",
    )
    db.session.commit()
    return inventory.totals_by_year(inventory.Boundary.gtb)[2024]


# --- serial ranges ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("BR-5-71634432-2-2-0-2353", "BR-5-71635431-2-2-0-2353", ("BR-5-", 71634432, 71635431)),
        ("GS1-1-IN-GS2446-12-2016-6011-1001", "GS1-1-IN-GS2446-12-2016-6011-1500", None),
        ("A-1000", "A-2000", ("A-", 1000, 2000)),
        ("A10", "a100", ("A", 10, 100)),
        (" ABC-7 ", "ABC-7", ("ABC-", 7, 7)),
    ],
)
def test_serials_are_read_as_a_numeric_block_between_a_prefix_and_a_suffix(first, last, expected):
    numeric = services.serial_range(first, last)
    assert numeric is not None
    if expected is None:
        assert (numeric.first, numeric.last) == (1001, 1500)
    else:
        assert (numeric.prefix, numeric.first, numeric.last) == expected


@pytest.mark.parametrize(("first", "last"), [("ABC", "ABD"), ("1-A", "2-B"), ("X", "X")])
def test_serials_that_differ_elsewhere_are_not_numeric(first, last):
    assert services.serial_range(first, last) is None


# --- credits never reduce a total ---------------------------------------------------------------


def test_credits_never_reduce_any_inventory_total(emissions):
    lines_before = db.session.scalar(sa.select(sa.func.count()).select_from(EmissionLine))
    both_before = {b: inventory.inventory(2024, b).total_g for b in inventory.Boundary}
    series_before = {b: inventory.totals_by_year(b) for b in inventory.Boundary}
    retire(co2e_t=1000)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmissionLine)) == lines_before
    assert {b: inventory.inventory(2024, b).total_g for b in inventory.Boundary} == both_before
    assert {b: inventory.totals_by_year(b) for b in inventory.Boundary} == series_before
    assert services.retired_t_by_year() == {2024: 1000}


# --- climate neutral ----------------------------------------------------------------------------


def test_a_year_is_climate_neutral_when_its_credits_cover_its_gross_total(emissions):
    needed_t = -(-emissions // services.GRAMS_PER_CREDIT)  # whole credits covering the total
    assert needed_t > 1

    def status() -> services.Neutrality:
        return services.neutrality_by_year(inventory.totals_by_year(inventory.Boundary.gtb))[2024]

    assert not status().is_neutral  # no credits
    assert status().credits_t == 0
    short = retire(
        co2e_t=needed_t - 1,
        serial_first=CDM.format(n=1),
        serial_last=CDM.format(n=needed_t - 1),
    )
    assert not status().is_neutral
    assert status().shortfall_g == emissions - (needed_t - 1) * services.GRAMS_PER_CREDIT
    retire(co2e_t=1, serial_first=CDM.format(n=needed_t), serial_last=CDM.format(n=needed_t))
    assert status().is_neutral
    assert status().credits_t == needed_t
    assert status().gross_g == emissions  # gross, unchanged
    services.delete_credit(actor=None, credit=short)
    db.session.commit()
    assert not status().is_neutral


def test_credits_of_another_year_do_not_count(emissions):
    retire(applied_year=2023)
    result = services.neutrality_by_year({2024: emissions})[2024]
    assert (result.credits_t, result.is_neutral) == (0, False)


def test_a_year_without_credits_is_never_neutral_even_without_emissions(app):
    assert not services.Neutrality(year=2024, gross_g=0, credits_t=0).is_neutral
    assert services.Neutrality(year=2024, gross_g=1_000_000, credits_t=1).is_neutral
    assert not services.Neutrality(year=2024, gross_g=1_000_001, credits_t=1).is_neutral


# --- a credit is retired once -------------------------------------------------------------------


def test_overlapping_serials_of_the_same_standard_are_refused(app):
    first = retire()
    message = refused(
        "serial_first",
        serial_first=CDM.format(n=1500),
        serial_last=CDM.format(n=2499),
    )
    assert f"credit {first.id}" in message
    assert CDM.format(n=1001) in message
    refused(
        "serial_first", serial_first=CDM.format(n=2000), serial_last=CDM.format(n=2000), co2e_t=1
    )
    refused(
        "serial_first", serial_first=CDM.format(n=1), serial_last=CDM.format(n=5000), co2e_t=5000
    )
    # the same text in another case and with spaces is the same serial
    refused(
        "serial_first",
        serial_first=" " + CDM.format(n=1001).lower(),
        serial_last=CDM.format(n=1001),
        co2e_t=1,
    )


def test_adjacent_ranges_other_projects_and_other_standards_are_accepted(app):
    retire()
    retire(serial_first=CDM.format(n=2001), serial_last=CDM.format(n=3000))
    retire(serial_first=CDM.format(n=1), serial_last=CDM.format(n=1000))
    # the same numbers of another project (another suffix) or of another standard
    retire(serial_first="XX-5-1001-1-1-0-9002", serial_last="XX-5-2000-1-1-0-9002")
    retire(standard="gold_standard_ver")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CarbonCredit)) == 5


def test_tonnes_must_equal_the_size_of_a_numeric_range(app):
    message = refused("co2e_t", co2e_t=999)
    assert "1000" in message
    refused(
        "serial_last", serial_first=CDM.format(n=2000), serial_last=CDM.format(n=1001), co2e_t=1
    )
    # serials without a numeric block are kept as written, their tonnes as entered
    credit = retire(serial_first="ABC-X", serial_last="ABC-Y", co2e_t=12)
    assert credit.co2e_t == 12
    refused("serial_first", serial_first="ABC-Y", serial_last="ABC-Z", co2e_t=3)


def test_other_fields_are_checked_by_name(app):
    refused("standard", standard="unknown")
    refused("project_name", project_name=" ")
    refused("retired_on", retired_on=dt.date.today() + dt.timedelta(days=2))
    refused("vintage_year", vintage_year=2026, retired_on=dt.date(2025, 1, 1))
    refused("applied_year", applied_year=1900)
    refused("co2e_t", co2e_t=0)
    refused("co2e_t", co2e_t="many")


def test_a_removed_credits_serials_can_be_used_again_and_it_is_then_not_restored(app):
    first = retire()
    removal = services.delete_credit(actor=None, credit=first)
    db.session.commit()
    assert services.retired_t_by_year() == {}
    again = retire(serial_first=CDM.format(n=1501), serial_last=CDM.format(n=2500))
    with pytest.raises(ValidationFailed) as caught:
        removals.restore(actor=None, removal=removal)
    db.session.rollback()
    assert f"credit {again.id}" in caught.value.errors[""]
    # once the other credit is removed too, the first comes back
    services.delete_credit(actor=None, credit=again)
    db.session.commit()
    removals.restore(actor=None, removal=db.session.get(type(removal), removal.id))
    db.session.commit()
    assert services.retired_t_by_year() == {2024: 1000}
    assert services.get_credit(first.id).co2e_t == 1000


# --- edit, remove, restore, audit ---------------------------------------------------------------


def test_a_credit_is_edited_with_its_version_and_audited(app):
    credit = retire()
    version = credit.version_id
    services.update_credit(
        actor=None,
        credit=credit,
        expected_version=version,
        **credit_values(serial_last=CDM.format(n=1500), co2e_t=500),
    )
    db.session.commit()
    assert (credit.co2e_t, credit.version_id) == (500, version + 1)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "credits.credit.updated")
    ).one()
    assert entry.changes is not None
    assert entry.changes["co2e_t"] == {"before": 1000, "after": 500}
    with pytest.raises(Conflict):
        services.update_credit(
            actor=None, credit=credit, expected_version=version, **credit_values()
        )
    db.session.rollback()


def test_a_credit_keeps_its_own_serials_when_edited(app):
    credit = retire()
    services.update_credit(
        actor=None,
        credit=credit,
        expected_version=credit.version_id,
        **credit_values(project_name="Renamed"),
    )
    db.session.commit()
    assert credit.project_name == "Renamed"


def test_remove_and_restore_are_audited(app):
    credit = retire()
    removal = services.delete_credit(actor=None, credit=credit)
    db.session.commit()
    assert db.session.scalars(services.credits_query(2024)).all() == []
    with pytest.raises(NotFound):
        services.get_credit(credit.id)
    removals.restore(actor=None, removal=removal)
    db.session.commit()
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"credits.credit.created", "credits.credit.deleted"} <= actions
    assert "removals.removal.restored" in actions
    assert services.get_credit(credit.id).co2e_t == 1000


def test_only_the_working_group_records_credits(app, create_user):
    from ems.auth.models import Role

    travel = create_user(roles=(Role.travel,))
    with pytest.raises(PermissionDenied):
        services.create_credit(actor=travel, **credit_values())


def test_the_export_lists_the_years_credits_with_codes_beside_labels(app):
    retire()
    retire(applied_year=2023, standard="verra_vcu")
    rows = services.export_rows(2024)
    assert rows[0] == services.EXPORT_HEADER
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["standard"] == "cdm_cer"
    assert row["standard_label"] == "CDM Certified Emission Reductions (CERs)"
    assert (row["co2e_t"], row["applied_year"]) == (1000, 2024)
    assert len(services.export_rows()) == 3


def test_credits_may_be_recorded_removed_and_restored_for_a_closed_year(app):
    """Retirement follows the year's inventory, and credits change none of its figures."""
    org.close_year(actor=None, year=2024)
    db.session.commit()
    credit = retire()
    removal = services.delete_credit(actor=None, credit=credit)
    db.session.commit()
    removals.restore(actor=None, removal=removal)
    db.session.commit()
    assert services.retired_t_by_year() == {2024: 1000}
