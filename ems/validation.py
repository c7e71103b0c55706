"""Checks on free text shared by every feature's services."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

#: line breaks and tabs are allowed in multi-line text; other control characters never
_MULTILINE_ALLOWED = {"\n", "\r", "\t"}


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True if ``value`` holds control characters (NUL and the like), which no field accepts."""
    return any(
        unicodedata.category(char) == "Cc" and not (multiline and char in _MULTILINE_ALLOWED)
        for char in value
    )


def without_control_characters(value: str) -> str:
    """``value`` with control characters removed (for search filters and the like)."""
    return "".join(char for char in value if unicodedata.category(char) != "Cc")


def check_text(
    errors: dict[str, str],
    field: str,
    value: str | None,
    max_len: int,
    *,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Strip ``value``; record in ``errors`` why it is unacceptable, if it is."""
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > max_len:
        errors[field] = _("Use at most %(n)d characters.", n=max_len)
    elif has_control_characters(value, multiline=multiline):
        errors[field] = _("Remove the control characters from this text.")
    return value
