"""The 300-target page cost: the dashboard, the targets page and the API's targets read as many
SQL statements with one target as with 300 (every target derives from the organisation's totals
read once), and a target beyond the cap is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from ems.api import services as api_services
from ems.auth.models import Role
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.org import services as org
from ems.targets import services
from ems.targets.models import Target
from tests.actions.test_proposals import off_track  # noqa: F401 (fixture)

SOURCES = ("electricity", "heat_fuels", "air_travel", "refrigerants")


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def statements_of(get: Callable[[], Any]) -> int:
    """How many statements one answer of ``get`` takes (once warm; the fewer of two tries, so
    that a periodic write such as a session refresh does not count)."""
    assert get().status_code == 200
    counts = []
    for _try in range(2):
        with counted_statements() as statements:
            response = get()
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        counts.append(len(statements))
    return min(counts)


def add_targets(first: int, last: int) -> None:
    """Targets number ``first`` to ``last`` − 1: per source (some with a declared baseline, some
    computed, some without) and per capita, committed."""
    for n in range(first, last):
        services.create_target(
            actor=None,
            name=f"Target {n:03d}",
            boundary="gtb" if n % 3 else "full",
            source_category="" if n % 5 == 0 else SOURCES[n % len(SOURCES)],
            per_capita=n % 5 == 0,
            baseline_year=2010 if n % 2 else 2018,
            target_year=2030 + n % 10,
            reduction_pct=1 + n % 90,
        )
    db.session.commit()


@pytest.fixture
def judged_world(off_track):  # noqa: F811
    """The off-track world (a declared 2010 baseline, 2025 measured and closed) with the
    headcounts per-capita targets need."""
    for year in (2010, 2018, 2025):
        org.set_headcount(actor=None, year=year, headcount=1000)
    db.session.commit()


def test_the_300_target_page_cost(client, create_user, login, judged_world):
    member = create_user(roles=(Role.ems,))
    login(client, member)
    secret = api_services.create_token(actor=None, user=member, name="bench")[1]
    db.session.commit()
    pages: dict[str, Callable[[], Any]] = {
        "dashboard": lambda: client.get("/"),
        "targets": lambda: client.get("/inventory/targets"),
        "actions": lambda: client.get("/actions/"),
        "meetings": lambda: client.get("/actions/meetings"),
        "api targets": lambda: client.get(
            "/api/v1/targets", headers={"Authorization": f"Bearer {secret}"}
        ),
    }
    add_targets(1, 2)
    with_one = {name: statements_of(get) for name, get in pages.items()}
    add_targets(2, services.MAX_TARGETS + 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Target)) == 300
    page = client.get("/inventory/targets").get_data(as_text=True)
    assert "Target 300" in page
    assert "Target 001" in page
    with_300 = {name: statements_of(get) for name, get in pages.items()}
    assert with_300 == with_one


def test_a_target_beyond_the_cap_is_refused(client, create_user, login, app):
    add_targets(1, services.MAX_TARGETS + 1)
    with pytest.raises(ValidationFailed) as refused:
        add_targets(services.MAX_TARGETS + 1, services.MAX_TARGETS + 2)
    assert f"at most {services.MAX_TARGETS} targets" in refused.value.errors[""]
    db.session.rollback()
    login(client, create_user(roles=(Role.ems,)))
    answer = client.post(
        "/inventory/targets/new",
        data={
            "name": "One too many",
            "boundary": "gtb",
            "source_category": "electricity",
            "baseline_year": "2010",
            "target_year": "2030",
            "reduction_pct": "50",
        },
    )
    assert answer.status_code == 422
    assert "remove one it no longer needs first" in answer.get_data(as_text=True)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Target))
    assert count == services.MAX_TARGETS
