"""Every web form, posted with hostile values one field at a time: no answer is a server error,
and the dashboard, targets, exports and draft PDF still answer afterwards."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from ems.actions.models import CorrectiveAction
from ems.energy.models import EnergyRecord
from ems.extensions import db
from ems.procurement.models import ExchangeRate, Purchase
from ems.travel.models import Trip
from tests.conftest import EmsClient
from tests.fuzz.conftest import YEAR, assert_pages_answer, count, fuzz, hostile_text
from tests.html_forms import _FormReader


@dataclass
class PageForm:
    """A form as a page holds it: where and how it is sent, and its fields."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def surface(self) -> str:
        path = self.action.split("?")[0]
        return f"form {self.method} {re.sub(r'/[0-9]+', '/<id>', path)}"

    @property
    def fuzzable(self) -> list[str]:
        return [name for name in self.fields if name != "csrf_token"] or ["csrf_token"]


class _ActionReader(_FormReader):
    """The fields of each form of a page, with each form's action and method."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.targets: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            values = {k: v or "" for k, v in attrs}
            action = values.get("action") or self.page_path
            self.targets.append((action.split("#")[0], values.get("method", "get").upper()))
        super().handle_starttag(tag, attrs)


#: forms left out: they end the session, remove or close things the rest needs, or take files
#: (files are fuzzed by test_imports)
SKIPPED = re.compile(
    r"delete|logout|deactivate|activate|reset-password|revoke|remove|restore|/commit|"
    r"/years/close|/auth/login|/import|/logo|/nonconformities/[0-9]+/close|/move|/reports/issue"
)

#: valid values for the forms' other fields, so a hostile value reaches the services
VALID: dict[str, dict[str, str]] = {
    "/energy/new": {
        "energy_type": "electricity",
        "period_start": f"{YEAR}-03-01",
        "period_end": f"{YEAR}-03-31",
        "quantity": "100",
        "unit": "kwh",
    },
    "/energy/refrigerants/new": {"topped_up_on": f"{YEAR}-03-01", "gas": "r410a", "kg": "1"},
    "/energy/fleet/new": {
        "quantity": "10",
        "period_start": f"{YEAR}-03-01",
        "period_end": f"{YEAR}-03-31",
    },
    "/energy/waste/new": {
        "period_start": f"{YEAR}-03-01",
        "period_end": f"{YEAR}-03-31",
        "stream": "paper_card",
        "treatment": "recycling",
        "tonnes": "1.5",
    },
    "/energy/water/new": {
        "period_start": f"{YEAR}-03-01",
        "period_end": f"{YEAR}-03-31",
        "supply_source": "mains",
        "supply_m3": "120",
    },
    "/procurement/new": {
        "purchased_on": f"{YEAR}-03-01",
        "amount": "100",
        "currency": "CHF",
        "reference": "FUZZ",
    },
    "/procurement/rates/exchange": {"currency": "EUR", "year": str(YEAR), "units_per_usd": "0.9"},
    "/procurement/rates/index": {"year": str(YEAR), "index_value": "100"},
    "/procurement/categories/new": {"name": "Fuzz", "naics_code": "541611"},
    "/inventory/baselines": {"year": "2010", "co2e_kg": "1000", "source": "report"},
    "/inventory/targets/new": {
        "name": "fuzz",
        "baseline_year": "2019",
        "target_year": "2030",
        "reduction_pct": "50",
    },
    "/actions/new": {"title": "Fuzz", "detected_on": f"{YEAR}-01-05"},
    "/org/sites/new": {"name": "Fuzz site", "country_code": "FR"},
    "/org/departments/new": {"name": "Fuzz"},
    "/org/headcount/new": {"year": "2023", "headcount": "10"},
    "/travel/trips/new": {
        "traveller": "Fuzz",
        "legs-0-origin": "GVA",
        "legs-0-destination": "CDG",
        "legs-0-departure_on": f"{YEAR}-03-01",
    },
    "/admin/users/new": {"email": "fuzz@example.org", "name": "Fuzz", "roles": "travel"},
}


def _valid(action: str) -> dict[str, str]:
    if re.fullmatch(r"/actions/nonconformities/[0-9]+/actions/new", action):
        return {
            "description": "Fuzz",
            "due_on": f"{YEAR}-06-30",
            "expected_reduction_t": "1",
            "expected_from_year": "2025",
        }
    return VALID.get(action.split("?")[0], {})


def _pages(ids: dict[str, Any]) -> list[str]:
    record = db.session.scalars(sa.select(EnergyRecord.id)).first()
    purchase = db.session.scalars(sa.select(Purchase.id)).first()
    trip = db.session.scalars(sa.select(Trip.id)).first()
    action = db.session.scalars(sa.select(CorrectiveAction.id)).first()
    rate = db.session.scalars(sa.select(ExchangeRate.id)).first()
    nonconformity = ids["nonconformity_id"]
    return [
        "/energy/new",
        f"/energy/{record}/edit",
        "/energy/refrigerants",
        "/energy/fleet",
        "/energy/waste",
        "/energy/water",
        "/procurement/new",
        f"/procurement/{purchase}/edit",
        "/procurement/categories",
        f"/procurement/categories/{ids['category_id']}/edit",
        "/procurement/rates",
        f"/procurement/rates/exchange/{rate}/edit",
        "/inventory/targets",
        "/inventory/restatements",
        "/inventory/years",
        "/actions/new",
        f"/actions/nonconformities/{nonconformity}",
        f"/actions/nonconformities/{nonconformity}/actions/new",
        f"/actions/{action}/edit",
        "/actions/",
        "/actions/meetings",
        "/org/settings",
        "/org/sites/new",
        f"/org/sites/{ids['site_id']}/edit",
        "/org/departments/new",
        f"/org/departments/{ids['department_id']}/edit",
        "/org/headcount/new",
        f"/org/headcount/{YEAR}/edit",
        "/travel/trips/new",
        f"/travel/trips/{trip}/edit",
        f"/travel/trips/{trip}",
        "/travel/",
        "/factors/search",
        "/org/sites",
        "/org/headcount",
        "/travel/estimate",
        "/ledger/recalculate",
        "/reports/",
        "/factors/",
        "/account/tokens",
        "/admin/tokens",
        "/admin/users/new",
        f"/admin/users/{ids['user'].id}",
        "/audit/",
        "/energy/",
        "/procurement/",
    ]


@pytest.fixture
def page_forms(signed_in: EmsClient, everything: dict[str, Any]) -> list[PageForm]:
    """Every form of the pages, once per action and set of fields."""
    found: dict[tuple[str, str, frozenset[str]], PageForm] = {}
    for path in _pages(everything):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        reader = _ActionReader(path)
        reader.feed(response.get_data(as_text=True))
        for (action, method), fields in zip(reader.targets, reader.forms, strict=True):
            if SKIPPED.search(action) or not action.startswith("/"):
                continue
            key = (action, method, frozenset(fields))
            found.setdefault(key, PageForm(action, method, fields))
    assert len(found) > 30, sorted(found)
    return list(found.values())


def test_no_form_answers_a_server_error(signed_in: EmsClient, page_forms: list[PageForm]) -> None:
    @fuzz(200)
    @given(st.data())
    def post_hostile(data: st.DataObject) -> None:
        form = data.draw(st.sampled_from(page_forms))
        name = data.draw(st.sampled_from(form.fuzzable))
        value = data.draw(hostile_text)
        values = {**form.fields, **_valid(form.action), name: value}
        if form.method == "POST":
            response = signed_in.post(form.action, data=values)
        else:
            response = signed_in.get(form.action, query_string=values)
        count(form.surface, response.status_code)
        assert response.status_code < 500, (form.action, name, value)

    post_hostile()
    assert_pages_answer(signed_in)
