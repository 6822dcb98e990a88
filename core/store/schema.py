"""The database schema: Alembic migrations, run in code from any working directory.

Owns `migrate(url)` (`alembic upgrade head` with a Config built here, pointing at the repository's
`migrations/`), `schema_revision(url)` and `create_database_if_missing(url)` (a PostgreSQL
database named by a URL, created on its server). Every table comes from a migration; nothing calls
`create_all`.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.settings import REPO_ROOT
from core.store.engine import make_engine, sqlite_file
from core.store.errors import StoreUnavailable

# Where to connect to create a database: the server's own maintenance databases, in this order.
MAINTENANCE_DATABASES = ("postgres", "template1")

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


def create_database_if_missing(url: str) -> bool:
    """Create the PostgreSQL database that `url` names if its server lacks it; True if created.

    Connects as the URL's user to a maintenance database on the same server. A SQLite URL needs
    nothing (`migrate` creates the file); any other dialect is left to its administrator.
    An unreachable server raises StoreUnavailable.
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "postgresql" or not sa_url.database:
        return False
    name = sa_url.database
    last_error: DBAPIError | None = None
    for maintenance in MAINTENANCE_DATABASES:
        engine = make_engine(sa_url.set(database=maintenance).render_as_string(hide_password=False))
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                exists = connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).scalar()
                if exists:
                    return False
                quoted = connection.dialect.identifier_preparer.quote(name)
                connection.execute(text(f"CREATE DATABASE {quoted}"))
                return True
        except DBAPIError as exc:
            last_error = exc
        finally:
            engine.dispose()
    assert last_error is not None
    raise StoreUnavailable(type(last_error.orig or last_error).__name__, "postgresql") from None
