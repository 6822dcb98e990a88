"""Shared parts of the action server's replies: what a reply is, how it is cut for chat and SMS,
the conversation's language, and the texts several actions send (the CPR notice, how to log in,
where a meeting is held).

Owns `Reply`, `button`, `pack_lines` / `replies_from` (lines into messages of at most
MAX_REPLY_CHARS each, a heading never left alone at the end of one), `send`, `language_of` (the
conversation's language: the tracker slot `language`, Danish by default), `login_replies` (what
to say without a verified citizen), `place_of` (a meeting's place as a citizen reads it, for the
case answers, the guide and the SMS reminder alike) and `participant_line`.

Used by the case answers (cases.py), the preparation guide (preparation.py), care (care.py) and
the SMS reminder (reminders.py). Texts: section `replies` of data/texts/actions.yml, in the
conversation's language; `core.municipality.fill()` puts in the municipality's settings.

Must not: look anything up (the actions do), decide what to answer, or detect a language (the
Rasa server sets the slot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.who_is_asking import Identity, IdentityProblem
from actions.wording import capitalise, role_explanation
from core.bilingual import DANISH, LANGUAGE_SLOT, normalise
from core.municipality import fill
from core.texts import text
from core.tokens import EXPIRED, NOT_CONFIGURED

# One message the assistant sends is at most this long (longer answers are split).
MAX_REPLY_CHARS = 480
SECTION = "replies"


def language_of(tracker: Tracker) -> str:
    """The conversation's language ("da" or "en"): the slot `language`, Danish by default."""
    return normalise(tracker.get_slot(LANGUAGE_SLOT))


def reply_text(key: str, language: str = DANISH, **values: Any) -> str:
    """One text of the section `replies` in `language`, its placeholders filled."""
    return fill(text(SECTION, key, language), language, **values)


Button = dict[str, str]


def button(title: str, payload: str) -> Button:
    return {"title": title, "payload": payload}


def help_button(language: str = DANISH) -> Button:
    """ "Hvad kan du hjælpe med?" """
    return button(text(SECTION, "help_title", language), text(SECTION, "help_payload", language))


# --- Replies and SMS-sized messages ---------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    """One message: plain text with optional buttons."""

    text: str
    buttons: tuple[Button, ...] = ()


def pack_lines(lines: Sequence[str], limit: int = MAX_REPLY_CHARS) -> list[str]:
    """Join lines into as few messages of at most `limit` characters as possible.

    Lines are never cut. A heading (a line ending in ":") is moved to the next message
    rather than left alone at the end of one.
    """
    messages: list[list[str]] = [[]]
    for line in lines:
        current = messages[-1]
        if current and len("\n".join([*current, line])) > limit:
            carried = [current.pop()] if len(current) > 1 and current[-1].endswith(":") else []
            messages.append([*carried, line])
        else:
            current.append(line)
    return ["\n".join(message) for message in messages if message]


def replies_from(lines: Sequence[str], buttons: Sequence[Button] = ()) -> list[Reply]:
    """SMS-sized messages from `lines`; the buttons go with the last message."""
    replies = [Reply(text=message) for message in pack_lines(lines)]
    if replies and buttons:
        replies[-1] = Reply(text=replies[-1].text, buttons=tuple(buttons))
    return replies


def send(dispatcher: CollectingDispatcher, replies: Sequence[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(text=reply.text, buttons=list(reply.buttons) or None)


def login_replies(identity: Identity, what: str, sms: bool = False, language: str = DANISH) -> list[Reply]:
    """What to say when the message has no verified citizen (`sms`: it came by SMS); `what` is
    what the citizen could see after logging in, already in `language`."""
    if sms and not isinstance(identity, IdentityProblem):
        first = "sms_unknown_number"
    elif isinstance(identity, IdentityProblem):
        if identity.reason == EXPIRED:
            first = "login_expired"
        elif identity.reason == NOT_CONFIGURED:
            first = "login_not_available"
        else:
            first = "login_invalid"
    else:
        first = "not_logged_in"
    lines = [reply_text(first, language, what=what), reply_text("general_questions", language)]
    return replies_from(lines, [help_button(language)])


def place_of(online: bool, location: str | None, language: str = DANISH) -> str:
    """Where a meeting is held, as the citizen reads it (an imported place as it was imported)."""
    if online:
        return text(SECTION, "online_place", language)
    return location or text(SECTION, "unknown_place", language)


def participant_line(participant: str, brief: bool = False, language: str = DANISH) -> str:
    """ "- <participant as imported>: <what they do>" (without the explanation when `brief`)."""
    explanation = None if brief else role_explanation(participant, language)
    name = capitalise(participant.strip())
    return f"- {name}: {explanation}" if explanation else f"- {name}"
