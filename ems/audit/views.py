"""The audit log page."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from ems.audit import services
from ems.auth.models import Role
from ems.auth.permissions import role_required
from ems.validation import without_control_characters
from ems.web import paginate

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@role_required(Role.ems, Role.management)
def list_entries() -> ResponseReturnValue:
    """Every recorded change and security event, newest first, with filters (the working group
    and management, who read everything, as auditors do)."""
    filters = {
        name: without_control_characters(request.args.get(name) or "").strip()[:80]
        for name in ("action", "object_type", "actor")
    }
    page = paginate(services.audit_query(**filters))
    return render_template(
        "audit/log.html", page=page, filters=filters, object_types=services.object_types()
    )
