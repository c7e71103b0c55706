"""Removals: the confirmation page every removal goes through, the list of removals and their
restoration.

Features route their remove URLs to `confirm_removal` from their own blueprints (GET shows what
will go, POST removes), so each keeps its own URLs and role checks.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from ems.auth.models import Role
from ems.auth.permissions import role_required, signed_in_user
from ems.errors import PermissionDenied, ValidationFailed
from ems.extensions import db
from ems.forms import EmsForm
from ems.org import services as org
from ems.removals import services
from ems.removals.models import Removal
from ems.web import paginate, return_url

bp = Blueprint("removals", __name__, url_prefix="/removals")

#: who may see the removals page: those who may remove something
REMOVERS = (Role.travel, Role.ems)
#: flash category of a removal's message: the page offers to restore it at once
FLASH_CATEGORY = "removed"


class RemoveForm(EmsForm):
    """The confirmation of a removal."""

    submit = SubmitField(_l("Remove"))


class RestoreForm(EmsForm):
    """The restoration of a removal."""

    submit = SubmitField(_l("Restore"))


def confirm_removal(
    *,
    title: str,
    summary: str,
    preview: services.RemovalPreview,
    remove: Callable[[], Removal | None],
    done_message: str,
    done_endpoint: str,
    cancel_url: str,
) -> ResponseReturnValue:
    """GET: what a removal takes away (records, t CO2e, years), and a button to confirm it.
    POST: remove, commit once, and return to the list it came from (its filters kept)."""
    form = RemoveForm()
    closed = sorted(org.closed_years().intersection(preview.years))
    if form.validate_on_submit():
        try:
            removal = remove()
        except ValidationFailed as exc:
            db.session.rollback()
            form.add_service_errors(exc)
        else:
            db.session.commit()
            flash(done_message, f"{FLASH_CATEGORY}:{removal.id}" if removal else "success")
            return redirect(return_url(done_endpoint))
    return render_template(
        "removals/confirm.html",
        title=title,
        summary=summary,
        preview=preview,
        closed=closed,
        form=form,
        cancel_url=cancel_url,
    ), 422 if form.errors else 200


@bp.get("/")
@role_required(*REMOVERS)
def list_removals() -> ResponseReturnValue:
    """What was removed, newest first, with a button to restore it."""
    page = paginate(services.removals_query(kinds=services.kinds_for(signed_in_user())))
    return render_template(
        "removals/list.html",
        page=page,
        removals=page.items,
        kinds=services.KINDS,
        closed=org.closed_years(),
        form=RestoreForm(),
    )


@bp.post("/<id:removal_id>/restore")
@role_required(*REMOVERS)
def restore(removal_id: int) -> ResponseReturnValue:
    """Bring a removal's records back with their figures."""
    removal = services.get_removal(removal_id)
    if not services.may_restore(signed_in_user(), removal):
        raise PermissionDenied
    form = RestoreForm()
    if not form.validate_on_submit():
        return redirect(url_for("removals.list_removals"))
    try:
        services.restore(actor=signed_in_user(), removal=removal)
    except ValidationFailed as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for("removals.list_removals"))
    db.session.commit()
    flash(_("Restored: %(what)s.", what=removal.summary), "success")
    kind = services.KINDS.get(removal.kind)
    return redirect(
        return_url(kind.list_endpoint if kind and kind.list_endpoint else ".list_removals")
    )
