"""Ticket numbers of imported flights

Revision ID: 0015_ticket_numbers
Revises: 0014_import_profiles
Create Date: 2026-12-07 11:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_ticket_numbers"
down_revision = "0014_import_profiles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flight_legs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_number", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flight_legs", schema=None) as batch_op:
        batch_op.drop_column("ticket_number")
