"""The pure parts of the input limits: body shapes (bot.rasa_plugins.channels.input_check) and
admission control."""

from __future__ import annotations

import asyncio

import pytest

from bot.rasa_plugins.channels.admission import BUSY, CONVERSATION, Admission, Shed
from bot.rasa_plugins.channels.input_check import (
    Refused,
    RestMessage,
    check_rest_body,
    clean_text,
    defuse_payload,
    depth_exceeds,
    is_too_long,
)
from core.limits import MAX_INCOMING_CHARS


def test_depth_is_counted_without_recursion() -> None:
    deep: object = "x"
    for _ in range(100_000):  # json.loads would have refused this; the check must not crash
        deep = [deep]
    assert depth_exceeds(deep, 5)
    assert not depth_exceeds({"a": {"b": [1, 2]}}, 3)
    assert depth_exceeds({"a": {"b": [1, 2]}}, 2)


def test_rest_body_shapes() -> None:
    assert check_rest_body({"sender": 7, "message": "hej"}) == RestMessage("7", "hej", {})
    assert check_rest_body({"sender": "a"}) == RestMessage("a", None, {})
    assert isinstance(check_rest_body({"sender": True, "message": "hej"}), Refused)
    assert check_rest_body({"sender": "a", "metadata": {"k": "v" * 9000}}) == Refused(
        413, "metadata is larger than 8192 bytes"
    )


def test_too_long_is_about_characters_not_bytes() -> None:
    assert not is_too_long("ø" * MAX_INCOMING_CHARS)
    assert is_too_long("a" * (MAX_INCOMING_CHARS + 1))
    assert not is_too_long(None)


async def test_admission_sheds_beyond_the_queue_and_per_conversation() -> None:
    admission = Admission(max_in_flight=1, max_waiting=1, wait_s=5, per_conversation=2)
    release = asyncio.Event()
    entered: list[str] = []

    async def work(conversation: str) -> str:
        try:
            async with admission.enter(conversation):
                entered.append(conversation)
                await release.wait()
                return "done"
        except Shed as shed:
            return shed.reason

    first = asyncio.create_task(work("a"))
    await asyncio.sleep(0)
    second = asyncio.create_task(work("b"))  # waits for a turn
    await asyncio.sleep(0)
    assert await work("c") == BUSY  # one in flight, one waiting: full
    assert admission.in_flight == 1 and admission.waiting == 1
    release.set()
    assert await first == "done" and await second == "done"
    assert entered == ["a", "b"]
    assert admission.in_flight == 0 and admission.waiting == 0 and not admission.pending


async def test_a_conversation_has_one_in_flight_and_one_waiting_at_most() -> None:
    admission = Admission(max_in_flight=4, max_waiting=4, wait_s=5, per_conversation=2)
    release = asyncio.Event()

    async def work() -> str:
        try:
            async with admission.enter("same"):
                await release.wait()
                return "done"
        except Shed as shed:
            return shed.reason

    tasks = [asyncio.create_task(work()) for _ in range(2)]
    await asyncio.sleep(0)
    assert await work() == CONVERSATION
    release.set()
    assert await asyncio.gather(*tasks) == ["done", "done"]


async def test_waiting_too_long_is_shed() -> None:
    admission = Admission(max_in_flight=1, max_waiting=5, wait_s=0.05)
    hold = asyncio.Event()

    async def holder() -> None:
        async with admission.enter("a"):
            await hold.wait()

    task = asyncio.create_task(holder())
    await asyncio.sleep(0)
    with pytest.raises(Shed):
        async with admission.enter("b"):
            pass
    hold.set()
    await task
    assert admission.waiting == 0 and admission.in_flight == 0


def test_clean_text_replaces_what_the_stores_cannot_take() -> None:
    assert clean_text("hej\ud800 med\x00dig\n\tok") == "hej\ufffd med dig\n\tok"
    assert clean_text("ø🙂") == "ø🙂"
    assert clean_text(None) is None


# --- payloads a client may not send as such (found by fuzzing: no answer at all) -----------------
@pytest.mark.parametrize(
    ("sent", "read_as"),
    [
        ("/EXTERNAL_meeting_reminder", "EXTERNAL_meeting_reminder"),
        (
            '/EXTERNAL_meeting_reminder{"citizen_id": "c-1001"}',
            'EXTERNAL_meeting_reminder{"citizen_id": "c-1001"}',
        ),
        ("/restart", "restart"),
        ("  /session_start", "session_start"),
        ("/back", "back"),
        ("/faq", "faq"),
        ('/faq{"topic": "x"}', 'faq{"topic": "x"}'),
    ],
)
def test_forbidden_payloads_are_read_as_text(sent, read_as):
    assert defuse_payload(sent) == read_as


@pytest.mark.parametrize(
    "sent",
    [
        '/faq_pick{"topic":"faq/ret_bisidder"}',
        "/clarify_none",
        "/human_handoff",
        "/start_preparation",
        "/ask_next_meeting",
        "/faq/ret_bisidder",
        "hvornår er mit møde?",
        "1/2 time",
        "",
    ],
)
def test_button_payloads_and_ordinary_text_pass_unchanged(sent):
    assert defuse_payload(sent) == sent
