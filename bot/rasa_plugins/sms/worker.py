"""The SMS worker: one per Rasa process; handles queued SMS in order and sends the outbox.

Started when the Rasa server has started (bot/rasa_plugins/channels/gatewayapi.py), woken by the webhook and
every POLL_S seconds anyway (another process, a restart or `send-reminders` may have left work
in the database). Each pass:

1. **Conversations.** Claims conversations with pending work (`core.store.sms.conversations`,
   a lease per conversation, so two Rasa processes never handle one conversation at once) and
   handles their messages one at a time, oldest first, then their scheduled reminders:
   - STOP / START / MERE, the rate limit and the length cap are answered here;
   - anything else goes to Rasa in this process, as the conversation `sms:<pseudonym>`, with the
     citizen verified by the registered mobile number (`{"citizen_id", "via": "sms"}`), or with
     no identity for an unknown number; a numbered reply becomes its option's payload;
   - a reminder enters the conversation as the intent `EXTERNAL_meeting_reminder` (Rasa's
     trigger_intent, as the `/conversations/<id>/trigger_intent` endpoint does it, but in
     process: no HTTP API is opened), answered by `action_meeting_reminder`;
   - the turn's replies become one SMS (`bot.rasa_plugins.sms.formatting`) and are written to the outbox in
     the same transaction that marks the message handled.
   A message already handled by Rasa before a crash (found in the tracker by its message id) is
   not run again: its replies are taken from the tracker.
2. **Outbox.** Claims due SMS and sends them through the provider: sent, retried with backoff,
   left unconfirmed until a delivery report (or a resend later), or failed.
3. **Housekeeping** every SWEEP_S: stale claims, opt-outs, expiry; once an hour, rows older than
   the municipality's retention are deleted.

Must not: keep anything the service relies on only in memory (a dead process loses nothing: its
leases run out, or its successor frees them at start), or log numbers or texts.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered

from bot.rasa_plugins import metrics
from bot.rasa_plugins.language import detect
from bot.rasa_plugins.sms import messages
from bot.rasa_plugins.sms.formatting import FormattedTurn, Option, continue_remainder, format_turn
from bot.rasa_plugins.sms.output import SmsOutputChannel
from bot.rasa_plugins.sms.provider import SmsProvider
from bot.rasa_plugins.sms.replies import START, STOP, CommandReply, read_reply
from bot.rasa_plugins.tracker_store import ConversationStoreUnavailable
from core import clock
from core.bilingual import DANISH, ENGLISH, LANGUAGE_SLOT, LANGUAGES, normalise
from core.limits import SMS_RATE_LIMIT_MESSAGES, SMS_RATE_LIMIT_WINDOW_S
from core.message_metadata import CPR_REMOVED_KEY, sanitise_incoming, verified_entry
from core.municipality import get_municipality
from core.privacy import CPR_PLACEHOLDER
from core.records import (
    SmsConversationRecord,
    SmsIncomingRecord,
    SmsOutgoing,
    SmsReminderRecord,
    SmsSendRecord,
)
from core.sms import INPUT_CHANNEL, VIA_SMS
from core.sms.config import SmsConfig
from core.sms.encoding import SmsText, prepare
from core.store.cases.repository import CaseRepository
from core.store.database import call
from core.store.errors import SmsLeaseLost, StoreUnavailable
from core.store.sms.conversations import OUTBOX_EXPIRY, STOP_CONFIRMATION, SmsConversations, TurnResult
from core.store.sms.outbox import Outbox
from core.tokens import VerifiedCitizen

logger = logging.getLogger(__name__)

# Received SMS are counted under the SMS channel's name; the reply time includes the wait in the inbox.
SMS_METRICS_CHANNEL = "gatewayapi"

REMINDER_INTENT = "EXTERNAL_meeting_reminder"
POLL_S = 1.0
LEASE_S = 60.0  # a conversation's lease; renewed before each message
SEND_LEASE_S = 120.0  # longer than any send request
SWEEP_S = 10.0
PURGE_S = 3600.0
MAX_CONVERSATIONS = 4  # handled at once per process
MAX_SENDS = 4  # SMS sent at once per process
MAX_ATTEMPTS = 3  # a message Rasa fails on this often gets an apology instead
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 300.0

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


# The kind of the outbox row that introduces the assistant (the first SMS to a number).
INTRODUCTION_KIND = "introduction"


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed send: 2, 4, 8, ... seconds, at most 5 minutes."""
    return timedelta(seconds=min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


def worker_id(port: int | None) -> str:
    """This process's name in leases: host and port, the same after a restart on that port."""
    return f"{socket.gethostname()}:{port or 0}"


def outgoing(message: SmsText | None, kind: str = "reply") -> list[SmsOutgoing]:
    """The outbox row for one prepared SMS (none for no SMS)."""
    if message is None:
        return []
    return [SmsOutgoing(message.text, message.encoding, message.segments, kind)]


def notice(key: str, kind: str = "notice", language: str = DANISH) -> list[SmsOutgoing]:
    """The SMS channel's own text `key` (bot.rasa_plugins.sms.messages) in `language`."""
    return outgoing(prepare(messages.text(key, language)), kind)


def _written_in(text: str | None) -> str:
    """ "en" for a text that reads as English, else Danish."""
    return ENGLISH if detect(text).language == ENGLISH else DANISH


def options_of(state: SmsConversationRecord) -> tuple[Option, ...]:
    return tuple(Option(o["title"], o["payload"]) for o in state.options)


def turn_result(turn: FormattedTurn, outcome: str, **fields: Any) -> TurnResult:
    """The stored result of a Rasa turn: the SMS, its options and the rest for MERE."""
    options = tuple(option.as_dict() for option in turn.options)
    return TurnResult(
        outcome, outgoing(turn.message, fields.pop("kind", "reply")), options, turn.remainder, **fields
    )


@dataclass
class Timers:
    last_sweep: float = 0.0
    last_purge: float = 0.0


class SmsWorker:
    """The per-process SMS worker (see the module docstring)."""

    def __init__(self, provider: SmsProvider, config: SmsConfig) -> None:
        self.provider = provider
        self.config = config
        self.conversations = SmsConversations()
        self.outbox = Outbox()
        self.owner = worker_id(None)
        self.app: Any = None
        self.on_new_message: OnNewMessage | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._active: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._timers = Timers()

    # --- life cycle -------------------------------------------------------------------------------
    async def start(self, app: Any, on_new_message: OnNewMessage) -> None:
        self.app, self.on_new_message = app, on_new_message
        self.owner = worker_id(getattr(getattr(app, "state", None), "port", None))
        self._wake = asyncio.Event()
        self._session = aiohttp.ClientSession()
        try:
            freed = await call(self.conversations.release_owner, self.owner)
            if freed:
                logger.info("SMS worker: took back %d conversation(s) from before the restart", freed)
        except StoreUnavailable as exc:
            logger.warning("SMS worker: database unavailable at start (%s); retrying", exc.reason)
        self._task = asyncio.create_task(self._run(), name="sms-worker")
        logger.info("SMS worker started")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._active.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._active.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as exc:
                logger.warning("SMS worker: database unavailable (%s)", exc.reason)
            except Exception:  # noqa: BLE001 (the worker must survive anything and retry)
                logger.exception("SMS worker: unexpected error; continuing")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_S)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def tick(self) -> None:
        """One pass: housekeeping when due, claim conversations, send what is due."""
        now = clock.utc_now()
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._timers.last_sweep >= SWEEP_S:
            self._timers.last_sweep = loop_time
            await call(self.outbox.sweep, now, self.config.unconfirmed_resend_s)
        if loop_time - self._timers.last_purge >= PURGE_S:
            self._timers.last_purge = loop_time
            retention = timedelta(days=get_municipality().conversation_retention_days)
            await call(self.outbox.purge, now - retention)
        free = MAX_CONVERSATIONS - len(self._active)
        if free > 0:
            for conversation_id in await call(self.conversations.claim, self.owner, now, LEASE_S, free):
                task = asyncio.create_task(self._conversation(conversation_id))
                self._active[conversation_id] = task
        await self.send_due()

    # --- conversations ------------------------------------------------------------------------------
    async def _conversation(self, conversation_id: str) -> None:
        try:
            await self.handle_conversation(conversation_id)
        except (SmsLeaseLost, StoreUnavailable, ConversationStoreUnavailable) as exc:
            logger.warning("SMS conversation left to a later pass (%s)", type(exc).__name__)
        except Exception:  # noqa: BLE001 (one conversation must not stop the others)
            logger.exception("SMS conversation failed; it will be tried again")
        finally:
            self._active.pop(conversation_id, None)
            try:
                await call(self.conversations.release, conversation_id, self.owner)
            except StoreUnavailable:
                pass  # the lease runs out by itself
            self.wake()

    async def handle_conversation(self, conversation_id: str) -> None:
        """Everything pending in one claimed conversation, in order, while the lease holds."""
        while True:
            if not await call(
                self.conversations.renew, conversation_id, self.owner, clock.utc_now(), LEASE_S
            ):
                raise SmsLeaseLost(conversation_id)
            message = await call(self.conversations.next_message, conversation_id)
            if message is not None:
                if not await self._agent_ready():
                    return
                await self._handle_message(conversation_id, message)
                self.wake()
                continue
            reminder = await call(self.conversations.next_reminder, conversation_id)
            if reminder is None or not await self._agent_ready():
                return
            await self._handle_reminder(conversation_id, reminder)
            self.wake()

    async def _agent_ready(self) -> bool:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        return agent is not None and agent.is_ready()

    async def _handle_message(self, conversation_id: str, message: SmsIncomingRecord) -> None:
        state = await call(self.conversations.get, conversation_id)
        if state is None:
            return
        try:
            result = await self._answer(state, message)
        except (SmsLeaseLost, StoreUnavailable, asyncio.CancelledError):
            raise
        except ConversationStoreUnavailable as outage:  # try again in a later pass
            raise StoreUnavailable(str(outage), "conversation store") from None
        except Exception:  # noqa: BLE001 (Rasa or an action failed: retry, then apologise)
            logger.exception("SMS message could not be answered (attempt %d)", message.attempts + 1)
            if message.attempts + 1 < MAX_ATTEMPTS:
                await call(self.conversations.failed_attempt, message.id, MAX_ATTEMPTS, clock.utc_now())
                raise SmsLeaseLost(conversation_id) from None  # try again in a later pass
            result = TurnResult("failed", notice(messages.NO_ANSWER, language=_written_in(message.text)))
        now = clock.utc_now()
        await call(
            self.conversations.complete, conversation_id, self.owner, now, _for_message(result, message.id)
        )
        metrics.count_message(SMS_METRICS_CHANNEL)
        metrics.observe_reply(SMS_METRICS_CHANNEL, (now - message.received_at).total_seconds())
        logger.info("SMS message handled: %s", result.outcome)

    async def _language(self, state: SmsConversationRecord, text: str | None) -> str:
        """The language of the SMS channel's own answer to `text`: the message's own, else the
        conversation's stored language (the `language` slot), else Danish."""
        found = detect(text).language
        if found in LANGUAGES:
            return str(found)
        tracker = await self.app.ctx.agent.tracker_store.retrieve(state.id)
        return normalise(tracker.get_slot(LANGUAGE_SLOT) if tracker is not None else None)

    async def _answer(self, state: SmsConversationRecord, message: SmsIncomingRecord) -> TurnResult:
        now = clock.utc_now()
        if message.text is None:
            if state.opted_out:
                return TurnResult("too_long_silenced")
            return TurnResult(
                "too_long", notice(messages.TOO_LONG, language=await self._language(state, None))
            )
        reply = read_reply(message.text, options_of(state))
        # STOP and START read alike in both languages: the conversation's language answers them.
        is_opt = isinstance(reply, CommandReply) and reply.command in (STOP, START)
        language = await self._language(state, None if is_opt else message.text)
        if isinstance(reply, CommandReply) and reply.command == STOP:
            if state.opted_out:
                return TurnResult("opted_out_again")  # confirmed once
            confirmation = notice(messages.STOP_CONFIRMED, STOP_CONFIRMATION, language)
            return TurnResult("opted_out", confirmation, options=(), remainder=None, opt_out=True)
        if isinstance(reply, CommandReply) and reply.command == START:
            if state.opted_out:
                return TurnResult(
                    "opted_in", notice(messages.START_CONFIRMED, language=language), opt_out=False
                )
            return TurnResult("opted_in_already", notice(messages.START_NOT_NEEDED, language=language))
        if state.opted_out:
            return TurnResult("ignored_opted_out")
        window = timedelta(seconds=SMS_RATE_LIMIT_WINDOW_S)
        if (
            await call(self.conversations.received_since, state.id, now - window, message.id)
            > SMS_RATE_LIMIT_MESSAGES
        ):
            if state.rate_notified_at is None or state.rate_notified_at < now - window:
                return TurnResult(
                    "rate_limited", notice(messages.RATE_LIMITED, language=language), rate_notified=True
                )
            return TurnResult("rate_limited_silenced")
        if isinstance(reply, CommandReply):  # MERE
            if not state.remainder:
                return TurnResult("more_empty", notice(messages.NOTHING_MORE, language=language))
            part, rest = continue_remainder(state.remainder)
            return TurnResult("more", outgoing(part), remainder=rest)
        return await self._rasa_answer(state, message, reply.text, language)

    async def _rasa_answer(
        self, state: SmsConversationRecord, message: SmsIncomingRecord, text: str, language: str = DANISH
    ) -> TurnResult:
        if not text.strip():
            # Rasa answers "" without listening afterwards (found by fuzzing the REST channel)
            return TurnResult("empty", notice(messages.EMPTY, language=language))
        turn = format_turn(await self._rasa_turn(state, message, text))
        if turn.message is None:
            return TurnResult(
                "no_answer", notice(messages.NO_ANSWER, language=language), options=(), remainder=None
            )
        return await self._introduced(state.id, turn_result(turn, "answered"))

    async def _introduced(self, conversation_id: str, result: TurnResult) -> TurnResult:
        """`result` with the assistant's introduction as an SMS of its own before it, when the
        assistant has never written to this number (the outbox sends a conversation's SMS in
        order, so it arrives first; the answer keeps its own three segments)."""
        if not result.outgoing or await call(self.outbox.has_written, conversation_id):
            return result
        language = _written_in(result.outgoing[0].text)  # the introduction in the answer's language
        introduction = notice(messages.INTRODUCTION, INTRODUCTION_KIND, language)
        return _with(result, outgoing=(*introduction, *result.outgoing))

    async def _identity(self, msisdn: str) -> dict[str, str] | None:
        citizen = await call(CaseRepository().find_citizen_by_phone, msisdn)
        if citizen is None:
            return None
        return verified_entry(VerifiedCitizen(citizen.id, via=VIA_SMS))

    async def _rasa_turn(
        self, state: SmsConversationRecord, message: SmsIncomingRecord, text: str
    ) -> list[dict[str, Any]]:
        message_id = f"sms-{message.id}"
        earlier = await self._replies_in_tracker(state.id, message_id)
        if earlier is not None:
            logger.info("SMS message was answered by Rasa before a restart; its replies are reused")
            return earlier
        masked, metadata = sanitise_incoming(text, {}, identity=await self._identity(state.msisdn))
        if masked and CPR_PLACEHOLDER in masked:
            metadata[CPR_REMOVED_KEY] = True  # masked by the webhook before it was stored
        collector = SmsOutputChannel()
        assert self.on_new_message is not None
        await self.on_new_message(
            UserMessage(
                masked,
                collector,
                state.id,
                input_channel=INPUT_CHANNEL,
                message_id=message_id,
                metadata=metadata,
            )
        )
        return list(collector.messages)

    async def _replies_in_tracker(self, conversation_id: str, message_id: str) -> list[dict[str, Any]] | None:
        """The replies Rasa already gave to `message_id`, or None when it never saw it."""
        agent = self.app.ctx.agent
        tracker = await agent.tracker_store.retrieve(conversation_id)
        if tracker is None:
            return None
        replies: list[dict[str, Any]] | None = None
        for event in tracker.events:
            if isinstance(event, UserUttered):
                if replies is not None:
                    break
                if event.message_id == message_id:
                    replies = []
            elif replies is not None and isinstance(event, BotUttered):
                data = event.data or {}
                replies.append({"text": event.text, "buttons": data.get("buttons")})
        return replies

    # --- reminders --------------------------------------------------------------------------------------
    async def _handle_reminder(self, conversation_id: str, reminder: SmsReminderRecord) -> None:
        now = clock.utc_now()
        state = await call(self.conversations.get, conversation_id)
        result: TurnResult
        if state is None or state.opted_out:
            result = TurnResult("opted_out", reminder_state="skipped")
        elif not reminder.still_valid(now):
            late = now >= reminder.deliver_before
            result = TurnResult(
                "too_late" if late else "meeting_changed", reminder_state="expired" if late else "skipped"
            )
        elif await self._in_active_form(conversation_id):
            result = TurnResult("busy_in_guide", reminder_state="skipped")
        else:
            await call(self.conversations.start_reminder, reminder.id)
            turn = format_turn(await self._trigger_reminder(conversation_id))
            if turn.message is None:  # e.g. the action server was down: a later run tries again
                result = TurnResult("no_text", reminder_state="expired")
            else:
                expires = min(now + OUTBOX_EXPIRY, reminder.meeting_starts_at)
                result = await self._introduced(
                    conversation_id, turn_result(turn, "delivered", kind="reminder", expires_at=expires)
                )
        await call(
            self.conversations.complete, conversation_id, self.owner, now, _for_reminder(result, reminder.id)
        )
        logger.info("SMS reminder handled: %s", result.outcome)

    async def _in_active_form(self, conversation_id: str) -> bool:
        tracker = await self.app.ctx.agent.tracker_store.retrieve(conversation_id)
        return tracker is not None and tracker.active_loop_name is not None

    async def _trigger_reminder(self, conversation_id: str) -> list[dict[str, Any]]:
        """Rasa's trigger_intent, in process (as the HTTP endpoint does it, under the lock)."""
        agent = self.app.ctx.agent
        collector = SmsOutputChannel()
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.fetch_tracker_and_update_session(conversation_id, collector)
            await agent.trigger_intent(REMINDER_INTENT, [], collector, tracker)
        return list(collector.messages)

    # --- the outbox ----------------------------------------------------------------------------------------
    async def send_due(self) -> None:
        due = await call(self.outbox.claim, self.owner, clock.utc_now(), SEND_LEASE_S, MAX_SENDS)
        if due:
            await asyncio.gather(*(self._send(message) for message in due))

    async def _send(self, message: SmsSendRecord) -> None:
        assert self._session is not None
        outcome = await self.provider.send(self._session, message)
        now = clock.utc_now()
        attempts = message.attempts + 1
        if outcome.result == "sent":
            await call(self.outbox.sent, message.id, self.owner, outcome.gateway_message_id, now)
        elif outcome.result == "retry":
            await call(self.outbox.retry, message.id, self.owner, outcome.error, now + backoff(attempts))
            logger.warning("SMS not sent (%s); attempt %d, trying again later", outcome.error, attempts)
        elif outcome.result == "unconfirmed":
            resend = now + timedelta(seconds=self.config.unconfirmed_resend_s)
            await call(self.outbox.unconfirmed, message.id, self.owner, outcome.error, resend)
            logger.warning("SMS may not have reached the gateway (%s); waiting for its report", outcome.error)
        else:
            await call(self.outbox.failed, message.id, self.owner, outcome.error)


def _for_message(result: TurnResult, inbox_id: int) -> TurnResult:
    return _with(result, inbox_id=inbox_id)


def _for_reminder(result: TurnResult, reminder_id: int) -> TurnResult:
    return _with(result, reminder_id=reminder_id)


def _with(result: TurnResult, **changes: Any) -> TurnResult:
    return replace(result, **changes)
