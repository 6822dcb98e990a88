""" "Mente du …?": which topics to offer when the NLU is unsure, and the buttons that offer them.

Owns the candidate rules (pure functions, no Rasa):

- `candidates(parse_data)`: at most MAX_CANDIDATES `Candidate`s, best first. The NLU's own list
  `clarification_candidates` wins when the parse data has it (the contract with the NLU branch:
  `[{"label": "faq/<topic>" or intent, "confidence": float}]`, best first, empty = nothing worth
  offering). Without it they are built from `intent_ranking` and the FAQ response selector's
  ranking: a FAQ topic scores P(faq) x P(topic | faq), an intent its own confidence; below
  MIN_CONFIDENCE nothing is offered. Only topics with a title (data/topic_titles.yml) are ever
  offered, so the fallback, small talk, crisis words or "delete my note" never become a button.
- `button_for(candidate)`: the button, titled for citizens; its payload is a Rasa `/intent`
  payload that works in the web widget and, numbered, over SMS (bot/rasa_plugins/sms/replies.py).
- `topic_from_entities(entities)`: the FAQ topic a `faq_pick` payload names, only if it is a
  known topic; every other entity (an identity, say) is ignored.

Must not: import Rasa, rasa-sdk or an app; read the citizen's identity; answer anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from core.bilingual import DANISH, pick
from core.settings import REPO_ROOT

TITLES_FILE = REPO_ROOT / "data" / "topic_titles.yml"
MAX_CANDIDATES = 3
# The floor under which a guess is not worth a button (on the scale of the NLU's confidences).
MIN_CONFIDENCE = 0.1
CANDIDATES_KEY = "clarification_candidates"
# What the NLU decided for a message (core/answer_decision.py), the topics offered under an answer
# ("Se også"), the words that name a turn's topic (for the next turn's follow-up) and the entity
# that says which part of a case answer was asked for ("place", "time", "participants", "contact").
DECISION_KEY = "answer_decision"
SEE_ALSO_KEY = "see_also"
TOPIC_TEXT_KEY = "topic_text"
ASPECT_ENTITY = "aspect"
# "Mente du …?" needs at least two topics to choose between.
MIN_ASKED = 2
FAQ_INTENT = "faq"
FAQ_PREFIX = "faq/"
PICK_INTENT = "faq_pick"
NONE_INTENT = "clarify_none"
HANDOFF_INTENT = "human_handoff"
TOPIC_ENTITY = "topic"
# Never offered, whatever the titles file says.
NEVER_OFFERED = frozenset(
    {
        "nlu_fallback",
        "greet",
        "goodbye",
        "thank",
        "out_of_scope",
        "crisis",
        "distress",
        "faq",
        PICK_INTENT,
        NONE_INTENT,
        HANDOFF_INTENT,
        "withdraw_note",
        "EXTERNAL_meeting_reminder",
    }
)


@dataclass(frozen=True)
class Candidate:
    """A topic worth offering: `faq/<key>` or an intent name, and how sure the NLU was."""

    label: str
    confidence: float

    @property
    def is_faq(self) -> bool:
        return self.label.startswith(FAQ_PREFIX)


@dataclass(frozen=True)
class Titles:
    """Citizen-readable titles: FAQ topics (`faq/<key>`) and the intents that may be offered."""

    faq: Mapping[str, Any]
    intents: Mapping[str, Any]

    def title(self, label: str, language: str = DANISH) -> str | None:
        """The title of `label` in `language` (a Danish/English pair in data/topic_titles.yml)."""
        if label in NEVER_OFFERED:
            return None
        value = pick((self.faq if label.startswith(FAQ_PREFIX) else self.intents).get(label), language)
        return str(value).strip() if isinstance(value, str) else None


@lru_cache(maxsize=1)
def titles() -> Titles:
    """data/topic_titles.yml, read once per process."""
    loaded = yaml.safe_load(TITLES_FILE.read_text(encoding="utf-8")) or {}
    faq = {str(k): v for k, v in (loaded.get("faq") or {}).items()}
    intents = {str(k): v for k, v in (loaded.get("intents") or {}).items()}
    return Titles(faq, intents)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _from_nlu(raw: Any) -> list[Candidate]:
    found: list[Candidate] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        label, confidence = item.get("label"), _number(item.get("confidence"))
        if isinstance(label, str) and confidence is not None:
            found.append(Candidate(label, confidence))
    return found


def _from_rankings(parse_data: Mapping[str, Any]) -> list[Candidate]:
    found: list[Candidate] = []
    faq_confidence = 0.0
    for item in parse_data.get("intent_ranking") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        confidence = _number(item.get("confidence")) or 0.0
        if item["name"] == FAQ_INTENT:
            faq_confidence = max(faq_confidence, confidence)
        else:
            found.append(Candidate(item["name"], confidence))
    selector = parse_data.get("response_selector")
    chosen = selector.get(FAQ_INTENT) or selector.get("default") if isinstance(selector, Mapping) else None
    ranking = chosen.get("ranking") if isinstance(chosen, Mapping) else None
    for item in ranking if isinstance(ranking, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("intent_response_key"), str):
            continue
        confidence = (_number(item.get("confidence")) or 0.0) * faq_confidence
        found.append(Candidate(item["intent_response_key"], confidence))
    return [c for c in found if c.confidence >= MIN_CONFIDENCE]


def candidates(parse_data: Mapping[str, Any] | None, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """The topics to offer for one unsure message, best first; empty when fewer than two are
    worth offering ("Mente du …?" is never asked with a single candidate)."""
    if not isinstance(parse_data, Mapping):
        return []
    if CANDIDATES_KEY in parse_data:
        found = _from_nlu(parse_data[CANDIDATES_KEY])
    else:
        found = sorted(_from_rankings(parse_data), key=lambda c: c.confidence, reverse=True)
    known = titles()
    chosen: list[Candidate] = []
    for candidate in found:
        if known.title(candidate.label) and candidate.label not in {c.label for c in chosen}:
            chosen.append(candidate)
        if len(chosen) >= limit:
            break
    return chosen if len(chosen) >= MIN_ASKED else []


def see_also(parse_data: Mapping[str, Any] | None, answered: str | None = None) -> list[Candidate]:
    """The one or two topics offered under an answer ("Se også"), never the answered one."""
    if not isinstance(parse_data, Mapping):
        return []
    known = titles()
    found = [
        c for c in _from_nlu(parse_data.get(SEE_ALSO_KEY)) if known.title(c.label) and c.label != answered
    ]
    return found[:2]


def offerable_labels() -> frozenset[str]:
    """Every label that may become a button: FAQ topics and intents with a title."""
    known = titles()
    return frozenset(label for label in (*known.faq, *known.intents) if known.title(label))


def payload_for(label: str) -> str:
    """The Rasa payload that answers `label`: `/faq_pick{"topic": ...}` or `/<intent>`."""
    if label.startswith(FAQ_PREFIX):
        return f"/{PICK_INTENT}{json.dumps({TOPIC_ENTITY: label}, separators=(',', ':'))}"
    return f"/{label}"


def button_for(candidate: Candidate, language: str = DANISH) -> dict[str, str]:
    title = titles().title(candidate.label, language)
    if title is None:
        raise ValueError(f"no title for {candidate.label!r} in {TITLES_FILE.name}")
    return {"title": title, "payload": payload_for(candidate.label)}


def topic_from_entities(entities: Iterable[Any] | None) -> str | None:
    """The known FAQ topic a `faq_pick` payload names; None for anything else."""
    for entity in entities or []:
        if not isinstance(entity, Mapping) or entity.get("entity") != TOPIC_ENTITY:
            continue
        value = entity.get("value")
        if isinstance(value, str) and value in titles().faq:
            return value
    return None


def offerable_intents() -> Sequence[str]:
    """The intents data/topic_titles.yml lets "Mente du …?" offer."""
    return tuple(label for label in titles().intents if label not in NEVER_OFFERED)
