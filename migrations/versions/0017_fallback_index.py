"""An index of the current ledger lines computed with a fallback factor (data quality)

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


def upgrade() -> None:
    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
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
            "ix_emission_lines_fallback",
            postgresql_where=POSTGRESQL_WHERE,
            sqlite_where=SQLITE_WHERE,
        )
