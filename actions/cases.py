"""Actions that answer the citizen's own case questions, only to the verified citizen.

Owns `action_case_status`, `action_next_meeting`, `action_all_meetings`, `action_caseworker`
and `action_human_handoff`, and the Danish texts they send. Every action runs the same steps
(`CaseAction.run`):

1. If the server masked a CPR number in the message, the first message says so.
2. Who is asking comes only from the verified metadata (`actions.who_is_asking`). Without a
   verified citizen the answer says how to log in (or why the login did not work) and never
   touches the database.
3. A verified citizen id that is not in the case database gets "Jeg kan ikke finde dig ..."
   and no data at all.
4. The answer is built from the repository (`core.store.cases.repository`, async, bounded by a
   timeout). `StoreUnavailable` becomes a polite apology and the jobcenter's phone number.
5. When the question asked for one part of the answer (the NLU's `aspect` entity: "hvor?"
   right after the next meeting, "hvordan får jeg fat i hende?"), only that part is given:
   the meeting's place (or that it is online), its time, who comes, or how to reach the
   caseworker.
6. The topics the NLU found nearest ("Se også", `see_also` in the parse data) go as buttons
   under the last message, so a citizen who meant something else is one tap from it.

Everything that varies between municipalities (jobcenter name, phone number, opening hours,
MitID login address, where to write securely, what the meeting is called) comes from
the municipality settings, read when the answer is built (never at import time), and is filled
into the templates below by `core.municipality.fill()`.

"Now" comes from `core.clock.utc_now()` (tests monkeypatch it). Messages are plain
text for web chat and SMS, at most MAX_REPLY_CHARS each (longer answers are split).

Must not: read identity from slots, entities or text; query the database directly (only via
the repository); log names, ids, phone numbers or e-mail addresses.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.danish import (
    case_kind_word,
    format_date,
    format_list,
    format_meeting_time,
    meeting_kind_words,
    status_words,
)
from actions.replies import (
    BUTTON_HELP,
    CPR_NOTICE,
    UNKNOWN_PLACE,
    Reply,
    button,
    login_replies,
    participant_line,
    place_of,
    replies_from,
    send,
)
from actions.who_is_asking import (
    Identity,
    IdentityProblem,
    VerifiedCitizen,
    cpr_was_removed,
    identity_of,
)
from core import clock, phone
from core.clarification import ASPECT_ENTITY, button_for, see_also
from core.municipality import fill
from core.records import CaseRecord, CaseworkerRecord, MeetingRecord, current_caseworker
from core.sms import is_sms_channel
from core.store.cases.repository import CaseRepository
from core.store.database import call
from core.store.errors import StoreUnavailable
from core.vocabulary import OPEN_STATUSES, STATUS_AFVENTER_AFGOERELSE

logger = logging.getLogger(__name__)

MAX_LISTED_MEETINGS = 10


# --- Texts ---------------------------------------------------------------------------------------
# Templates; `core.municipality.fill()` puts in the municipality's settings. Placeholders:
#   {municipality}   name, e.g. "Eksempel Kommune"
#   {call_jobcenter} "ring til Jobcenter Eksempel på 70 10 20 30 (mandag til ... kl. 9-12)"
#   {login_url}      the page where the citizen logs in with MitID
#   {contact_url}    where the citizen writes to the municipality securely (Digital Post)
#   {meeting_name}   what the municipality calls the meeting, e.g. "mødet med rehabiliteringsteamet"
# A web address always ends its line, with no full stop after it, so that phones and chat
# clients do not make the full stop part of the link.
CITIZEN_NOT_FOUND = (
    "Jeg kan ikke finde dig i vores system, så jeg kan ikke se {what}. "
    "{Call_jobcenter}. Så kan de hjælpe dig."
)
DATA_UNAVAILABLE = (
    "Undskyld, jeg kan ikke hente dine oplysninger lige nu. Prøv igen om lidt, eller {call_jobcenter}."
)
NO_CASE = (
    "Jeg kan ikke se nogen sag om ressourceforløb eller jobafklaringsforløb på dig. "
    "Mener du, at du har en sag, så {call_jobcenter}. De kan hjælpe dig."
)
NO_MEETINGS = (
    "Jeg kan ikke se nogen kommende møder for dig. Når du bliver indkaldt til et møde, "
    "får du besked fra {municipality}. Har du spørgsmål, så kontakt din sagsbehandler."
)
NO_CASEWORKER = (
    "Jeg kan ikke se, hvem der er sagsbehandler på din sag. {Call_jobcenter}. Så kan de fortælle dig det."
)
NO_CASE_NO_CASEWORKER = (
    "Jeg kan ikke se nogen sag på dig, og derfor heller ingen sagsbehandler. "
    "Har du spørgsmål, så {call_jobcenter}."
)
WRITE_SAFELY = (
    "Skriv ikke CPR-nummer eller helbredsoplysninger i en almindelig e-mail. "
    "Skriv sikkert til {municipality} her: {contact_url}"
)
NO_CONTACT_DETAILS = "Jeg har ikke telefonnummer eller e-mail på din sagsbehandler. {Call_jobcenter}."
CLOSED_CASE_NEWS = "Er der sket noget nyt, så {call_jobcenter}."
# The hand-off: a human is always named, also when we know nothing about the citizen.
HUMAN_ALWAYS = "Du kan altid tale med et menneske."
HANDOFF_CASEWORKER_FIRST = (
    "Ring eller skriv til din sagsbehandler. Har du ikke nummeret, så {call_jobcenter}."
)
HANDOFF_JOBCENTER = "{Call_jobcenter}."
HANDOFF_CASEWORKER_UNREACHABLE = "Kan du ikke få fat i din sagsbehandler, så {call_jobcenter}."
HANDOFF_WRITE = "Du kan også skrive sikkert til {municipality} her: {contact_url}"
OFFER_PREPARATION = "Vil du have hjælp til at forberede dig?"


WHAT_MEETINGS = "dine møder"
WHAT_CASE = "din sag"
WHAT_CASEWORKER = "oplysninger om din sagsbehandler"

BUTTON_PREPARE = button("Hjælp mig med at forberede mig", "Hvordan kan jeg forberede mig til mødet?")
BUTTON_ALL_MEETINGS = button("Se alle mine møder", "Hvilke møder har jeg?")
BUTTON_NEXT_MEETING = button("Mit næste møde", "Hvornår er mit næste møde?")
BUTTON_CASEWORKER = button("Min sagsbehandler", "Hvem er min sagsbehandler?")


# --- Building blocks of the answers ---------------------------------------------------------------
def handoff_replies(caseworker_first: bool = True) -> list[Reply]:
    """The hand-off without the citizen's own caseworker: the jobcenter and secure writing.

    `caseworker_first`: also say "call your caseworker" (when we do not know
    whether the citizen has one); False for a verified citizen we know has none right now.
    """
    how = HANDOFF_CASEWORKER_FIRST if caseworker_first else HANDOFF_JOBCENTER
    return replies_from([HUMAN_ALWAYS, fill(how), fill(HANDOFF_WRITE)])


def meeting_place(meeting: MeetingRecord) -> str:
    return place_of(meeting.online, meeting.location)


@dataclass(frozen=True)
class Asked:
    """What a case question asked for: one part of the answer (`aspect`: "place", "time",
    "participants", "contact") or all of it (None), and whether the answer goes by SMS (where
    it must fit one SMS, so the participants come without the explanation of their role)."""

    aspect: str | None = None
    sms: bool = False


WHOLE = Asked()


def next_meeting_lines(meeting: MeetingRecord, now: datetime, brief: bool = False) -> list[str]:
    kind = meeting_kind_words(meeting.kind)
    lines = [
        f"Dit næste møde er {kind.with_article}.",
        f"Tid: {format_meeting_time(meeting.starts_at, now)}",
        f"Sted: {meeting_place(meeting)}",
    ]
    if kind.meaning and not brief:
        lines.append(kind.meaning)
    participants = [p for p in meeting.participants if p.strip()]
    if participants:
        lines.append("Med til mødet er også:")
        lines.extend(participant_line(p, brief) for p in participants)
    if not brief:  # by SMS the numbered option says it
        lines.append(OFFER_PREPARATION)
    return lines


def meeting_place_lines(meeting: MeetingRecord, now: datetime, brief: bool = False) -> list[str]:
    """Where the next meeting is (the question "hvor?")."""
    kind = meeting_kind_words(meeting.kind)
    when = format_meeting_time(meeting.starts_at, now)
    if meeting.online:
        return ["Dit næste møde er online. Du får et link fra din sagsbehandler.", f"Tid: {when}"]
    if not meeting.location:
        return [f"Dit næste møde er {kind.with_article} {when}.", f"Sted: {UNKNOWN_PLACE}"]
    return [f"Dit næste møde er her: {meeting.location}", f"Tid: {when}"]


def meeting_time_lines(meeting: MeetingRecord, now: datetime, brief: bool = False) -> list[str]:
    """When the next meeting is (the question "hvornår?")."""
    kind = meeting_kind_words(meeting.kind)
    return [
        f"Dit næste møde er {kind.with_article} {format_meeting_time(meeting.starts_at, now)}.",
        f"Sted: {meeting_place(meeting)}",
    ]


def meeting_participant_lines(meeting: MeetingRecord, now: datetime, brief: bool = False) -> list[str]:
    """Who comes to the next meeting (the question "hvem kommer?")."""
    participants = [p for p in meeting.participants if p.strip()]
    when = format_meeting_time(meeting.starts_at, now)
    if not participants:
        return [f"Jeg kan ikke se, hvem der kommer til dit næste møde {when}. Spørg din sagsbehandler."]
    return [f"Med til dit næste møde {when} er:", *(participant_line(p, brief) for p in participants)]


MEETING_ASPECTS = {
    "place": meeting_place_lines,
    "time": meeting_time_lines,
    "participants": meeting_participant_lines,
}
ASPECT_CONTACT = "contact"
REACH_CASEWORKER = "Du kan kontakte din sagsbehandler, {name}, her:"


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


def with_see_also(replies: list[Reply], parse_data: dict[str, Any], answered: str) -> list[Reply]:
    """The replies with the nearest other topics ("Se også") as buttons under the last one."""
    related = [button_for(c) for c in see_also(parse_data, answered)]
    if not replies or not related:
        return replies
    last = replies[-1]
    taken = {b["payload"] for b in last.buttons}
    extra = tuple(b for b in related if b["payload"] not in taken)
    return [*replies[:-1], Reply(text=last.text, buttons=last.buttons + extra)]


def meeting_list_line(meeting: MeetingRecord, now: datetime) -> str:
    place = "online" if meeting.online else (meeting.location or "sted ikke oplyst")
    kind = meeting_kind_words(meeting.kind)
    return f"- {format_meeting_time(meeting.starts_at, now)}: {kind.noun}, {place}"


def case_lines(case: CaseRecord, today: date) -> list[str]:
    """Kind, status in plain words, start and (planned) end, and the next step of one case."""
    words = status_words(case.status, case.kind)
    heading = f"Dit {case_kind_word(case.kind)} {words.state}."
    lines = [f"{heading} {words.meaning}" if words.meaning else heading]
    if case.status == STATUS_AFVENTER_AFGOERELSE:
        lines.append(f"Oprettet: {format_date(case.opened_on)}")
    elif case.opened_on > today:
        lines.append(f"Starter: {format_date(case.opened_on)}")
    else:
        lines.append(f"Startede: {format_date(case.opened_on)}")
    if case.ends_on is not None:
        ended = case.status not in OPEN_STATUSES or case.ends_on < today
        lines.append(f"{'Sluttede' if ended else 'Planlagt slut'}: {format_date(case.ends_on)}")
    elif case.status in OPEN_STATUSES and case.status != STATUS_AFVENTER_AFGOERELSE:
        lines.append("Planlagt slut: ikke fastsat endnu")
    lines.append(f"Næste skridt: {words.next_step}")
    return lines


def contact_lines(worker: CaseworkerRecord) -> list[str]:
    lines = []
    if worker.phone:
        lines.append(f"Telefon: {phone.for_citizen(worker.phone)}")
    if worker.email:
        lines.append(f"E-mail: {worker.email}")
    if not lines:
        return [fill(NO_CONTACT_DETAILS)]
    return lines


# --- The actions ----------------------------------------------------------------------------------
class CaseAction(Action, ABC):
    """Shared steps of every case action: CPR notice, identity gate, lookup, failures."""

    # What the citizen could see after logging in, e.g. "dine møder" (used in the texts).
    what: str = WHAT_CASE

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        """The answer for a citizen who is known to be in the case database (`asked`: the part
        of it asked for, and whether it goes by SMS)."""

    def not_verified(self, identity: Identity, sms: bool = False) -> list[Reply]:
        return login_replies(identity, self.what, sms)

    def not_found(self) -> list[Reply]:
        return replies_from([fill(CITIZEN_NOT_FOUND, what=self.what)])

    def unavailable(self) -> list[Reply]:
        return replies_from([fill(DATA_UNAVAILABLE)])

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        replies = [Reply(text=CPR_NOTICE)] if cpr_was_removed(tracker) else []
        sms = is_sms_channel(tracker.get_latest_input_channel())
        replies.extend(await self.replies_for(identity_of(tracker), Asked(aspect_of(tracker), sms)))
        send(dispatcher, with_see_also(replies, tracker.latest_message or {}, self.answers))
        return []

    # The intent this action answers (its own topic is never offered under it).
    answers: str = ""

    async def replies_for(self, identity: Identity, asked: Asked = WHOLE) -> list[Reply]:
        if not isinstance(identity, VerifiedCitizen):
            outcome = identity.reason if isinstance(identity, IdentityProblem) else "anonymous"
            logger.info("%s: no verified citizen (%s)", self.name(), outcome)
            return self.not_verified(identity, asked.sms)
        try:
            repository = CaseRepository()
        except ValueError:
            logger.error("%s: the case database is not configured correctly", self.name())
            return self.unavailable()
        try:
            if await call(repository.get_citizen, identity.citizen_id) is None:
                logger.info("%s: verified citizen is not in the case database", self.name())
                return self.not_found()
            replies = await self.answer(repository, identity.citizen_id, clock.utc_now(), asked)
        except StoreUnavailable as exc:
            logger.warning("%s: case database unavailable (%s)", self.name(), exc.reason)
            return self.unavailable()
        logger.info("%s: answered with %d message(s)", self.name(), len(replies))
        return replies


class ActionCaseStatus(CaseAction):
    """`ask_case_status`: kind of case, status in plain words, dates and what happens next."""

    answers = "ask_case_status"
    what = WHAT_CASE

    def name(self) -> str:
        return "action_case_status"

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        cases = await call(repository.cases_for, citizen_id)
        if not cases:
            return replies_from([fill(NO_CASE)], [BUTTON_HELP])
        open_cases = [c for c in cases if c.status in OPEN_STATUSES]
        shown = open_cases or cases[:1]
        today = clock.local_today(now)
        lines: list[str] = []
        for case in shown:
            lines.extend(case_lines(case, today))
        older = [c for c in cases if c not in shown]
        if older:
            kinds = [f"et afsluttet {case_kind_word(c.kind)}" for c in older if c.status not in OPEN_STATUSES]
            if kinds:
                lines.append(f"Du har også {format_list(kinds)}.")
        meeting = await call(repository.next_meeting, citizen_id, now)
        if meeting is not None:
            kind = meeting_kind_words(meeting.kind)
            lines.append(f"Dit næste møde: {kind.noun}, {format_meeting_time(meeting.starts_at, now)}.")
        buttons = [BUTTON_NEXT_MEETING, BUTTON_CASEWORKER] if meeting else [BUTTON_CASEWORKER]
        return replies_from(lines, buttons)


class ActionNextMeeting(CaseAction):
    """`ask_next_meeting`: the next future meeting, who comes and an offer to prepare."""

    answers = "ask_next_meeting"
    what = WHAT_MEETINGS

    def name(self) -> str:
        return "action_next_meeting"

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        meeting = await call(repository.next_meeting, citizen_id, now)
        if meeting is None:
            return replies_from([fill(NO_MEETINGS)], [BUTTON_CASEWORKER])
        if asked.aspect in MEETING_ASPECTS:
            lines = MEETING_ASPECTS[asked.aspect](meeting, now, asked.sms)
            return replies_from(lines, [BUTTON_NEXT_MEETING, BUTTON_PREPARE])
        return replies_from(
            next_meeting_lines(meeting, now, asked.sms), [BUTTON_PREPARE, BUTTON_ALL_MEETINGS]
        )


class ActionAllMeetings(CaseAction):
    """`ask_all_meetings`: every coming meeting (at most MAX_LISTED_MEETINGS), soonest first."""

    answers = "ask_all_meetings"
    what = WHAT_MEETINGS

    def name(self) -> str:
        return "action_all_meetings"

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        meetings = await call(repository.upcoming_meetings, citizen_id, now, limit=MAX_LISTED_MEETINGS + 1)
        if not meetings:
            return replies_from([fill(NO_MEETINGS)], [BUTTON_CASEWORKER])
        shown = meetings[:MAX_LISTED_MEETINGS]
        if len(meetings) > MAX_LISTED_MEETINGS:
            heading = f"Her er dine næste {MAX_LISTED_MEETINGS} møder:"
        elif len(shown) == 1:
            heading = "Du har ét kommende møde:"
        else:
            heading = f"Du har {len(shown)} kommende møder:"
        lines = [heading, *(meeting_list_line(m, now) for m in shown)]
        return replies_from(lines, [BUTTON_NEXT_MEETING, BUTTON_PREPARE])


class ActionCaseworker(CaseAction):
    """`ask_caseworker`: name, phone and e-mail of the citizen's caseworker."""

    answers = "ask_caseworker"
    what = WHAT_CASEWORKER

    def name(self) -> str:
        return "action_caseworker"

    def not_verified(self, identity: Identity, sms: bool = False) -> list[Reply]:
        # They may simply want to reach someone: also say how, without logging in.
        return [*login_replies(identity, self.what, sms), *handoff_replies()]

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        cases = await call(repository.cases_for, citizen_id)
        if not cases:
            return replies_from([fill(NO_CASE_NO_CASEWORKER)])
        if any(c.status in OPEN_STATUSES for c in cases):
            worker = current_caseworker(cases)
            if worker is None:
                return replies_from([fill(NO_CASEWORKER)])
            first = REACH_CASEWORKER if asked.aspect == ASPECT_CONTACT else "Din sagsbehandler er {name}."
            lines = [first.format(name=worker.name), *contact_lines(worker), fill(WRITE_SAFELY)]
            return replies_from(lines)
        last = next((c for c in cases if c.caseworker is not None), None)
        if last is None or last.caseworker is None:
            return replies_from([fill(NO_CASEWORKER)])
        worker = last.caseworker
        lines = [
            f"Dit {case_kind_word(last.kind)} er afsluttet. Din sagsbehandler var {worker.name}.",
            *contact_lines(worker),
            fill(CLOSED_CASE_NEWS),
        ]
        return replies_from(lines)


class ActionHumanHandoff(CaseAction):
    """`human_handoff`: how to reach a human; a verified citizen's own caseworker comes first.

    Only a verified citizen with an open case that has a caseworker gets the name, phone and
    e-mail, followed by the jobcenter line. Everyone else (and every failure) gets the jobcenter's
    phone number, opening hours and where to write securely, so a human is always named.
    """

    answers = "human_handoff"
    what = WHAT_CASEWORKER

    def name(self) -> str:
        return "action_human_handoff"

    def not_verified(self, identity: Identity, sms: bool = False) -> list[Reply]:
        return handoff_replies()

    def not_found(self) -> list[Reply]:
        return handoff_replies()

    def unavailable(self) -> list[Reply]:
        return handoff_replies()

    async def answer(
        self, repository: CaseRepository, citizen_id: str, now: datetime, asked: Asked = WHOLE
    ) -> list[Reply]:
        worker = current_caseworker(await call(repository.cases_for, citizen_id))
        if worker is None:
            return handoff_replies(caseworker_first=False)
        lines = [
            f"{HUMAN_ALWAYS} Din sagsbehandler er {worker.name}.",
            *contact_lines(worker),
            fill(HANDOFF_CASEWORKER_UNREACHABLE),
            fill(HANDOFF_WRITE),
        ]
        return replies_from(lines)


__all__ = [
    "ActionAllMeetings",
    "ActionCaseStatus",
    "ActionCaseworker",
    "ActionHumanHandoff",
    "ActionNextMeeting",
    "CaseAction",
    "Reply",
]
