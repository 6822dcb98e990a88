"""Which language a message is in (bot/rasa_plugins/language.py) and what the NLU does with it.

Danish stays the default: a message the detector cannot tell leaves the conversation as it is,
and no message of the Danish held-out sets (other than those written in English, style
`english_mix`) reads as English. English is never "corrected" into Danish ("more" is not "mere").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.rasa_plugins.language import detect, other_crisis, other_languages, other_texts
from bot.rasa_plugins.nlu.spelling import DanishSpelling
from core.bilingual import DANISH, ENGLISH
from core.training_data import labelled_examples

ROOT = Path(__file__).resolve().parents[2]
DANISH_SETS = ["tests/nlu/holdout.yml", "tests/nlu/citizen_voice.yml", "tests/nlu/fresh_voice.yml"]


@pytest.mark.parametrize(
    "text",
    [
        "Can I bring a friend to the meeting?",
        "how long is ressourceforløb",
        "can i bring bisidder til mødet",  # Danish words citizens meet in letters do not count
        "hello",
        "next meeting?",
        "who is my caseworker",
        "i dont want to live anymore",
        "what is rehabiliteringsteam and who is coming",
        "i not understand letter from kommune",
    ],
)
def test_english(text: str) -> None:
    assert detect(text).language == ENGLISH


@pytest.mark.parametrize(
    "text",
    [
        "må jeg tage min mor med til mødet",
        "hvornår er mit næste møde",
        "jeg er helt stressed out",  # English loan words in a Danish sentence
        "ska a betal skat a æ ydelse",  # jysk: "a" is "jeg"
        "MERE",
        "kan jeg få hjælp til mødet",
        "hej",
    ],
)
def test_danish(text: str) -> None:
    assert detect(text).language == DANISH


@pytest.mark.parametrize(
    "text", ["ok", "1", "", "   ", '/faq_pick{"topic":"faq/ret_bisidder"}', "😀", "ok ok"]
)
def test_cannot_tell_keeps_the_conversation_language(text: str) -> None:
    assert detect(text).language is None and detect(text).switch is None


@pytest.mark.parametrize(
    ("text", "switch"),
    [
        ("in English please", ENGLISH),
        ("ENGLISH", ENGLISH),
        ("engelsk", ENGLISH),
        ("kan du skrive på engelsk?", ENGLISH),
        ("på dansk tak", DANISH),
        ("DANSK", DANISH),
        ("can you answer in danish", DANISH),
    ],
)
def test_switch_words(text: str, switch: str) -> None:
    assert detect(text).switch == switch


def test_danish_is_not_a_switch_inside_a_sentence() -> None:
    assert detect("jeg taler godt dansk men forstår ikke brevet om mit møde").switch is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("مرحبا هل يمكنني الحصول على مساعدة", "ar"),
        ("Привіт, мені потрібна допомога", "uk"),
        ("Здравствуйте, мне нужна помощь", "ru"),
        ("Merhaba, toplantı için yardım istiyorum", "tr"),
        ("Dzień dobry, potrzebuję pomocy", "pl"),
        ("Salaan, waxaan rabaa caawimaad", "so"),
        ("Hallo, ich brauche Hilfe mit meinem Termin", "de"),
        ("ሰላም እንታይ እዩ", "other"),  # a script we cannot tell the language of: the fallback text
    ],
)
def test_other_languages(text: str, code: str) -> None:
    found = detect(text)
    assert found.language == code and found.is_other
    assert "{phone}" in other_texts(found.language)["reply"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("أريد أن أنتحر", "ar"),
        ("chcę umrzeć", "pl"),
        ("хочу померти", "uk"),
        ("intihar etmek istiyorum", "tr"),
    ],
)
def test_crisis_words_in_other_languages(text: str, code: str) -> None:
    assert other_crisis(text) == code
    reply = other_texts(code)["crisis_reply"]
    assert "112" in reply and "70 201 201" in reply


def test_every_other_language_has_both_replies_with_112_and_livslinien() -> None:
    assert len(other_languages()) >= 10
    for code in [*other_languages(), "unknown"]:
        texts = other_texts(code)
        assert "{jobcenter}" in texts["reply"] and "{phone}" in texts["reply"], code
        assert "112" in texts["crisis_reply"] and "70 201 201" in texts["crisis_reply"], code


def test_no_danish_crisis_words_read_as_other_language_crisis() -> None:
    for text in ["jeg vil dø", "jeg har selvmordstanker", "kan jeg tage min mor med"]:
        assert other_crisis(text) is None


@pytest.mark.parametrize("path", DANISH_SETS)
def test_no_danish_held_out_message_reads_as_english(path: str) -> None:
    """The gate behind "nothing changes for a Danish message": only messages written in English
    (style english_mix) may be answered in English."""
    english = [
        e.text
        for e in labelled_examples(ROOT / path)
        if e.style != "english_mix" and detect(e.text).language not in (DANISH, None)
    ]
    assert english == []


def test_the_normaliser_does_not_correct_english() -> None:
    spelling = DanishSpelling({"mere", "møde", "mødet", "ressourceforløb", "hvad", "mor"})
    assert (
        spelling.normalise("can you tell me more about the meeting")
        == "can you tell me more about the meeting"
    )
    assert "mere" not in spelling.normalise("more please, what does it mean")
    # Danish is normalised as before
    assert spelling.normalise("hvad er et ressourceforlob") == "hvad er et ressourceforløb"


def test_languages_file_has_no_word_in_both_lists() -> None:
    data = yaml.safe_load((ROOT / "data" / "languages.yml").read_text(encoding="utf-8"))
    assert set(data["english"]) & set(data["danish"]) == set()
    neutral = {w for w in data["neutral"] if not w.endswith("*")}
    assert neutral & (set(data["english"]) | set(data["danish"])) == set()
