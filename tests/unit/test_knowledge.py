"""Every answer rests on the knowledge files, and every number it states has a row in the facts table.

- Sources: every URL an FAQ answer or a guide step cites is a page the knowledge files
  (../shared/knowledge/*.md: FACTS.md and every FACTS-review file) cite, or a full address listed
  in data/knowledge_sources.yml for a page a knowledge file names by domain or path only (its
  `named_as` must be in that file word for word).
- Facts table (docs/knowledge.md): every number expression in an FAQ answer or a guide step (a
  date, a year, an amount in kr., a duration or deadline, an age limit, a percentage, a section
  of a law, a distance) appears in the "As written" column of a row that lists that answer
  ("forloeb_varighed", or "guide:<step key>"). Phone numbers and opening hours come from the
  municipality settings and are not claims; they do not match these patterns.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from core.bilingual import resolve

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO.parent / "shared" / "knowledge"
FACTS_TABLE = REPO / "docs" / "knowledge.md"
MONTHS = "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"
NUMBER_PATTERNS = (
    rf"\d{{1,2}}\. (?:{MONTHS})(?: \d{{4}})?",  # 1. februar 2026
    r"(?<![\d.])(?:19|20)\d{2}(?![\d.])",  # 2022
    r"\d[\d.]*(?:,\d+)? kr\.?",  # 16.382 kr.
    r"\d+(?:-\d+)? (?:år|uger|uge|måneder|måned|dage|arbejdsdage|timer|minutter|km)\b",  # 3 år, 1-5 år
    r"(?:under|over) \d+",  # under 40
    r"\d+ procent|\d+ ?%",
    r"§ ?\d+(?: [a-z]\b)?",
)


def _normalised(url: str) -> str:
    url = re.sub(r"^https?://", "", url.strip().rstrip("/"))
    return url.removeprefix("www.").lower()


def knowledge_texts() -> dict[str, str]:
    if not KNOWLEDGE.exists():
        pytest.skip("../shared/knowledge/ is not next to this checkout")
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(KNOWLEDGE.glob("*.md"))}


def faq_responses() -> dict[str, dict]:
    found = {}
    for path in sorted((REPO / "data" / "nlu").glob("faq_*.yml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (loaded.get("responses") or {}).items():
            found[name.removeprefix("utter_faq/")] = variations[0]
    return found


def guide_steps() -> dict[str, dict]:
    guide = yaml.safe_load((REPO / "data" / "preparation_guide.yml").read_text(encoding="utf-8"))
    return {f"guide:{step['key']}": step for step in guide["steps"]}


def cited_sources() -> dict[str, list[str]]:
    """URL -> the answers that cite it."""
    cited: dict[str, list[str]] = {}
    for key, answer in faq_responses().items():
        for url in (answer.get("metadata") or {}).get("sources") or []:
            cited.setdefault(url, []).append(key)
    for key, step in guide_steps().items():
        for url in step.get("sources") or []:
            cited.setdefault(url, []).append(key)
    return cited


def test_every_source_is_cited_by_the_knowledge_files() -> None:
    texts = knowledge_texts()
    everything = "\n".join(texts.values())
    plain = {_normalised(u) for u in re.findall(r"https?://[^\s)>\]]+", everything)}
    listed = yaml.safe_load((REPO / "data" / "knowledge_sources.yml").read_text(encoding="utf-8")) or []
    bridged = set()
    for item in listed:
        assert item["named_in"] in texts, f"{item['url']}: no knowledge file {item['named_in']}"
        assert item["named_as"] in texts[item["named_in"]], (
            f"{item['url']}: not named so in {item['named_in']}"
        )
        bridged.add(_normalised(item["url"]))
    missing = {url: keys for url, keys in cited_sources().items() if _normalised(url) not in plain | bridged}
    assert missing == {}


def test_every_answer_has_sources_and_a_check_date() -> None:
    for key, answer in faq_responses().items():
        metadata = answer.get("metadata") or {}
        assert metadata.get("sources"), key
        assert metadata.get("checked"), key


def facts_rows() -> list[tuple[set[str], set[str]]]:
    """(as written, answers) of every row of the facts table."""
    rows = []
    for line in FACTS_TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or cells[0] in ("Claim", "") or set(cells[0]) <= {"-", ":"}:
            continue
        written = {w.strip().strip("`") for w in cells[1].split("·") if w.strip()}
        answers = {a.strip().strip("`") for a in re.split(r"[,;]", cells[2]) if a.strip()}
        rows.append((written, answers))
    return rows


def number_expressions(text: str) -> set[str]:
    found = set()
    for pattern in NUMBER_PATTERNS:
        found |= {m.group(0).strip() for m in re.finditer(pattern, text)}
    return found


def test_every_number_in_an_answer_has_a_row_in_the_facts_table() -> None:
    rows = facts_rows()
    assert rows, "docs/knowledge.md has no facts table"
    texts = {key: str(answer["text"]) for key, answer in faq_responses().items()}
    for key, step in guide_steps().items():
        danish = resolve(step, "da")  # the English renders the Danish: see the next test
        texts[key] = " ".join([*(danish.get("text") or {}).values(), str(danish.get("note") or "")])
    missing = {}
    for key, text in texts.items():
        for expression in number_expressions(text):
            covered = any(
                key in answers and any(expression in written or written in expression for written in writtens)
                for writtens, answers in rows
            )
            if not covered:
                missing.setdefault(key, []).append(expression)
    assert missing == {}


def _digits(text: str) -> list[str]:
    """The numbers in a text, as digits only ("16.382" and "16,382" both "16382"), sorted."""
    return sorted(re.sub(r"[.,]", "", n) for n in re.findall(r"\d[\d.,]*\d|\d", text))


def test_every_english_answer_has_the_numbers_of_its_danish_answer() -> None:
    """An English answer renders its Danish one: the same numbers (amounts, years, sections,
    phone numbers), nothing more and nothing left out."""
    different = {}
    for path in sorted((REPO / "data" / "nlu").glob("faq_*.yml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (loaded.get("responses") or {}).items():
            danish = [v for v in variations if not v.get("condition")]
            english = [v for v in variations if v.get("condition")]
            for da, en in zip(danish, english, strict=True):
                if _digits(da["text"]) != _digits(en["text"]):
                    different[name] = (_digits(da["text"]), _digits(en["text"]))
    for key, step in guide_steps().items():
        for language_pair in [*(step.get("text") or {}).values(), step.get("note")]:
            if isinstance(language_pair, dict) and _digits(language_pair["da"]) != _digits(
                language_pair["en"]
            ):
                different[key] = (_digits(language_pair["da"]), _digits(language_pair["en"]))
    assert different == {}


def test_the_number_patterns_find_what_the_table_is_for() -> None:
    text = "Fra 1. februar 2026 højst 3 år; under 40 år; 16.382 kr.; 55 procent; § 8; 7 arbejdsdage; 24 km"
    found = number_expressions(text)
    for expected in (
        "1. februar 2026",
        "3 år",
        "under 40",
        "16.382 kr.",
        "55 procent",
        "§ 8",
        "7 arbejdsdage",
        "24 km",
    ):
        assert expected in found
