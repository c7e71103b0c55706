"""The base form every ems form derives from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    FormField,
    HiddenField,
    SelectChoice,
    StringField,
    SubmitField,
)

from ems.errors import ValidationFailed


def strip_whitespace(value: object) -> object:
    """Strip surrounding whitespace from strings; leave other values alone."""
    return value.strip() if isinstance(value, str) else value


def upper(value: str | None) -> str | None:
    """Upper-case a code (ISO, IATA) typed in any case."""
    return value.upper() if value else value


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Options for a SelectField from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class EmsForm(FlaskForm):
    """Base form: strips whitespace from text fields and exposes service-ready data."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            filters = list(unbound_field.kwargs.get("filters", ()))
            # only text fields: stripping a coerced SelectField value would undo the coercion
            if issubclass(unbound_field.field_class, StringField):
                filters.insert(0, strip_whitespace)
            return unbound_field.bind(form=form, filters=filters, **options)

    def service_data(self, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
        """Field data minus the CSRF token, submit buttons, version fields and ``exclude``."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "version_id", *exclude)
            and not isinstance(field, SubmitField)
        }

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Show a service's validation errors on the fields they name (or on the whole form).

        Names of fields in lists of subforms are given as the form names them: ``legs-0-origin``.
        A message for a whole list or row of subforms (``legs``, ``legs-0``), which no field
        shows, goes to the whole form.
        """
        for name, message in exc.errors.items():
            field = self._find_field(name)
            if field is not None and not isinstance(field, FieldList | FormField):
                field.errors = [*field.errors, message]
            else:
                self.form_errors.append(message)

    def _find_field(self, name: str) -> Field | None:
        if name in self._fields:
            return self._fields[name]
        head, _, rest = name.partition("-")
        index, _, subfield = rest.partition("-")
        field = self._fields.get(head)
        if field is None or not index.isdigit() or int(index) >= len(field.entries):
            return None
        entry = field.entries[int(index)]
        return getattr(entry.form, subfield, None) if subfield else entry


class VersionedForm(EmsForm):
    """A form that edits a versioned record: carries the version it was read at."""

    version_id = HiddenField()

    def expected_version(self) -> int:
        """The version the user saw. A form sent without it (a hand-made request, a page saved
        from an old release) is refused rather than applied over whatever changed meanwhile."""
        # what was sent, not the field's data, which a form built on the record fills in
        sent = self.version_id.raw_data
        text = str(sent[0]) if sent else ""
        if not text.isascii() or not text.isdigit():
            raise ValidationFailed(
                {
                    "": _(
                        "This form was sent without the version of the record it changes. "
                        "Reload the page and enter your change again."
                    )
                }
            )
        return int(text)
