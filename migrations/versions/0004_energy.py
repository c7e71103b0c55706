"""energy records, refrigerant top-ups, fleet; GWP setting

Revision ID: 0004_energy
Revises: 0003_travel
Create Date: 2026-11-24 20:27:36.697669
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_energy"
down_revision = "0003_travel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fleet_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("vehicle", sa.String(length=120), nullable=False),
        sa.Column("measure", sa.String(length=30), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("quantity", sa.String(length=48), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_start <= period_end", name=op.f("ck_fleet_records_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_fleet_records_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_records")),
    )
    with op.batch_alter_table("fleet_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fleet_records_period_start"), ["period_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fleet_records_site_id"), ["site_id"], unique=False)

    op.create_table(
        "refrigerant_top_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("topped_up_on", sa.Date(), nullable=False),
        sa.Column("gas", sa.String(length=40), nullable=False),
        sa.Column("kg", sa.String(length=48), nullable=False),
        sa.Column("equipment", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_refrigerant_top_ups_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refrigerant_top_ups")),
    )
    with op.batch_alter_table("refrigerant_top_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refrigerant_top_ups_site_id"), ["site_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_refrigerant_top_ups_topped_up_on"), ["topped_up_on"], unique=False
        )

    op.create_table(
        "energy_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column(
            "energy_type",
            sa.Enum(
                "electricity",
                "natural_gas",
                "heating_oil",
                "diesel",
                "lpg",
                "district_heating",
                "district_cooling",
                "onsite_renewable",
                name="energy_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("quantity", sa.String(length=48), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("certificates_kwh", sa.String(length=48), nullable=True),
        sa.Column("supplier_factor_id", sa.Integer(), nullable=True),
        sa.Column("meter_reference", sa.String(length=80), nullable=False),
        sa.Column("evidence_note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "period_start <= period_end", name=op.f("ck_energy_records_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_energy_records_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_factor_id"],
            ["emission_factors.id"],
            name=op.f("fk_energy_records_supplier_factor_id_emission_factors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_energy_records")),
    )
    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_energy_records_period_start"), ["period_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_energy_records_site_id"), ["site_id"], unique=False)

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("gwp_report", sa.String(length=3), server_default="ar5", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("gwp_report")

    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_energy_records_site_id"))
        batch_op.drop_index(batch_op.f("ix_energy_records_period_start"))

    op.drop_table("energy_records")
    with op.batch_alter_table("refrigerant_top_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refrigerant_top_ups_topped_up_on"))
        batch_op.drop_index(batch_op.f("ix_refrigerant_top_ups_site_id"))

    op.drop_table("refrigerant_top_ups")
    with op.batch_alter_table("fleet_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fleet_records_site_id"))
        batch_op.drop_index(batch_op.f("ix_fleet_records_period_start"))

    op.drop_table("fleet_records")
