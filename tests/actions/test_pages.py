"""The nonconformity and action pages, and the dashboard's panel."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ems.actions import services
from ems.actions.models import CorrectiveAction, Nonconformity, NonconformityStatus
from ems.auth.models import Role
from ems.extensions import db
from tests.actions.test_proposals import off_track  # noqa: F401 (fixture)


def test_from_proposal_to_closed_in_the_browser(client, create_user, login, off_track):  # noqa: F811
    member = create_user("member@example.org", roles=(Role.ems,))
    login(client, member)
    dashboard = client.get("/").get_data(as_text=True)
    assert "ceiling awaiting a decision: 1." in dashboard
    page = client.get("/actions/").get_data(as_text=True)
    assert "2025 above the trajectory of the target" in page
    opened = client.post("/actions/proposals/accept", data={"key": "target:main:2025"})
    assert opened.status_code == 302
    nc = db.session.scalars(sa.select(Nonconformity)).one()
    refused = client.post(
        f"/actions/nonconformities/{nc.id}/analysis",
        data={"version_id": nc.version_id, "root_cause": "human error"},
        follow_redirects=True,
    )
    assert "not a root cause" in refused.get_data(as_text=True)
    client.post(
        f"/actions/nonconformities/{nc.id}/analysis",
        data={
            "version_id": nc.version_id,
            "root_cause": "The lease includes no efficiency clause.",
        },
    )
    planned = client.post(
        f"/actions/nonconformities/{nc.id}/actions/new",
        data={
            "description": "LED lighting",
            "owner_id": member.id,
            "due_on": "2026-03-31",
            "status": "planned",
            "source_category": "electricity",
            "expected_reduction_t": "0.5",
            "expected_from_year": "2026",
        },
    )
    assert planned.status_code == 302, planned.get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)
    assert "LED lighting" in dashboard
    assert (
        "with the actions planned today" in client.get("/actions/").get_data(as_text=True).lower()
    )
    client.post(f"/actions/nonconformities/{nc.id}/move", data={"status": "actions_planned"})
    action = db.session.scalars(sa.select(CorrectiveAction)).one()
    client.post(
        f"/actions/{action.id}/edit",
        data={
            "version_id": action.version_id,
            "description": "LED lighting",
            "owner_id": member.id,
            "due_on": "2026-03-31",
            "status": "done",
            "done_on": "2026-03-01",
            "source_category": "electricity",
            "expected_reduction_t": "0.5",
            "expected_from_year": "2026",
        },
    )
    client.post(f"/actions/nonconformities/{nc.id}/move", data={"status": "verifying"})
    early = client.post(f"/actions/nonconformities/{nc.id}/close", follow_redirects=True)
    assert "Record the effectiveness verdict" in early.get_data(as_text=True)
    shown = client.get(f"/actions/nonconformities/{nc.id}").get_data(as_text=True)
    assert "Effectiveness: Electricity" in shown
    client.post(f"/actions/{action.id}/verdict", data={"is_effective": "y", "note": "checked"})
    client.post(f"/actions/nonconformities/{nc.id}/close")
    db.session.refresh(nc)
    assert nc.status is NonconformityStatus.closed_effective
    history = client.get(f"/actions/nonconformities/{nc.id}").get_data(as_text=True)
    assert "closed: closed, effective" in history  # the status in words


def test_management_reads_travel_is_refused(client, create_user, login, app):
    services.create_nonconformity(
        actor=None, title="Audit finding", origin="audit_finding", detected_on=dt.date(2025, 1, 5)
    )
    db.session.commit()
    login(client, create_user(roles=(Role.management,)))
    page = client.get("/actions/").get_data(as_text=True)
    assert "Audit finding" in page
    assert "New nonconformity" not in page
    assert client.post("/actions/new", data={}).status_code == 403


def test_an_owner_is_told_of_an_overdue_action(client, create_user, login, app):
    owner = create_user("owner@example.org", roles=(Role.ems,))
    nc = services.create_nonconformity(
        actor=None, title="Audit finding", origin="audit_finding", detected_on=dt.date(2025, 1, 5)
    )
    services.create_action(
        actor=None,
        nonconformity=nc,
        description="Meter the cooling plant",
        owner_id=owner.id,
        due_on=dt.date(2025, 2, 1),
    )
    db.session.commit()
    login(client, owner)
    page = client.get("/").get_data(as_text=True)
    assert "You own 1 overdue actions." in page
    assert "overdue" in client.get("/actions/").get_data(as_text=True)


def test_a_review_meeting_with_its_prepared_agenda(client, create_user, login, app):
    owner = create_user("owner@example.org", roles=(Role.ems,))
    nc = services.create_nonconformity(
        actor=None, title="Audit finding", origin="audit_finding", detected_on=dt.date(2025, 1, 5)
    )
    services.create_action(
        actor=None,
        nonconformity=nc,
        description="Meter the cooling plant",
        owner_id=owner.id,
        due_on=dt.date(2025, 2, 1),
    )
    db.session.commit()
    login(client, owner)
    page = client.get("/actions/meetings").get_data(as_text=True)
    assert "Nonconformity 1, open: Audit finding." in page
    assert "Overdue since 2025-02-01" in page
    recorded = client.post(
        "/actions/meetings/new",
        data={
            "held_on": "2025-03-01",
            "attendees": "Ana, Ben",
            "decisions": "Due date moved to April",
            "nonconformity_ids": [str(nc.id)],
        },
    )
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    (meeting,) = services.meetings()
    assert meeting.nonconformity_ids == [nc.id]
    assert any("Overdue since 2025-02-01" in item for item in meeting.agenda)


def test_recording_what_a_nonconformity_concerns(client, create_user, login, app):
    from ems.org import services as org

    site = org.create_site(actor=None, name="Nairobi office", country_code="KE")
    db.session.commit()
    login(client, create_user(roles=(Role.ems,)))
    data = {
        "title": "Generator fuel not recorded",
        "origin": "data_quality",
        "detected_on": "2025-04-02",
        "severity": "minor",
        "years": "2024",
        "source_categories": ["heat_fuels"],
        "site_ids": [str(site.id)],
        "record_links": "energy_record:4, trip 9",
    }
    refused = client.post("/actions/new", data=data)
    assert "kind:number separated by commas" in refused.get_data(as_text=True)
    done = client.post("/actions/new", data={**data, "record_links": "energy_record:4"})
    assert done.status_code == 302
    nc = db.session.scalars(sa.select(Nonconformity)).one()
    assert (nc.years, nc.site_ids, nc.record_links) == ([2024], [site.id], ["energy_record:4"])
    page = client.get(f"/actions/nonconformities/{nc.id}").get_data(as_text=True)
    assert "Sites: Nairobi office." in page
