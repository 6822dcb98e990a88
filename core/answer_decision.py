"""Answer, ask or ask again: what the assistant does with one message, from the NLU's scores.

The classifier gives every label a score: an intent's probability, or P(faq) · P(topic | faq)
for a FAQ topic (`linear_model.flat_scores`). `decide()` turns one message's scores into what the
citizen gets in the first reply:

- **answer** the best label when it is clear enough: its score is at least `answer`, or it is
  at least `floor` and no other topic is within `margin` of it. Under the answer, the one or two
  nearest other topics scoring at least `see_also` are offered as buttons ("Se også").
- **ask** ("Mente du …?") only when two or three topics are genuinely close: the best is below
  `answer` and at least one other offerable topic is within `margin` of it. Never with a single
  candidate: then the best label is answered (at or above `floor`) or …
- **rephrase**: nothing scores `floor` or more and nothing close is worth offering; the citizen
  is asked to say it in other words, with the human option.

An answer given below `answer` is marked `close` (the review app flags it as unsure, so
caseworkers still see the doubtful ones).

`tune()` chooses the rule on a development set in the citizens' voice: the most first-reply
answers with at most `max_wrong` answered wrongly and `max_dead_end` asked to rephrase. `outcome()`
is the one definition of what a reply was (right / wrong / asked / dead end) for tuning and for
`make evaluate`.

Must not: import Rasa or know about texts, channels or the citizen.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

ANSWER, ASK, REPHRASE = "answer", "ask", "rephrase"
RIGHT, WRONG, ASKED, DEAD_END = "right", "wrong", "asked", "dead_end"
OUTCOMES = (RIGHT, WRONG, ASKED, DEAD_END)
MAX_ASKED = 3
MAX_SEE_ALSO = 2


@dataclass(frozen=True)
class DecisionRule:
    """Thresholds on the flat label scores (see the module docstring)."""

    answer: float = 0.5
    margin: float = 0.1
    floor: float = 0.1
    candidate: float = 0.05
    see_also: float = 0.05

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> DecisionRule:
        known = {k: float(v) for k, v in (values or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Decision:
    """What one message gets: `kind`, the answered `label`, the asked `candidates`, `see_also`."""

    kind: str
    label: str | None
    confidence: float
    candidates: tuple[tuple[str, float], ...] = ()
    see_also: tuple[tuple[str, float], ...] = ()
    close: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "candidates": [{"label": k, "confidence": round(s, 4)} for k, s in self.candidates],
            "see_also": [{"label": k, "confidence": round(s, 4)} for k, s in self.see_also],
            "close": self.close,
        }


def decide(
    labels: Sequence[str],
    scores: np.ndarray,
    rule: DecisionRule,
    never_offer: Iterable[str] = (),
    sure_only: Iterable[str] = (),
) -> Decision:
    """What the citizen gets for one message (`scores[i]` belongs to `labels[i]`).

    `sure_only`: labels answered only at or above `rule.answer` (the classifier's own guess of
    crisis words; the word lists decide those deterministically, bot/rasa_plugins/nlu/crisis.py).
    """
    if len(labels) == 0:
        return Decision(REPHRASE, None, 0.0)
    excluded = set(never_offer)
    only_sure = [k for k, label in enumerate(labels) if label in set(sure_only) and scores[k] < rule.answer]
    if only_sure:
        scores = np.array(scores, dtype=float, copy=True)
        scores[only_sure] = 0.0
    order = np.argsort(-scores, kind="stable")
    best, top = labels[order[0]], float(scores[order[0]])
    offerable = [(labels[i], float(scores[i])) for i in order if labels[i] not in excluded]
    worth = [(label, score) for label, score in offerable if score >= rule.candidate]
    if top < rule.answer:
        close_ones = [(label, score) for label, score in worth if score >= top - rule.margin][:MAX_ASKED]
        rivals = [label for label, _ in close_ones if label != best]
        if len(close_ones) >= 2 and rivals:
            return Decision(ASK, None, top, candidates=tuple(close_ones))
        if top < rule.floor:
            return Decision(REPHRASE, None, top)
    see_also = tuple(
        (label, score)
        for label, score in offerable[: MAX_SEE_ALSO + 1]
        if label != best and score >= rule.see_also
    )[:MAX_SEE_ALSO]
    return Decision(ANSWER, best, top, see_also=see_also, close=top < rule.answer)


# --- what a reply was -----------------------------------------------------------------------------
def outcome(kind: str, answered: str | None, truth: str) -> str:
    """right / wrong / asked / dead_end for one message whose right label is `truth`.

    An answered message is right when the answered label is the truth (an out-of-scope message
    is right when it gets the out-of-scope answer, a crisis message when it gets the crisis
    lines, small talk when it gets the matching small talk: all are labels like any other).
    """
    if kind == ANSWER:
        return RIGHT if answered == truth else WRONG
    if kind == ASK:
        return ASKED
    return DEAD_END


def shares(outcomes: Sequence[str]) -> dict[str, float]:
    """The share of each outcome; they add up to 1."""
    n = len(outcomes) or 1
    return {name: sum(o == name for o in outcomes) / n for name in OUTCOMES}


# --- choosing the rule on a development set -------------------------------------------------------
@dataclass
class TuningResult:
    rule: DecisionRule
    measured: dict[str, float]
    # (max_wrong bound, best first-reply share, its asked, wrong and dead-end shares)
    curve: list[dict[str, float]] = field(default_factory=list)


ANSWER_GRID = tuple(np.round(np.arange(0.2, 0.96, 0.05), 2))
MARGIN_GRID = (0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3)
FLOOR_GRID = (0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3)
CURVE_BOUNDS = (0.0, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.08, 0.12)


def evaluate_rule(
    rule: DecisionRule,
    labels: Sequence[str],
    scores: np.ndarray,
    truths: Sequence[str],
    *,
    never_offer: Iterable[str] = (),
    sure_only: Iterable[str] = (),
) -> dict[str, float]:
    """Outcome shares of `rule` on scored messages, plus the share asked with the right topic."""
    found = []
    asked_right = 0
    for row, truth in enumerate(truths):
        decision = decide(labels, scores[row], rule, never_offer, sure_only)
        found.append(outcome(decision.kind, decision.label, truth))
        asked_right += decision.kind == ASK and truth in {k for k, _ in decision.candidates}
    measured = shares(found)
    measured["asked_with_right_candidate"] = asked_right / (len(truths) or 1)
    return measured


# How much one point over a bound weighs (a wrong answer misleads, a dead end leaves the citizen
# without help, a question back costs one more round trip).
EXCESS_WEIGHTS = {WRONG: 4.0, DEAD_END: 2.0, ASKED: 1.0}
# The rule is chosen on this many bootstrap resamples of the development set (fixed seed): the
# objective is averaged over them, so that a handful of messages does not swing the choice.
BOOTSTRAPS = 20
BOOTSTRAP_SEED = 4031


def _outcome_codes(
    rules: Sequence[DecisionRule],
    labels: Sequence[str],
    scores: np.ndarray,
    truths: Sequence[str],
    *,
    never: tuple[str, ...],
    only: tuple[str, ...],
) -> np.ndarray:
    """[rule, message] -> index into OUTCOMES."""
    codes = np.zeros((len(rules), len(truths)), dtype=np.int8)
    for r, rule in enumerate(rules):
        for row, truth in enumerate(truths):
            decision = decide(labels, scores[row], rule, never, only)
            codes[r, row] = OUTCOMES.index(outcome(decision.kind, decision.label, truth))
    return codes


def tune(
    labels: Sequence[str],
    scores: np.ndarray,
    truths: Sequence[str],
    *,
    max_wrong: float,
    max_dead_end: float,
    max_asked: float = 1.0,
    never_offer: Iterable[str] = (),
    sure_only: Iterable[str] = (),
    candidate: float = 0.05,
    see_also: float = 0.05,
) -> TuningResult:
    """The rule with the most right first replies within the bounds on the development set.

    Objective: the right share minus the weighted excess over each bound (EXCESS_WEIGHTS), so a
    rule within every bound is judged on right answers alone; averaged over BOOTSTRAPS resamples
    of the set (ties: the more cautious thresholds). Also the trade-off curve: the best rule for
    each bound on the wrong share, with what it measures on the whole set.
    """
    never, only = tuple(never_offer), tuple(sure_only)
    rules = [
        DecisionRule(float(answer), float(margin), float(floor), candidate, see_also)
        for answer, margin, floor in itertools.product(ANSWER_GRID, MARGIN_GRID, FLOOR_GRID)
        if floor <= answer
    ]
    codes = _outcome_codes(rules, labels, scores, truths, never=never, only=only)
    n = len(truths)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    samples = [rng.integers(0, n, n) for _ in range(BOOTSTRAPS)] if n else []

    def shares_of(rows: np.ndarray) -> np.ndarray:
        """[rule, outcome] shares over the messages `rows`."""
        counts = np.stack([(codes[:, rows] == k).sum(axis=1) for k in range(len(OUTCOMES))], axis=1)
        return counts / max(len(rows), 1)

    index = {name: k for k, name in enumerate(OUTCOMES)}

    def objective(found: np.ndarray, wrong_bound: float) -> np.ndarray:
        bounds = {WRONG: wrong_bound, DEAD_END: max_dead_end, ASKED: max_asked}
        excess = sum(
            EXCESS_WEIGHTS[name] * np.maximum(0.0, found[:, index[name]] - bound)
            for name, bound in bounds.items()
        )
        return found[:, index[RIGHT]] - excess

    resampled = [shares_of(rows) for rows in samples] or [shares_of(np.arange(n))]
    whole = shares_of(np.arange(n))

    def best_within(wrong_bound: float) -> int:
        mean = np.mean([objective(found, wrong_bound) for found in resampled], axis=0)
        caution = np.array([(rule.answer, rule.margin) for rule in rules])
        order = np.lexsort((caution[:, 1], caution[:, 0], np.round(mean, 6)))
        return int(order[-1])

    def measured(r: int) -> dict[str, float]:
        values = {name: round(float(whole[r, index[name]]), 4) for name in OUTCOMES}
        values["asked_with_right_candidate"] = round(
            evaluate_rule(rules[r], labels, scores, truths, never_offer=never, sure_only=only)[
                "asked_with_right_candidate"
            ],
            4,
        )
        return values

    chosen = best_within(max_wrong)
    curve = [
        {"max_wrong": bound, **measured(best_within(bound)), **rules[best_within(bound)].as_dict()}
        for bound in CURVE_BOUNDS
    ]
    return TuningResult(rules[chosen], measured(chosen), curve)
