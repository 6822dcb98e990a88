"""The chat widget in headless Chromium on the demo municipality page, against the real servers.

Covers what a citizen does (anonymous question, MitID demo login and "hvornår er mit næste
møde?", reload and navigation, keyboard only, Start forfra), accessibility (axe-core, focus,
320 px and 200 % zoom, reduced motion), safe rendering of hostile replies, connection trouble,
and that a conversation id from another person is not honoured. And the widget in English: the
language button re-labels everything and is remembered, every message carries the widget's
language in its metadata, English replies are marked lang="en" and the labels follow them, and
axe finds nothing with the widget in English. Writes screenshots to results/screenshots/
(docs/screenshots/ with `make screenshots`).
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
ENGLISH_QUESTION = "Can I bring a friend to the meeting?"
EVENT_PACKET = re.compile(r"^42\d*(\[.*)$", re.S)  # a socket.io event (with an optional ack id)


def intercept_socket(page: Page, hold_back_user_messages: bool = False) -> list[WebSocketRoute]:
    """Pass the widget's websocket through to Rasa, keeping a handle to inject server messages.

    With `hold_back_user_messages` the citizen's messages never reach Rasa (only injected replies).
    """
    routes: list[WebSocketRoute] = []

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        if hold_back_user_messages:
            ws.on_message(lambda message: None if '"user_uttered"' in str(message) else server.send(message))
        routes.append(ws)

    page.route_web_socket(SOCKET_URL, handler)
    return routes


def record_user_messages(page: Page) -> list[dict[str, Any]]:
    """Pass the widget's websocket through to Rasa, recording the `user_uttered` data it sends."""
    sent: list[dict[str, Any]] = []

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def forward(message: str | bytes) -> None:
            packet = EVENT_PACKET.match(message if isinstance(message, str) else "")
            if packet:
                event = json.loads(packet.group(1))
                if event[0] == "user_uttered":
                    sent.append(event[1])
            server.send(message)

        ws.on_message(forward)

    page.route_web_socket(SOCKET_URL, handler)
    return sent


def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page (WCAG 2.1 A/AA and best practice)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    assert result["passes"], "axe ran no checks"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def has_lang(locator: Any) -> bool:
    return bool(locator.evaluate("node => node.hasAttribute('lang')"))


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
        bad = axe_violations(page)
    finally:
        ctx.close()
    assert not bad, "\n".join(bad)


def test_axe_finds_no_serious_violations_in_english(browser, web, screenshots):
    ctx = browser.new_context(viewport={"width": 1100, "height": 760}, locale="da-DK", bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(f"{web}/")
        open_widget(page)
        wait_online(page)
        page.get_by_role("button", name="English").click()
        expect(page.locator(".mk-root")).to_have_attribute("lang", "en")
        ask(page, ENGLISH_QUESTION)
        reply = page.locator(".mk-msg--bot").last
        expect(reply).to_have_attribute("lang", "en", timeout=ANSWER_TIMEOUT_MS)
        expect(page.locator(".mk-typing")).to_be_hidden()
        shot(page, screenshots / "09-english-answer.png")
        bad = axe_violations(page)
    finally:
        ctx.close()
    assert not bad, "\n".join(bad)


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
        for name in ("Send", "English", "Start forfra", "Luk chatten"):
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


# --- the widget in English ---------------------------------------------------------------------
TO_ENGLISH = '/switch_language{"language":"en"}'
TO_DANISH = '/switch_language{"language":"da"}'


def expect_labels_in_english(page: Page) -> None:
    """A sample of every part of the widget: header, privacy note, form, footer."""
    expect(page.locator(".mk-root")).to_have_attribute("lang", "en")
    privacy = page.locator(".mk-privacy")
    expect(privacy).to_contain_text("Before you write")
    expect(privacy).to_contain_text("Do not write your CPR number")
    expect(privacy).to_contain_text("staff at the jobcentre")  # the municipality's English words
    expect(privacy).not_to_contain_text("Skriv ikke")
    footer = page.locator(".mk-footer")
    expect(footer).to_contain_text("Write to or call the municipality")
    expect(footer).to_contain_text("Monday to Thursday 9-15 and Friday 9-12")
    expect(page.get_by_role("link", name="Accessibility statement")).to_be_visible()
    expect(page.get_by_role("button", name="Start again")).to_be_visible()
    expect(page.get_by_role("button", name="Close the chat")).to_be_visible()
    expect(page.get_by_label("Write your question")).to_be_visible()
    expect(page.locator(".mk-form__hint")).to_have_text("Press Enter to send. Do not write your CPR number.")
    expect(page.get_by_role("list", name="Conversation")).to_be_attached()
    expect(page.get_by_role("button", name="Dansk")).to_have_attribute("lang", "da")


def expect_labels_in_danish(page: Page) -> None:
    expect(page.locator(".mk-root")).to_have_attribute("lang", "da")
    expect(page.locator(".mk-privacy")).to_contain_text("Skriv ikke dit CPR-nummer")
    expect(page.get_by_role("button", name="Start forfra")).to_be_visible()
    expect(page.get_by_label("Skriv dit spørgsmål")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_have_attribute("lang", "en")


def test_language_button_relabels_the_widget_and_is_remembered(context, web):
    page = context.new_page()
    sent = record_user_messages(page)
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    expect_labels_in_danish(page)  # before the citizen writes anything: Danish

    # Keyboard only: from the text field back to the language button in the header.
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.classList.contains('mk-language')"):
            break
    else:
        pytest.fail("the language button cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    expect_labels_in_english(page)
    expect(page.get_by_role("button", name="Dansk")).to_be_focused()  # focus stays on the button
    # The conversation is told: the button's text in the log, the switch as its payload.
    expect(page.locator(".mk-msg--user").last).to_contain_text("English")
    wait_for(page, lambda: sent, "the switch was not sent")
    assert sent[-1]["message"] == TO_ENGLISH
    assert sent[-1]["metadata"]["language"] == "en"
    # The bot's confirmation must not switch the labels back.
    expect(page.locator(".mk-msg--bot").last).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(".mk-typing")).to_be_hidden()
    expect(page.locator(".mk-root")).to_have_attribute("lang", "en")
    assert stored(page)["language"] == "en"

    page.reload()
    expect(page.locator(".mk-panel")).to_be_visible()
    expect_labels_in_english(page)
    wait_online(page)

    page.get_by_role("button", name="Dansk").click()
    expect_labels_in_danish(page)
    expect(page.get_by_role("button", name="English")).to_be_focused()
    switches = lambda: [m for m in sent if m["message"] == TO_DANISH]  # noqa: E731
    wait_for(page, switches, "the switch to Danish was not sent")
    assert switches()[-1]["metadata"]["language"] == "da"


def test_every_message_carries_the_widgets_language(context, web):
    page = context.new_page()
    sent = record_user_messages(page)
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    ask(page, "hej")
    wait_for(page, lambda: sent, "the message was not sent")
    assert sent[-1]["message"] == "hej"
    assert sent[-1]["metadata"] == {"language": "da"}  # anonymous: no token, only the language
    expect(page.locator(".mk-msg--bot").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    page.get_by_role("button", name="English").click()
    wait_for(page, lambda: len(sent) >= 2, "the switch was not sent")
    assert sent[1]["metadata"]["language"] == "en"
    ask(page, "hello")
    wait_for(page, lambda: len(sent) >= 3, "the third message was not sent")
    assert sent[2]["message"] == "hello"
    assert sent[2]["metadata"] == {"language": "en"}


def test_bot_messages_carry_their_language_and_the_labels_follow(context, web):
    """The server's `lang` on each bot message (injected here, so only the widget is tested)."""
    page = context.new_page()
    page.add_init_script("window.print = () => { window.__printed = true; };")
    routes = intercept_socket(page, hold_back_user_messages=True)
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    root = page.locator(".mk-root")
    ask(page, "Can I bring a friend?")
    inject_bot_event(routes, {"text": "Yes. You can bring a support person (bisidder).", "lang": "en"})
    english = page.locator(".mk-msg--bot").nth(0)
    expect(english).to_have_attribute("lang", "en")
    expect(root).to_have_attribute("lang", "en")  # the labels follow the conversation
    expect(page.get_by_role("button", name="Start again")).to_be_visible()
    expect(page.locator("#mk-announcer p").last).to_have_attribute("lang", "en")
    assert not has_lang(page.locator(".mk-msg--user").last)  # the citizen's own text is not marked

    inject_bot_event(routes, {"text": "Dit notat til mødet.", "lang": "da"})
    inject_bot_event(routes, {"custom": {"moedeklar": {"kind": "preparation_note"}}})
    danish = page.locator(".mk-msg--bot").nth(1)
    expect(danish).to_have_attribute("lang", "da")
    expect(root).to_have_attribute("lang", "da")
    expect(english).to_have_attribute("lang", "en")  # earlier messages keep their language
    expect(danish.get_by_role("button", name="Udskriv notat")).to_be_visible()

    inject_bot_event(routes, {"text": "Your note for the meeting.", "lang": "en"})
    inject_bot_event(routes, {"custom": {"moedeklar": {"kind": "preparation_note"}}})
    note = page.locator(".mk-msg--bot").nth(2)
    expect(note).to_have_attribute("lang", "en")  # the printed note is read in its language
    note.get_by_role("button", name="Print note").click()
    assert page.evaluate("window.__printed") is True
    expect(danish.get_by_role("button", name="Print note")).to_have_attribute("lang", "en")

    inject_bot_event(routes, {"text": "Hej.", "lang": "xx"})  # anything else: not marked, no switch
    expect(page.locator(".mk-msg--bot")).to_have_count(4)
    assert not has_lang(page.locator(".mk-msg--bot").last)
    expect(root).to_have_attribute("lang", "en")
    page.reload()
    expect(root).to_have_attribute("lang", "en")
    expect(page.locator(".mk-msg--bot").first).to_have_attribute("lang", "en")
    expect(page.locator("#mk-announcer")).to_be_empty()


def test_an_english_question_gets_an_english_reply(context, web, screenshots):
    page = context.new_page()
    page.goto(f"{web}/")
    open_widget(page)
    wait_online(page)
    ask(page, ENGLISH_QUESTION)
    reply = page.locator(".mk-msg--bot").last
    expect(reply).to_have_attribute("lang", "en", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(".mk-root")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Dansk")).to_be_visible()
    expect(page.locator(".mk-privacy")).to_contain_text("Before you write")
    assert not has_lang(page.locator(".mk-msg--user").last)
    assert stored(page)["language"] == "en"


def wait_for(page: Page, condition: Any, message: str, seconds: float = 10) -> None:
    """Wait until `condition()` holds; Playwright runs the websocket handlers while it waits."""
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    pytest.fail(message)
