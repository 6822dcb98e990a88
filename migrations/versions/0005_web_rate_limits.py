"""The web apps' per-client rate limit: `web_rate_limits` (core.store.web_rate_limits).

One row per (route, client) bucket: a fixed window's start and its hit count, shared by every
app process. Rows of old windows are deleted as new hits come in.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "web_rate_limits",
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
    )
    op.create_index("ix_web_rate_limits_window_start", "web_rate_limits", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_web_rate_limits_window_start", table_name="web_rate_limits")
    op.drop_table("web_rate_limits")
