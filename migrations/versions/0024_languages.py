"""The six UN languages: each user's preferred language, the organisation's report language
and the language each issued report was written in

Existing users follow their browser (no preference); the organisation's reports stay in
English, and the reports already issued were English.

Revision ID: 0024_languages
Revises: 0023_renewables
Create Date: 2026-12-08 01:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_languages"
down_revision = "0023_renewables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("report_language", sa.String(length=8), server_default="en", nullable=False)
        )
    with op.batch_alter_table("issued_reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("issued_reports", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("report_language")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
