"""review meetings

Revision ID: 0010_review_meetings
Revises: 0009_actions
Create Date: 2026-11-24 22:51:33.017970
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_review_meetings"
down_revision = "0009_actions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("agenda", sa.JSON(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("nonconformity_ids", sa.JSON(), nullable=False),
        sa.Column("action_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_meetings")),
    )
    with op.batch_alter_table("review_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_meetings_held_on"), ["held_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_meetings_held_on"))

    op.drop_table("review_meetings")
