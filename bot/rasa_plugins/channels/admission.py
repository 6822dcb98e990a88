"""Overload control in one Rasa process: how many messages are worked on, and who waits.

`Admission.enter(conversation_id)` is an async context manager around the work of one message
(NLU, policies, actions). It admits at most `max_in_flight` messages at once; up to `max_waiting`
more wait for a turn, each at most `wait_s`; per conversation at most `per_conversation` messages
are pending (one in flight, one waiting behind it — Rasa would serialise them anyway). Anything
beyond is shed at once with `Shed` (reason "busy" or "conversation"), so a flood costs a few
dict operations per message instead of a growing queue. The channels answer a shed message
with a polite Danish text (chat) or 503 + Retry-After (REST).

Must not: do any I/O, or keep anything after a message is done (state is per process on
purpose: it protects this process's CPU; the rate limits across processes are core.rate_limit).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core import limits

BUSY = "busy"
CONVERSATION = "conversation"


class Shed(Exception):
    """The message was not admitted (`reason`: BUSY or CONVERSATION)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Admission:
    def __init__(
        self,
        max_in_flight: int = limits.MAX_IN_FLIGHT,
        max_waiting: int = limits.MAX_WAITING,
        wait_s: float = limits.ADMISSION_WAIT_S,
        per_conversation: int = limits.MAX_PENDING_PER_CONVERSATION,
    ) -> None:
        self.max_in_flight = max_in_flight
        self.max_waiting = max_waiting
        self.wait_s = wait_s
        self.per_conversation = per_conversation
        self.in_flight = 0
        self.waiting = 0
        self.pending: Counter[str] = Counter()
        self.shed_count: Counter[str] = Counter()
        self._turn = asyncio.Condition()

    def _shed(self, reason: str) -> Shed:
        self.shed_count[reason] += 1
        return Shed(reason)

    @asynccontextmanager
    async def enter(self, conversation_id: str) -> AsyncIterator[None]:
        if self.pending[conversation_id] >= self.per_conversation:
            raise self._shed(CONVERSATION)
        if self.in_flight >= self.max_in_flight and self.waiting >= self.max_waiting:
            raise self._shed(BUSY)
        self.pending[conversation_id] += 1
        try:
            if self.in_flight >= self.max_in_flight:
                await self._wait_for_turn()
            self.in_flight += 1
            try:
                yield
            finally:
                self.in_flight -= 1
                async with self._turn:
                    self._turn.notify()
        finally:
            self.pending[conversation_id] -= 1
            if self.pending[conversation_id] <= 0:
                del self.pending[conversation_id]

    async def _wait_for_turn(self) -> None:
        self.waiting += 1
        try:
            async with self._turn:
                await asyncio.wait_for(
                    self._turn.wait_for(lambda: self.in_flight < self.max_in_flight), timeout=self.wait_s
                )
        except asyncio.TimeoutError:
            raise self._shed(BUSY) from None
        finally:
            self.waiting -= 1


_admission: dict[str, Admission] = {}


def admission() -> Admission:
    """The process's admission control (created on first use, inside Rasa's event loop)."""
    if "admission" not in _admission:
        _admission["admission"] = Admission()
    return _admission["admission"]
