"""The caregiver's consent to messages: when and by which channel (DLT's service-explicit
messages, broadcasts, rest on it). Registering a child gives it; those registered before
are taken to have given it when they registered.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("caregiver") as batch:
        batch.add_column(sa.Column("consent_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("consent_channel", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE caregiver SET consent_at = created_at, consent_channel = 'registration' "
        "WHERE EXISTS (SELECT 1 FROM child WHERE child.caregiver_id = caregiver.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("caregiver") as batch:
        batch.drop_column("consent_channel")
        batch.drop_column("consent_at")
