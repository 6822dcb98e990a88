"""The linear NLU model: TF-IDF + logistic regression for intents and for FAQ topics, and the
flat label scores the assistant decides on. Plain scikit-learn, no Rasa.

`LinearNLU.fit(texts, intents, topics)` trains two classifiers on the (already normalised) texts:
one over intents (every FAQ question is the one intent `faq`), one over the FAQ topics
(`faq/<topic>`), each TF-IDF over word 1–2-grams + char_wb 2–5-grams with a fixed random_state.
`flat_scores` puts both on one scale, one score per label the citizen can get. What to do with
the scores (answer, ask, ask again) is `core.answer_decision`. The Rasa component
(bot/rasa_plugins/nlu/linear_classifier.py) wraps both; this module must not import Rasa.
"""

from __future__ import annotations

from typing import Iterable, List, Sequence, Tuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

RETRIEVAL_INTENT = "faq"


# liblinear (one-vs-rest) trains ~20x faster here than lbfgs (multinomial) at the same held-out
# accuracy (docs/evaluation.md); its probabilities are normalised one-vs-rest scores, which is why
# the thresholds are chosen on a development set rather than read as probabilities.
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

    def flat_scores(
        self, intent_p: np.ndarray, topic_p: np.ndarray, companions: Iterable[str] = ()
    ) -> Tuple[List[str], np.ndarray]:
        """Scores over intents and FAQ topics (see `flat_scores`)."""
        return flat_scores(self.intents, self.topics, intent_p, topic_p, companions)

    def score(self, texts: Sequence[str], companions: Iterable[str] = ()) -> Tuple[List[str], np.ndarray]:
        """Flat label scores of already normalised texts."""
        intent_p, topic_p = self.predict(texts)
        return self.flat_scores(intent_p, topic_p, companions)


def flat_scores(
    intents: List[str],
    topics: List[str],
    intent_p: np.ndarray,
    topic_p: np.ndarray,
    companions: Iterable[str] = (),
) -> Tuple[List[str], np.ndarray]:
    """Scores over intents and FAQ topics: P(intent), or P(faq) · P(topic | faq).

    `companions` (the intents that come with worry: a nervous citizen's question is still a
    question, "jeg er nervøs — må jeg tage min mor med?"): in a row whose top intent is the FAQ,
    their share counts with the FAQ's and they are no rivals of its topics (score 0).
    """
    labels = [i for i in intents if i != RETRIEVAL_INTENT] + topics
    intent_p = np.array(intent_p, dtype=float, copy=True)
    if RETRIEVAL_INTENT in intents and topics:
        faq = intents.index(RETRIEVAL_INTENT)
        wanted = [k for k, name in enumerate(intents) if name in set(companions)]
        if wanted:
            top_is_faq = intent_p.argmax(axis=1) == faq
            intent_p[top_is_faq, faq] += intent_p[top_is_faq][:, wanted].sum(axis=1)
            for k in wanted:
                intent_p[top_is_faq, k] = 0.0
    columns = [intent_p[:, intents.index(i)] for i in intents if i != RETRIEVAL_INTENT]
    if RETRIEVAL_INTENT in intents and topics:
        faq_share = intent_p[:, intents.index(RETRIEVAL_INTENT)][:, None]
        columns.extend((faq_share * topic_p).T)
    return labels, np.column_stack(columns) if columns else np.zeros((len(intent_p), 0))
