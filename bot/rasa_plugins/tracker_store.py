"""The conversation store: Rasa's SQL tracker store at TRACKER_STORE_URL, masking before it stores.

endpoints.yml names this class (`tracker_store: type: bot.rasa_plugins.tracker_store.MaskingSQLTrackerStore`).
Rasa 3.6's `SQLTrackerStore` takes dialect/host/port/db/... but also accepts a whole SQLAlchemy
URL as `host` (`SQLTrackerStore.get_db_url` returns a host containing "://" as it is); this class
hands it the URL from `core.settings` (default: a SQLite file under var/, which it creates in WAL
mode so the review app can read while Rasa writes; PostgreSQL by URL in production). Every
conversation is kept across restarts, so a paused preparation guide can be resumed.

A long conversation is loaded as its state plus its last turns (`bot.rasa_plugins.conversation_window`), so a
reply's cost does not grow with the conversation; `save` then stores only the events added after
the loaded ones (the stored conversation stays complete). So that loading does not read the whole
conversation either, `save` keeps, once more than WINDOW_STORED_AFTER events follow the last
stored point, the state at a new turn boundary (core/store/conversations/windows.py); `retrieve`
reads that state and only the events from that boundary on. A stored state that does not fit the
current session (a new session started, the purge removed its events) is ignored and the
session is read whole, as before.

When the database cannot be reached, `retrieve` and `save` try again for about two seconds (a
restarting database is back by then), then raise `ConversationStoreUnavailable`.
It is a BaseException on purpose: Rasa wraps the store in `FailSafeTrackerStore`, which catches
every Exception and carries on with an empty conversation in memory — the citizen would get an
answer without its context, and the turn would be lost. The channels (bot/rasa_plugins/channels/
limits.py) and the SMS worker catch it and answer politely that they cannot answer now. Rasa's
own engine is replaced by one with pre-ping, so a restarted database costs no failed turn.

`save` is Rasa 3.6.21's, with one change: each new event passes through
`core.conversation_events.mask_event` before it is serialised. The channels already mask CPR
and phone numbers where a message enters; this is the second line, for anything that reaches the
tracker another way (a custom channel, the HTTP API, slot values).

Must not: import SQLAlchemy itself (only core.store does), log URLs (they may hold a password),
or keep conversations in memory.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from typing import Any, Iterator

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.rasa_plugins import event_types
from bot.rasa_plugins.conversation_window import (
    LOADED_EVENTS_ATTRIBUTE,
    cut_index,
    state_before,
    window_of_events,
)
from core import clock
from core.conversation_events import mask_event
from core.limits import CONVERSATION_WINDOW_EVENTS
from core.privacy import install_log_filter
from core.settings import get_settings
from core.store.conversations.events import (
    database_unavailable,
    prepare_conversation_database,
    resilient_engine,
)
from core.store.conversations.windows import StoredWindow, prepare_window_table, read_window, write_window

logger = logging.getLogger(__name__)

# A new stored state once this many events follow the last one: loading reads at most about this
# many events, plus the state.
WINDOW_STORED_AFTER = CONVERSATION_WINDOW_EVENTS + CONVERSATION_WINDOW_EVENTS // 2
# The ids in `events` of the tracker's last loaded events (they end at the loaded count).
EVENT_IDS_ATTRIBUTE = "moedeklar_event_ids"


class ConversationStoreUnavailable(BaseException):
    """The conversation store could not be reached: the message must not be handled now."""


# A database that restarts is back within a second or two: wait that long before giving up.
RETRY_DELAYS_S = (0.25, 0.5, 1.0)


async def _with_retries(work: Any) -> Any:
    """`await work()`, again after each of RETRY_DELAYS_S while the database is unreachable."""
    for delay in (*RETRY_DELAYS_S, None):
        try:
            return await work()
        except Exception as error:
            if not database_unavailable(error):
                raise
            if delay is None:
                raise ConversationStoreUnavailable(type(error).__name__) from None
            logger.warning("Conversation store unreachable (%s); trying again.", type(error).__name__)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


class MaskingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on TRACKER_STORE_URL that masks citizens' numbers before storing."""

    def __init__(self, domain: Any = None, host: str | None = None, **kwargs: Any) -> None:
        url = host if host and "://" in host else get_settings().tracker_store_url
        prepare_conversation_database(url)
        install_log_filter()  # Rasa has configured logging by the time it builds the store
        event_types.install()  # loading a long conversation stays fast (bot/rasa_plugins/event_types.py)
        super().__init__(domain=domain, host=url, **kwargs)
        self.engine.dispose()
        self.engine, self.sessionmaker = resilient_engine(url)
        prepare_window_table(self.engine)

    def _stored_rows(
        self, session: Any, sender_id: str, window: StoredWindow | None
    ) -> list[tuple[int, str]]:
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        if window is not None:
            query = query.filter(self.SQLEvent.id >= window.from_event_id)
        # only the ids and serialised events, not one ORM object per row (most of the time it took)
        return [(int(i), data) for (i, data) in query.with_entities(self.SQLEvent.id, self.SQLEvent.data)]

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session, as its state plus its last turns when it is long."""
        return await _with_retries(lambda: self._retrieve_window(sender_id))

    async def _retrieve_window(self, sender_id: str) -> DialogueStateTracker | None:
        if self.domain is None:
            return await super().retrieve(sender_id)
        # Rasa 3.6.21's `_retrieve` for the current session, from its stored state when it has one.
        with self.session_scope() as session:
            window = read_window(session, sender_id)
            rows = self._stored_rows(session, sender_id, window)
            if window is not None and (not rows or rows[0][0] != window.from_event_id):
                window = None  # not this session's, or its events were purged: read it whole
                rows = self._stored_rows(session, sender_id, None)
        if not rows:
            return None
        state = window.state if window is not None else []
        events = deserialise_events([*state, *(json.loads(data) for _, data in rows)])
        slots = self.domain.slots
        tracker = window_of_events(sender_id, events, slots, CONVERSATION_WINDOW_EVENTS)
        if tracker is None:
            tracker = DialogueStateTracker.from_events(sender_id, events, slots)
            setattr(tracker, LOADED_EVENTS_ATTRIBUTE, len(tracker.events))
        setattr(tracker, EVENT_IDS_ATTRIBUTE, [i for i, _ in rows])
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The events not stored yet: after the loaded ones for a windowed tracker."""
        loaded = getattr(tracker, LOADED_EVENTS_ATTRIBUTE, None)
        if loaded is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, loaded, len(tracker.events))

    def _window_to_store(self, tracker: DialogueStateTracker) -> StoredWindow | None:
        """A new stored state for a tracker loaded by `retrieve`, when enough events followed."""
        ids = getattr(tracker, EVENT_IDS_ATTRIBUTE, None)
        loaded = getattr(tracker, LOADED_EVENTS_ATTRIBUTE, None)
        if not ids or loaded is None or self.domain is None:
            return None
        if len(ids) + len(tracker.events) - loaded <= WINDOW_STORED_AFTER:
            return None
        events = list(tracker.events)
        cut = cut_index(events[:loaded], CONVERSATION_WINDOW_EVENTS)
        # the cut must be among the loaded events that came from `events` (it has an id there)
        if cut is None or not 0 < loaded - cut <= len(ids):
            return None
        state = state_before(tracker.sender_id, events, cut, list(self.domain.slots))
        if state is None:
            return None
        return StoredWindow(ids[len(ids) - (loaded - cut)], [mask_event(e.as_dict()) for e in state])

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events, masked (Rasa 3.6.21's `save` plus `mask_event`).

        One transaction: a failed attempt stores nothing, so trying again stores each event once.
        """
        await _with_retries(lambda: self._save_masked(tracker))

    async def _save_masked(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        window = self._window_to_store(tracker)
        with self.session_scope() as session:
            if window is not None:
                write_window(session, tracker.sender_id, window, clock.utc_now().timestamp())
            for event in self._additional_events(session, tracker):
                data = mask_event(event.as_dict())
                parse_data = data.get("parse_data") if isinstance(data.get("parse_data"), dict) else {}
                intent = parse_data.get("intent", {}) if isinstance(parse_data.get("intent"), dict) else {}
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent.get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        logger.debug("Conversation stored (%s new events).", "some")
