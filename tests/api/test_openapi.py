"""The OpenAPI description: complete, valid, readable; and the API conforms to it
(schemathesis: generated requests for every operation, no server error, every response as
described)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ems import create_app
from ems.actions import services as actions
from ems.api import openapi
from ems.auth.models import Role
from ems.extensions import db
from ems.org import services as org
from ems.procurement import services as procurement
from tests.api.conftest import issue_report, paid_by_others_trip
from tests.conftest import app_config


def test_every_api_route_is_documented(app):
    assert openapi.undocumented(app) == []
    described = {
        (path, method.upper())
        for path, operations in openapi.build(app)["paths"].items()
        for method in operations
    }
    routed = {
        (openapi._path(rule), method)
        for rule in openapi.api_rules(app)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert described == routed


def test_the_description_is_valid_openapi(api):
    response = api("GET", "/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_documentation_page_shows_every_operation_and_schema(api):
    response = api("GET", "/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    spec = api("GET", "/openapi.json").get_json()
    for operations in spec["paths"].values():
        for op in operations.values():
            assert f'id="{op["operationId"]}"' in page
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert 'id="problem-validation"' in page


# --- schemathesis -----------------------------------------------------------------------------

#: every operation is tried with this many generated requests (examples and boundary cases
#: come on top), so that the whole run stays within a minute or two; set
#: EMS_API_FUZZ_EXAMPLES for a deeper run
MAX_EXAMPLES = int(os.environ.get("EMS_API_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def admin_secret(app, loaded, create_user, token_for) -> str:
    """A token that may do everything, unlimited; and data for the operations to find."""
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 10**9
    org.create_site(actor=None, name="Geneva HQ", country_code="CH")
    procurement.create_category(actor=None, name="Consulting", naics_code="541611")
    paid_by_others_trip("KNOWN")
    issue_report(2024)
    nonconformity = actions.create_nonconformity(
        actor=None, title="Off track", origin="off_track_year", detected_on=dt.date(2024, 1, 5)
    )
    admin = create_user(roles=(Role.admin,))
    actions.create_action(
        actor=None,
        nonconformity=nonconformity,
        description="Travel policy",
        owner_id=admin.id,
        due_on=dt.date(2024, 6, 30),
    )
    db.session.commit()
    return token_for(admin)


@pytest.fixture
def in_process(app) -> Any:
    """The app as schemathesis calls it: each request in an application context of its own,
    as in production (the test's own database session is not shared with the requests)."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        db.session.rollback()
        with app.app_context():
            return app.wsgi_app(environ, start_response)

    return wsgi


# the description as served, read once at collection (pytest 9 breaks schemathesis' lazy
# loading from a fixture); the requests of each test go to that test's own app
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app(app_config("sqlite://")))


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_conforms_to_its_description(case, in_process, admin_secret):
    checks = list(CHECKS)
    if case.operation.path == "/trips/bulk":
        # trips in a bulk request are checked one by one: a wrong one is reported in the 200
        # answer with its errors, not refused with the request
        checks.remove(negative_data_rejection)
    # a case whose headers are invalid on purpose (the bearer token missing or malformed) goes
    # without the token, and must be refused; every other case carries it
    invalid_headers = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    headers = {} if invalid_headers else {"Authorization": f"Bearer {admin_secret}"}
    response = case.call_and_validate(headers=headers, checks=checks, app=in_process)
    if not invalid_headers:
        assert response.status_code not in (401, 403, 429)  # the token was accepted
