"""Ablation: which NLU pipeline, with and without the Danish normaliser (docs/evaluation.md).

Variants (each trained from scratch with `rasa train` — pipeline and policies, a fresh cache,
into a temporary folder; models/ is not touched):
- `diet`: the earlier pipeline (SpacyNLP, word 1–2 + char_wb 2–5 CountVectors, DIET,
  ResponseSelector, RetrievalAwareFallbackClassifier 0.55/0.45) with its policies (incl. TEDPolicy);
- `linear`: the shipped config.yml (LinearNLUClassifier, calibrated; RulePolicy + Memoization);
- `rasa_lr`: a combination: Rasa's own LogisticRegressionClassifier for intents over the same
  CountVectors, DIET's ResponseSelector for FAQ answers, the old fallback (0.55/0.45);
each `+norm` (DanishNormalizer first) and `-norm` (without it).

For each: full training wall time, model size, and on both held-out sets the numbers of
bot/tools/nlu_evaluation.py, plus the NLU parse p95 (Agent.parse_message, ms, one message at a time).
Results are appended to results/ablation/<variant>.json; `--table` prints the markdown table.
The DIET variants take minutes each on 2 cores: run them one at a time, in the background.

  PYTHONPATH=. .venv/bin/python benchmarks/nlu_ablation.py linear+norm linear-norm
  PYTHONPATH=. .venv/bin/python benchmarks/nlu_ablation.py --table
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.timing import summary
from bot.tools import nlu_evaluation

REPO = Path(__file__).resolve().parent.parent
RASA = Path(sys.executable).parent / "rasa"
OUT = REPO / "results" / "ablation"
SETS = [REPO / "tests" / "nlu" / "holdout.yml", REPO / "tests" / "nlu" / "citizen_voice.yml"]
NORMALISER = {"name": "bot.rasa_plugins.nlu.components.DanishNormalizer"}
FEATURES = [
    {"name": "SpacyNLP", "model": "models/spacy_da", "case_sensitive": False},
    {"name": "SpacyTokenizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "word", "min_ngram": 1, "max_ngram": 2},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
]
RESPONSE_SELECTOR = {
    "name": "ResponseSelector",
    "epochs": 100,
    "constrain_similarities": True,
    "random_seed": 4022,
}
OLD_FALLBACK = {
    "name": "bot.rasa_plugins.nlu.components.RetrievalAwareFallbackClassifier",
    "threshold": 0.55,
    "ambiguity_threshold": 0.1,
    "response_threshold": 0.45,
    "retrieval_intents": ["faq"],
}
RULES = [
    {
        "name": "RulePolicy",
        "core_fallback_threshold": 0.3,
        "core_fallback_action_name": "utter_please_rephrase",
        "enable_fallback_prediction": True,
    },
    {"name": "MemoizationPolicy", "max_history": 4},
]
TED = {
    "name": "TEDPolicy",
    "max_history": 4,
    "epochs": 40,
    "constrain_similarities": True,
    "random_seed": 4023,
}


def base_variants() -> dict:
    shipped = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    diet = {
        "name": "DIETClassifier",
        "epochs": 60,
        "number_of_transformer_layers": 1,
        "transformer_size": 128,
        "entity_recognition": False,
        "constrain_similarities": True,
        "random_seed": 4021,
    }
    return {
        "diet": ([*FEATURES, diet, RESPONSE_SELECTOR, OLD_FALLBACK], [*RULES, TED]),
        "linear": ([p for p in shipped["pipeline"] if p["name"] != NORMALISER["name"]], shipped["policies"]),
        "rasa_lr": (
            [
                *FEATURES,
                {"name": "LogisticRegressionClassifier", "random_state": 4024},
                RESPONSE_SELECTOR,
                OLD_FALLBACK,
            ],
            RULES,
        ),
    }


def config_for(variant: str) -> dict:
    name, norm = variant[:-5], variant.endswith("+norm")
    pipeline, policies = copy.deepcopy(base_variants()[name])
    if norm:
        pipeline = [NORMALISER, *pipeline]
    return {
        "recipe": "default.v1",
        "language": "da",
        "assistant_id": "moedeklar",
        "pipeline": pipeline,
        "policies": policies,
    }


def train(variant: str, work: Path) -> tuple[Path, float]:
    config_path = work / "config.yml"
    config_path.write_text(yaml.safe_dump(config_for(variant), allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(work / "cache"), "RASA_TELEMETRY_ENABLED": "false"}
    start = time.perf_counter()
    subprocess.run(
        [str(RASA), "train", "--data", "data/nlu", "data/rules", "data/stories", "--config", str(config_path)]
        + ["--domain", "domain.yml", "--out", str(work), "--fixed-model-name", "model", "--force"],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return work / "model.tar.gz", time.perf_counter() - start


async def parse_p95(model: Path) -> dict:
    import structlog
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    texts = [t for path in SETS for t, _ in nlu_evaluation.held_out(path)]
    for text in texts[:20]:  # warm-up
        await agent.parse_message(text)
    timings = []
    for text in texts:
        start = time.perf_counter()
        await agent.parse_message(text)
        timings.append((time.perf_counter() - start) * 1000)
    return summary(timings, digits=2)


def run(variant: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        model, seconds = train(variant, Path(tmp))
        kept = REPO / "var" / "ablation" / f"{variant}.tar.gz"  # kept to re-score without retraining
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(model, kept)
        report = nlu_evaluation.evaluate(model, SETS, REPO / "domain.yml")
        result = {
            "variant": variant,
            "train_seconds": round(seconds, 1),
            "cores": os.cpu_count(),
            "model_mb": round(model.stat().st_size / 1e6, 2),
            "parse_ms": asyncio.run(parse_p95(model)),
            "sets": {
                k: {m: v for m, v in s.items() if m != "confident_wrong_examples"}
                for k, s in report["sets"].items()
            },
        }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{variant}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return result


def table() -> str:
    header = ["variant", "set", "intent macro-F1", "FAQ answer acc.", "confident-wrong", "ask rate"]
    header += ["dead ends", "train s", "parse p95 ms", "model MB"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for path in sorted(OUT.glob("*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        for name, s in r["sets"].items():
            cells = [r["variant"], name.removesuffix(".yml")]
            cells += [f"{s[k]:.3f}" for k in ("intent_macro_f1", "faq_answer_accuracy", "confident_wrong")]
            cells += [f"{s[k]:.3f}" for k in ("ask_rate", "dead_end")]
            cells += [str(r["train_seconds"]), str(r["parse_ms"]["p95_ms"]), str(r["model_mb"])]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", help="e.g. linear+norm diet-norm rasa_lr+norm")
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    for variant in args.variants:
        print(json.dumps(run(variant), indent=2, ensure_ascii=False), flush=True)
    if args.table:
        print(table())


if __name__ == "__main__":
    main()
