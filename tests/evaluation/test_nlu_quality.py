"""Quality gate on the held-out NLU test set (tests/nlu/holdout.yml), evaluated by `make evaluate`.

`make test` runs `make evaluate` before pytest, so the reports under results/ belong to the model
just trained. The thresholds are the project's floor, not its aim (aim: macro-F1 >= 0.95).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "results"
HOLDOUT = REPO / "tests" / "nlu" / "holdout.yml"


def _report(name: str) -> dict:
    path = RESULTS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make evaluate` first")
    return json.loads(path.read_text(encoding="utf-8"))


def _examples(path: Path) -> set:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = set()
    for block in data.get("nlu", []):
        for raw in (block.get("examples") or "").splitlines():
            line = raw.strip()
            if line.startswith("- "):
                found.add(line[2:].strip().lower())
    return found


def test_holdout_is_large_enough_and_not_copied_from_training_data():
    holdout = _examples(HOLDOUT)
    assert len(holdout) >= 200
    training = set()
    for path in (REPO / "data" / "nlu").glob("*.yml"):
        training |= _examples(path)
    assert not holdout & training, f"held-out examples found in training data: {sorted(holdout & training)}"


def test_intent_macro_f1_on_holdout_is_at_least_0_90():
    report = _report("intent_report.json")
    assert report["macro avg"]["support"] >= 200
    assert report["macro avg"]["f1-score"] >= 0.90


def test_faq_answer_selection_accuracy_on_holdout_is_at_least_0_85():
    report = _report("response_selection_report.json")
    assert report["accuracy"] >= 0.85
