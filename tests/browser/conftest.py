"""Fixtures for the browser tests: real servers, the demo web site and headless Chromium.

- `servers`: the session's one set of Rasa + action servers (shared with tests/e2e/ through
  `tests.support.servers.shared_servers`).
- `rasa_proxy`: a TCP proxy in front of Rasa that a test can stop and start (connection trouble).
- `web`: the demo web site (`python -m bot.web`) on a free port; its widget talks to Rasa through
  the proxy.
- `browser`: Debian's Chromium (/usr/bin/chromium, `make browser`) driven by Playwright; no
  browser is ever downloaded. Missing Chromium skips these tests locally and FAILS them on CI.
- `context`: a fresh browser context (own sessionStorage and cookies) per test, Danish locale.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Dict

import pytest

from tests.support.servers import REPO, free_port, running_server, shared_servers
from tests.support.tcp_proxy import TcpProxy
from tests.support.widget import AXE, CHROMIUM, SCREENSHOTS

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1100, "height": 760}


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    with shared_servers(tmp_path_factory) as described:
        yield described


@pytest.fixture(scope="session")
def rasa_proxy(servers: Dict[str, str]) -> Iterator[TcpProxy]:
    proxy = TcpProxy(free_port(), int(servers["rasa_port"]))
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def web(
    servers: Dict[str, str], rasa_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("web") / "web.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "RASA_PUBLIC_URL": f"http://127.0.0.1:{rasa_proxy.port}",
        "CITIZEN_JWT_SECRET": servers["secret"],
        "APP_ENV": "development",
    }
    url = f"http://127.0.0.1:{port}"
    with running_server([sys.executable, "-m", "bot.web"], env, log, f"{url}/health", 30):
        yield url


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, so it must be closed before pytest-asyncio runs the async tests of other folders.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make install does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=VIEWPORT, locale="da-DK")
    ctx.set_default_timeout(15000)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
