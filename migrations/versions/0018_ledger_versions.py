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
    # a version for every year that has lines already: figures kept by a running process
    # (under the version 0 of "never written") are not taken for this database's
    version = (  # a random number from 1 to 2**62, as ems.ledger.versions gives them
        "1 + CAST(floor(random() * 4611686018427387000) AS BIGINT)"
        if op.get_bind().dialect.name == "postgresql"
        else "1 + abs(random() % 4611686018427387903)"
    )
    op.execute(
        f"INSERT INTO ledger_versions (year, version) SELECT year, {version} "  # noqa: S608
        "FROM (SELECT DISTINCT year FROM emission_lines) AS years"
    )
    # the data-quality figures and how far a year's data reaches read trip items by date
    for table, column in DATED:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, column in DATED:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_table("ledger_versions")
