"""Fixtures of the API tests: tokens, and a client that calls the API with one."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from ems.api import services as api_services
from ems.auth.models import Role, User
from ems.extensions import db
from ems.reporting.models import IssuedReport
from ems.travel import services as travel

PDF = b"%PDF-1.4 issued"


@pytest.fixture
def token_for(app) -> Callable[..., str]:
    """A committed token of ``user``: its secret."""

    def make(user: User, **kwargs: Any) -> str:
        _token, secret = api_services.create_token(
            actor=None, user=user, name=kwargs.pop("name", "test"), **kwargs
        )
        db.session.commit()
        return secret

    return make


@pytest.fixture
def role_token(create_user, token_for) -> Callable[[Role], str]:
    """A token of a new user holding ``role``."""

    def make(role: Role) -> str:
        return token_for(create_user(roles=(role,)))

    return make


@pytest.fixture
def api(client) -> Callable[..., TestResponse]:
    """Call the API: ``api("GET", "/trips", token, json=…)``; the path is below /api/v1."""

    def call(method: str, path: str, token: str | None = None, **kwargs: Any) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    return call


def issue_report(year: int = 2024) -> IssuedReport:
    """An issued report stored as is (the report itself is tested under tests/reporting)."""
    report = IssuedReport(
        year=year,
        version=1,
        identifier=f"EMS-{year}-v1",
        issued_by_label="test",
        snapshot={},
        pdf=PDF,
        pdf_sha256=hashlib.sha256(PDF).hexdigest(),
        pdf_size_bytes=len(PDF),
    )
    db.session.add(report)
    db.session.commit()
    return report


def trip_body(**overrides: Any) -> dict[str, Any]:
    """A valid trip for POST /trips."""
    return {
        "traveller": "Ana Silva",
        "legs": [{"origin": "GVA", "destination": "JFK", "departure_on": "2024-03-04"}],
        "is_return": True,
        "return_on": "2024-03-09",
        "booking_reference": "ABC123",
        **overrides,
    }


def paid_by_others_trip(reference: str | None = None) -> int:
    """A committed trip needing no factors; its id."""
    trip = travel.create_trip(
        actor=None,
        traveller="Ben",
        legs=[travel.LegInput("GVA", "LHR", dt.date(2024, 3, 4))],
        paid_by="other",
        booking_reference=reference,
    )
    db.session.commit()
    return trip.id
