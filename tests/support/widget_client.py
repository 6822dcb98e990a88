"""A socket.io client that speaks the chat widget's protocol (tests/e2e, benchmarks).

`session_request` with the citizen token in `metadata`, then `user_uttered` messages; the bot's
messages are collected in a queue. Must not: know which server it talks to (a test connects it).
"""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

ANSWER_WAIT_S = 30


class WidgetClient:
    """Speaks the widget's protocol and collects bot messages."""

    def __init__(self, token: str | None = None, http_session: Any = None) -> None:
        """`http_session`: an aiohttp session whose cookie jar plays the browser's (a proxy's cookie)."""
        self.token = token
        extra = {"http_session": http_session} if http_session is not None else {}
        self.sio = socketio.AsyncClient(reconnection=False, **extra)
        self.session_id: str | None = None
        self.last: list[dict[str, Any]] = []
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.bot: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.invalid: asyncio.Queue[Any] = asyncio.Queue()
        self.sio.on("session_confirm", self.confirmed.put_nowait)
        self.sio.on("bot_uttered", self.bot.put_nowait)
        self.sio.on("session_invalid", self.invalid.put_nowait)

    def metadata(self) -> dict[str, str]:
        return {"auth_token": self.token} if self.token else {}

    async def request_session(self, session_id: str | None = None) -> str:
        await self.sio.emit("session_request", {"session_id": session_id, "metadata": self.metadata()})
        self.session_id = await asyncio.wait_for(self.confirmed.get(), 10)
        return self.session_id

    async def ask(self, text: str) -> str:
        """Send `text` and return the answer's text (all parts that arrive within a second)."""
        await self.sio.emit(
            "user_uttered", {"message": text, "session_id": self.session_id, "metadata": self.metadata()}
        )
        parts = [await asyncio.wait_for(self.bot.get(), ANSWER_WAIT_S)]
        while True:
            try:
                parts.append(await asyncio.wait_for(self.bot.get(), 1.0))
            except asyncio.TimeoutError:
                break
        self.last = parts  # the bot_uttered events as they came (text, buttons, lang, custom)
        return "\n".join(str(part.get("text", "")) for part in parts)
