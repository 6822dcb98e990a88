"""What the review app needs: its settings (from core.settings) and the store objects it shares.

Must not: read the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bot.review.rate_limit import REVIEW_LOGIN, RateRule
from core.settings import Settings, get_settings
from core.store.review.store import ReviewStore

REVIEW_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = REVIEW_DIR / "templates"
STATIC_DIR = REVIEW_DIR / "static"


@dataclass(frozen=True)
class ReviewConfig:
    host: str
    port: int
    secure_cookies: bool
    session_ttl: timedelta
    max_failed_logins: int
    lockout: timedelta
    trust_proxy: bool
    # Sign-in attempts per client address (bot.review.rate_limit); tests may pass their own.
    login_rate_limit: RateRule = REVIEW_LOGIN


def load_config(settings: Settings | None = None) -> ReviewConfig:
    settings = settings or get_settings()
    return ReviewConfig(
        host=settings.review_host,
        port=settings.review_port,
        secure_cookies=not settings.is_local_development,
        session_ttl=timedelta(minutes=settings.review_session_minutes),
        max_failed_logins=settings.review_max_failed_logins,
        lockout=timedelta(minutes=settings.review_lockout_minutes),
        trust_proxy=settings.review_trust_proxy,
    )


CONFIG_KEY: web.AppKey[ReviewConfig] = web.AppKey("review_config", ReviewConfig)
STORE_KEY: web.AppKey[ReviewStore] = web.AppKey("review_store", ReviewStore)
