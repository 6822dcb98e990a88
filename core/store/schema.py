"""The database schema: Alembic migrations, run in code from any working directory.

Owns `migrate(url)` (`alembic upgrade head` with a Config built here, pointing at the repository's
`migrations/`) and `schema_revision(url)`. Every table comes from a migration; nothing calls
`create_all`.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.settings import REPO_ROOT
from core.store.engine import make_engine, sqlite_file
from core.store.errors import StoreUnavailable

MIGRATIONS_DIR = REPO_ROOT / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic Config pointing at this repo's `migrations/`, independent of the cwd."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["url"] = url
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Run `alembic upgrade <revision>` on `url`, creating a SQLite file's folder if needed.

    A database that cannot be reached raises StoreUnavailable (class name and dialect only).
    """
    engine = make_engine(url, create_dirs=True)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except DBAPIError as exc:
        raise StoreUnavailable(type(exc.orig or exc).__name__, engine.dialect.name) from None
    finally:
        engine.dispose()


def schema_revision(url: str) -> str | None:
    """The Alembic revision the database at `url` is on (None for an empty or missing one).

    A SQLite file that does not exist is reported as None and is not created.
    """
    sa_url = make_url(url)
    path = sqlite_file(sa_url) if sa_url.get_backend_name() == "sqlite" else None
    if path is not None and not path.exists():
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
