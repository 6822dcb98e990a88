"""Summarise `rasa test nlu` reports: intent macro-F1 and FAQ answer (response selection) accuracy.

`python -m bot.evaluation_summary results` reads `results/intent_report.json` and
`results/response_selection_report.json`, prints the headline numbers and writes them to
`results/summary.json`. The threshold test in tests/evaluation reads the same files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict


def summarise(results_dir: Path) -> Dict[str, Any]:
    intent = json.loads((results_dir / "intent_report.json").read_text(encoding="utf-8"))
    summary: Dict[str, Any] = {
        "intent_accuracy": intent["accuracy"],
        "intent_macro_f1": intent["macro avg"]["f1-score"],
        "intent_weighted_f1": intent["weighted avg"]["f1-score"],
        "intent_support": intent["macro avg"]["support"],
    }
    selection_path = results_dir / "response_selection_report.json"
    if selection_path.exists():
        selection = json.loads(selection_path.read_text(encoding="utf-8"))
        summary.update(
            response_selection_accuracy=selection["accuracy"],
            response_selection_macro_f1=selection["macro avg"]["f1-score"],
            response_selection_support=selection["macro avg"]["support"],
        )
    return summary


def main(argv: list) -> int:
    results_dir = Path(argv[1] if len(argv) > 1 else "results")
    summary = summarise(results_dir)
    (results_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    for key, value in summary.items():
        print(f"{key:32s} {value:.4f}" if isinstance(value, float) else f"{key:32s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
