"""Purchases, the spending categories they are mapped by, and the rates that convert spend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems.extensions import Base, utcnow
from ems.org.models import FIRST_YEAR, LAST_YEAR, Department, Site
from ems.removals.models import Removable


class SpendCategory(Base):
    """A kind of spending as the organisation names it, mapped to the NAICS code whose
    supply-chain factor applies, and optionally to a material for purchases in kg or tonnes."""

    __tablename__ = "spend_categories"

    NAME_MAX_LEN = 80

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN), unique=True)
    #: 2017 NAICS code (six digits) of the EPA supply-chain factor
    naics_code: Mapped[str] = mapped_column(sa.String(6))
    #: DESNZ material-use activity for physical quantities ("" where none)
    material: Mapped[str] = mapped_column(sa.String(120), default="")
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<SpendCategory {self.name} NAICS {self.naics_code}>"


class ExchangeRate(Base):
    """The yearly average exchange rate of a currency: units of it per US dollar."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("currency", "year"),
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
    )

    SOURCE_MAX_LEN = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ISO 4217 code, e.g. CHF
    currency: Mapped[str] = mapped_column(sa.String(3))
    year: Mapped[int]
    units_per_usd: Mapped[Decimal]
    #: where the rate comes from, e.g. "IMF annual average"
    source: Mapped[str] = mapped_column(sa.String(SOURCE_MAX_LEN), default="")
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


class PriceIndex(Base):
    """A price index of a currency for a year (any base), to move spend between price years."""

    __tablename__ = "price_indices"
    __table_args__ = (
        sa.UniqueConstraint("currency", "year"),
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
    )

    SOURCE_MAX_LEN = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ISO 4217 code of the prices indexed (USD for the EPA factors)
    currency: Mapped[str] = mapped_column(sa.String(3))
    year: Mapped[int]
    index_value: Mapped[Decimal]
    #: which index, e.g. "BEA GDP implicit price deflator, 2017 = 100"
    source: Mapped[str] = mapped_column(sa.String(SOURCE_MAX_LEN), default="")
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


class Purchase(Removable, Base):
    """Something the organisation bought: an amount of money, or a quantity of a material."""

    __tablename__ = "purchases"

    SUPPLIER_MAX_LEN = 120
    DESCRIPTION_MAX_LEN = 200
    REFERENCE_MAX_LEN = 80

    id: Mapped[int] = mapped_column(primary_key=True)
    purchased_on: Mapped[dt.date] = mapped_column(index=True)
    supplier: Mapped[str] = mapped_column(sa.String(SUPPLIER_MAX_LEN), default="")
    description: Mapped[str] = mapped_column(sa.String(DESCRIPTION_MAX_LEN), default="")
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("spend_categories.id"), index=True)
    #: what was paid, in ``currency`` (ISO 4217)
    amount: Mapped[Decimal | None]
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    #: a physical quantity, in ``quantity_unit`` (kg or tonne)
    quantity: Mapped[Decimal | None]
    quantity_unit: Mapped[str | None] = mapped_column(sa.String(10))
    #: the finance system's document number (invoice, order); imports skip those already there
    reference: Mapped[str] = mapped_column(sa.String(REFERENCE_MAX_LEN), default="", index=True)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    category: Mapped[SpendCategory] = relationship()
    site: Mapped[Site | None] = relationship()
    department: Mapped[Department | None] = relationship()
