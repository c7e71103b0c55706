"""procurement; editable refrigerant and fleet records; energy imports

Revision ID: 0005_procurement
Revises: 0004_energy
Create Date: 2026-11-24 21:05:07.084833
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_procurement"
down_revision = "0004_energy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("units_per_usd", sa.String(length=48), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("year BETWEEN 1990 AND 2100", name=op.f("ck_exchange_rates_year_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint("currency", "year", name=op.f("uq_exchange_rates_currency_year")),
    )
    op.create_table(
        "price_indices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("index_value", sa.String(length=48), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("year BETWEEN 1990 AND 2100", name=op.f("ck_price_indices_year_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_indices")),
        sa.UniqueConstraint("currency", "year", name=op.f("uq_price_indices_currency_year")),
    )
    op.create_table(
        "spend_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("naics_code", sa.String(length=6), nullable=False),
        sa.Column("material", sa.String(length=120), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spend_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_spend_categories_name")),
    )
    op.create_table(
        "purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchased_on", sa.Date(), nullable=False),
        sa.Column("supplier", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.String(length=48), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("quantity", sa.String(length=48), nullable=True),
        sa.Column("quantity_unit", sa.String(length=10), nullable=True),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["spend_categories.id"],
            name=op.f("fk_purchases_category_id_spend_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_purchases_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_purchases_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_purchases_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
    )
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchases_category_id"), ["category_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_purchases_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_purchases_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_purchases_purchased_on"), ["purchased_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_purchases_reference"), ["reference"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_site_id"), ["site_id"], unique=False)

    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_energy_records_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_energy_records_import_batch_id_import_batches"),
            "import_batches",
            ["import_batch_id"],
            ["id"],
        )

    # records already there become version 1, last changed when they were created
    for table in ("fleet_records", "refrigerant_top_ups"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        records = sa.table(
            table, sa.column("created_at"), sa.column("updated_at"), sa.column("version_id")
        )
        op.execute(records.update().values(updated_at=records.c.created_at, version_id=1))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "updated_at", existing_type=sa.DateTime(timezone=True), nullable=False
            )
            batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("refrigerant_top_ups", schema=None) as batch_op:
        batch_op.drop_column("version_id")
        batch_op.drop_column("updated_at")

    with op.batch_alter_table("fleet_records", schema=None) as batch_op:
        batch_op.drop_column("version_id")
        batch_op.drop_column("updated_at")

    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_energy_records_import_batch_id_import_batches"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_energy_records_import_batch_id"))
        batch_op.drop_column("import_batch_id")

    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchases_site_id"))
        batch_op.drop_index(batch_op.f("ix_purchases_reference"))
        batch_op.drop_index(batch_op.f("ix_purchases_purchased_on"))
        batch_op.drop_index(batch_op.f("ix_purchases_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_purchases_department_id"))
        batch_op.drop_index(batch_op.f("ix_purchases_category_id"))

    op.drop_table("purchases")
    op.drop_table("spend_categories")
    op.drop_table("price_indices")
    op.drop_table("exchange_rates")
