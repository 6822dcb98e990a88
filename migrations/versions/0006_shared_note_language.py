"""Shared preparation notes in the citizen's language: `language` and `citizen_text`.

A citizen may use the preparation guide in English; the caseworker still reads the note with
Danish headings. `shared_notes.note_text` is from now on the note as the caseworker reads it
(Danish headings, the answers as written), `citizen_text` the note exactly as the citizen saw it
when that was not Danish (NULL otherwise), and `language` the language the citizen used ("da",
"en"). Existing rows were all Danish: they get `language` "da" (server default) and no
`citizen_text`, and their `note_text` is already the caseworker's view. Works on SQLite (batch
mode) and PostgreSQL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("shared_notes") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="da"))
        batch.add_column(sa.Column("citizen_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shared_notes") as batch:
        batch.drop_column("citizen_text")
        batch.drop_column("language")
