"""A turn's bot replies as SMS: plain text, numbered options, at most three segments.

Everything the bot says in one turn becomes ONE SMS (separate SMS may arrive out of order on a
phone; the parts of one long SMS are joined by the phone). Buttons become numbered options at
the end, never with their payloads:

    Svar 1 for Videre, 2 for Spring over eller 3 for Stop.

or, for more than three options or titles that are questions, one option a line:

    Svar med et tal:
    1) Hvad er et ressourceforløb?
    2) Tal med et menneske

When the text already names every option (the reminder's "Svar FORBERED"), no list is added; the
title itself is still a valid reply (`bot.rasa_plugins.sms.replies`). A text longer than MAX_SEGMENTS
segments is cut after the last whole sentence that fits, followed by the options (so the citizen
can always answer) and MORE_HINT; the rest is kept (in the database, by the caller) and sent when
the citizen texts MERE (or MORE), with the options again at its end. The options block is never split.

Must not: decide what a reply means (that is `bot.rasa_plugins.sms.replies`) or store anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.rasa_plugins.language import detect
from core.bilingual import DANISH, ENGLISH
from core.sms.encoding import MAX_SEGMENTS, SmsText, fits, measure, normalise
from core.texts import text as stored_text

# "Skriv MERE for resten." / "Write MORE for the rest.": in the language of the answer it ends.
MORE_HINT = stored_text("sms", "more_hint", DANISH)


def more_hint(text: str) -> str:
    """MORE_HINT in the language `text` is written in (bot.rasa_plugins.language; Danish when unsure)."""
    return stored_text("sms", "more_hint", ENGLISH if detect(text).language == ENGLISH else DANISH)


INLINE_MAX_OPTIONS = 3
INLINE_MAX_TITLE_CHARS = 30
MESSAGE_SEPARATOR = "\n\n"
# Separates a stored remainder's text from its options block (never part of an SMS).
TAIL_MARK = "\x1e"

_SENTENCE_END = re.compile(r"(?<=[.!?])[ ]+|\n+")
_WORD_GAP = re.compile(r"[ ]+")


@dataclass(frozen=True)
class Option:
    """A button as an SMS option: the citizen sees `title` (and its number), never `payload`."""

    title: str
    payload: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class FormattedTurn:
    """What to send now, what "MERE" would send later, and what the options mean."""

    message: SmsText | None  # None: the bot said nothing that can be sent as text
    remainder: str | None
    options: tuple[Option, ...]


def options_from(messages: Iterable[Mapping[str, Any]]) -> tuple[Option, ...]:
    """Every button of the turn, in order, once per payload (titles and payloads as text)."""
    seen: set[str] = set()
    options: list[Option] = []
    for message in messages:
        for button in message.get("buttons") or ():
            if not isinstance(button, Mapping):
                continue
            title, payload = button.get("title"), button.get("payload")
            if not isinstance(title, str) or not isinstance(payload, str) or not title.strip():
                continue
            if payload in seen:
                continue
            seen.add(payload)
            options.append(Option(normalise(title), payload))
    return tuple(options)


def _named_in(text: str, title: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(title.casefold())}(?!\w)", text.casefold()) is not None


def options_block(options: Sequence[Option], text: str = "") -> str:
    """The numbered options as text; "" when there are none or `text` already names them all."""
    if not options or all(_named_in(text, option.title) for option in options):
        return ""
    titles = [option.title.rstrip(" .") for option in options]
    inline = len(titles) <= INLINE_MAX_OPTIONS and all(
        len(title) <= INLINE_MAX_TITLE_CHARS and not title.endswith("?") for title in titles
    )
    if not inline:
        return "\n".join(["Svar med et tal:", *(f"{n}) {title}" for n, title in enumerate(titles, 1))])
    choices = [f"{n} for {title}" for n, title in enumerate(titles, 1)]
    if len(choices) == 1:
        return f"Svar {choices[0]}."
    return f"Svar {', '.join(choices[:-1])} eller {choices[-1]}."


def _pieces(text: str, gap: re.Pattern[str] = _SENTENCE_END) -> list[str]:
    """`text` cut after each `gap` (sentences by default), each piece with its gap."""
    pieces: list[str] = []
    start = 0
    for match in gap.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _ending(head: str, suffix: str) -> str:
    return f"{head.rstrip()}\n{suffix}"


def _cut(units: list[str], max_segments: int, suffix: str) -> tuple[str, list[str]]:
    """The longest head of `units` that fits with `suffix` after it, and the units left over."""
    head = ""
    for index, unit in enumerate(units):
        if not fits(_ending(head + unit, suffix), max_segments):
            if head.strip():
                return head, units[index:]
            # A single unit too long on its own: cut it between words, then characters.
            words = _pieces(unit, _WORD_GAP)
            if len(words) > 1:
                return _cut(words + units[index + 1 :], max_segments, suffix)
            return _cut(list(unit) + units[index + 1 :], max_segments, suffix)
        head += unit
    return head, []


def split(text: str, tail: str = "", max_segments: int = MAX_SEGMENTS) -> tuple[SmsText, str | None]:
    """`text` (and the unsplittable `tail`) as one SMS now and the rest for "MERE".

    Both are expected normalised. When the text must be cut, the SMS ends with the tail (the
    options, so the citizen can always answer) and MORE_HINT; the rest keeps the text that did
    not fit and the tail again (after TAIL_MARK), for `continue_remainder`.
    """
    text, tail = text.strip(), tail.strip()
    whole = "\n".join(part for part in (text, tail) if part)
    if fits(whole, max_segments):
        return measure(whole), None
    hint = more_hint(text or tail)
    suffix = f"{tail}\n{hint}" if tail else hint
    head, rest = _cut(_pieces(text), max_segments, suffix) if text else ("", [])
    if not head.strip() or not fits(_ending(head, suffix), max_segments):
        # The options are too long to go with any of the text: the text first, options later.
        suffix = hint
        head, rest = _cut(_pieces(text or tail), max_segments, suffix)
        if not text:
            tail = ""
    remainder = "".join(rest).strip()
    if tail:
        remainder = f"{remainder}{TAIL_MARK}{tail}"
    return measure(_ending(head, suffix)), remainder or None


def format_turn(messages: Sequence[Mapping[str, Any]], max_segments: int = MAX_SEGMENTS) -> FormattedTurn:
    """One turn's bot messages (Rasa's `text`/`buttons` dicts) as one SMS, rest and options.

    Custom payloads, images and attachments have no SMS form and are left out.
    """
    texts = [normalise(m["text"]) for m in messages if isinstance(m.get("text"), str) and m["text"].strip()]
    text = MESSAGE_SEPARATOR.join(t for t in texts if t)
    options = options_from(messages)
    block = options_block(options, text)
    if not text and not block:
        return FormattedTurn(None, None, options)
    message, remainder = split(text, block, max_segments)
    return FormattedTurn(message, remainder, options)


def continue_remainder(remainder: str, max_segments: int = MAX_SEGMENTS) -> tuple[SmsText, str | None]:
    """The next SMS of a stored remainder ("MERE"), and what is left after it."""
    text, _, tail = remainder.partition(TAIL_MARK)
    return split(text, tail, max_segments)
