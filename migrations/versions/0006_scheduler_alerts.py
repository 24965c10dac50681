"""Scheduler alerts: what a sweep could not do, counted, for the dashboard.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "subject", "error"),
    )
    with op.batch_alter_table("scheduler_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduler_alert_last_seen"), ["last_seen"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("scheduler_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduler_alert_last_seen"))
    op.drop_table("scheduler_alert")
