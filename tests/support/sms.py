"""The SMS gateway simulator (bot/tools/gateway_simulator) running in the test process, and helpers.

`running_simulator(...)` serves a `GatewaySimulator` on a port in a background thread with its
own event loop; the returned handle sends incoming SMS to the bot, switches failure modes and
waits for the SMS the bot sends. The end-to-end SMS tests use it on the port the shared Rasa
server was told (tests/support/servers.py).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from aiohttp import web

from bot.rasa_plugins.sms import messages
from bot.tools.gateway_simulator.app import Failure, GatewaySimulator, Recorded

# The first SMS to a number is the assistant's introduction (the AI Act's transparency duty:
# bot/rasa_plugins/sms/worker.py), an SMS of its own before the answer. `sent` leaves it out unless asked.
INTRODUCTION = messages.text(messages.INTRODUCTION)

WAIT_S = 30.0


def answer_rows(outbox: Any, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's outbox rows without the introduction (see INTRODUCTION)."""
    return [row for row in outbox.rows_for(conversation_id) if row["kind"] != "introduction"]


class RunningSimulator:
    """A simulator served in a background thread; every call is thread-safe."""

    def __init__(self, simulator: GatewaySimulator, loop: asyncio.AbstractEventLoop) -> None:
        self.simulator = simulator
        self.loop = loop

    def _call(self, coroutine: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def send_mo(
        self, msisdn: str, text: str, message_id: int | None = None, secret: str | None = None
    ) -> tuple[int, Any]:
        return self._call(self.simulator.send_mo(msisdn, text, message_id, secret))

    def new_id(self) -> int:
        return next(self.simulator._ids)  # noqa: SLF001 (the same id source as the simulator's)

    def fail(self, mode: str, status: int = 503, delay_s: float = 5.0) -> None:
        async def switch() -> None:
            self.simulator.failure = Failure(mode, status, delay_s)

        self._call(switch())

    def sent(self, msisdn: str | None = None, with_introduction: bool = False) -> list[Recorded]:
        async def read() -> list[Recorded]:
            return list(self.simulator.sent(msisdn))

        found = self._call(read())
        return found if with_introduction else [m for m in found if m.text != INTRODUCTION]

    def wait_for(self, msisdn: str, count: int, timeout: float = WAIT_S, since: int = 0) -> list[Recorded]:
        """Wait until `count` SMS (introductions not counted) were sent to `msisdn` after the
        first `since`; those SMS."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.sent(msisdn)[since:]
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            time.sleep(0.1)

    def wait_until(self, condition: Callable[[], bool], timeout: float = WAIT_S) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return condition()


@contextmanager
def running_simulator(
    port: int, token: str, webhook_secret: str, bot_base: str
) -> Iterator[RunningSimulator]:
    """Serve a simulator on 127.0.0.1:`port` that talks to the bot at `bot_base` (Rasa's URL)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        simulator = GatewaySimulator(
            token,
            webhook_secret,
            f"{bot_base}/webhooks/gatewayapi/webhook",
            f"{bot_base}/webhooks/gatewayapi/status",
        )
        runner = web.AppRunner(simulator.app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        holder.update(simulator=simulator, runner=runner)
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True, name="sms-simulator")
    thread.start()
    asyncio.run_coroutine_threadsafe(serve(), loop).result(30)
    started.wait(30)
    try:
        yield RunningSimulator(holder["simulator"], loop)
    finally:
        asyncio.run_coroutine_threadsafe(holder["runner"].cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
