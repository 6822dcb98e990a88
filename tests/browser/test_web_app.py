"""The demo web site without a browser: headers, demo login rules, the widget's config block.

Runs the aiohttp app in-process (no Rasa needed), so these also run where Chromium is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.app import create_app
from bot.web.config import WebConfig
from bot.web.rendering import script_json
from bot.web.visitor import TOKEN_COOKIE
from core.settings import get_settings

CONFIG = WebConfig(host="127.0.0.1", port=0, rasa_public_url="https://chat.example:5005", demo_login=True)
CONFIG_BLOCK = re.compile(r'<script type="application/json" id="moedeklar-config">(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def dev_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("APP_ENV", "CITIZEN_JWT_PUBLIC_KEY_FILE", "CITIZEN_JWT_ISSUER", "CITIZEN_JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CITIZEN_JWT_SECRET", "dev-only-" + "w" * 40)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def _client(config: WebConfig) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(create_app(config)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    async for made in _client(CONFIG):
        yield made


def widget_config(html: str) -> dict:
    match = CONFIG_BLOCK.search(html)
    assert match, "the page has no widget config block"
    return json.loads(match.group(1))


async def test_security_headers_on_pages_static_and_errors(client: TestClient) -> None:
    for path in ("/", "/static/widget/moedeklar-widget.js", "/no-such-page"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe" not in csp
        assert "connect-src 'self' https://chat.example:5005 wss://chat.example:5005" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


async def test_pages_are_danish_and_embed_the_widget_with_one_script(client: TestClient) -> None:
    for path in ("/", "/rehabiliteringsteam", "/tilgaengelighedserklaering", "/privatliv"):
        response = await client.get(path)
        assert response.status == 200
        html = await response.text()
        assert '<html lang="da">' in html
        assert html.count('src="/static/widget/moedeklar-widget.js"') == 1
        assert "<script>" not in html  # no inline script
    config = widget_config(await (await client.get("/")).text())
    assert config["serverUrl"] == "https://chat.example:5005"
    assert config["token"] is None and config["citizenName"] is None
    assert config["municipality"]["retentionDays"] >= 1
    assert config["municipality"]["phoneUri"].startswith("tel:+45")


async def test_the_config_carries_the_widgets_texts_in_both_languages(client: TestClient) -> None:
    config = widget_config(await (await client.get("/")).text())
    texts = config["texts"]
    assert set(texts) == {"da", "en"}
    assert texts["da"].keys() == texts["en"].keys()
    assert texts["da"]["restart"] == "Start forfra" and texts["en"]["restart"] == "Start again"
    assert texts["da"]["language_button"] == "English" and texts["en"]["language_button"] == "Dansk"
    # the municipality's words are filled per language; the widget's own placeholders are kept
    assert texts["en"]["contact_hours"] == "(Monday to Thursday 9-15 and Friday 9-12)"
    assert texts["da"]["contact_hours"] == "(mandag til torsdag kl. 9-15 og fredag kl. 9-12)"
    assert "staff at the jobcentre" in texts["en"]["privacy_readers"]
    assert texts["en"]["typing"] == "{title} is writing ..."
    assert "{" not in texts["en"]["contact_call"] + texts["en"]["privacy_retention"]


async def test_demo_login_sets_an_httponly_cookie_and_the_page_shows_the_citizen(client: TestClient) -> None:
    response = await client.post(
        "/demo/mitid", data={"citizen": "c-1001", "next": "/rehabiliteringsteam"}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/rehabiliteringsteam"
    cookie = response.cookies[TOKEN_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    html = await (await client.get("/")).text()
    assert "Anna Jensen" in html
    config = widget_config(html)
    assert config["citizenName"] == "Anna Jensen" and config["token"]
    response = await client.post("/demo/log-ud", data={"next": "/"}, allow_redirects=False)
    assert response.status == 303
    client.session.cookie_jar.clear()
    assert "Ikke logget ind" in await (await client.get("/")).text()


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
async def test_login_redirects_only_within_the_site(client: TestClient, target: str) -> None:
    response = await client.post(
        "/demo/mitid", data={"citizen": "c-1001", "next": target}, allow_redirects=False
    )
    assert response.headers["Location"] == "/"


async def test_cross_site_and_unknown_logins_are_refused(client: TestClient) -> None:
    response = await client.post(
        "/demo/mitid",
        data={"citizen": "c-1001"},
        headers={"Sec-Fetch-Site": "cross-site"},
        allow_redirects=False,
    )
    assert response.status == 403
    response = await client.post("/demo/mitid", data={"citizen": "c-9999"}, allow_redirects=False)
    assert response.status == 400


async def test_a_forged_cookie_is_not_trusted(client: TestClient) -> None:
    client.session.cookie_jar.update_cookies({TOKEN_COOKIE: "not-a-token"})
    html = await (await client.get("/")).text()
    assert widget_config(html)["token"] is None
    assert "Ikke logget ind" in html


async def test_no_demo_login_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    get_settings.cache_clear()
    assert not get_settings().demo_login_allowed()
    production = WebConfig(host="127.0.0.1", port=0, rasa_public_url="https://chat.example", demo_login=False)
    async for client in _client(production):
        assert (await client.get("/demo/mitid")).status == 404
        assert (await client.post("/demo/mitid", data={"citizen": "c-1001"})).status == 404
        html = await (await client.get("/")).text()
        assert "https://www.eksempel-kommune.dk/chat/log-ind" in html  # the real login page


def test_config_json_cannot_close_the_script_element() -> None:
    text = script_json({"citizenName": "</script><script>alert(1)</script>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["citizenName"] == "</script><script>alert(1)</script>&"
