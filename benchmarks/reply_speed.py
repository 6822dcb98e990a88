"""Benchmark: FAQ reply speed of the assistant against a minimal Danish Rasa bot, over REST.

The minimal bot (built and trained here, in var/reply_speed/minimal, once; `--retrain` to redo)
answers the same FAQ data (data/nlu/faq_*.yml plus `greet`) with a blank `da` spaCy pipeline,
word 1–2 + char_wb 2–5 CountVectors, DIET, ResponseSelector and RulePolicy — no custom component.
(20 epochs each: the number of epochs changes the training time, not the cost of one reply.)
The assistant is started as the end-to-end tests start it (tests/support/servers.py: action
server, SQLite conversation store, `rasa run --enable-api`, credentials.yml), from
models/moedeklar.tar.gz (`make train` first). Both are asked over `POST /webhooks/rest/webhook`,
alternating message by message (or block by block for throughput), in one run, so the machine's
load hits both alike. Measured:
- `sequential`: FAQ reply latency, one message at a time, new conversation every 10 messages;
- `throughput`: messages/s with 10 concurrent conversations (10 threads, 20 messages each);
- `long_conversation`: in conversations of 210 messages, the p95 of turns 5–15 vs turns 195–205.
Prints JSON (ratios assistant/minimal included). Only loopback ports are used.

  PYTHONPATH=. .venv/bin/python benchmarks/reply_speed.py [-n 300]

`--profile FILE` instead runs only the assistant's Rasa server under cProfile (the server stops
cleanly on SIGTERM, so the profile is written), sends `-n` FAQ messages in conversations of 50
turns, and prints the top entries by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import yaml

from benchmarks.timing import percentile, summary
from tests.support import servers

REPO = Path(__file__).resolve().parent.parent
# The assistant's rate limit per conversation would refuse the 210-turn conversations (429).
NO_LIMIT = "1000000"


def _assistant_env(args: argparse.Namespace) -> dict:
    """The assistant's environment overrides: no per-conversation limit, the chosen counter store."""
    env = {"RATE_LIMIT_PER_CONVERSATION": NO_LIMIT}
    if getattr(args, "rate_limit_store", ""):
        env["RATE_LIMIT_STORE_URL"] = args.rate_limit_store
    return env


RASA = Path(sys.executable).parent / "rasa"
WORK = REPO / "var" / "reply_speed" / "minimal"
QUESTIONS = [
    "hvor længe varer et ressourceforløb?",
    "hvad er et rehabiliteringsteam",
    "hvornaar bliver ydelsen udbetalt",
    "må jeg tage en bisidder med til mødet",
    "hvordan klager jeg over en afgørelse",
    "hvem sidder med til mødet",
    "hvad er et ressourceforløb",
    "skal jeg betale skat af ydelsen",
]
MINIMAL_CONFIG = {
    "recipe": "default.v1",
    "language": "da",
    "assistant_id": "minimal",
    "pipeline": [
        {"name": "SpacyNLP", "model": str(REPO / "models" / "spacy_da"), "case_sensitive": False},
        {"name": "SpacyTokenizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "word", "min_ngram": 1, "max_ngram": 2},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
        {"name": "DIETClassifier", "epochs": 20, "random_seed": 1, "entity_recognition": False},
        {"name": "ResponseSelector", "epochs": 20, "random_seed": 2},
    ],
    "policies": [{"name": "RulePolicy"}],
}


def build_minimal(retrain: bool) -> Path:
    model = WORK / "minimal.tar.gz"
    if model.exists() and not retrain:
        return model
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "data").mkdir(parents=True)
    for path in (REPO / "data" / "nlu").glob("faq_*.yml"):
        shutil.copy(path, WORK / "data" / path.name)
    core = yaml.safe_load((REPO / "data" / "nlu" / "core.yml").read_text(encoding="utf-8"))
    greet = [b for b in core["nlu"] if b.get("intent") == "greet"]
    (WORK / "data" / "greet.yml").write_text(
        yaml.safe_dump({"version": "3.1", "nlu": greet}, allow_unicode=True), encoding="utf-8"
    )
    rules = {
        "version": "3.1",
        "rules": [
            {"rule": "faq", "steps": [{"intent": "faq"}, {"action": "utter_faq"}]},
            {"rule": "greet", "steps": [{"intent": "greet"}, {"action": "utter_greet"}]},
        ],
    }
    (WORK / "data" / "rules.yml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    domain = {
        "version": "3.1",
        "intents": ["greet", "faq"],
        "actions": ["utter_faq"],
        "responses": {"utter_greet": [{"text": "Hej! Hvad vil du vide?"}]},
    }
    (WORK / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    (WORK / "config.yml").write_text(yaml.safe_dump(MINIMAL_CONFIG, allow_unicode=True), encoding="utf-8")
    (WORK / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(WORK / "cache"), "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(
        [str(RASA), "train", "--data", "data", "--config", "config.yml", "--domain", "domain.yml"]
        + ["--out", ".", "--fixed-model-name", "minimal"],
        cwd=WORK,
        env=env,
        check=True,
        stdout=(WORK / "train.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    return model


def start_minimal(model: Path, log: Path) -> tuple[str, subprocess.Popen]:
    port = servers.free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    process = subprocess.Popen(
        [str(RASA), "run", "--model", str(model), "--port", str(port), "--enable-api"]
        + ["--credentials", str(WORK / "credentials.yml")],
        cwd=WORK,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    servers.wait_until_up(f"{url}/", process, log, 240)
    return url, process


def ask(session: requests.Session, url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    response = session.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    if not response.json():
        raise RuntimeError(f"{url}: empty reply to {text!r}")
    return elapsed


def sequential(urls: dict, n: int) -> dict:
    sessions = {name: requests.Session() for name in urls}
    timings: dict = {name: [] for name in urls}
    senders = dict.fromkeys(urls, "")
    for i in range(n):
        order = list(urls) if i % 2 == 0 else list(reversed(urls))
        for name in order:
            if i % 10 == 0:
                senders[name] = f"speed-{uuid.uuid4().hex}"
            timings[name].append(
                ask(sessions[name], urls[name], senders[name], QUESTIONS[i % len(QUESTIONS)])
            )
    return {name: summary(t, digits=1) for name, t in timings.items()}


def throughput(url: str, conversations: int = 10, turns: int = 20) -> float:
    def conversation(k: int) -> None:
        session, sender = requests.Session(), f"load-{uuid.uuid4().hex}"
        for i in range(turns):
            ask(session, url, sender, QUESTIONS[(i + k) % len(QUESTIONS)])

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        list(pool.map(conversation, range(conversations)))
    return conversations * turns / (time.perf_counter() - start)


def long_conversation(urls: dict, conversations: int, turns: int = 210) -> dict:
    sessions = {name: requests.Session() for name in urls}
    early: dict = {name: [] for name in urls}
    late: dict = {name: [] for name in urls}
    for _ in range(conversations):
        senders = {name: f"long-{uuid.uuid4().hex}" for name in urls}
        for turn in range(1, turns + 1):
            for name in urls if turn % 2 else reversed(list(urls)):
                ms = ask(sessions[name], urls[name], senders[name], QUESTIONS[turn % len(QUESTIONS)])
                if 5 <= turn <= 15:
                    early[name].append(ms)
                elif 195 <= turn <= 205:
                    late[name].append(ms)
    return {
        name: {
            "turn_10_p95_ms": round(percentile(early[name], 95), 1),
            "turn_200_p95_ms": round(percentile(late[name], 95), 1),
            "ratio": round(percentile(late[name], 95) / percentile(early[name], 95), 2),
        }
        for name in urls
    }


def profile(output: Path, n: int, env: dict) -> None:
    import pstats

    wrapper = Path(tempfile.mkdtemp()) / "rasa-profiled"
    wrapper.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m cProfile -o "{output}" "{RASA}" "$@"\n', encoding="utf-8"
    )
    wrapper.chmod(0o755)
    servers.RASA = wrapper  # start_rasa() runs this instead of rasa
    with tempfile.TemporaryDirectory() as tmp:
        described, stop = servers.start_servers(Path(tmp), **env)
        try:
            session, sender = requests.Session(), ""
            for i in range(n):
                if i % 50 == 0:
                    sender = f"profile-{uuid.uuid4().hex}"
                ask(session, described["rasa"], sender, QUESTIONS[i % len(QUESTIONS)])
        finally:
            stop()
    for key in ("cumulative", "tottime"):
        pstats.Stats(str(output)).sort_stats(key).print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="sequential messages per bot")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds per bot (alternating)")
    parser.add_argument("--long", type=int, default=3, help="conversations of 210 turns per bot")
    parser.add_argument(
        "--rate-limit-store",
        default="",
        help="RATE_LIMIT_STORE_URL for the assistant, e.g. redis://127.0.0.1:6379/15 as in production "
        "(default: the SQLite table in the case database)",
    )
    parser.add_argument("--retrain", action="store_true", help="retrain the minimal bot")
    parser.add_argument("--profile", type=Path, help="profile the assistant's server into this file")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile.resolve(), args.n, _assistant_env(args))
        return
    minimal_model = build_minimal(args.retrain)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        described, stop = servers.start_servers(work, **_assistant_env(args))
        minimal_url, minimal = start_minimal(minimal_model, work / "minimal.log")
        try:
            urls = {"assistant": described["rasa"], "minimal": minimal_url}
            for url in urls.values():  # warm-up, not measured
                for text in QUESTIONS:
                    ask(requests.Session(), url, f"warm-{uuid.uuid4().hex}", text)
            result: dict = {"cores": os.cpu_count(), "sequential": sequential(urls, args.n)}
            rates: dict = {name: [] for name in urls}
            for _ in range(args.rounds):
                for name, url in urls.items():
                    rates[name].append(throughput(url))
            result["throughput_msgs_per_s"] = {name: round(max(r), 1) for name, r in rates.items()}
            result["long_conversation"] = long_conversation(urls, args.long)
        finally:
            minimal.terminate()
            minimal.wait(timeout=30)
            stop()
    seq = result["sequential"]
    result["ratios"] = {
        "p95_assistant_over_minimal": round(seq["assistant"]["p95_ms"] / seq["minimal"]["p95_ms"], 2),
        "throughput_assistant_over_minimal": round(
            result["throughput_msgs_per_s"]["assistant"] / result["throughput_msgs_per_s"]["minimal"], 2
        ),
        "assistant_turn200_over_turn10": result["long_conversation"]["assistant"]["ratio"],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
