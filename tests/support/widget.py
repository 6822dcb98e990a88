"""Playwright helpers for the chat widget, shared by the browser tests.

Paths: Debian's Chromium (CHROMIUM, `make browser`), axe-core (AXE, from `npm ci`) and where
screenshots go (results/screenshots/, or docs/screenshots/ with `make screenshots`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.support.servers import REPO

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Screenshots of the key states: into results/ on every run; `make screenshots`
# (UPDATE_SCREENSHOTS=1) writes the committed ones in docs/screenshots/ instead.
SCREENSHOTS = REPO / ("docs" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else "results") / "screenshots"
ANSWER_TIMEOUT_MS = 30000


def open_widget(page: Page) -> None:
    page.get_by_role("button", name="Chat med Mødeklar").click()
    expect(page.locator("#mk-input")).to_be_focused()


def wait_online(page: Page) -> None:
    expect(page.locator(".mk-root")).to_have_attribute("data-connection", re.compile("online|back"))


def ask(page: Page, text: str) -> None:
    page.locator("#mk-input").fill(text)
    page.keyboard.press("Enter")


def expect_answer(page: Page, text: str) -> None:
    expect(page.locator(".mk-msg--bot").last).to_contain_text(text, timeout=ANSWER_TIMEOUT_MS)


def shot(page: Page, path: Path) -> None:
    """A screenshot of a key state (see SCREENSHOTS), after scrolling has settled."""
    page.wait_for_timeout(600)
    page.screenshot(path=str(path))


def stored(page: Page) -> dict[str, Any]:
    return json.loads(page.evaluate("sessionStorage.getItem('moedeklar.chat.v1')") or "{}")


def log_in_as_anna(page: Page, web: str) -> None:
    page.goto(f"{web}/")
    page.get_by_role("link", name=re.compile("Log ind med MitID")).click()
    page.get_by_label(re.compile("Anna Jensen")).check()
    page.get_by_role("button", name="Log ind").click()
    expect(page.locator(".login-state")).to_contain_text("Du er logget ind som Anna Jensen")
