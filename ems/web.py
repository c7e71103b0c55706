"""Helpers shared by the views of every feature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from werkzeug.routing import BaseConverter, ValidationError

from ems.errors import Conflict, ValidationFailed
from ems.extensions import db
from ems.forms import EmsForm, VersionedForm

#: the largest id a URL may carry: PostgreSQL's INTEGER range
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000


class IdConverter(BaseConverter):
    """A positive database id in a URL; anything out of range is simply not found."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def page_number() -> int:
    """The ``page`` query argument, clamped to a sensible range."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def int_arg(name: str, low: int, high: int) -> int | None:
    """A whole-number query argument within [low, high]; None if absent or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and low <= value <= high else None


#: the query argument (or form field) that carries where a page returns to
NEXT = "next"
MAX_NEXT_LEN = 2000


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a relative URL of this site ("/path?query"), else None.

    Refuses what could lead elsewhere (an open redirect): anything not starting with a single
    "/", "//host" and "/\\host" (which browsers read as another host), a scheme or a host,
    control characters, and URLs longer than MAX_NEXT_LEN.
    """
    if not value or len(value) > MAX_NEXT_LEN or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or any(ord(c) < 0x20 or c == "\x7f" for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def current_url() -> str:
    """This request's URL without scheme and host, with its query string: what a list passes
    as ``next`` on its links to new/edit/detail pages, so that they can return to it with the
    filters it had."""
    query = request.query_string.decode("utf-8", "replace")
    return f"{request.path}?{query}" if query else request.path


def return_url(default_endpoint: str, **values: Any) -> str:
    """Where a page returns to: the request's ``next`` (form field first, then query string)
    when it is a safe relative URL (see safe_next), else ``url_for(default_endpoint,
    **values)``.

    How a list remembers its filters across a save (or a removal):

    - the list links to its forms with ``url_for("….edit", id=…, next=current_url())``;
    - a form page posting to its own URL (``action=""``) keeps ``next`` in the query string;
      one posting elsewhere carries it in its action URL or as a hidden field named ``next``;
    - on success the view redirects to ``return_url("….list")`` (``submit_form``'s
      ``next_url``), and its Cancel link uses the same.

    Available in templates as ``return_url`` and ``current_url``.
    """
    return (
        safe_next(request.form.get(NEXT))
        or safe_next(request.args.get(NEXT))
        or url_for(default_endpoint, **values)
    )


def paginate(stmt: sa.Select[Any]) -> Pagination:
    """One page of ``stmt``'s rows, page size from the configuration."""
    return db.paginate(
        stmt, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )


def submit_form(
    form: EmsForm,
    save: Callable[[], Any],
    *,
    success: str,
    next_url: str,
    current: object | None = None,
) -> ResponseReturnValue | None:
    """Validate ``form``, run the service call ``save``, commit once and redirect.

    Returns None when the form must be shown again: not submitted, invalid, refused by the
    service (its errors are put on the fields), or changed meanwhile by someone else (the form
    keeps the user's values, takes the new version and says which fields differ from ``current``).
    """
    if not form.validate_on_submit():
        return None
    try:
        save()
    except ValidationFailed as exc:
        db.session.rollback()
        form.add_service_errors(exc)
        return None
    except Conflict:
        db.session.rollback()
        _explain_conflict(form, current)
        return None
    db.session.commit()
    flash(success, "success")
    return redirect(next_url)


#: what an empty field holds: a form's "none" choice (0, "") stands for a stored None
_EMPTY = (None, 0, "")


def _same(stored: object, entered: object) -> bool:
    return stored == entered or (stored in _EMPTY and entered in _EMPTY)


def _explain_conflict(form: EmsForm, current: object | None) -> None:
    if current is not None:
        db.session.refresh(current)
    differing = [
        f"{field.label.text}: {getattr(current, name)!s}"
        for name, field in form._fields.items()
        if current is not None
        and hasattr(current, name)
        and name not in ("version_id", "csrf_token")
        and not _same(getattr(current, name), field.data)
    ]
    message = _("Someone else changed this record since you opened it; nothing was saved.")
    if differing:
        message += " " + _(
            "It now reads: %(values)s. Save again to replace it with your values.",
            values="; ".join(differing),
        )
    form.form_errors.append(message)
    if isinstance(form, VersionedForm) and current is not None:
        form.version_id.data = getattr(current, "version_id", None)
