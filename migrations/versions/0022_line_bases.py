"""Ledger lines of a second method (ICAO air travel) and of gases outside the scopes; the
organisation's choice of air travel method for the Greening the Blue pack and of fallback for
hotel stays in countries without a DESNZ factor

Revision ID: 0022_line_bases
Revises: 0021_credits_management
Create Date: 2026-12-07 23:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_line_bases"
down_revision = "0021_credits_management"
branch_labels = None
depends_on = None

BEFORE = ("with_rf", "without_rf", "location", "market")
AFTER = (*BEFORE, "icao", "outside")
NAME = "ck_emission_lines_basis"


def _allow(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table("emission_lines", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(batch_op.f(NAME), type_="check")
        batch_op.create_check_constraint(batch_op.f(NAME), sa.text(f"basis IN ({listed})"))


def upgrade() -> None:
    _allow(AFTER)
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "gtb_air_method", sa.String(length=10), server_default="desnz", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "hotel_fallback", sa.String(length=10), server_default="world", nullable=False
            )
        )
        batch_op.add_column(sa.Column("hotel_fallback_country", sa.String(length=2)))


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("hotel_fallback_country")
        batch_op.drop_column("hotel_fallback")
        batch_op.drop_column("gtb_air_method")
    op.execute(sa.text("DELETE FROM emission_lines WHERE basis IN ('icao', 'outside')"))
    _allow(BEFORE)
