"""Refrigerant top-ups and fleet records edited with optimistic locking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.energy import services
from ems.energy.models import FleetRecord, RefrigerantTopUp
from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.factors import services as factors
from ems.ledger import services as ledger
from ems.ledger.models import EmissionLine
from ems.org import services as org


@pytest.fixture
def sites(app):
    factors.load_shipped_sets(actor=None)
    london = org.create_site(actor=None, name="London office", country_code="GB")
    geneva = org.create_site(actor=None, name="Geneva HQ", country_code="CH")
    db.session.commit()
    return {"GB": london.id, "CH": geneva.id}


def top_up(site_id, *, gas="R-410A", kg="10", on=dt.date(2024, 6, 1), equipment="Chiller 2"):
    return services.record_refrigerant_top_up(
        actor=None, site_id=site_id, topped_up_on=on, gas=gas, kg=Decimal(kg), equipment=equipment
    )


def fleet_use(
    measure="diesel_litres",
    quantity="100",
    start=dt.date(2025, 1, 1),
    end=dt.date(2025, 1, 31),
    site_id=None,
):
    return services.record_fleet_use(
        actor=None,
        measure=measure,
        period_start=start,
        period_end=end,
        quantity=Decimal(quantity),
        vehicle="Land Cruiser",
        site_id=site_id,
    )


def all_lines(activity_type, activity_id):
    return list(
        db.session.scalars(
            sa.select(EmissionLine)
            .where(
                EmissionLine.activity_type == activity_type,
                EmissionLine.activity_id == activity_id,
            )
            .order_by(EmissionLine.id)
        )
    )


def last_audit(action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def top_up_data(site_id, **changes):
    data = {"site_id": site_id, "topped_up_on": dt.date(2024, 6, 1), "gas": "r410a", "kg": "5"}
    return {"equipment": "Chiller 2", **data, **changes}


def fleet_data(**changes):
    return {
        "measure": "diesel_litres",
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 1, 31),
        "quantity": "200",
        "vehicle": "Land Cruiser",
        "site_id": None,
        **changes,
    }


# --- editing: services ------------------------------------------------------------------------


def test_editing_a_top_up_supersedes_its_line_and_is_audited(sites):
    leak = top_up(sites["CH"])
    db.session.commit()
    version = leak.version_id
    services.update_refrigerant_top_up(
        actor=None,
        top_up=leak,
        expected_version=version,
        **top_up_data(sites["CH"], kg=Decimal("5")),
    )
    db.session.commit()
    old, new = all_lines("refrigerant_top_up", leak.id)
    assert old.superseded_at is not None
    assert old.co2e_g == 19_240_000  # 10 kg x 1,924
    assert new.is_current
    assert new.co2e_g == 9_620_000  # 5 kg x 1,924
    assert leak.version_id == version + 1
    entry = last_audit("energy.refrigerant.updated")
    assert entry.object_id == str(leak.id)
    assert entry.changes == {"kg": {"before": "10", "after": "5"}}


def test_editing_a_fleet_record_replaces_its_lines_and_is_audited(sites):
    record = fleet_use()
    db.session.commit()
    services.update_fleet_record(
        actor=None,
        record=record,
        expected_version=record.version_id,
        **fleet_data(quantity=Decimal(200), site_id=sites["GB"]),
    )
    db.session.commit()
    old, new = all_lines("fleet_record", record.id)
    assert (old.co2e_g, old.is_current) == (257_082, False)
    assert (new.co2e_g, new.is_current) == (514_164, True)  # 200 l x 2.57082
    assert new.site_id == sites["GB"]
    changes = last_audit("energy.fleet.updated").changes
    assert changes["quantity"] == {"before": "100", "after": "200"}
    assert changes["site_id"] == {"before": None, "after": sites["GB"]}


def test_a_stale_version_is_refused(sites):
    leak = top_up(sites["CH"])
    record = fleet_use()
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_refrigerant_top_up(
            actor=None,
            top_up=leak,
            expected_version=leak.version_id - 1,
            **top_up_data(sites["CH"]),
        )
    with pytest.raises(Conflict):
        services.update_fleet_record(
            actor=None, record=record, expected_version=record.version_id + 5, **fleet_data()
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kg": "-1"}, "kg"),
        ({"kg": "0"}, "kg"),
        ({"gas": "unobtainium"}, "gas"),
        ({"site_id": None}, "site_id"),
        ({"topped_up_on": dt.date(2099, 1, 1)}, "topped_up_on"),
    ],
)
def test_bad_top_up_edits_name_the_field_and_change_nothing(sites, changes, field):
    leak = top_up(sites["CH"])
    db.session.commit()
    with pytest.raises(ValidationFailed) as excinfo:
        services.update_refrigerant_top_up(
            actor=None, top_up=leak, **{**top_up_data(sites["CH"]), **changes}
        )
    assert field in excinfo.value.errors
    db.session.rollback()
    assert db.session.get(RefrigerantTopUp, leak.id).kg == Decimal(10)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period_start": dt.date(2025, 3, 1), "period_end": dt.date(2025, 2, 1)}, "period_end"),
        ({"quantity": "-3"}, "quantity"),
        ({"measure": "horse_km"}, "measure"),
    ],
)
def test_bad_fleet_edits_name_the_field(sites, changes, field):
    record = fleet_use()
    db.session.commit()
    with pytest.raises(ValidationFailed) as excinfo:
        services.update_fleet_record(actor=None, record=record, **fleet_data(**changes))
    assert field in excinfo.value.errors


# --- editing: pages ---------------------------------------------------------------------------


def _form(data):
    return {name: "" if value is None else str(value) for name, value in data.items()}


def test_edit_top_up_page_saves_and_a_second_editor_is_told(app, client, create_user, login, sites):
    leak = top_up(sites["CH"])
    db.session.commit()
    leak_id, version = leak.id, leak.version_id
    login(client, create_user(roles=(Role.ems,)))
    other = app.test_client()
    login(other, create_user(roles=(Role.ems,)))
    page = client.get(f"/energy/refrigerants/{leak_id}/edit").get_data(as_text=True)
    assert 'value="10"' in page
    assert f'/energy/refrigerants/{leak_id}/delete"' in page

    first = client.post(
        f"/energy/refrigerants/{leak_id}/edit",
        data=_form({**top_up_data(sites["CH"], kg="5"), "version_id": version}),
    )
    assert first.status_code == 302
    second = other.post(
        f"/energy/refrigerants/{leak_id}/edit",
        data=_form({**top_up_data(sites["CH"], kg="7"), "version_id": version}),
    )
    text = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "Someone else changed this record" in text
    assert "Added (kg): 5" in text
    assert db.session.get(RefrigerantTopUp, leak_id).kg == Decimal(5)
    (line,) = ledger.current_lines(activity_type="refrigerant_top_up", activity_id=leak_id)
    assert line.co2e_g == 9_620_000
    # the form now carries the current version: saving again replaces the values
    assert f'value="{version + 1}"' in text
    third = other.post(
        f"/energy/refrigerants/{leak_id}/edit",
        data=_form({**top_up_data(sites["CH"], kg="7"), "version_id": version + 1}),
    )
    assert third.status_code == 302
    assert db.session.get(RefrigerantTopUp, leak_id).kg == Decimal(7)


def test_edit_fleet_page_shows_errors_and_a_stale_version(app, client, create_user, login, sites):
    record = fleet_use()
    db.session.commit()
    record_id, version = record.id, record.version_id
    login(client, create_user(roles=(Role.ems,)))
    page = client.get(f"/energy/fleet/{record_id}/edit").get_data(as_text=True)
    assert 'value="100"' in page
    bad = client.post(
        f"/energy/fleet/{record_id}/edit",
        data=_form(
            {
                **fleet_data(period_start="2025-03-01", period_end="2025-02-01", site_id=0),
                "version_id": version,
            }
        ),
    )
    assert "cannot end before it starts" in bad.get_data(as_text=True)
    negative = client.post(
        f"/energy/fleet/{record_id}/edit",
        data=_form({**fleet_data(quantity="-5", site_id=0), "version_id": version}),
    )
    assert negative.status_code == 200
    assert db.session.get(FleetRecord, record_id).quantity == Decimal(100)
    saved = client.post(
        f"/energy/fleet/{record_id}/edit",
        data=_form({**fleet_data(site_id=sites["CH"]), "version_id": version}),
    )
    assert saved.status_code == 302
    stale = client.post(
        f"/energy/fleet/{record_id}/edit",
        data=_form({**fleet_data(quantity="300", site_id=0), "version_id": version}),
    )
    assert "Someone else changed this record" in stale.get_data(as_text=True)
    record = db.session.get(FleetRecord, record_id)
    assert (record.quantity, record.site_id) == (Decimal(200), sites["CH"])


def test_edit_forms_show_quantities_unrounded(client, create_user, login, sites):
    leak_id = top_up(sites["CH"], kg="0.125").id
    record_id = fleet_use(quantity="12.345").id
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    assert 'value="0.125"' in client.get(f"/energy/refrigerants/{leak_id}/edit").text
    assert 'value="12.345"' in client.get(f"/energy/fleet/{record_id}/edit").text


def test_management_reads_but_does_not_edit(client, create_user, login, sites):
    leak_id, record_id = top_up(sites["CH"]).id, fleet_use().id
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    for path in ("/energy/", "/energy/refrigerants", "/energy/fleet"):
        page = client.get(path)
        assert page.status_code == 200
        assert "/edit" not in page.get_data(as_text=True)
    assert client.get(f"/energy/refrigerants/{leak_id}/edit").status_code == 403
    assert client.get(f"/energy/fleet/{record_id}/edit").status_code == 403
    posted = client.post(
        f"/energy/refrigerants/{leak_id}/edit", data=_form(top_up_data(sites["CH"], kg="1"))
    )
    assert posted.status_code == 403
    assert db.session.get(RefrigerantTopUp, leak_id).kg == Decimal(10)


def test_the_travel_role_is_refused(client, create_user, login, sites):
    leak_id = top_up(sites["CH"]).id
    db.session.commit()
    login(client, create_user(roles=(Role.travel,)))
    for path in (
        "/energy/refrigerants",
        f"/energy/refrigerants/{leak_id}/edit",
    ):
        assert client.get(path).status_code == 403


def test_the_lists_link_to_edit_for_the_working_group(client, create_user, login, sites):
    leak_id, record_id = top_up(sites["CH"]).id, fleet_use().id
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    assert f"/energy/refrigerants/{leak_id}/edit" in client.get("/energy/refrigerants").text
    assert f"/energy/fleet/{record_id}/edit" in client.get("/energy/fleet").text
