"""nonconformities, corrective actions, effectiveness verdicts, proposal dismissals, source ceilings

Revision ID: 0009_actions
Revises: 0008_estimates
Create Date: 2026-11-24 22:46:15.971689
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_actions"
down_revision = "0008_estimates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nonconformities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "off_track_year",
                "threshold_breach",
                "audit_finding",
                "management_review",
                "data_quality",
                "other",
                name="nonconformity_origin",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("detected_on", sa.Date(), nullable=False),
        sa.Column(
            "severity",
            sa.Enum(
                "minor",
                "major",
                name="nonconformity_severity",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("years", sa.JSON(), nullable=False),
        sa.Column("source_categories", sa.JSON(), nullable=False),
        sa.Column("site_ids", sa.JSON(), nullable=False),
        sa.Column("department_ids", sa.JSON(), nullable=False),
        sa.Column("record_links", sa.JSON(), nullable=False),
        sa.Column("immediate_correction", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("similar_elsewhere", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "analysed",
                "actions_planned",
                "verifying",
                "closed_effective",
                "closed_not_effective",
                name="nonconformity_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("proposal_key", sa.String(length=80), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformities")),
        sa.UniqueConstraint("proposal_key", name=op.f("uq_nonconformities_proposal_key")),
    )
    op.create_table(
        "proposal_dismissals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_key", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dismissed_by_label", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_dismissals")),
        sa.UniqueConstraint("proposal_key", name=op.f("uq_proposal_dismissals_proposal_key")),
    )
    op.create_table(
        "source_thresholds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_category", sa.String(length=20), nullable=False),
        sa.Column("max_t_per_year", sa.String(length=48), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_thresholds")),
        sa.UniqueConstraint("source_category", name=op.f("uq_source_thresholds_source_category")),
    )
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonconformity_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "cancelled",
                name="action_status",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("source_category", sa.String(length=20), nullable=True),
        sa.Column("scope", sa.Integer(), nullable=True),
        sa.Column("expected_reduction_t", sa.String(length=48), nullable=True),
        sa.Column("expected_from_year", sa.Integer(), nullable=True),
        sa.Column("cost_estimate", sa.String(length=48), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformities.id"],
            name=op.f("fk_corrective_actions_nonconformity_id_nonconformities"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_corrective_actions_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
    )
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrective_actions_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_corrective_actions_nonconformity_id"), ["nonconformity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_corrective_actions_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "effectiveness_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("is_effective", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_label", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_effectiveness_verdicts_action_id_corrective_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_effectiveness_verdicts_reviewed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effectiveness_verdicts")),
    )
    with op.batch_alter_table("effectiveness_verdicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_effectiveness_verdicts_action_id"), ["action_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("effectiveness_verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_effectiveness_verdicts_action_id"))

    op.drop_table("effectiveness_verdicts")
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_actions_owner_id"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_nonconformity_id"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_due_on"))

    op.drop_table("corrective_actions")
    op.drop_table("source_thresholds")
    op.drop_table("proposal_dismissals")
    op.drop_table("nonconformities")
