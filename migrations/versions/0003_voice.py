"""The voice channel: each caregiver's channel, missed calls, call-backs and IVR calls.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ONE_OPEN_CALLBACK = sa.text("purpose = 'callback' AND closed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("caregiver", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="sms")
        )

    op.create_table(
        "voice_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("caregiver_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("missed_calls", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("reminder_ids", sa.JSON(), nullable=True),
        sa.Column("sms_body", sa.Text(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["caregiver_id"], ["caregiver.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["message_log.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("voice_call", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_call_caregiver_id"), ["caregiver_id"], unique=False
        )
        batch_op.create_index("ix_voice_call_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            "ux_voice_call_open_callback",
            ["phone"],
            unique=True,
            sqlite_where=ONE_OPEN_CALLBACK,
            postgresql_where=ONE_OPEN_CALLBACK,
        )

    op.create_table(
        "ivr_session",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("caregiver_id", sa.Integer(), nullable=True),
        sa.Column("voice_call_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["caregiver_id"], ["caregiver.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["voice_call_id"], ["voice_call.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("call_sid"),
    )
    with op.batch_alter_table("ivr_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ivr_session_caregiver_id"), ["caregiver_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ivr_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ivr_session_caregiver_id"))

    op.drop_table("ivr_session")
    with op.batch_alter_table("voice_call", schema=None) as batch_op:
        batch_op.drop_index("ux_voice_call_open_callback")
        batch_op.drop_index("ix_voice_call_due")
        batch_op.drop_index(batch_op.f("ix_voice_call_caregiver_id"))

    op.drop_table("voice_call")
    with op.batch_alter_table("caregiver", schema=None) as batch_op:
        batch_op.drop_column("channel")
