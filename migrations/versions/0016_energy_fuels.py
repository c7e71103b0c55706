"""Gas oil and fuel oil as kinds of energy; the name an imported file gave an energy record

Revision ID: 0016_energy_fuels
Revises: 0015_ticket_numbers
Create Date: 2026-12-07 11:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_energy_fuels"
down_revision = "0015_ticket_numbers"
branch_labels = None
depends_on = None

#: the kinds of energy before this revision, in the models' order
BEFORE = (
    "electricity",
    "natural_gas",
    "heating_oil",
    "diesel",
    "lpg",
    "district_heating",
    "district_cooling",
    "onsite_renewable",
)
#: and after it: DESNZ gas oil and fuel oil
AFTER = (
    "electricity",
    "natural_gas",
    "heating_oil",
    "gas_oil",
    "fuel_oil",
    "diesel",
    "lpg",
    "district_heating",
    "district_cooling",
    "onsite_renewable",
)


def _energy_type(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values, name="energy_type", native_enum=False, create_constraint=True, length=20
    )


def upgrade() -> None:
    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.alter_column(
            "energy_type",
            existing_type=_energy_type(BEFORE),
            type_=_energy_type(AFTER),
            existing_nullable=False,
        )
        batch_op.add_column(
            sa.Column("source_name", sa.String(length=80), server_default="", nullable=False)
        )


def downgrade() -> None:
    in_use = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM energy_records WHERE energy_type IN ('gas_oil', 'fuel_oil')")
    )
    if in_use:
        raise RuntimeError(
            f"{in_use} energy records are of gas oil or fuel oil, which the older schema cannot "
            "hold: change or remove them before downgrading"
        )
    with op.batch_alter_table("energy_records", schema=None) as batch_op:
        batch_op.drop_column("source_name")
        batch_op.alter_column(
            "energy_type",
            existing_type=_energy_type(AFTER),
            type_=_energy_type(BEFORE),
            existing_nullable=False,
        )
