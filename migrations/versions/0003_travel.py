"""trips with flights, ground journeys, hotel stays; import batches; flight haul setting

Revision ID: 0003_travel
Revises: 0002_factors_ledger
Create Date: 2026-11-24 19:34:08.783480
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_travel"
down_revision = "0002_factors_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_label", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_import_batches_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
        sa.UniqueConstraint("kind", "file_sha256", name=op.f("uq_import_batches_kind_file_sha256")),
    )
    op.create_table(
        "trips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("traveller", sa.String(length=120), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column(
            "paid_by",
            sa.Enum(
                "organisation",
                "other",
                name="paid_by",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("booking_reference", sa.String(length=60), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "manual",
                "import",
                "api",
                name="trip_source",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_trips_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_trips_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_trips_import_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trips")),
        sa.UniqueConstraint("booking_reference", name=op.f("uq_trips_booking_reference")),
    )
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trips_department_id"), ["department_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trips_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trips_starts_on"), ["starts_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_trips_traveller"), ["traveller"], unique=False)

    op.create_table(
        "flight_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=3), nullable=False),
        sa.Column("destination", sa.String(length=3), nullable=False),
        sa.Column("departure_on", sa.Date(), nullable=False),
        sa.Column(
            "cabin_class",
            sa.Enum(
                "economy",
                "premium_economy",
                "business",
                "first",
                "unknown",
                name="cabin_class",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("passengers", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.String(length=48), nullable=False),
        sa.CheckConstraint("origin <> destination", name=op.f("ck_flight_legs_distinct_airports")),
        sa.CheckConstraint("passengers > 0", name=op.f("ck_flight_legs_passengers_positive")),
        sa.ForeignKeyConstraint(
            ["trip_id"], ["trips.id"], name=op.f("fk_flight_legs_trip_id_trips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flight_legs")),
        sa.UniqueConstraint("trip_id", "position", name=op.f("uq_flight_legs_trip_id_position")),
    )
    with op.batch_alter_table("flight_legs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flight_legs_trip_id"), ["trip_id"], unique=False)

    op.create_table(
        "ground_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "rail",
                "international_rail",
                "bus",
                "coach",
                "taxi",
                "car",
                name="ground_mode",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("travelled_on", sa.Date(), nullable=False),
        sa.Column("origin", sa.String(length=120), nullable=False),
        sa.Column("destination", sa.String(length=120), nullable=False),
        sa.Column("distance_km", sa.String(length=48), nullable=False),
        sa.Column("passengers", sa.Integer(), nullable=False),
        sa.CheckConstraint("passengers > 0", name=op.f("ck_ground_legs_passengers_positive")),
        sa.ForeignKeyConstraint(
            ["trip_id"], ["trips.id"], name=op.f("fk_ground_legs_trip_id_trips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ground_legs")),
        sa.UniqueConstraint("trip_id", "position", name=op.f("uq_ground_legs_trip_id_position")),
    )
    with op.batch_alter_table("ground_legs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ground_legs_trip_id"), ["trip_id"], unique=False)

    op.create_table(
        "hotel_stays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("check_in_on", sa.Date(), nullable=False),
        sa.Column("nights", sa.Integer(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.CheckConstraint("nights > 0", name=op.f("ck_hotel_stays_nights_positive")),
        sa.CheckConstraint("rooms > 0", name=op.f("ck_hotel_stays_rooms_positive")),
        sa.ForeignKeyConstraint(
            ["trip_id"], ["trips.id"], name=op.f("fk_hotel_stays_trip_id_trips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotel_stays")),
        sa.UniqueConstraint("trip_id", "position", name=op.f("uq_hotel_stays_trip_id_position")),
    )
    with op.batch_alter_table("hotel_stays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotel_stays_trip_id"), ["trip_id"], unique=False)

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "flight_haul_method", sa.String(length=20), server_default="desnz", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("flight_haul_method")

    with op.batch_alter_table("hotel_stays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotel_stays_trip_id"))

    op.drop_table("hotel_stays")
    with op.batch_alter_table("ground_legs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ground_legs_trip_id"))

    op.drop_table("ground_legs")
    with op.batch_alter_table("flight_legs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flight_legs_trip_id"))

    op.drop_table("flight_legs")
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trips_traveller"))
        batch_op.drop_index(batch_op.f("ix_trips_starts_on"))
        batch_op.drop_index(batch_op.f("ix_trips_import_batch_id"))
        batch_op.drop_index(batch_op.f("ix_trips_department_id"))

    op.drop_table("trips")
    op.drop_table("import_batches")
