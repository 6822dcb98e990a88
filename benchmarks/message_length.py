"""Benchmark: time per message at 100, 1,000 and 4,000 characters, per component and end to end.

Loads the trained model (`make train`) and runs its NLU components one by one, in pipeline
order, on the same message (the components as the model holds them: Rasa's graph nodes), after
the steps every message passes where it enters: the input checks
(bot.rasa_plugins.channels.input_check), CPR and phone masking (core.privacy) and the channel's
sanitising (core.message_metadata). Texts of each length in several shapes: ordinary Danish
questions, one very long word, digits with separators (the masking regexes' worst case) and
emoji. Prints a Markdown table (median ms of --repeat runs; the worst shape per length) and JSON,
for docs/performance.md "Input limits and overload".

With --url also the whole round trip over REST to a running server (`make run`).

  PYTHONPATH=. .venv/bin/python benchmarks/message_length.py [--repeat 5] [--url http://127.0.0.1:5005]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import time
import uuid
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "models" / "moedeklar.tar.gz"
LENGTHS = (100, 1_000, 4_000)
SENTENCE = "hvornår er mit næste møde med rehabiliteringsteamet og hvad skal jeg tage med? "


def shapes(length: int) -> dict[str, str]:
    return {
        "danish": (SENTENCE * (length // len(SENTENCE) + 1))[:length],
        "one_word": "ressourceforloeb" * (length // 16) + "x" * (length % 16),
        "digits": ("12 34 56 78 " * length)[:length],
        "emoji": "🙂" * length,
    }


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def load_components() -> tuple[Any, list[tuple[str, Callable[[Any], Any]]]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    nodes = agent.processor.graph_runner._instantiated_nodes  # noqa: SLF001 - a benchmark
    spacy_model = None
    for name, node in nodes.items():
        if name.startswith("provide_SpacyNLP"):
            spacy_model = node._component.provide()  # noqa: SLF001
    steps = []
    pipeline = sorted(
        (int(match[2]), match[1], node)
        for name, node in nodes.items()
        if (match := re.fullmatch(r"run_(.+?)(\d+)", name)) and not match[1].endswith("Policy")
    )
    labels = [component.split(".")[-1] for _, component, _ in pipeline]
    for (index, _, node), short in zip(pipeline, labels, strict=True):
        component = node._component  # noqa: SLF001 - loaded eagerly by Agent.load
        label = f"{short} #{index}" if labels.count(short) > 1 else short
        if label == "SpacyNLP":
            steps.append((label, lambda messages, c=component: c.process(messages, spacy_model)))
        else:
            steps.append((label, lambda messages, c=component: c.process(messages)))
    return agent, steps


def per_component(steps: list, text: str, repeat: int) -> dict[str, float]:
    from rasa.shared.nlu.training_data.message import Message

    from bot.rasa_plugins.channels.input_check import check_rest_body
    from core.message_metadata import sanitise_incoming
    from core.privacy import mask_personal

    results = {
        "input checks": median_ms(lambda: check_rest_body({"sender": "x", "message": text}), repeat),
        "masking (privacy)": median_ms(lambda: mask_personal(text), repeat),
        "sanitise (channel)": median_ms(lambda: sanitise_incoming(text, {}), repeat),
    }
    totals: dict[str, list[float]] = {label: [] for label, _ in steps}
    for _ in range(repeat):
        messages = [Message.build(text=text)]
        for label, process in steps:
            started = time.perf_counter()
            messages = process(messages) or messages
            totals[label].append((time.perf_counter() - started) * 1000)
    results.update({label: statistics.median(values) for label, values in totals.items()})
    return results


def over_rest(url: str, text: str, repeat: int) -> float:
    import requests

    endpoint = f"{url.rstrip('/')}/webhooks/rest/webhook"

    def once() -> None:
        body = {"sender": f"bench-{uuid.uuid4().hex}", "message": text}
        requests.post(endpoint, json=body, timeout=60).raise_for_status()

    return median_ms(once, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", help="also time the round trip over REST to this running server")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    agent, steps = load_components()
    table: dict[str, dict[str, Any]] = {}
    for length in LENGTHS:
        worst: dict[str, tuple[float, str]] = {}
        for shape, text in shapes(length).items():
            timings = per_component(steps, text, args.repeat)
            timings["NLU end to end (parse_message)"] = median_ms(
                lambda t=text: asyncio.run(agent.parse_message(t)), args.repeat
            )
            if args.url:
                timings["REST round trip"] = over_rest(args.url, text, args.repeat)
            for component, ms in timings.items():
                if component not in worst or ms > worst[component][0]:
                    worst[component] = (ms, shape)
        table[str(length)] = {c: {"ms": round(ms, 2), "shape": s} for c, (ms, s) in worst.items()}
    components = list(table[str(LENGTHS[0])])
    print("| Component | " + " | ".join(f"{n:,} chars" for n in LENGTHS) + " |")
    print("|---|" + "---:|" * len(LENGTHS))
    for component in components:
        cells = [
            f"{table[str(n)][component]['ms']:.2f} ({table[str(n)][component]['shape']})" for n in LENGTHS
        ]
        print(f"| {component} | " + " | ".join(cells) + " |")
    print(json.dumps(table, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
