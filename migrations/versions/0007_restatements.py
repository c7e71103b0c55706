"""reported and restated totals; restatement threshold

Revision ID: 0007_restatements
Revises: 0006_inventory
Create Date: 2026-11-24 22:13:13.704612
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_restatements"
down_revision = "0006_inventory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reported_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("boundary", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("co2e_g", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_label", sa.String(length=254), nullable=False),
        sa.CheckConstraint(
            "kind IN ('reported', 'restated')", name=op.f("ck_reported_totals_kind_valid")
        ),
        sa.CheckConstraint("co2e_g >= 0", name=op.f("ck_reported_totals_co2e_not_negative")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_reported_totals_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reported_totals")),
    )
    with op.batch_alter_table("reported_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reported_totals_year"), ["year"], unique=False)

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("restatement_threshold_pct", sa.Integer(), server_default="5", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("restatement_threshold_pct")

    with op.batch_alter_table("reported_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reported_totals_year"))

    op.drop_table("reported_totals")
