"""Held-out evaluation of single messages, scored as the citizen gets them (`make evaluate`).

`python -m bot.tools.nlu_evaluation --model models/moedeklar.tar.gz --out results SET.yml [SET.yml ...]`
parses every message with the trained model (Rasa's Agent: the whole NLU graph, normaliser,
decision rule and crisis words included; no earlier turn, so no follow-up context) and writes
`results/nlu_evaluation.json` and `results/nlu_evaluation.md`.

Every scored message has exactly one outcome of its first reply (core/answer_decision.py `outcome`),
so the four shares add up to 100 %:
- `right_first`: answered directly with the right answer or action. An out-of-scope message is
  right when it gets the polite out-of-scope answer, a crisis message when the crisis lines come
  first, small talk when it gets the matching small talk, distress when it gets the warm answer;
- `wrong`: answered directly with something else, or with the right thing in the wrong language;
- `asked`: "Mente du …?" (with or without the right topic among the buttons);
- `dead_end`: asked to say it in other words.
Beside them (diagnostics, not outcomes): `asked_with_right_candidate`, `wrong_with_right_see_also`
(of the wrong answers, the share whose "Se også" buttons hold the right topic),
`raw_accuracy` (the classifier's first choice, before any decision) and `intent_macro_f1`.
Per set also the outcome shares by `metadata.style` when the set has styles.

Language: a set whose file name has `english` in it is English, every other set
Danish. The reply's language is the message's own as the language component read it, else the
conversation's (Danish: a single message has no earlier turn). `in_other_language` counts the
messages answered in the other language: in a Danish set those of style `english_mix` (written
in English, with Danish words) are reported apart (`english_mix_in_english`), every other one
must be 0; in the English set each one is also `wrong`.

The report names the model it scored (path, size and SHA-256), so the gate in
tests/evaluation/ can check that the results belong to the model just trained.
Messages whose label the model does not know are left out and counted under `excluded`.
Only the Rasa model is loaded; nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Sequence

import yaml
from rasa.shared.core.domain import Domain
from sklearn.metrics import f1_score

from core.answer_decision import (
    ANSWER,
    ASK,
    ASKED,
    DEAD_END,
    OUTCOMES,
    REPHRASE,
    RIGHT,
    WRONG,
    outcome,
    shares,
)
from core.bilingual import DANISH, ENGLISH
from core.clarification import DECISION_KEY, SEE_ALSO_KEY
from core.training_data import labelled_examples

FALLBACK = "nlu_fallback"
RETRIEVAL_INTENT = "faq"
# Set by the crisis component whatever the classifier decided (bot/rasa_plugins/nlu/crisis.py).
OVERRIDES = ("crisis", "distress")


def model_fingerprint(model: Path) -> Dict[str, Any]:
    """What identifies a trained model file: its path, size and SHA-256."""
    digest = hashlib.sha256()
    with model.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"path": str(model), "bytes": model.stat().st_size, "sha256": digest.hexdigest()}


ENGLISH_MIX = "english_mix"


def set_language(path: Path) -> str:
    """English for a set whose file name has "english" in it, else Danish."""
    return ENGLISH if "english" in path.stem else DANISH


def reply_language(parse: Dict[str, Any]) -> str:
    """The language the first reply is in: the message's own, else Danish (no earlier turn)."""
    found = (parse.get("message_language") or {}).get("language")
    return found if found in (DANISH, ENGLISH) else DANISH


def held_out(path: Path) -> List[Dict[str, str]]:
    """[{text, label, style}] of a set in Rasa NLU YAML (examples as a block or a list)."""
    return [{"text": e.text, "label": e.label, "style": e.style} for e in labelled_examples(path)]


def first_reply(parse: Dict[str, Any]) -> Dict[str, Any]:
    """What the citizen gets first for one parsed message: kind, answered label, offers."""
    details = parse.get(DECISION_KEY) or {}
    intent = (parse.get("intent") or {}).get("name")
    see_also = [c["label"] for c in parse.get(SEE_ALSO_KEY) or []]
    candidates = [c["label"] for c in parse.get("clarification_candidates") or []]
    if intent in OVERRIDES:
        return {"kind": ANSWER, "answered": intent, "candidates": [], "see_also": []}
    kind = details.get("kind") or (REPHRASE if intent == FALLBACK else ANSWER)
    answered = (details.get("label") or intent) if kind == ANSWER else None
    if kind == ASK and len(candidates) < 2:  # "Mente du …?" needs two topics; else a miss
        kind = REPHRASE
    return {"kind": kind, "answered": answered, "candidates": candidates, "see_also": see_also}


def raw_label(parse: Dict[str, Any]) -> str:
    """The classifier's own first choice, before the decision (a diagnostic)."""
    ranking = [r["name"] for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    intent = ranking[0] if ranking else FALLBACK
    if intent == RETRIEVAL_INTENT:
        selector = (parse.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
        return (selector.get("response") or {}).get("intent_response_key") or intent
    return intent


def score(rows: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """Outcome shares (adding up to 1) and the diagnostics of scored rows."""
    n = len(rows)
    if not n:
        return {"messages": 0}
    outcomes = [r["outcome"] for r in rows]
    result: Dict[str, Any] = {"messages": n}
    result.update({("right_first" if k == RIGHT else k): round(v, 4) for k, v in shares(outcomes).items()})
    result["counts"] = {k: outcomes.count(k) for k in OUTCOMES}
    asked = [r for r in rows if r["outcome"] == ASKED]
    wrong = [r for r in rows if r["outcome"] == WRONG]
    result["asked_with_right_candidate"] = round(sum(r["label"] in r["candidates"] for r in asked) / n, 4)
    result["wrong_with_right_see_also"] = (
        round(sum(r["label"] in r["see_also"] for r in wrong) / len(wrong), 4) if wrong else None
    )
    result["raw_accuracy"] = round(sum(r["raw_label"] == r["label"] for r in rows) / n, 4)
    truth = [r["label"].split("/")[0] for r in rows]
    raw = [r["raw_label"].split("/")[0] for r in rows]
    result["intent_macro_f1"] = round(
        float(f1_score(truth, raw, labels=sorted(set(truth)), average="macro", zero_division=0)), 4
    )
    return result


async def _parse_all(model: Path, texts: Sequence[str]) -> List[Dict[str, Any]]:
    import structlog
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    # Rasa logs every parse at debug level through structlog, which Agent.load (re)configures.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return [await agent.parse_message(text) for text in texts]


def known_labels(domain_path: Path) -> set[str]:
    """The intents of the domain and `faq/<key>` of every FAQ answer in data/nlu."""
    domain = Domain.load(str(domain_path))
    known = set(domain.intents)
    for path in (domain_path.parent / "data" / "nlu").glob("faq_*.yml"):
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        known |= {name.removeprefix("utter_") for name in responses}
    return known


def evaluate(model: Path, sets: Sequence[Path], domain_path: Path) -> Dict[str, Any]:
    known = known_labels(domain_path)
    examples = {path: held_out(path) for path in sets}
    texts = [row["text"] for rows in examples.values() for row in rows]
    parses = iter(asyncio.run(_parse_all(model, texts)))
    report: Dict[str, Any] = {"model": model_fingerprint(model), "sets": {}}
    for path, rows in examples.items():
        scored: List[Dict[str, Any]] = []
        excluded: Dict[str, int] = defaultdict(int)
        for example in rows:
            parse = next(parses)
            if example["label"] not in known:
                excluded[example["label"]] += 1
                continue
            reply = first_reply(parse)
            result = outcome(reply["kind"], reply["answered"], example["label"])
            language = reply_language(parse)
            expected = set_language(path)
            mix = example.get("style") == ENGLISH_MIX
            other_language = language != expected and not (expected == DANISH and mix)
            if other_language and result == RIGHT:
                result = WRONG  # the right answer in a language the citizen did not write
            scored.append(
                {
                    **example,
                    **reply,
                    "raw_label": raw_label(parse),
                    "outcome": result,
                    "language": language,
                    "in_other_language": other_language,
                    "english_mix_in_english": mix and language == ENGLISH,
                }
            )
        by_style: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
        for row in scored:
            if row["style"]:
                by_style[row["style"]].append(row)
        report["sets"][path.name] = {
            **score(scored),
            "language": set_language(path),
            "in_other_language": sum(r["in_other_language"] for r in scored),
            "english_mix_in_english": sum(r["english_mix_in_english"] for r in scored),
            "answered_in_other_language": [r["text"] for r in scored if r["in_other_language"]],
            "excluded": sum(excluded.values()),
            "excluded_labels": dict(excluded),
            "by_style": {style: score(group) for style, group in sorted(by_style.items())},
            "not_right": [
                {
                    "text": r["text"],
                    "label": r["label"],
                    "outcome": r["outcome"],
                    "got": r["answered"] if r["kind"] == ANSWER else r["candidates"],
                    "see_also": r["see_also"],
                }
                for r in scored
                if r["outcome"] != RIGHT
            ],
        }
    return report


OUTCOME_KEYS = ["right_first", WRONG, ASKED, DEAD_END]
LANGUAGE_KEYS = ["language", "in_other_language", "english_mix_in_english"]
DIAGNOSTIC_KEYS = [
    "asked_with_right_candidate",
    "wrong_with_right_see_also",
    "raw_accuracy",
    "intent_macro_f1",
]


def markdown(report: Dict[str, Any]) -> str:
    names = list(report["sets"])
    model = report["model"]
    lines = [
        "# Held-out single messages, as the citizen gets them",
        "",
        f"Model: `{model['path']}` (sha256 {model['sha256'][:12]}).",
        "Definitions: bot/tools/nlu_evaluation.py.",
        "The four outcomes of the first reply add up to 100 %; the rest are diagnostics.",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key in ["messages", "excluded", *OUTCOME_KEYS, *DIAGNOSTIC_KEYS, *LANGUAGE_KEYS]:
        lines.append(f"| {key} | " + " | ".join(str(report["sets"][n].get(key)) for n in names) + " |")
    for name in names:
        styles = report["sets"][name].get("by_style") or {}
        if styles:
            lines += ["", f"By style in {name} (right first / wrong / asked / dead end):", ""]
            for style, found in styles.items():
                shares_text = " / ".join(f"{found.get(k, 0):.0%}" for k in OUTCOME_KEYS)
                lines.append(f"- {style} ({found['messages']}): {shares_text}")
        wrong = [r for r in report["sets"][name]["not_right"] if r["outcome"] == WRONG]
        if wrong:
            lines += ["", f"Answered wrongly in {name}:"]
            lines += [f'- "{w["text"]}": {w["got"]} (right: {w["label"]})' for w in wrong]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--model", type=Path, default=Path("models/moedeklar.tar.gz"))
    parser.add_argument("--domain", type=Path, default=Path("domain.yml"))
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--name", default="nlu_evaluation", help="file name of the report (no suffix)")
    args = parser.parse_args(argv)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    report = evaluate(args.model, args.sets, args.domain)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (args.out / f"{args.name}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
