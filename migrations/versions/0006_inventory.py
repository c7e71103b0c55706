"""declared baselines and targets; the inventory's covering index

Revision ID: 0006_inventory
Revises: 0005_procurement
Create Date: 2026-11-24 22:05:05.054594
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_inventory"
down_revision = "0005_procurement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "declared_baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("boundary", sa.String(length=10), nullable=False),
        sa.Column(
            "source_category",
            sa.Enum(
                "air_travel",
                "other_travel",
                "hotels",
                "electricity",
                "heat_fuels",
                "refrigerants",
                "fleet",
                "procurement",
                "water_waste",
                name="source_category",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("co2e_kg", sa.String(length=48), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "year BETWEEN 1990 AND 2100", name=op.f("ck_declared_baselines_year_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_baselines")),
        sa.UniqueConstraint(
            "year",
            "boundary",
            "source_category",
            name=op.f("uq_declared_baselines_year_boundary_source_category"),
        ),
    )
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("boundary", sa.String(length=10), nullable=False),
        sa.Column(
            "source_category",
            sa.Enum(
                "air_travel",
                "other_travel",
                "hotels",
                "electricity",
                "heat_fuels",
                "refrigerants",
                "fleet",
                "procurement",
                "water_waste",
                name="source_category",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("per_capita", sa.Boolean(), nullable=False),
        sa.Column("baseline_year", sa.Integer(), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("reduction_pct", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "baseline_year < target_year", name=op.f("ck_targets_baseline_before_target")
        ),
        sa.CheckConstraint(
            "reduction_pct > 0 AND reduction_pct <= 100", name=op.f("ck_targets_reduction_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("name", name=op.f("uq_targets_name")),
    )
    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emission_lines_current"))
        batch_op.create_index(
            "ix_emission_lines_current",
            [
                "year",
                "source_category",
                "basis",
                "scope",
                "scope3_category",
                "site_id",
                "department_id",
                "co2e_g",
            ],
            unique=False,
            postgresql_where=sa.text("superseded_at IS NULL"),
            sqlite_where=sa.text("superseded_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_emission_lines_current",
            postgresql_where=sa.text("superseded_at IS NULL"),
            sqlite_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_emission_lines_current"),
            ["year", "source_category", "basis", "co2e_g"],
            unique=False,
            postgresql_where=sa.text("superseded_at IS NULL"),
            sqlite_where=sa.text("superseded_at IS NULL"),
        )

    op.drop_table("targets")
    op.drop_table("declared_baselines")
