"""Words of care (core/care.py, data/support.yml) and the crisis answer's shape.

The crisis words must be found in the ways citizens write them (misspelt, without æøå, inside
longer words), and must NOT turn ordinary questions into a crisis: every training example of
every other intent is checked. The crisis answer must be the same on web and SMS and fit in
three SMS segments, also with the guide's pause line after it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.rasa_plugins.sms.formatting import format_turn
from core.care import (
    all_texts,
    crisis_in,
    distress_in,
    fold,
    support_text,
    support_texts,
    worry_in,
)
from core.municipality import fill
from core.settings import REPO_ROOT
from core.sms.encoding import MAX_SEGMENTS

DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
CRISIS_RESPONSE = DOMAIN["responses"]["utter_crisis_support"]

# The brief's words and their misspellings (written here, not taken from the held-out sets).
CRISIS_MESSAGES = [
    "vil ikke leve mere",
    "selvmord",
    "gøre skade på mig selv",
    "selvmoord",
    "ha taenkt paa selvmord",
    "Jeg har SELVMORDSTANKER!!",
    "jeg vil gore skade paa mig selv",
    "nogle gange vil jeg bare ikke leve længere",
    "jeg har lyst til at dø",
    "jeg tænker på at tage mit eget liv før mødet",
]
DISTRESS_MESSAGES = [
    "jeg har det rigtig dårligt",
    "jeg kan ikke overskue det",
    "jeg er så bange",
    "mødet er på fredag og jeg har det rigtig dårligt",
    "kan ikke overskue noget",
]
NOT_CRISIS = [
    "jeg vil dog gerne vide hvor længe mødet varer",
    "hvad er et ressourceforløb",
    "må jeg tage min mor med",
    "hvornår dør ressourceforløb ud",  # "dør" alone is no crisis phrase
]


def _examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                found.append((block["intent"], line.strip()[2:]))
    return found


def test_fold_spells_danish_letters_and_doubled_letters_alike():
    assert fold("Gøre skade på mig selv!") == fold("gore skade paa mig selv") == "gore skade pa mig selv"
    assert fold("selvmoord") == fold("Selvmord") == "selvmord"
    assert fold("  jeg —  er   nervøs? ") == "jeg er nervos"


@pytest.mark.parametrize("text", CRISIS_MESSAGES)
def test_crisis_words_are_found_as_citizens_write_them(text: str):
    assert crisis_in(text)


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_ordinary_questions_are_no_crisis(text: str):
    assert not crisis_in(text)


def test_no_training_example_of_another_intent_is_read_as_crisis():
    wrongly = [
        (intent, text)
        for path in sorted((REPO_ROOT / "data" / "nlu").glob("*.yml"))
        for intent, text in _examples(path)
        if intent != "crisis" and crisis_in(text)
    ]
    assert wrongly == []


def test_every_crisis_training_example_is_also_caught_by_the_word_list():
    missed = [
        t for i, t in _examples(REPO_ROOT / "data" / "nlu" / "care.yml") if i == "crisis" and not crisis_in(t)
    ]
    # The word list is the deterministic net; the classifier learns the rest. Most must be in it.
    assert len(missed) <= 5, missed


@pytest.mark.parametrize("text", DISTRESS_MESSAGES)
def test_distress_words_are_found(text: str):
    assert distress_in(text)
    assert worry_in(text)


def test_worry_is_found_in_a_question_with_two_things_in_it():
    assert worry_in("jeg er nervøs — må jeg tage min mor med?")
    assert worry_in("jeg er nervoes, maa jeg tage min mor med")
    assert not worry_in("kan jeg tage min mor med til mødet")


def test_matching_on_as_written_and_normalised_text():
    assert crisis_in(None, "jeg vil ikke leve mere")
    assert crisis_in("jeg vil ikke leve mere", None)
    assert not crisis_in(None, None)


def test_every_support_text_fills_without_a_placeholder_left():
    for text in all_texts():
        filled = fill(text, name="Mette Holm", phone="70 11 22 33", checked="1. december 2026")
        assert "{" not in filled and "}" not in filled, text
        assert "**" not in filled and "#" not in filled  # no markdown: it is also an SMS


@pytest.mark.parametrize(("variation", "doctor"), [(0, "læge"), (1, "doctor")], ids=["da", "en"])
def test_the_crisis_answer_is_one_text_for_every_channel_with_the_lines_and_sources(variation, doctor):
    """One Danish and one English text (the conversation's language picks), on every channel."""
    assert len(CRISIS_RESPONSE) == 2 and all("channel" not in v for v in CRISIS_RESPONSE)
    assert "condition" not in CRISIS_RESPONSE[0] and CRISIS_RESPONSE[1]["condition"][0]["value"] == "en"
    assert "buttons" not in CRISIS_RESPONSE[variation]
    text = CRISIS_RESPONSE[variation]["text"]
    for needed in (
        "Livslinien",
        "70 201 201",
        "https://www.livslinien.dk",
        "112",
        doctor,
        "lægevagten",
        "https://www.sundhed.dk",
    ):
        assert needed in text
    assert text.index("70 201 201") < text.index("112")


@pytest.mark.parametrize(("variation", "language"), [(0, "da"), (1, "en")])
def test_the_crisis_answer_fits_three_sms_segments_also_inside_the_guide(variation, language):
    text = CRISIS_RESPONSE[variation]["text"]
    alone = format_turn([{"text": text}])
    assert alone.remainder is None and alone.message is not None
    assert alone.message.segments <= MAX_SEGMENTS
    paused = format_turn([{"text": text}, {"text": support_text("crisis_guide_paused", language)}])
    assert paused.message is not None and "70 201 201" in paused.message.text and "112" in paused.message.text
    assert paused.message.segments <= MAX_SEGMENTS


def test_the_distress_answer_offers_guide_caseworker_moving_and_livslinien():
    texts = support_texts("distress")
    joined = " ".join(fill(v) for v in texts.values())
    for needed in ("forberede", "sagsbehandler", "flytte", "Livslinien", "70 201 201"):
        assert needed in joined
