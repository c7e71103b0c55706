"""Exchange rates and price indices, and the conversion of spend to the factors' dollars."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

import sqlalchemy as sa
from babel.numbers import list_currencies
from flask_babel import gettext as _

from ems import numbers
from ems.audit import services as audit
from ems.auth.models import User
from ems.errors import NotFound, ValidationFailed, check_version
from ems.extensions import db
from ems.procurement.models import ExchangeRate, PriceIndex
from ems.procurement.services._shared import require_editor
from ems.validation import check_decimal, check_text, check_year

#: the currency of the spend-based factors
FACTOR_CURRENCY = "USD"


CENT = Decimal("0.01")


class RateMissing(NotFound):
    """A conversion needs a rate or index that is not in the database; ``field`` is the form
    field the user would correct."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _rate(currency: str, year: int) -> Decimal:
    rate = db.session.scalar(
        sa.select(ExchangeRate.units_per_usd).where(
            ExchangeRate.currency == currency, ExchangeRate.year == year
        )
    )
    if rate is None:
        raise RateMissing(
            _(
                "No exchange rate of %(currency)s for %(year)d: add it under Procurement → "
                "Rates and indices.",
                currency=currency,
                year=year,
            ),
            "currency",
        )
    return rate


def _index(year: int) -> Decimal:
    index = db.session.scalar(
        sa.select(PriceIndex.index_value).where(
            PriceIndex.currency == FACTOR_CURRENCY, PriceIndex.year == year
        )
    )
    if index is None:
        raise RateMissing(
            _(
                "No %(currency)s price index for %(year)d: add it under Procurement → Rates and "
                "indices.",
                currency=FACTOR_CURRENCY,
                year=year,
            ),
            "purchased_on",
        )
    return index


@dataclass(frozen=True)
class SpendConversion:
    """Spend in factor dollars of the price year, and how it was obtained."""

    usd: Decimal
    price_year: int
    note: str


def convert_spend(amount: Decimal, currency: str, year: int, price_year: int) -> SpendConversion:
    """``amount`` of ``currency`` spent in ``year`` as US dollars of ``price_year``: divided by
    the year's rate (units per USD), times the US price index of the price year over that of
    the spending year; rounded to the cent once, at the end. RateMissing if a figure is missing."""
    steps = [f"{currency} {amount:,}"]
    usd = amount
    if currency != FACTOR_CURRENCY:
        rate = _rate(currency, year)
        usd = amount / rate
        steps.append(f"÷ {rate} {currency}/USD ({year})")
    if year != price_year:
        index_then, index_price_year = _index(year), _index(price_year)
        usd = usd * index_price_year / index_then
        steps.append(f"× US price index {index_price_year} ({price_year}) / {index_then} ({year})")
    usd = usd.quantize(CENT, rounding=ROUND_HALF_UP)
    steps.append(f"= USD {usd:,} of {price_year}")
    return SpendConversion(usd=usd, price_year=price_year, note=" ".join(steps))


def _check_currency(errors: dict[str, str], field: str, currency: str | None) -> str:
    code = (currency or "").strip().upper()
    if code not in list_currencies():
        errors[field] = _("Enter an ISO 4217 currency code, e.g. CHF.")
    return code


def _set_yearly_figure(
    *,
    actor: User | None,
    model: type[ExchangeRate] | type[PriceIndex],
    value_field: str,
    currency: str | None,
    year: int | None,
    value: Decimal | str | None,
    source: str | None,
    expected_version: int | None,
    action: str,
) -> ExchangeRate | PriceIndex:
    require_editor(actor)
    errors: dict[str, str] = {}
    code = _check_currency(errors, "currency", currency)
    checked_year = check_year(errors, "year", year)
    number = check_decimal(errors, value_field, value, kind=numbers.RATE)
    text = check_text(errors, "source", source, model.SOURCE_MAX_LEN, required=False)
    if value_field == "units_per_usd" and code == FACTOR_CURRENCY:
        errors["currency"] = _("US dollars need no exchange rate.")
    if errors:
        raise ValidationFailed(errors)
    row = cast(
        ExchangeRate | PriceIndex | None,
        db.session.scalar(
            sa.select(model).where(model.currency == code, model.year == checked_year)
        ),
    )
    values = {"currency": code, "year": checked_year, value_field: number, "source": text}
    if row is None:
        row = model(**values)
        db.session.add(row)
        db.session.flush()
        changes = audit.diff({}, audit.snapshot(row, list(values)))
        verb = "set"
    else:
        check_version(row.version_id, expected_version)
        changes = audit.apply_changes(row, values)
        db.session.flush()
        verb = "changed"
    audit.record(
        actor=actor,
        action=action,
        obj=row,
        summary=f"{model.__tablename__} {code} {checked_year} {verb}: {number}",
        changes=changes,
    )
    return row


def set_exchange_rate(
    *,
    actor: User | None,
    currency: str | None,
    year: int | None,
    units_per_usd: Decimal | str | None,
    source: str | None = "",
    expected_version: int | None = None,
) -> ExchangeRate:
    """Set the yearly average rate of a currency (units per US dollar); replaces that year's."""
    row = _set_yearly_figure(
        actor=actor,
        model=ExchangeRate,
        value_field="units_per_usd",
        currency=currency,
        year=year,
        value=units_per_usd,
        source=source,
        expected_version=expected_version,
        action="procurement.exchange_rate.saved",
    )
    assert isinstance(row, ExchangeRate)  # noqa: S101 (the model asked for)
    return row


def set_price_index(
    *,
    actor: User | None,
    year: int | None,
    index_value: Decimal | str | None,
    currency: str | None = FACTOR_CURRENCY,
    source: str | None = "",
    expected_version: int | None = None,
) -> PriceIndex:
    """Set a year's price index (any base year, the same for every year of a currency)."""
    row = _set_yearly_figure(
        actor=actor,
        model=PriceIndex,
        value_field="index_value",
        currency=currency,
        year=year,
        value=index_value,
        source=source,
        expected_version=expected_version,
        action="procurement.price_index.saved",
    )
    assert isinstance(row, PriceIndex)  # noqa: S101 (the model asked for)
    return row


def delete_yearly_figure(*, actor: User | None, row: ExchangeRate | PriceIndex) -> None:
    """Remove an exchange rate or a price index (figures computed with it stay as they are)."""
    require_editor(actor)
    fields = ["currency", "year", "source"]
    fields.append("units_per_usd" if isinstance(row, ExchangeRate) else "index_value")
    before = audit.snapshot(row, fields)
    db.session.delete(row)
    db.session.flush()
    kind = "exchange_rate" if isinstance(row, ExchangeRate) else "price_index"
    audit.record(
        actor=actor,
        action=f"procurement.{kind}.deleted",
        obj=row,
        summary=f"{kind} {row.currency} {row.year} removed",
        changes=audit.diff(before, {}),
    )


def exchange_rates() -> list[ExchangeRate]:
    """Every exchange rate, by currency then year."""
    return list(
        db.session.scalars(
            sa.select(ExchangeRate).order_by(ExchangeRate.currency, ExchangeRate.year)
        )
    )


def price_indices() -> list[PriceIndex]:
    """Every price index, by currency then year."""
    return list(
        db.session.scalars(sa.select(PriceIndex).order_by(PriceIndex.currency, PriceIndex.year))
    )


def get_exchange_rate(rate_id: int) -> ExchangeRate:
    """The exchange rate with ``rate_id``; NotFound if none."""
    row = db.session.get(ExchangeRate, rate_id)
    if row is None:
        raise NotFound(f"exchange rate {rate_id}")
    return row


def get_price_index(index_id: int) -> PriceIndex:
    """The price index with ``index_id``; NotFound if none."""
    row = db.session.get(PriceIndex, index_id)
    if row is None:
        raise NotFound(f"price index {index_id}")
    return row
