"""Indexes for the data-quality figures and the change explained

Revision ID: 0017_fallback_index
Revises: 0016_energy_fuels
Create Date: 2026-12-07 12:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_fallback_index"
down_revision = "0016_energy_fuels"
branch_labels = None
depends_on = None

POSTGRESQL_WHERE = sa.text("superseded_at IS NULL AND is_fallback IS TRUE")
SQLITE_WHERE = sa.text("superseded_at IS NULL AND is_fallback IS 1")


#: the change explained's grouping, in its order, and what it sums
CELLS = [
    "year",
    "scope",
    "scope3_category",
    "source_category",
    "quantity_unit",
    "factor_id",
    "basis",
    "quantity",
    "co2e_g",
]
CURRENT = sa.text("superseded_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_emission_lines_cells",
            CELLS,
            unique=False,
            postgresql_where=CURRENT,
            sqlite_where=CURRENT,
        )
        batch_op.create_index(
            "ix_emission_lines_fallback",
            ["year", "source_category", "basis", "co2e_g"],
            unique=False,
            postgresql_where=POSTGRESQL_WHERE,
            sqlite_where=SQLITE_WHERE,
        )


def downgrade() -> None:
    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_emission_lines_cells", postgresql_where=CURRENT, sqlite_where=CURRENT
        )
        batch_op.drop_index(
            "ix_emission_lines_fallback",
            postgresql_where=POSTGRESQL_WHERE,
            sqlite_where=SQLITE_WHERE,
        )
