"""What a chat message may look like when it enters the Rasa server, and what we answer if not.

Pure checks shared by the REST and socket.io channels (the SMS channel checks its own webhook
body in `bot.rasa_plugins.sms.gatewayapi`): the shape of a REST body, the length of a message, the size and
depth of the client's metadata, and the texts a citizen gets when a limit is hit (Danish or
English: `message_language`). The
limits themselves live in `core.limits`.

`defuse_payload` also decides which Rasa `/intent` payloads a client may send as such: the
buttons' payloads (`/faq_pick{…}`, `/human_handoff`, `/start_preparation`, …) pass; external
events (`/EXTERNAL_…`, sent only by the reminder scheduler through Rasa's API), Rasa's own
conversation controls (`/restart`, `/session_start`, `/back`) and a bare `/faq` without its
topic are read as ordinary text instead. Found by fuzzing: each of them got no answer at all.

Must not: import Rasa, Sanic or socket.io, or look at what the message means.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.rasa_plugins.language import detect, other_languages
from core.bilingual import DANISH, ENGLISH, LANGUAGE_SLOT, normalise
from core.clarification import FAQ_INTENT
from core.limits import MAX_INCOMING_CHARS, MAX_METADATA_BYTES, MAX_METADATA_DEPTH, MAX_SENDER_CHARS
from core.texts import text


# What a citizen gets when a limit is hit or a part is down: data/texts/channels.yml (section
# `channel`), in Danish and English. The constants are the Danish texts (the default).
def channel_text(key: str, language: str = DANISH) -> str:
    """One of the channel's own texts in `language`, with the message length cap filled in."""
    return text("channel", key, language).replace("{max_chars}", str(MAX_INCOMING_CHARS))


def message_language(message_text: Any, metadata: Any = None) -> str:
    """The language to answer a message in before the NLU has read it: the message's own
    (bot.rasa_plugins.language), else the language the web widget shows (metadata "language"), else Danish."""
    found = detect(message_text if isinstance(message_text, str) else None).language
    if found in (DANISH, ENGLISH):
        return found
    shown = metadata.get(LANGUAGE_SLOT) if isinstance(metadata, dict) else None
    return normalise(shown)


def language_of_reply(message: Any) -> str:
    """The language a bot message is in: its `lang` (set by the response generator and the
    actions), else what its text reads as (bot.rasa_plugins.language), else Danish."""
    if isinstance(message, dict):
        if message.get("lang") in (DANISH, ENGLISH, *other_languages()):
            return str(message["lang"])
        found = detect(message.get("text") if isinstance(message.get("text"), str) else None).language
        if found in (DANISH, ENGLISH):
            return found
    return DANISH


TOO_LONG_TEXT = channel_text("too_long")
RATE_LIMITED_TEXT = channel_text("rate_limited")
BUSY_TEXT = channel_text("busy")
WAIT_FOR_ANSWER_TEXT = channel_text("wait_for_answer")
EMPTY_TEXT = channel_text("empty")
# The message was handled, but an answer it needed could not be made (the action server is down).
NO_REPLY_TEXT = channel_text("no_reply")
# A part the assistant needs (the conversation store, the conversation locks) is down: the message
# was not handled, so writing it again later is safe.
UNAVAILABLE_TEXT = channel_text("unavailable")


@dataclass(frozen=True)
class Refused:
    """A request a machine gets a 4xx for (`status`, and a short English `reason`)."""

    status: int
    reason: str


@dataclass(frozen=True)
class RestMessage:
    """A REST body that passed the checks (`text` may still be too long: see `is_too_long`)."""

    sender: str
    text: str | None
    metadata: dict[str, Any]


def depth_exceeds(value: Any, limit: int) -> bool:
    """True when `value` nests lists/dicts deeper than `limit` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_metadata(metadata: Any) -> Refused | None:
    """None when the client's metadata is acceptable: absent, or a small, shallow JSON object."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return Refused(400, "metadata must be a JSON object")
    if depth_exceeds(metadata, MAX_METADATA_DEPTH):
        return Refused(400, f"metadata is nested deeper than {MAX_METADATA_DEPTH} levels")
    try:
        size = len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError):
        return Refused(400, "metadata is not valid JSON")
    if size > MAX_METADATA_BYTES:
        return Refused(413, f"metadata is larger than {MAX_METADATA_BYTES} bytes")
    return None


def check_rest_body(body: Any) -> RestMessage | Refused:
    """The parsed JSON body of a REST webhook request, checked (Refused: which 4xx and why)."""
    if not isinstance(body, dict):
        return Refused(400, "the body must be a JSON object")
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        return Refused(400, "sender must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS or not sender.isprintable():
        return Refused(400, f"sender must be at most {MAX_SENDER_CHARS} printable characters")
    text = body.get("message")
    if text is not None and not isinstance(text, str):
        return Refused(400, "message must be a string")
    for key in ("input_channel", "stream"):
        if key in body and not isinstance(body[key], (str, bool)):
            return Refused(400, f"{key} must be a string")
    metadata = body.get("metadata")
    refused = check_metadata(metadata)
    if refused is not None:
        return refused
    return RestMessage(sender=sender, text=text, metadata=metadata or {})


# Lone surrogates (not encodable: the tracker store fails and the citizen gets silence) and
# control characters other than tab and newline (PostgreSQL refuses NUL in text).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def clean_text(text: Any) -> Any:
    """`text` with lone surrogates and control characters replaced (U+FFFD / a space)."""
    if not isinstance(text, str):
        return text
    return _UNSAFE.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else " ", text)


def is_too_long(text: Any) -> bool:
    """True for a message the NLU must never see (longer than MAX_INCOMING_CHARS)."""
    return isinstance(text, str) and len(text) > MAX_INCOMING_CHARS


# Rasa's `/intent` payload syntax at the start of a message: the intent, and a `/key` after it.
_PAYLOAD = re.compile(r"\s*/([^\s{/]+)(/[^\s{]*)?")
# Intents a client may never trigger directly (see the module docstring).
CLIENT_FORBIDDEN_INTENTS = frozenset({"session_start", "restart", "back"})
EXTERNAL_INTENT_PREFIX = "EXTERNAL_"


def defuse_payload(text: Any) -> Any:
    """`text`, or without its leading "/" when it is a payload a client may not send as such."""
    if not isinstance(text, str):
        return text
    match = _PAYLOAD.match(text)
    if match is None:
        return text
    intent, key = match.group(1), match.group(2)
    if (
        intent.startswith(EXTERNAL_INTENT_PREFIX)
        or intent in CLIENT_FORBIDDEN_INTENTS
        or (intent == FAQ_INTENT and not key)
    ):
        return text.lstrip()[1:]
    return text
