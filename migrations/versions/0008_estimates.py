"""estimated energy quantities

Revision ID: 0008_estimates
Revises: 0007_restatements
Create Date: 2026-11-24 22:16:26.575411
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_estimates"
down_revision = "0007_restatements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_estimate", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.drop_column("is_estimate")
