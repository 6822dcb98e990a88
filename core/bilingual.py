"""Danish and English texts kept side by side in the data files, and how one is picked.

A citizen-facing text in a data file (data/support.yml, data/preparation_guide.yml,
data/topic_titles.yml, data/texts.yml, ...) is a *pair*: a mapping with exactly the keys `da`
and `en`, e.g.

    see_also:
      da: "Se også:"
      en: "See also:"

`resolve(tree, language)` replaces every pair in a loaded YAML tree by its text in `language`
(anything else is returned as it is); `one_sided(tree)` lists the places where a text exists in
one language only (a mapping with `da` but not `en`, or the other way round), for the test that
keeps both languages complete. Domain responses use Rasa's own conditional variations instead
(`condition: [{type: slot, name: language, value: en}]`, see domain.yml).

Owns the language codes (`DANISH`, `ENGLISH`, `LANGUAGES`) and `normalise()` (anything unknown
is Danish, the default). Must not: detect a language (bot.rasa_plugins.language does) or know any text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

DANISH = "da"
ENGLISH = "en"
LANGUAGES = (DANISH, ENGLISH)
# The name of the conversation's language slot (domain.yml) and of the message metadata key the
# web widget sends with every message (the language its labels are shown in).
LANGUAGE_SLOT = "language"


def normalise(language: Any) -> str:
    """ "en" for English (also "en-GB", "EN"), otherwise Danish, the default."""
    if isinstance(language, str) and language.strip().lower().split("-")[0] == ENGLISH:
        return ENGLISH
    return DANISH


def is_pair(value: Any) -> bool:
    """True for a mapping that holds a text in each language and nothing else."""
    return isinstance(value, Mapping) and set(value) == set(LANGUAGES)


def pick(value: Any, language: str) -> Any:
    """The text of a pair in `language`; anything that is not a pair as it is."""
    if is_pair(value):
        return value[normalise(language)]
    return value


def resolve(tree: Any, language: str) -> Any:
    """A copy of `tree` with every pair replaced by its text in `language`."""
    if is_pair(tree):
        return tree[normalise(language)]
    if isinstance(tree, Mapping):
        return {key: resolve(value, language) for key, value in tree.items()}
    if isinstance(tree, list):
        return [resolve(value, language) for value in tree]
    return tree


def one_sided(tree: Any, path: str = "") -> Iterator[str]:
    """The paths of mappings that hold a text in only one of the languages (should be none)."""
    if isinstance(tree, Mapping):
        keys = set(tree)
        if keys & set(LANGUAGES) and not is_pair(tree):
            yield path or "(top)"
            return
        for key, value in tree.items():
            yield from one_sided(value, f"{path}.{key}" if path else str(key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from one_sided(value, f"{path}[{index}]")


def pairs(tree: Any) -> Iterator[Mapping[str, Any]]:
    """Every Danish/English pair in `tree`, in file order."""
    if is_pair(tree):
        yield tree
    elif isinstance(tree, Mapping):
        for value in tree.values():
            yield from pairs(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from pairs(value)


def texts_of(tree: Any) -> Iterator[tuple[str, str]]:
    """(language, text) of every pair in `tree`, for tests that check both languages' texts."""
    for pair in pairs(tree):
        for language in LANGUAGES:
            yield language, pair[language]
