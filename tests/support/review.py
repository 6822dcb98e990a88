"""Helpers for the review app's tests: stored conversations, accounts and a signed-in test client.

Conversations are written through the project's real tracker store (`MaskingSQLTrackerStore`,
Rasa's SQL tracker store underneath), from events built here the way Rasa builds them, so the
review app reads exactly what Rasa would have stored. `ReviewClient` signs in through the real
login form and keeps the session's CSRF token for its POSTs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from aiohttp.test_utils import TestClient

from core.clock import utc_now
from core.passwords import hash_password
from core.store.review.store import ReviewStore

PASSWORD = "korrekt-hest-batteri-staple"
METTE = "mette"  # caseworker of Anna (c-1001) and Lars (c-1003): mh@kommune.example
SARA = "sara"  # caseworker of Jonas (c-1002): sl@kommune.example
ADMIN = "admin"
ANNA, JONAS, LARS = "c-1001", "c-1002", "c-1003"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_accounts(store: ReviewStore) -> None:
    """The three test accounts, all with PASSWORD."""
    hashed = hash_password(PASSWORD)
    store.accounts.create(METTE, "caseworker", "MH@kommune.example", hashed, utc_now())
    store.accounts.create(SARA, "caseworker", "sl@kommune.example", hashed, utc_now())
    store.accounts.create(ADMIN, "admin", None, hashed, utc_now())


# --- events as Rasa stores them ----------------------------------------------------------------
def moment(text: str) -> float:
    """An ISO time (UTC, e.g. "2026-11-20T09:00") as Rasa's event timestamp."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


@dataclass
class Turn:
    """One citizen message and what followed (bot texts, actions), at `at` (ISO, UTC)."""

    text: str
    intent: str
    at: str
    confidence: float = 0.93
    topic: str | None = None
    citizen: str | None = None
    replies: tuple[str, ...] = ("Svar fra Mødeklar.",)
    actions: tuple[str, ...] = ()
    channel: str = "rest"
    slots: tuple[tuple[str, Any], ...] = ()


def events_for(turns: list[Turn]) -> list[Any]:
    """Rasa events for `turns`, in the order Rasa would store them."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

    first = moment(turns[0].at) - 1
    events: list[Any] = [
        ActionExecuted("action_session_start", timestamp=first),
        SessionStarted(timestamp=first),
        ActionExecuted("action_listen", timestamp=first),
    ]
    for turn in turns:
        at = moment(turn.at)
        parse: dict[str, Any] = {
            "text": turn.text,
            "intent": {"name": turn.intent, "confidence": turn.confidence},
            "entities": [],
        }
        if turn.topic:
            parse["response_selector"] = {
                "faq": {"response": {"intent_response_key": turn.topic, "confidence": turn.confidence - 0.1}}
            }
        metadata = {"identity": {"citizen_id": turn.citizen, "via": "mitid"}} if turn.citizen else {}
        events.append(
            UserUttered(
                turn.text,
                intent=parse["intent"],
                parse_data=parse,
                input_channel=turn.channel,
                metadata=metadata,
                timestamp=at,
            )
        )
        for offset, action in enumerate(turn.actions, start=1):
            events.append(ActionExecuted(action, timestamp=at + offset * 0.01))
        for name, value in turn.slots:
            events.append(SlotSet(name, value, timestamp=at + 0.05))
        for offset, reply in enumerate(turn.replies, start=1):
            events.append(BotUttered(reply, timestamp=at + 0.1 * offset))
        events.append(ActionExecuted("action_listen", timestamp=at + 0.5))
    return events


async def store_conversation(tracker_store: Any, sender_id: str, turns: list[Turn]) -> None:
    """Save one conversation through `tracker_store` (a MaskingSQLTrackerStore)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(sender_id, events_for(turns), slots=tracker_store.domain.slots)
    await tracker_store.save(tracker)


def tracker_store_for(url: str) -> Any:
    """The project's tracker store on `url`, with the project's domain (as Rasa builds it)."""
    from rasa.shared.core.domain import Domain

    from bot.rasa_plugins.tracker_store import MaskingSQLTrackerStore
    from tests.support.servers import REPO

    return MaskingSQLTrackerStore(domain=Domain.load(str(REPO / "domain.yml")), host=url)


# --- a signed-in client ----------------------------------------------------------------------
class ReviewClient:
    """A test client that signs in through /login and sends the CSRF token with every POST."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    async def login(self, username: str, password: str = PASSWORD, expect: int = 200) -> Any:
        page = await self.client.get("/login")
        token = CSRF.search(await page.text())
        assert token, "the login page has no CSRF token"
        response = await self.client.post(
            "/login",
            data={"csrf_token": token.group(1), "username": username, "password": password, "next": "/"},
        )
        assert response.status == expect, await response.text()
        if expect == 200:
            found = CSRF.search(await response.text())
            assert found
            self.csrf = found.group(1)
        return response

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.client.get(path, **kwargs)

    async def text(self, path: str, status: int = 200) -> str:
        response = await self.client.get(path)
        body = await response.text()
        assert response.status == status, (path, response.status, body[-500:])
        return body

    async def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True) -> Any:
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        return await self.client.post(path, data=form, allow_redirects=False)
