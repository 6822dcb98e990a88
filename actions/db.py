"""Connections to the case database: engine factory, unit-of-work sessions and migrations.

Owns how we connect (pool settings that survive a database restart, SQLite thread and busy
settings, PostgreSQL connect/statement timeouts), `session_scope()` and `migrate(url)`, which
runs `alembic upgrade head` with a Config built in code so it works from any working directory.
It must not contain queries (that is `actions.repository`) and must never call `create_all`:
the schema exists only through the Alembic migrations in `migrations/`.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.orm import Session

from bot.settings import REPO_ROOT

MIGRATIONS_DIR = REPO_ROOT / "migrations"
# Recycle pooled connections before typical server/firewall idle limits; together with
# pool_pre_ping this lets the bot survive a database restart without a process restart.
POOL_RECYCLE_S = 1800
# Lock/statement wait used when the caller gives no timeout (migrations, imports).
DEFAULT_STATEMENT_TIMEOUT_S = 30.0
DEFAULT_CONNECT_TIMEOUT_S = 10.0


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_engine(url: URL, timeout_s: float | None, create_dirs: bool) -> Engine:
    path = _sqlite_file(url)
    if create_dirs and path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    busy_timeout = timeout_s if timeout_s is not None else DEFAULT_STATEMENT_TIMEOUT_S
    engine = create_engine(
        url,
        future=True,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE_S,
        connect_args={"check_same_thread": False, "timeout": busy_timeout},
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _server_connect_args(url: URL, timeout_s: float | None) -> dict[str, Any]:
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg2":
        return {}
    connect_timeout = timeout_s if timeout_s is not None else DEFAULT_CONNECT_TIMEOUT_S
    args: dict[str, Any] = {
        "connect_timeout": max(2, math.ceil(connect_timeout)),
        "application_name": "moedeklar",
    }
    if timeout_s is not None:
        args["options"] = f"-c statement_timeout={max(1, int(timeout_s * 1000))}"
    return args


def make_engine(url: str, *, timeout_s: float | None = None, create_dirs: bool = False) -> Engine:
    """Build an Engine for `url`.

    `timeout_s` bounds how long one statement may wait or run on the server side (SQLite busy
    timeout, PostgreSQL statement_timeout and connect_timeout); None means the generous
    defaults used for migrations and imports. `create_dirs` creates the folder of a SQLite
    file (e.g. `var/`); readers leave it False so a wrong path fails instead of creating it.
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        return _sqlite_engine(sa_url, timeout_s, create_dirs)
    return create_engine(
        sa_url,
        future=True,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE_S,
        connect_args=_server_connect_args(sa_url, timeout_s),
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One session per unit of work: commit on success, roll back on error, always close."""
    session = Session(bind=engine, future=True, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    """An Alembic Config pointing at this repo's `migrations/`, independent of the cwd."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["url"] = url
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Run `alembic upgrade <revision>` on `url`, creating a SQLite file's folder if needed."""
    engine = make_engine(url, create_dirs=True)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def schema_revision(url: str) -> str | None:
    """The Alembic revision the database at `url` is on (None for an empty or missing one).

    A SQLite file that does not exist is reported as None and is not created.
    """
    sa_url = make_url(url)
    path = _sqlite_file(sa_url) if sa_url.get_backend_name() == "sqlite" else None
    if path is not None and not path.exists():
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
