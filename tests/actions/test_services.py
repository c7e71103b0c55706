"""Nonconformities and corrective actions: the life cycle, effectiveness, projection, overdue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ems.actions import services
from ems.actions.models import NonconformityStatus
from ems.audit.models import AuditEntry
from ems.auth.models import Role
from ems.cli import cli
from ems.errors import PermissionDenied, ValidationFailed
from ems.extensions import db

T = 1_000_000


@pytest.fixture
def owner(create_user):
    return create_user("owner@example.org", roles=(Role.ems,))


def nonconformity():
    return services.create_nonconformity(
        actor=None,
        title="2023 above the trajectory",
        origin="off_track_year",
        detected_on=dt.date(2024, 2, 1),
        severity="major",
        years=[2023],
        source_categories=["air_travel"],
    )


def action(nc, owner, **values):
    data = {
        "description": "Rail for trips under 600 km",
        "owner_id": owner.id,
        "due_on": dt.date(2024, 6, 30),
        "source_category": "air_travel",
        "expected_reduction_t": Decimal(50),
        "expected_from_year": 2025,
        **values,
    }
    return services.create_action(actor=None, nonconformity=nc, **data)


def test_a_nonconformity_cannot_close_without_a_verdict(app, owner):
    nc = nonconformity()
    with pytest.raises(ValidationFailed) as refused:
        services.record_analysis(actor=None, nonconformity=nc, root_cause="Human error.")
    assert "not a root cause" in refused.value.errors["root_cause"]
    services.record_analysis(
        actor=None,
        nonconformity=nc,
        root_cause="No travel policy: nothing asks whether a trip could be made by rail.",
    )
    with pytest.raises(ValidationFailed):  # no action planned yet
        services.move_nonconformity(actor=None, nonconformity=nc, status="actions_planned")
    rail = action(nc, owner)
    services.move_nonconformity(actor=None, nonconformity=nc, status="actions_planned")
    with pytest.raises(ValidationFailed):  # the action is not done
        services.move_nonconformity(actor=None, nonconformity=nc, status="verifying")
    services.update_action(
        actor=None,
        action=rail,
        description=rail.description,
        owner_id=owner.id,
        due_on=rail.due_on,
        status="done",
        done_on=dt.date(2024, 6, 1),
        source_category="air_travel",
        expected_reduction_t=Decimal(50),
        expected_from_year=2025,
    )
    services.move_nonconformity(actor=None, nonconformity=nc, status="verifying")
    with pytest.raises(ValidationFailed) as refused:
        services.close_nonconformity(actor=None, nonconformity=nc)
    assert "verdict" in refused.value.errors[""]
    services.record_verdict(actor=None, action=rail, is_effective=True, note="−60 t measured")
    services.close_nonconformity(actor=None, nonconformity=nc)
    assert nc.status is NonconformityStatus.closed_effective
    db.session.commit()
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    for expected in (
        "actions.nonconformity.created",
        "actions.nonconformity.analysed",
        "actions.action.created",
        "actions.nonconformity.moved",
        "actions.action.updated",
        "actions.verdict.recorded",
        "actions.nonconformity.closed",
    ):
        assert expected in actions


def test_effectiveness_from_the_years_before_and_after():
    # air travel 400, 420, 410 t in 2022–2024; 380, 350 t in 2025–2026; 1,000 then 1,100 people
    series = {2022: 400 * T, 2023: 420 * T, 2024: 410 * T, 2025: 380 * T, 2026: 350 * T}
    headcounts = {2022: 1000, 2023: 1000, 2024: 1000, 2025: 1100, 2026: 1100}
    result = services.compare_years(series, headcounts, 2025, expected_g=50 * T)
    assert (result.years_before, result.years_after) == ([2022, 2023, 2024], [2025, 2026])
    assert (result.before_g, result.after_g) == (410 * T, 365 * T)
    assert result.measured_reduction_g == 45 * T  # against 50 t expected
    # per capita: 0.41 t before; (380/1,100 + 350/1,100)/2 = 0.3318 t after
    assert result.before_per_capita_g == 410_000
    assert result.after_per_capita_g == 331_818


def test_projection_arithmetic():
    projection = services.project(
        latest_year=2024,
        latest_g=800 * T,
        baseline_g=1000 * T,
        target_g=550 * T,
        target_year=2030,
        cuts=[services.PlannedCut(2025, 100 * T), services.PlannedCut(2027, 50 * T)],
    )
    assert projection.by_year[2025] == 700 * T
    assert projection.by_year[2026] == 700 * T
    assert projection.by_year[2030] == 650 * T
    # with the actions planned today: −35 % in 2030; the gap to −45 % is 100 t
    assert projection.change_from_baseline_pct == pytest.approx(-35.0)
    assert projection.gap_g == 100 * T


def test_overdue_with_a_fixed_clock(app, owner, monkeypatch):
    nc = nonconformity()
    late = action(nc, owner, due_on=dt.date(2024, 3, 1))
    action(nc, owner, due_on=dt.date(2024, 9, 1))
    action(nc, owner, due_on=dt.date(2024, 1, 1), status="cancelled")
    assert services.overdue_actions(dt.date(2024, 6, 1)) == [late]
    assert services.overdue_actions(dt.date(2024, 2, 1)) == []
    db.session.commit()
    monkeypatch.setattr("ems.actions.cli.utcnow", lambda: dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    listed = app.test_cli_runner().invoke(cli, ["actions", "list", "--overdue"])
    assert f"#{late.id} " in listed.output
    assert "OVERDUE 92 days" in listed.output
    assert listed.output.count("#") == 1


def test_travel_users_cannot_touch_any_of_it(app, owner, create_user):
    clerk = create_user("clerk@example.org", roles=(Role.travel,))
    with pytest.raises(PermissionDenied):
        services.create_nonconformity(
            actor=clerk, title="x", origin="other", detected_on=dt.date(2024, 1, 1)
        )
    nc = nonconformity()
    with pytest.raises(PermissionDenied):
        services.create_action(
            actor=clerk,
            nonconformity=nc,
            description="x",
            owner_id=owner.id,
            due_on=dt.date(2024, 6, 30),
        )
    with pytest.raises(PermissionDenied):
        services.record_analysis(actor=clerk, nonconformity=nc, root_cause="Policy gap")
