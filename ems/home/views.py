"""The start page: what the signed-in user can do, and the organisation at a glance."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from ems.auth.permissions import ANY_ROLE, role_required
from ems.org import services as org

bp = Blueprint("home", __name__)


@bp.get("/")
@role_required(*ANY_ROLE)
def index() -> ResponseReturnValue:
    """The start page."""
    headcounts = org.list_headcounts()
    return render_template(
        "home/index.html",
        organisation=org.get_organisation(),
        site_count=len(org.list_sites()),
        department_count=len(org.list_departments()),
        latest_headcount=headcounts[0] if headcounts else None,
    )
