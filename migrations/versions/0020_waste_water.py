"""Waste and water records of the sites (scope 3, DESNZ waste and water factors)

Revision ID: 0020_waste_water
Revises: 0019_jobs
Create Date: 2026-12-07 21:50:38.432757
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_waste_water"
down_revision = "0019_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waste_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "stream",
            sa.Enum(
                "mixed",
                "paper_card",
                "plastics",
                "glass",
                "metals",
                "food_organic",
                "e_waste",
                "hazardous",
                name="waste_stream",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "treatment",
            sa.Enum(
                "landfill",
                "recycling",
                "composting",
                "anaerobic_digestion",
                "incineration_energy_recovery",
                "incineration_no_recovery",
                name="waste_treatment",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("tonnes", sa.String(length=48), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("removal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "period_start <= period_end", name=op.f("ck_waste_records_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_waste_records_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["removal_id"], ["removals.id"], name=op.f("fk_waste_records_removal_id_removals")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_waste_records_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_records")),
    )
    with op.batch_alter_table("waste_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waste_records_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_waste_records_period_start"), ["period_start"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_waste_records_removal_id"), ["removal_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_waste_records_site_id"), ["site_id"], unique=False)

    op.create_table(
        "water_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "supply_source",
            sa.Enum(
                "mains",
                "ground",
                "rain",
                "recycled",
                name="water_source",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("supply_m3", sa.String(length=48), nullable=False),
        sa.Column("wastewater_m3", sa.String(length=48), nullable=False),
        sa.Column("is_estimate", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("removal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "period_start <= period_end", name=op.f("ck_water_records_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_water_records_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["removal_id"], ["removals.id"], name=op.f("fk_water_records_removal_id_removals")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_water_records_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_records")),
    )
    with op.batch_alter_table("water_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_water_records_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_water_records_period_start"), ["period_start"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_water_records_removal_id"), ["removal_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_water_records_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("water_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_water_records_site_id"))
        batch_op.drop_index(batch_op.f("ix_water_records_removal_id"))
        batch_op.drop_index(batch_op.f("ix_water_records_period_start"))
        batch_op.drop_index(batch_op.f("ix_water_records_import_batch_id"))

    op.drop_table("water_records")
    with op.batch_alter_table("waste_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waste_records_site_id"))
        batch_op.drop_index(batch_op.f("ix_waste_records_removal_id"))
        batch_op.drop_index(batch_op.f("ix_waste_records_period_start"))
        batch_op.drop_index(batch_op.f("ix_waste_records_import_batch_id"))

    op.drop_table("waste_records")
