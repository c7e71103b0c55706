"""The role × endpoint matrix of the API, with tokens: the same roles as tests/test_access.py."""

from __future__ import annotations

import pytest
from flask import url_for

from ems.auth.models import Role
from tests.api.conftest import issue_report, paid_by_others_trip
from tests.test_access import EXPECTED_ACCESS, ROUTES, TOKEN_ONLY

API_ROUTES = [route for route in ROUTES if route[0] in TOKEN_ONLY]
ACTORS = ["no token", *Role]


def test_every_token_only_endpoint_is_in_the_matrix():
    assert {endpoint for endpoint, _method, _rule in API_ROUTES} == TOKEN_ONLY


@pytest.fixture
def world(app, create_user, token_for):
    """A token per role, and a trip and a report the URLs can name."""
    tokens = {role: token_for(create_user(roles=(role,))) for role in Role}
    values = {"trip_id": paid_by_others_trip(), "report_id": issue_report().id, "year": 2024}
    return tokens, values


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("endpoint", "method", "rule"), API_ROUTES)
def test_access_by_token(app, api, world, endpoint, method, rule, actor):
    tokens, values = world
    with app.test_request_context():
        arguments = {
            name: values[name] for name in app.url_map._rules_by_endpoint[endpoint][0].arguments
        }
        url = url_for(endpoint, **arguments).removeprefix("/api/v1")
    token = tokens.get(actor)
    response = api(method, url, token, json={} if method in ("POST", "PUT") else None)
    assert response.status_code < 500
    assert response.mimetype != "text/html"
    if token is None:
        assert response.status_code == 401
    elif actor in EXPECTED_ACCESS[endpoint] or actor == Role.admin:
        assert response.status_code not in (401, 403), response.get_json()
    else:
        assert response.status_code == 403
        assert response.mimetype == "application/problem+json"
