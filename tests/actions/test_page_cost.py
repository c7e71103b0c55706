"""The page cost of actions and meetings: the dashboard, the actions list, a nonconformity's
page, the review meetings and the API's actions read as many SQL statements with one action (or
meeting) as with 300 — one query per list, never one per row — and a nonconformity refuses an
action beyond its cap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ems.actions import services
from ems.actions.models import Nonconformity
from ems.api import services as api_services
from ems.auth.models import Role, User
from ems.errors import ValidationFailed
from ems.extensions import db
from tests.actions.test_proposals import off_track  # noqa: F401 (fixture)
from tests.targets.test_page_cost import statements_of

DAY = dt.timedelta(days=1)


def nonconformity(n: int) -> Nonconformity:
    """Nonconformity number ``n``, found in 2025."""
    return services.create_nonconformity(
        actor=None,
        title=f"Finding {n}",
        origin="audit_finding",
        detected_on=dt.date(2025, 1, 1) + n * DAY,
        years=[2025],
        source_categories=["electricity"],
    )


def add_actions(nc: Nonconformity, count: int, owners: list[User], *, first: int = 0) -> None:
    """``count`` actions of ``nc`` by turns of ``owners``: overdue, running, and done with a
    verdict (each with a source, so that each has its effectiveness), committed."""
    today = dt.date.today()
    for n in range(first, first + count):
        done = n % 3 == 2
        action = services.create_action(
            actor=None,
            nonconformity=nc,
            description=f"Action {n}",
            owner_id=owners[n % len(owners)].id,
            due_on=today - 30 * DAY if n % 3 == 0 else today + 30 * DAY,
            status="done" if done else "planned" if n % 2 else "in_progress",
            done_on=today - DAY if done else None,
            source_category="electricity" if n % 2 else "air_travel",
            expected_reduction_t="0.5",
            expected_from_year=2026,
        )
        if done:
            services.record_verdict(
                actor=None, action=action, is_effective=True, justification="Checked on site."
            )
    db.session.commit()


@pytest.fixture
def people(create_user) -> list[User]:
    """The working-group member who looks, and two other owners."""
    return [create_user(roles=(Role.ems,)) for _n in range(3)]


def test_the_300_action_page_cost(client, login, people, off_track):  # noqa: F811
    login(client, people[0])
    secret = api_services.create_token(actor=None, user=people[0], name="cost")[1]
    db.session.commit()
    first = nonconformity(0)
    pages: dict[str, Callable[[], Any]] = {
        "dashboard": lambda: client.get("/"),
        "actions": lambda: client.get("/actions/"),
        "meetings": lambda: client.get("/actions/meetings"),
        "nonconformity": lambda: client.get(f"/actions/nonconformities/{first.id}"),
        "api actions": lambda: client.get(
            "/api/v1/actions", headers={"Authorization": f"Bearer {secret}"}
        ),
        "api overdue": lambda: client.get(
            "/api/v1/actions?overdue=true", headers={"Authorization": f"Bearer {secret}"}
        ),
    }
    add_actions(first, 1, people)
    with_one = {name: statements_of(get) for name, get in pages.items()}
    # 300 actions of 26 nonconformities, the first with the most one may have
    add_actions(first, services.MAX_ACTIONS_PER_NONCONFORMITY - 1, people, first=1)
    for n in range(1, 26):
        add_actions(nonconformity(n), 8, people, first=n * 10)
    every = services.list_actions()
    assert len(every) == 300
    with_300 = {name: statements_of(get) for name, get in pages.items()}
    assert with_300 == with_one
    dashboard = client.get("/").get_data(as_text=True)
    still_open = [a for a in every if a.status in services.OPEN_STATUSES]
    mine = [a for a in still_open if a.owner_id == people[0].id and a.due_on < dt.date.today()]
    assert f"and {len(still_open) - 8} more." in dashboard
    assert f"You own {len(mine)} overdue actions." in dashboard


def test_the_300_meeting_page_cost(client, login, people, off_track):  # noqa: F811
    login(client, people[0])

    def meet(first: int, last: int) -> None:
        for n in range(first, last):
            services.record_meeting(
                actor=None,
                held_on=dt.date(2020, 1, 1) + n * DAY,
                attendees="Working group",
                decisions=f"Decision {n}",
            )
        db.session.commit()

    meet(0, 1)
    with_one = statements_of(lambda: client.get("/actions/meetings"))
    meet(1, 300)
    assert statements_of(lambda: client.get("/actions/meetings")) == with_one
    assert statements_of(lambda: client.get("/actions/meetings?page=6")) == with_one
    newest = client.get("/actions/meetings").get_data(as_text=True)
    assert "Page 1 of 6" in newest
    assert "2020-10-26" in newest


def test_a_nonconformity_refuses_an_action_beyond_its_cap(app, people):
    nc = nonconformity(1)
    add_actions(nc, services.MAX_ACTIONS_PER_NONCONFORMITY, people)
    with pytest.raises(ValidationFailed) as refused:
        add_actions(nc, 1, people)
    assert (
        f"at most {services.MAX_ACTIONS_PER_NONCONFORMITY} corrective" in (refused.value.errors[""])
    )
