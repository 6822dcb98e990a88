"""The preparation guide's state machine (actions/preparation_flow.py) and its content file.

The flow is driven here exactly as the form's validation action drives it: the requested slot
is filled with the message as written, then `interpret` decides, then `next_slot` says what
is asked next.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from actions.preparation_content import VARIANT_OTHER, VARIANT_REHAB, get_guide
from actions.preparation_flow import (
    BACK_WORDS,
    CAN_SHARE_SLOT,
    CANCEL_WORDS,
    CORRECT_WORDS,
    CORRECTING_SLOT,
    EXPLANATION_SLOTS,
    FORM_SLOTS,
    HINT_CORRECT,
    HINT_EXPLANATION,
    HINT_FIRST_STEP,
    HINT_REVIEW,
    HINT_YES_NO,
    NEXT_WORDS,
    NO,
    NO_WORDS,
    OFFER_SLOT,
    PAUSE_WORDS,
    PAUSED,
    QUESTION_SLOTS,
    REQUESTED_SLOT,
    REVIEW_OK,
    REVIEW_OK_WORDS,
    REVIEW_SLOT,
    SEEN,
    SHARE_SLOT,
    SKIP_WORDS,
    SKIPPED,
    SKIPPED_ANSWER,
    STATUS_SLOT,
    STOP_WORDS,
    STOPPED,
    YES,
    YES_WORDS,
    correction_choice,
    has_progress,
    interpret,
    next_slot,
    normalise_command,
    required_slots,
)
from core.municipality import get_municipality
from core.texts import section, text

REPO = Path(__file__).resolve().parents[2]
FACTS = REPO.parent / "shared" / "knowledge" / "FACTS.md"


def hint_text(key: str, language: str = "da") -> str:
    """A hint as the form's validation action sends it (the flow names it by its key)."""
    return text("guide", key, language)


class Guide:
    """A conversation with the flow: `say` fills the requested slot and applies the outcome."""

    def __init__(self, **slots: Any) -> None:
        self.slots: dict[str, Any] = dict(slots)
        self.hints: list[str] = []
        self.slots[REQUESTED_SLOT] = next_slot(self.slots)

    @property
    def asked(self) -> str | None:
        return self.slots[REQUESTED_SLOT]

    def say(self, text: str) -> "Guide":
        requested = self.asked
        assert requested is not None, "the form has ended"
        outcome = interpret(requested, text, {**self.slots, requested: text})
        if outcome.hint:
            self.hints.append(hint_text(outcome.hint))
        self.slots.update(outcome.slots)
        if self.slots.get(STATUS_SLOT) in (PAUSED, STOPPED):
            self.slots[REQUESTED_SLOT] = None
        else:
            self.slots[REQUESTED_SLOT] = next_slot(self.slots)
        return self

    def say_all(self, *texts: str) -> "Guide":
        for said in texts:
            self.say(said)
        return self


ANSWERS = [
    "At de lytter.",
    "Et par timer i en butik.",
    "stop med at sende mig i praktik, det er svært",  # contains a command word: still an answer
    "Fysioterapi hjalp.",
    "Hvornår er mit næste møde?",  # looks like a question to the assistant: still an answer
    "Ja",
    "Tolk",
]


def test_whole_guide_anonymous_ends_after_review_without_sharing() -> None:
    guide = Guide().say_all(*["Videre"] * 5, "Ja, hjælp mig", *ANSWERS, "Det er fint")
    assert guide.asked is None
    assert all(guide.slots[name] == SEEN for name in EXPLANATION_SLOTS)
    assert [guide.slots[name] for name in QUESTION_SLOTS] == ANSWERS
    assert guide.slots[REVIEW_SLOT] == REVIEW_OK
    assert SHARE_SLOT not in required_slots(guide.slots)


@pytest.mark.parametrize(("reply", "value"), [("Ja, send det", YES), ("ja send det!", YES), ("Nej tak", NO)])
def test_identified_citizen_is_asked_for_consent_last(reply: str, value: str) -> None:
    guide = Guide(**{CAN_SHARE_SLOT: True}).say_all(*["videre"] * 5, "ja", *ANSWERS, "det er fint")
    assert guide.asked == SHARE_SLOT
    guide.say(reply)
    assert guide.asked is None and guide.slots[SHARE_SLOT] == value


def test_consent_question_does_not_accept_a_vague_answer() -> None:
    guide = Guide(**{CAN_SHARE_SLOT: True}).say_all("spring over", "ja", *ANSWERS, "ok")
    guide.say("måske")
    assert guide.asked == SHARE_SLOT and guide.slots[SHARE_SLOT] is None
    assert "«ja» eller «nej»" in guide.hints[-1]


def test_skip_explanation_and_every_question() -> None:
    guide = Guide().say_all("Spring over", "ja", *["Spring over"] * 7, "det er fint")
    assert guide.asked is None
    assert all(guide.slots[name] == SKIPPED for name in EXPLANATION_SLOTS)
    assert all(guide.slots[name] == SKIPPED_ANSWER for name in QUESTION_SLOTS)


def test_skip_in_the_middle_of_the_explanation_skips_only_the_rest() -> None:
    guide = Guide().say_all("videre", "videre", "spring over")
    assert [guide.slots[name] for name in EXPLANATION_SLOTS] == [SEEN, SEEN, SKIPPED, SKIPPED, SKIPPED]
    assert guide.asked == OFFER_SLOT


def test_no_help_with_own_words_ends_after_the_offer() -> None:
    guide = Guide().say_all("spring over", "Nej tak")
    assert guide.asked is None and guide.slots[OFFER_SLOT] == NO


@pytest.mark.parametrize("word", ["stop", "Stop.", "STOP!", "stop forberedelsen", "afslut"])
def test_stop_anywhere_ends_the_form(word: str) -> None:
    guide = Guide().say_all("videre", "spring over", "ja", "Mit svar", word)
    assert guide.asked is None and guide.slots[STATUS_SLOT] == STOPPED
    assert required_slots(guide.slots) == []


def test_pause_keeps_every_answer_and_resuming_asks_the_next_question() -> None:
    guide = Guide().say_all("spring over", "ja", "Svar 1", "Svar 2", "pause")
    assert guide.asked is None and guide.slots[STATUS_SLOT] == PAUSED
    assert has_progress(guide.slots)
    guide.slots[STATUS_SLOT] = "active"  # what action_start_preparation does on resume
    assert next_slot(guide.slots) == QUESTION_SLOTS[2]
    assert guide.slots[QUESTION_SLOTS[0]] == "Svar 1" and guide.slots[QUESTION_SLOTS[1]] == "Svar 2"


def test_back_re_asks_the_previous_step_and_keeps_later_ones() -> None:
    guide = Guide().say_all("spring over", "ja", "Første svar", "Andet svar", "tilbage")
    assert guide.asked == QUESTION_SLOTS[1]
    guide.say("tilbage")
    assert guide.asked == QUESTION_SLOTS[0]
    guide.say("Rettet første svar")
    assert guide.asked == QUESTION_SLOTS[1]
    assert guide.slots[QUESTION_SLOTS[0]] == "Rettet første svar"


def test_back_at_the_first_step_stays_there_with_a_hint() -> None:
    guide = Guide().say("tilbage")
    assert guide.asked == EXPLANATION_SLOTS[0]
    assert guide.hints == ["Du er ved det første trin."]


def test_correcting_one_answer_from_the_review() -> None:
    guide = Guide().say_all("spring over", "ja", *ANSWERS)
    assert guide.asked == REVIEW_SLOT
    guide.say("Ret et svar")
    assert guide.asked == REVIEW_SLOT and guide.slots[CORRECTING_SLOT] is True
    guide.say("Ret 3")
    assert guide.asked == QUESTION_SLOTS[2] and guide.slots[CORRECTING_SLOT] is False
    guide.say("Nyt svar om det svære")
    assert guide.asked == REVIEW_SLOT  # back to the review, the other answers untouched
    assert guide.slots[QUESTION_SLOTS[2]] == "Nyt svar om det svære"
    assert [guide.slots[n] for n in QUESTION_SLOTS if n != QUESTION_SLOTS[2]] == ANSWERS[:2] + ANSWERS[3:]


def test_cancelling_a_correction_returns_to_the_review() -> None:
    guide = Guide().say_all("spring over", "ja", *ANSWERS, "ret et svar", "annuller")
    assert guide.asked == REVIEW_SLOT and guide.slots[CORRECTING_SLOT] is False
    guide.say("det er fint")
    assert guide.asked is None


def test_unknown_text_at_an_explanation_step_repeats_it_with_a_hint() -> None:
    guide = Guide().say("hvad er en bisidder?")
    assert guide.asked == EXPLANATION_SLOTS[0]
    assert "«pause»" in guide.hints[0]


def test_answers_are_kept_exactly_as_written_however_long() -> None:
    long_answer = "Jeg har det svært. " * 400 + "Sidste sætning."
    guide = Guide().say_all("spring over", "ja", long_answer)
    assert guide.slots[QUESTION_SLOTS[0]] == long_answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [("  Ja, send det! ", "ja send det"), ("«Spring over»", "spring over"), ("Gå tilbage.", "gå tilbage")],
)
def test_commands_are_normalised(text: str, expected: str) -> None:
    assert normalise_command(text) == expected


def test_form_slots_are_in_the_domain_in_the_same_order() -> None:
    import yaml

    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    assert domain["forms"]["preparation_form"]["required_slots"] == list(FORM_SLOTS)
    for name in FORM_SLOTS:
        assert f"action_ask_{name}" in domain["actions"]
        mapping = domain["slots"][name]["mappings"][0]
        assert mapping["type"] == "from_text" and "intent" not in mapping  # never classified


def test_generated_test_stories_are_up_to_date() -> None:
    from scripts.make_guide_stories import OUTPUT, render

    assert OUTPUT.read_text(encoding="utf-8") == render(), "run: make guide-stories"


# --- The content file ------------------------------------------------------------------------------
def test_every_source_in_the_guide_is_in_the_knowledge_file() -> None:
    if not FACTS.exists():
        pytest.skip("../shared/knowledge/FACTS.md is not next to this checkout")
    facts = FACTS.read_text(encoding="utf-8")
    text = (REPO / "data" / "preparation_guide.yml").read_text(encoding="utf-8")
    urls = set(re.findall(r"https?://\S+", text))
    assert urls, "the guide cites no sources"
    assert not [url for url in urls if url not in facts]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("variant", [VARIANT_REHAB, VARIANT_OTHER])
def test_every_step_fills_its_placeholders(variant: str, language: str) -> None:
    municipality = get_municipality()
    guide = get_guide(language)
    for step in guide.steps:
        filled = municipality.fill(step.texts[variant], language)
        assert "{" not in filled and "}" not in filled, step.key
        assert len(filled) < 700, f"{step.key} is too long for one SMS-friendly message"
    assert [step.key for step in guide.steps] == list(EXPLANATION_SLOTS)
    assert [question.key for question in guide.questions] == list(QUESTION_SLOTS)


def test_the_english_guide_is_english_and_has_the_same_shape() -> None:
    danish, english = get_guide("da"), get_guide("en")
    assert english.intro != danish.intro
    for da_step, en_step in zip(danish.steps, english.steps, strict=True):
        assert en_step.key == da_step.key and en_step.sources == da_step.sources
        assert en_step.title != da_step.title
        assert (en_step.note is None) == (da_step.note is None)
    for da_question, en_question in zip(danish.questions, english.questions, strict=True):
        assert en_question.heading != da_question.heading
        assert len(en_question.answers) == len(da_question.answers)
    assert [item.short for item in english.checklist] == [item.short for item in danish.checklist]
    assert get_guide("fr") == danish  # anything but English is Danish


# --- In English: the same flow, English commands ----------------------------------------------------
ANSWERS_EN = [
    "That they listen.",
    "A few hours in a shop.",
    "stop sending me to work placements, it is hard",  # contains a command word: still an answer
    "Physiotherapy helped.",
    "When is my next meeting?",
    "Yes",
    "Interpreter",
]


def test_whole_guide_in_english_ends_after_review_and_consent() -> None:
    guide = Guide(**{CAN_SHARE_SLOT: True}).say_all(*["Next"] * 5, "Yes, help me", *ANSWERS_EN, "It is fine")
    assert guide.asked == SHARE_SLOT
    assert [guide.slots[name] for name in QUESTION_SLOTS] == ANSWERS_EN
    guide.say("Yes, send it")
    assert guide.asked is None and guide.slots[SHARE_SLOT] == YES


@pytest.mark.parametrize("word", ["stop", "Stop.", "STOP!", "stop the preparation", "quit"])
def test_english_stop_anywhere_ends_the_form(word: str) -> None:
    guide = Guide().say_all("next", "skip", "yes", "My answer", word)
    assert guide.asked is None and guide.slots[STATUS_SLOT] == STOPPED


@pytest.mark.parametrize("word", ["pause", "Pause", "take a break", "continue later", "wait"])
def test_english_pause_keeps_the_answers(word: str) -> None:
    guide = Guide().say_all("skip", "yes", "Answer 1", word)
    assert guide.asked is None and guide.slots[STATUS_SLOT] == PAUSED
    assert guide.slots[QUESTION_SLOTS[0]] == "Answer 1"


def test_english_skip_back_continue_and_next() -> None:
    guide = Guide().say_all("continue", "next", "Skip")
    assert [guide.slots[name] for name in EXPLANATION_SLOTS] == [SEEN, SEEN, SKIPPED, SKIPPED, SKIPPED]
    guide.say("No thanks")
    assert guide.asked is None and guide.slots[OFFER_SLOT] == NO
    guide = Guide().say_all("skip", "yes", "First answer", "next", "back")
    assert guide.slots[QUESTION_SLOTS[1]] is None and guide.asked == QUESTION_SLOTS[1]  # "next" skipped it
    guide.say("go back")
    assert guide.asked == QUESTION_SLOTS[0]
    assert Guide().say("back").hints == [hint_text("hint_first_step")]


def test_english_correcting_one_answer_from_the_review() -> None:
    guide = Guide().say_all("skip", "yes", *ANSWERS_EN, "Change an answer")
    assert guide.slots[CORRECTING_SLOT] is True
    guide.say("Change 3")
    assert guide.asked == QUESTION_SLOTS[2]
    guide.say("New answer").say("change an answer").say("Cancel")
    assert guide.asked == REVIEW_SLOT and guide.slots[CORRECTING_SLOT] is False
    guide.say("It's fine")
    assert guide.asked is None


def test_english_vague_answers_get_the_hint_named_by_the_flow() -> None:
    guide = Guide(**{CAN_SHARE_SLOT: True}).say_all("skip", "yes", *ANSWERS_EN, "ok")
    guide.say("maybe")
    assert guide.asked == SHARE_SLOT
    assert guide.hints[-1] == hint_text("hint_yes_no")
    assert hint_text("hint_yes_no", "en") == 'Answer "yes" or "no". You can also write "pause" or "stop".'


# Which command each quick-reply label must be (data/texts/actions.yml, `guide_buttons`).
BUTTON_COMMANDS = {
    "next": NEXT_WORDS,
    "skip": SKIP_WORDS,
    "stop": STOP_WORDS,
    "back": BACK_WORDS,
    "pause": PAUSE_WORDS,
    "offer_yes": YES_WORDS,
    "offer_no": NO_WORDS,
    "review_ok": REVIEW_OK_WORDS,
    "correct": CORRECT_WORDS,
    "cancel": CANCEL_WORDS,
    "share_yes": YES_WORDS,
    "share_no": NO_WORDS,
}


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_button_label_is_the_command_it_stands_for(language: str) -> None:
    labels = section("guide_buttons", language)
    assert set(BUTTON_COMMANDS) | {"correct_prefix", "resume"} == set(labels)
    for key, words in BUTTON_COMMANDS.items():
        assert normalise_command(labels[key]) in words, (language, key, labels[key])
    chosen = correction_choice(normalise_command(f"{labels['correct_prefix']} 3"))
    assert chosen == QUESTION_SLOTS[2]


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_hint_the_flow_names_exists_in_both_languages(language: str) -> None:
    for key in (HINT_EXPLANATION, HINT_YES_NO, HINT_REVIEW, HINT_CORRECT, HINT_FIRST_STEP):
        assert hint_text(key, language)


def test_apostrophes_are_dropped_from_commands() -> None:
    assert normalise_command("It's fine.") == "its fine"
    assert normalise_command("Don’t send it") == "dont send it"
