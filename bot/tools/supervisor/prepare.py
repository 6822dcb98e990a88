"""What has to be true before the first server starts: databases, schema, demo data.

`prepare(settings, seed_demo)` creates the PostgreSQL databases that CASES_DB_URL and
TRACKER_STORE_URL name if they are missing (SQLite files need nothing), runs the case
database's migrations once (`python -m bot migrate`; never by several servers at once) and, for
the demo, loads the demo citizens (`python -m bot seed-demo`). The conversation store's tables
are Rasa's own; the first Rasa server creates them (see bot.tools.supervisor.plan).

Must not: log a database URL (it may hold a password) or start a server.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Callable

from core.settings import REPO_ROOT, Settings
from core.store.errors import StoreUnavailable
from core.store.schema import create_database_if_missing


class PreparationError(RuntimeError):
    """A step before start-up failed (the message says which, without URLs)."""


def _create_databases(settings: Settings, say: Callable[[str], None]) -> None:
    databases = (("case database", settings.cases_db_url), ("conversation store", settings.tracker_store_url))
    for label, url in databases:
        try:
            if create_database_if_missing(url):
                say(f"Created the {label} ({url.rsplit('/', 1)[-1]}).")
        except StoreUnavailable as exc:
            raise PreparationError(f"The {label}'s server cannot be reached ({exc.reason}).") from None


def _bot_command(*arguments: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise PreparationError(f"`python -m bot {' '.join(arguments)}` failed:\n{done.stderr or done.stdout}")


def prepare(settings: Settings, seed_demo: bool, say: Callable[[str], None] = print) -> None:
    _create_databases(settings, say)
    _bot_command("migrate")
    if seed_demo:
        _bot_command("seed-demo")
