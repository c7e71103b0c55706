"""Ledger versions per year (figures kept until a year's lines change); trip items by date

Revision ID: 0018_ledger_versions
Revises: 0017_fallback_index
Create Date: 2026-12-07 13:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_ledger_versions"
down_revision = "0017_fallback_index"
branch_labels = None
depends_on = None

DATED = [
    ("flight_legs", "departure_on"),
    ("ground_legs", "travelled_on"),
    ("hotel_stays", "check_in_on"),
]


def upgrade() -> None:
    op.create_table(
        "ledger_versions",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_ledger_versions")),
    )
    # the data-quality figures and how far a year's data reaches read trip items by date
    for table, column in DATED:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, column in DATED:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_table("ledger_versions")
