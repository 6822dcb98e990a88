"""Actions that answer the citizen's own case questions, only to the verified citizen.

Owns `action_case_status`, `action_next_meeting`, `action_all_meetings`, `action_caseworker`
and `action_human_handoff`, and what they send (section `cases` of data/texts/actions.yml), in
the conversation's language (`actions.replies.language_of`: the slot `language`, Danish by
default). Every action runs the same steps (`CaseAction.run`):

1. If the server masked a CPR number in the message, the first message says so.
2. Who is asking comes only from the verified metadata (`actions.who_is_asking`). Without a
   verified citizen the answer says how to log in (or why the login did not work) and never
   touches the database.
3. A verified citizen id that is not in the case database gets "Jeg kan ikke finde dig ..."
   ("I cannot find you ...") and no data at all.
4. The answer is built from the repository (`core.store.cases.repository`, async, bounded by a
   timeout). `StoreUnavailable` becomes a polite apology and the jobcenter's phone number.
5. When the question asked for one part of the answer (the NLU's `aspect` entity: "hvor?"
   right after the next meeting, "hvordan får jeg fat i hende?"), only that part is given:
   the meeting's place (or that it is online), its time, who comes, or how to reach the
   caseworker.
6. The topics the NLU found nearest ("Se også", `see_also` in the parse data) go as buttons
   under the last message, titled in the conversation's language, so a citizen who meant
   something else is one tap from it.

Everything that varies between municipalities (jobcenter name, phone number, opening hours,
MitID login address, where to write securely, what the meeting is called) comes from
the municipality settings, read when the answer is built (never at import time), and is filled
into the templates by `core.municipality.fill(template, language)`. Case data (names, places,
participants, phone numbers) is shown as imported, with labels in the conversation's language;
dates and times are written by `actions.wording` (Europe/Copenhagen, Babel).

"Now" comes from `core.clock.utc_now()` (tests monkeypatch it). Messages are plain
text for web chat and SMS, at most MAX_REPLY_CHARS each (longer answers are split).

Must not: read identity from slots, entities or text; query the database directly (only via
the repository); log names, ids, phone numbers or e-mail addresses; hold citizen-facing texts
(they are in data/texts/actions.yml).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import (
    Button,
    Reply,
    button,
    help_button,
    language_of,
    login_replies,
    participant_line,
    place_of,
    replies_from,
    reply_text,
    send,
)
from actions.who_is_asking import (
    Identity,
    IdentityProblem,
    VerifiedCitizen,
    cpr_was_removed,
    identity_of,
)
from actions.wording import (
    case_kind_word,
    format_date,
    format_list,
    format_meeting_time,
    meeting_kind_words,
    status_words,
)
from core import clock, phone
from core.bilingual import DANISH
from core.clarification import ASPECT_ENTITY, payload_for, see_also, titles
from core.municipality import fill
from core.records import CaseRecord, CaseworkerRecord, MeetingRecord, current_caseworker
from core.sms import is_sms_channel
from core.store.cases.repository import CaseRepository
from core.store.database import call
from core.store.errors import StoreUnavailable
from core.texts import text
from core.vocabulary import OPEN_STATUSES, STATUS_AFVENTER_AFGOERELSE

logger = logging.getLogger(__name__)

MAX_LISTED_MEETINGS = 10
SECTION = "cases"


def say(key: str, language: str = DANISH, **values: Any) -> str:
    """One text of the section `cases` in `language`, with the municipality's words and `values`."""
    return fill(text(SECTION, key, language), language, **values)


# Buttons under the answers, by their keys in the section `cases` (`<key>_title`, `<key>_payload`).
PREPARE = "prepare"
ALL_MEETINGS = "all_meetings"
NEXT_MEETING = "next_meeting"
CASEWORKER = "caseworker"


def case_button(key: str, language: str = DANISH) -> Button:
    return button(text(SECTION, f"{key}_title", language), text(SECTION, f"{key}_payload", language))


def buttons(keys: list[str], language: str = DANISH) -> list[Button]:
    return [case_button(key, language) for key in keys]


# --- Building blocks of the answers ---------------------------------------------------------------
@dataclass(frozen=True)
class Asked:
    """What a case question asked for: one part of the answer (`aspect`: "place", "time",
    "participants", "contact") or all of it (None), whether the answer goes by SMS (where it must
    fit one SMS, so the participants come without the explanation of their role), and the
    language it is written in."""

    aspect: str | None = None
    sms: bool = False
    language: str = DANISH


WHOLE = Asked()


def handoff_replies(caseworker_first: bool = True, language: str = DANISH) -> list[Reply]:
    """The hand-off without the citizen's own caseworker: the jobcenter and secure writing.

    `caseworker_first`: also say "call your caseworker" (when we do not know
    whether the citizen has one); False for a verified citizen we know has none right now.
    """
    how = "handoff_caseworker_first" if caseworker_first else "handoff_jobcenter"
    return replies_from([say("human_always", language), say(how, language), say("handoff_write", language)])


def meeting_place(meeting: MeetingRecord, language: str = DANISH) -> str:
    return place_of(meeting.online, meeting.location, language)


def meeting_time(meeting: MeetingRecord, now: datetime, language: str = DANISH) -> str:
    return format_meeting_time(meeting.starts_at, now, language)


def next_meeting_lines(meeting: MeetingRecord, now: datetime, asked: Asked = WHOLE) -> list[str]:
    language, brief = asked.language, asked.sms
    kind = meeting_kind_words(meeting.kind, language)
    lines = [
        say("next_meeting_is", language, meeting=kind.with_article),
        say("time_line", language, when=meeting_time(meeting, now, language)),
        say("place_line", language, place=meeting_place(meeting, language)),
    ]
    if kind.meaning and not brief:
        lines.append(kind.meaning)
    participants = [p for p in meeting.participants if p.strip()]
    if participants:
        lines.append(say("also_at_the_meeting", language))
        lines.extend(participant_line(p, brief, language) for p in participants)
    if not brief:  # by SMS the numbered option says it
        lines.append(say("offer_preparation", language))
    return lines


def meeting_place_lines(meeting: MeetingRecord, now: datetime, asked: Asked = WHOLE) -> list[str]:
    """Where the next meeting is (the question "hvor?")."""
    language = asked.language
    kind = meeting_kind_words(meeting.kind, language)
    when = meeting_time(meeting, now, language)
    if meeting.online:
        return [say("next_meeting_online", language), say("time_line", language, when=when)]
    if not meeting.location:
        return [
            say("next_meeting_at", language, meeting=kind.with_article, when=when),
            say("place_line", language, place=place_of(False, None, language)),
        ]
    return [
        say("next_meeting_here", language, place=meeting.location),
        say("time_line", language, when=when),
    ]


def meeting_time_lines(meeting: MeetingRecord, now: datetime, asked: Asked = WHOLE) -> list[str]:
    """When the next meeting is (the question "hvornår?")."""
    language = asked.language
    kind = meeting_kind_words(meeting.kind, language)
    return [
        say(
            "next_meeting_at", language, meeting=kind.with_article, when=meeting_time(meeting, now, language)
        ),
        say("place_line", language, place=meeting_place(meeting, language)),
    ]


def meeting_participant_lines(meeting: MeetingRecord, now: datetime, asked: Asked = WHOLE) -> list[str]:
    """Who comes to the next meeting (the question "hvem kommer?")."""
    language = asked.language
    participants = [p for p in meeting.participants if p.strip()]
    when = meeting_time(meeting, now, language)
    if not participants:
        return [say("participants_unknown", language, when=when)]
    return [
        say("participants_heading", language, when=when),
        *(participant_line(p, asked.sms, language) for p in participants),
    ]


MEETING_ASPECTS = {
    "place": meeting_place_lines,
    "time": meeting_time_lines,
    "participants": meeting_participant_lines,
}
ASPECT_CONTACT = "contact"


def aspect_of(tracker: Tracker) -> str | None:
    """The part of a case answer the question asked for (the NLU's `aspect` entity), or None."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if (
            isinstance(entity, dict)
            and entity.get("entity") == ASPECT_ENTITY
            and isinstance(entity.get("value"), str)
        ):
            return entity["value"]
    return None


def see_also_buttons(parse_data: dict[str, Any], answered: str, language: str = DANISH) -> list[Button]:
    """The nearest other topics ("Se også") as buttons, titled in `language`."""
    found = []
    for candidate in see_also(parse_data, answered):
        title = titles().title(candidate.label, language)
        if title:
            found.append(button(title, payload_for(candidate.label)))
    return found


def with_see_also(
    replies: list[Reply], parse_data: dict[str, Any], answered: str, language: str = DANISH
) -> list[Reply]:
    """The replies with the nearest other topics ("Se også") as buttons under the last one."""
    related = see_also_buttons(parse_data, answered, language)
    if not replies or not related:
        return replies
    last = replies[-1]
    taken = {b["payload"] for b in last.buttons}
    extra = tuple(b for b in related if b["payload"] not in taken)
    return [*replies[:-1], Reply(text=last.text, buttons=last.buttons + extra)]


def meeting_list_line(
    meeting: MeetingRecord, now: datetime, language: str = DANISH, again: bool = False
) -> str:
    """ "- <when>: <kind>, <place>" (`again`: the list has already named this kind of meeting)."""
    if meeting.online:
        place = say("list_online", language)
    else:
        place = meeting.location or say("list_place_unknown", language)
    words = meeting_kind_words(meeting.kind, language)
    kind = words.noun_again if again else words.noun
    return say(
        "meeting_list_line", language, when=meeting_time(meeting, now, language), kind=kind, place=place
    )


def meeting_list_lines(meetings: list[MeetingRecord], now: datetime, language: str = DANISH) -> list[str]:
    """The list of meetings; in English the Danish term in brackets only the first time."""
    named: set[str] = set()
    lines = []
    for meeting in meetings:
        lines.append(meeting_list_line(meeting, now, language, again=meeting.kind in named))
        named.add(meeting.kind)
    return lines


def case_lines(case: CaseRecord, today: date, language: str = DANISH) -> list[str]:
    """Kind, status in plain words, start and (planned) end, and the next step of one case."""
    words = status_words(case.status, case.kind, language)
    heading = say("case_heading", language, kind=case_kind_word(case.kind, language), state=words.state)
    lines = [f"{heading} {words.meaning}" if words.meaning else heading]
    opened = format_date(case.opened_on, language)
    if case.status == STATUS_AFVENTER_AFGOERELSE:
        lines.append(say("created_on", language, date=opened))
    elif case.opened_on > today:
        lines.append(say("starts_on", language, date=opened))
    else:
        lines.append(say("started_on", language, date=opened))
    if case.ends_on is not None:
        ended = case.status not in OPEN_STATUSES or case.ends_on < today
        lines.append(
            say("ended_on" if ended else "planned_end", language, date=format_date(case.ends_on, language))
        )
    elif case.status in OPEN_STATUSES and case.status != STATUS_AFVENTER_AFGOERELSE:
        lines.append(say("planned_end_unset", language))
    lines.append(say("next_step", language, step=words.next_step))
    return lines


def contact_lines(worker: CaseworkerRecord, language: str = DANISH) -> list[str]:
    lines = []
    if worker.phone:
        lines.append(say("phone_line", language, phone=phone.for_citizen(worker.phone)))
    if worker.email:
        lines.append(say("email_line", language, email=worker.email))
    if not lines:
        return [say("no_contact_details", language)]
    return lines


# --- The actions ----------------------------------------------------------------------------------
class CaseAction(Action, ABC):
    """Shared steps of every case action: CPR notice, identity gate, lookup, failures."""

    # What the citizen could see after logging in: a key of the section `cases`, e.g.
    # "what_meetings" ("dine møder" / "your meetings"), used in the texts.
    what: str = "what_case"

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        """The answer for a citizen who is known to be in the case database (`asked`: the part
        of it asked for, whether it goes by SMS, and its language)."""

    def what_in(self, language: str) -> str:
        return say(self.what, language)

    def not_verified(self, identity: Identity, asked: Asked = WHOLE) -> list[Reply]:
        return login_replies(identity, self.what_in(asked.language), asked.sms, asked.language)

    def not_found(self, asked: Asked = WHOLE) -> list[Reply]:
        return replies_from([say("citizen_not_found", asked.language, what=self.what_in(asked.language))])

    def unavailable(self, asked: Asked = WHOLE) -> list[Reply]:
        return replies_from([say("data_unavailable", asked.language)])

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = language_of(tracker)
        replies = [Reply(text=reply_text("cpr_notice", language))] if cpr_was_removed(tracker) else []
        sms = is_sms_channel(tracker.get_latest_input_channel())
        asked = Asked(aspect_of(tracker), sms, language)
        replies.extend(await self.replies_for(identity_of(tracker), asked))
        send(dispatcher, with_see_also(replies, tracker.latest_message or {}, self.answers, language))
        return []

    # The intent this action answers (its own topic is never offered under it).
    answers: str = ""

    async def replies_for(self, identity: Identity, asked: Asked = WHOLE) -> list[Reply]:
        if not isinstance(identity, VerifiedCitizen):
            outcome = identity.reason if isinstance(identity, IdentityProblem) else "anonymous"
            logger.info("%s: no verified citizen (%s)", self.name(), outcome)
            return self.not_verified(identity, asked)
        try:
            repository = CaseRepository()
        except ValueError:
            logger.error("%s: the case database is not configured correctly", self.name())
            return self.unavailable(asked)
        try:
            if await call(repository.get_citizen, identity.citizen_id) is None:
                logger.info("%s: verified citizen is not in the case database", self.name())
                return self.not_found(asked)
            replies = await self.answer(repository, identity.citizen_id, clock.utc_now(), asked)
        except StoreUnavailable as exc:
            logger.warning("%s: case database unavailable (%s)", self.name(), exc.reason)
            return self.unavailable(asked)
        logger.info("%s: answered with %d message(s)", self.name(), len(replies))
        return replies


class ActionCaseStatus(CaseAction):
    """`ask_case_status`: kind of case, status in plain words, dates and what happens next."""

    answers = "ask_case_status"
    what = "what_case"

    def name(self) -> str:
        return "action_case_status"

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        language = asked.language
        cases = await call(repository.cases_for, citizen_id)
        if not cases:
            return replies_from([say("no_case", language)], [help_button(language)])
        open_cases = [c for c in cases if c.status in OPEN_STATUSES]
        shown = open_cases or cases[:1]
        today = clock.local_today(now)
        lines: list[str] = []
        for case in shown:
            lines.extend(case_lines(case, today, language))
        older = [c for c in cases if c not in shown]
        if older:
            named = {c.kind for c in shown}
            kinds = [
                say("closed_case", language, kind=case_kind_word(c.kind, language, again=c.kind in named))
                for c in older
                if c.status not in OPEN_STATUSES
            ]
            if kinds:
                lines.append(say("also_have", language, cases=format_list(kinds, language)))
        meeting = await call(repository.next_meeting, citizen_id, now)
        if meeting is not None:
            kind = meeting_kind_words(meeting.kind, language)
            when = meeting_time(meeting, now, language)
            lines.append(say("status_next_meeting", language, kind=kind.noun, when=when))
        shown_buttons = [NEXT_MEETING, CASEWORKER] if meeting else [CASEWORKER]
        return replies_from(lines, buttons(shown_buttons, language))


class ActionNextMeeting(CaseAction):
    """`ask_next_meeting`: the next future meeting, who comes and an offer to prepare."""

    answers = "ask_next_meeting"
    what = "what_meetings"

    def name(self) -> str:
        return "action_next_meeting"

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        language = asked.language
        meeting = await call(repository.next_meeting, citizen_id, now)
        if meeting is None:
            return replies_from([say("no_meetings", language)], buttons([CASEWORKER], language))
        if asked.aspect in MEETING_ASPECTS:
            lines = MEETING_ASPECTS[asked.aspect](meeting, now, asked)
            return replies_from(lines, buttons([NEXT_MEETING, PREPARE], language))
        return replies_from(
            next_meeting_lines(meeting, now, asked), buttons([PREPARE, ALL_MEETINGS], language)
        )


class ActionAllMeetings(CaseAction):
    """`ask_all_meetings`: every coming meeting (at most MAX_LISTED_MEETINGS), soonest first."""

    answers = "ask_all_meetings"
    what = "what_meetings"

    def name(self) -> str:
        return "action_all_meetings"

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        language = asked.language
        meetings = await call(repository.upcoming_meetings, citizen_id, now, limit=MAX_LISTED_MEETINGS + 1)
        if not meetings:
            return replies_from([say("no_meetings", language)], buttons([CASEWORKER], language))
        shown = meetings[:MAX_LISTED_MEETINGS]
        if len(meetings) > MAX_LISTED_MEETINGS:
            heading = say("first_meetings", language, count=MAX_LISTED_MEETINGS)
        elif len(shown) == 1:
            heading = say("one_meeting", language)
        else:
            heading = say("some_meetings", language, count=len(shown))
        lines = [heading, *meeting_list_lines(shown, now, language)]
        return replies_from(lines, buttons([NEXT_MEETING, PREPARE], language))


class ActionCaseworker(CaseAction):
    """`ask_caseworker`: name, phone and e-mail of the citizen's caseworker."""

    answers = "ask_caseworker"
    what = "what_caseworker"

    def name(self) -> str:
        return "action_caseworker"

    def not_verified(self, identity: Identity, asked: Asked = WHOLE) -> list[Reply]:
        # They may simply want to reach someone: also say how, without logging in.
        return [*super().not_verified(identity, asked), *handoff_replies(language=asked.language)]

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        language = asked.language
        cases = await call(repository.cases_for, citizen_id)
        if not cases:
            return replies_from([say("no_case_no_caseworker", language)])
        if any(c.status in OPEN_STATUSES for c in cases):
            worker = current_caseworker(cases)
            if worker is None:
                return replies_from([say("no_caseworker", language)])
            first = "reach_caseworker" if asked.aspect == ASPECT_CONTACT else "your_caseworker"
            lines = [
                say(first, language, name=worker.name),
                *contact_lines(worker, language),
                say("write_safely", language),
            ]
            return replies_from(lines)
        last = next((c for c in cases if c.caseworker is not None), None)
        if last is None or last.caseworker is None:
            return replies_from([say("no_caseworker", language)])
        worker = last.caseworker
        lines = [
            say("closed_caseworker", language, kind=case_kind_word(last.kind, language), name=worker.name),
            *contact_lines(worker, language),
            say("closed_case_news", language),
        ]
        return replies_from(lines)


class ActionHumanHandoff(CaseAction):
    """`human_handoff`: how to reach a human; a verified citizen's own caseworker comes first.

    Only a verified citizen with an open case that has a caseworker gets the name, phone and
    e-mail, followed by the jobcenter line. Everyone else (and every failure) gets the jobcenter's
    phone number, opening hours and where to write securely, so a human is always named.
    """

    answers = "human_handoff"
    what = "what_caseworker"

    def name(self) -> str:
        return "action_human_handoff"

    def not_verified(self, identity: Identity, asked: Asked = WHOLE) -> list[Reply]:
        return handoff_replies(language=asked.language)

    def not_found(self, asked: Asked = WHOLE) -> list[Reply]:
        return handoff_replies(language=asked.language)

    def unavailable(self, asked: Asked = WHOLE) -> list[Reply]:
        return handoff_replies(language=asked.language)

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        language = asked.language
        worker = current_caseworker(await call(repository.cases_for, citizen_id))
        if worker is None:
            return handoff_replies(caseworker_first=False, language=language)
        lines = [
            f"{say('human_always', language)} {say('your_caseworker', language, name=worker.name)}",
            *contact_lines(worker, language),
            say("handoff_caseworker_unreachable", language),
            say("handoff_write", language),
        ]
        return replies_from(lines)


__all__ = [
    "ActionAllMeetings",
    "ActionCaseStatus",
    "ActionCaseworker",
    "ActionHumanHandoff",
    "ActionNextMeeting",
    "Asked",
    "CaseAction",
    "Reply",
]
