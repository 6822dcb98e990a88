"""The assistant's topics, labelled examples and corrections as Rasa NLU training data.

Owns `labelled_examples()` (the messages of an NLU file with their labels, for the development
and held-out sets: `examples` as Rasa's block or as a list with metadata), `known_topics()` (what
a caseworker may pick as the right topic of a misunderstood message: the domain's intents and
every FAQ answer key `faq/<key>` from data/nlu/*.yml, without the fallback and the payload-only
intents) and `corrections_yaml()` (the corrections as an NLU file that `rasa data validate`
accepts: one `intent:` block per topic, examples on one line each, brackets removed so Rasa never
reads them as entity annotations, the masking placeholders as plain words, and nothing that is
already a training example).

Must not: import Rasa (it reads the YAML files itself), or write files (the CLI does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from core.privacy import CPR_PLACEHOLDER, PHONE_PLACEHOLDER, mask_text
from core.settings import REPO_ROOT

DOMAIN_FILE = REPO_ROOT / "domain.yml"
NLU_DIR = REPO_ROOT / "data" / "nlu"
# Not topics a message can be corrected to: the fallback, the retrieval intent itself, and the
# "Mente du …?" buttons' intents, which are only ever sent as payloads (core/clarification.py).
NOT_TOPICS = frozenset({"nlu_fallback", "faq", "faq_pick", "clarify_none"})
MAX_EXAMPLE_CHARS = 500


@dataclass(frozen=True)
class LabelledExample:
    """One message of an NLU file: its text, its label (intent or `faq/<key>`), its style."""

    text: str
    label: str
    style: str = ""


def labelled_examples(path: Path) -> list[LabelledExample]:
    """Every message of the NLU file `path`, in file order."""
    found = []
    for block in _yaml(path).get("nlu") or []:
        label, examples = block.get("intent"), block.get("examples") or []
        if isinstance(examples, str):
            lines = [line.strip() for line in examples.splitlines()]
            examples = [{"text": line[2:]} for line in lines if line.startswith("- ")]
        for example in examples:
            text = str((example or {}).get("text", "")).strip()
            style = ((example or {}).get("metadata") or {}).get("style", "")
            if text and label:
                found.append(LabelledExample(text, str(label), str(style)))
    return found


def _yaml(path: Path) -> dict:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


@lru_cache(maxsize=1)
def known_topics() -> tuple[str, ...]:
    """The intents of domain.yml and the FAQ keys (`faq/<key>`), sorted; no fallback."""
    intents = {i if isinstance(i, str) else next(iter(i)) for i in _yaml(DOMAIN_FILE).get("intents", [])}
    faq: set[str] = set()
    for path in sorted(NLU_DIR.glob("*.yml")):
        for name in (_yaml(path).get("responses") or {}).keys():
            if isinstance(name, str) and name.startswith("utter_faq/"):
                faq.add(name.removeprefix("utter_"))
    return tuple(sorted((intents - NOT_TOPICS) | faq))


@lru_cache(maxsize=1)
def existing_examples() -> frozenset[str]:
    """Every training example already in data/nlu (normalised), so an export never repeats one."""
    found: set[str] = set()
    for path in sorted(NLU_DIR.glob("*.yml")):
        for block in _yaml(path).get("nlu") or []:
            text = block.get("examples") if isinstance(block, dict) else None
            if isinstance(text, str):
                found.update(_normalised(line.lstrip("- ")) for line in text.splitlines() if line.strip())
    return frozenset(found)


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def training_example(text: str) -> str:
    """A citizen message as a one-line training example (masked, no entity brackets)."""
    cleaned = mask_text(text)
    cleaned = cleaned.replace(CPR_PLACEHOLDER, "mit cpr-nummer").replace(
        PHONE_PLACEHOLDER, "mit telefonnummer"
    )
    cleaned = re.sub(r"[\[\]{}()\"\\]", " ", cleaned)
    cleaned = " ".join(cleaned.split())[:MAX_EXAMPLE_CHARS]
    return cleaned.lstrip("-#>*&!|%@` ").strip()


def corrections_yaml(corrections: Iterable[tuple[str, str]]) -> tuple[str, int]:
    """(topic, message) pairs as Rasa NLU YAML; also how many examples it holds."""
    topics = set(known_topics())
    seen = set(existing_examples())
    by_topic: dict[str, list[str]] = {}
    for topic, message in corrections:
        example = training_example(message)
        key = _normalised(example)
        if topic not in topics or not example or key in seen:
            continue
        seen.add(key)
        by_topic.setdefault(topic, []).append(example)
    lines = [
        "# Corrections from the review app (python -m bot export-corrections).",
        "# Citizens' own words for the topics the assistant misunderstood; masked, reviewed by caseworkers.",
        'version: "3.1"',
        "nlu:",
    ]
    for topic in sorted(by_topic):
        lines.append(f"- intent: {topic}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in by_topic[topic])
    if not by_topic:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n", sum(len(v) for v in by_topic.values())
