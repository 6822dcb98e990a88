"""Alembic environment for the database (see `core.store.schema.migrate`).

Owns how Alembic connects: it reuses the connection `core.store.schema.migrate` passes in
`config.attributes["connection"]`; otherwise it connects to `config.attributes["url"]`, the
`sqlalchemy.url` option or, last, `CASES_DB_URL` from `core.settings`. It does not configure
logging (the application owns that) and holds no schema itself: that is `core.store.tables`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import context
from sqlalchemy.engine import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.store.engine import make_engine  # noqa: E402
from core.store.tables import Base  # noqa: E402

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    from core.settings import get_settings

    return get_settings().cases_db_url


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Rasa's `events` table (the conversation store, possibly in this database) is Rasa's own."""
    return not (type_ == "table" and name == "events" and reflected and compare_to is None)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`alembic upgrade head --sql`)."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the shared connection, or open one for the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), create_dirs=True)
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
