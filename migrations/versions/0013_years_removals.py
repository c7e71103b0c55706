"""Open and closed years, removals, verdict justifications, issued report files

Revision ID: 0013_years_removals
Revises: 0012_api_tokens
Create Date: 2026-12-07 03:20:03.062424
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_years_removals"
down_revision = "0012_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "removals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("co2e_g", sa.BigInteger(), nullable=False),
        sa.Column("years", sa.JSON(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_by_label", sa.String(length=254), nullable=False),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restored_by_id", sa.Integer(), nullable=True),
        sa.Column("restored_by_label", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["users.id"],
            name=op.f("fk_removals_removed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["restored_by_id"],
            ["users.id"],
            name=op.f("fk_removals_restored_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removals")),
    )
    with op.batch_alter_table("removals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_removals_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_removals_removed_at"), ["removed_at"], unique=False)

    op.create_table(
        "reporting_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_label", sa.String(length=254), nullable=False),
        sa.Column("reopen_reason", sa.String(length=1000), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "year BETWEEN 1990 AND 2100", name=op.f("ck_reporting_years_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_reporting_years_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_reporting_years")),
    )
    op.create_table(
        "issued_report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issued_report_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issued_report_id"],
            ["issued_reports.id"],
            name=op.f("fk_issued_report_files_issued_report_id_issued_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_report_files")),
        sa.UniqueConstraint(
            "issued_report_id", "name", name=op.f("uq_issued_report_files_issued_report_id_name")
        ),
    )
    with op.batch_alter_table("issued_report_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_report_files_issued_report_id"),
            ["issued_report_id"],
            unique=False,
        )

    with op.batch_alter_table("effectiveness_verdicts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("justification", sa.Text(), server_default="", nullable=False)
        )

    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_by_removal_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_emission_lines_superseded_by_removal_id"),
            ["superseded_by_removal_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_emission_lines_superseded_by_removal_id_removals"),
            "removals",
            ["superseded_by_removal_id"],
            ["id"],
        )

    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removal_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_energy_records_removal_id"), ["removal_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_energy_records_removal_id_removals"), "removals", ["removal_id"], ["id"]
        )

    with op.batch_alter_table("fleet_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removal_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_fleet_records_removal_id"), ["removal_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_fleet_records_removal_id_removals"), "removals", ["removal_id"], ["id"]
        )

    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removal_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_import_batches_kind_file_sha256"), type_="unique")
        batch_op.create_index(
            "uq_import_batches_kind_file_sha256",
            ["kind", "file_sha256"],
            unique=True,
            postgresql_where=sa.text("removal_id IS NULL"),
            sqlite_where=sa.text("removal_id IS NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_import_batches_removal_id"), ["removal_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_import_batches_removal_id_removals"), "removals", ["removal_id"], ["id"]
        )

    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removal_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_purchases_removal_id"), ["removal_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_purchases_removal_id_removals"), "removals", ["removal_id"], ["id"]
        )

    with op.batch_alter_table("refrigerant_top_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removal_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_refrigerant_top_ups_removal_id"), ["removal_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_refrigerant_top_ups_removal_id_removals"),
            "removals",
            ["removal_id"],
            ["id"],
        )

    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removal_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_trips_booking_reference"), type_="unique")
        batch_op.create_index(
            "uq_trips_booking_reference",
            ["booking_reference"],
            unique=True,
            postgresql_where=sa.text("removal_id IS NULL"),
            sqlite_where=sa.text("removal_id IS NULL"),
        )
        batch_op.create_index(batch_op.f("ix_trips_removal_id"), ["removal_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_trips_removal_id_removals"), "removals", ["removal_id"], ["id"]
        )


def downgrade() -> None:
    # the earlier schema knows no removals: what was removed is deleted (its lines stay superseded)
    for statement in (
        "DELETE FROM flight_legs WHERE trip_id IN "
        "(SELECT id FROM trips WHERE removal_id IS NOT NULL)",
        "DELETE FROM ground_legs WHERE trip_id IN "
        "(SELECT id FROM trips WHERE removal_id IS NOT NULL)",
        "DELETE FROM hotel_stays WHERE trip_id IN "
        "(SELECT id FROM trips WHERE removal_id IS NOT NULL)",
        "DELETE FROM trips WHERE removal_id IS NOT NULL",
        "DELETE FROM energy_records WHERE removal_id IS NOT NULL",
        "DELETE FROM refrigerant_top_ups WHERE removal_id IS NOT NULL",
        "DELETE FROM fleet_records WHERE removal_id IS NOT NULL",
        "DELETE FROM purchases WHERE removal_id IS NOT NULL",
        "UPDATE trips SET import_batch_id = NULL WHERE import_batch_id IN "
        "(SELECT id FROM import_batches WHERE removal_id IS NOT NULL)",
    ):
        op.execute(statement)
    op.execute("DELETE FROM import_batches WHERE removal_id IS NOT NULL")
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_trips_removal_id_removals"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_trips_removal_id"))
        batch_op.drop_index(
            "uq_trips_booking_reference",
            postgresql_where=sa.text("removal_id IS NULL"),
            sqlite_where=sa.text("removal_id IS NULL"),
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_trips_booking_reference"), ["booking_reference"]
        )
        batch_op.drop_column("removal_id")

    with op.batch_alter_table("refrigerant_top_ups", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_refrigerant_top_ups_removal_id_removals"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_refrigerant_top_ups_removal_id"))
        batch_op.drop_column("removal_id")

    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_purchases_removal_id_removals"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_purchases_removal_id"))
        batch_op.drop_column("removal_id")

    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_import_batches_removal_id_removals"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_import_batches_removal_id"))
        batch_op.drop_index(
            "uq_import_batches_kind_file_sha256",
            postgresql_where=sa.text("removal_id IS NULL"),
            sqlite_where=sa.text("removal_id IS NULL"),
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_import_batches_kind_file_sha256"), ["kind", "file_sha256"]
        )
        batch_op.drop_column("removal_id")

    with op.batch_alter_table("fleet_records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_fleet_records_removal_id_removals"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_fleet_records_removal_id"))
        batch_op.drop_column("removal_id")

    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_energy_records_removal_id_removals"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_energy_records_removal_id"))
        batch_op.drop_column("removal_id")

    with op.batch_alter_table("emission_lines", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_emission_lines_superseded_by_removal_id_removals"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_emission_lines_superseded_by_removal_id"))
        batch_op.drop_column("superseded_by_removal_id")

    with op.batch_alter_table("effectiveness_verdicts", schema=None) as batch_op:
        batch_op.drop_column("justification")

    with op.batch_alter_table("issued_report_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_report_files_issued_report_id"))

    op.drop_table("issued_report_files")
    op.drop_table("reporting_years")
    with op.batch_alter_table("removals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_removals_removed_at"))
        batch_op.drop_index(batch_op.f("ix_removals_kind"))

    op.drop_table("removals")
