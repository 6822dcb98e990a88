"""The SMS channel's configuration, resolved and checked once: secrets, sender, production rules.

`sms_config()` combines the environment (`core.settings`: GATEWAYAPI_*, SMS_SENDER,
SMS_PSEUDONYM_SECRET) with the municipality's `sms` section (sender, reminder days and hours).
It raises `SmsNotConfigured` naming what is missing or wrong, so the Rasa server refuses to
start the channel (and `send-reminders` refuses to run) instead of failing per message:

- the token, the webhook secret and the pseudonym key must be set;
- in production (APP_ENV=production) none of them may be a `dev-only-` secret, and the gateway
  must be reached over https;
- the sender follows GatewayAPI's rule (`core.sms.sender`).

Must not: log secrets or hold a client (that is `bot.rasa_plugins.sms`).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.municipality import get_municipality
from core.settings import DEV_SECRET_PREFIX, Settings, get_settings
from core.sms.sender import sender_problem


class SmsNotConfigured(RuntimeError):
    """The SMS settings are missing or unusable (the message names the variable)."""


@dataclass(frozen=True)
class SmsConfig:
    gateway_url: str
    token: str
    webhook_secret: str
    pseudonym_key: bytes
    sender: str
    callback_url: str | None
    timeout_s: float
    unconfirmed_resend_s: float

    def __repr__(self) -> str:  # never the secrets
        return f"SmsConfig(gateway_url={self.gateway_url!r}, sender={self.sender!r})"


def _secret(settings: Settings, name: str, value: str | None) -> str:
    if not value:
        raise SmsNotConfigured(f"{name} is not set (see docs/sms.md)")
    if settings.is_production and value.startswith(DEV_SECRET_PREFIX):
        raise SmsNotConfigured(f"{name} is a {DEV_SECRET_PREFIX!r} secret, refused in production")
    return value


def sms_config(settings: Settings | None = None) -> SmsConfig:
    """The checked SMS configuration; SmsNotConfigured says what is wrong."""
    settings = settings or get_settings()
    token = _secret(settings, "GATEWAYAPI_TOKEN", settings.gatewayapi_token)
    webhook_secret = _secret(settings, "GATEWAYAPI_WEBHOOK_SECRET", settings.gatewayapi_webhook_secret)
    key = _secret(settings, "SMS_PSEUDONYM_SECRET", settings.sms_pseudonym_secret)
    if settings.is_production and not settings.gatewayapi_url.startswith("https://"):
        raise SmsNotConfigured("GATEWAYAPI_URL must be an https:// address in production")
    sender = settings.sms_sender or get_municipality().sms.sender
    problem = sender_problem(sender)
    if problem:
        raise SmsNotConfigured(f"SMS_SENDER {sender!r} {problem}")
    return SmsConfig(
        gateway_url=settings.gatewayapi_url,
        token=token,
        webhook_secret=webhook_secret,
        pseudonym_key=key.encode("utf-8"),
        sender=sender,
        callback_url=settings.gatewayapi_callback_url,
        timeout_s=settings.gatewayapi_timeout_s,
        unconfirmed_resend_s=settings.sms_unconfirmed_resend_s,
    )
