"""Every API write, sent with hostile values one field at a time (JSON numbers of any size and
exponent, 60-digit decimals, numbers as strings, control characters, huge integers): no answer
is a server error, and the pages still answer afterwards."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ems.api import services as api_services
from ems.extensions import db
from tests.conftest import EmsClient
from tests.fuzz.conftest import YEAR, assert_pages_answer, count, fuzz, hostile_text

#: JSON numbers written as the client sends them: exact text, any exponent
hostile_json_number = st.one_of(
    st.sampled_from(
        [
            "1e-999999999",
            "1e999999999",
            "0E-1000026",
            "9" * 60,
            "0." + "0" * 57 + "1",
            "1." + "0" * 60 + "1",
            "2147483648",
            "-2147483649",
            "9223372036854775808",
            "-1",
            "-0",
            "0",
            "1e12",
            "1.0000001",
            "12.3456789",
            "1e-7",
        ]
    ),
    st.from_regex(r"-?[0-9]{1,60}(\.[0-9]{1,60})?([eE][+-]?[0-9]{1,10})?", fullmatch=True),
)


class Raw:
    """A JSON number written out as given (json.dumps would write a string)."""

    def __init__(self, text: str) -> None:
        self.text = text


hostile_value = st.one_of(
    hostile_json_number.map(Raw),
    hostile_text,
    st.sampled_from([None, True, False, [], {}, [1], {"a": 1}, 2**31, -1, 2**63, 0]),
)


def _dumps(value: Any) -> str:
    """JSON of ``value`` with Raw numbers written as they are."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(v) for v in value) + "]"
    return json.dumps(value)


def _bodies(ids: dict[str, Any]) -> dict[str, dict[str, Any]]:
    trip = {
        "traveller": "Fuzz",
        "legs": [{"origin": "GVA", "destination": "CDG", "departure_on": f"{YEAR}-03-04"}],
        "ground": [
            {"mode": "rail", "travelled_on": f"{YEAR}-03-05", "distance_km": 120, "passengers": 1}
        ],
        "hotels": [{"country_code": "FR", "check_in_on": f"{YEAR}-03-04", "nights": 2}],
        "purpose": "",
        "notes": "",
    }
    return {
        "/trips": trip,
        "/trips/bulk": {"trips": [{**trip, "booking_reference": "FUZZ-B"}]},
        "/energy-records": {
            "site_id": ids["site_id"],
            "energy_type": "electricity",
            "period_start": f"{YEAR}-04-01",
            "period_end": f"{YEAR}-04-30",
            "quantity": 100,
            "unit": "kwh",
            "certificates_kwh": 10,
            "meter_reference": "",
            "evidence_note": "",
        },
        "/purchases": {
            "purchased_on": f"{YEAR}-03-01",
            "category_id": ids["category_id"],
            "amount": 100,
            "currency": "CHF",
            "supplier": "",
            "description": "",
            "reference": "FUZZ",
        },
    }


def _paths(body: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value in ``body`` (keys and list positions)."""
    if isinstance(body, dict):
        return [p for key, value in body.items() for p in _paths(value, (*prefix, key))]
    if isinstance(body, list):
        return [p for i, value in enumerate(body) for p in _paths(value, (*prefix, i))]
    return [prefix]


def _replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = list(body) if isinstance(body, list) else dict(body)
    copy[path[0]] = _replaced(body[path[0]], path[1:], value)
    return copy


def test_no_api_write_answers_a_server_error(
    signed_in: EmsClient, everything: dict[str, Any]
) -> None:
    _token, secret = api_services.create_token(actor=None, user=everything["user"], name="fuzz")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    bodies = _bodies(everything)
    trip_id = signed_in.post(
        "/api/v1/trips", data=json.dumps(bodies["/trips"]), headers=headers
    ).get_json()["id"]

    @fuzz(200)
    @given(st.sampled_from([*bodies, "update"]), hostile_value, st.data())
    def send_hostile(path: str, value: Any, data: st.DataObject) -> None:
        field = data.draw(st.sampled_from(_paths(bodies.get(path, bodies["/trips"]))))
        if path == "update":  # a trip's update: the same body, with its version
            body = _replaced(bodies["/trips"], field, value)
            url, method = f"/api/v1/trips/{trip_id}", "PUT"
            current = signed_in.get(url, headers=headers).get_json()
            body = {**body, "version": current["version"]} if "version" in current else body
        else:
            body = _replaced(bodies[path], field, value)
            url, method = f"/api/v1{path}", "POST"
        response = signed_in.open(url, method=method, data=_dumps(body), headers=headers)
        surface = f"API {method} {path if path != 'update' else '/trips/<id>'}"
        count(surface, response.status_code)
        assert response.status_code < 500, (url, field, _dumps(value))

    send_hostile()
    assert_pages_answer(signed_in)
