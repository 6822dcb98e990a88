"""The linear NLU model: TF-IDF + logistic regression for intents and for FAQ topics, and the
calibration of its thresholds on cross-validated predictions. Plain scikit-learn, no Rasa.

`LinearNLU.fit(texts, intents, topics)` trains two classifiers on the (already normalised) texts:
one over intents (every FAQ question is the one intent `faq`), one over the FAQ topics
(`faq/<topic>`), each TF-IDF over word 1–2-grams + char_wb 2–5-grams with a fixed random_state.
`calibrate(...)` chooses, from out-of-fold predictions on the training data, the thresholds that
decide "answer directly" vs "ask" (the largest share answered directly with at most
`max_confident_wrong` of the examples answered wrongly) and the cut-off below which a label is not
worth offering as a "Mente du …?" candidate. The Rasa component (bot/nlu/linear_classifier.py)
wraps this; this module must not import Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

RETRIEVAL_INTENT = "faq"


# liblinear (one-vs-rest) trains ~20x faster here than lbfgs (multinomial) at the same held-out
# accuracy (docs/evaluation.md); its probabilities are normalised one-vs-rest scores, which is why
# the thresholds are calibrated on out-of-fold predictions rather than read as probabilities.
SOLVER = "liblinear"


def _pipeline(c: float, random_state: int, solver: str = SOLVER, class_weight: str | None = None) -> Pipeline:
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    lowercase=True,
                    token_pattern=r"(?u)\b\w+\b",
                ),
            ),
            (
                "char",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True),
            ),
        ]
    )
    classifier = LogisticRegression(
        C=c, solver=solver, max_iter=3000, random_state=random_state, class_weight=class_weight
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def flat_label(intent: str, topic: str | None) -> str:
    """The label the citizen experiences: the intent, or `faq/<topic>` for an FAQ question."""
    return topic if intent == RETRIEVAL_INTENT and topic else intent


@dataclass
class Thresholds:
    """Answer directly when the intent's confidence >= `intent` and, for an FAQ question, the
    topic's confidence >= `response`. Offer a label as a candidate when its score >= `candidate`."""

    intent: float
    response: float
    candidate: float
    # what calibration measured on the out-of-fold predictions (for the docs and the model)
    measured: Dict[str, float] = field(default_factory=dict)


class LinearNLU:
    """Two linear classifiers (intents; FAQ topics) and their flat label scores."""

    def __init__(
        self,
        c: float = 10.0,
        random_state: int = 4031,
        solver: str = SOLVER,
        intent_class_weight: str | None = None,
    ) -> None:
        self.c = c
        self.random_state = random_state
        self.solver = solver
        # "balanced": every intent weighs as much as the FAQ intent, which has most of the examples
        self.intent_class_weight = intent_class_weight
        self.intent_model: Pipeline | None = None
        self.topic_model: Pipeline | None = None

    # --- training -------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], intents: Sequence[str], topics: Sequence[str | None]) -> "LinearNLU":
        self.intent_model = _pipeline(self.c, self.random_state, self.solver, self.intent_class_weight).fit(
            list(texts), list(intents)
        )
        faq = [(t, k) for t, i, k in zip(texts, intents, topics, strict=True) if i == RETRIEVAL_INTENT and k]
        if len({k for _, k in faq}) >= 2:
            self.topic_model = _pipeline(self.c, self.random_state, self.solver).fit(
                [t for t, _ in faq], [k for _, k in faq]
            )
        elif faq:  # a single topic: nothing to choose
            self.topic_model = None
            self._single_topic = faq[0][1]
        return self

    @property
    def intents(self) -> List[str]:
        return list(self.intent_model.classes_)

    @property
    def topics(self) -> List[str]:
        if self.topic_model is not None:
            return list(self.topic_model.classes_)
        return [self._single_topic] if hasattr(self, "_single_topic") else []

    # --- prediction -----------------------------------------------------------------------------
    def predict(self, texts: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        """(intent probabilities [n, intents], topic probabilities [n, topics])."""
        intent_p = self.intent_model.predict_proba(list(texts))
        if self.topic_model is not None:
            topic_p = self.topic_model.predict_proba(list(texts))
        else:
            topic_p = np.ones((len(texts), len(self.topics)))
        return intent_p, topic_p

    def flat_scores(self, intent_p: np.ndarray, topic_p: np.ndarray) -> Tuple[List[str], np.ndarray]:
        """Scores over intents and FAQ topics: P(intent), or P(faq) · P(topic | faq)."""
        return flat_scores(self.intents, self.topics, intent_p, topic_p)


def answer_confidence(
    intent_names: List[str], intent_p: np.ndarray, companions: Iterable[str] = ()
) -> np.ndarray:
    """Per row, the intent confidence the "answer or ask" decision uses: the top intent's, plus the
    `companions`' when the top intent is the FAQ (a worried citizen's question is still a question:
    "jeg er nervøs — må jeg tage min mor med?"). Prediction and calibration both use this."""
    confidence = intent_p.max(axis=1)
    wanted = set(companions)
    columns = [k for k, name in enumerate(intent_names) if name in wanted]
    if not columns:
        return confidence
    top_is_faq = np.array(intent_names, dtype=object)[intent_p.argmax(axis=1)] == RETRIEVAL_INTENT
    return np.where(top_is_faq, confidence + intent_p[:, columns].sum(axis=1), confidence)


def flat_scores(
    intents: List[str], topics: List[str], intent_p: np.ndarray, topic_p: np.ndarray
) -> Tuple[List[str], np.ndarray]:
    labels = [i for i in intents if i != RETRIEVAL_INTENT] + topics
    columns = [intent_p[:, intents.index(i)] for i in intents if i != RETRIEVAL_INTENT]
    if RETRIEVAL_INTENT in intents and topics:
        faq = intent_p[:, intents.index(RETRIEVAL_INTENT)][:, None]
        columns.extend((faq * topic_p).T)
    return labels, np.column_stack(columns) if columns else np.zeros((len(intent_p), 0))


def candidates(
    labels: List[str], scores: np.ndarray, cut_off: float, never_offer: Iterable[str], limit: int = 3
) -> List[Dict[str, float]]:
    """At most `limit` labels worth offering, best first: {"label", "confidence"}."""
    excluded = set(never_offer)
    order = np.argsort(-scores, kind="stable")
    found = []
    for index in order:
        if len(found) >= limit or scores[index] < cut_off:
            break
        if labels[index] not in excluded:
            found.append({"label": labels[index], "confidence": float(scores[index])})
    return found


# --- calibration ---------------------------------------------------------------------------------
def out_of_fold(
    texts: Sequence[str],
    intents: Sequence[str],
    topics: Sequence[str | None],
    *,
    c: float,
    random_state: int,
    folds: int = 5,
    solver: str = SOLVER,
    intent_class_weight: str | None = None,
) -> Tuple[List[str], List[str], np.ndarray, np.ndarray]:
    """Out-of-fold intent and topic probabilities for every training example."""
    texts, intents = np.array(texts, dtype=object), np.array(intents, dtype=object)
    topics = np.array([t or "" for t in topics], dtype=object)
    strata = np.array([flat_label(i, t) for i, t in zip(intents, topics, strict=True)], dtype=object)
    counts: Dict[str, int] = {}
    for s in strata:
        counts[s] = counts.get(s, 0) + 1
    n_splits = max(2, min(folds, *counts.values()))
    intent_names = sorted(set(intents))
    topic_names = sorted({t for i, t in zip(intents, topics, strict=True) if i == RETRIEVAL_INTENT and t})
    intent_p = np.zeros((len(texts), len(intent_names)))
    topic_p = np.zeros((len(texts), len(topic_names)))
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    for train, test in splitter.split(texts, strata):
        model = LinearNLU(c, random_state, solver, intent_class_weight).fit(
            list(texts[train]), list(intents[train]), list(topics[train])
        )
        ip, tp = model.predict(list(texts[test]))
        for j, name in enumerate(model.intents):
            intent_p[test, intent_names.index(name)] = ip[:, j]
        for j, name in enumerate(model.topics):
            topic_p[test, topic_names.index(name)] = tp[:, j]
    return intent_names, topic_names, intent_p, topic_p


def calibrate(
    intent_names: List[str],
    topic_names: List[str],
    intent_p: np.ndarray,
    topic_p: np.ndarray,
    *,
    true_intents: Sequence[str],
    true_topics: Sequence[str | None],
    max_confident_wrong: float,
    never_offer: Iterable[str],
    candidate_recall: float = 0.95,
    limit: int = 3,
    companions: Iterable[str] = (),
) -> Thresholds:
    """Thresholds from out-of-fold predictions.

    Intent and response thresholds: over a 0.01 grid, the pair that answers the most examples
    directly while the share of examples answered directly *and wrongly* stays <= the target
    (ties: the lower thresholds). Candidate cut-off: the highest value that keeps the right label
    among the offered candidates for `candidate_recall` of the examples that fall back and whose
    right label is offerable and in the top `limit` at all.

    `companions`: as at prediction time (bot/nlu/linear_classifier.py), when the FAQ is the top
    intent these intents' confidences count with the FAQ's, so the thresholds are chosen for the
    rule that uses them.
    """
    n = len(true_intents)
    intent_pred = np.array(intent_names, dtype=object)[intent_p.argmax(axis=1)]
    intent_conf = answer_confidence(intent_names, intent_p, companions)
    topic_pred = (
        np.array(topic_names, dtype=object)[topic_p.argmax(axis=1)] if topic_names else np.full(n, "")
    )
    topic_conf = topic_p.max(axis=1) if topic_names else np.ones(n)
    truth = np.array([flat_label(i, t) for i, t in zip(true_intents, true_topics, strict=True)], dtype=object)
    predicted = np.array(
        [flat_label(i, t) for i, t in zip(intent_pred, topic_pred, strict=True)], dtype=object
    )
    wrong = predicted != truth
    is_faq = intent_pred == RETRIEVAL_INTENT

    grid = np.round(np.arange(0.0, 1.0, 0.01), 2)
    best = None
    for ti in grid:
        intent_ok = intent_conf >= ti
        for tr in grid:
            answered = intent_ok & (~is_faq | (topic_conf >= tr))
            confident_wrong = float(np.mean(answered & wrong))
            if confident_wrong > max_confident_wrong:
                continue
            rate = float(np.mean(answered))
            if best is None or rate > best[0] + 1e-12:
                best = (rate, ti, tr, confident_wrong)
    if best is None:  # unreachable (thresholds of 0.99 answer almost nothing), kept for safety
        best = (0.0, 0.99, 0.99, 0.0)
    rate, ti, tr, confident_wrong = best
    answered = (intent_conf >= ti) & (~is_faq | (topic_conf >= tr))

    labels, scores = flat_scores(intent_names, topic_names, intent_p, topic_p)
    excluded = set(never_offer)
    right_scores = []
    for row in np.where(~answered)[0]:
        if truth[row] in excluded or truth[row] not in labels:
            continue
        offerable = [k for k in np.argsort(-scores[row], kind="stable") if labels[k] not in excluded][:limit]
        hit = [k for k in offerable if labels[k] == truth[row]]
        if hit:
            right_scores.append(float(scores[row, hit[0]]))
    if right_scores:
        cut = float(np.quantile(np.array(right_scores), 1.0 - candidate_recall))
        cut = float(np.floor(cut * 100) / 100)
    else:
        cut = 0.05
    return Thresholds(
        intent=float(ti),
        response=float(tr),
        candidate=max(cut, 0.01),
        measured={
            "examples": float(n),
            "answered_directly": rate,
            "confident_wrong": confident_wrong,
            "accuracy_raw": float(np.mean(~wrong)),
            "fallbacks_with_right_label_in_top": float(len(right_scores)),
        },
    )
