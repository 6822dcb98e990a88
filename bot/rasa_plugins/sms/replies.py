"""What a citizen's SMS means before it reaches Rasa: a command, a chosen option, or text.

- **Commands** are whole messages, in any case, with or without spaces and a full stop:
  STOP (no more SMS of any kind, reminders included), START (SMS again), MERE or MORE (the rest
  of a long answer). ENGLISH and DANSK are not commands here: they reach Rasa as text, where the
  language component switches the conversation's language (bot/rasa_plugins/language.py).
  Over SMS the word STOP always means opt-out; the guide's "Stop" button is chosen by its number.
- **Options**: "1", "2.", " 3 ", "1)" pick the numbered option of the last SMS; a message that
  is exactly an option's title (e.g. "forbered" for the reminder's FORBERED) picks it too. The
  option's payload is sent to Rasa as the message text, as the web widget does with a button.
- **Text** otherwise, as written. A leading "/" (Rasa reads "/intent" as an intent, which
  would let anyone trigger, say, the reminder intent) is removed, unless the message is exactly
  a payload the assistant itself offered.

Must not: know about Rasa or the database (the SMS worker stores and passes on the result).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.rasa_plugins.sms.formatting import Option
from core.sms.encoding import normalise

STOP, START, MORE = "stop", "start", "more"
Command = Literal["stop", "start", "more"]
COMMAND_WORDS: dict[str, Command] = {"stop": STOP, "start": START, "mere": MORE, "more": MORE}

_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.):]?\s*$")
_TRAILING_MARKS = ".!"


@dataclass(frozen=True)
class CommandReply:
    command: Command


@dataclass(frozen=True)
class TextReply:
    """What Rasa gets as the message text; `option` when it came from a numbered option."""

    text: str
    option: Option | None = None


Reply = CommandReply | TextReply


def _squeezed(text: str) -> str:
    """Lower case, no whitespace at all, no trailing full stop or exclamation mark."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return "".join(folded.split()).rstrip(_TRAILING_MARKS)


def _as_title(text: str) -> str:
    return " ".join(normalise(text).casefold().split()).rstrip(_TRAILING_MARKS + " ")


def command_of(text: str) -> Command | None:
    """The command a whole message is (STOP, START, MERE), or None."""
    return COMMAND_WORDS.get(_squeezed(text))


def chosen_option(text: str, options: Sequence[Option]) -> Option | None:
    """The option a reply picks by number ("1", "2.", " 3 ") or by its exact title."""
    if not options:
        return None
    number = _NUMBER.match(text)
    if number:
        index = int(number.group(1))
        return options[index - 1] if 1 <= index <= len(options) else None
    wanted = _as_title(text)
    if not wanted:
        return None
    return next((option for option in options if _as_title(option.title) == wanted), None)


def read_reply(text: str, options: Sequence[Option] = ()) -> Reply:
    """What `text` (an SMS as received) means, given the options of the last SMS we sent."""
    command = command_of(text)
    if command is not None:
        return CommandReply(command)
    option = chosen_option(text, options)
    if option is not None:
        return TextReply(option.payload, option)
    stripped = text.strip()
    if stripped.startswith("/") and stripped not in {option.payload for option in options}:
        stripped = stripped.lstrip("/ \t\n")
    return TextReply(stripped)
