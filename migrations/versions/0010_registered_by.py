"""The ASHA of a family: the caregiver row of whoever registered its children with REG
and the mother's number, whose weekly digest names them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("caregiver") as batch:
        batch.add_column(sa.Column("registered_by_id", sa.Integer(), nullable=True))
        batch.create_index("ix_caregiver_registered_by_id", ["registered_by_id"], unique=False)
        batch.create_foreign_key(
            "fk_caregiver_registered_by_id_caregiver",
            "caregiver",
            ["registered_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("caregiver") as batch:
        batch.drop_constraint("fk_caregiver_registered_by_id_caregiver", type_="foreignkey")
        batch.drop_index("ix_caregiver_registered_by_id")
        batch.drop_column("registered_by_id")
