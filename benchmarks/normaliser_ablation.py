"""Ablation: the NLU with and without the Danish normaliser, on the held-out set.

Trains a second NLU model from config.yml minus `bot.rasa_plugins.nlu.components.DanishNormalizer` (into a
temporary folder, its own cache; models/ is not touched), then parses every message of
tests/nlu/holdout.yml with both models and prints, as JSON, the share right (intent, and for FAQ
questions also the chosen answer; raw classifiers, no fallback) on all held-out messages and on
the "noisy" ones: those the normaliser changes (no æøå, typos, abbreviations), found with the
shipped model's own vocabulary.

Needs the trained model (`make train`). Takes about 3 minutes on 2 cores.

  PYTHONPATH=. .venv/bin/python benchmarks/normaliser_ablation.py
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import structlog
import yaml

from bot.rasa_plugins.nlu.spelling import DanishSpelling, general_lexicon, tokenize

REPO = Path(__file__).resolve().parent.parent
RASA = Path(sys.executable).parent / "rasa"
MODEL = REPO / "models" / "moedeklar.tar.gz"
HOLDOUT = REPO / "tests" / "nlu" / "holdout.yml"
NORMALISER = "bot.rasa_plugins.nlu.components.DanishNormalizer"


def holdout_examples() -> list[tuple[str, str]]:
    """(text, label) where label is the intent or, for FAQ, 'faq/<key>'."""
    data = yaml.safe_load(HOLDOUT.read_text(encoding="utf-8"))
    examples = []
    for block in data["nlu"]:
        for raw in block["examples"].splitlines():
            line = raw.strip()
            if line.startswith("- "):
                examples.append((line[2:].strip(), block["intent"]))
    return examples


def shipped_vocabulary() -> list[str]:
    with tarfile.open(MODEL) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("domain_vocabulary.json"))
        return json.loads(archive.extractfile(member).read().decode("utf-8"))


def train_without_normaliser(work: Path) -> Path:
    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] != NORMALISER]
    config_path = work / "config-without-normaliser.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(work / "cache"), "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(
        [
            str(RASA),
            "train",
            "nlu",
            "--nlu",
            "data/nlu",
            "--config",
            str(config_path),
            "--domain",
            "domain.yml",
            "--out",
            str(work),
            "--fixed-model-name",
            "without-normaliser",
        ],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    return work / "without-normaliser.tar.gz"


def evaluate(model: Path, examples: list[tuple[str, str]]) -> dict[str, bool]:
    """text -> whether the intent AND (for FAQ) the chosen answer were right (raw classifiers)."""
    from rasa.core.agent import Agent

    logging.disable(logging.INFO)  # Rasa logs every parsed message at debug level ...
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))  # ... twice
    agent = Agent.load(str(model))

    async def parse_all() -> dict[str, bool]:
        right = {}
        for text, label in examples:
            parsed = await agent.parse_message(text)
            # The raw classifier's choice: the fallback classifier only puts nlu_fallback on top.
            intent = next(i["name"] for i in parsed["intent_ranking"] if i["name"] != "nlu_fallback")
            if label.startswith("faq/"):
                selector = parsed.get("response_selector") or {}
                chosen = selector.get("default", {}).get("response", {}).get("intent_response_key")
                right[text] = intent == "faq" and chosen == label
            else:
                right[text] = intent == label
        return right

    return asyncio.run(parse_all())


def share(right: dict[str, bool], texts: set[str] | list[str]) -> float:
    """The share of `texts` that were right."""
    known = [text for text in texts if text in right]
    return round(sum(right[text] for text in known) / len(known), 3) if known else float("nan")


def main() -> None:
    examples = holdout_examples()
    spelling = DanishSpelling(shipped_vocabulary(), general_lexicon())
    noisy = {text for text, _ in examples if spelling.normalise(text) != " ".join(tokenize(text.lower()))}
    with tempfile.TemporaryDirectory(prefix="ablation-") as tmp:
        work = Path(tmp)
        without = train_without_normaliser(work)
        results = {
            "with_normaliser": evaluate(MODEL, examples),
            "without_normaliser": evaluate(without, examples),
        }
    report: dict[str, object] = {"held_out": len(examples), "noisy": len(noisy)}
    every = [text for text, _ in examples]
    for name, right in results.items():
        report[name] = {"all": share(right, every), "noisy": share(right, noisy)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
