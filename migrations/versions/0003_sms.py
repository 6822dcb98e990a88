"""SMS: conversations (opt-out, options, leases), the inbox, the outbox, reminder marks.

Also `meetings.cancelled` (the case import's `cancelled`: no reminder, not the next meeting).

Indexes cover every query in `core.store.sms`: the inbox by gateway id (unique: a retried
webhook is stored once), pending messages and recent messages per conversation; the outbox by
state and due time, and in order per conversation; reminders by meeting and start time (unique:
once per meeting time) and by conversation; conversations by number (unique).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Aware UTC: timestamptz on PostgreSQL, naive UTC on SQLite (see tables.UTCDateTime).
UTC = sa.DateTime(timezone=True)


def _lease() -> list[sa.Column]:
    return [
        sa.Column("lease_owner", sa.String(120), nullable=True),
        sa.Column("lease_until", UTC, nullable=True),
    ]


def _conversation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["conversation_id"],
        ["sms_conversations.id"],
        name=f"fk_{table}_conversation_id_sms_conversations",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("cancelled", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table(
        "sms_conversations",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("msisdn", sa.String(20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("opted_out_at", UTC, nullable=True),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("remainder", sa.Text(), nullable=True),
        sa.Column("rate_notified_at", UTC, nullable=True),
        *_lease(),
        sa.PrimaryKeyConstraint("id", name="pk_sms_conversations"),
    )
    op.create_index("ix_sms_conversations_msisdn", "sms_conversations", ["msisdn"], unique=True)

    op.create_table(
        "sms_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider_id", sa.String(80), nullable=False),
        sa.Column("conversation_id", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("processed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sms_inbox"),
        _conversation_fk("sms_inbox"),
    )
    op.create_index("ix_sms_inbox_provider_id", "sms_inbox", ["provider_id"], unique=True)
    op.create_index("ix_sms_inbox_conversation_id_state", "sms_inbox", ["conversation_id", "state"])
    op.create_index(
        "ix_sms_inbox_conversation_id_received_at", "sms_inbox", ["conversation_id", "received_at"]
    )

    op.create_table(
        "sms_reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.String(64), nullable=False),
        sa.Column("meeting_starts_at", UTC, nullable=False),
        sa.Column("conversation_id", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("scheduled_at", UTC, nullable=False),
        sa.Column("deliver_before", UTC, nullable=False),
        sa.Column("delivered_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sms_reminders"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name="fk_sms_reminders_meeting_id_meetings", ondelete="CASCADE"
        ),
        _conversation_fk("sms_reminders"),
    )
    op.create_index(
        "ix_sms_reminders_meeting_id_meeting_starts_at",
        "sms_reminders",
        ["meeting_id", "meeting_starts_at"],
        unique=True,
    )
    op.create_index("ix_sms_reminders_conversation_id_state", "sms_reminders", ["conversation_id", "state"])

    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(40), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(4), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        *_lease(),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("gateway_message_id", sa.String(40), nullable=True),
        sa.Column("delivery_status", sa.String(20), nullable=True),
        sa.Column("delivery_error", sa.String(200), nullable=True),
        sa.Column("delivery_code", sa.String(20), nullable=True),
        sa.Column("delivery_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sms_outbox"),
        _conversation_fk("sms_outbox"),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["sms_inbox.id"], name="fk_sms_outbox_inbox_id_sms_inbox", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["sms_reminders.id"],
            name="fk_sms_outbox_reminder_id_sms_reminders",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_sms_outbox_state_next_attempt_at", "sms_outbox", ["state", "next_attempt_at"])
    op.create_index("ix_sms_outbox_conversation_id_id", "sms_outbox", ["conversation_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_sms_outbox_conversation_id_id", table_name="sms_outbox")
    op.drop_index("ix_sms_outbox_state_next_attempt_at", table_name="sms_outbox")
    op.drop_table("sms_outbox")
    op.drop_index("ix_sms_reminders_conversation_id_state", table_name="sms_reminders")
    op.drop_index("ix_sms_reminders_meeting_id_meeting_starts_at", table_name="sms_reminders")
    op.drop_table("sms_reminders")
    op.drop_index("ix_sms_inbox_conversation_id_received_at", table_name="sms_inbox")
    op.drop_index("ix_sms_inbox_conversation_id_state", table_name="sms_inbox")
    op.drop_index("ix_sms_inbox_provider_id", table_name="sms_inbox")
    op.drop_table("sms_inbox")
    op.drop_index("ix_sms_conversations_msisdn", table_name="sms_conversations")
    op.drop_table("sms_conversations")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("cancelled")
