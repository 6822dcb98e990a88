"""Every citizen-facing text exists in Danish AND English, with the same placeholders,
and every English text can go by SMS as GSM.

A text in one language only fails here:
- domain.yml and the FAQ answers (data/nlu/faq_*.yml): each response has, per channel, as many
  English variations (`condition: slot language = en`) as Danish ones; a FAQ answer's English
  variation carries the same metadata (sources, checked, review_by);
- data/support.yml (its text sections), data/topic_titles.yml, data/preparation_guide.yml and
  data/texts/*.yml: every text is a Danish/English pair (core/bilingual.py), none one-sided;
- the municipality file has the English fields (core/municipality.py requires them).
The widget's own texts (data/widget_texts.yml) are checked in test_widget_texts.py.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from core.bilingual import ENGLISH, LANGUAGE_SLOT, is_pair, one_sided, pairs, texts_of
from core.municipality import get_municipality
from core.sms.encoding import is_gsm, normalise

ROOT = Path(__file__).resolve().parents[2]
RESPONSE_FILES = [ROOT / "domain.yml", *sorted((ROOT / "data" / "nlu").glob("faq_*.yml"))]
PAIR_FILES = [
    ROOT / "data" / "support.yml",
    ROOT / "data" / "topic_titles.yml",
    ROOT / "data" / "preparation_guide.yml",
    *sorted((ROOT / "data" / "texts").glob("*.yml")),
]
# Keys whose string values are not texts a citizen reads (or are word lists matched on messages).
# (`keyword`: the Danish word in imported case data that a role explanation is matched on)
NOT_TEXT_KEYS = {"key", "sources", "checked", "checklist_sources", "short", "review_by", "keyword"}
SUPPORT_WORD_LISTS = {"crisis_phrases", "distress_phrases", "worry_words"}
PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _is_english(variation: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "slot" and c.get("name") == LANGUAGE_SLOT and c.get("value") == ENGLISH
        for c in variation.get("condition") or []
    )


def _responses() -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    for path in RESPONSE_FILES:
        for name, variations in (_load(path).get("responses") or {}).items():
            yield path.name, name, variations


@pytest.mark.parametrize(("file", "name", "variations"), list(_responses()), ids=lambda v: str(v)[:40])
def test_every_response_in_both_languages(file: str, name: str, variations: list[dict[str, Any]]) -> None:
    danish = [v for v in variations if not v.get("condition")]
    english = [v for v in variations if _is_english(v)]
    assert len(danish) + len(english) == len(variations), f"{name}: a condition other than language"
    assert Counter(v.get("channel") for v in danish) == Counter(v.get("channel") for v in english), name
    for da, en in zip(danish, english, strict=True):
        assert da.get("metadata") == en.get("metadata"), f"{name}: English metadata differs"
        assert len(da.get("buttons") or []) == len(en.get("buttons") or []), f"{name}: buttons differ"
        assert set(PLACEHOLDER.findall(da.get("text") or "")) == set(
            PLACEHOLDER.findall(en.get("text") or "")
        )
        english_text = normalise(en.get("text") or "")
        assert is_gsm(english_text), f"{name}: English text is not GSM"


def _strings_outside_pairs(tree: Any, path: str = "") -> Iterator[str]:
    """Paths of string leaves that are not inside a Danish/English pair."""
    if is_pair(tree):
        return
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in NOT_TEXT_KEYS or key in SUPPORT_WORD_LISTS:
                continue
            yield from _strings_outside_pairs(value, f"{path}.{key}")
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _strings_outside_pairs(value, f"{path}[{index}]")
    elif isinstance(tree, str):
        yield path


@pytest.mark.parametrize("path", PAIR_FILES, ids=lambda p: p.name)
def test_every_text_is_a_pair(path: Path) -> None:
    tree = _load(path)
    assert list(one_sided(tree)) == []
    assert list(_strings_outside_pairs(tree)) == []
    texts = list(texts_of(tree))
    assert texts, f"{path.name} has no texts"


@pytest.mark.parametrize("path", PAIR_FILES, ids=lambda p: p.name)
def test_pairs_have_the_same_placeholders_and_english_is_gsm(path: Path) -> None:
    for pair in pairs(_load(path)):
        da, en = str(pair["da"]), str(pair["en"])
        assert set(PLACEHOLDER.findall(da)) == set(PLACEHOLDER.findall(en)), (da, en)
        assert en.strip() or not da.strip(), da  # both empty: deliberately nothing to say
        assert is_gsm(normalise(en)), en


def test_the_municipality_has_its_texts_in_english() -> None:
    municipality = get_municipality()
    for language in ("da", "en"):
        assert municipality.meeting_name_in(language)
        assert municipality.opening_hours_in(language)
        assert municipality.readers_in(language)
    assert municipality.meeting_name_in("en") != municipality.meeting_name_in("da")
    assert "call" in municipality.fill("{call_jobcenter}", "en")
    assert "ring" in municipality.fill("{call_jobcenter}", "da")
