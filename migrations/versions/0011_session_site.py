"""Where a family's vaccination session is held (the SITE command), named in reminders.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("caregiver") as batch:
        batch.add_column(sa.Column("session_site", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("caregiver") as batch:
        batch.drop_column("session_site")
