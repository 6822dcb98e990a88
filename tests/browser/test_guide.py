"""The meeting-preparation guide in the real widget, in headless Chromium, against real servers.

Anna logs in with the demo MitID page, goes through the whole guide with the quick-reply buttons
and typed answers, gets the printable note, consents, and withdraws the note again. The stored
note is read back from the servers' case database.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict

from playwright.sync_api import Page, expect

from core.store.cases.notes import SharedNotes
from core.store.database import Database
from tests.support.widget import ANSWER_TIMEOUT_MS, ask, expect_answer, log_in_as_anna, open_widget, shot

ANNA = "c-1001"
LONG_ANSWER = " ".join(f"Det vigtigste nummer {i} er, at de forstår min hverdag." for i in range(60))
ANSWERS = {
    1: LONG_ANSWER,  # about 3,300 characters: more than one SMS, kept whole
    2: "Jeg vil gerne arbejde med dyr.",
    3: "<b>Søvn</b> og smerter.",  # shown as text, kept as written
    5: "Hvad sker der efter mødet?",
}


def choose(page: Page, title: str) -> None:
    """Press the newest quick-reply button with this title."""
    page.get_by_role("button", name=title, exact=True).last.click()


def test_whole_guide_with_printable_note_and_consent(
    context, web: str, servers: Dict[str, str], screenshots
) -> None:
    database = Database(servers["db_url"], timeout_s=10)
    notes = SharedNotes(database)
    try:
        notes.withdraw(ANNA, datetime.now(timezone.utc))  # a clean start
        page = context.new_page()
        log_in_as_anna(page, web)
        open_widget(page)
        ask(page, "hjælp mig med at forberede mig til mødet")
        expect_answer(page, "Trin 1 af 5")
        expect(page.locator(".mk-log")).to_contain_text("lokale 2.14")
        for step in range(2, 6):
            choose(page, "Videre")
            expect_answer(page, f"Trin {step} af 5")
        choose(page, "Videre")
        expect_answer(page, "7 korte spørgsmål")
        choose(page, "Ja, hjælp mig")
        for number in range(1, 8):
            expect_answer(page, f"Spørgsmål {number} af 7")
            if number in ANSWERS:
                ask(page, ANSWERS[number])
            elif number == 6:
                choose(page, "Ja")
            else:
                choose(page, "Spring over")
        expect(page.get_by_role("button", name="Udskriv notat")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        log = page.locator(".mk-log")
        expect(log).to_contain_text("Mit forberedelsesnotat")
        expect(log).to_contain_text("<b>Søvn</b> og smerter.")  # as text, not as markup
        page.get_by_role("button", name="Udskriv notat").scroll_into_view_if_needed()
        shot(page, screenshots / "07-preparation-note.png")
        choose(page, "Det er fint")
        expect_answer(page, "Må jeg sende dit notat til din sagsbehandler")
        choose(page, "Ja, send det")
        expect(log).to_contain_text("Dit notat er sendt", timeout=ANSWER_TIMEOUT_MS)

        (note,) = notes.for_citizen(ANNA)
        assert note.answers["prep_q_priority"] == LONG_ANSWER
        assert note.answers["prep_q_hard"] == ANSWERS[3]
        assert note.answers["prep_q_bisidder"] == "Ja"
        assert note.answers["prep_q_helped"] is None

        ask(page, "slet mit notat")
        expect_answer(page, "Dit notat er slettet")
        assert notes.for_citizen(ANNA) == []
    finally:
        database.close()
