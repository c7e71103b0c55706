"""Web pages for API tokens: a user's own, and every account's for administrators."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ems.api import services
from ems.api.forms import AccountTokenForm, TokenForm
from ems.api.openapi import API_PREFIX
from ems.auth import services as auth
from ems.auth.models import ApiToken, Role
from ems.auth.permissions import ANY_ROLE, role_required, signed_in_user
from ems.errors import NotFound, ValidationFailed
from ems.extensions import db, utcnow
from ems.forms import choices

bp = Blueprint("tokens", __name__)


def _page(
    form: TokenForm | AccountTokenForm,
    *,
    admin: bool,
    secret: str | None = None,
    created: ApiToken | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = signed_in_user()
    return render_template(
        "api/tokens.html",
        form=form,
        admin=admin,
        tokens=services.list_tokens(None if admin else user),
        secret=secret,
        created=created,
        now=utcnow(),
        api_url=API_PREFIX,
    ), status


def _account_form() -> AccountTokenForm:
    form = AccountTokenForm()
    form.user_id.choices = choices(
        (user.id, f"{user.name} <{user.email}>") for user in auth.list_users() if user.is_active
    )
    return form


def _create(
    form: TokenForm | AccountTokenForm, *, admin: bool, user_id: int | None
) -> ResponseReturnValue:
    """Create the token the form asks for and show its secret, once; it is never stored."""
    if not form.validate_on_submit():
        return _page(form, admin=admin, status=422 if form.is_submitted() else 200)
    try:
        auth.confirm_password(user=signed_in_user(), password=form.password.data)
    except auth.LoginThrottled as exc:
        db.session.commit()  # keep the audit entry
        form.form_errors.append(exc.message())
        return _page(form, admin=admin, status=429)
    except auth.WrongPassword as exc:
        db.session.commit()  # keep the failure count and the audit entry
        form.add_service_errors(exc)
        return _page(form, admin=admin, status=422)
    try:
        token, secret = services.create_token(
            actor=signed_in_user(),
            user=auth.get_user(user_id) if user_id else signed_in_user(),
            name=form.name.data,
            expires_in_days=form.expires_in_days.data or None,
        )
    except ValidationFailed as exc:
        db.session.rollback()
        form.add_service_errors(exc)
        return _page(form, admin=admin, status=422)
    db.session.commit()
    # shown in this response only (not flashed: flashes are kept in the session store)
    return _page(
        AccountTokenForm(formdata=None) if admin else TokenForm(formdata=None),
        admin=admin,
        secret=secret,
        created=token,
    )


@bp.get("/account/tokens")
@role_required(*ANY_ROLE)
def list_tokens() -> ResponseReturnValue:
    """The user's API tokens, with when each was last used."""
    return _page(TokenForm(), admin=False)


@bp.post("/account/tokens")
@role_required(*ANY_ROLE)
def create_token() -> ResponseReturnValue:
    """Create a token acting as oneself."""
    return _create(TokenForm(), admin=False, user_id=None)


@bp.post("/account/tokens/<id:token_id>/revoke")
@role_required(*ANY_ROLE)
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of one's own tokens."""
    token = services.get_token(token_id)
    if token.user_id != signed_in_user().id:
        raise NotFound(f"API token {token_id}")  # another's token: as if it did not exist
    services.revoke_token(actor=signed_in_user(), token=token)
    db.session.commit()
    flash(_("Token %(name)s revoked.", name=token.name), "success")
    return redirect(url_for("tokens.list_tokens"))


@bp.get("/admin/tokens")
@role_required(Role.admin)
def admin_tokens() -> ResponseReturnValue:
    """Every account's tokens; create one for a service account."""
    return _page(_account_form(), admin=True)


@bp.post("/admin/tokens")
@role_required(Role.admin)
def admin_create_token() -> ResponseReturnValue:
    """Create a token for an account."""
    form = _account_form()
    return _create(form, admin=True, user_id=form.user_id.data)


@bp.post("/admin/tokens/<id:token_id>/revoke")
@role_required(Role.admin)
def admin_revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke any account's token."""
    token = services.get_token(token_id)
    services.revoke_token(actor=signed_in_user(), token=token)
    db.session.commit()
    flash(_("Token %(name)s revoked.", name=token.name), "success")
    return redirect(url_for("tokens.admin_tokens"))
