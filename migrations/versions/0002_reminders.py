"""Reminders, and each caregiver's reminder slot and reachability.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("caregiver_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("codes", sa.String(length=255), nullable=False),
        sa.Column("send_on", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["caregiver_id"], ["caregiver.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["message_log.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("child_id", "visit_date", "kind"),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminder_caregiver_day", ["caregiver_id", "send_on"], unique=False
        )
        batch_op.create_index("ix_reminder_due", ["status", "due_at"], unique=False)

    with op.batch_alter_table("caregiver", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unreachable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "reminder_slot", sa.String(length=16), nullable=False, server_default="morning"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("caregiver", schema=None) as batch_op:
        batch_op.drop_column("reminder_slot")
        batch_op.drop_column("unreachable")

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_due")
        batch_op.drop_index("ix_reminder_caregiver_day")

    op.drop_table("reminder")
