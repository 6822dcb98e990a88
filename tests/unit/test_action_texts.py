"""The texts in data/texts/*.yml (core.texts), and the action server's own: data/texts/actions.yml.

- Every text in every data/texts/*.yml file exists in Danish AND English (core.bilingual.one_sided),
  and a section name is used in one file only.
- In data/texts/actions.yml every citizen-facing string is a Danish/English pair; every English
  text is plain GSM/ASCII (a Danish term in brackets may keep æøå: "resource programme
  (ressourceforløb)"), has exactly its Danish text's placeholders, is no markdown, and is not
  much longer than its Danish text.
- Every key the actions ask for is in the file, in both languages (a typo fails here, not in
  front of a citizen).
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.bilingual import LANGUAGES, is_pair, one_sided
from core.sms.encoding import is_gsm
from core.texts import TEXTS_DIR, all_sections, section, text

REPO = Path(__file__).resolve().parents[2]
ACTIONS_TEXTS = TEXTS_DIR / "actions.yml"
ACTIONS_DIR = REPO / "actions"
# Strings in data/texts/actions.yml that are not texts but data: the Danish keyword a role is
# recognised by in the imported participant text.
NOT_TEXTS = {"keyword"}
# A Danish term in brackets, kept the first time an answer uses it (docs/english.md).
BRACKETED = re.compile(r"\s*\([^()]*\)")
# Characters an English text may have outside brackets: printable ASCII and line breaks.
PLAIN = re.compile(r"[\x20-\x7e\n]*")


def texts_files() -> list[Path]:
    return sorted(TEXTS_DIR.glob("*.yml"))


def loaded(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def pairs(tree: Any, path: str = "") -> Iterator[tuple[str, Mapping[str, str]]]:
    """(path, pair) for every Danish/English pair in `tree`."""
    if is_pair(tree):
        yield path, tree
    elif isinstance(tree, Mapping):
        for key, value in tree.items():
            yield from pairs(value, f"{path}.{key}" if path else str(key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from pairs(value, f"{path}[{index}]")


def loose_strings(tree: Any, path: str = "") -> Iterator[str]:
    """Paths of strings that are not inside a pair (and not listed in NOT_TEXTS)."""
    if is_pair(tree):
        return
    if isinstance(tree, Mapping):
        for key, value in tree.items():
            if key not in NOT_TEXTS:
                yield from loose_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from loose_strings(value, f"{path}[{index}]")
    elif isinstance(tree, str):
        yield path


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


ACTION_PAIRS = list(pairs(loaded(ACTIONS_TEXTS)))


# --- Every data/texts file ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", texts_files(), ids=lambda p: p.name)
def test_every_text_exists_in_danish_and_english(path: Path) -> None:
    assert list(one_sided(loaded(path))) == [], f"{path.name}: texts in one language only"


def test_a_section_name_is_used_in_one_file_only() -> None:
    seen: dict[str, str] = {}
    for path in texts_files():
        for name in loaded(path):
            assert name not in seen, f"section `{name}` is in {seen.get(name)} and {path.name}"
            seen[name] = path.name
    assert set(seen) == set(all_sections())


# --- data/texts/actions.yml ---------------------------------------------------------------------------
def test_the_action_texts_have_their_sections() -> None:
    expected = {"replies", "cases", "case_words", "reminder", "guide", "guide_buttons", "note"}
    assert expected == set(loaded(ACTIONS_TEXTS))
    assert len(ACTION_PAIRS) > 150


def test_every_action_text_is_a_pair() -> None:
    assert list(loose_strings(loaded(ACTIONS_TEXTS))) == []


@pytest.mark.parametrize(("path", "pair"), ACTION_PAIRS, ids=[p for p, _ in ACTION_PAIRS])
def test_english_is_plain_gsm_with_the_danish_placeholders(path: str, pair: Mapping[str, str]) -> None:
    danish, english = str(pair["da"]).strip(), str(pair["en"]).strip()
    assert placeholders(english) == placeholders(danish), path
    outside = BRACKETED.sub("", english)
    assert PLAIN.fullmatch(outside), f"{path}: not plain ASCII outside brackets: {english!r}"
    assert is_gsm(english), f"{path}: not GSM 03.38: {english!r}"
    words = re.sub(r"\{[^{}]*\}", "", english)  # placeholders may hold "_"
    assert not re.search(r"[*_#`]|\[.+\]\(", words), f"{path}: looks like markdown"
    assert bool(danish) == bool(english), path


@pytest.mark.parametrize(("path", "pair"), ACTION_PAIRS, ids=[p for p, _ in ACTION_PAIRS])
def test_english_is_not_much_longer_than_danish(path: str, pair: Mapping[str, str]) -> None:
    """It goes by SMS too (the exact budget is checked in test_sms_three_segments.py). A bracketed
    Danish term is not counted, and a short text may be a few words longer: English has no
    compound words ("tværfagligt møde" / "interdisciplinary meeting")."""
    danish, english = str(pair["da"]).strip(), BRACKETED.sub("", str(pair["en"]).strip())
    assert len(english) <= len(danish) * 1.1 + 15, f"{path}: {len(english)} > {len(danish)} + 10 %"


# --- Every key the actions ask for ----------------------------------------------------------------------
# Functions in actions/*.py whose first argument is a key of one section.
KEY_FUNCTIONS = {
    ("cases.py", "say"): "cases",
    ("cases.py", "case_button"): "cases",
    ("replies.py", "reply_text"): "replies",
    ("cases.py", "reply_text"): "replies",
    ("preparation.py", "reply_text"): "replies",
    ("preparation.py", "say"): "guide",
    ("preparation.py", "_button"): "guide_buttons",
    ("preparation.py", "button_label"): "guide_buttons",
    ("preparation_note.py", "note_word"): "note",
}


def asked_keys() -> Iterator[tuple[str, str, str]]:
    """(module, section, key) of every literal key the actions pass to a text function."""
    for path in sorted(ACTIONS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            node.targets[0].id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            first = node.args[0]
            literal = (
                first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            )
            if (path.name, name) in KEY_FUNCTIONS and literal is not None:
                yield path.name, KEY_FUNCTIONS[(path.name, name)], literal
            elif name == "text" and len(node.args) >= 2 and isinstance(node.args[0], ast.Name):
                second = node.args[1]
                if isinstance(second, ast.Constant) and isinstance(second.value, str):
                    yield path.name, constants[node.args[0].id], second.value


def test_every_key_the_actions_ask_for_is_there_in_both_languages() -> None:
    asked = list(asked_keys())
    assert len(asked) > 100, "the scan no longer finds the actions' keys"
    missing = []
    for module, section_name, key in asked:
        for language in LANGUAGES:
            try:
                text(section_name, key, language)
            except KeyError:
                missing.append(f"{module}: {section_name}.{key} ({language})")
    assert missing == []


def test_the_hints_the_flow_names_are_guide_texts() -> None:
    from actions import preparation_flow

    hints = [value for name, value in vars(preparation_flow).items() if name.startswith("HINT_")]
    assert len(hints) == 5
    for language in LANGUAGES:
        assert all(text("guide", key, language) for key in hints)


def test_case_words_cover_every_meaning_of_the_vocabulary() -> None:
    from actions.wording import CASE_KIND_KEYS, MEETING_KIND_KEYS, STATUS_KEYS
    from core.vocabulary import CASE_KINDS, CASE_STATUSES, MEETING_KINDS

    assert set(CASE_KIND_KEYS) == set(CASE_KINDS)
    assert set(STATUS_KEYS) == set(CASE_STATUSES)
    assert set(MEETING_KIND_KEYS) == set(MEETING_KINDS)
    for language in LANGUAGES:
        words = section("case_words", language)
        assert {*CASE_KIND_KEYS.values(), "unknown"} == set(words["case_kinds"])
        assert {*STATUS_KEYS.values(), "unknown"} == set(words["statuses"])
        assert set(words["ressourceforloeb_statuses"]) <= set(STATUS_KEYS.values())
        assert {*MEETING_KIND_KEYS.values(), "unknown"} == set(words["meeting_kinds"])
