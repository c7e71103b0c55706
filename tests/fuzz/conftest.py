"""The fuzz suite's fixtures: an organisation with one of everything, a signed-in client that
may do everything, hostile values, the pages that must still answer, and how many inputs each
surface was tried with (printed at the end of the run)."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ems.actions import services as actions
from ems.auth.models import Role, User
from ems.energy import services as energy
from ems.extensions import db
from ems.factors import services as factors
from ems.org import services as org
from ems.procurement import services as procurement
from ems.travel import services as travel
from tests.conftest import EmsClient

#: inputs tried per surface in this run, and how many were answered 5xx
TRIED: Counter[str] = Counter()
FAILED: Counter[str] = Counter()


def fuzz(examples: int) -> settings:
    """Hypothesis settings of a surface: ``examples`` inputs (EMS_FUZZ_SCALE multiplies them
    for a deeper run), so that the suite stays well under a minute per database."""
    return settings(
        max_examples=int(examples * float(os.environ.get("EMS_FUZZ_SCALE", "1"))),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


YEAR = 2024
#: the pages that must answer 200 after any input
PAGES = (
    "/",
    "/inventory/targets",
    f"/reports/{YEAR}/inventory.csv",
    f"/reports/{YEAR}/gtb-pack.csv",
    f"/reports/{YEAR}/draft.pdf",
)

#: numbers and texts no one should get a 500 for
HOSTILE_TEXTS = [
    "1e-999999999",
    "1e999999999",
    "1E+1000000",
    "0E-1000026",
    "9" * 60,
    "0." + "0" * 57 + "1",
    "1." + "0" * 60,
    "123456789012345678901234567890123456789012345678901",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-1",
    "-0",
    "-0.0001",
    "1_000",
    "1,000",
    "1 000",
    "١٢",
    "𝟙𝟚",
    "１２",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "99999999999999999999",
    "1e12",
    "1000000000000.000001",
    "0.0000001",
    "12.3456789",
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1f",
    "\x7f",
    "\u0085",
    "line\nbreak",
    "\u202eevil",
    "\ufeff",
    "x" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "null",
    "true",
    "0x10",
    "1e5",
    "+5",
    ".5",
    "5.",
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.from_regex(r"-?[0-9]{1,60}(\.[0-9]{1,60})?([eE][+-]?[0-9]{1,10})?", fullmatch=True),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(st.characters(codec="utf-8"), max_size=40),
)


def count(surface: str, status: int) -> None:
    """Count an input tried on ``surface`` and whether it was answered with a server error."""
    TRIED[surface] += 1
    if status >= 500:
        FAILED[surface] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TRIED:
        return
    terminalreporter.section("fuzz: inputs tried per surface")
    for surface in sorted(TRIED):
        terminalreporter.write_line(
            f"{surface:<40} {TRIED[surface]:>6} tried  {FAILED[surface]:>3} × 5xx"
        )
    terminalreporter.write_line(
        f"{'total':<40} {sum(TRIED.values()):>6} tried  {sum(FAILED.values()):>3} × 5xx"
    )


@pytest.fixture
def everything(app: Any, create_user: Callable[..., User]) -> dict[str, Any]:
    """An organisation with a site, department, category, rates, headcount, a trip, an energy
    record, a purchase, a nonconformity with an action; and a user holding every role."""
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 10**9
    factors.load_shipped_sets(actor=None)
    site = org.create_site(actor=None, name="Geneva HQ", country_code="CH")
    department = org.create_department(actor=None, name="Programme", code="PRG")
    org.set_headcount(actor=None, year=YEAR, headcount=1000)
    category = procurement.create_category(actor=None, name="Consulting", naics_code="541611")
    procurement.set_exchange_rate(actor=None, currency="CHF", year=YEAR, units_per_usd="0.9")
    for year in range(2020, YEAR + 1):  # to the factors' price year
        procurement.set_price_index(actor=None, year=year, index_value="120")
    travel.create_trip(
        actor=None,
        traveller="Ana",
        legs=[travel.LegInput("GVA", "LHR", dt.date(YEAR, 3, 4))],
        booking_reference="SEED1",
    )
    energy.create_energy_record(
        actor=None,
        site_id=site.id,
        energy_type="electricity",
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR, 1, 31),
        quantity=Decimal(1000),
        unit="kwh",
        certificates_kwh=None,
        supplier_factor_id=None,
        meter_reference="M1",
        evidence_note="",
    )
    procurement.create_purchase(
        actor=None,
        purchased_on=dt.date(YEAR, 2, 1),
        category_id=category.id,
        amount=Decimal(500),
        currency="CHF",
        quantity=None,
        quantity_unit=None,
        supplier="",
        description="",
        reference="SEED-P1",
        site_id=None,
        department_id=None,
    )
    user = create_user(roles=(Role.admin, Role.ems, Role.travel, Role.management))
    nonconformity = actions.create_nonconformity(
        actor=None, title="Off track", origin="off_track_year", detected_on=dt.date(YEAR, 1, 5)
    )
    actions.create_action(
        actor=None,
        nonconformity=nonconformity,
        description="Travel policy",
        owner_id=user.id,
        due_on=dt.date(YEAR, 6, 30),
    )
    db.session.commit()
    return {
        "user": user,
        "site_id": site.id,
        "department_id": department.id,
        "category_id": category.id,
        "nonconformity_id": nonconformity.id,
    }


@pytest.fixture
def signed_in(client: EmsClient, everything: dict[str, Any], login: Any) -> EmsClient:
    """A client signed in as the user who may do everything."""
    login(client, everything["user"])
    return client


def assert_pages_answer(client: EmsClient) -> None:
    """The dashboard, the targets page, the inventory and GtB exports and the draft PDF still
    answer 200."""
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
