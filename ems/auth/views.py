"""Login, logout, own password; account administration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_user, logout_user

from ems import languages
from ems.auth import services
from ems.auth.forms import (
    ChangePasswordForm,
    EditUserForm,
    LanguageForm,
    LoginForm,
    LogOutEverywhereForm,
    NewUserForm,
)
from ems.auth.models import Role
from ems.auth.permissions import ANY_ROLE, role_required, signed_in_user
from ems.auth.sessions import ServerSession
from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.validation import has_control_characters

bp = Blueprint("auth", __name__, url_prefix="/auth")
admin_bp = Blueprint("users", __name__, url_prefix="/admin/users")

#: endpoints a user who must change their password may still reach
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "auth.set_language", "static"}
#: how long the header switch's choice is kept for visitors who are not signed in
LANGUAGE_COOKIE_MAX_AGE_S = 365 * 24 * 3600


def _server_session() -> ServerSession:
    assert isinstance(session, ServerSession)  # noqa: S101 (the app's session interface)
    return session


def _safe_next(target: str | None) -> str | None:
    """A same-site path to return to after login, or None."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or has_control_characters(target)
    ):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


@bp.before_app_request
def _require_password_change() -> ResponseReturnValue | None:
    """Send users with a temporary password to the password page until they change it."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in PASSWORD_CHANGE_ALLOWED
    ):
        flash(_("Choose a new password before you continue."), "info")
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data)
        except services.LoginThrottled as exc:
            db.session.commit()  # keep the audit entry
            form.form_errors.append(exc.message())
            status = 429
        except services.LoginFailed:
            db.session.commit()  # keep the failure count and the audit entry
            form.form_errors.append(_("The email or password is not correct."))
        else:
            db.session.commit()
            _server_session().regenerate()  # a new session id at every login
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    elif form.is_submitted():
        status = 400 if "csrf_token" in form.errors else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session on the server and in the browser."""
    if current_user.is_authenticated:
        services.record_logout(user=signed_in_user())
        db.session.commit()
    logout_user()
    server_session = _server_session()
    server_session.clear()
    server_session.regenerate()  # the old session row is deleted
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def change_password() -> ResponseReturnValue:
    """Change one's own password; other sessions of the account end."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(
                user=signed_in_user(),
                current_password=form.current_password.data,
                new_password=form.new_password.data,
            )
        except services.LoginThrottled as exc:
            db.session.commit()  # keep the audit entry
            form.form_errors.append(exc.message())
            status = 429
        except services.WrongPassword as exc:
            db.session.commit()  # keep the failure count and the audit entry
            form.add_service_errors(exc)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            db.session.commit()
            _server_session().regenerate()
            flash(
                _(
                    "Your password has been changed. Your other sessions have been ended and "
                    "your API tokens revoked."
                ),
                "success",
            )
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def account() -> ResponseReturnValue:
    """One's own account: who one is, one's roles and preferred language."""
    user = signed_in_user()
    form = LanguageForm(data={"language": user.language or ""})
    status = 200
    if form.validate_on_submit():
        try:
            services.set_language(user=user, language=form.language.data or None)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        else:
            db.session.commit()
            refresh()  # the message below in the language just chosen
            flash(_("Your preferred language has been saved."), "success")
            response = redirect(url_for("auth.account"))
            # the header switch's earlier choice would outlive the preference once cleared
            response.delete_cookie(languages.COOKIE)
            return response
    elif form.is_submitted():
        status = 400 if "csrf_token" in form.errors else 422
    return render_template("auth/account.html", form=form, user=user), status


@bp.route("/language", methods=["GET", "POST"])
def set_language() -> ResponseReturnValue:
    """The header's language switch: a signed-in user's choice is saved as their preferred
    language (POST); a visitor's is kept in a cookie (a link, so that no session is stored
    for them). A language is taken as people write it ("AR", "ar_EG", "zh-Hans")."""
    code = languages.parse(request.values.get("language"))
    target = _safe_next(request.values.get("next")) or url_for("home.index")
    if code is None or (request.method == "GET" and current_user.is_authenticated):
        return redirect(target)  # a signed-in user's language changes by a form only (CSRF)
    if request.method == "POST" and current_user.is_authenticated:
        services.set_language(user=signed_in_user(), language=code)
        db.session.commit()
    response = make_response(redirect(target))
    response.set_cookie(
        languages.COOKIE,
        code,
        max_age=LANGUAGE_COOKIE_MAX_AGE_S,
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response


@admin_bp.get("/")
@role_required(Role.admin)
def list_users() -> ResponseReturnValue:
    """All accounts with their roles and status."""
    return render_template("auth/users.html", users=services.list_users())


@admin_bp.route("/new", methods=["GET", "POST"])
@role_required(Role.admin)
def new_user() -> ResponseReturnValue:
    """Create an account with a temporary password, shown once."""
    form = NewUserForm()
    if form.validate_on_submit():
        password = services.generate_password()
        try:
            user = services.create_user(
                actor=signed_in_user(), password=password, **form.service_data()
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Account %(email)s created. Temporary password: %(password)s — give it to "
                    "the user through a safe channel; they choose their own at first login.",
                    email=user.email,
                    password=password,
                ),
                "secret",
            )
            return redirect(url_for("users.list_users"))
    return render_template(
        "form_page.html", form=form, title=_("New account"), cancel_url=url_for("users.list_users")
    )


@admin_bp.route("/<id:user_id>", methods=["GET", "POST"])
@role_required(Role.admin)
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change an account's name and roles; deactivate, reactivate or reset its password."""
    user = services.get_user(user_id)
    form = EditUserForm(
        data={
            "name": user.name,
            "roles": [r.value for r in user.roles],
            "version_id": user.version_id,
        }
    )
    if form.validate_on_submit():
        try:
            services.update_user(
                actor=signed_in_user(),
                user=user,
                expected_version=form.expected_version(),
                **form.service_data(),
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except Conflict:
            form.form_errors.append(
                _("Someone else changed this account meanwhile. The form now shows their version.")
            )
            db.session.rollback()
            user = services.get_user(user_id)
            form.version_id.data = user.version_id
        else:
            db.session.commit()
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for("users.list_users"))
    return render_template("auth/user_form.html", form=form, user=user)


@admin_bp.post("/<id:user_id>/deactivate")
@role_required(Role.admin)
def deactivate_user(user_id: int) -> ResponseReturnValue:
    """Deactivate an account; its sessions end at once."""
    return _set_active(user_id, is_active=False)


@admin_bp.post("/<id:user_id>/activate")
@role_required(Role.admin)
def activate_user(user_id: int) -> ResponseReturnValue:
    """Reactivate an account."""
    return _set_active(user_id, is_active=True)


def _flash_errors(exc: ValidationFailed) -> None:
    for message in exc.errors.values():
        flash(message, "error")


def _set_active(user_id: int, *, is_active: bool) -> ResponseReturnValue:
    user = services.get_user(user_id)
    try:
        services.set_user_active(actor=signed_in_user(), user=user, is_active=is_active)
    except ValidationFailed as exc:
        _flash_errors(exc)
    else:
        db.session.commit()
        flash(
            _("Account %(email)s reactivated.", email=user.email)
            if is_active
            else _(
                "Account %(email)s deactivated: its sessions have been ended and its API "
                "tokens revoked.",
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for("users.edit_user", user_id=user_id))


@admin_bp.route("/<id:user_id>/log-out-everywhere", methods=["GET", "POST"])
@role_required(Role.admin)
def log_out_everywhere(user_id: int) -> ResponseReturnValue:
    """Confirm, then end all of an account's sessions and revoke all of its API tokens."""
    user = services.get_user(user_id)
    form = LogOutEverywhereForm()
    if form.validate_on_submit():
        try:
            sessions, tokens = services.log_out_everywhere(actor=signed_in_user(), user=user)
        except ValidationFailed as exc:
            _flash_errors(exc)
        else:
            db.session.commit()
            counts = (
                ngettext("%(num)d session ended", "%(num)d sessions ended", sessions),
                ngettext("%(num)d API token revoked", "%(num)d API tokens revoked", tokens),
            )
            flash(
                _(
                    "%(email)s is logged out everywhere: %(sessions)s, %(tokens)s.",
                    email=user.email,
                    sessions=counts[0],
                    tokens=counts[1],
                ),
                "success",
            )
        return redirect(url_for("users.edit_user", user_id=user_id))
    sessions, tokens = services.count_access(user)
    return render_template(
        "auth/log_out_everywhere.html", form=form, user=user, sessions=sessions, tokens=tokens
    )


@admin_bp.post("/<id:user_id>/reset-password")
@role_required(Role.admin)
def reset_password(user_id: int) -> ResponseReturnValue:
    """Set a new temporary password, shown once; the account's sessions end."""
    user = services.get_user(user_id)
    try:
        password = services.reset_password(actor=signed_in_user(), user=user)
    except ValidationFailed as exc:
        _flash_errors(exc)
        return redirect(url_for("users.edit_user", user_id=user_id))
    db.session.commit()
    flash(
        _(
            "New temporary password for %(email)s: %(password)s — they choose their own at "
            "next login. Their sessions have been ended and their API tokens revoked.",
            email=user.email,
            password=password,
        ),
        "secret",
    )
    return redirect(url_for("users.edit_user", user_id=user_id))
