"""The SMS channel's own messages (opt-out, limits, errors, the introduction), filled per municipality.

The texts are in data/texts/channels.yml (section `sms`), in Danish and English; the constants
below are their keys. Everything else a citizen reads over SMS is the assistant's normal answer
(domain.yml, the actions), formatted by `bot.rasa_plugins.sms.formatting`. Placeholders are
`core.municipality.fill()`'s.

Must not: contain personal data or legal claims.
"""

from __future__ import annotations

from core.bilingual import DANISH
from core.limits import MAX_INCOMING_CHARS
from core.municipality import fill
from core.texts import text as stored_text

STOP_CONFIRMED = "stop_confirmed"
START_CONFIRMED = "start_confirmed"
START_NOT_NEEDED = "start_not_needed"
TOO_LONG = "too_long"
RATE_LIMITED = "rate_limited"
NOTHING_MORE = "nothing_more"
# An SMS with nothing to read once cleaned (control characters only, a lone "/"): as on the web.
EMPTY = "empty"
# The first SMS of a conversation (a reply or a reminder) says it comes from a machine and how to
# reach a person (data/texts/channels.yml has why).
INTRODUCTION = "introduction"
NO_ANSWER = "no_answer"
MORE_HINT = "more_hint"


def text(key: str, language: str = DANISH) -> str:
    """The SMS text `key` in `language`, with the municipality's words and the length cap."""
    if key == EMPTY:
        return stored_text("channel", "empty", language)
    return fill(stored_text("sms", key, language), language, max_chars=MAX_INCOMING_CHARS)
