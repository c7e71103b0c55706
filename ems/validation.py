"""Checks on free text and numbers shared by every feature's services."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _

from ems.numbers import QUANTITY, YEAR, DecimalKind, NumberError, WholeKind
from ems.periods import FIRST_YEAR, LAST_YEAR

#: Unicode category Cc (C0 and C1 controls, DEL); multi-line text may hold line breaks and tabs
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True if ``value`` holds control characters (NUL and the like), which no field accepts."""
    if value.isprintable():  # the usual text, told in C: no control character (nor a space
        return False  # other than " ", which the pattern below then looks at)
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
    """Strip ``value``; record in ``errors`` why it is unacceptable, if it is (then the text
    returned holds no control characters)."""
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > max_len:
        errors[field] = _("Use at most %(n)d characters.", n=max_len)
    elif has_control_characters(value, multiline=multiline):
        errors[field] = _("Remove the control characters from this text.")
        # refused, but callers may still look the value up (a name already taken?): a NUL
        # would make PostgreSQL refuse the query itself
        return without_control_characters(value)
    return value


def check_decimal(
    errors: dict[str, str],
    field: str,
    value: Decimal | int | str | None,
    *,
    kind: DecimalKind = QUANTITY,
    required: bool = True,
    above_zero: bool = False,
) -> Decimal | None:
    """``value`` as a Decimal of its ``kind`` (by default a quantity: zero or more, up to
    MAX_NUMBER; ``above_zero``, more than zero); None if empty. Records in ``errors`` why it is
    unacceptable, if it is."""
    if value is None or value == "":
        if required:
            errors[field] = _("Enter a number.")
        return None
    try:
        number = kind.parse(value)
    except NumberError as exc:
        errors[field] = str(exc)
        return None
    if above_zero and number == 0:
        errors[field] = _("Enter a number above zero.")
        return None
    return number


def check_whole(
    errors: dict[str, str],
    field: str,
    value: int | str | None,
    kind: WholeKind,
    *,
    required: bool = True,
) -> int | None:
    """``value`` as a whole number of its ``kind``; None if empty. Records in ``errors`` why it
    is unacceptable, if it is."""
    if value is None or value == "":
        if required:
            errors[field] = _("Enter a whole number.")
        return None
    try:
        return kind.parse(value)
    except NumberError as exc:
        errors[field] = str(exc)
        return None


def check_year(errors: dict[str, str], field: str, value: int | None) -> int:
    """``value`` if it is a year ems handles (FIRST_YEAR to LAST_YEAR), else 0 with the reason
    recorded in ``errors``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not YEAR.minimum <= value <= YEAR.maximum
    ):
        errors[field] = _(
            "Enter a year between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
        )
        return 0
    return value
