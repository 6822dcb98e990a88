"""End-to-end: the web chat's socket.io channel against the real Rasa and action servers.

A python-socketio client talks to `/socket.io` exactly as the widget does: `session_request`
with the citizen token in `metadata`, then `user_uttered` messages. Checks the answers and that
a conversation id is bound to the citizen it was issued for.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Dict

from tests.support.citizens import ANNA, make_token
from tests.support.widget_client import WidgetClient

NEXT_MEETING_QUESTION = "hvornår er mit næste møde?"


@asynccontextmanager
async def widget(servers: Dict[str, str], token: str | None = None) -> AsyncIterator[WidgetClient]:
    client = WidgetClient(token)
    # python-engineio's websocket client needs a newer aiohttp than Rasa pins; the browser
    # tests cover websocket, this covers the long-polling transport.
    await client.sio.connect(servers["rasa"], socketio_path="/socket.io", transports=["polling"])
    try:
        yield client
    finally:
        await client.sio.disconnect()


async def test_anonymous_faq_answer_over_socketio(servers):
    async with widget(servers) as client:
        await client.request_session()
        answer = await client.ask("hvor længe varer et ressourceforløb?")
    assert "3 år" in answer


async def test_citizen_gets_her_meeting_and_keeps_the_conversation(servers):
    token = make_token(servers["secret"], ANNA)
    async with widget(servers, token) as client:
        session_id = await client.request_session()
        answer = await client.ask(NEXT_MEETING_QUESTION)
    assert "lokale 2.14" in answer
    async with widget(servers, make_token(servers["secret"], ANNA)) as again:
        assert await again.request_session(session_id) == session_id  # e.g. after a reload


async def test_citizens_conversation_id_opens_nothing_for_others(servers):
    async with widget(servers, make_token(servers["secret"], ANNA)) as anna:
        annas_id = await anna.request_session()
    async with widget(servers) as anonymous:
        assert await anonymous.request_session(annas_id) != annas_id
        answer = await anonymous.ask(NEXT_MEETING_QUESTION)
    assert "lokale 2.14" not in answer
    async with widget(servers, make_token(servers["secret"], "c-1002")) as other:
        assert await other.request_session(annas_id) != annas_id


async def test_message_with_another_citizens_token_is_refused(servers):
    async with widget(servers, make_token(servers["secret"], ANNA)) as client:
        await client.request_session()
        client.token = make_token(servers["secret"], "c-1002")
        message = {"message": NEXT_MEETING_QUESTION, "session_id": client.session_id}
        await client.sio.emit("user_uttered", {**message, "metadata": client.metadata()})
        assert await asyncio.wait_for(client.invalid.get(), 10) == {"reason": "identity_changed"}
        assert client.bot.empty()


async def test_crisis_words_get_the_crisis_lines_first_over_socketio(servers):
    import yaml

    from tests.support.servers import REPO

    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    crisis_text = domain["responses"]["utter_crisis_support"][0]["text"]
    async with widget(servers) as client:
        await client.request_session()
        answer = await client.ask("jeg har tænkt på selvmoord")
    assert answer.startswith(crisis_text)
