"""Factor sets (with provenance), their factors, DESNZ haul definitions and pinned sets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems.extensions import Base, utcnow


class FactorSet(Base):
    """One edition (and version) of a published or user-supplied table of emission factors.

    A set is never edited: a correction is imported as a new version. Sets used by the emission
    ledger, and all shipped sets, are locked and cannot be removed.
    """

    __tablename__ = "factor_sets"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)

    CODE_MAX_LEN = 60
    TEXT_MAX_LEN = 200
    SOURCE_MAX_LEN = 2000

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable slug of the edition, e.g. "desnz-air-2024"; with ``version`` it identifies the set
    code: Mapped[str] = mapped_column(sa.String(CODE_MAX_LEN), index=True)
    #: the series the editions belong to, e.g. "desnz_air"; factor selection works per family
    family: Mapped[str] = mapped_column(sa.String(CODE_MAX_LEN), index=True)
    publisher: Mapped[str] = mapped_column(sa.String(TEXT_MAX_LEN))
    title: Mapped[str] = mapped_column(sa.String(TEXT_MAX_LEN))
    #: the year the edition is for (DESNZ set year, EPA price year, grid data year)
    edition_year: Mapped[int]
    version: Mapped[str] = mapped_column(sa.String(40))
    licence: Mapped[str] = mapped_column(sa.String(TEXT_MAX_LEN))
    #: where the values come from: publication, file, commit; enough for an auditor to find it
    source: Mapped[str] = mapped_column(sa.Text)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    #: SHA-256 of the rows as imported, to recognise the same content imported again
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    is_shipped: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: who imported it; empty for shipped sets and the command line
    imported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    imported_by_label: Mapped[str] = mapped_column(sa.String(254))

    factors: Mapped[list[EmissionFactor]] = relationship(
        back_populates="factor_set", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<FactorSet {self.code} v{self.version}>"


class EmissionFactor(Base):
    """One factor: kg CO2e per unit of activity, selected by a stable key."""

    __tablename__ = "emission_factors"
    __table_args__ = (
        sa.UniqueConstraint("factor_set_id", "key"),
        sa.Index("ix_emission_factors_key_set", "key", "factor_set_id"),
    )

    KEY_MAX_LEN = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("factor_sets.id", ondelete="CASCADE"), index=True
    )
    #: category/activity/attr=value/… (see ems.factors.keys.factor_key); the same across editions
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX_LEN))
    category: Mapped[str] = mapped_column(sa.String(60), index=True)
    activity: Mapped[str] = mapped_column(sa.String(120))
    #: the attributes that select the factor (haul, cabin_class, rf, country, fuel, naics, gas…)
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: unit of activity the value applies to, e.g. "passenger_km", "kwh", "kg", "usd" (of the
    #: set's price year)
    unit: Mapped[str] = mapped_column(sa.String(40))
    #: kg CO2e per unit, exactly as published
    kgco2e_per_unit: Mapped[Decimal]
    #: kg CO2e of each gas per unit, where published
    kgco2_per_unit: Mapped[Decimal | None]
    kgch4_co2e_per_unit: Mapped[Decimal | None]
    kgn2o_co2e_per_unit: Mapped[Decimal | None]
    #: the publisher's own label of the row
    label: Mapped[str] = mapped_column(sa.String(500), default="")

    factor_set: Mapped[FactorSet] = relationship(back_populates="factors")

    def __repr__(self) -> str:
        return f"<EmissionFactor {self.key} = {self.kgco2e_per_unit}>"


class HaulDefinition(Base):
    """DESNZ haul of flights between the UK and a country, per edition of the haul sheet."""

    __tablename__ = "haul_definitions"
    __table_args__ = (sa.UniqueConstraint("factor_set_id", "country_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("factor_sets.id", ondelete="CASCADE"), index=True
    )
    country_name: Mapped[str] = mapped_column(sa.String(120))
    #: ISO 3166-1 alpha-2 code where it could be derived (empty for some 2022 rows)
    country_code: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    #: domestic, short_haul or long_haul
    haul: Mapped[str] = mapped_column(sa.String(20))


class FactorPin(Base):
    """The organisation's choice to use one set of a family for every year."""

    __tablename__ = "factor_pins"

    family: Mapped[str] = mapped_column(sa.String(FactorSet.CODE_MAX_LEN), primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(sa.ForeignKey("factor_sets.id"))
    pinned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    factor_set: Mapped[FactorSet] = relationship()
