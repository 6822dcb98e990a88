"""Benchmark: is "hej" from one citizen answered quickly while another client floods Rasa?

The attacker (one client address) sends 100 oversized requests (2 MB bodies) and, at the same
time, floods the REST channel with ordinary questions from several threads (one conversation
and many new ones). Meanwhile a citizen at another address says "hej" from a new conversation
every 250 ms. Prints the citizen's latency (p50/p95/max) and what the attacker got (413 / 429 /
503 / 200), as JSON.

Client addresses are simulated with X-Forwarded-For, so the server must trust one proxy
(RASA_TRUSTED_PROXIES=1, as behind the municipality's reverse proxy); with --start the script
starts its own action server and Rasa that way (a fresh SQLite case database with the demo data,
production rate limits), else it uses --url.

  PYTHONPATH=. .venv/bin/python benchmarks/flood.py --start [--seconds 30]
  RASA_TRUSTED_PROXIES=1 make run   # then: PYTHONPATH=. .venv/bin/python benchmarks/flood.py
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from benchmarks.timing import summary
from core.limits import RATE_LIMIT_PER_CLIENT, RATE_LIMIT_PER_CONVERSATION
from tests.support import servers

REPO = Path(__file__).resolve().parent.parent
ATTACKER = "203.0.113.66"
CITIZEN = "198.51.100.7"
TWO_MB = 2 * 1024 * 1024
QUESTIONS = ["hvad er et ressourceforløb", "hvornår er mit næste møde", "må jeg tage en bisidder med"]


@contextmanager
def started_servers() -> Iterator[str]:
    """The action server and Rasa as the end-to-end tests start them (tests/support/servers.py),
    with the production rate limits and the attacker's address taken from X-Forwarded-For."""
    described, stop = servers.start_servers(
        Path(tempfile.mkdtemp(prefix="flood-")),
        RATE_LIMIT_PER_CLIENT=str(RATE_LIMIT_PER_CLIENT),
        RATE_LIMIT_PER_CONVERSATION=str(RATE_LIMIT_PER_CONVERSATION),
        RASA_TRUSTED_PROXIES="1",
    )
    try:
        yield described["rasa"]
    finally:
        stop()


def oversized(url: str, outcomes: Counter, lock: threading.Lock) -> None:
    body = b'{"sender": "attacker", "message": "' + b"a" * TWO_MB + b'"}'
    try:
        status = requests.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "X-Forwarded-For": ATTACKER},
            timeout=30,
        ).status_code
    except requests.ConnectionError:
        status = "413 (closed while sending)"
    with lock:
        outcomes[f"2 MB: {status}"] += 1


def flood(url: str, stop_at: float, outcomes: Counter, lock: threading.Lock) -> None:
    session = requests.Session()
    same = f"attacker-{uuid.uuid4().hex}"
    i = 0
    while time.monotonic() < stop_at:
        sender = same if i % 2 else f"attacker-{uuid.uuid4().hex}"
        body = {"sender": sender, "message": QUESTIONS[i % len(QUESTIONS)]}
        try:
            status = session.post(
                url, json=body, headers={"X-Forwarded-For": ATTACKER}, timeout=30
            ).status_code
        except requests.RequestException:
            status = "error"
        with lock:
            outcomes[f"flood: {status}"] += 1
        i += 1


def run(base: str, seconds: float) -> dict:
    url = f"{base.rstrip('/')}/webhooks/rest/webhook"
    requests.post(url, json={"sender": "warm-up", "message": "hej"}, timeout=60)
    outcomes: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    citizen: list[float] = []
    citizen_status: Counter = Counter()
    with ThreadPoolExecutor(max_workers=10) as pool:
        big = [pool.submit(oversized, url, outcomes, lock) for _ in range(100)]
        floods = [pool.submit(flood, url, stop_at, outcomes, lock) for _ in range(4)]
        time.sleep(1)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            reply = requests.post(
                url,
                json={"sender": f"citizen-{uuid.uuid4().hex}", "message": "hej"},
                headers={"X-Forwarded-For": CITIZEN},
                timeout=60,
            )
            citizen.append((time.perf_counter() - started) * 1000)
            citizen_status[str(reply.status_code)] += 1
            time.sleep(0.25)
        for future in big + floods:
            future.result()
    return {
        "seconds": seconds,
        "citizen_hej": {"n": len(citizen), "status": dict(citizen_status), **summary(citizen)},
        "attacker": dict(sorted(outcomes.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--start", action="store_true", help="start an action server and Rasa of its own")
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    if args.start:
        with started_servers() as base:
            print(json.dumps(run(base, args.seconds), indent=1))
    else:
        print(json.dumps(run(args.url, args.seconds), indent=1))


if __name__ == "__main__":
    main()
