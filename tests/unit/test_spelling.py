"""Danish spelling normalisation: æøå restored, abbreviations expanded, typos fixed, no guessing."""

import pytest

from bot.rasa_plugins.nlu.spelling import DanishSpelling, domain_vocabulary, fold_key, general_lexicon

REFERENCE = [
    "Et ressourceforløb kan højst vare 3 år. Mødet med rehabiliteringsteamet varer ca. en halv time.",
    "Din koordinerende sagsbehandler hjælper dig. Ressourceforløbsydelsen er skattepligtig.",
    "Hvornår får jeg svar? Du kan tage en bisidder med til mødet. Kommunen træffer afgørelsen.",
    "for før møde",
]
EXAMPLES = ["hvor lang tid varer mit ressourceforlob", "hvornaar er modet", "mode med teamet"]


@pytest.fixture(scope="module")
def spelling() -> DanishSpelling:
    return DanishSpelling(domain_vocabulary(REFERENCE, EXAMPLES))


def test_fold_key_joins_the_common_spellings():
    assert fold_key("forløb") == fold_key("forloeb") == fold_key("forlob") == "forlob"
    assert fold_key("hvornår") == fold_key("hvornaar") == fold_key("hvornar")
    assert fold_key("Ægtefælle") == fold_key("aegtefaelle")


def test_the_general_lexicon_is_real_danish():
    lexicon = general_lexicon()
    assert len(lexicon) > 100_000
    assert {"møde", "sagsbehandler", "hvornår"} <= lexicon


def test_training_examples_do_not_teach_misspellings(spelling):
    # "ressourceforlob" and "hvornaar" come from citizens' examples: not domain words
    assert "ressourceforlob" not in spelling.domain
    # "mode" is a real Danish word but written here for "møde": not a domain word either
    assert "mode" not in spelling.domain
    assert "ressourceforløb" in spelling.domain


@pytest.mark.parametrize(
    "written, expected",
    [
        ("ressourceforlob", "ressourceforløb"),
        ("ressourceforloeb", "ressourceforløb"),
        ("hvornaar", "hvornår"),
        ("hvornar", "hvornår"),
        ("moedet", "mødet"),
        ("mode", "møde"),
        ("aar", "år"),
        ("rehab", "rehabiliteringsteam"),
        ("sagsbeh.", "sagsbehandler"),
        ("rf", "ressourceforløb"),
        ("ressoureforløb", "ressourceforløb"),  # one letter missing
        ("sagsbehanlder", "sagsbehandler"),  # two letters swapped
        ("rehabiliteringstemaet", "rehabiliteringsteamet"),
    ],
)
def test_tokens_are_normalised(spelling, written, expected):
    assert spelling.normalise_token(written) == expected


def test_known_and_ambiguous_words_are_left_alone(spelling):
    assert spelling.normalise_token("for") == "for"  # both "for" and "før" are domain words
    assert spelling.normalise_token("kat") == "kat"  # ordinary Danish word
    assert spelling.normalise_token("xqzpt") == "xqzpt"  # unknown, nothing close
    assert spelling.normalise_token("2026") == "2026"


def test_a_whole_message(spelling):
    assert spelling.normalise("Hvornaar er modet med rehab?") == "hvornår er mødet med rehabiliteringsteam ?"


def test_unknown_words_are_counted_for_the_gibberish_fallback(spelling):
    assert spelling.normalise_and_count_unknown("xqzv blorp fnask") == ("xqzv blorp fnask", 3, 3)
    _, words, unknown = spelling.normalise_and_count_unknown("hvornaar er modet med kommunen")
    assert (words, unknown) == (5, 0)


def test_a_very_long_word_costs_linear_time_not_quadratic() -> None:
    """One 2 MB "word" made the typo search copy it two million times."""
    import time

    spelling = DanishSpelling(["ressourceforløb", "sagsbehandler"], ["hej"])
    assert spelling.max_typo_length == len("ressourceforløb") + 1
    started = time.perf_counter()
    assert spelling.normalise("a" * 200_000) == "a" * 200_000
    assert time.perf_counter() - started < 1.0  # quadratic: minutes
    # the bound changes nothing for words that can be one edit away
    assert spelling.normalise("ressourceforloeb ressoureforløb") == "ressourceforløb ressourceforløb"


def test_the_nlu_sees_at_most_max_nlu_tokens_of_a_message() -> None:
    from bot.rasa_plugins.nlu.components import bounded_tokens
    from core.limits import MAX_NLU_TOKENS

    words = [f"w{i}" for i in range(1000)]
    kept = bounded_tokens(" ".join(words)).split(" ")
    assert len(kept) == MAX_NLU_TOKENS
    assert kept[0] == "w0" and kept[-1] == "w999"  # the question at the end is kept
    assert bounded_tokens("hej med dig") == "hej med dig"
