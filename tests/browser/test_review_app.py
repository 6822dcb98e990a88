"""The caseworkers' review app in headless Chromium, on conversations held with the real assistant.

Citizens talk to the session's real Rasa and action servers over REST (Anna, logged in, prepares
for her meeting and shares her note; anonymous citizens ask, get a "Mente du …?"-style fallback,
ask for a human, and write HTML). The review app runs as its own process on the same databases,
exactly as `make run` starts it. A caseworker signs in with the keyboard, filters the list, reads
a transcript and the meeting notes; axe-core checks every page. Screenshots go to
results/screenshots/ (docs/screenshots/ with `make screenshots`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Dict

import pytest
from playwright.sync_api import Page, expect

from tests.support.citizens import Conversation, make_token
from tests.support.review import PASSWORD
from tests.support.servers import REPO, free_port, running_server
from tests.support.widget import AXE, shot

MARKUP = "Er <script>alert('hej')</script> et ressourceforløb noget for mig?"


def talk_as_citizens(rest_url: str, secret: str) -> None:
    """Conversations a caseworker will review, held with the real assistant."""
    anna = Conversation(rest_url, make_token(secret), prefix="review-anna")
    anna.say("kan jeg få en tolk med til mødet?")
    anna.say("hjælp mig med at forberede mig")
    anna.say("Spring over")
    anna.say("Ja, hjælp mig")
    anna.say("At de forstår, at jeg ikke kan arbejde fuld tid.")
    for _ in range(6):
        anna.say("Spring over")
    assert "Må jeg sende dit notat" in anna.say("Det er fint")
    assert "Dit notat er sendt" in anna.say("Ja, send det")
    anonymous = Conversation(rest_url, prefix="review-anon")
    anonymous.say(MARKUP)
    anonymous.say("xqzv blorpf snirk")
    handoff = Conversation(rest_url, prefix="review-handoff")
    handoff.say("jeg vil gerne tale med et menneske")


@pytest.fixture(scope="module")
def review(servers: Dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    talk_as_citizens(f"{servers['rasa']}/webhooks/rest/webhook", servers["secret"])
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CASES_DB_URL": servers["db_url"],
        "TRACKER_STORE_URL": servers["tracker_store_url"],
        "REVIEW_PASSWORD": PASSWORD,
        "APP_ENV": "development",
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "add-caseworker",
            "mette",
            "--role",
            "caseworker",
            "--email",
            "mh@kommune.example",
        ],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = tmp_path_factory.mktemp("review") / "review.log"
    env = {**env, "REVIEW_PORT": str(port), "REVIEW_HOST": "127.0.0.1"}
    url = f"http://127.0.0.1:{port}"
    with running_server([sys.executable, "-m", "bot.review"], env, log, f"{url}/health", 30):
        yield url


def sign_in_with_the_keyboard(page: Page, review: str) -> None:
    page.goto(f"{review}/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Spring til indholdet")).to_be_focused()
    page.get_by_label("Brugernavn").focus()
    page.keyboard.type("mette")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Adgangskode")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Samtaler", exact=True)).to_be_visible()


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result: Any = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    assert result["passes"], "axe ran no checks"
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_sign_in_list_filter_and_transcript(context: Any, review: str, screenshots: Path) -> None:
    page = context.new_page()
    page.goto(f"{review}/login")
    shot(page, screenshots / "review-01-login.png")
    sign_in_with_the_keyboard(page, review)
    table = page.get_by_role("table")
    expect(table).to_contain_text("Anna Jensen")
    expect(table).to_contain_text("Anonym")
    expect(table).to_contain_text("Notat delt")
    expect(table).to_contain_text("Usikker")
    shot(page, screenshots / "review-02-list.png")
    page.get_by_label("Bad om et menneske").check()
    page.get_by_role("button", name="Vis samtaler").click()
    expect(page).to_have_url(re.compile(r"flag=handoff"))
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).not_to_have_count(1)
    for row in rows.all()[1:]:
        expect(row).to_contain_text("Bad om et menneske")
    page.get_by_label("Søg i borgernes beskeder").fill("ressourceforløb")
    page.get_by_label("Bad om et menneske").uncheck()
    page.get_by_role("button", name="Vis samtaler").click()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Samtale "))).to_be_visible()
    expect(page.locator(".msg-citizen").first).to_contain_text(MARKUP)  # shown as text
    assert page.evaluate("() => document.querySelectorAll('script').length") == 0
    expect(page.locator(".nlu").first).to_contain_text("Forstået som")
    expect(page.locator(".nlu").first).to_contain_text("sikkerhed")
    page.get_by_label("Ny kommentar (kun for medarbejdere)").fill("Borgeren skrev HTML; ingen fare.")
    page.get_by_role("button", name="Gem kommentar").click()
    expect(page.get_by_role("status")).to_have_text("Gemt.")
    expect(page.locator(".comments")).to_contain_text("Borgeren skrev HTML; ingen fare.")
    page.get_by_role("button", name="Markér som gennemset").click()
    expect(page.locator(".facts")).to_contain_text("Ja, af mette")
    shot(page, screenshots / "review-03-transcript.png")


def test_anna_shared_note_in_her_transcript_and_before_the_meeting(
    context: Any, review: str, screenshots: Path
) -> None:
    page = context.new_page()
    sign_in_with_the_keyboard(page, review)
    page.get_by_label("Notat delt").check()
    page.get_by_role("button", name="Vis samtaler").click()
    page.get_by_role("table").get_by_role("link").first.click()
    note = page.locator(".note")
    expect(note).to_contain_text("At de forstår, at jeg ikke kan arbejde fuld tid.")
    expect(page.locator(".action").filter(has_text="action_preparation_finish")).to_have_count(1)
    page.get_by_role("link", name="Før et møde").click()
    expect(page.get_by_role("heading", name="Før et møde")).to_be_visible()
    anna = page.locator(".meetings > li").filter(has_text="Anna Jensen").first
    expect(anna).to_contain_text("At de forstår, at jeg ikke kan arbejde fuld tid.")
    expect(page.locator(".meetings")).not_to_contain_text("Jonas Nielsen")  # Sara Lund's citizen
    shot(page, screenshots / "review-04-meetings.png")
    page.get_by_role("link", name="Overblik").click()
    expect(page.get_by_role("img", name=re.compile("Samtaler pr. dag"))).to_be_visible()
    shot(page, screenshots / "review-05-overview.png")


def test_axe_finds_no_serious_violations_on_any_page(browser: Any, review: str) -> None:
    ctx = browser.new_context(viewport={"width": 1100, "height": 760}, locale="da-DK", bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(f"{review}/login")
        bad = axe_violations(page)
        sign_in_with_the_keyboard(page, review)
        for path in ("/", "/?flag=unsure", "/moeder", "/overblik"):
            page.goto(f"{review}{path}")
            bad += axe_violations(page)
        page.goto(f"{review}/")
        page.get_by_role("table").get_by_role("link").first.click()
        bad += axe_violations(page)
    finally:
        ctx.close()
    assert not bad, "\n".join(bad)


def test_small_screen_reflows(browser: Any, review: str) -> None:
    """At 320 CSS px (WCAG 1.4.10) the pages do not scroll sideways; wide tables scroll in their box."""
    ctx = browser.new_context(viewport={"width": 320, "height": 640}, locale="da-DK")
    try:
        page = ctx.new_page()
        sign_in_with_the_keyboard(page, review)
        for path in ("/", "/moeder", "/overblik"):
            page.goto(f"{review}{path}")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
    finally:
        ctx.close()
