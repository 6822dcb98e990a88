"""End-to-end: the conversation store keeps conversations across a Rasa restart and stores no
CPR or phone number.

`test_a_paused_guide_resumes_after_a_rasa_restart` runs a Rasa server of its own (the session's
shared action server answers its actions) on its own conversation store, pauses the preparation
guide, stops Rasa, starts a new Rasa process on the same store and resumes. The privacy scan
talks to the shared servers with CPR and phone numbers in every place a citizen can put them
(free text, guide answers stored in slots, a verified citizen's messages) and then reads every
row of the tracker store.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict

import pytest

from bot.tools.cli.review import public_numbers
from core.privacy import stored_event_holds_personal_numbers
from core.store.conversations.events import ConversationReader
from core.store.database import Database
from core.store.review.store import ReviewStore
from tests.support.citizens import Conversation, make_token
from tests.support.servers import free_port, start_rasa, wait_until_up

DIRTY_MESSAGES = [
    "mit cpr-nummer er 010190-1234, hvornår er mit møde?",
    "ring til mig på 20 12 34 56 eller +45 31 22 33 44",
    "min mors nummer er 0045 40506070 og mit cpr 0101901234",
]


def test_a_paused_guide_resumes_after_a_rasa_restart(servers: Dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "RASA_TELEMETRY_ENABLED": "false",
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'conversations.db'}",
        "ACTION_ENDPOINT_URL": f"{servers['actions']}/webhook",
        "ACTION_SERVER_TOKEN": servers["action_token"],
        "CITIZEN_JWT_SECRET": servers["secret"],
        "CONVERSATION_ID_SECRET": servers["conversation_secret"],
        "APP_ENV": "development",
    }
    rest_url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    first = start_rasa(env, port, tmp_path / "rasa-1.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", first, tmp_path / "rasa-1.log", 240)
        chat = Conversation(rest_url)
        chat.say("hjælp mig med at forberede mig")
        chat.say("spring over")
        chat.say("ja")
        assert "Spørgsmål 2 af 7" in chat.say("At de lytter til mig.")
        assert "Vi holder pause" in chat.say("Pause")
    finally:
        first.terminate()
        first.wait(timeout=30)
    second = start_rasa(env, port, tmp_path / "rasa-2.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", second, tmp_path / "rasa-2.log", 240)
        reply = chat.say("Fortsæt forberedelsen")
        assert "Velkommen tilbage" in reply and "Spørgsmål" in reply
        for _ in range(8):
            reply = chat.say("Spring over")
            if reply.startswith("Mit forberedelsesnotat"):
                break
        assert "At de lytter til mig." in reply  # the answer given before the restart
    finally:
        second.terminate()
        second.wait(timeout=30)
    reader = ConversationReader(Database(env["TRACKER_STORE_URL"], timeout_s=10))
    try:
        assert reader.conversation_ids() == [f"rest:{chat.sender}"]
    finally:
        reader.close()


@pytest.mark.parametrize("logged_in", [False, True])
def test_no_cpr_or_phone_number_is_stored(rest_url: str, servers: Dict[str, str], logged_in: bool) -> None:
    token = make_token(servers["secret"]) if logged_in else None
    chat = Conversation(rest_url, token)
    for message in DIRTY_MESSAGES:
        chat.say(message)
    # answers to the guide are stored in slots, as written
    chat.say("hjælp mig med at forberede mig")
    chat.say("spring over")
    chat.say("ja")
    chat.say("Ring til min sagsbehandler på 20 12 34 56, mit cpr er 010190 1234")
    chat.say("stop")
    store = ReviewStore(servers["db_url"], servers["tracker_store_url"])
    try:
        stored = list(store.reader.scan_data())
        mine = store.reader.events_for(f"rest:{chat.sender}")
        # the jobcenter's and the caseworkers' work numbers are quoted by the assistant on purpose
        public = public_numbers(store)
    finally:
        store.close()
    assert len(mine) > 10
    user_texts = [e.data.get("text") for e in mine if e.data.get("event") == "user"]
    assert "[CPR-nummer fjernet]" in user_texts[0] and "[telefonnummer fjernet]" in user_texts[1]
    leaks = [event_id for event_id, data in stored if stored_event_holds_personal_numbers(data, public)]
    assert leaks == [], f"{len(leaks)} of {len(stored)} stored events hold a CPR or phone number"
    # what this citizen wrote (texts and the guide's slots); ids and float timestamps elsewhere in
    # the raw JSON may contain any digits by chance
    written = [str(e.data.get("text") or e.data.get("value") or "") for e in mine]
    for raw in ("010190", "20 12 34 56", "31 22 33 44", "40506070"):
        assert all(raw not in text for text in written), raw
