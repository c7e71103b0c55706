"""Nonconformities (ISO 14001 §10.2), their corrective actions and effectiveness verdicts."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ems.auth.models import User
from ems.extensions import Base, utcnow


def _enum(kind: type[enum.Enum], name: str, length: int = 24) -> sa.Enum:
    return sa.Enum(kind, native_enum=False, length=length, create_constraint=True, name=name)


class Origin(enum.StrEnum):
    """How a nonconformity was found."""

    off_track_year = "off_track_year"
    threshold_breach = "threshold_breach"
    audit_finding = "audit_finding"
    management_review = "management_review"
    data_quality = "data_quality"
    other = "other"


class Severity(enum.StrEnum):
    """How serious a nonconformity is."""

    minor = "minor"
    major = "major"


class NonconformityStatus(enum.StrEnum):
    """Where a nonconformity stands, in the order it moves."""

    open = "open"
    analysed = "analysed"
    actions_planned = "actions_planned"
    verifying = "verifying"
    closed_effective = "closed_effective"
    closed_not_effective = "closed_not_effective"


class Nonconformity(Base):
    """Something that does not conform (an off-track year, an audit finding…), why it happened
    and what the organisation does about it."""

    __tablename__ = "nonconformities"

    TITLE_MAX_LEN = 200
    TEXT_MAX_LEN = 5000

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX_LEN))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    origin: Mapped[Origin] = mapped_column(_enum(Origin, "nonconformity_origin"))
    detected_on: Mapped[dt.date]
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "nonconformity_severity", 10))
    #: what it concerns: years, sources (SourceCategory values), sites, departments, and any
    #: records as "activity_type:id" (e.g. "trip:12")
    years: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    source_categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    site_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    department_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    record_links: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    immediate_correction: Mapped[str] = mapped_column(sa.Text, default="")
    root_cause: Mapped[str] = mapped_column(sa.Text, default="")
    #: whether similar nonconformities exist or could occur elsewhere, and where
    similar_elsewhere: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[NonconformityStatus] = mapped_column(
        _enum(NonconformityStatus, "nonconformity_status"), default=NonconformityStatus.open
    )
    #: the automatic proposal it was accepted from, if any (see services.proposals)
    proposal_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    #: the figures the proposal (or the person) recorded when it was found
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    actions: Mapped[list[CorrectiveAction]] = relationship(
        back_populates="nonconformity", order_by="CorrectiveAction.id"
    )


class ActionStatus(enum.StrEnum):
    """Where a corrective action stands."""

    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class CorrectiveAction(Base):
    """What the organisation does to remove a nonconformity's cause, and what it expects."""

    __tablename__ = "corrective_actions"

    TEXT_MAX_LEN = 5000

    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(sa.ForeignKey("nonconformities.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    due_on: Mapped[dt.date] = mapped_column(index=True)
    status: Mapped[ActionStatus] = mapped_column(
        _enum(ActionStatus, "action_status", 12), default=ActionStatus.planned
    )
    #: the source (SourceCategory value) and scope it should reduce; None: every source
    source_category: Mapped[str | None] = mapped_column(sa.String(20))
    scope: Mapped[int | None]
    #: the expected cut of annual emissions, in tonnes CO2e, from ``expected_from_year`` on
    expected_reduction_t: Mapped[Decimal | None]
    expected_from_year: Mapped[int | None]
    cost_estimate: Mapped[Decimal | None]
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    done_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012

    nonconformity: Mapped[Nonconformity] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship()
    verdicts: Mapped[list[EffectivenessVerdict]] = relationship(
        back_populates="action", order_by="EffectivenessVerdict.id"
    )


class EffectivenessVerdict(Base):
    """A reviewer's verdict on whether a done action worked, with the figures it was based on."""

    __tablename__ = "effectiveness_verdicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("corrective_actions.id"), index=True)
    is_effective: Mapped[bool]
    #: the before/after figures shown to the reviewer (see services.effectiveness)
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: why the verdict stands although the measured figures point the other way (required then;
    #: printed in the report beside the verdict)
    justification: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_by_label: Mapped[str] = mapped_column(sa.String(254))

    action: Mapped[CorrectiveAction] = relationship(back_populates="verdicts")


class ProposalDismissal(Base):
    """The working group's decision not to open a nonconformity for an automatic proposal."""

    __tablename__ = "proposal_dismissals"

    REASON_MAX_LEN = 1000

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the proposal's key, e.g. "target:main:2023" or "threshold:air_travel:2023"
    proposal_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LEN))
    dismissed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    dismissed_by_label: Mapped[str] = mapped_column(sa.String(254))


class SourceThreshold(Base):
    """A yearly ceiling the working group sets for one source; a year above it is proposed as
    a nonconformity."""

    __tablename__ = "source_thresholds"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_category: Mapped[str] = mapped_column(sa.String(20), unique=True)
    #: tonnes CO2e a year, full boundary, headline basis
    max_t_per_year: Mapped[Decimal]
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


class ReviewMeeting(Base):
    """A meeting of the working group: who came, what was on the agenda, what was decided."""

    __tablename__ = "review_meetings"

    TEXT_MAX_LEN = 20000

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(index=True)
    attendees: Mapped[str] = mapped_column(sa.Text)
    #: the agenda as it was prepared: off-track items, overdue actions, verdicts due
    agenda: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    decisions: Mapped[str] = mapped_column(sa.Text, default="")
    minutes: Mapped[str] = mapped_column(sa.Text, default="")
    #: the nonconformities and actions its decisions concern
    nonconformity_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    action_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012
