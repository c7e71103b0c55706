"""Helpers shared by the views of every feature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from werkzeug.routing import BaseConverter, ValidationError
from wtforms import Field, FieldList, FormField, SubmitField
from wtforms.fields.choices import SelectFieldBase
from wtforms.form import BaseForm

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
    success: str | Callable[[Any], str],
    next_url: str,
    current: object | None = None,
) -> ResponseReturnValue | None:
    """Validate ``form``, run the service call ``save``, commit once and redirect.

    ``success`` is the message shown after, or a function of what ``save`` returned that gives it.

    Returns None when the form must be shown again: not submitted, invalid, refused by the
    service (its errors are put on the fields), or changed meanwhile by someone else (the form
    keeps the user's values, takes the new version and says which fields differ from ``current``).
    """
    if not form.validate_on_submit():
        return None
    try:
        saved = save()
    except ValidationFailed as exc:
        db.session.rollback()
        form.add_service_errors(exc)
        return None
    except Conflict:
        db.session.rollback()
        _explain_conflict(form, current)
        return None
    # the message is written before the commit: nothing read after it can fail a saved change
    message = success(saved) if callable(success) else success
    db.session.commit()
    flash(message, "success")
    return redirect(next_url)


def form_page(
    form: EmsForm,
    save: Callable[[], Any],
    *,
    success: str | Callable[[Any], str],
    next_url: str,
    title: str | Callable[[], str],
    cancel_url: str,
    current: object | None = None,
    **page: Any,
) -> ResponseReturnValue:
    """The create and edit views' glue: ``submit_form``, else the form page again
    (``form_page.html``) with ``title``, ``cancel_url`` and ``page``'s values (``remove_url``,
    ``delete_url``, ``intro``…).

    A ``title`` that names the record by a field it may change (a site's name) is given as a
    function: it is read after the attempt, so that after a conflict it names the record as it
    now is, as the page's fields do.
    """
    done = submit_form(form, save, success=success, next_url=next_url, current=current)
    if done is not None:
        return done
    return render_template(
        "form_page.html",
        form=form,
        title=title() if callable(title) else title,
        cancel_url=cancel_url,
        **page,
    )


def remove_url(endpoint: str, **values: Any) -> str:
    """The URL of an edit page's Remove link: ``endpoint``'s, passing on the ``next`` the edit
    page was opened with, so that the removal returns to the list as it was filtered."""
    return url_for(endpoint, **values, next=safe_next(request.args.get(NEXT)))


def remove_or_explain(
    remove: Callable[[], object], *, success: str, done_url: str, back_url: str
) -> ResponseReturnValue:
    """Run a removal the service may refuse (records still refer to the object): commit and go
    to ``done_url``, or show the service's reasons and go back to ``back_url``."""
    try:
        remove()
    except ValidationFailed as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(back_url)
    db.session.commit()
    flash(success, "success")
    return redirect(done_url)


#: what an empty field holds: a form's "none" choice (0, "") stands for a stored None
_EMPTY = (None, 0, "")
#: fields no conflict message names
_NOT_COMPARED = ("version_id", "csrf_token")


def _same(stored: object, entered: object) -> bool:
    return stored == entered or (stored in _EMPTY and entered in _EMPTY)


def _shown(field: Field, value: object) -> str:
    """A field's value as the form shows it: a choice by its label, a date as a date, a number
    without trailing zeros, an empty value as "—"."""
    if value in _EMPTY and not isinstance(value, bool):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(field, SelectFieldBase):
        wanted = str(getattr(value, "value", value))
        for choice in field.iter_choices():
            if str(choice[0]) == wanted:
                return str(choice[1])
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(getattr(value, "value", value))


def _field_changes(form: BaseForm, current: object, item: str = "") -> list[str]:
    """ "Label: yours → now" for each of ``form``'s fields whose value ``current`` holds
    differently; ``item`` ("leg 2") names the item the fields belong to."""
    changes = []
    for name, field in form._fields.items():
        if name in _NOT_COMPARED or isinstance(field, SubmitField | FieldList | FormField):
            continue
        if not hasattr(current, name):
            continue
        stored = getattr(current, name)
        if _same(stored, field.data):
            continue
        values = {
            "field": field.label.text,
            "yours": _shown(field, field.data),
            "now": _shown(field, stored),
        }
        changes.append(
            _("%(field)s: %(yours)s → %(now)s on %(item)s", item=item, **values)
            if item
            else _("%(field)s: %(yours)s → %(now)s", **values)
        )
    return changes


def _item_changes(form: EmsForm, current: object) -> list[str]:
    """What differs, item by item, between each list of subforms (a trip's flights, journeys,
    hotel stays) and the items ``current`` holds now: "Class: Economy → Business on leg 2",
    "leg 3: only in your values", "leg 3: added meanwhile"."""
    changes = []
    for name, (attribute, item_name) in getattr(form, "ITEM_LISTS", {}).items():
        field = form._fields.get(name)
        if not isinstance(field, FieldList) or not hasattr(current, attribute):
            continue
        entered = [
            entry.form
            for entry in field.entries
            if not (hasattr(entry.form, "is_empty") and entry.form.is_empty())
        ]
        stored = list(getattr(current, attribute))
        for index in range(max(len(entered), len(stored))):
            item = str(item_name) % {"n": index + 1}
            if index >= len(stored):
                changes.append(_("%(item)s: only in your values", item=item))
            elif index >= len(entered):
                changes.append(_("%(item)s: added meanwhile", item=item))
            else:
                changes += _field_changes(entered[index], stored[index], item)
    return changes


def _explain_conflict(form: EmsForm, current: object | None) -> None:
    """Say that someone else saved first, and what differs from what the user entered, in
    words ("Class: Economy → Business on leg 2"; yours → now)."""
    differing: list[str] = []
    if current is not None:
        db.session.refresh(current)
        differing = _field_changes(form, current) + _item_changes(form, current)
    message = _("Someone else changed this record since you opened it; nothing was saved.")
    if differing:
        message += " " + _(
            "Your values → the record now: %(values)s. Save again to replace it with your values.",
            values="; ".join(differing),
        )
    form.form_errors.append(message)
    if isinstance(form, VersionedForm) and current is not None:
        form.version_id.data = getattr(current, "version_id", None)
