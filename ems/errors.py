"""Service errors and how the web layer answers them."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import sqlalchemy.exc
from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from ems.extensions import db

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """Base class of the errors services raise."""


class ValidationFailed(ServiceError):
    """Input breaks a rule; ``errors`` maps field names (``""``: the whole form) to messages."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


class PermissionDenied(ServiceError):
    """The acting user may not do this."""


class NotFound(ServiceError):
    """The object does not exist."""


class Conflict(ServiceError):
    """Someone else changed the object since it was read (optimistic locking)."""


def check_version(current: int, expected: int | None) -> None:
    """Raise Conflict if the record changed since the user read it at version ``expected``."""
    if expected is not None and expected != current:
        raise Conflict(f"version {expected} was read, {current} is current")


ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflicting change"),
    413: _l("Upload too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service busy"),
}

ERROR_MESSAGES = {
    400: _l(
        "The request could not be understood. If you submitted a form, reload it and try again."
    ),
    403: _l("Your account does not have access to this page."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept that kind of request."),
    409: _l("Someone else changed this record at the same time. Reload it and try again."),
    413: _l("The file or form you sent is larger than allowed."),
    429: _l("Too many requests. Wait a little and try again."),
    500: _l("An unexpected error occurred. It has been logged; quote the reference below."),
    503: _l("The database is busy. Wait a moment and try again."),
}


def error_page(status: int) -> tuple[str, int]:
    """Render the generic error page for ``status``."""
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=ERROR_TITLES.get(status, ERROR_TITLES[500]),
            message=ERROR_MESSAGES.get(status, ERROR_MESSAGES[500]),
            request_id=g.get("request_id", ""),
        ),
        status,
    )


def init_app(app: Flask) -> None:
    """Register error handlers: service errors and HTTP errors become friendly pages."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int]:
        status = exc.code or 500
        if status < 400:  # redirects raised as exceptions keep their own response
            return exc  # type: ignore[return-value]
        return error_page(status)

    @app.errorhandler(PermissionDenied)
    def _permission_denied(_exc: PermissionDenied) -> tuple[str, int]:
        return error_page(403)

    @app.errorhandler(NotFound)
    def _not_found(_exc: NotFound) -> tuple[str, int]:
        return error_page(404)

    @app.errorhandler(Conflict)
    @app.errorhandler(sqlalchemy.exc.IntegrityError)
    @app.errorhandler(sqlalchemy.orm.exc.StaleDataError)
    def _conflict(exc: Exception) -> tuple[str, int]:
        db.session.rollback()
        log.warning("conflict on %s %s: %s", request.method, request.path, exc)
        return error_page(409)

    @app.errorhandler(sqlalchemy.exc.OperationalError)
    def _database_unavailable(exc: sqlalchemy.exc.OperationalError) -> tuple[str, int]:
        db.session.rollback()
        log.error(
            "database error on %s %s (request %s): %s",
            request.method,
            request.path,
            g.get("request_id"),
            exc,
        )
        return error_page(503)

    @app.errorhandler(InternalServerError)
    def _internal_error(exc: InternalServerError) -> tuple[str, int]:
        original = exc.original_exception
        db.session.rollback()
        log.error(
            "unhandled error on %s %s (request %s)",
            request.method,
            request.path,
            g.get("request_id"),
            exc_info=original,
        )
        return error_page(500)
