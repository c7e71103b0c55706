"""ems: an Environmental Management System tracker for greenhouse-gas emissions."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import StrictUndefined
from werkzeug.middleware.proxy_fix import ProxyFix

from ems import config, errors, formatting, languages
from ems.extensions import babel, configure_sqlite, csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the ems application; ``test_config`` overrides defaults and the environment."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        instance_path=os.environ.get("EMS_INSTANCE_PATH") or None,
    )
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_prefixed_env("EMS")
    if test_config:
        app.config.from_mapping(test_config)
    config.finalise(app)
    if app.config.get("PROXY_HOPS"):
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from ems.web import IdConverter

    app.url_map.converters["id"] = IdConverter
    app.jinja_env.undefined = StrictUndefined

    _init_extensions(app)
    errors.init_app(app)
    formatting.init_app(app)
    _register_blueprints(app)
    _init_request_hooks(app)

    from ems import cli

    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from ems.auth.models import User
    from ems.auth.sessions import DatabaseSessionInterface

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    app.session_interface = DatabaseSessionInterface()

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # no "please log in" flash: it would store a session for every anonymous visit
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.is_active else None


def _select_locale() -> str | None:
    """The signed-in user's preferred language, else the header switch's choice (a cookie),
    else the browser's best match among the six; the default outside requests."""
    if not has_request_context():  # the command line: the shell's language, as gettext reads it
        return languages.from_environment(os.environ)
    chosen = getattr(current_user, "language", None) or request.cookies.get(languages.COOKIE)
    if languages.known(chosen):
        return chosen
    return languages.best_of(request.accept_languages)


def _register_blueprints(app: Flask) -> None:
    from ems import web
    from ems.actions.views import bp as actions_bp
    from ems.api.pages import bp as tokens_bp
    from ems.api.views import bp as api_bp
    from ems.audit.views import bp as audit_bp
    from ems.auth.permissions import can_access
    from ems.auth.views import admin_bp
    from ems.auth.views import bp as auth_bp
    from ems.credits.views import bp as credits_bp
    from ems.demo.views import bp as demo_bp
    from ems.energy.views import bp as energy_bp
    from ems.factors.views import bp as factors_bp
    from ems.home.views import bp as home_bp
    from ems.inventory.views import bp as inventory_bp
    from ems.jobs.views import bp as jobs_bp
    from ems.ledger.views import bp as ledger_bp
    from ems.org.views import bp as org_bp
    from ems.procurement.views import bp as procurement_bp
    from ems.removals.views import bp as removals_bp
    from ems.reporting.views import bp as reporting_bp
    from ems.targets.views import bp as targets_bp
    from ems.travel.views import bp as travel_bp

    blueprints = (
        home_bp,
        targets_bp,
        inventory_bp,
        actions_bp,
        reporting_bp,
        auth_bp,
        admin_bp,
        travel_bp,
        energy_bp,
        procurement_bp,
        credits_bp,
        org_bp,
        removals_bp,
        factors_bp,
        ledger_bp,
        jobs_bp,
        demo_bp,
        audit_bp,
        tokens_bp,
        api_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # authenticated by a bearer token, never by a cookie: no CSRF to fear
    app.jinja_env.globals.update(
        can_access=can_access,
        get_locale=get_locale,
        page_language=lambda: languages.language(get_locale()),
        languages=languages.LANGUAGES,
        current_url=web.current_url,
        return_url=web.return_url,
    )


def _init_request_hooks(app: Flask) -> None:
    @app.before_request
    def _identify_request() -> None:
        g.request_id = uuid.uuid4().hex[:16]
        g.remote_addr = request.remote_addr
        if getattr(session, "is_unavailable", False):
            abort(503)  # the session store (the database) could not be read

    @app.after_request
    def _end_unit_of_work(response: Response) -> Response:
        # views commit what they mean to keep; anything left is discarded here, before the
        # session is saved on its own connection (an open SQLite write transaction would block it)
        db.session.rollback()
        return response

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
