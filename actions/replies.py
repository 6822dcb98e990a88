"""Shared parts of the action server's replies: what a reply is, how it is cut for chat and SMS,
and the texts several actions send (the CPR notice, how to log in, where a meeting is held).

Owns `Reply`, `button`, `pack_lines` / `replies_from` (lines into messages of at most
MAX_REPLY_CHARS each, a heading never left alone at the end of one), `send`, `login_replies`
(what to say without a verified citizen), `place_of` (a meeting's place as a citizen reads it,
for the case answers and the SMS reminder alike) and `participant_line`.

Used by the case answers (cases.py), the preparation guide (preparation.py), care (care.py) and
the SMS reminder (reminders.py). Texts: plain Danish; `core.municipality.fill()` puts in the
municipality's settings.

Must not: look anything up (the actions do) or decide what to answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rasa_sdk.executor import CollectingDispatcher

from actions.danish import capitalise, role_explanation
from actions.who_is_asking import Identity, IdentityProblem
from core.municipality import fill
from core.tokens import EXPIRED, NOT_CONFIGURED

# One message the assistant sends is at most this long (longer answers are split).
MAX_REPLY_CHARS = 480

# Templates; placeholders are filled by `core.municipality.fill()`. A web address always ends its
# line, with no full stop after it, so phones and chat clients do not take the stop into the link.
CPR_NOTICE = (
    "Du skrev noget, der ligner et CPR-nummer. Jeg har fjernet det. Du skal ikke skrive dit CPR-nummer her."
)
GENERAL_QUESTIONS = (
    "Du kan stadig stille generelle spørgsmål, fx om ressourceforløb, {meeting_name} og dine rettigheder."
)
NOT_LOGGED_IN = "Du er ikke logget ind, så jeg kan ikke se {what}. Log ind med MitID her: {login_url}"
# Over SMS the citizen is known by the registered mobile number, not by a login.
SMS_UNKNOWN_NUMBER = (
    "Jeg kender ikke dit mobilnummer, så jeg kan ikke se {what} her. Er dit nummer ikke "
    "registreret hos os, så {call_jobcenter}. Du kan også logge ind med MitID her: {login_url}"
)
LOGIN_EXPIRED = "Dit login er udløbet, så jeg kan ikke se {what}. Log ind igen med MitID her: {login_url}"
LOGIN_INVALID = (
    "Jeg kunne ikke bekræfte dit login, så jeg kan ikke se {what}. "
    "Prøv at logge ind igen med MitID her: {login_url}"
)
LOGIN_NOT_AVAILABLE = (
    "Jeg kan ikke se {what} lige nu. Det er en fejl hos os, ikke noget, du har gjort. "
    "Har du brug for svar nu, så {call_jobcenter}."
)
ONLINE_PLACE = "online (du får et link fra din sagsbehandler)"
UNKNOWN_PLACE = "spørg din sagsbehandler, hvor mødet skal holdes"


Button = dict[str, str]


def button(title: str, payload: str) -> Button:
    return {"title": title, "payload": payload}


BUTTON_HELP = button("Hvad kan du hjælpe med?", "Hvad kan du hjælpe med?")


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
    texts = pack_lines(lines)
    replies = [Reply(text=text) for text in texts]
    if replies and buttons:
        replies[-1] = Reply(text=replies[-1].text, buttons=tuple(buttons))
    return replies


def send(dispatcher: CollectingDispatcher, replies: Sequence[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(text=reply.text, buttons=list(reply.buttons) or None)


def login_replies(identity: Identity, what: str, sms: bool = False) -> list[Reply]:
    """What to say when the message has no verified citizen (`sms`: it came by SMS)."""
    if sms and not isinstance(identity, IdentityProblem):
        first = SMS_UNKNOWN_NUMBER
    elif isinstance(identity, IdentityProblem):
        if identity.reason == EXPIRED:
            first = LOGIN_EXPIRED
        elif identity.reason == NOT_CONFIGURED:
            first = LOGIN_NOT_AVAILABLE
        else:
            first = LOGIN_INVALID
    else:
        first = NOT_LOGGED_IN
    return replies_from([fill(first, what=what), fill(GENERAL_QUESTIONS)], [BUTTON_HELP])


def place_of(online: bool, location: str | None) -> str:
    """Where a meeting is held, as the citizen reads it."""
    if online:
        return ONLINE_PLACE
    return location or UNKNOWN_PLACE


def participant_line(participant: str, brief: bool = False) -> str:
    explanation = None if brief else role_explanation(participant)
    name = capitalise(participant.strip())
    return f"- {name}: {explanation}" if explanation else f"- {name}"
