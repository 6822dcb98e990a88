"""Every environment variable the project reads, parsed and validated in one place.

Modules import `get_settings()` instead of reading `os.environ` themselves, so that the
full list of knobs (and their defaults) lives here. Secrets have no defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Placeholder secret used by `make run` / tests. `demo-token` refuses to sign with anything
# that is not explicitly marked as a development secret (see bot.identity).
DEV_SECRET_PREFIX = "dev-only-"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _opt(name: str) -> str | None:
    raw = os.environ.get(name)
    return raw if raw else None


@dataclass(frozen=True)
class Settings:
    """A snapshot of the environment, taken once per process."""

    app_env: str = "development"  # "production" disables demo features
    rasa_port: int = 5005
    action_port: int = 5055
    # Case database (SQLAlchemy URL). SQLite file under var/ by default.
    cases_db_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'cases.db'}"
    cases_db_timeout_s: float = 2.0
    # Citizen identity (JWT from the municipality's MitID login).
    citizen_jwt_secret: str | None = None
    citizen_jwt_public_key_file: str | None = None
    citizen_jwt_issuer: str | None = None
    citizen_jwt_audience: str | None = None

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once; tests call `get_settings.cache_clear()` after changing it."""
    return Settings(
        app_env=os.environ.get("APP_ENV", "development"),
        rasa_port=_int("RASA_PORT", 5005),
        action_port=_int("ACTION_PORT", 5055),
        cases_db_url=os.environ.get("CASES_DB_URL") or Settings.cases_db_url,
        cases_db_timeout_s=_float("CASES_DB_TIMEOUT", 2.0),
        citizen_jwt_secret=_opt("CITIZEN_JWT_SECRET"),
        citizen_jwt_public_key_file=_opt("CITIZEN_JWT_PUBLIC_KEY_FILE"),
        citizen_jwt_issuer=_opt("CITIZEN_JWT_ISSUER"),
        citizen_jwt_audience=_opt("CITIZEN_JWT_AUDIENCE"),
    )
