"""Audit entries, written by services in the same transaction as the change they describe."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ems.extensions import Base, utcnow


class AuditEntry(Base):
    """One change, or one security event, with who did it and the fields it changed."""

    __tablename__ = "audit_entries"

    ACTION_MAX_LEN = 80
    SUMMARY_MAX_LEN = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    logged_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: the acting user; empty for the command line and the system itself
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: who acted, as shown at the time (email, or "command line"), kept even if the user changes
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    #: dotted name: feature.object.verb, e.g. "org.site.created"
    action: Mapped[str] = mapped_column(sa.String(ACTION_MAX_LEN), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(60), index=True)
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    summary: Mapped[str] = mapped_column(sa.String(SUMMARY_MAX_LEN))
    #: {"field": {"before": …, "after": …}} for the fields that changed
    changes: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    request_id: Mapped[str | None] = mapped_column(sa.String(32))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"
