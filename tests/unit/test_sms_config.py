"""The SMS channel's configuration (core/sms/config.py): secrets required, production rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.municipality import get_municipality
from core.settings import SettingsError, get_settings
from core.sms.config import SmsNotConfigured, sms_config

GOOD = {
    "GATEWAYAPI_TOKEN": "a-real-token-from-gatewayapi",
    "GATEWAYAPI_WEBHOOK_SECRET": "a-real-webhook-secret",
    "SMS_PSEUDONYM_SECRET": "a-real-pseudonym-key",
    "GATEWAYAPI_URL": "https://gatewayapi.eu",
}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in (*GOOD, "APP_ENV", "SMS_SENDER", "GATEWAYAPI_CALLBACK_URL", "MUNICIPALITY_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_municipality.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    get_municipality.cache_clear()


def configured(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    sms_config()


def test_a_complete_configuration_with_the_municipalitys_sender(environment: pytest.MonkeyPatch) -> None:
    config = sms_config()
    assert config.sender == get_municipality().sms.sender
    assert "a-real" not in repr(config)  # never the secrets


@pytest.mark.parametrize("name", ["GATEWAYAPI_TOKEN", "GATEWAYAPI_WEBHOOK_SECRET", "SMS_PSEUDONYM_SECRET"])
def test_each_secret_is_required(environment: pytest.MonkeyPatch, name: str) -> None:
    with pytest.raises(SmsNotConfigured, match=name):
        configured(environment, **{name: ""})


@pytest.mark.parametrize("name", ["GATEWAYAPI_TOKEN", "GATEWAYAPI_WEBHOOK_SECRET", "SMS_PSEUDONYM_SECRET"])
def test_production_refuses_development_secrets(environment: pytest.MonkeyPatch, name: str) -> None:
    configured(environment, **{name: "dev-only-something"})  # fine in development
    with pytest.raises(SmsNotConfigured, match=name):
        configured(environment, APP_ENV="production", **{name: "dev-only-something"})


def test_production_needs_https_to_the_gateway(environment: pytest.MonkeyPatch) -> None:
    with pytest.raises(SmsNotConfigured, match="https"):
        configured(environment, APP_ENV="production", GATEWAYAPI_URL="http://localhost:8082")


def test_the_sender_follows_gatewayapis_rule(environment: pytest.MonkeyPatch) -> None:
    configured(environment, SMS_SENDER="Kommunen")
    with pytest.raises(SmsNotConfigured, match="SMS_SENDER"):
        configured(environment, SMS_SENDER="Jobcenter Eksempel")


def test_bad_numbers_in_the_environment_are_named(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("GATEWAYAPI_TIMEOUT", "0")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="GATEWAYAPI_TIMEOUT"):
        get_settings()
