"""The meeting-preparation guide's content in one language, loaded from `data/preparation_guide.yml`.

Owns reading and checking that file (steps, questions, checklist, sources). Every text in it is a
Danish/English pair (core.bilingual); `get_guide(language)` resolves the pairs to one language
("da", the default, or "en") with `core.bilingual.resolve` and checks the result. The
municipality's own words are filled in with `Municipality.fill(template, language)`
(`core.municipality`). The flow (which step comes next) is `actions.preparation_flow`; the
note is `actions.preparation_note`; the guide's own sentences around the content are in
data/texts/actions.yml (`guide`).

Must not: contain answer texts itself (they live in the data file, next to their sources), or
know about Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from core.bilingual import DANISH, normalise, resolve
from core.municipality import Municipality
from core.settings import DATA_DIR

GUIDE_FILE = DATA_DIR / "preparation_guide.yml"
VARIANT_REHAB = "rehab"
VARIANT_OTHER = "other"


@dataclass(frozen=True)
class Step:
    """One explanation step: a title, a text per variant, an optional note, and sources."""

    key: str
    title: str
    texts: dict[str, str]
    note: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """One question about the citizen's own words; `heading` is used in the note."""

    key: str
    heading: str
    question: str
    answers: tuple[str, ...]  # suggested quick answers shown as buttons


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    short: bool


@dataclass(frozen=True)
class Guide:
    intro: str
    steps: tuple[Step, ...]
    offer: str
    questions: tuple[Question, ...]
    checklist: tuple[ChecklistItem, ...]

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)

    def question(self, key: str) -> Question:
        return next(question for question in self.questions if question.key == key)


class GuideFileError(ValueError):
    """The guide file is missing something the flow needs."""


def _require(mapping: Any, key: str, where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise GuideFileError(f"{GUIDE_FILE.name}: {where}.{key} mangler")
    return mapping[key]


def parse_guide(raw: Any) -> Guide:
    """Build a `Guide` from the YAML structure; every step and question needs text and keys."""
    steps = []
    for index, item in enumerate(_require(raw, "steps", "$")):
        where = f"steps[{index}]"
        texts = _require(item, "text", where)
        for variant in (VARIANT_REHAB, VARIANT_OTHER):
            _require(texts, variant, f"{where}.text")
        sources = tuple(_require(item, "sources", where))
        steps.append(
            Step(
                key=_require(item, "key", where),
                title=_require(item, "title", where),
                texts={variant: str(texts[variant]).strip() for variant in (VARIANT_REHAB, VARIANT_OTHER)},
                note=(str(item["note"]).strip() if item.get("note") else None),
                sources=sources,
            )
        )
    questions = []
    for index, item in enumerate(_require(raw, "questions", "$")):
        where = f"questions[{index}]"
        questions.append(
            Question(
                key=_require(item, "key", where),
                heading=_require(item, "heading", where),
                question=_require(item, "question", where),
                answers=tuple(str(answer) for answer in item.get("answers") or ()),
            )
        )
    checklist = tuple(
        ChecklistItem(text=str(_require(item, "text", f"checklist[{i}]")), short=bool(item.get("short")))
        for i, item in enumerate(_require(raw, "checklist", "$"))
    )
    return Guide(
        intro=str(_require(raw, "intro", "$")).strip(),
        steps=tuple(steps),
        offer=str(_require(raw, "offer", "$")).strip(),
        questions=tuple(questions),
        checklist=checklist,
    )


@lru_cache(maxsize=1)
def raw_guide() -> Any:
    """The guide file as loaded (pairs not yet resolved), read once per process."""
    return yaml.safe_load(GUIDE_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _guide_in(language: str) -> Guide:
    return parse_guide(resolve(raw_guide(), language))


def get_guide(language: str = DANISH) -> Guide:
    """The guide content in `language` (Danish unless "en")."""
    return _guide_in(normalise(language))


def variant_for(municipality: Municipality) -> str:
    return VARIANT_REHAB if municipality.holds_rehabiliteringsteam else VARIANT_OTHER
