"""The SMS channel's own Danish messages (opt-out, limits, errors), filled per municipality.

Everything else a citizen reads over SMS is the assistant's normal answer (domain.yml, the
actions), formatted by `bot.rasa_plugins.sms.formatting`. Placeholders are `core.municipality.fill()`'s.

Must not: contain personal data or legal claims.
"""

from __future__ import annotations

from bot.rasa_plugins.channels.input_check import EMPTY_TEXT
from core.limits import MAX_INCOMING_CHARS
from core.municipality import fill

STOP_CONFIRMED = (
    "Du er nu afmeldt og får ingen flere SMS fra os, heller ikke påmindelser om dine møder. "
    "Skriv START, hvis du vil have SMS igen."
)
START_CONFIRMED = (
    "Velkommen tilbage. Du får igen SMS fra os, også påmindelser om dine møder. "
    "Skriv dit spørgsmål. Skriv STOP, hvis du vil afmelde."
)
START_NOT_NEEDED = "Du får allerede SMS fra os. Skriv dit spørgsmål."
TOO_LONG = (
    "Din besked er for lang til, at jeg kan læse den. Skriv den kortere, højst {max_chars} tegn. "
    "Du kan også {call_jobcenter}."
)
RATE_LIMITED = (
    "Du har sendt mange beskeder på kort tid, så jeg holder en pause. Skriv igen om lidt. "
    "Har du brug for hjælp nu, så {call_jobcenter}."
)
NOTHING_MORE = "Der er ikke mere at vise. Skriv dit spørgsmål."
# An SMS with nothing to read once cleaned (control characters only, a lone "/"): as on the web.
EMPTY = EMPTY_TEXT
# The first SMS of a conversation (a reply or a reminder) says it comes from a machine and how to
# reach a person: the AI Act's transparency duty, Regulation (EU) 2024/1689 Art. 50(1), from
# 2 August 2026 (FACTS-review-2026-12.md §5). "MENNESKE" is read as a wish for a human.
INTRODUCTION = (
    "Du skriver med {municipality}s digitale assistent, ikke et menneske. "
    "Skriv MENNESKE for at tale med en person."
)
NO_ANSWER = (
    "Undskyld, jeg kan ikke svare lige nu. Det er en fejl hos os, ikke noget, du har gjort. "
    "Prøv igen om lidt, eller {call_jobcenter}."
)


def text(template: str) -> str:
    """`template` with the municipality's words (and the message length cap) filled in."""
    return fill(template, max_chars=MAX_INCOMING_CHARS)
