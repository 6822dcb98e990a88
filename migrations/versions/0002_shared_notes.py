"""Shared preparation notes: a citizen's note for one meeting, stored only with consent.

One row per meeting (unique index on meeting_id: a new consent replaces the note); looked up by
citizen for withdrawal. Rows go when the meeting or the citizen is deleted (ON DELETE CASCADE).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "shared_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("meeting_id", sa.String(64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("note_text", sa.Text(), nullable=False),
        # Aware UTC: timestamptz on PostgreSQL, naive UTC on SQLite (see models.UTCDateTime).
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shared_notes"),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name="fk_shared_notes_citizen_id_citizens",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name="fk_shared_notes_meeting_id_meetings",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_shared_notes_meeting_id", "shared_notes", ["meeting_id"], unique=True)
    op.create_index("ix_shared_notes_citizen_id", "shared_notes", ["citizen_id"])


def downgrade() -> None:
    op.drop_index("ix_shared_notes_citizen_id", table_name="shared_notes")
    op.drop_index("ix_shared_notes_meeting_id", table_name="shared_notes")
    op.drop_table("shared_notes")
