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

Everything is said in the conversation's language (the slot `language`,
`actions.replies.language_of`; Danish by default), and follows it when the citizen switches
language in the middle of the guide. Content comes from `data/preparation_guide.yml`
(`preparation_content`), the guide's own sentences and buttons from data/texts/actions.yml
(`guide`, `guide_buttons`) and the municipality settings; the note is `preparation_note`. The
meeting is kept in the `prep_meeting` slot as data (its time as an ISO instant, its place as
imported) and worded when it is said. "Now" is `core.clock.utc_now`.

A shared note is stored with the answers by question key, the citizen's language, the note as
the caseworker reads it (Danish headings, the answers as written) and, when the citizen used
another language, the note as the citizen saw it (`SharedNoteRecord`).

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

from actions.preparation_content import get_guide, variant_for
from actions.preparation_flow import (
    ACTIVE,
    CAN_SHARE_SLOT,
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
from actions.preparation_note import PreparationNote, build_note, render_choices, render_full, render_short
from actions.replies import language_of, login_replies, participant_line, place_of, reply_text, send
from actions.who_is_asking import IdentityProblem, VerifiedCitizen, cpr_was_removed, identity_of
from actions.wording import format_meeting_time, meeting_kind_words
from core import clock
from core.bilingual import DANISH
from core.municipality import fill, get_municipality
from core.records import MeetingRecord, SharedNoteRecord
from core.sms import is_sms_channel
from core.store.cases.notes import SharedNotes
from core.store.cases.repository import CaseRepository
from core.store.database import call
from core.store.errors import StoreUnavailable
from core.texts import text
from core.vocabulary import TEAM_MEETING_KINDS

logger = logging.getLogger(__name__)

PRINT_MARKER = {"moedeklar": {"kind": "preparation_note"}}
SECTION = "guide"
BUTTONS_SECTION = "guide_buttons"
# Intents whose words are never an answer: the crisis words (bot/rasa_plugins/nlu/crisis.py,
# answered by data/rules/care.yml) and a switch of language or a message in another language
# (the language component; domain.yml keeps them out of the guide's slots too).
CRISIS_INTENT = "crisis"
NOT_ANSWERS = frozenset({CRISIS_INTENT, "switch_language", "other_language"})


def say(key: str, language: str = DANISH, **values: Any) -> str:
    """One text of the section `guide` in `language`, with the municipality's words and `values`."""
    return fill(text(SECTION, key, language), language, **values)


def button_label(key: str, language: str = DANISH) -> str:
    """One of the guide's quick-reply labels ("Videre" / "Next"); each is also a command."""
    return text(BUTTONS_SECTION, key, language)


def _button(key: str, language: str = DANISH) -> dict[str, str]:
    """A quick reply whose payload is its own text, so typing the label works the same."""
    return _quick_reply(button_label(key, language))


def _quick_reply(title: str) -> dict[str, str]:
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


# --- The citizen's meeting, as the guide keeps it in the slot `prep_meeting` ---------------------------
def meeting_context(meeting: MeetingRecord) -> dict[str, Any]:
    """What the guide keeps about the meeting in the `prep_meeting` slot (no personal data): data,
    not words, so that it can be said in either language."""
    return {
        "id": meeting.id,
        "kind": meeting.kind,
        "starts_at": meeting.starts_at.isoformat(),
        "online": bool(meeting.online),
        "location": meeting.location,
        "participants": [p for p in meeting.participants if p.strip()],
    }


def meeting_slot(tracker: Tracker) -> dict[str, Any]:
    """The `prep_meeting` slot, or {} when it is unset or not a mapping.

    Only the start action sets it, but a slot of another type (a list: found by
    tests/fuzz/test_action_server_fuzz.py) must not turn into a 500.
    """
    meeting = tracker.get_slot(MEETING_SLOT)
    return dict(meeting) if isinstance(meeting, Mapping) else {}


def _starts_at(meeting: Mapping[str, Any]) -> datetime | None:
    value = meeting.get("starts_at")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def meeting_when(meeting: Mapping[str, Any], language: str = DANISH) -> str:
    """When the meeting is, in `language` ("tirsdag den 8. december kl. 10.00").

    A slot set before the guide spoke English holds the time as Danish text (`when`) instead.
    """
    starts_at = _starts_at(meeting)
    if starts_at is not None:
        return format_meeting_time(starts_at, clock.utc_now(), language)
    return str(meeting.get("when") or "")


def meeting_place(meeting: Mapping[str, Any], language: str = DANISH) -> str:
    """Where the meeting is, in `language` (an imported place as imported)."""
    if "online" not in meeting and "location" not in meeting:  # a slot set before (Danish text)
        return str(meeting.get("place") or "")
    location = meeting.get("location")
    return place_of(bool(meeting.get("online")), location if isinstance(location, str) else None, language)


def meeting_line(meeting: Mapping[str, Any] | None, language: str = DANISH) -> str | None:
    """The note's second line: which meeting it is for."""
    if not meeting:
        return None
    kind = meeting_kind_words(str(meeting.get("kind", "")), language).noun
    return say(
        "meeting_line",
        language,
        kind=kind,
        when=meeting_when(meeting, language),
        place=meeting_place(meeting, language),
    )


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
        language = language_of(tracker)
        lines: list[str] = [reply_text("cpr_notice", language)] if cpr_was_removed(tracker) else []
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
                context = meeting_context(meeting)
                values.update({MEETING_SLOT: context, CAN_SHARE_SLOT: True})
                where = meeting_place(context, language)
                context_lines.append(
                    say("your_meeting", language, when=meeting_when(context, language), place=where)
                )
            else:
                context_lines.append(say("no_team_meeting", language))
        elif isinstance(identity, IdentityProblem):
            context_lines.append(say("login_not_confirmed", language))

        if resuming:
            lines.append(say("welcome_back", language))
        else:
            lines.append(say("sms_intro", language) if _is_sms(tracker) else get_guide(language).intro)
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
        if (tracker.latest_message or {}).get("intent", {}).get("name") in NOT_ANSWERS:
            return []  # no answer: the form rejects, the crisis (or language) rule answers
        language = language_of(tracker)
        if cpr_was_removed(tracker):
            dispatcher.utter_message(text=reply_text("cpr_notice", language))
        outcome = interpret(requested, written_text(tracker), tracker.slots)
        if outcome.hint:
            dispatcher.utter_message(text=say(outcome.hint, language))
        return [SlotSet(name, value) for name, value in outcome.slots.items()]


# --- Asking each step ------------------------------------------------------------------------------
def _explanation_message(
    slot: str, tracker: Tracker, language: str = DANISH
) -> tuple[str, list[dict[str, str]]]:
    guide, municipality = get_guide(language), get_municipality()
    step = guide.step(slot)
    number = EXPLANATION_SLOTS.index(slot) + 1
    meeting = tracker.get_slot(MEETING_SLOT)
    lines = [say("step_heading", language, number=number, total=len(EXPLANATION_SLOTS), title=step.title)]
    participants = meeting.get("participants") if isinstance(meeting, Mapping) else None
    if slot == "prep_people" and participants and isinstance(meeting, Mapping):
        lines.append(say("people_own", language, when=meeting_when(meeting, language)))
        lines += [participant_line(str(p), language=language) for p in participants]
    else:
        lines.append(municipality.fill(step.texts[variant_for(municipality)], language))
    if step.note:
        lines.append(municipality.fill(step.note, language))
    if slot == "prep_flow" and not meeting:
        lines.append(say("where_generic", language))
    buttons = [_button("next", language), _button("skip", language), _button("stop", language)]
    return "\n".join(lines), buttons


def _question_message(
    slot: str, sms: bool = False, language: str = DANISH
) -> tuple[str, list[dict[str, str]]]:
    question = get_guide(language).question(slot)
    number = QUESTION_SLOTS.index(slot) + 1
    lines = [
        say(
            "question_heading", language, number=number, total=len(QUESTION_SLOTS), question=question.question
        )
    ]
    if number == 1:
        lines.append(say("sms_first_question_hint" if sms else "first_question_hint", language))
    buttons = [_quick_reply(answer) for answer in question.answers]
    buttons += [_button("skip", language), _button("back", language), _button("pause", language)]
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
        language = language_of(tracker)
        if slot in EXPLANATION_SLOTS:
            message, buttons = _explanation_message(slot, tracker, language)
        elif slot == OFFER_SLOT:
            message = fill(get_guide(language).offer, language, count=len(QUESTION_SLOTS))
            buttons = [_button("offer_yes", language), _button("offer_no", language)]
        elif slot in QUESTION_SLOTS:
            message, buttons = _question_message(slot, _is_sms(tracker), language)
        elif slot == REVIEW_SLOT:
            self._send_review(dispatcher, tracker, language)
            return []
        else:  # SHARE_SLOT
            meeting = meeting_slot(tracker)
            message = say("share_question", language, when=meeting_when(meeting, language))
            buttons = [_button("share_yes", language), _button("share_no", language)]
        dispatcher.utter_message(text=message, buttons=buttons)
        return []

    @staticmethod
    def _send_review(dispatcher: CollectingDispatcher, tracker: Tracker, language: str = DANISH) -> None:
        note = build_note(tracker.slots, meeting_line(meeting_slot(tracker), language), language=language)
        if tracker.get_slot(CORRECTING_SLOT):
            prefix = button_label("correct_prefix", language)
            buttons = [_quick_reply(f"{prefix} {section.number}") for section in note.sections]
            dispatcher.utter_message(
                text=render_choices(note), buttons=[*buttons, _button("cancel", language)]
            )
            return
        if _is_sms(tracker):
            dispatcher.utter_message(text=render_short(note))
        else:
            dispatcher.utter_message(text=render_full(note), json_message=PRINT_MARKER)
        dispatcher.utter_message(
            text=say("review_question", language),
            buttons=[
                _button("review_ok", language),
                _button("correct", language),
                _button("pause", language),
            ],
        )


# One concrete action per step; rasa-sdk registers every Action subclass it finds.
ASK_ACTIONS: dict[str, type[AskPreparationStep]] = {
    slot: type(f"AskPreparation_{slot}", (AskPreparationStep,), {"slot": slot})
    for slot in (*EXPLANATION_SLOTS, OFFER_SLOT, *QUESTION_SLOTS, REVIEW_SLOT, SHARE_SLOT)
}


# --- Finishing -------------------------------------------------------------------------------------
def shared_note_record(
    slots: Mapping[str, Any], meeting: Mapping[str, Any], language: str, consented_at: datetime
) -> tuple[SharedNoteRecord, PreparationNote]:
    """The note to store for the caseworker, and the note as the citizen saw it.

    The caseworker's view always has Danish headings (`note_text`); the citizen's own rendering
    (`citizen_text`) is kept beside it when it was in another language. The answers are the
    same, exactly as written.
    """
    citizen_note = build_note(slots, meeting_line(meeting, language), language=language)
    caseworker_note = (
        citizen_note if citizen_note.language == DANISH else build_note(slots, meeting_line(meeting, DANISH))
    )
    record = SharedNoteRecord(
        meeting_id=str(meeting["id"]),
        answers=citizen_note.answers(),
        note_text=render_full(caseworker_note),
        consented_at=consented_at,
        language=citizen_note.language,
        citizen_text=None if citizen_note is caseworker_note else render_full(citizen_note),
    )
    return record, citizen_note


class ActionPreparationFinish(Action):
    """Runs when the form ends: stopped, paused, or done (then share with consent, or not)."""

    def name(self) -> str:
        return "action_preparation_finish"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        status = tracker.get_slot(STATUS_SLOT)
        if status == PAUSED:
            dispatcher.utter_message(text=say("paused", language), buttons=[resume_button(language)])
            return []
        if status == STOPPED:
            dispatcher.utter_message(text=say("stopped", language))
            return _cleared()
        if tracker.get_slot(OFFER_SLOT) == NO:
            checklist = get_guide(language).checklist
            items = [item.text for item in checklist if item.short or not _is_sms(tracker)]
            lines = [say("done_no_help", language), *(f"- {i}" for i in items), say("good_luck", language)]
            dispatcher.utter_message(text="\n".join(lines))
            return _cleared()
        dispatcher.utter_message(text=f"{await self._share(tracker, language)}\n{say('good_luck', language)}")
        return _cleared()

    async def _share(self, tracker: Tracker, language: str) -> str:
        """Store the note when the citizen said yes; the text that says what happened."""
        answer = tracker.get_slot(SHARE_SLOT)
        if answer is None:  # not offered: anonymous, or no coming team meeting
            return say("anonymous_done", language)
        if answer != YES:
            return say("shared_not", language)
        identity = identity_of(tracker)
        meeting = meeting_slot(tracker)
        if not isinstance(identity, VerifiedCitizen) or not meeting.get("id"):
            return say("share_login_changed", language)
        record, note = shared_note_record(tracker.slots, meeting, language, clock.utc_now())
        try:
            stored = await call(SharedNotes().save, identity.citizen_id, record)
        except StoreUnavailable:
            return say("share_failed", language)
        if not stored:
            return say("share_too_late", language)
        logger.info("Preparation note shared with consent (%d answers)", note.answered)
        return say("shared_ok", language)


def resume_button(language: str = DANISH) -> dict[str, str]:
    """ "Fortsæt forberedelsen": understood by the NLU (outside the form), payload = title."""
    return _button("resume", language)


def _cleared() -> list[EventType]:
    return [SlotSet(name, value) for name, value in cleared_slots().items()]


class ActionWithdrawNote(Action):
    """ "slet mit notat" / "delete my note": delete the verified citizen's shared notes for meetings
    not yet held."""

    def name(self) -> str:
        return "action_withdraw_note"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        identity = identity_of(tracker)
        if not isinstance(identity, VerifiedCitizen):
            send(dispatcher, login_replies(identity, say("what_note", language), _is_sms(tracker), language))
            return []
        try:
            now = clock.utc_now()
            deleted, kept = await call(SharedNotes().withdraw, identity.citizen_id, now)
        except StoreUnavailable:
            dispatcher.utter_message(text=say("withdraw_failed", language))
            return []
        if deleted == 1:
            message = say("withdrawn", language)
        elif deleted > 1:
            message = say("withdrawn_many", language, count=deleted)
        elif kept:
            message = say("withdraw_too_late", language)
        else:
            message = say("nothing_to_withdraw", language)
        if deleted:
            logger.info("Shared preparation note(s) withdrawn: %d", deleted)
        dispatcher.utter_message(text=message)
        return []
