"""The review app: accounts, sessions, sign-in failures, audit log, conversation index, review work.

- `review_accounts`, `review_sessions` (the SHA-256 of the cookie token, with its CSRF token) and
  `review_login_failures` (the lockout): in the database, so several app processes share them.
- `review_audit` + `review_audit_subjects`: the audit log, append-only. Database triggers refuse
  every UPDATE, and every DELETE that `python -m bot purge` has not permitted for that row's age
  (a row in `review_audit_purge_permits`, written and removed in the purge's own transaction).
- `review_conversations` + `review_messages` + `review_index_state`: the index derived from Rasa's
  `events` table (which Rasa owns and creates; it is read, never migrated here). On PostgreSQL the
  citizens' words get a stored full-text vector (`citizen_tsv`, generated from
  `to_tsvector('danish', citizen_text)`) with a GIN index; on SQLite that column is an empty
  virtual one (the search uses LIKE there).
- `review_marks`, `review_comments`, `review_corrections`: the caseworkers' work, deleted with
  the conversation (ON DELETE CASCADE).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)  # aware UTC (core.store.tables.UTCDateTime)

SQLITE_GUARDS = (
    """CREATE TRIGGER review_audit_no_update BEFORE UPDATE ON review_audit
       BEGIN SELECT RAISE(ABORT, 'review_audit is append-only'); END""",
    """CREATE TRIGGER review_audit_no_delete BEFORE DELETE ON review_audit
       WHEN NOT EXISTS (SELECT 1 FROM review_audit_purge_permits p WHERE OLD.at < p.before)
       BEGIN SELECT RAISE(ABORT, 'review_audit rows are deleted only by the purge'); END""",
    """CREATE TRIGGER review_audit_subjects_no_update BEFORE UPDATE ON review_audit_subjects
       BEGIN SELECT RAISE(ABORT, 'review_audit_subjects is append-only'); END""",
    """CREATE TRIGGER review_audit_subjects_no_delete BEFORE DELETE ON review_audit_subjects
       WHEN NOT EXISTS (SELECT 1 FROM review_audit_purge_permits)
       BEGIN SELECT RAISE(ABORT, 'review_audit_subjects rows are deleted only by the purge'); END""",
)

POSTGRES_GUARDS = (
    """CREATE FUNCTION review_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END IF;
      IF TG_TABLE_NAME = 'review_audit' THEN
        IF NOT EXISTS (SELECT 1 FROM review_audit_purge_permits p WHERE OLD.at < p.before) THEN
          RAISE EXCEPTION 'review_audit rows are deleted only by the purge';
        END IF;
      ELSIF NOT EXISTS (SELECT 1 FROM review_audit_purge_permits) THEN
        RAISE EXCEPTION '% rows are deleted only by the purge', TG_TABLE_NAME;
      END IF;
      RETURN OLD;
    END $$""",
    """CREATE TRIGGER review_audit_guard BEFORE UPDATE OR DELETE ON review_audit
       FOR EACH ROW EXECUTE FUNCTION review_audit_guard()""",
    """CREATE TRIGGER review_audit_subjects_guard BEFORE UPDATE OR DELETE ON review_audit_subjects
       FOR EACH ROW EXECUTE FUNCTION review_audit_guard()""",
    # Full-text search in the citizens' words (the list's search box): a stored tsvector column
    # (PostgreSQL keeps it up to date) with a GIN index.
    """ALTER TABLE review_conversations ADD COLUMN citizen_tsv tsvector
       GENERATED ALWAYS AS (to_tsvector('danish', citizen_text)) STORED""",
    "CREATE INDEX ix_review_conversations_search ON review_conversations USING gin (citizen_tsv)",
)


def upgrade() -> None:
    op.create_table(
        "review_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("password_hash", sa.String(300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_login_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_review_accounts"),
    )
    op.create_index("ix_review_accounts_username", "review_accounts", ["username"], unique=True)

    op.create_table(
        "review_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_review_sessions"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["review_accounts.id"],
            name="fk_review_sessions_account_id_review_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_review_sessions_account_id", "review_sessions", ["account_id"])

    op.create_table(
        "review_login_failures",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", WHEN, nullable=False),
        sa.Column("locked_until", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("username", name="pk_review_login_failures"),
    )

    op.create_table(
        "review_audit",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_audit"),
    )
    op.create_index("ix_review_audit_at", "review_audit", ["at"])
    op.create_table(
        "review_audit_subjects",
        sa.Column("audit_id", BIG_ID, nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "citizen_id", name="pk_review_audit_subjects"),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["review_audit.id"],
            name="fk_review_audit_subjects_audit_id_review_audit",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_review_audit_subjects_citizen_id", "review_audit_subjects", ["citizen_id"])
    # Written only inside the purge's transaction (see the triggers).
    op.create_table(
        "review_audit_purge_permits",
        sa.Column("before", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("before", name="pk_review_audit_purge_permits"),
    )

    op.create_table(
        "review_conversations",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("last_event_at", WHEN, nullable=False),
        sa.Column("last_event_id", BIG_ID, nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.String(64), nullable=True),
        sa.Column("identity_mixed", sa.Boolean(), nullable=False),
        sa.Column("flag_unsure", sa.Boolean(), nullable=False),
        sa.Column("flag_handoff", sa.Boolean(), nullable=False),
        sa.Column("flag_crisis", sa.Boolean(), nullable=False),
        sa.Column("citizen_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_conversations"),
    )
    op.create_index("ix_review_conversations_started_at", "review_conversations", ["started_at"])
    op.create_index(
        "ix_review_conversations_citizen_id_started_at", "review_conversations", ["citizen_id", "started_at"]
    )
    op.create_table(
        "review_messages",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("event_id", BIG_ID, nullable=False),
        sa.Column("sent_at", WHEN, nullable=False),
        sa.Column("topic", sa.String(120), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", "event_id", name="pk_review_messages"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["review_conversations.id"],
            name="fk_review_messages_conversation_id_review_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_review_messages_sent_at", "review_messages", ["sent_at"])
    op.create_table(
        "review_index_state",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("last_event_id", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_review_index_state"),
    )

    op.create_table(
        "review_marks",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("marked_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_review_marks"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["review_conversations.id"],
            name="fk_review_marks_conversation_id_review_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_comments"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["review_conversations.id"],
            name="fk_review_comments_conversation_id_review_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_review_comments_conversation_id", "review_comments", ["conversation_id"])
    op.create_table(
        "review_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("event_id", BIG_ID, nullable=False),
        sa.Column("message_text", sa.Text(), nullable=False),
        sa.Column("predicted", sa.String(120), nullable=True),
        sa.Column("topic", sa.String(120), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_corrections"),
        sa.UniqueConstraint("conversation_id", "event_id", name="uq_review_corrections_message"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["review_conversations.id"],
            name="fk_review_corrections_conversation_id_review_conversations",
            ondelete="CASCADE",
        ),
    )

    guards = POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)
    if op.get_bind().dialect.name != "postgresql":
        op.execute(
            "ALTER TABLE review_conversations ADD COLUMN citizen_tsv TEXT GENERATED ALWAYS AS (NULL) VIRTUAL"
        )
        op.create_index("ix_review_conversations_search", "review_conversations", ["citizen_tsv"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_review_conversations_search")
        op.execute("DROP TRIGGER IF EXISTS review_audit_subjects_guard ON review_audit_subjects")
        op.execute("DROP TRIGGER IF EXISTS review_audit_guard ON review_audit")
        op.execute("DROP FUNCTION IF EXISTS review_audit_guard()")
    for table in (
        "review_corrections",
        "review_comments",
        "review_marks",
        "review_index_state",
        "review_messages",
        "review_conversations",
        "review_audit_purge_permits",
        "review_audit_subjects",
        "review_audit",
        "review_login_failures",
        "review_sessions",
        "review_accounts",
    ):
        op.drop_table(table)
