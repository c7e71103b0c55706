"""Every kind of number ems accepts, declared once: its range and how finely it may be written.

The forms (NumberField, WholeNumberField below), the importers and services (through
ems.validation.check_decimal and check_whole), the API schemas and the ledger read these, so a
value accepted anywhere fits its column (decimals are stored as text of at most 48 characters,
whole numbers as 32-bit integers) and never upsets a later sum.

Numbers are read as people write them: ASCII digits, an optional sign, a point as the decimal
separator and, for decimals, an optional exponent (spreadsheets write 1.5E+07). No underscores
(Python's ``int("1_000")`` is 1000; no person means that), no other digits, no NaN or infinity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from wtforms import DecimalField, IntegerField

from ems.periods import FIRST_YEAR, LAST_YEAR

#: a decimal as typed or as a file holds it
DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?")
#: a whole number as typed or as a file holds it
WHOLE_TEXT = re.compile(r"[+-]?[0-9]{1,18}")
#: longer input is not a number anyone typed
MAX_TEXT_LEN = 60
#: the widest text an ExactDecimal column stores
STORED_MAX_LEN = 48


class NumberError(ValueError):
    """A value that is not a number of its kind; the message (translated) says why."""


def _plain(value: Decimal) -> str:
    """``value`` as people read it: 1000000, 0.5 (no exponent)."""
    return f"{value:,f}"


@dataclass(frozen=True)
class DecimalKind:
    """A kind of decimal: from ``minimum`` (excluded if ``above_minimum``) to ``maximum``, with
    at most ``places`` decimal places (extra zeros are dropped, other digits refused)."""

    minimum: Decimal
    maximum: Decimal
    places: int
    above_minimum: bool = False

    def range_message(self) -> str:
        """What this kind accepts, in words."""
        if self.above_minimum:
            return _(
                "Enter a number above %(min)s and at most %(max)s.",
                min=_plain(self.minimum),
                max=_plain(self.maximum),
            )
        return _(
            "Enter a number from %(min)s to %(max)s.",
            min=_plain(self.minimum),
            max=_plain(self.maximum),
        )

    def parse(self, value: Decimal | int | str) -> Decimal:
        """``value`` (a typed text, an int or a Decimal) checked: NumberError if it is not of
        this kind; else the Decimal to store (at most ``places`` places, fits 48 characters)."""
        if isinstance(value, bool):
            raise NumberError(_("Enter a number."))
        if isinstance(value, str):
            text = value.strip()
            if len(text) > MAX_TEXT_LEN or not DECIMAL_TEXT.fullmatch(text):
                if not any("0" <= char <= "9" for char in text):
                    raise NumberError(_("Enter a number."))  # NaN, a word
                raise NumberError(_("Enter a number, with a point as the decimal separator."))
            value = text
        try:
            number = Decimal(value)
        except (InvalidOperation, ValueError, TypeError):
            raise NumberError(_("Enter a number.")) from None
        if not number.is_finite():
            raise NumberError(_("Enter a number."))
        low_ok = number > self.minimum if self.above_minimum else number >= self.minimum
        if not low_ok or number > self.maximum:
            raise NumberError(self.range_message())
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)  # noqa: S101 (finite)
        if exponent < -self.places:
            # exact: the range is checked, so the digits fit the context's precision
            rounded = number.quantize(Decimal(1).scaleb(-self.places))
            if rounded != number:
                raise NumberError(
                    _("Use at most %(n)d decimal places.", n=self.places)
                    if self.places
                    else _("Enter a whole number.")
                )
            number = rounded
        elif exponent > 0:
            number = number.quantize(Decimal(1))  # 1E+3 as 1000
        if number == 0:
            number = abs(number)  # no "-0"
        if len(str(number)) > STORED_MAX_LEN:  # pragma: no cover (the range and places ensure it)
            raise NumberError(self.range_message())
        return number


@dataclass(frozen=True)
class WholeKind:
    """A kind of whole number, from ``minimum`` to ``maximum``."""

    minimum: int
    maximum: int
    #: 1,000 rather than 1000 in messages (not for years)
    grouped: bool = True

    def range_message(self) -> str:
        """What this kind accepts, in words."""
        return _(
            "Enter a whole number from %(min)s to %(max)s.",
            min=f"{self.minimum:,}" if self.grouped else str(self.minimum),
            max=f"{self.maximum:,}" if self.grouped else str(self.maximum),
        )

    def parse(self, value: int | str) -> int:
        """``value`` (a typed text or an int) checked: NumberError if it is not of this kind."""
        if isinstance(value, bool):
            raise NumberError(_("Enter a whole number."))
        if isinstance(value, str):
            text = value.strip()
            if not WHOLE_TEXT.fullmatch(text):
                raise NumberError(_("Enter a whole number."))
            value = int(text)
        if not isinstance(value, int):
            raise NumberError(_("Enter a whole number."))
        if not self.minimum <= value <= self.maximum:
            raise NumberError(self.range_message())
        return value


# --- decimals ----------------------------------------------------------------------------------

#: the largest quantity or amount any record accepts
MAX_NUMBER = Decimal("1e12")
#: a measured quantity: kWh, litres, kg, tonnes, km driven
QUANTITY = DecimalKind(Decimal(0), MAX_NUMBER, 6)
#: a quantity that must be above zero (a purchase's weight)
POSITIVE_QUANTITY = DecimalKind(Decimal(0), MAX_NUMBER, 6, above_minimum=True)
#: an amount of money, in any currency
MONEY = DecimalKind(Decimal(0), MAX_NUMBER, 4)
#: an exchange rate (units per US dollar) or a price index
RATE = DecimalKind(Decimal(0), Decimal("1e9"), 10, above_minimum=True)
#: tonnes CO2e a year (an action's expected cut, a proposal's ceiling)
TONNES = DecimalKind(Decimal(0), Decimal("1e9"), 6)
#: tonnes CO2e that must be above zero
POSITIVE_TONNES = DecimalKind(Decimal(0), Decimal("1e9"), 6, above_minimum=True)
#: kg CO2e (a declared baseline figure): whole grams at most
KG_CO2E = DecimalKind(Decimal(0), MAX_NUMBER, 3)
#: a distance travelled, in km (GroundLeg.MAX_DISTANCE_KM at most)
DISTANCE_KM = DecimalKind(Decimal(0), Decimal(20_000), 3, above_minimum=True)

#: an emission factor, kg CO2e per unit (SF6 is about 25,000 per kg; published factors carry
#: up to 17 significant digits)
FACTOR = DecimalKind(Decimal(0), Decimal("1e9"), 20)

# --- whole numbers -----------------------------------------------------------------------------

#: a year ems handles
YEAR = WholeKind(FIRST_YEAR, LAST_YEAR, grouped=False)
#: a reduction in percent
PERCENT = WholeKind(1, 100)
#: the change that asks for a restatement, in percent
THRESHOLD_PERCENT = WholeKind(1, 50)
#: a GHG Protocol scope
SCOPE = WholeKind(1, 3)
# the travel models' limits (FlightLeg.MAX_PASSENGERS…), written out: the travel models import
# the factor services, which import this module (a test checks that they agree)
PASSENGERS = WholeKind(1, 500)
NIGHTS = WholeKind(1, 366)
ROOMS = WholeKind(1, 200)
HEADCOUNT = WholeKind(1, 10_000_000)
FLOOR_AREA_M2 = WholeKind(1, 10_000_000)

# --- what the ledger writes --------------------------------------------------------------------

#: the most CO2e one ledger line may hold, in grams (a million tonnes): far above any real
#: record, and low enough that sums of lines never leave 64-bit integers
MAX_LINE_G = 10**12
#: a ledger quantity (a record's quantity converted: kWh, passenger-km, US dollars)
MAX_LINE_QUANTITY = Decimal("1e18")


# --- form fields ---------------------------------------------------------------------------------


def _read_kind(field: NumberField | WholeNumberField, valuelist: list[Any]) -> None:
    """Read what was typed as the field's kind; an empty field is None, a bad one a field
    error with the kind's message."""
    if not valuelist:
        return
    text = valuelist[0] if isinstance(valuelist[0], str) else ""
    if not text.strip():
        field.data = None
        return
    try:
        field.data = field.kind.parse(text)
    except NumberError as exc:
        field.data = None
        raise ValueError(str(exc)) from None


class NumberField(DecimalField):
    """A decimal of a declared kind (ems.numbers): read as people type it, its range and
    decimal places checked; shown as stored (WTForms' default of two places would round e.g.
    0.125 kg on an edit form, and saving it unchanged would change the figure)."""

    def __init__(
        self, label: Any = None, validators: Any = None, *, kind: DecimalKind, **kwargs: Any
    ) -> None:
        kwargs.setdefault("places", None)
        super().__init__(label, validators, **kwargs)
        self.kind = kind

    def process_formdata(self, valuelist: list[Any]) -> None:
        _read_kind(self, valuelist)


class WholeNumberField(IntegerField):
    """A whole number of a declared kind (ems.numbers): digits only, its range checked."""

    def __init__(
        self, label: Any = None, validators: Any = None, *, kind: WholeKind, **kwargs: Any
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.kind = kind

    def process_formdata(self, valuelist: list[Any]) -> None:
        _read_kind(self, valuelist)
