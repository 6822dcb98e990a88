"""Rasa actions for the meeting-preparation guide (`preparation_form` in domain.yml).

Owns the actions around the form and what they send:

- `action_start_preparation`: starts the guide afresh, or resumes a paused one, and looks up
  the verified citizen's coming team meeting (participants, time, place; sharing allowed).
- `validate_preparation_form`: passes each message through `preparation_flow.interpret`
  (commands are whole messages; any other text is the answer, as written) and decides the
  steps (`preparation_flow.required_slots`).
- `action_ask_<slot>` for every step: the step's text and quick-reply buttons.
- `action_preparation_finish`: after the form ends: stopped, paused or done; with consent,
  stores the note for the caseworker (only for the citizen verified on THAT message).
- `action_withdraw_note`: "slet mit notat" deletes the citizen's shared notes for meetings
  that have not started.

Content comes from `data/preparation_guide.yml` (`preparation_content`) and the municipality
settings; the note is `preparation_note`. "Now" is `core.clock.utc_now`.

Must not: classify the citizen's answers, store answers without consent, log answers, names
or ids, or take the citizen's identity from anything but the verified metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.danish import format_meeting_time, meeting_kind_words
from actions.preparation_content import get_guide, variant_for
from actions.preparation_flow import (
    ACTIVE,
    BUTTON_BACK,
    BUTTON_CANCEL,
    BUTTON_CORRECT,
    BUTTON_NEXT,
    BUTTON_OFFER_NO,
    BUTTON_OFFER_YES,
    BUTTON_PAUSE,
    BUTTON_REVIEW_OK,
    BUTTON_SHARE_NO,
    BUTTON_SHARE_YES,
    BUTTON_SKIP,
    BUTTON_STOP,
    CAN_SHARE_SLOT,
    CORRECT_PREFIX,
    CORRECTING_SLOT,
    EXPLANATION_SLOTS,
    FORM_NAME,
    MEETING_SLOT,
    NO,
    OFFER_SLOT,
    PAUSED,
    QUESTION_SLOTS,
    REQUESTED_SLOT,
    REVIEW_SLOT,
    SHARE_SLOT,
    STATUS_SLOT,
    STOPPED,
    YES,
    cleared_slots,
    has_progress,
    interpret,
    required_slots,
)
from actions.preparation_note import build_note, render_choices, render_full, render_short
from actions.replies import CPR_NOTICE, login_replies, participant_line, place_of, send
from actions.who_is_asking import IdentityProblem, VerifiedCitizen, cpr_was_removed, identity_of
from core import clock
from core.municipality import fill, get_municipality
from core.records import MeetingRecord, SharedNoteRecord
from core.sms import is_sms_channel
from core.store.cases.notes import SharedNotes
from core.store.cases.repository import CaseRepository
from core.store.database import call
from core.store.errors import StoreUnavailable
from core.vocabulary import TEAM_MEETING_KINDS

logger = logging.getLogger(__name__)

PRINT_MARKER = {"moedeklar": {"kind": "preparation_note"}}

# --- Texts (the guide's own content is in data/preparation_guide.yml) ----------------------------
WELCOME_BACK = "Velkommen tilbage. Vi fortsætter, hvor du slap."
YOUR_MEETING = "Dit møde er {when}. Sted: {place}."
LOGIN_NOT_CONFIRMED = "Jeg kunne ikke bekræfte dit login, så jeg viser dig den generelle vejledning."
NO_TEAM_MEETING = (
    "Jeg kan ikke se et møde med et team i din kalender. Jeg viser dig den generelle vejledning. "
    "Spørg din sagsbehandler, hvis du venter på en indkaldelse."
)
PEOPLE_OWN = "Til dit møde {when} kommer:"
WHERE_GENERIC = "Tid og sted står i din indkaldelse. Mødet er ofte hos {jobcenter}, {address}."
FIRST_QUESTION_HINT = "Skriv med dine egne ord. Du kan altid skrive «tilbage», «pause» eller «stop»."
# Over SMS the word STOP alone opts out of every SMS (docs/sms.md), so the guide is stopped by
# choosing its Stop option's number, and the texts do not invite the citizen to write "stop".
SMS_INTRO = (
    "Det er helt normalt at være spændt før mødet. Jeg tager dig igennem det trin for trin, i dit "
    "eget tempo. Svar med tallet for det, du vil. Du kan altid skrive «pause» og fortsætte senere."
)
SMS_FIRST_QUESTION_HINT = "Skriv med dine egne ord. Du kan altid skrive «tilbage» eller «pause»."
REVIEW_QUESTION = "Er notatet rigtigt? Du kan rette et svar, før vi går videre."
SHARE_QUESTION = (
    "Må jeg sende dit notat til din sagsbehandler før mødet? Så kan din sagsbehandler læse det "
    "inden mødet {when}. Det er helt frivilligt. Du kan trække det tilbage før mødet ved at skrive "
    "«slet mit notat»."
)
STOPPED_TEXT = (
    "Det er helt i orden. Vi stopper her, og dine svar er slettet fra forberedelsen. "
    "Du kan starte igen når som helst. Skriv «forbered mig til mødet»."
)
PAUSED_TEXT = (
    "Vi holder pause. Dine svar er gemt i denne samtale. Du kan spørge om andet imens. "
    "Skriv «fortsæt forberedelsen», når du er klar."
)
BUTTON_RESUME = {"title": "Fortsæt forberedelsen", "payload": "Fortsæt forberedelsen"}
DONE_NO_HELP = "Det er helt i orden. Her er et par gode råd til mødet:"
SHARED_OK = (
    "Tak. Dit notat er sendt til din sagsbehandler, som kan læse det før mødet. "
    "Vil du trække det tilbage, så skriv «slet mit notat» før mødet."
)
SHARED_NOT = "Dit notat bliver ikke sendt. Husk at tage det med til mødet, på papir eller på telefonen."
SHARE_LOGIN_CHANGED = (
    "Jeg kunne ikke bekræfte dit login, så jeg har ikke sendt notatet. "
    "Tag det med til mødet, eller log ind igen og start forberedelsen forfra."
)
SHARE_FAILED = (
    "Undskyld, jeg kunne ikke sende dit notat lige nu. Det er ikke noget, du har gjort. "
    "Tag notatet med til mødet, eller prøv igen senere."
)
SHARE_TOO_LATE = "Mødet er allerede begyndt, så jeg har ikke sendt notatet. Tag det med, hvis du kan."
ANONYMOUS_DONE = (
    "Tag notatet med til mødet, på papir eller på telefonen. Er du logget ind med MitID, "
    "kan jeg også sende det til din sagsbehandler. Log ind her: {login_url}"
)
GOOD_LUCK = "Held og lykke med mødet. Du kan altid spørge mig igen."
WITHDRAWN = "Dit notat er slettet. Din sagsbehandler kan ikke længere se det."
WITHDRAWN_MANY = "Dine {count} notater er slettet. Din sagsbehandler kan ikke længere se dem."
NOTHING_TO_WITHDRAW = (
    "Du har ikke sendt noget notat til et møde, der ikke er holdt endnu. Der er intet at slette."
)
WITHDRAW_TOO_LATE = (
    "Mødet er holdt, så din sagsbehandler kan have læst dit notat. "
    "Vil du have det slettet, så kontakt din sagsbehandler."
)
WITHDRAW_FAILED = (
    "Undskyld, jeg kan ikke slette dit notat lige nu. Prøv igen om lidt, eller {call_jobcenter}."
)
WHAT_NOTE = "dit notat"
# Set by bot/rasa_plugins/nlu/crisis.py; answered by data/rules/care.yml, never taken as an answer.
CRISIS_INTENT = "crisis"


def _button(title: str) -> dict[str, str]:
    """A quick reply whose payload is its own text, so typing the label works the same."""
    return {"title": title, "payload": title}


def written_text(tracker: Tracker) -> str | None:
    """The latest message exactly as the citizen wrote it (CPR numbers already masked).

    `tracker.latest_message["text"]` is the NLU's normalised copy (lower case, spelling fixed,
    punctuation split off by DanishNormalizer); the `user` event keeps the text as received.
    """
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return event.get("text")
    return (tracker.latest_message or {}).get("text")


def _is_sms(tracker: Tracker) -> bool:
    return is_sms_channel(tracker.get_latest_input_channel())


def meeting_context(meeting: MeetingRecord, now: datetime) -> dict[str, Any]:
    """What the guide keeps about the meeting in the `prep_meeting` slot (no personal data)."""
    return {
        "id": meeting.id,
        "kind": meeting.kind,
        "when": format_meeting_time(meeting.starts_at, now),
        "place": place_of(meeting.online, meeting.location),
        "participants": [p for p in meeting.participants if p.strip()],
    }


def meeting_slot(tracker: Tracker) -> dict[str, Any]:
    """The `prep_meeting` slot, or {} when it is unset or not a mapping.

    Only the start action sets it, but a slot of another type (a list: found by
    tests/fuzz/test_action_server_fuzz.py) must not turn into a 500.
    """
    meeting = tracker.get_slot(MEETING_SLOT)
    return dict(meeting) if isinstance(meeting, Mapping) else {}


def meeting_line(meeting: Mapping[str, Any] | None) -> str | None:
    """The note's second line: which meeting it is for."""
    if not meeting:
        return None
    kind = meeting_kind_words(str(meeting.get("kind", ""))).noun
    return f"Til {kind} {meeting.get('when')}. Sted: {meeting.get('place')}."


async def _team_meeting_for(citizen_id: str, now: datetime) -> MeetingRecord | None:
    upcoming = await call(CaseRepository().upcoming_meetings, citizen_id, now, limit=20)
    return next((m for m in upcoming if m.kind in TEAM_MEETING_KINDS), None)


class ActionStartPreparation(Action):
    """Start the guide (fresh, or resume when paused) and look up the citizen's team meeting."""

    def name(self) -> str:
        return "action_start_preparation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lines: list[str] = [CPR_NOTICE] if cpr_was_removed(tracker) else []
        resuming = tracker.get_slot(STATUS_SLOT) == PAUSED and has_progress(tracker.slots)
        values: dict[str, Any] = {} if resuming else cleared_slots()
        values.update({STATUS_SLOT: ACTIVE, MEETING_SLOT: None, CAN_SHARE_SLOT: False, REQUESTED_SLOT: None})

        identity = identity_of(tracker)
        context_lines: list[str] = []
        if isinstance(identity, VerifiedCitizen):
            now = clock.utc_now()
            try:
                meeting = await _team_meeting_for(identity.citizen_id, now)
            except StoreUnavailable:
                meeting = None  # the guide still works, just without the citizen's own meeting
            if meeting is not None:
                context = meeting_context(meeting, now)
                values.update({MEETING_SLOT: context, CAN_SHARE_SLOT: True})
                context_lines.append(YOUR_MEETING.format(when=context["when"], place=context["place"]))
            else:
                context_lines.append(NO_TEAM_MEETING)
        elif isinstance(identity, IdentityProblem):
            context_lines.append(LOGIN_NOT_CONFIRMED)

        if resuming:
            lines.append(WELCOME_BACK)
        else:
            lines.append(SMS_INTRO if _is_sms(tracker) else get_guide().intro)
        lines += context_lines
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet(name, value) for name, value in values.items()]


class ValidatePreparationForm(FormValidationAction):
    """Interprets each message in the guide and decides which step comes next."""

    def name(self) -> str:
        return f"validate_{FORM_NAME}"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return required_slots(tracker.slots)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested is None:  # the form is being (re)activated: nothing was asked yet
            return []
        if (tracker.latest_message or {}).get("intent", {}).get("name") == CRISIS_INTENT:
            return []  # crisis words are no answer: the form rejects, the crisis rule answers
        if cpr_was_removed(tracker):
            dispatcher.utter_message(text=CPR_NOTICE)
        outcome = interpret(requested, written_text(tracker), tracker.slots)
        if outcome.hint:
            dispatcher.utter_message(text=outcome.hint)
        return [SlotSet(name, value) for name, value in outcome.slots.items()]


# --- Asking each step ------------------------------------------------------------------------------
def _explanation_message(slot: str, tracker: Tracker) -> tuple[str, list[dict[str, str]]]:
    guide, municipality = get_guide(), get_municipality()
    step = guide.step(slot)
    number = EXPLANATION_SLOTS.index(slot) + 1
    meeting = tracker.get_slot(MEETING_SLOT)
    lines = [f"Trin {number} af {len(EXPLANATION_SLOTS)}: {step.title}"]
    participants = (meeting or {}).get("participants") if isinstance(meeting, Mapping) else None
    if slot == "prep_people" and participants:
        lines.append(PEOPLE_OWN.format(when=meeting.get("when")))
        lines += [participant_line(str(p)) for p in participants]
    else:
        lines.append(municipality.fill(step.texts[variant_for(municipality)]))
    if step.note:
        lines.append(municipality.fill(step.note))
    if slot == "prep_flow" and not meeting:
        lines.append(municipality.fill(WHERE_GENERIC))
    return "\n".join(lines), [_button(BUTTON_NEXT), _button(BUTTON_SKIP), _button(BUTTON_STOP)]


def _question_message(slot: str, sms: bool = False) -> tuple[str, list[dict[str, str]]]:
    question = get_guide().question(slot)
    number = QUESTION_SLOTS.index(slot) + 1
    lines = [f"Spørgsmål {number} af {len(QUESTION_SLOTS)}: {question.question}"]
    if number == 1:
        lines.append(SMS_FIRST_QUESTION_HINT if sms else FIRST_QUESTION_HINT)
    buttons = [_button(answer) for answer in question.answers]
    buttons += [_button(BUTTON_SKIP), _button(BUTTON_BACK), _button(BUTTON_PAUSE)]
    return "\n".join(lines), buttons


class AskPreparationStep(Action):
    """`action_ask_<slot>`: Rasa's form calls it to ask the step `slot` (one subclass per step)."""

    slot: str = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slot = self.slot
        if slot in EXPLANATION_SLOTS:
            text, buttons = _explanation_message(slot, tracker)
        elif slot == OFFER_SLOT:
            text = fill(get_guide().offer, count=len(QUESTION_SLOTS))
            buttons = [_button(BUTTON_OFFER_YES), _button(BUTTON_OFFER_NO)]
        elif slot in QUESTION_SLOTS:
            text, buttons = _question_message(slot, _is_sms(tracker))
        elif slot == REVIEW_SLOT:
            self._send_review(dispatcher, tracker)
            return []
        else:  # SHARE_SLOT
            meeting = meeting_slot(tracker)
            text = SHARE_QUESTION.format(when=meeting.get("when", ""))
            buttons = [_button(BUTTON_SHARE_YES), _button(BUTTON_SHARE_NO)]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []

    @staticmethod
    def _send_review(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        note = build_note(tracker.slots, meeting_line(meeting_slot(tracker)))
        if tracker.get_slot(CORRECTING_SLOT):
            buttons = [_button(f"{CORRECT_PREFIX} {section.number}") for section in note.sections]
            dispatcher.utter_message(text=render_choices(note), buttons=[*buttons, _button(BUTTON_CANCEL)])
            return
        if _is_sms(tracker):
            dispatcher.utter_message(text=render_short(note))
        else:
            dispatcher.utter_message(text=render_full(note), json_message=PRINT_MARKER)
        dispatcher.utter_message(
            text=REVIEW_QUESTION,
            buttons=[_button(BUTTON_REVIEW_OK), _button(BUTTON_CORRECT), _button(BUTTON_PAUSE)],
        )


# One concrete action per step; rasa-sdk registers every Action subclass it finds.
ASK_ACTIONS: dict[str, type[AskPreparationStep]] = {
    slot: type(f"AskPreparation_{slot}", (AskPreparationStep,), {"slot": slot})
    for slot in (*EXPLANATION_SLOTS, OFFER_SLOT, *QUESTION_SLOTS, REVIEW_SLOT, SHARE_SLOT)
}


# --- Finishing -------------------------------------------------------------------------------------
class ActionPreparationFinish(Action):
    """Runs when the form ends: stopped, paused, or done (then share with consent, or not)."""

    def name(self) -> str:
        return "action_preparation_finish"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        status = tracker.get_slot(STATUS_SLOT)
        if status == PAUSED:
            dispatcher.utter_message(text=PAUSED_TEXT, buttons=[BUTTON_RESUME])
            return []
        if status == STOPPED:
            dispatcher.utter_message(text=STOPPED_TEXT)
            return _cleared()
        if tracker.get_slot(OFFER_SLOT) == NO:
            checklist = get_guide().checklist
            items = [item.text for item in checklist if item.short or not _is_sms(tracker)]
            dispatcher.utter_message(text="\n".join([DONE_NO_HELP, *(f"- {i}" for i in items), GOOD_LUCK]))
            return _cleared()
        dispatcher.utter_message(text=f"{await self._share(tracker)}\n{GOOD_LUCK}")
        return _cleared()

    async def _share(self, tracker: Tracker) -> str:
        """Store the note when the citizen said yes; the text that says what happened."""
        answer = tracker.get_slot(SHARE_SLOT)
        if answer is None:  # not offered: anonymous, or no coming team meeting
            return fill(ANONYMOUS_DONE)
        if answer != YES:
            return SHARED_NOT
        identity = identity_of(tracker)
        meeting = meeting_slot(tracker)
        if not isinstance(identity, VerifiedCitizen) or not meeting.get("id"):
            return SHARE_LOGIN_CHANGED
        now = clock.utc_now()
        note = build_note(tracker.slots, meeting_line(meeting))
        record = SharedNoteRecord(
            meeting_id=str(meeting["id"]),
            answers=note.answers(),
            note_text=render_full(note),
            consented_at=now,
        )
        try:
            stored = await call(SharedNotes().save, identity.citizen_id, record)
        except StoreUnavailable:
            return SHARE_FAILED
        if not stored:
            return SHARE_TOO_LATE
        logger.info("Preparation note shared with consent (%d answers)", note.answered)
        return SHARED_OK


def _cleared() -> list[EventType]:
    return [SlotSet(name, value) for name, value in cleared_slots().items()]


class ActionWithdrawNote(Action):
    """ "slet mit notat": delete the verified citizen's shared notes for meetings not yet held."""

    def name(self) -> str:
        return "action_withdraw_note"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        identity = identity_of(tracker)
        if not isinstance(identity, VerifiedCitizen):
            send(dispatcher, login_replies(identity, WHAT_NOTE, _is_sms(tracker)))
            return []
        try:
            now = clock.utc_now()
            deleted, kept = await call(SharedNotes().withdraw, identity.citizen_id, now)
        except StoreUnavailable:
            dispatcher.utter_message(text=fill(WITHDRAW_FAILED))
            return []
        if deleted == 1:
            text = WITHDRAWN
        elif deleted > 1:
            text = WITHDRAWN_MANY.format(count=deleted)
        elif kept:
            text = WITHDRAW_TOO_LATE
        else:
            text = NOTHING_TO_WITHDRAW
        if deleted:
            logger.info("Shared preparation note(s) withdrawn: %d", deleted)
        dispatcher.utter_message(text=text)
        return []
