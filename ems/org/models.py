"""Organisation settings, sites, departments, headcount and environmental management."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems.extensions import Base, utcnow
from ems.numbers import FLOOR_AREA_M2, HEADCOUNT, WholeKind
from ems.periods import FIRST_YEAR, LAST_YEAR


class Organisation(Base):
    """The organisation's settings: one row."""

    __tablename__ = "organisation"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint(
            "target_reduction_pct > 0 AND target_reduction_pct <= 100",
            name="target_reduction_range",
        ),
        sa.CheckConstraint("baseline_year < target_year", name="baseline_before_target"),
    )

    NAME_MAX_LEN = 200
    DEFAULT_NAME = "My organisation"
    DEFAULT_CURRENCY = "USD"
    DEFAULT_BASELINE_YEAR = 2010
    DEFAULT_TARGET_YEAR = 2030
    DEFAULT_TARGET_REDUCTION_PCT = 45
    #: DESNZ haul definitions (default), or distance bands (UK domestic, others < 3,700 km short)
    HAUL_METHODS = ("desnz", "distance_bands")
    GWP_REPORTS = ("ar5", "ar4", "ar6")
    #: air travel in the Greening the Blue pack: DESNZ without RF, as every total of ems (default),
    #: or ICAO's calculator where a flight has its figure (the UN inventory's method)
    GTB_AIR_METHODS = ("desnz", "icao")
    #: a hotel stay in a country DESNZ has no factor for: the mean of the published countries
    #: of the world (default) or of the country's region, or the factor of a chosen country
    HOTEL_FALLBACKS = ("world", "region", "country")
    DEFAULT_RESTATEMENT_THRESHOLD_PCT = 5

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN))
    #: ISO 4217 code of the currency reports and procurement totals are shown in
    reporting_currency: Mapped[str] = mapped_column(sa.String(3))
    baseline_year: Mapped[int]
    target_year: Mapped[int]
    #: reduction of annual emissions by the target year against the baseline, in whole percent
    target_reduction_pct: Mapped[int]
    #: IPCC report whose GWPs convert refrigerant leaks: "ar5" (default), "ar4" or "ar6"
    gwp_report: Mapped[str] = mapped_column(sa.String(3), default="ar5", server_default="ar5")
    #: how flight hauls are decided: "desnz" (the DESNZ haul definitions) or "distance_bands"
    flight_haul_method: Mapped[str] = mapped_column(
        sa.String(20), default="desnz", server_default="desnz"
    )
    #: hotel stays in countries without a DESNZ factor (see HOTEL_FALLBACKS), and the country
    #: whose factor stands in for them when the choice is "country"
    hotel_fallback: Mapped[str] = mapped_column(
        sa.String(10), default="world", server_default="world"
    )
    hotel_fallback_country: Mapped[str | None] = mapped_column(sa.String(2))
    #: air travel in the Greening the Blue pack: "desnz" or "icao" (see GTB_AIR_METHODS)
    gtb_air_method: Mapped[str] = mapped_column(
        sa.String(10), default="desnz", server_default="desnz"
    )
    #: the language annual reports are written in unless another is chosen (ems.languages)
    report_language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    #: a reported year (or the baseline) moving by more than this share asks for a restatement
    restatement_threshold_pct: Mapped[int] = mapped_column(default=5, server_default="5")
    #: the logo on the annual report's cover, as PNG; None: the default logo in reports/
    logo_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    @classmethod
    def defaults(cls) -> Organisation:
        """Settings as they stand before anyone has saved them (not added to the session)."""
        return cls(
            id=1,
            name=cls.DEFAULT_NAME,
            reporting_currency=cls.DEFAULT_CURRENCY,
            baseline_year=cls.DEFAULT_BASELINE_YEAR,
            target_year=cls.DEFAULT_TARGET_YEAR,
            target_reduction_pct=cls.DEFAULT_TARGET_REDUCTION_PCT,
            flight_haul_method=cls.HAUL_METHODS[0],
            gwp_report=cls.GWP_REPORTS[0],
            gtb_air_method=cls.GTB_AIR_METHODS[0],
            hotel_fallback=cls.HOTEL_FALLBACKS[0],
            restatement_threshold_pct=cls.DEFAULT_RESTATEMENT_THRESHOLD_PCT,
            report_language="en",
        )


class Site(Base):
    """A building or office whose energy and refrigerants are recorded."""

    __tablename__ = "sites"
    __table_args__ = (sa.CheckConstraint("floor_area_m2 > 0", name="floor_area_positive"),)

    NAME_MAX_LEN = 120
    CITY_MAX_LEN = 120
    FLOOR_AREA_MAX_M2 = FLOOR_AREA_M2.maximum

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN), unique=True)
    #: ISO 3166-1 alpha-2 code; selects the grid electricity factor
    country_code: Mapped[str] = mapped_column(sa.String(2))
    city: Mapped[str] = mapped_column(sa.String(CITY_MAX_LEN), default="")
    floor_area_m2: Mapped[int | None]
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name}>"


class Department(Base):
    """A unit of the organisation that travel and purchases are attributed to."""

    __tablename__ = "departments"

    NAME_MAX_LEN = 120
    CODE_MAX_LEN = 20

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LEN), unique=True)
    #: short code as used by the finance system or travel agency, optional
    code: Mapped[str | None] = mapped_column(sa.String(CODE_MAX_LEN), unique=True)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name}>"


class Headcount(Base):
    """Staff headcount of one year, the denominator of per-capita figures."""

    __tablename__ = "headcounts"
    __table_args__ = (
        sa.CheckConstraint("headcount > 0", name="headcount_positive"),
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
    )

    NOTE_MAX_LEN = 500
    HEADCOUNT_MAX = HEADCOUNT.maximum

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    #: persons employed (or full-time equivalents, as the note says)
    headcount: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX_LEN), default="")
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<Headcount {self.year}: {self.headcount}>"


class ReportingYear(Base):
    """A reporting year the working group has closed (its data final), or reopened.

    A year without a row, or whose ``closed_at`` is empty, is open: in progress, never judged
    against a target. A closed year refuses changes to its records until it is reopened.
    """

    __tablename__ = "reporting_years"
    __table_args__ = (
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
    )

    REASON_MAX_LEN = 1000

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    closed_by_label: Mapped[str] = mapped_column(sa.String(254), default="")
    #: why the year was last reopened (empty until it is)
    reopen_reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LEN), default="")
    reopened_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    @property
    def is_closed(self) -> bool:
        """True while the year is closed."""
        return self.closed_at is not None


class EmsStatus(enum.StrEnum):
    """The state of the environmental management system (EMS), as the UN inventory asks it."""

    none = "none"
    in_development = "in_development"
    implemented = "implemented"
    certified_iso14001 = "certified_iso14001"


#: staff trained in a year: none to the largest headcount
STAFF_TRAINED = WholeKind(0, HEADCOUNT.maximum)

#: the sites an EMS covers in a year, where it does not cover all of them
management_scope_sites = sa.Table(
    "management_scope_sites",
    Base.metadata,
    sa.Column(
        "indicators_id",
        sa.ForeignKey("management_indicators.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("site_id", sa.ForeignKey("sites.id"), primary_key=True, index=True),
)


class ManagementIndicators(Base):
    """The environmental management indicators of one year (Greening the Blue): the EMS's
    state and scope, the environmental policy, and the staff trained."""

    __tablename__ = "management_indicators"
    __table_args__ = (
        sa.CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
        sa.CheckConstraint("staff_trained >= 0", name="staff_trained_not_negative"),
    )

    NOTE_MAX_LEN = 1000

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    ems_status: Mapped[EmsStatus] = mapped_column(
        sa.Enum(EmsStatus, native_enum=False, length=20, create_constraint=True, name="ems_status")
    )
    #: when the environmental policy was adopted; None: no policy (or its date unknown)
    policy_adopted_on: Mapped[dt.date | None]
    #: the EMS covers every site; otherwise the sites listed
    all_sites: Mapped[bool] = mapped_column(default=False)
    #: staff trained in environmental matters during the year; None: not counted
    staff_trained: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.String(NOTE_MAX_LEN), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    sites: Mapped[list[Site]] = relationship(secondary=management_scope_sites, order_by=Site.name)

    def __repr__(self) -> str:
        return f"<ManagementIndicators {self.year}: {self.ems_status}>"
