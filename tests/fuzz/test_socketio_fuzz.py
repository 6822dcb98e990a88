"""Fuzzing the socket.io channel (/socket.io, the web widget's) of the running Rasa server.

One long-polling client sends hostile events: `session_request` and `user_uttered` with any
JSON (wrong types, missing and extra fields, deep and large metadata, forged session ids and
`/intent{…}` payloads with identity-looking entities). Never a crash or a hang: every
`user_uttered` with a string message gets a `bot_uttered` or a `session_invalid` event, no
answer carries a demo citizen's case data (nobody is logged in), and afterwards a fresh socket
still gets an answer to "hej". Prints how many inputs were tried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, Dict

import pytest
import socketio
from hypothesis import given
from hypothesis import strategies as st

from tests.support.fuzzing import (
    Tally,
    a_third_of_the_profile,
    assert_no_case_data,
    hostile_text,
    json_values,
)
from tests.support.servers import shared_servers

WAIT_S = 30


@pytest.fixture(scope="session")
def fuzz_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    with shared_servers(tmp_path_factory) as described:
        yield described


class Client:
    """A socket.io client on its own event loop thread, driven synchronously by hypothesis."""

    def __init__(self, base: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] | None = None
        self.base = base

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, WAIT_S))

    async def _connect(self) -> None:
        self.events = asyncio.Queue()
        for name in ("bot_uttered", "session_invalid", "session_confirm"):
            self.sio.on(name, lambda data, name=name: self.events.put_nowait((name, data)))
        await self.sio.connect(self.base, socketio_path="/socket.io", transports=["polling"])

    def connect(self) -> None:
        self.run(self._connect())

    async def _next(self, names: set[str]) -> tuple[str, Any]:
        assert self.events is not None
        while True:
            name, data = await self.events.get()
            if name in names:
                return name, data

    def emit_and_wait(self, event: str, data: Any, expect: set[str]) -> tuple[str, Any]:
        async def go() -> tuple[str, Any]:
            await self.sio.emit(event, data)
            return await self._next(expect)

        return self.run(go())

    def drain(self) -> list[tuple[str, Any]]:
        async def go() -> list[tuple[str, Any]]:
            await asyncio.sleep(0.3)
            items = []
            while self.events is not None and not self.events.empty():
                items.append(self.events.get_nowait())
            return items

        return self.run(go())

    def close(self) -> None:
        try:
            self.run(self.sio.disconnect())
        finally:
            self.loop.close()


SESSION_DATA = st.fixed_dictionaries(
    {},
    optional={
        "session_id": st.text(max_size=300) | json_values(3),
        "metadata": json_values(20)
        | st.fixed_dictionaries({"auth_token": st.text(max_size=60) | json_values(2)}),
        "extra": json_values(5),
    },
)
MESSAGE_DATA = st.fixed_dictionaries(
    {"message": hostile_text()},
    optional={
        "session_id": st.text(max_size=100),
        "metadata": json_values(20)
        | st.fixed_dictionaries({"auth_token": st.text(max_size=60), "citizen_id": st.text()}),
        "customData": json_values(5),
    },
)


def test_socketio_events(fuzz_servers: Dict[str, str]) -> None:
    tally = Tally("socket.io events")
    client = Client(fuzz_servers["rasa"])
    client.connect()
    try:

        @a_third_of_the_profile()
        @given(session=SESSION_DATA | json_values(5), message=MESSAGE_DATA | json_values(5))
        def one(session: Any, message: Any) -> None:
            name, _ = client.emit_and_wait("session_request", session, {"session_confirm"})
            tally.count(name)
            if isinstance(message, dict) and isinstance(message.get("message"), str):
                name, data = client.emit_and_wait("user_uttered", message, {"bot_uttered", "session_invalid"})
                tally.count(name)
                if name == "bot_uttered":
                    assert_no_case_data(str(data))
                for _, later in client.drain():  # the rest of a multi-part answer
                    assert_no_case_data(str(later))
            else:
                client.run(client.sio.emit("user_uttered", message))
                for name, data in client.drain():
                    tally.count(name)
                    assert_no_case_data(str(data))

        one()
    finally:
        client.close()
    tally.report()
    fresh = Client(fuzz_servers["rasa"])
    fresh.connect()
    try:
        fresh.emit_and_wait("session_request", {"metadata": {}}, {"session_confirm"})
        name, data = fresh.emit_and_wait("user_uttered", {"message": "hej"}, {"bot_uttered"})
        assert data.get("text")
    finally:
        fresh.close()
