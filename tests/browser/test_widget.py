"""The chat widget in headless Chromium on the demo municipality page, against the real servers.

Covers what a citizen does (anonymous question, MitID demo login and "hvornår er mit næste
møde?", reload and navigation, keyboard only, Start forfra), accessibility (axe-core, focus,
320 px and 200 % zoom, reduced motion), safe rendering of hostile replies, connection trouble,
and that a conversation id from another person is not honoured. Writes screenshots to
results/screenshots/ (docs/screenshots/ with `make screenshots`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.support.widget import (
    ANSWER_TIMEOUT_MS,
    AXE,
    ask,
    expect_answer,
    log_in_as_anna,
    open_widget,
    shot,
    stored,
    wait_online,
)

FAQ_QUESTION = "hvor længe varer et ressourceforløb?"
FAQ_ANSWER_PART = "højst vare 3 år"
MEETING_QUESTION = "hvornår er mit næste møde?"
ANNAS_ROOM = "lokale 2.14"
SOCKET_URL = re.compile(r".*/socket\.io/.*transport=websocket.*")


def intercept_socket(page: Page) -> list[WebSocketRoute]:
    """Pass the widget's websocket through to Rasa, keeping a handle to inject server messages."""
    routes: list[WebSocketRoute] = []

    def handler(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        routes.append(ws)

    page.route_web_socket(SOCKET_URL, handler)
    return routes


def inject_bot_event(routes: list[WebSocketRoute], data: dict[str, Any]) -> None:
    """A socket.io `bot_uttered` event as Rasa's server would send it (packet type 42)."""
    assert routes, "the widget did not open a websocket"
    routes[-1].send("42" + json.dumps(["bot_uttered", data]))


# --- the page and the anonymous citizen --------------------------------------------------------
def test_page_headers_and_closed_state(context, web, screenshots):
    response = requests.get(f"{web}/", timeout=10)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "connect-src 'self' http://127.0.0.1:" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    page = context.new_page()
    page.goto(f"{web}/")
    assert page.evaluate("document.documentElement.lang") == "da"
    expect(page.get_by_role("button", name="Chat med Mødeklar")).to_be_visible()
    expect(page.locator(".login-state")).to_contain_text("Ikke logget ind")
    shot(page, screenshots / "01-page-closed.png")


def test_anonymous_question_reload_and_navigation(context, web, screenshots):
    page = context.new_page()
    page.goto(f"{web}/")
    open_widget(page)
    privacy = page.locator(".mk-privacy")
    expect(privacy).to_contain_text("Skriv ikke dit CPR-nummer")
    expect(privacy).to_contain_text("30 dage")
    expect(page.locator(".mk-panel")).to_contain_text("Skriv til eller ring til kommunen")
    expect(page.get_by_role("link", name="Tilgængelighedserklæring").last).to_be_visible()
    wait_online(page)
    shot(page, screenshots / "02-privacy-note.png")

    ask(page, FAQ_QUESTION)
    expect_answer(page, FAQ_ANSWER_PART)
    expect(page.locator(".mk-typing")).to_be_hidden()
    expect(page.locator("#mk-announcer")).to_contain_text(FAQ_ANSWER_PART)
    shot(page, screenshots / "03-anonymous-answer.png")
    session_id = stored(page)["sessionId"]
    assert session_id

    page.reload()
    expect(page.locator(".mk-panel")).to_be_visible()  # stays open across reloads
    expect(page.locator(".mk-msg--user")).to_have_text(re.compile(FAQ_QUESTION))
    expect(page.locator(".mk-msg--bot").first).to_contain_text(FAQ_ANSWER_PART)
    expect(page.locator("#mk-announcer")).to_be_empty()  # old messages are not announced again
    wait_online(page)
    assert stored(page)["sessionId"] == session_id

    page.get_by_role("link", name="Mødet om din sag").first.click()
    expect(page.locator("h1")).to_have_text("Mødet om din sag")
    expect(page.locator(".mk-msg--bot").first).to_contain_text(FAQ_ANSWER_PART)
    wait_online(page)
    assert stored(page)["sessionId"] == session_id

    page.get_by_role("button", name="Start forfra").click()
    expect(page.locator(".mk-msg--bot")).to_have_count(0)
    expect(page.locator(".mk-info")).to_have_text("Du er i en ny samtale.")
    wait_online(page)
    page.wait_for_function(
        "old => (JSON.parse(sessionStorage.getItem('moedeklar.chat.v1')) || {}).sessionId !== old",
        arg=session_id,
    )


def test_logged_in_citizen_sees_her_meeting(context, web, screenshots):
    page = context.new_page()
    log_in_as_anna(page, web)
    open_widget(page)
    expect(page.locator(".mk-identity")).to_contain_text("Logget ind som Anna Jensen")
    ask(page, MEETING_QUESTION)
    expect(page.locator(".mk-log")).to_contain_text(ANNAS_ROOM, timeout=ANSWER_TIMEOUT_MS)
    shot(page, screenshots / "04-logged-in-meeting.png")

    page.get_by_role("button", name="Log ud").click()
    expect(page.locator(".login-state")).to_contain_text("Ikke logget ind")
    expect(page.locator(".mk-panel")).to_be_hidden()  # her conversation is closed and forgotten
    assert stored(page).get("items", []) == []
    open_widget(page)
    expect(page.locator(".mk-identity")).to_contain_text("Ikke logget ind")
    expect(page.locator(".mk-log")).not_to_contain_text(ANNAS_ROOM)
    ask(page, MEETING_QUESTION)
    expect(page.locator(".mk-msg--bot").last).to_contain_text("Log ind", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(".mk-log")).not_to_contain_text(ANNAS_ROOM)


def test_a_session_id_from_someone_else_is_not_honoured(browser, web):
    anna = browser.new_context(locale="da-DK")
    intruder = browser.new_context(locale="da-DK")
    try:
        page = anna.new_page()
        log_in_as_anna(page, web)
        open_widget(page)
        wait_online(page)
        annas_id = stored(page)["sessionId"]

        other = intruder.new_page()
        other.goto(f"{web}/")
        forged = {"sessionId": annas_id, "owner": None, "open": True, "items": []}
        other.evaluate("s => sessionStorage.setItem('moedeklar.chat.v1', s)", json.dumps(forged))
        other.reload()
        wait_online(other)
        assert stored(other)["sessionId"] != annas_id
        ask(other, MEETING_QUESTION)
        expect(other.locator(".mk-msg--bot").last).to_contain_text("Log ind", timeout=ANSWER_TIMEOUT_MS)
        expect(other.locator(".mk-log")).not_to_contain_text(ANNAS_ROOM)
    finally:
        anna.close()
        intruder.close()


# --- keyboard, screen readers, small screens ---------------------------------------------------
def test_keyboard_only(context, web):
    page = context.new_page()
    page.goto(f"{web}/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "mk-launcher":
            break
    else:
        pytest.fail("the chat button cannot be reached with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.press("Enter")
    expect(page.locator("#mk-input")).to_be_focused()
    page.keyboard.type("hej")
    page.keyboard.press("Enter")
    greeting = page.locator(".mk-msg--bot").first
    replies = greeting.locator(".mk-reply")
    expect(replies.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(greeting.get_by_role("group", name="Svarmuligheder")).to_be_visible()
    page.keyboard.press("Shift+Tab")  # from the text field back to the last answer button
    focused = page.locator(":focus")
    expect(focused).to_have_class(re.compile("mk-reply"))
    chosen = focused.inner_text()
    page.keyboard.press("Enter")
    expect(page.locator(".mk-msg--user").last).to_have_text(re.compile(re.escape(chosen)))
    for button in replies.all():
        expect(button).to_be_disabled()
    expect(page.locator("#mk-input")).to_be_focused()
    expect(page.locator(".mk-msg--bot")).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    page.keyboard.press("Escape")
    expect(page.locator(".mk-panel")).to_be_hidden()
    expect(page.locator("#mk-launcher")).to_be_focused()


def test_axe_finds_no_serious_violations(browser, web):
    ctx = browser.new_context(viewport={"width": 1100, "height": 760}, locale="da-DK", bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(f"{web}/")
        open_widget(page)
        ask(page, "hej")
        expect(page.locator(".mk-reply").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            """() => axe.run(document, {runOnly: {type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
        )
    finally:
        ctx.close()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)
    assert result["passes"], "axe ran no checks"


def test_small_screen_zoom_and_reduced_motion(browser, web, screenshots):
    # 320 CSS px wide (WCAG 1.4.10 reflow) ...
    ctx = browser.new_context(viewport={"width": 320, "height": 640}, locale="da-DK", reduced_motion="reduce")
    try:
        page = ctx.new_page()
        page.goto(f"{web}/")
        open_widget(page)
        wait_online(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        box = page.locator(".mk-panel").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
        expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
        dots = "getComputedStyle(document.querySelector('.mk-typing__dots')).animationName"
        animation = page.evaluate(dots)
        assert animation == "none"
        shot(page, screenshots / "06-320px.png")
    finally:
        ctx.close()
    # ... and 200 % zoom of a 1280 x 800 window (= 640 x 400 CSS px at device scale 2).
    ctx = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2, locale="da-DK")
    try:
        page = ctx.new_page()
        page.goto(f"{web}/")
        open_widget(page)
        for name in ("Send", "Start forfra", "Luk chatten"):
            expect(page.get_by_role("button", name=name)).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 640
    finally:
        ctx.close()


# --- safe rendering and the printable note ---------------------------------------------------
def test_hostile_reply_is_shown_as_text_and_not_executed(context, web):
    page = context.new_page()
    routes = intercept_socket(page)
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    hostile = (
        '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> '
        "se https://www.borger.dk/ressourceforloeb. eller javascript:alert(1)"
    )
    inject_bot_event(routes, {"text": hostile, "quick_replies": [{"title": "<b>ja</b>", "payload": "ja"}]})
    message = page.locator(".mk-msg--bot").last
    expect(message).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(message).to_contain_text("<script>window.__pwned=2</script>")
    expect(message.get_by_role("button", name="<b>ja</b>")).to_be_visible()
    assert page.locator(".mk-log img, .mk-log script, .mk-log b").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    link = message.get_by_role("link")
    expect(link).to_have_count(1)  # only the https URL, never javascript:
    expect(link).to_have_attribute("href", "https://www.borger.dk/ressourceforloeb")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")


def test_preparation_note_can_be_printed(context, web):
    page = context.new_page()
    page.add_init_script(
        "window.print = () => { window.__printed = document.documentElement.classList.contains('mk-printing')"
        " && document.querySelectorAll('.mk-print-target').length; };"
    )
    routes = intercept_socket(page)
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    inject_bot_event(routes, {"text": "Dit notat til mødet: tag din medicinliste med."})
    inject_bot_event(routes, {"custom": {"moedeklar": {"kind": "preparation_note"}}})
    inject_bot_event(routes, {"custom": {"something": "else"}})  # unknown payloads are ignored
    note = page.locator(".mk-msg--bot").last
    button = note.get_by_role("button", name="Udskriv notat")
    expect(button).to_be_visible()
    expect(page.locator(".mk-msg--bot")).to_have_count(1)
    button.click()
    assert page.evaluate("window.__printed") == 1
    page.reload()  # the button is part of the stored conversation
    expect(page.get_by_role("button", name="Udskriv notat")).to_be_visible()


def test_typing_indicator_shows_until_the_answer(context, web):
    """The user's message is held back at the websocket, so the wait is as long as we like."""
    page = context.new_page()
    routes: list[WebSocketRoute] = []

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda message: None if '"user_uttered"' in str(message) else server.send(message))
        routes.append(ws)

    page.route_web_socket(SOCKET_URL, handler)
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    ask(page, "hej")
    typing = page.locator(".mk-typing")
    expect(typing).to_be_visible()
    expect(typing).to_contain_text("Mødeklar skriver")
    inject_bot_event(routes, {"text": "Hej."})
    expect(typing).to_be_hidden()


def test_refused_message_starts_over_and_can_be_retried(context, web):
    """The server refuses a message whose identity differs from the conversation's."""
    page = context.new_page()
    routes = intercept_socket(page)
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    ask(page, FAQ_QUESTION)
    expect_answer(page, FAQ_ANSWER_PART)
    old_session = stored(page)["sessionId"]
    assert routes
    routes[-1].send("42" + json.dumps(["session_invalid", {"reason": "identity_changed"}]))
    expect(page.locator(".mk-info")).to_contain_text("Din samtale er startet forfra")
    expect(page.locator(".mk-msg--bot")).to_have_count(0)  # the old conversation is not shown
    failed = page.locator(".mk-msg--failed")
    expect(failed).to_contain_text("Ikke sendt – prøv igen")
    page.wait_for_function(
        "old => (JSON.parse(sessionStorage.getItem('moedeklar.chat.v1')) || {}).sessionId !== old",
        arg=old_session,
    )
    failed.get_by_role("button", name=re.compile("^Prøv igen")).click()
    expect_answer(page, FAQ_ANSWER_PART)
    expect(page.locator(".mk-msg--failed")).to_have_count(0)


# --- connection trouble ------------------------------------------------------------------------
def test_server_goes_away_and_comes_back(context, web, rasa_proxy, screenshots):
    page = context.new_page()
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    session_id = stored(page)["sessionId"]
    rasa_proxy.stop()
    try:
        status = page.locator(".mk-status")
        expect(status).to_contain_text("Forbindelsen er afbrudt")
        ask(page, FAQ_QUESTION)
        queued = page.locator(".mk-msg--user").last
        expect(queued).to_contain_text("Sendes, når forbindelsen er tilbage")
        shot(page, screenshots / "05-offline.png")
        page.wait_for_timeout(1500)  # a few reconnection attempts fail meanwhile
    finally:
        rasa_proxy.start()
    expect_answer(page, FAQ_ANSWER_PART)
    expect(page.locator(".mk-msg--user").last).not_to_contain_text("Sendes, når")
    expect(page.locator(".mk-status")).to_contain_text("Forbindelsen er tilbage")
    assert stored(page)["sessionId"] == session_id  # the same conversation continues
