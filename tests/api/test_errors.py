"""Every error of the API is a problem-details document, never an HTML page."""

from __future__ import annotations

from ems.auth.models import Role


def test_unknown_addresses_and_methods(app, api, role_token):
    token = role_token(Role.travel)
    missing = api("GET", "/no-such-thing", token)
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert missing.get_json()["title"]
    wrong_method = api("GET", "/trips/bulk", token)
    assert wrong_method.status_code == 405
    assert wrong_method.mimetype == "application/problem+json"
    assert wrong_method.headers["Allow"]
    assert api("GET", "/trips/99999999999", token).status_code == 404  # out of range: not found


def test_too_large_bodies(app, api, role_token):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = api("POST", "/trips", role_token(Role.travel), json={"notes": "x" * 2000})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_missing_role_is_a_problem(app, api, role_token):
    response = api("POST", "/energy-records", role_token(Role.travel), json={})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
