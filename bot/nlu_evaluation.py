"""Held-out NLU evaluation that scores what the citizen gets (`make evaluate`).

`python -m bot.nlu_evaluation --model models/moedeklar.tar.gz --out results SET.yml [SET.yml ...]`
parses every held-out message with the trained model (Rasa's Agent: the model's whole NLU graph,
normaliser and fallback included) and writes `results/nlu_evaluation.json` and
`results/nlu_evaluation.md`. Per set:

- `intent_macro_f1`: macro-F1 of the raw intent (the classifier's first choice, ignoring the
  fallback), averaged over the intents that occur in the set (a wrong prediction of an intent the
  set does not contain, e.g. `distress` in holdout.yml, still costs the true intent its recall);
- `faq_answer_accuracy`: of the FAQ questions, the share whose raw first choice is the right answer
  (intent `faq` and the right `faq/<topic>`), as `rasa test nlu` scores response selection;
- `answered_directly`: share of messages answered without asking (intent is not `nlu_fallback`);
- `confident_wrong`: share of all messages answered directly with the wrong intent or answer;
- `ask_rate`: share that fall back with at least one "Mente du …?" candidate;
- `dead_end`: share of all messages that are in scope (label not `out_of_scope`) and fall back
  with no candidate at all — neither an answer nor anything to tap;
- `ask_without_right_candidate`: share of all messages (in scope) that fall back with candidates,
  none of them the right label;
- `right_in_candidates`: of the asks (in scope), the share whose candidates contain the right label;
- `right_within_one_tap`: share of all messages answered right directly, or asked with the right
  label among the candidates.

Messages whose intent the domain does not know (e.g. `crisis`/`distress` before issue 10B's
branch is merged) are left out of every score and counted under `excluded`.
Only the Rasa model is loaded; nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

FALLBACK = "nlu_fallback"
RETRIEVAL_INTENT = "faq"
OUT_OF_SCOPE = "out_of_scope"


def held_out(path: Path) -> List[Tuple[str, str]]:
    """(text, label) where label is the intent or `faq/<topic>`."""
    data = load_data(str(path))
    examples = []
    for message in data.training_examples:
        text = (message.get("text") or "").strip()
        if text:
            examples.append((text, message.get("intent_response_key") or message.get("intent")))
    return examples


def raw_prediction(parse: Dict[str, Any]) -> Tuple[str, str]:
    """(raw intent, raw label): the classifier's first choice with the fallback undone."""
    ranking = [r["name"] for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    intent = ranking[0] if ranking else (parse.get("intent") or {}).get("name") or FALLBACK
    label = intent
    if intent == RETRIEVAL_INTENT:
        selectors = parse.get("response_selector") or {}
        # a ResponseSelector configured without `retrieval_intent` answers under "default"
        selector = selectors.get(RETRIEVAL_INTENT) or selectors.get("default") or {}
        label = (selector.get("response") or {}).get("intent_response_key") or intent
    return intent, label


def score(rows: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """The metrics above, from rows {label, raw_intent, raw_label, fallback, candidates}."""
    n = len(rows)
    if not n:
        return {"messages": 0}
    truth_intents = [r["label"].split("/")[0] for r in rows]
    faq = [r for r in rows if r["label"].startswith(RETRIEVAL_INTENT + "/")]
    direct = [r for r in rows if not r["fallback"]]
    asked = [r for r in rows if r["fallback"] and r["candidates"] and r["label"] != OUT_OF_SCOPE]
    in_scope_fallback = [r for r in rows if r["fallback"] and r["label"] != OUT_OF_SCOPE]
    right_in = [r for r in asked if r["label"] in r["candidates"]]
    return {
        "messages": n,
        "faq_questions": len(faq),
        "intent_macro_f1": round(
            float(
                f1_score(
                    truth_intents,
                    [r["raw_intent"] for r in rows],
                    labels=sorted(set(truth_intents)),  # the classes of the set (see the docstring)
                    average="macro",
                    zero_division=0,
                )
            ),
            4,
        ),
        "faq_answer_accuracy": round(sum(r["raw_label"] == r["label"] for r in faq) / len(faq), 4)
        if faq
        else None,
        "answered_directly": round(len(direct) / n, 4),
        "confident_wrong": round(sum(r["raw_label"] != r["label"] for r in direct) / n, 4),
        "confident_wrong_count": sum(r["raw_label"] != r["label"] for r in direct),
        "ask_rate": round(sum(1 for r in rows if r["fallback"] and r["candidates"]) / n, 4),
        "dead_end": round(sum(1 for r in in_scope_fallback if not r["candidates"]) / n, 4),
        "dead_end_count": sum(1 for r in in_scope_fallback if not r["candidates"]),
        "ask_without_right_candidate": round((len(asked) - len(right_in)) / n, 4),
        "right_in_candidates": round(len(right_in) / len(asked), 4) if asked else None,
        "right_within_one_tap": round(
            (sum(r["raw_label"] == r["label"] for r in direct) + len(right_in)) / n, 4
        ),
    }


async def _parse_all(model: Path, texts: Sequence[str]) -> List[Dict[str, Any]]:
    import structlog
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    # Rasa logs every parse at debug level through structlog, which Agent.load (re)configures.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return [await agent.parse_message(text) for text in texts]


def evaluate(model: Path, sets: Sequence[Path], domain_path: Path) -> Dict[str, Any]:
    known = set(Domain.load(str(domain_path)).intents)
    examples = {path: held_out(path) for path in sets}
    texts = [text for rows in examples.values() for text, _ in rows]
    parses = iter(asyncio.run(_parse_all(model, texts)))
    report: Dict[str, Any] = {"model": str(model), "sets": {}}
    for path, rows in examples.items():
        scored, excluded, errors = [], {}, []
        for text, label in rows:
            parse = next(parses)
            if label.split("/")[0] not in known:
                excluded[label] = excluded.get(label, 0) + 1
                continue
            raw_intent, raw_label = raw_prediction(parse)
            row = {
                "text": text,
                "label": label,
                "raw_intent": raw_intent,
                "raw_label": raw_label,
                "fallback": (parse.get("intent") or {}).get("name") == FALLBACK,
                "candidates": [c["label"] for c in parse.get("clarification_candidates") or []],
            }
            scored.append(row)
            if row["raw_label"] != label and not row["fallback"]:
                errors.append({k: row[k] for k in ("text", "label", "raw_label")})
        report["sets"][path.name] = {
            **score(scored),
            "excluded": sum(excluded.values()),
            "excluded_labels": excluded,
            "confident_wrong_examples": errors,
        }
    return report


def markdown(report: Dict[str, Any]) -> str:
    keys = [
        "messages",
        "excluded",
        "intent_macro_f1",
        "faq_answer_accuracy",
        "answered_directly",
        "confident_wrong",
        "ask_rate",
        "dead_end",
        "ask_without_right_candidate",
        "right_in_candidates",
        "right_within_one_tap",
    ]
    names = list(report["sets"])
    lines = [
        "# NLU evaluation (held-out sets)",
        "",
        f"Model: `{report['model']}`. Definitions: bot/nlu_evaluation.py and docs/evaluation.md.",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(str(report["sets"][n].get(key)) for n in names) + " |")
    for name in names:
        wrong = report["sets"][name]["confident_wrong_examples"]
        if wrong:
            lines += ["", f"Answered directly and wrong in {name}:"]
            lines += [f'- "{w["text"]}": {w["raw_label"]} (right: {w["label"]})' for w in wrong]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--model", type=Path, default=Path("models/moedeklar.tar.gz"))
    parser.add_argument("--domain", type=Path, default=Path("domain.yml"))
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args(argv)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    report = evaluate(args.model, args.sets, args.domain)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nlu_evaluation.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (args.out / "nlu_evaluation.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
