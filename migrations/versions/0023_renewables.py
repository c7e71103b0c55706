"""The renewable share of electricity: the technology of on-site generation, the instrument of
purchased electricity and whether it meets the GHG Protocol Scope 2 Quality Criteria

Existing records keep their figures: those with certificates say so (instrument
"certificates") and every record is taken to meet the criteria, as its certificates were
counted until now.

Revision ID: 0023_renewables
Revises: 0022_line_bases
Create Date: 2026-12-07 23:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_renewables"
down_revision = "0022_line_bases"
branch_labels = None
depends_on = None

TECHNOLOGIES = ("solar_pv", "wind", "hydro", "biomass", "geothermal", "other")
INSTRUMENTS = ("none", "certificates", "green_tariff", "ppa")


def upgrade() -> None:
    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "technology",
                sa.Enum(
                    *TECHNOLOGIES,
                    name="onsite_technology",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "instrument",
                sa.Enum(
                    *INSTRUMENTS,
                    name="renewable_instrument",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                server_default="none",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "meets_quality_criteria", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )
    op.execute(
        sa.text(
            "UPDATE energy_records SET instrument = 'certificates' "
            "WHERE certificates_kwh IS NOT NULL"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_energy_records_renewable_instrument"), "check")
        batch_op.drop_constraint(batch_op.f("ck_energy_records_onsite_technology"), "check")
        batch_op.drop_column("meets_quality_criteria")
        batch_op.drop_column("instrument")
        batch_op.drop_column("technology")
