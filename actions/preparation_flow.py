"""The meeting-preparation guide as a state machine over Rasa slots (no Rasa imports).

Owns the guide's slot names and values, the order of its steps (`required_slots`) and what a
citizen's message means at each step (`interpret`). The Rasa form `preparation_form`
(domain.yml) asks the first empty slot in `required_slots`; the form's validation action
(`actions.preparation`) passes the citizen's text through `interpret` and sets what it returns.

Steps, in order:
1. Five explanation steps (`EXPLANATION_SLOTS`): "videre" → SEEN, "spring over" → the rest of
   the explanation is SKIPPED.
2. The offer (`OFFER_SLOT`): help to prepare their own words? YES / NO.
3. With YES: seven questions (`QUESTION_SLOTS`). Any text is the answer, exactly as written
   (no intent classification); "spring over" → SKIPPED_ANSWER.
4. The review (`REVIEW_SLOT`): the note is shown; "det er fint" → REVIEW_OK, "ret et svar" →
   choose a question, whose answer is then cleared and asked again.
5. Only for a verified citizen with a coming meeting (`CAN_SHARE_SLOT`): consent to send the
   note to the caseworker (`SHARE_SLOT`), YES / NO.

Everywhere: "tilbage" clears the previous answered step so it is asked again, "pause" ends the
form keeping every answer (resume with "fortsæt forberedelsen"), "stop" ends it (the answers
are then cleared by the finishing action). Commands are recognised only as the WHOLE message
(after trimming case, spaces and punctuation), so an answer that merely contains "stop" is an
answer.

The commands are understood in Danish and in English alike, whatever the conversation's
language ("videre" / "next", "spring over" / "skip", "tilbage" / "back", "pause", "stop",
"fortsæt" / "continue", ...); every quick-reply label of the guide (data/texts/actions.yml,
`guide_buttons`) is one of them. When a message does not fit the step, the outcome names a hint
(`HINT_*`: a key of the section `guide` in data/texts/actions.yml), which the form's validation
action sends in the conversation's language.

Must not: hold citizen-facing texts (only the words it understands), or import Rasa.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORM_NAME = "preparation_form"
REQUESTED_SLOT = "requested_slot"

# --- slots ---------------------------------------------------------------------------------------
EXPLANATION_SLOTS: tuple[str, ...] = ("prep_why", "prep_people", "prep_flow", "prep_decision", "prep_after")
OFFER_SLOT = "prep_offer"
QUESTION_SLOTS: tuple[str, ...] = (
    "prep_q_priority",
    "prep_q_goal",
    "prep_q_hard",
    "prep_q_helped",
    "prep_q_questions",
    "prep_q_bisidder",
    "prep_q_practical",
)
REVIEW_SLOT = "prep_review"
SHARE_SLOT = "prep_share"
FORM_SLOTS: tuple[str, ...] = (*EXPLANATION_SLOTS, OFFER_SLOT, *QUESTION_SLOTS, REVIEW_SLOT, SHARE_SLOT)

STATUS_SLOT = "prep_status"  # ACTIVE / PAUSED / STOPPED / None
CORRECTING_SLOT = "prep_correcting"  # True while the citizen chooses which answer to correct
CAN_SHARE_SLOT = "prep_can_share"  # set by the start action: verified citizen with a coming meeting
MEETING_SLOT = "prep_meeting"  # set by the start action: the meeting the guide is about (or None)
CONTROL_SLOTS: tuple[str, ...] = (STATUS_SLOT, CORRECTING_SLOT, CAN_SHARE_SLOT, MEETING_SLOT)
ALL_SLOTS: tuple[str, ...] = (*FORM_SLOTS, *CONTROL_SLOTS)

# --- values --------------------------------------------------------------------------------------
ACTIVE, PAUSED, STOPPED = "active", "paused", "stopped"
SEEN, SKIPPED = "seen", "skipped"
YES, NO = "yes", "no"
SKIPPED_ANSWER = "__skipped__"
REVIEW_OK = "ok"

# --- commands (whole message, normalised: lower case, no punctuation, no apostrophes) ---------------
# Danish and English words in each set; the guide's button labels (data/texts/actions.yml,
# `guide_buttons`) are among them (tests/unit/test_preparation_flow.py checks it).
STOP_WORDS = frozenset(
    {
        "stop",
        "stop forberedelsen",
        "stop guiden",
        "afslut",
        "afbryd",
        "hold op",
        "stop det",
        "jeg vil ikke mere",
        "jeg vil gerne stoppe",
        "stop nu",
        "nej stop",
        # English
        "stop the preparation",
        "stop preparation",
        "stop the guide",
        "stop it",
        "stop now",
        "no stop",
        "quit",
        "exit",
        "i want to stop",
        "i dont want to do this",
        "i do not want to do this",
    }
)
PAUSE_WORDS = frozenset(
    {
        "pause",
        "hold pause",
        "pause forberedelsen",
        "fortsæt senere",
        "vi tager det senere",
        "senere",
        "jeg fortsætter senere",
        "vent",
        "vent lidt",
        # English
        "take a break",
        "pause the preparation",
        "continue later",
        "go on later",
        "later",
        "lets do it later",
        "i will continue later",
        "wait",
        "wait a bit",
        "wait a moment",
    }
)
BACK_WORDS = frozenset(
    {
        "tilbage",
        "gå tilbage",
        "forrige",
        "et trin tilbage",
        "tilbage til forrige",
        # English
        "back",
        "go back",
        "previous",
        "one step back",
        "back to previous",
    }
)
SKIP_WORDS = frozenset(
    {
        "spring over",
        "spring det over",
        "spring spørgsmålet over",
        "spring",
        "skip",
        # English
        "skip it",
        "skip this",
        "skip the question",
        "skip question",
        "skip this question",
    }
)
NEXT_WORDS = frozenset(
    {
        "videre",
        "næste",
        "ok",
        "okay",
        "fortsæt",
        "ja",
        "forstået",
        "ja videre",
        # English
        "next",
        "continue",
        "go on",
        "yes",
        "got it",
        "understood",
        "yes next",
    }
)
# At a question, these mean "skip" (any other text is the answer, as written).
QUESTION_NEXT_WORDS = frozenset({"videre", "næste", "next"})
YES_WORDS = frozenset(
    {
        "ja",
        "ja tak",
        "ja gerne",
        "gerne",
        "ja hjælp mig",
        "ok",
        "okay",
        "ja send det",
        "send det",
        "send",
        "ja det må du gerne",
        "ja du må gerne",
        "ja send notatet",
        # English
        "yes",
        "yes please",
        "yes help me",
        "help me",
        "sure",
        "yes send it",
        "send it",
        "yes you may",
        "yes send the note",
    }
)
NO_WORDS = frozenset(
    {
        "nej",
        "nej tak",
        "ikke nu",
        "send ikke",
        "nej send det ikke",
        "nej lad være",
        "lad være",
        # English
        "no",
        "no thanks",
        "no thank you",
        "not now",
        "do not send it",
        "dont send it",
        "no do not send it",
        "no dont send it",
    }
)
REVIEW_OK_WORDS = frozenset(
    {
        "det er fint",
        "fint",
        "ja",
        "ok",
        "okay",
        "godkend",
        "det er rigtigt",
        "ja det er fint",
        "ja det er rigtigt",
        "det passer",
        "videre",
        # English
        "it is fine",
        "its fine",
        "fine",
        "yes",
        "that is fine",
        "thats fine",
        "it is right",
        "its right",
        "yes it is fine",
        "looks good",
        "approve",
        "next",
    }
)
CORRECT_WORDS = frozenset(
    {
        "ret et svar",
        "ret",
        "ret svar",
        "ret noget",
        "rediger",
        "nej",
        "ret et af svarene",
        # English
        "change an answer",
        "change",
        "change answer",
        "change something",
        "edit",
        "no",
        "change one of the answers",
        "correct an answer",
    }
)
CANCEL_WORDS = frozenset(
    {
        "annuller",
        "fortryd",
        "ingen",
        "tilbage",
        "gå tilbage",
        "ingen ændringer",
        # English
        "cancel",
        "undo",
        "none",
        "back",
        "go back",
        "no changes",
    }
)
# "ret 3" / "change 3" / "3" chooses question 3 to correct.
_CORRECTION = re.compile(
    r"(?:(?:ret|change|correct|edit)\s*)?(?:(?:svar|answer|question)\s*)?(?:(?:nr|no|number)\s*)?(\d{1,2})"
)

# --- hints when a message does not fit the step: keys of the section `guide` ---------------------
HINT_EXPLANATION = "hint_explanation"
HINT_YES_NO = "hint_yes_no"
HINT_REVIEW = "hint_review"
HINT_CORRECT = "hint_correct"
HINT_FIRST_STEP = "hint_first_step"


@dataclass(frozen=True)
class Outcome:
    """What a message means: slot values to set, and an optional hint to send first (a key of
    the section `guide` in data/texts/actions.yml, e.g. HINT_YES_NO)."""

    slots: dict[str, Any] = field(default_factory=dict)
    hint: str | None = None


_PUNCTUATION = re.compile(r"[\s.,!?;:«»\"“”„()\-–—]+")
_APOSTROPHES = re.compile(r"['’`´]")


def normalise_command(text: str | None) -> str:
    """Lower case, Unicode-composed, punctuation and extra spaces removed, apostrophes dropped:
    'Ja, send det!' → 'ja send det', "It's fine." → 'its fine'."""
    folded = _APOSTROPHES.sub("", unicodedata.normalize("NFC", text or "").lower())
    return _PUNCTUATION.sub(" ", folded).strip()


def _has_value(slots: Mapping[str, Any], name: str) -> bool:
    return slots.get(name) is not None


def required_slots(slots: Mapping[str, Any]) -> list[str]:
    """The steps the form must fill now, in order (empty when paused or stopped)."""
    if slots.get(STATUS_SLOT) in (PAUSED, STOPPED):
        return []
    required = [*EXPLANATION_SLOTS, OFFER_SLOT]
    if slots.get(OFFER_SLOT) == YES:
        required += [*QUESTION_SLOTS, REVIEW_SLOT]
        if slots.get(CAN_SHARE_SLOT) is True:
            required.append(SHARE_SLOT)
    return required


def next_slot(slots: Mapping[str, Any]) -> str | None:
    """The first empty required slot: what the form asks next (None: the form is done)."""
    return next((name for name in required_slots(slots) if not _has_value(slots, name)), None)


def answered_count(slots: Mapping[str, Any]) -> int:
    """How many questions have a real answer (not skipped)."""
    return sum(1 for name in QUESTION_SLOTS if slots.get(name) not in (None, SKIPPED_ANSWER))


def has_progress(slots: Mapping[str, Any]) -> bool:
    """True when any step of the guide has been filled (something to resume)."""
    return any(_has_value(slots, name) for name in FORM_SLOTS)


def correction_choice(command: str) -> str | None:
    """The question slot chosen by 'ret 3' / 'change 3' / '3' (1-based), or None."""
    match = _CORRECTION.fullmatch(command)
    if not match:
        return None
    index = int(match.group(1)) - 1
    return QUESTION_SLOTS[index] if 0 <= index < len(QUESTION_SLOTS) else None


def _back(requested: str, slots: Mapping[str, Any]) -> Outcome:
    order = required_slots(slots)
    position = order.index(requested) if requested in order else len(order)
    previous = next((name for name in reversed(order[:position]) if _has_value(slots, name)), None)
    if previous is None:
        return Outcome({requested: None}, HINT_FIRST_STEP)
    return Outcome({previous: None, requested: None, CORRECTING_SLOT: False})


def _explanation(requested: str, command: str, slots: Mapping[str, Any]) -> Outcome:
    if command in SKIP_WORDS:
        later = EXPLANATION_SLOTS[EXPLANATION_SLOTS.index(requested) :]
        return Outcome({name: SKIPPED for name in later if name == requested or not _has_value(slots, name)})
    if command in NEXT_WORDS:
        return Outcome({requested: SEEN})
    return Outcome({requested: None}, HINT_EXPLANATION)


def _yes_no(requested: str, command: str) -> Outcome:
    if command in YES_WORDS:
        return Outcome({requested: YES})
    if command in NO_WORDS or command in SKIP_WORDS:
        return Outcome({requested: NO})
    return Outcome({requested: None}, HINT_YES_NO)


def _question(requested: str, command: str, text: str | None) -> Outcome:
    if command in SKIP_WORDS or command in QUESTION_NEXT_WORDS:
        return Outcome({requested: SKIPPED_ANSWER})
    answer = (text or "").strip()
    return Outcome({requested: answer or None})


def _review(command: str, slots: Mapping[str, Any]) -> Outcome:
    chosen = correction_choice(command)
    if chosen is not None:
        return Outcome({chosen: None, REVIEW_SLOT: None, CORRECTING_SLOT: False})
    if slots.get(CORRECTING_SLOT):
        if command in CANCEL_WORDS:
            return Outcome({REVIEW_SLOT: None, CORRECTING_SLOT: False})
        return Outcome({REVIEW_SLOT: None}, HINT_CORRECT)
    if command in REVIEW_OK_WORDS:
        return Outcome({REVIEW_SLOT: REVIEW_OK})
    if command in CORRECT_WORDS:
        return Outcome({REVIEW_SLOT: None, CORRECTING_SLOT: True})
    return Outcome({REVIEW_SLOT: None}, HINT_REVIEW)


def interpret(requested: str | None, text: str | None, slots: Mapping[str, Any]) -> Outcome:
    """What the citizen's `text` means while the form asks for `requested`."""
    if requested is None or requested not in FORM_SLOTS:
        return Outcome()
    command = normalise_command(text)
    if requested == REVIEW_SLOT and slots.get(CORRECTING_SLOT) and command in CANCEL_WORDS:
        return Outcome({REVIEW_SLOT: None, CORRECTING_SLOT: False})
    if command in STOP_WORDS:
        return Outcome({requested: None, STATUS_SLOT: STOPPED, REQUESTED_SLOT: None})
    if command in PAUSE_WORDS:
        return Outcome({requested: None, STATUS_SLOT: PAUSED, REQUESTED_SLOT: None})
    if command in BACK_WORDS:
        return _back(requested, slots)
    if requested in EXPLANATION_SLOTS:
        return _explanation(requested, command, slots)
    if requested in QUESTION_SLOTS:
        return _question(requested, command, text)
    if requested == REVIEW_SLOT:
        return _review(command, slots)
    return _yes_no(requested, command)  # OFFER_SLOT or SHARE_SLOT


def cleared_slots() -> dict[str, Any]:
    """Every guide slot empty: used when the guide starts afresh, stops or finishes."""
    return {name: None for name in ALL_SLOTS}
