"""The base form every ems form derives from."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, StringField, SubmitField

from ems.errors import ValidationFailed


def strip_whitespace(value: object) -> object:
    """Strip surrounding whitespace from strings; leave other values alone."""
    return value.strip() if isinstance(value, str) else value


def upper(value: str | None) -> str | None:
    """Upper-case a code (ISO, IATA) typed in any case."""
    return value.upper() if value else value


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
        """Show a service's validation errors on the fields they name (or on the whole form)."""
        for name, message in exc.errors.items():
            if name in self._fields:
                self._fields[name].errors = [*self._fields[name].errors, message]
            else:
                self.form_errors.append(message)


class VersionedForm(EmsForm):
    """A form that edits a versioned record: carries the version it was read at."""

    version_id = HiddenField()

    def expected_version(self) -> int | None:
        """The version the user saw, or None when the form did not carry one."""
        try:
            return int(self.version_id.data)
        except (TypeError, ValueError):
            return None
