"""CSRF, security headers, error pages and hostile input."""

from __future__ import annotations

import re

import pytest

from ems import CONTENT_SECURITY_POLICY, PROJECT_ROOT
from ems.auth.models import Role
from tests.conftest import TEST_PASSWORD


def test_post_without_csrf_token_is_rejected(client, create_user):
    user = create_user()
    response = client.post(
        "/auth/login", data={"email": user.email, "password": TEST_PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def test_post_with_a_foreign_csrf_token_is_rejected(app, client, create_user, login):
    login(client, create_user(roles=(Role.ems,)))
    other = app.test_client()
    response = client.post(
        "/org/sites/new", data={"name": "X", "country_code": "CH", "csrf_token": other.csrf_token()}
    )
    assert response.status_code == 400


def test_logout_is_a_post_only(client, create_user, login):
    login(client, create_user())
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/auth/login", "/", "/does-not-exist", "/static/css/ems.css"])
def test_security_headers_on_every_response(client, path):
    with client.get(path) as response:
        csp = response.headers["Content-Security-Policy"]
        assert csp == CONTENT_SECURITY_POLICY
        for directive in (
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ):
            assert directive in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_pages_are_not_cached(client, create_user, login):
    login(client, create_user())
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_templates_have_no_inline_script_or_style():
    """The CSP allows scripts and styles from our own files only: nothing inline."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\bstyle=|<style|javascript:|\son[a-z]+=")
    templates = list((PROJECT_ROOT / "templates").rglob("*.html"))
    assert len(templates) > 10
    for template in templates:
        assert not inline.search(template.read_text()), template


@pytest.mark.parametrize(
    "path",
    [
        "/org/sites/99999999999999999999/edit",  # beyond any database integer
        "/org/sites/2147483648/edit",
        "/org/sites/0/edit",
        "/org/sites/-1/edit",
        "/org/sites/abc/edit",
        "/org/headcount/2024/edit",  # no such record
        "/audit/?page=999999999999999999999",
        "/audit/?page=-5&action=%00%27%22",
        "/ledger/stale?year=99999999999999999999",
        "/factors/history?factor=99999999999999999999",
        "/travel/?year=99999999999999999999&department_id=99999999999999999999",
    ],
)
def test_hostile_urls_are_not_server_errors(client, create_user, login, path):
    login(client, create_user(roles=(Role.admin,)))
    response = client.get(path)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "X" * 10_000, "country_code": "CH"},
        {"name": "Site", "country_code": "QQ"},
        {"name": "Site", "country_code": "CH", "floor_area_m2": "9" * 40},
        {"name": "Site", "country_code": "CH", "floor_area_m2": "-3"},
        {"name": "\x00", "country_code": "CH"},
        {"name": "", "country_code": ""},
    ],
)
def test_bad_form_input_is_explained_not_a_server_error(client, create_user, login, data):
    login(client, create_user(roles=(Role.ems,)))
    response = client.post("/org/sites/new", data=data)
    assert response.status_code == 200
    assert "field-errors" in response.get_data(as_text=True) or "form-errors" in response.get_data(
        as_text=True
    )


def test_error_pages_carry_a_reference_and_no_details(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "There is nothing at this address." in text
    assert "Reference:" in text
    assert "Traceback" not in text


def test_upload_size_is_limited(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
