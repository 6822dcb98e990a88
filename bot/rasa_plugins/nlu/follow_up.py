"""Follow-up questions: a short message read in the light of the previous answer.

"hvor?" right after the next meeting asks for that meeting's place; "hvordan får jeg fat i
hende?" after the caseworker's name asks how to reach her; "også selvom det er min mor?" after
the bisidder answer is still about the bisidder; "og hvis jeg er uenig?" asks how to complain.

Owns:
- `Context`: what the previous turn of the same session was answered with (its label) and the
  text that names its topic (the words of the question that started it).
- `FollowUps`: the word lists of data/follow_ups.yml and `resolve()`, which, given the message's
  own decision, a way to score another text and the context, returns the decision the citizen
  gets and the aspect of the case asked for (place, time, participants, contact), if any.

Rules, in order (a possible follow-up has at most `max_words` words):
1. No context, or a long message: the message's own decision.
2. After a case answer, one case aspect ("hvor?", "online?", "hvordan får jeg fat i hende",
   "flere?") gives that case answer with the aspect, unless the message is itself a sure answer
   about another part of the case ("hvem er min sagsbehandler?").
3. A phrase of `topics` ("uenig", "og så") gives that topic.
4. Words that keep the topic ("også selvom", "min mor") with no sure topic of their own keep
   the previous one.
5. Otherwise the message is scored again together with the context's topic text. That reading
   wins when it answers and the message alone was not sure, or is very short
   (`very_short_words`), or points back ("det", "hende": `back_references`); a sure answer of
   the message alone wins otherwise, so a new question is a new topic.

Must not: import Rasa, read the citizen's identity or log the citizen's words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import yaml

from core.answer_decision import ANSWER, Decision
from core.care import Phrases, fold
from core.settings import REPO_ROOT

FOLLOW_UPS_FILE = REPO_ROOT / "data" / "follow_ups.yml"
# How many words of topic text are carried from turn to turn.
MAX_TOPIC_WORDS = 24

Scorer = Callable[[str], Decision]


@dataclass(frozen=True)
class Context:
    """The previous turn: the label it was answered with and the words that name its topic."""

    label: str
    topic_text: str


@dataclass(frozen=True)
class Resolution:
    decision: Decision
    aspect: str | None = None
    # the words that name this turn's topic (carried to the next turn)
    topic_text: str = ""
    used_context: bool = False


@dataclass(frozen=True)
class FollowUps:
    max_words: int
    very_short_words: int
    back_references: Phrases
    aspects: Mapping[str, tuple[Phrases, Phrases]]
    # by the case answer before: aspect -> the case answer that gives it
    case_aspects: Mapping[str, Mapping[str, str]]
    case_labels: frozenset[str]
    standalone_aspects: frozenset[str]
    same_topic: Phrases
    # (topic, label prefixes it may follow (empty: any), phrases)
    topics: tuple[tuple[str, tuple[str, ...], Phrases], ...]

    def aspect_of(self, *texts: str | None) -> str | None:
        """The one case aspect a message asks for, or None (none, or more than one)."""
        found = [
            name
            for name, (phrases, unless) in self.aspects.items()
            if phrases.in_text(*(unless.removed_from(text) for text in texts if text))
        ]
        return found[0] if len(found) == 1 else None

    def topic_of(self, context_label: str, *texts: str | None) -> str | None:
        """The topic a follow-up phrase leads to after `context_label`, or None."""
        for topic, after, phrases in self.topics:
            if (not after or context_label.startswith(after)) and phrases.in_text(*texts):
                return topic
        return None

    def is_short(self, text: str) -> bool:
        return 0 < len(fold(text).split()) <= self.max_words

    def resolve(
        self,
        text: str,
        written: str | None,
        alone: Decision,
        context: Context | None,
        score: Scorer,
    ) -> Resolution:
        """The decision for `text` (normalised; `written`: as written) after `context`."""
        own_topic = _clip(text)
        if context is None or not self.is_short(text):
            return Resolution(alone, self._case_aspect(alone, text, written), own_topic)
        sure = alone.kind == ANSWER and not alone.close
        carried = _clip(f"{context.topic_text} {text}")
        aspect = self.aspect_of(text, written)
        targets = self.case_aspects.get(context.label, {})
        if aspect in targets:
            target = targets[aspect]
            if not (sure and alone.label in self.case_labels and alone.label != target):
                return Resolution(_answer(target, alone), aspect, carried, True)
        topic = self.topic_of(context.label, text, written)
        if topic is not None and not (sure and alone.label in self.case_labels):
            return Resolution(_answer(topic, alone), None, carried, True)
        if not sure and self._keeps_topic(text, written):
            return Resolution(_answer(context.label, alone), None, carried, True)
        if context.label in self.case_labels:  # the words of a case question add no topic
            return Resolution(alone, self._case_aspect(alone, text, written), own_topic)
        together = score(carried)
        if together.kind == ANSWER and (
            not sure or together.label == alone.label or self._points_back(text, written)
        ):
            if together.label == alone.label and sure:
                return Resolution(alone, self._case_aspect(alone, text, written), own_topic)
            return Resolution(together, self._case_aspect(together, text, written), carried, True)
        return Resolution(alone, self._case_aspect(alone, text, written), own_topic)

    def _points_back(self, text: str, written: str | None) -> bool:
        """Very short, or a word that points back to the previous answer ("det", "hende")."""
        return len(fold(text).split()) <= self.very_short_words or self.back_references.in_text(text, written)

    def _keeps_topic(self, text: str, written: str | None) -> bool:
        return self.same_topic.in_text(text, written)

    def _case_aspect(self, decision: Decision, text: str, written: str | None) -> str | None:
        """An aspect of an answered case question asked on its own ("hvor er mit møde?")."""
        if decision.kind != ANSWER:
            return None
        aspect = self.aspect_of(text, written)
        if aspect not in self.standalone_aspects:
            return None
        own = self.case_aspects.get(decision.label or "", {})
        return aspect if own.get(aspect) == decision.label else None


def _clip(text: str) -> str:
    words = text.split()
    return " ".join(words[-MAX_TOPIC_WORDS:])


def _answer(label: str, alone: Decision) -> Decision:
    """An answer with `label`, keeping the message's own "see also" minus the label itself."""
    see_also = tuple((k, s) for k, s in alone.see_also if k != label)
    if alone.kind == ANSWER and alone.label and alone.label != label:
        see_also = ((alone.label, alone.confidence), *see_also)[:2]
    return replace(alone, kind=ANSWER, label=label, candidates=(), see_also=see_also, close=False)


def _phrases(data: Mapping[str, Any], key: str) -> Phrases:
    values = data.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{FOLLOW_UPS_FILE.name}: `{key}` must be a list of phrases")
    return Phrases(tuple(values))


def _aspect(value: Any) -> tuple[Phrases, Phrases]:
    """(phrases, unless) of one aspect: a list of phrases, or a mapping with both."""
    if isinstance(value, Mapping):
        return _phrases(value, "phrases"), _phrases(value, "unless")
    return _phrases({"phrases": value}, "phrases"), Phrases(())


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise ValueError(f"{FOLLOW_UPS_FILE.name}: `{key}` must be a mapping")
    return value


@lru_cache(maxsize=1)
def follow_ups() -> FollowUps:
    """data/follow_ups.yml, read and checked once per process."""
    data = yaml.safe_load(FOLLOW_UPS_FILE.read_text(encoding="utf-8")) or {}
    aspects = {str(name): _aspect(value) for name, value in _mapping(data, "aspects").items()}
    case_aspects = {
        str(label): {str(k): str(v) for k, v in (targets or {}).items()}
        for label, targets in _mapping(data, "case_aspects").items()
    }
    unknown = {name for targets in case_aspects.values() for name in targets} - set(aspects)
    if unknown:
        raise ValueError(f"{FOLLOW_UPS_FILE.name}: case_aspects names unknown aspects {sorted(unknown)}")
    topics = []
    for item in data.get("topics") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("topic"), str):
            raise ValueError(f"{FOLLOW_UPS_FILE.name}: every entry of `topics` needs `topic` and `phrases`")
        topics.append(
            (item["topic"], tuple(str(a) for a in item.get("after") or ()), _phrases(item, "phrases"))
        )
    return FollowUps(
        max_words=int(data.get("max_words", 8)),
        very_short_words=int(data.get("very_short_words", 3)),
        back_references=_phrases(data, "back_references"),
        aspects=aspects,
        case_aspects=case_aspects,
        # the answers that count as the citizen's own case: those a case aspect can follow
        case_labels=frozenset(case_aspects),
        standalone_aspects=frozenset(str(a) for a in data.get("standalone_aspects") or ()),
        same_topic=_phrases(data, "same_topic"),
        topics=tuple(topics),
    )
