"""Every environment variable the project reads, parsed and validated in one place.

Apps call `get_settings()` instead of reading `os.environ` themselves, so the full list of knobs
(and their defaults) lives here; the README's configuration table mirrors this class. Secrets
have no defaults. The environment is read once per process; tests that change it call
`get_settings.cache_clear()`.

Must not: read files or connect to anything (the municipality file is read by
`core.municipality`, databases by `core.store`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from core.limits import RATE_LIMIT_PER_CLIENT, RATE_LIMIT_PER_CONVERSATION, RATE_LIMIT_WINDOW_S

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"

# Placeholder secrets used by `make run` and the tests start with this. They are refused in
# production, and `demo-token` signs only with such a secret (see core.tokens).
DEV_SECRET_PREFIX = "dev-only-"


class SettingsError(ValueError):
    """An environment variable has a value that cannot be used (the message names it)."""


def _text(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def _opt(name: str) -> str | None:
    return _text(name) or None


def _int(name: str, default: int) -> int:
    raw = _text(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = _text(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _bool(name: str, default: bool) -> bool:
    raw = _text(name).casefold()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _positive_int(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _opt_http_url(name: str) -> str | None:
    raw = _text(name)
    return _http_url(name, raw) if raw else None


def _positive_number(name: str, default: float) -> float:
    value = _float(name, default)
    if value <= 0:
        raise SettingsError(f"{name} must be a positive number, got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """A snapshot of the environment, taken once per process."""

    app_env: str = "development"  # APP_ENV; "production" disables demo features
    rasa_port: int = 5005  # RASA_PORT
    action_port: int = 5055  # ACTION_PORT
    # The action server listens here only: loopback by default, an internal interface if set.
    action_host: str = "127.0.0.1"  # ACTION_HOST
    # Shared secret Rasa sends to the action server (endpoints.yml, `Authorization: Bearer ...`).
    action_server_token: str | None = None  # ACTION_SERVER_TOKEN
    # Where Rasa reaches the action server (endpoints.yml reads it too; /health checks it).
    action_endpoint_url: str | None = None  # ACTION_ENDPOINT_URL
    # Case database (SQLAlchemy URL). SQLite file under var/ by default.
    cases_db_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'cases.db'}"  # CASES_DB_URL
    cases_db_timeout_s: float = 2.0  # CASES_DB_TIMEOUT
    # Citizen identity (JWT from the municipality's MitID login).
    citizen_jwt_secret: str | None = None  # CITIZEN_JWT_SECRET
    citizen_jwt_public_key_file: str | None = None  # CITIZEN_JWT_PUBLIC_KEY_FILE
    citizen_jwt_issuer: str | None = None  # CITIZEN_JWT_ISSUER
    citizen_jwt_audience: str | None = None  # CITIZEN_JWT_AUDIENCE
    # Web chat: HMAC key binding socket.io conversation ids to the verified citizen.
    conversation_id_secret: str | None = None  # CONVERSATION_ID_SECRET
    # The municipality's settings file (core.municipality).
    municipality_file: Path = DATA_DIR / "municipality.yml"  # MUNICIPALITY_FILE
    # The citizens' web site with the chat widget (bot/web).
    web_host: str = "127.0.0.1"  # WEB_HOST
    web_port: int = 8080  # WEB_PORT
    rasa_public_url: str = "http://localhost:5005"  # RASA_PUBLIC_URL
    # --- SMS through GatewayAPI (bot/rasa_plugins/channels/gatewayapi.py, bot/rasa_plugins/sms/) ---
    gatewayapi_url: str = "https://gatewayapi.com"  # GATEWAYAPI_URL (the simulator in development)
    gatewayapi_token: str | None = None  # GATEWAYAPI_TOKEN (sending: Authorization: Token ...)
    gatewayapi_webhook_secret: str | None = None  # GATEWAYAPI_WEBHOOK_SECRET (X-Gwapi-Signature)
    gatewayapi_callback_url: str | None = None  # GATEWAYAPI_CALLBACK_URL (our status webhook)
    gatewayapi_timeout_s: float = 10.0  # GATEWAYAPI_TIMEOUT (one send request, seconds)
    sms_sender: str | None = None  # SMS_SENDER (default: `sms.sender` in the municipality file)
    sms_pseudonym_secret: str | None = None  # SMS_PSEUDONYM_SECRET (HMAC key of conversation ids)
    sms_unconfirmed_resend_s: float = 300.0  # SMS_UNCONFIRMED_RESEND_AFTER (no answer, no report)
    sms_demo_port: int = 8082  # SMS_DEMO_PORT (the development gateway simulator and phone page)
    # --- Review app and conversation store (docs/review.md) ---
    # Rasa's SQL tracker store (bot/rasa_plugins/tracker_store.py): every conversation, kept across restarts.
    tracker_store_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'conversations.db'}"  # TRACKER_STORE_URL
    review_host: str = "127.0.0.1"  # REVIEW_HOST
    review_port: int = 8081  # REVIEW_PORT
    # The password `python -m bot add-caseworker` gives the new account (else it asks).
    review_password: str | None = None  # REVIEW_PASSWORD
    review_session_minutes: int = 480  # REVIEW_SESSION_MINUTES: a sign-in lasts a working day
    review_max_failed_logins: int = 5  # REVIEW_MAX_FAILED_LOGINS before the lockout
    review_lockout_minutes: int = 15  # REVIEW_LOCKOUT_MINUTES
    # Take the client address for the audit log from X-Forwarded-For (behind the municipality's proxy).
    review_trust_proxy: bool = False  # REVIEW_TRUST_PROXY
    # --- Rate limits on the Rasa server's chat entry points (core/rate_limit.py) ---
    # redis://… in production (shared by every Rasa process); empty: a table in CASES_DB_URL.
    rate_limit_store_url: str | None = None  # RATE_LIMIT_STORE_URL
    # Rasa's conversation locks, shared by several Rasa processes (bot/rasa_plugins/lock_store.py): redis://…
    lock_store_url: str | None = None  # LOCK_STORE_URL
    rate_limit_window_s: int = RATE_LIMIT_WINDOW_S  # RATE_LIMIT_WINDOW (seconds)
    rate_limit_per_conversation: int = RATE_LIMIT_PER_CONVERSATION  # RATE_LIMIT_PER_CONVERSATION
    rate_limit_per_client: int = RATE_LIMIT_PER_CLIENT  # RATE_LIMIT_PER_CLIENT (IP or citizen)
    # How many proxies in front of Rasa add X-Forwarded-For (0: the peer address is the client's).
    rasa_trusted_proxies: int = 0  # RASA_TRUSTED_PROXIES
    # --- Running it (bot/tools/supervisor, docs/deploy.md) ---
    # The trained model every Rasa server loads (`make train` writes it).
    model: Path = REPO_ROOT / "models" / "moedeklar.tar.gz"  # MODEL
    # How many Rasa servers `make run-cluster` starts behind the proxy (ports RASA_PORT + 1, + 2, ...).
    rasa_processes: int = 2  # RASA_PROCESSES
    # Where the supervisor keeps pid files (run/), logs (log/) and the proxy's configuration.
    run_dir: Path = REPO_ROOT / "var"  # RUN_DIR
    # Seconds between two runs of the SMS meeting reminders (one scheduler per cluster).
    reminder_every_s: float = 300.0  # REMINDER_EVERY_S
    # JSON lines instead of text in the servers' logs (production; never citizen text).
    log_json: bool = False  # LOG_JSON

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def is_local_development(self) -> bool:
        """Plain-http cookies are allowed only here (APP_ENV=development, the default)."""
        return self.app_env == "development"

    def demo_login_allowed(self) -> bool:
        """The demo MitID login: only outside production, with a `dev-only-` HS256 secret."""
        secret = self.citizen_jwt_secret or ""
        return (
            not self.is_production
            and secret.startswith(DEV_SECRET_PREFIX)
            and not self.citizen_jwt_public_key_file
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once (see the module docstring); SettingsError names a bad variable."""
    rasa_port = _int("RASA_PORT", Settings.rasa_port)
    return Settings(
        app_env=_text("APP_ENV", "development"),
        rasa_port=rasa_port,
        action_port=_int("ACTION_PORT", Settings.action_port),
        action_host=_text("ACTION_HOST", Settings.action_host),
        action_server_token=_opt("ACTION_SERVER_TOKEN"),
        action_endpoint_url=_opt_http_url("ACTION_ENDPOINT_URL"),
        cases_db_url=_text("CASES_DB_URL", Settings.cases_db_url),
        cases_db_timeout_s=_float("CASES_DB_TIMEOUT", Settings.cases_db_timeout_s),
        citizen_jwt_secret=_opt("CITIZEN_JWT_SECRET"),
        citizen_jwt_public_key_file=_opt("CITIZEN_JWT_PUBLIC_KEY_FILE"),
        citizen_jwt_issuer=_opt("CITIZEN_JWT_ISSUER"),
        citizen_jwt_audience=_opt("CITIZEN_JWT_AUDIENCE"),
        conversation_id_secret=_opt("CONVERSATION_ID_SECRET"),
        municipality_file=Path(_text("MUNICIPALITY_FILE", str(Settings.municipality_file))),
        web_host=_text("WEB_HOST", Settings.web_host),
        web_port=_int("WEB_PORT", Settings.web_port),
        rasa_public_url=_http_url(
            "RASA_PUBLIC_URL", _text("RASA_PUBLIC_URL", f"http://localhost:{rasa_port}")
        ),
        # --- SMS through GatewayAPI ---
        gatewayapi_url=_http_url("GATEWAYAPI_URL", _text("GATEWAYAPI_URL", Settings.gatewayapi_url)),
        gatewayapi_token=_opt("GATEWAYAPI_TOKEN"),
        gatewayapi_webhook_secret=_opt("GATEWAYAPI_WEBHOOK_SECRET"),
        gatewayapi_callback_url=_opt_http_url("GATEWAYAPI_CALLBACK_URL"),
        gatewayapi_timeout_s=_positive_number("GATEWAYAPI_TIMEOUT", Settings.gatewayapi_timeout_s),
        sms_sender=_opt("SMS_SENDER"),
        sms_pseudonym_secret=_opt("SMS_PSEUDONYM_SECRET"),
        sms_unconfirmed_resend_s=_positive_number(
            "SMS_UNCONFIRMED_RESEND_AFTER", Settings.sms_unconfirmed_resend_s
        ),
        sms_demo_port=_int("SMS_DEMO_PORT", Settings.sms_demo_port),
        # --- Review app and conversation store ---
        tracker_store_url=_text("TRACKER_STORE_URL", Settings.tracker_store_url),
        review_host=_text("REVIEW_HOST", Settings.review_host),
        review_port=_int("REVIEW_PORT", Settings.review_port),
        review_password=os.environ.get("REVIEW_PASSWORD") or None,
        review_session_minutes=_positive_int("REVIEW_SESSION_MINUTES", Settings.review_session_minutes),
        review_max_failed_logins=_positive_int("REVIEW_MAX_FAILED_LOGINS", Settings.review_max_failed_logins),
        review_lockout_minutes=_positive_int("REVIEW_LOCKOUT_MINUTES", Settings.review_lockout_minutes),
        review_trust_proxy=_bool("REVIEW_TRUST_PROXY", Settings.review_trust_proxy),
        # --- Rate limits ---
        rate_limit_store_url=_opt("RATE_LIMIT_STORE_URL"),
        lock_store_url=_opt("LOCK_STORE_URL"),
        rate_limit_window_s=_positive_int("RATE_LIMIT_WINDOW", Settings.rate_limit_window_s),
        rate_limit_per_conversation=_positive_int(
            "RATE_LIMIT_PER_CONVERSATION", Settings.rate_limit_per_conversation
        ),
        rate_limit_per_client=_positive_int("RATE_LIMIT_PER_CLIENT", Settings.rate_limit_per_client),
        rasa_trusted_proxies=_int("RASA_TRUSTED_PROXIES", Settings.rasa_trusted_proxies),
        # --- Running it ---
        model=Path(_text("MODEL", str(Settings.model))),
        rasa_processes=_positive_int("RASA_PROCESSES", Settings.rasa_processes),
        run_dir=Path(_text("RUN_DIR", str(Settings.run_dir))),
        reminder_every_s=_positive_number("REMINDER_EVERY_S", Settings.reminder_every_s),
        log_json=_bool("LOG_JSON", Settings.log_json),
    )
