"""Emission lines and recalculations."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems.extensions import Base, utcnow
from ems.factors.models import EmissionFactor


class SourceCategory(enum.StrEnum):
    """Where emissions come from, as the inventory groups them."""

    air_travel = "air_travel"
    other_travel = "other_travel"
    hotels = "hotels"
    electricity = "electricity"
    heat_fuels = "heat_fuels"
    refrigerants = "refrigerants"
    fleet = "fleet"
    procurement = "procurement"
    water_waste = "water_waste"


class Basis(enum.StrEnum):
    """Which of two figures a line belongs to, where a source has two; never summed together."""

    with_rf = "with_rf"
    without_rf = "without_rf"
    location = "location"
    market = "market"
    #: air travel by ICAO's calculator, beside DESNZ's figures for the same legs (the UN
    #: inventory's method); never in a total, shown beside it
    icao = "icao"
    #: gases outside the scopes (HCFCs and other Montreal Protocol gases, R-22): reported
    #: separately, in no scope's total, as the GHG Protocol requires
    outside = "outside"


#: the figure of a two-figure source that totals count: air travel without RF (as the UN
#: inventory counts it), Scope 2 market-based (location-based where no instrument exists)
HEADLINE_BASES = frozenset({Basis.without_rf, Basis.market})


class Recalculation(Base):
    """An applied recalculation of a year: the lines it replaced stay, marked as superseded."""

    __tablename__ = "recalculations"

    REASON_MAX_LEN = 1000

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LEN))
    #: set chosen for the recalculation ({family: factor_set_id}); empty: the selection rule
    overrides: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    applied_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    applied_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    applied_by_label: Mapped[str] = mapped_column(sa.String(254))
    #: totals per source and basis before and after, in grams: [{"source", "basis", "before_g",
    #: "after_g", "lines_before", "lines_after"}]
    summary: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)


class EmissionLine(Base):
    """One figure of the ledger: an activity's quantity times the factor it pinned.

    Lines are never updated. When an activity changes, or a recalculation is applied, its lines
    are marked superseded and new lines are written, so earlier figures stay retrievable.
    """

    __tablename__ = "emission_lines"
    __table_args__ = (
        sa.CheckConstraint("co2e_g >= 0", name="co2e_not_negative"),
        sa.CheckConstraint("scope IN (1, 2, 3)", name="scope_valid"),
        # the inventory sums current lines of a year by every dimension it shows: all of them
        # and co2e_g in the index let the database answer from the index alone, in group order
        sa.Index(
            "ix_emission_lines_current",
            "year",
            "source_category",
            "basis",
            "scope",
            "scope3_category",
            "site_id",
            "department_id",
            "co2e_g",
            postgresql_where=sa.text("superseded_at IS NULL"),
            sqlite_where=sa.text("superseded_at IS NULL"),
        ),
        sa.Index("ix_emission_lines_activity", "activity_type", "activity_id"),
        # the change explained sums a year's current lines by source, unit and factor: these
        # columns in its group order answer it from the index alone
        sa.Index(
            "ix_emission_lines_cells",
            "year",
            "scope",
            "scope3_category",
            "source_category",
            "quantity_unit",
            "factor_id",
            "basis",
            "quantity",
            "co2e_g",
            postgresql_where=sa.text("superseded_at IS NULL"),
            sqlite_where=sa.text("superseded_at IS NULL"),
        ),
        # the data-quality figures sum a year's current lines computed with a fallback factor:
        # few lines, found without reading the year's others
        sa.Index(
            "ix_emission_lines_fallback",
            "year",
            "source_category",
            "basis",
            "co2e_g",
            postgresql_where=sa.text("superseded_at IS NULL AND is_fallback IS TRUE"),
            sqlite_where=sa.text("superseded_at IS NULL AND is_fallback IS 1"),
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    #: what produced the line: "flight_leg", "energy_record", … and that record's id
    activity_type: Mapped[str] = mapped_column(sa.String(40))
    activity_id: Mapped[int]
    #: which part of the activity the line is for, e.g. "leg 2", "hotel 1"; empty for the whole
    item: Mapped[str] = mapped_column(sa.String(40), default="")
    year: Mapped[int]
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sites.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    scope: Mapped[int]
    #: GHG Protocol scope 3 category (1–15) for scope 3 lines
    scope3_category: Mapped[int | None]
    source_category: Mapped[SourceCategory] = mapped_column(
        sa.Enum(
            SourceCategory,
            native_enum=False,
            length=20,
            create_constraint=True,
            name="source_category",
        )
    )
    basis: Mapped[Basis | None] = mapped_column(
        sa.Enum(Basis, native_enum=False, length=12, create_constraint=True, name="basis")
    )
    quantity: Mapped[Decimal]
    quantity_unit: Mapped[str] = mapped_column(sa.String(40))
    factor_id: Mapped[int] = mapped_column(sa.ForeignKey("emission_factors.id"), index=True)
    #: the factor's value and unit copied onto the line, kg CO2e per unit
    factor_kgco2e_per_unit: Mapped[Decimal]
    factor_unit: Mapped[str] = mapped_column(sa.String(40))
    co2e_g: Mapped[int] = mapped_column(sa.BigInteger)
    #: how the figure was computed, e.g. "desnz_air_gcd"; and the code version that did it
    method: Mapped[str] = mapped_column(sa.String(60))
    calculation_version: Mapped[str] = mapped_column(sa.String(40))
    #: how the factor was chosen: edition_year, nearest_edition (a fallback) or pinned
    factor_selection: Mapped[str] = mapped_column(sa.String(20))
    is_fallback: Mapped[bool]
    #: fallbacks and other remarks on the calculation (e.g. a cabin class not published)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_recalculation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recalculations.id")
    )
    superseded_at: Mapped[dt.datetime | None]
    superseded_by_recalculation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recalculations.id"), index=True
    )
    #: the removal of the activity that superseded the line (a restoration writes it again)
    superseded_by_removal_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("removals.id"), index=True
    )

    factor: Mapped[EmissionFactor] = relationship()
    recalculation: Mapped[Recalculation | None] = relationship(
        foreign_keys=[created_by_recalculation_id]
    )

    @property
    def is_current(self) -> bool:
        """True until the line is superseded."""
        return self.superseded_at is None


class LedgerVersion(Base):
    """Which committed state of a year's records and lines is current: a transaction that
    changes them gives the year a new version just before it commits, and figures kept for a
    year (see ems.ledger.versions) are valid while its version is the one they were computed
    at."""

    __tablename__ = "ledger_versions"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
