"""The hostile inputs a probe answered with 500 (or stored, breaking later pages), each refused
now with a message naming the field; and the declaration of numbers they rest on."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from ems import numbers
from ems.api import services as api_services
from ems.energy.models import EnergyRecord
from ems.errors import ValidationFailed
from ems.extensions import db
from ems.ledger import services as ledger
from ems.org.models import Headcount, Site
from ems.procurement.models import Purchase
from ems.targets.models import Target
from ems.travel.models import FlightLeg, GroundLeg, HotelStay
from ems.validation import check_decimal
from tests.conftest import EmsClient
from tests.fuzz.conftest import YEAR, assert_pages_answer

LONG = "1." + "0" * 50 + "1"  # 53 characters: more than a stored decimal's 48
LONG_INTEGER = "1" * 49


def _api(client: EmsClient, user: Any, path: str, body: str) -> Any:
    _token, secret = api_services.create_token(actor=None, user=user, name=f"t{path}")
    db.session.commit()
    return client.post(
        f"/api/v1{path}",
        data=body,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )


def _energy_body(site_id: int, quantity: str) -> str:
    """A record's JSON with ``quantity`` written as it is (a JSON number of any form)."""
    return (
        f'{{"site_id": {site_id}, "energy_type": "electricity", "period_start": "{YEAR}-04-01", '
        f'"period_end": "{YEAR}-04-30", "quantity": {quantity}, "unit": "kwh"}}'
    )


def test_a_vanishing_energy_quantity_is_refused_and_the_pages_answer(
    signed_in: EmsClient, everything: dict[str, Any]
) -> None:
    before = db.session.scalar(sa.select(sa.func.count()).select_from(EnergyRecord))
    body = _energy_body(everything["site_id"], "1e-999999999")
    response = _api(signed_in, everything["user"], "/energy-records", body)
    assert response.status_code == 422
    assert "decimal places" in response.get_json()["errors"]["quantity"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnergyRecord)) == before
    assert_pages_answer(signed_in)


def test_an_underflowed_ledger_quantity_is_stored_as_zero() -> None:
    assert ledger.line_quantity(Decimal("0E-1000026")) == 0
    assert str(ledger.line_quantity(Decimal("0E-1000026"))) == "0"
    assert ledger.line_quantity(Decimal("1E-40")) == 0
    assert len(str(ledger.line_quantity(Decimal(LONG)))) <= numbers.STORED_MAX_LEN
    with pytest.raises(ValidationFailed):
        ledger.line_quantity(Decimal("NaN"))
    with pytest.raises(ValidationFailed):
        ledger.line_quantity(Decimal("1e30"))


def test_a_ledger_line_beyond_a_million_tonnes_is_refused() -> None:
    assert ledger.co2e_grams(Decimal("1000"), Decimal("0.5")) == 500_000
    with pytest.raises(ValidationFailed) as refused:
        ledger.co2e_grams(numbers.MAX_NUMBER, Decimal("25000"))
    assert "1,000,000 t CO2e" in refused.value.errors[""]


def test_long_decimals_are_refused_by_the_api(
    signed_in: EmsClient, everything: dict[str, Any]
) -> None:
    energy = _api(
        signed_in, everything["user"], "/energy-records", _energy_body(everything["site_id"], LONG)
    )
    assert energy.status_code == 422
    assert "quantity" in energy.get_json()["errors"]
    purchase = _api(
        signed_in,
        everything["user"],
        "/purchases",
        f'{{"purchased_on": "{YEAR}-03-01", "category_id": {everything["category_id"]}, '
        f'"amount": {LONG_INTEGER}, "currency": "CHF"}}',
    )
    assert purchase.status_code == 422
    assert "amount" in purchase.get_json()["errors"]


@pytest.mark.parametrize(
    ("path", "field", "values"),
    [
        ("/energy/new", "quantity", {"energy_type": "electricity", "unit": "kwh"}),
        ("/energy/new", "certificates_kwh", {"energy_type": "electricity", "quantity": "10"}),
        ("/energy/refrigerants/new", "kg", {"gas": "r410a"}),
        ("/energy/fleet/new", "quantity", {}),
        ("/procurement/new", "amount", {"currency": "CHF"}),
        ("/procurement/new", "quantity", {"quantity_unit": "kg"}),
        ("/procurement/rates/exchange", "units_per_usd", {"currency": "EUR", "year": "2024"}),
        ("/procurement/rates/index", "index_value", {"year": "2024"}),
        ("/inventory/baselines", "co2e_kg", {"year": "2010", "source": "report"}),
    ],
)
def test_long_decimals_are_refused_by_the_forms(
    signed_in: EmsClient, everything: dict[str, Any], path: str, field: str, values: dict[str, str]
) -> None:
    for value in (LONG, LONG_INTEGER, "1_000", "1e-999999999", "NaN", "-1"):
        response = signed_in.post(path, data={**values, field: value})
        assert response.status_code in (200, 302, 422), (field, value)
        page = response.get_data(as_text=True)
        assert response.status_code != 302 or "Enter" in page, (field, value)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Purchase)) == 1


def test_an_action_s_year_and_figures_are_bounded(
    signed_in: EmsClient, everything: dict[str, Any]
) -> None:
    path = f"/actions/nonconformities/{everything['nonconformity_id']}/actions/new"
    good = {
        "description": "Video calls",
        "owner_id": str(everything["user"].id),
        "due_on": f"{YEAR}-06-30",
        "status": "planned",
        "source_category": "",
        "expected_reduction_t": "1",
    }
    for year in ("2147483648", "-1", "1_000", "١٩٩٥"):
        response = signed_in.post(path, data={**good, "expected_from_year": year})
        assert response.status_code in (200, 422), year  # the form again, with the error
        assert "Enter a whole number" in response.get_data(as_text=True), year
    for field in ("expected_reduction_t", "cost_estimate"):
        response = signed_in.post(path, data={**good, "expected_from_year": "2025", field: LONG})
        assert response.status_code in (200, 422), field
        assert "decimal places" in response.get_data(as_text=True), field
    created = signed_in.post(path, data={**good, "expected_from_year": "2025"})
    assert created.status_code == 302


def test_a_nul_in_a_target_s_name_is_refused(
    signed_in: EmsClient, everything: dict[str, Any]
) -> None:
    response = signed_in.post(
        "/inventory/targets/new",
        data={
            "name": "Flights\x00",
            "boundary": "gtb",
            "source_category": "",
            "baseline_year": "2019",
            "target_year": "2030",
            "reduction_pct": "50",
        },
    )
    assert response.status_code == 422
    assert "control characters" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Target).where(Target.name.contains("Flights"))) is None


@pytest.mark.parametrize(
    ("kind", "url", "header", "row", "column"),
    [
        (
            "energy",
            "/energy/import",
            "site,energy_type,period_start,period_end,quantity,unit",
            f"Geneva HQ,electricity,{YEAR}-05-01,{YEAR}-05-31,{{}},kwh",
            "quantity",
        ),
        (
            "purchases",
            "/procurement/import",
            "reference,date,category,amount,currency",
            f"P-9,{YEAR}-03-01,Consulting,{{}},CHF",
            "amount",
        ),
    ],
)
def test_long_decimals_are_refused_by_the_imports_check(
    signed_in: EmsClient,
    everything: dict[str, Any],
    kind: str,
    url: str,
    header: str,
    row: str,
    column: str,
) -> None:
    for value in (LONG, LONG_INTEGER, "1_000", "1e-999999999"):
        data = f"{header}\n{row.format(value)}\n".encode()
        response = signed_in.post(
            url,
            data={"file": (io.BytesIO(data), f"{kind}.csv")},
            content_type="multipart/form-data",
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 422, (kind, value)
        assert f"Row 2, {column}:" in page, (kind, value)
        assert "/commit" not in page


def test_numbers_are_read_as_people_write_them() -> None:
    errors: dict[str, str] = {}
    assert check_decimal(errors, "q", "1200.50") == Decimal("1200.50")
    assert check_decimal(errors, "q", "1.5E+3") == Decimal("1500")
    assert check_decimal(errors, "q", "2." + "0" * 50) == Decimal(2)  # zeros dropped
    assert errors == {}
    for text in ("1_000", "1,000", "١٢", "NaN", "Infinity", "0x10", "1e-7", "1e13", "-1"):
        errors = {}
        assert check_decimal(errors, "q", text) is None, text
        assert errors["q"].startswith(("Enter", "Use")), text
    with pytest.raises(numbers.NumberError):
        numbers.YEAR.parse("1_990")
    with pytest.raises(numbers.NumberError):
        numbers.YEAR.parse(2**31)
    assert numbers.YEAR.parse(" 2024 ") == 2024


def test_every_accepted_decimal_fits_its_column() -> None:
    kinds = [value for value in vars(numbers).values() if isinstance(value, numbers.DecimalKind)]
    for kind in kinds:
        widest = kind.maximum - Decimal(1).scaleb(-kind.places)
        assert len(str(kind.parse(-widest if kind.minimum < 0 else widest))) <= 48
        assert len(str(kind.parse(kind.maximum))) <= 48


def test_the_declared_limits_are_the_models() -> None:
    assert numbers.PASSENGERS.maximum == FlightLeg.MAX_PASSENGERS
    assert numbers.NIGHTS.maximum == HotelStay.MAX_NIGHTS
    assert numbers.ROOMS.maximum == HotelStay.MAX_ROOMS
    assert numbers.DISTANCE_KM.maximum == GroundLeg.MAX_DISTANCE_KM
    assert numbers.HEADCOUNT.maximum == Headcount.HEADCOUNT_MAX
    assert numbers.FLOOR_AREA_M2.maximum == Site.FLOOR_AREA_MAX_M2
    whole = [value for value in vars(numbers).values() if isinstance(value, numbers.WholeKind)]
    assert all(kind.maximum < 2**31 for kind in whole)
