"""Service errors and how the web layer answers them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus

import sqlalchemy.exc
from flask import Flask, Response, g, has_request_context, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ems.extensions import db, login_manager

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
    401: _l("Not signed in"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflicting change"),
    413: _l("Upload too large"),
    415: _l("Unsupported content type"),
    422: _l("Invalid data"),
    428: _l("Version required"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service busy"),
}

ERROR_MESSAGES = {
    400: _l(
        "The request could not be understood. If you submitted a form, reload it and try again."
    ),
    401: _l("Sign in, or send a valid API token."),
    403: _l("Your account does not have access to this page."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept that kind of request."),
    409: _l("Someone else changed this record at the same time. Reload it and try again."),
    413: _l("The file or form you sent is larger than allowed."),
    415: _l("This address does not accept data of that type."),
    422: _l("Some of the data sent is not acceptable; see the errors listed."),
    428: _l("Send the version of the record you read, so that no other change is overwritten."),
    429: _l("Too many requests. Wait a little and try again."),
    500: _l("An unexpected error occurred. It has been logged; quote the reference below."),
    503: _l("The database is busy. Wait a moment and try again."),
}


#: how long a client told "busy" should wait before trying again
RETRY_AFTER_SECONDS = 5

#: requests under this path are the JSON API's: no session, errors as problem details
API_PATH_PREFIX = "/api/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def is_api_request() -> bool:
    """True while answering a request of the JSON API."""
    return has_request_context() and request.path.startswith(API_PATH_PREFIX)


def problem(
    status: int,
    *,
    detail: object = None,
    title: object = None,
    type_uri: str = "about:blank",
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An RFC 9457 problem-details response; ``errors`` maps field names to messages."""
    body: dict[str, object] = {
        "type": type_uri,
        "title": str(title or ERROR_TITLES.get(status, ERROR_TITLES[500])),
        "status": status,
        "detail": str(detail or ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])),
        "request_id": g.get("request_id", ""),
    }
    if errors is not None:
        body["errors"] = dict(errors)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MEDIA_TYPE
    response.headers.update(headers or {})
    return response


def error_page(status: int, *, headers: Mapping[str, str] | None = None) -> ResponseReturnValue:
    """Render the generic error page for ``status`` (problem details for the JSON API)."""
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS), **(headers or {})}
    if is_api_request():
        return problem(status, headers=headers)
    if status >= 500:
        # the database may be what failed: the page is drawn for an anonymous visitor, so that
        # neither loading the signed-in user nor reading their expired attributes can fail again
        g._login_user = login_manager.anonymous_user()
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=ERROR_TITLES.get(status, ERROR_TITLES[500]),
            message=ERROR_MESSAGES.get(status, ERROR_MESSAGES[500]),
            request_id=g.get("request_id", ""),
        ),
        status,
        dict(headers or {}),
    )


def init_app(app: Flask) -> None:
    """Register error handlers: service errors and HTTP errors become friendly pages."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        if status < 400:  # redirects raised as exceptions keep their own response
            return exc
        allowed = isinstance(exc, MethodNotAllowed) and exc.valid_methods
        return error_page(status, headers={"Allow": ", ".join(allowed)} if allowed else None)

    @app.errorhandler(PermissionDenied)
    def _permission_denied(_exc: PermissionDenied) -> ResponseReturnValue:
        return error_page(403)

    @app.errorhandler(NotFound)
    def _not_found(_exc: NotFound) -> ResponseReturnValue:
        return error_page(404)

    @app.errorhandler(Conflict)
    @app.errorhandler(sqlalchemy.exc.IntegrityError)
    @app.errorhandler(sqlalchemy.orm.exc.StaleDataError)
    def _conflict(exc: Exception) -> ResponseReturnValue:
        db.session.rollback()
        log.warning("conflict on %s %s: %s", request.method, request.path, exc)
        return error_page(409)

    @app.errorhandler(sqlalchemy.exc.OperationalError)
    def _database_unavailable(exc: sqlalchemy.exc.OperationalError) -> ResponseReturnValue:
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
    def _internal_error(exc: InternalServerError) -> ResponseReturnValue:
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
