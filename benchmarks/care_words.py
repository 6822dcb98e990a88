"""Benchmark: what the care layer adds to every message and every FAQ answer in the Rasa process.

Measures, in process (no HTTP, no model), one call at a time after 200 warm-up calls:
  - crisis_component: `CrisisDetector.process` on one message (the word lists of data/support.yml
    matched on the text as written and as normalised), for a short and a long message;
  - nlg_faq_answer: `bot.rasa_plugins.nlg.with_care` on a FAQ answer (review date check with babel's date, the
    worry-word match and the guide offer), i.e. the cost on top of Rasa's own templated response.
Results are printed as JSON (timings in ms, benchmarks/timing.py).

Run (about 10 seconds):

  PYTHONPATH=. .venv/bin/python benchmarks/care_words.py
"""

from __future__ import annotations

import copy
import json
import time
import warnings

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from benchmarks.timing import summary
from bot.rasa_plugins.nlg import with_care
from bot.rasa_plugins.nlu.components import TEXT_AS_WRITTEN_KEY
from bot.rasa_plugins.nlu.crisis import CrisisDetector

CALLS = 3000
WARM_UP = 200
SHORT = "hvor længe varer mødet"
LONG = (
    "jeg er nervøs for mødet på fredag, må jeg tage min mor med, og hvor længe varer det egentlig? "
    "jeg har aldrig været til sådan et møde og ved ikke hvad de vil spørge om"
)


def _time(call, calls: int = CALLS) -> dict[str, float]:
    for _ in range(WARM_UP):
        call()
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return summary(timings, digits=4)


def _detector(text: str):
    detector = CrisisDetector({})

    def call() -> None:
        message = Message.build(text=text)
        message.set(TEXT_AS_WRITTEN_KEY, text)
        message.set("intent", {"name": "faq", "confidence": 0.9})
        detector.process([message])

    return call


def _nlg():
    response = {"text": "Svaret. " * 60, "metadata": {"checked": "2026-11-23", "review_by": "2027-01-01"}}
    tracker = DialogueStateTracker("bench", Domain.empty().slots)
    tracker.update(UserUttered(LONG, intent={"name": "faq", "confidence": 0.9}, parse_data={"text": LONG}))

    def call() -> None:
        with_care("utter_faq/bench", copy.deepcopy(response), tracker)

    return call


def main() -> None:
    warnings.filterwarnings("ignore")
    results = {
        "crisis_component_short": _time(_detector(SHORT)),
        "crisis_component_long": _time(_detector(LONG)),
        "nlg_faq_answer_with_worry": _time(_nlg()),
        "calls": CALLS,
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
