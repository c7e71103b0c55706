"""emission factors and the emission ledger

Revision ID: 0002_factors_ledger
Revises: 0001_foundation
Create Date: 2026-11-24 18:53:39.650939
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_factors_ledger"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "factor_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("family", sa.String(length=60), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("edition_year", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("is_shipped", sa.Boolean(), nullable=False),
        sa.Column("is_locked", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_by_label", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["users.id"],
            name=op.f("fk_factor_sets_imported_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_sets")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_factor_sets_code_version")),
    )
    with op.batch_alter_table("factor_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factor_sets_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_factor_sets_family"), ["family"], unique=False)

    op.create_table(
        "recalculations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column("applied_by_label", sa.String(length=254), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applied_by_id"],
            ["users.id"],
            name=op.f("fk_recalculations_applied_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalculations")),
    )
    with op.batch_alter_table("recalculations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recalculations_year"), ["year"], unique=False)

    op.create_table(
        "emission_factors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("activity", sa.String(length=120), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("kgco2e_per_unit", sa.String(length=48), nullable=False),
        sa.Column("kgco2_per_unit", sa.String(length=48), nullable=True),
        sa.Column("kgch4_co2e_per_unit", sa.String(length=48), nullable=True),
        sa.Column("kgn2o_co2e_per_unit", sa.String(length=48), nullable=True),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["factor_set_id"],
            ["factor_sets.id"],
            name=op.f("fk_emission_factors_factor_set_id_factor_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emission_factors")),
        sa.UniqueConstraint(
            "factor_set_id", "key", name=op.f("uq_emission_factors_factor_set_id_key")
        ),
    )
    with op.batch_alter_table("emission_factors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_emission_factors_category"), ["category"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_emission_factors_factor_set_id"), ["factor_set_id"], unique=False
        )
        batch_op.create_index("ix_emission_factors_key_set", ["key", "factor_set_id"], unique=False)

    op.create_table(
        "factor_pins",
        sa.Column("family", sa.String(length=60), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["factor_set_id"],
            ["factor_sets.id"],
            name=op.f("fk_factor_pins_factor_set_id_factor_sets"),
        ),
        sa.PrimaryKeyConstraint("family", name=op.f("pk_factor_pins")),
    )
    op.create_table(
        "haul_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("country_name", sa.String(length=120), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("haul", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["factor_set_id"],
            ["factor_sets.id"],
            name=op.f("fk_haul_definitions_factor_set_id_factor_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_haul_definitions")),
        sa.UniqueConstraint(
            "factor_set_id",
            "country_name",
            name=op.f("uq_haul_definitions_factor_set_id_country_name"),
        ),
    )
    with op.batch_alter_table("haul_definitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_haul_definitions_country_code"), ["country_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_haul_definitions_factor_set_id"), ["factor_set_id"], unique=False
        )

    op.create_table(
        "emission_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("activity_type", sa.String(length=40), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("scope3_category", sa.Integer(), nullable=True),
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
        sa.Column(
            "basis",
            sa.Enum(
                "with_rf",
                "without_rf",
                "location",
                "market",
                name="basis",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=True,
        ),
        sa.Column("quantity", sa.String(length=48), nullable=False),
        sa.Column("quantity_unit", sa.String(length=40), nullable=False),
        sa.Column("factor_id", sa.Integer(), nullable=False),
        sa.Column("factor_kgco2e_per_unit", sa.String(length=48), nullable=False),
        sa.Column("factor_unit", sa.String(length=40), nullable=False),
        sa.Column("co2e_g", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=60), nullable=False),
        sa.Column("calculation_version", sa.String(length=40), nullable=False),
        sa.Column("factor_selection", sa.String(length=20), nullable=False),
        sa.Column("is_fallback", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_recalculation_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by_recalculation_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("co2e_g >= 0", name=op.f("ck_emission_lines_co2e_not_negative")),
        sa.CheckConstraint("scope IN (1, 2, 3)", name=op.f("ck_emission_lines_scope_valid")),
        sa.ForeignKeyConstraint(
            ["created_by_recalculation_id"],
            ["recalculations.id"],
            name=op.f("fk_emission_lines_created_by_recalculation_id_recalculations"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_emission_lines_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["factor_id"],
            ["emission_factors.id"],
            name=op.f("fk_emission_lines_factor_id_emission_factors"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_emission_lines_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_recalculation_id"],
            ["recalculations.id"],
            name=op.f("fk_emission_lines_superseded_by_recalculation_id_recalculations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emission_lines")),
    )
    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_emission_lines_activity", ["activity_type", "activity_id"], unique=False
        )
        batch_op.create_index(
            "ix_emission_lines_current",
            ["year", "source_category", "basis", "co2e_g"],
            unique=False,
            postgresql_where=sa.text("superseded_at IS NULL"),
            sqlite_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_emission_lines_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_emission_lines_factor_id"), ["factor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_emission_lines_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_emission_lines_superseded_by_recalculation_id"),
            ["superseded_by_recalculation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emission_lines_superseded_by_recalculation_id"))
        batch_op.drop_index(batch_op.f("ix_emission_lines_site_id"))
        batch_op.drop_index(batch_op.f("ix_emission_lines_factor_id"))
        batch_op.drop_index(batch_op.f("ix_emission_lines_department_id"))
        batch_op.drop_index(
            "ix_emission_lines_current",
            postgresql_where=sa.text("superseded_at IS NULL"),
            sqlite_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.drop_index("ix_emission_lines_activity")

    op.drop_table("emission_lines")
    with op.batch_alter_table("haul_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_haul_definitions_factor_set_id"))
        batch_op.drop_index(batch_op.f("ix_haul_definitions_country_code"))

    op.drop_table("haul_definitions")
    op.drop_table("factor_pins")
    with op.batch_alter_table("emission_factors", schema=None) as batch_op:
        batch_op.drop_index("ix_emission_factors_key_set")
        batch_op.drop_index(batch_op.f("ix_emission_factors_factor_set_id"))
        batch_op.drop_index(batch_op.f("ix_emission_factors_category"))

    op.drop_table("emission_factors")
    with op.batch_alter_table("recalculations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recalculations_year"))

    op.drop_table("recalculations")
    with op.batch_alter_table("factor_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_factor_sets_family"))
        batch_op.drop_index(batch_op.f("ix_factor_sets_code"))

    op.drop_table("factor_sets")
