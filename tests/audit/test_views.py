"""The audit log page."""

from __future__ import annotations

from pathlib import Path

from ems.auth.models import Role
from ems.extensions import db
from ems.org import services as org


def test_audit_log_lists_changes_with_before_and_after(client, create_user, login):
    member = create_user("member@example.org", roles=(Role.ems,))
    site = org.create_site(actor=member, name="Geneva", country_code="CH")
    org.update_site(actor=member, site=site, name="Geneva HQ", country_code="CH")
    db.session.commit()
    login(client, member)
    page = client.get("/audit/").get_data(as_text=True)
    assert "org.site.updated" in page
    assert "Geneva HQ" in page
    assert "member@example.org" in page
    assert "auth.login.succeeded" in page


def test_audit_log_filters(client, create_user, login):
    member = create_user("member@example.org", roles=(Role.ems,))
    org.create_site(actor=member, name="Geneva", country_code="CH")
    org.create_department(actor=member, name="Finance")
    db.session.commit()
    login(client, member)
    page = client.get("/audit/?action=org.department").get_data(as_text=True)
    assert "org.department.created" in page
    assert "org.site.created" not in page
    page = client.get("/audit/?object_type=sites").get_data(as_text=True)
    assert "org.site.created" in page
    assert "org.department.created" not in page


def test_audit_log_pages(app, client, create_user, login):
    member = create_user(roles=(Role.ems,))
    for number in range(app.config["PAGE_SIZE"] + 5):
        org.create_department(actor=member, name=f"Unit {number:03d}")
    db.session.commit()
    login(client, member)
    first = client.get("/audit/").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert "Unit 000" in client.get("/audit/?page=2").get_data(as_text=True)


def test_management_reads_the_audit_log_as_the_readme_says(client, create_user, login):
    director = create_user("director@example.org", roles=(Role.management,))
    org.create_site(actor=None, name="Geneva", country_code="CH")
    db.session.commit()
    login(client, director)
    page = client.get("/audit/")
    assert page.status_code == 200
    assert "org.site.created" in page.get_data(as_text=True)
    assert "/audit/" in client.get("/").get_data(as_text=True)  # the menu shows it
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "read everything (the audit log too)" in readme
