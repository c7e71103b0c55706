"""Carbon credits retired: a register of their own, never netted from emissions."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ems.extensions import Base, utcnow
from ems.numbers import WholeKind
from ems.periods import FIRST_YEAR, LAST_YEAR
from ems.removals.models import Removable


class CreditStandard(enum.StrEnum):
    """The standard (and registry) a credit was issued under."""

    cdm_cer = "cdm_cer"
    gold_standard_ver = "gold_standard_ver"
    verra_vcu = "verra_vcu"
    american_carbon_registry = "american_carbon_registry"
    climate_action_reserve = "climate_action_reserve"
    plan_vivo = "plan_vivo"
    other = "other"


#: how many credits (t CO2e) one record may hold
CREDITS_T = WholeKind(1, 100_000_000)


class CarbonCredit(Removable, Base):
    """A block of carbon credits retired, applied to one inventory year.

    One credit is one tonne CO2e; ``co2e_t`` is the number of credits. The serials are kept as
    the registry writes them (``ems.credits.services.serial_range`` reads their numeric block).
    """

    __tablename__ = "carbon_credits"
    __table_args__ = (
        sa.CheckConstraint("co2e_t > 0", name="co2e_positive"),
        sa.CheckConstraint(
            f"vintage_year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="vintage_year_range"
        ),
        sa.CheckConstraint(
            f"applied_year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="applied_year_range"
        ),
    )

    PROJECT_NAME_MAX_LEN = 200
    PROJECT_ID_MAX_LEN = 80
    SERIAL_MAX_LEN = 200
    EVIDENCE_MAX_LEN = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    standard: Mapped[CreditStandard] = mapped_column(
        sa.Enum(
            CreditStandard,
            native_enum=False,
            length=30,
            create_constraint=True,
            name="credit_standard",
        )
    )
    project_name: Mapped[str] = mapped_column(sa.String(PROJECT_NAME_MAX_LEN))
    #: the project's id in its registry (e.g. CDM 2353, VCS 1748), optional
    project_id: Mapped[str] = mapped_column(sa.String(PROJECT_ID_MAX_LEN), default="")
    #: the year the emission reductions took place
    vintage_year: Mapped[int]
    #: the first and last serial of the block retired, as the registry writes them
    serial_first: Mapped[str] = mapped_column(sa.String(SERIAL_MAX_LEN))
    serial_last: Mapped[str] = mapped_column(sa.String(SERIAL_MAX_LEN))
    #: credits retired: one credit is one tonne CO2e
    co2e_t: Mapped[int]
    retired_on: Mapped[dt.date]
    #: the inventory year the credits are applied to (its climate neutrality)
    applied_year: Mapped[int] = mapped_column(index=True)
    #: where the retirement can be checked: a link, or the registry's retirement id
    evidence: Mapped[str] = mapped_column(sa.String(EVIDENCE_MAX_LEN), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<CarbonCredit {self.id} {self.standard} {self.co2e_t} t for {self.applied_year}>"
