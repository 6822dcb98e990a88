"""Initial case schema: citizens, caseworkers, cases, meetings.

Indexes cover every lookup in `core.store.cases.repository`: citizen by id (primary key), citizen by
phone (unique), cases by citizen (newest first), meetings by (citizen_id, starts_at), and
caseworker by identity key (unique; used by the importer).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "citizens",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_citizens"),
    )
    op.create_index("ix_citizens_phone", "citizens", ["phone"], unique=True)

    op.create_table(
        "caseworkers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identity_key", sa.String(400), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_caseworkers"),
    )
    op.create_index("ix_caseworkers_identity_key", "caseworkers", ["identity_key"], unique=True)

    op.create_table(
        "cases",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name="fk_cases_citizen_id_citizens",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["caseworker_id"],
            ["caseworkers.id"],
            name="fk_cases_caseworker_id_caseworkers",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_cases_citizen_id_opened_on", "cases", ["citizen_id", "opened_on"])

    op.create_table(
        "meetings",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        # Aware UTC: timestamptz on PostgreSQL, naive UTC on SQLite (see models.UTCDateTime).
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(300), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name="fk_meetings_citizen_id_citizens",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_meetings_citizen_id_starts_at", "meetings", ["citizen_id", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_meetings_citizen_id_starts_at", table_name="meetings")
    op.drop_table("meetings")
    op.drop_index("ix_cases_citizen_id_opened_on", table_name="cases")
    op.drop_table("cases")
    op.drop_index("ix_caseworkers_identity_key", table_name="caseworkers")
    op.drop_table("caseworkers")
    op.drop_index("ix_citizens_phone", table_name="citizens")
    op.drop_table("citizens")
