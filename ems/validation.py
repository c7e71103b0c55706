"""Checks on free text and numbers shared by every feature's services."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from ems.org.models import FIRST_YEAR, LAST_YEAR

#: Unicode category Cc (C0 and C1 controls, DEL); multi-line text may hold line breaks and tabs
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True if ``value`` holds control characters (NUL and the like), which no field accepts."""
    return (_CONTROL_MULTILINE if multiline else _CONTROL).search(value) is not None


def without_control_characters(value: str) -> str:
    """``value`` with control characters removed (for search filters and the like)."""
    return _CONTROL.sub("", value)


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


#: the largest quantity or amount any record accepts
MAX_NUMBER = Decimal("1e12")


def check_decimal(
    errors: dict[str, str],
    field: str,
    value: Decimal | str | None,
    *,
    required: bool = True,
    above_zero: bool = False,
) -> Decimal | None:
    """``value`` as a Decimal of zero (or, ``above_zero``, more) up to MAX_NUMBER; None if empty.
    Records in ``errors`` why it is unacceptable, if it is."""
    if value is None or value == "":
        if required:
            errors[field] = _("Enter a number.")
        return None
    try:
        text = str(value).strip()
        if "_" in text:  # Decimal() accepts 1_000; a person or a spreadsheet never means it
            raise InvalidOperation
        number = Decimal(text)
    except InvalidOperation:
        errors[field] = _("Enter a number, with a point as the decimal separator.")
        return None
    if not number.is_finite() or not Decimal(0) <= number <= MAX_NUMBER:
        errors[field] = _("Enter a number of zero or more.")
        return None
    if above_zero and number == 0:
        errors[field] = _("Enter a number above zero.")
        return None
    return number


def check_year(errors: dict[str, str], field: str, value: int | None) -> int:
    """``value`` if it is a year ems handles (FIRST_YEAR to LAST_YEAR), else 0 with the reason
    recorded in ``errors``."""
    if value is None or not FIRST_YEAR <= value <= LAST_YEAR:
        errors[field] = _(
            "Enter a year between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
        )
        return 0
    return value
