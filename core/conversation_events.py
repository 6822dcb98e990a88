"""What a stored conversation says: Rasa's event dicts read as a transcript, a summary and flags.

Rasa's SQL tracker store keeps each event as the JSON of `Event.as_dict()`. This module knows
those shapes (`user`, `bot`, `action`, `slot`, `session_started`, ...) without importing Rasa, and
owns:

- `mask_event(data)`: the tracker store's second line of masking: CPR and phone numbers in what
  the citizen wrote (the user event's text, its parse data and entities, slot values) are masked
  again before an event is stored (the channels mask them first, where a message enters);
- `summarise(events)`: one conversation as the review app lists it (channel, times, counts,
  identity, flags, the citizen's words for search, each citizen message's topic);
- `transcript(events)`: the entries the review app shows, in order, each with its language;
- `conversation_language(events)`: the conversation's stored language (the `language` slot).

The flag names are shared with the NLU branch: the assistant was unsure (intent `nlu_fallback`, the
actions `utter_please_rephrase` / `utter_clarify`, or an answer the NLU gave although the next topic
was close: `answer_decision.close`, core/answer_decision.py), a human was asked for (intent
`human_handoff` / `action_human_handoff`), crisis words (intent `crisis` /
`action_crisis_support`). A FAQ topic chosen from "Mente du …?" (intent `faq_pick`, entity
`topic`) is shown as that topic with confidence 1.0: the citizen said so. While a form is
active (the preparation guide) the citizen's messages are answers taken as written, not
questions: their intent never makes a conversation "unsure" and they are not counted as asked
topics (crisis words and hand-offs still count).

Must not: import Rasa, SQLAlchemy or an app, or log anything from an event.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from core.bilingual import DANISH, LANGUAGE_SLOT, normalise
from core.clarification import PICK_INTENT
from core.privacy import mask_text
from core.sms import CONVERSATION_PREFIX as SMS_PREFIX
from core.sms import SMS_INPUT_CHANNELS

# --- flags -------------------------------------------------------------------------------------
UNSURE_INTENTS = frozenset({"nlu_fallback"})
# "Mente du …?" is `utter_clarify` / `utter_clarify_none`; `action_clarify` in older conversations.
UNSURE_ACTIONS = frozenset(
    {
        "utter_please_rephrase",
        "utter_clarify",
        "utter_clarify_none",
        "action_clarify",
        "action_default_fallback",
    }
)
HANDOFF_INTENTS = frozenset({"human_handoff"})
HANDOFF_ACTIONS = frozenset({"action_human_handoff"})
CRISIS_INTENTS = frozenset({"crisis"})
CRISIS_ACTIONS = frozenset({"action_crisis_support"})

FLAG_UNSURE = "unsure"
FLAG_HANDOFF = "handoff"
FLAG_CRISIS = "crisis"
FLAG_NOTE = "note"
FLAGS: tuple[str, ...] = (FLAG_UNSURE, FLAG_HANDOFF, FLAG_CRISIS, FLAG_NOTE)

# --- channels ----------------------------------------------------------------------------------
CHANNEL_WEB = "web"
CHANNEL_SMS = "sms"
CHANNELS: tuple[str, ...] = (CHANNEL_WEB, CHANNEL_SMS)


# Actions every turn runs; the transcript leaves them out of "actions run".
ROUTINE_ACTIONS = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})
FAQ_INTENT = "faq"
MAX_SEARCH_TEXT_CHARS = 100_000


def event_time(data: Mapping[str, Any]) -> datetime | None:
    """The event's timestamp (Rasa stores seconds since the epoch) as aware UTC."""
    value = data.get("timestamp")
    if not isinstance(value, (int, float)):
        return None
    return datetime.fromtimestamp(float(value), tz=timezone.utc)


# --- masking (second line, in the tracker store) -------------------------------------------------
def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [_mask_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _mask_value(item) for key, item in value.items()}
    return value


def mask_event(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of one event dict with the citizen's words masked (CPR and phone numbers).

    Citizen text lives in `user` events (text, parse data, entities) and in slots filled from
    text (the preparation guide's answers). The assistant's own messages are left as they are
    (they quote the municipality's phone number on purpose).
    """
    masked = copy.deepcopy(dict(data))
    kind = masked.get("event")
    if kind == "user":
        for key in ("text",):
            if isinstance(masked.get(key), str):
                masked[key] = mask_text(masked[key])
        parse = masked.get("parse_data")
        if isinstance(parse, dict):
            if isinstance(parse.get("text"), str):
                parse["text"] = mask_text(parse["text"])
            if isinstance(parse.get("entities"), list):
                parse["entities"] = _mask_value(parse["entities"])
    elif kind == "slot":
        masked["value"] = _mask_value(masked.get("value"))
    elif kind == "entities":
        masked["entities"] = _mask_value(masked.get("entities"))
    return masked


# --- reading -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prediction:
    """What the NLU made of one citizen message: intent or FAQ topic, and its confidence."""

    topic: str | None
    confidence: float | None
    intent: str | None


def prediction(parse_data: Any) -> Prediction:
    """The topic of a user event's parse data: `faq/<key>` for FAQ answers, else the intent."""
    if not isinstance(parse_data, Mapping):
        return Prediction(None, None, None)
    intent = parse_data.get("intent") if isinstance(parse_data.get("intent"), Mapping) else {}
    name = intent.get("name") if isinstance(intent.get("name"), str) else None
    confidence = intent.get("confidence") if isinstance(intent.get("confidence"), (int, float)) else None
    topic = name
    if name == PICK_INTENT:
        for entity in parse_data.get("entities") or []:
            value = entity.get("value") if isinstance(entity, Mapping) else None
            if entity.get("entity") == "topic" and isinstance(value, str) and value.startswith("faq/"):
                return Prediction(value, 1.0, name)
    if name == FAQ_INTENT:
        selector = parse_data.get("response_selector")
        response = {}
        if isinstance(selector, Mapping):
            chosen = selector.get(FAQ_INTENT) or selector.get("default") or {}
            response = chosen.get("response", {}) if isinstance(chosen, Mapping) else {}
        key = response.get("intent_response_key") if isinstance(response, Mapping) else None
        if isinstance(key, str) and key:
            topic = key
            answer_confidence = response.get("confidence")
            if isinstance(answer_confidence, (int, float)):
                confidence = answer_confidence
    return Prediction(topic, float(confidence) if confidence is not None else None, name)


def verified_citizen(metadata: Any) -> str | None:
    """The citizen id the channel verified for this message (the metadata contract), or None."""
    if not isinstance(metadata, Mapping):
        return None
    identity = metadata.get("identity")
    if not isinstance(identity, Mapping):
        return None
    citizen_id = identity.get("citizen_id")
    return citizen_id.strip() if isinstance(citizen_id, str) and citizen_id.strip() else None


def channel_of(conversation_id: str, input_channels: Iterable[str]) -> str:
    """web or sms: SMS conversations are `sms:<pseudonym>` on the `gatewayapi` channel."""
    if conversation_id.startswith(SMS_PREFIX) or any(c in SMS_INPUT_CHANNELS for c in input_channels):
        return CHANNEL_SMS
    return CHANNEL_WEB


@dataclass(frozen=True)
class StoredEvent:
    """One row of Rasa's events table: its id, type and the event dict."""

    id: int
    type_name: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class CitizenMessage:
    """One citizen message as the index keeps it (no text: that stays in the events)."""

    event_id: int
    sent_at: datetime
    topic: str | None
    confidence: float | None


@dataclass
class ConversationSummary:
    """One conversation as the review app lists it."""

    conversation_id: str
    channel: str = CHANNEL_WEB
    started_at: datetime | None = None
    last_event_at: datetime | None = None
    last_event_id: int = 0
    message_count: int = 0  # the citizen's and the assistant's messages
    citizen_ids: set[str] = field(default_factory=set)
    unsure: bool = False
    handoff: bool = False
    crisis: bool = False
    citizen_text: str = ""
    citizen_messages: list[CitizenMessage] = field(default_factory=list)

    @property
    def citizen_id(self) -> str | None:
        """The one verified citizen of the conversation; None when anonymous or mixed."""
        return next(iter(self.citizen_ids)) if len(self.citizen_ids) == 1 else None

    @property
    def identity_mixed(self) -> bool:
        """More than one verified citizen wrote here (only administrators see such a conversation)."""
        return len(self.citizen_ids) > 1


def _form_state(data: Mapping[str, Any], in_form: bool) -> bool:
    """Whether a form (the preparation guide) is active after this event."""
    kind = data.get("event")
    if kind == "active_loop":
        return bool(data.get("name"))
    if kind in ("restart", "session_started"):
        return False
    return in_form


def answered_close(parse_data: Any) -> bool:
    """True when the NLU answered although another topic was close (`answer_decision.close`)."""
    if not isinstance(parse_data, Mapping):
        return False
    details = parse_data.get("answer_decision")
    return isinstance(details, Mapping) and details.get("kind") == "answer" and details.get("close") is True


def summarise(conversation_id: str, events: Iterable[StoredEvent]) -> ConversationSummary:
    """The summary of one conversation from all its stored events (in id order)."""
    summary = ConversationSummary(conversation_id)
    channels: set[str] = set()
    texts: list[str] = []
    in_form = False
    for event in events:
        data = event.data
        in_form = _form_state(data, in_form)
        moment = event_time(data)
        summary.last_event_id = max(summary.last_event_id, event.id)
        if moment is not None:
            summary.started_at = moment if summary.started_at is None else min(summary.started_at, moment)
            summary.last_event_at = (
                moment if summary.last_event_at is None else max(summary.last_event_at, moment)
            )
        kind = data.get("event")
        if kind == "user":
            summary.message_count += 1
            if isinstance(data.get("input_channel"), str):
                channels.add(data["input_channel"])
            citizen = verified_citizen(data.get("metadata"))
            if citizen:
                summary.citizen_ids.add(citizen)
            guess = prediction(data.get("parse_data"))
            summary.unsure |= (
                guess.intent in UNSURE_INTENTS or answered_close(data.get("parse_data"))
            ) and not in_form
            summary.handoff |= guess.intent in HANDOFF_INTENTS
            summary.crisis |= guess.intent in CRISIS_INTENTS
            text = data.get("text")
            if isinstance(text, str) and text and not text.startswith("/"):
                texts.append(text)
            if moment is not None:
                topic = None if in_form else guess.topic  # an answer is not an asked topic
                summary.citizen_messages.append(CitizenMessage(event.id, moment, topic, guess.confidence))
        elif kind == "bot":
            summary.message_count += 1
        elif kind == "action":
            name = data.get("name")
            summary.unsure |= name in UNSURE_ACTIONS
            summary.handoff |= name in HANDOFF_ACTIONS
            summary.crisis |= name in CRISIS_ACTIONS
    summary.channel = channel_of(conversation_id, channels)
    summary.citizen_text = "\n".join(texts)[:MAX_SEARCH_TEXT_CHARS]
    return summary


# --- the transcript ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TranscriptEntry:
    """One line of the transcript: who (citizen, assistant, action), when and what."""

    kind: str  # "citizen", "assistant" or "action"
    event_id: int
    at: datetime | None
    text: str = ""
    in_form: bool = False  # an answer to the preparation guide (a form), taken as written
    topic: str | None = None
    confidence: float | None = None
    buttons: tuple[str, ...] = ()
    action: str | None = None
    verified: bool = False
    # "da", "en" or another language's code: what the message was written in (the citizen's as
    # the language component read it, the assistant's as it was sent); None when not known.
    lang: str | None = None


def _citizen_language(parse_data: Any) -> str | None:
    detection = parse_data.get("message_language") if isinstance(parse_data, Mapping) else None
    found = detection.get("language") if isinstance(detection, Mapping) else None
    return found if isinstance(found, str) and found.isalpha() and len(found) <= 5 else None


def _assistant_language(data: Mapping[str, Any]) -> str | None:
    metadata = data.get("metadata")
    found = metadata.get("lang") if isinstance(metadata, Mapping) else None
    return found if isinstance(found, str) and found.isalpha() and len(found) <= 5 else None


def conversation_language(events: Iterable[StoredEvent]) -> str:
    """The conversation's language as stored: the last value of its `language` slot ("da" when
    never set). What the citizen last wrote or chose, and what the assistant answers in."""
    language = DANISH
    for event in events:
        data = event.data
        if data.get("event") == "slot" and data.get("name") == LANGUAGE_SLOT:
            language = normalise(data.get("value"))
    return language


def transcript(events: Iterable[StoredEvent]) -> list[TranscriptEntry]:
    """The conversation in order: the citizen's and the assistant's messages and the actions run."""
    entries: list[TranscriptEntry] = []
    in_form = False
    for event in events:
        data = event.data
        in_form = _form_state(data, in_form)
        kind = data.get("event")
        at = event_time(data)
        if kind == "user":
            guess = prediction(data.get("parse_data"))
            entries.append(
                TranscriptEntry(
                    "citizen",
                    event.id,
                    at,
                    text=str(data.get("text") or ""),
                    topic=guess.topic,
                    confidence=guess.confidence,
                    verified=verified_citizen(data.get("metadata")) is not None,
                    in_form=in_form,
                    lang=_citizen_language(data.get("parse_data")),
                )
            )
        elif kind == "bot":
            payload = data.get("data") if isinstance(data.get("data"), Mapping) else {}
            buttons = payload.get("buttons") or []
            titles = tuple(
                str(b.get("title")) for b in buttons if isinstance(b, Mapping) and b.get("title") is not None
            )
            text = str(data.get("text") or "")
            if not text and payload.get("custom"):
                text = "(særligt indhold til chatvinduet)"
            entries.append(
                TranscriptEntry(
                    "assistant", event.id, at, text=text, buttons=titles, lang=_assistant_language(data)
                )
            )
        elif kind == "action":
            name = data.get("name")
            if isinstance(name, str) and name not in ROUTINE_ACTIONS:
                entries.append(TranscriptEntry("action", event.id, at, action=name))
    return entries
