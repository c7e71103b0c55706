"""Carbon credits retired (climate neutrality) and the environmental management indicators of
each year

Revision ID: 0021_credits_management
Revises: 0020_waste_water
Create Date: 2026-12-07 22:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_credits_management"
down_revision = "0020_waste_water"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carbon_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "standard",
            sa.Enum(
                "cdm_cer",
                "gold_standard_ver",
                "verra_vcu",
                "american_carbon_registry",
                "climate_action_reserve",
                "plan_vivo",
                "other",
                name="credit_standard",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("project_name", sa.String(length=200), nullable=False),
        sa.Column("project_id", sa.String(length=80), nullable=False),
        sa.Column("vintage_year", sa.Integer(), nullable=False),
        sa.Column("serial_first", sa.String(length=200), nullable=False),
        sa.Column("serial_last", sa.String(length=200), nullable=False),
        sa.Column("co2e_t", sa.Integer(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=False),
        sa.Column("applied_year", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("removal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "applied_year BETWEEN 1990 AND 2100",
            name=op.f("ck_carbon_credits_applied_year_range"),
        ),
        sa.CheckConstraint("co2e_t > 0", name=op.f("ck_carbon_credits_co2e_positive")),
        sa.CheckConstraint(
            "vintage_year BETWEEN 1990 AND 2100",
            name=op.f("ck_carbon_credits_vintage_year_range"),
        ),
        sa.ForeignKeyConstraint(
            ["removal_id"], ["removals.id"], name=op.f("fk_carbon_credits_removal_id_removals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carbon_credits")),
    )
    with op.batch_alter_table("carbon_credits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_carbon_credits_applied_year"), ["applied_year"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_carbon_credits_removal_id"), ["removal_id"], unique=False
        )

    op.create_table(
        "management_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "ems_status",
            sa.Enum(
                "none",
                "in_development",
                "implemented",
                "certified_iso14001",
                name="ems_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("policy_adopted_on", sa.Date(), nullable=True),
        sa.Column("all_sites", sa.Boolean(), nullable=False),
        sa.Column("staff_trained", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "staff_trained >= 0", name=op.f("ck_management_indicators_staff_trained_not_negative")
        ),
        sa.CheckConstraint(
            "year BETWEEN 1990 AND 2100", name=op.f("ck_management_indicators_year_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_management_indicators")),
        sa.UniqueConstraint("year", name=op.f("uq_management_indicators_year")),
    )
    op.create_table(
        "management_scope_sites",
        sa.Column("indicators_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicators_id"],
            ["management_indicators.id"],
            name=op.f("fk_management_scope_sites_indicators_id_management_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_management_scope_sites_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("indicators_id", "site_id", name=op.f("pk_management_scope_sites")),
    )
    with op.batch_alter_table("management_scope_sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_management_scope_sites_site_id"), ["site_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("management_scope_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_management_scope_sites_site_id"))
    op.drop_table("management_scope_sites")
    op.drop_table("management_indicators")
    with op.batch_alter_table("carbon_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_carbon_credits_removal_id"))
        batch_op.drop_index(batch_op.f("ix_carbon_credits_applied_year"))
    op.drop_table("carbon_credits")
