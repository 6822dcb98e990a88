"""Benchmark: reply latency of each step of the meeting-preparation guide over REST.

Starts nothing itself: point it at a running assistant (`make run`). Runs --runs complete
guides (default 20), each in its own conversation, sending what a citizen would: start, five
"Videre", "Ja, hjælp mig", seven free-text answers, "Det er fint" and, with --token, "Ja, send
det" (the note is then stored) followed by "slet mit notat" (so the database is left as it was).
Prints p50/p95/p99/max in ms per kind of step as JSON. Requests go only to the given base URL.

  TOKEN=$(.venv/bin/python -m bot demo-token c-1001)
  PYTHONPATH=. .venv/bin/python benchmarks/guide_latency.py --url http://127.0.0.1:5005 --token "$TOKEN"
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

import requests

from benchmarks.timing import summary

ANSWER = (
    "Jeg vil gerne fortælle, at jeg har svært ved at sove, og at smerterne gør det svært at "
    "arbejde mere end et par timer. Fysioterapi har hjulpet lidt."
)


def steps(with_consent: bool) -> list[tuple[str, str]]:
    """(kind, message) for one whole guide."""
    plan = [("start", "hjælp mig med at forberede mig til mødet")]
    plan += [("explanation", "Videre")] * 5
    plan += [("offer", "Ja, hjælp mig")]
    plan += [("answer", ANSWER)] * 6 + [("answer → note", ANSWER)]
    plan += [("review", "Det er fint")]
    if with_consent:
        plan += [("consent → stored", "Ja, send det"), ("withdraw", "slet mit notat")]
    return plan


def run(url: str, runs: int, token: str | None) -> dict:
    session = requests.Session()
    endpoint = f"{url.rstrip('/')}/webhooks/rest/webhook"
    session.post(endpoint, json={"sender": f"warm-{uuid.uuid4().hex}", "message": "hej"}, timeout=30)
    timings: dict[str, list[float]] = {}
    plan = steps(with_consent=token is not None)
    for _ in range(runs):
        sender = f"bench-guide-{uuid.uuid4().hex}"
        for kind, message in plan:
            body: dict = {"sender": sender, "message": message}
            if token:
                body["metadata"] = {"auth_token": token}
            start = time.perf_counter()
            response = session.post(endpoint, json=body, timeout=30)
            timings.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
            if not response.json():
                raise RuntimeError(f"empty reply at step {kind!r}")
    every = [t for values in timings.values() for t in values]
    return {
        "guides": runs,
        "messages_per_guide": len(plan),
        "all_steps": summary(every, digits=1),
        "by_step": {kind: summary(values, digits=1) for kind, values in timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--token", help="citizen token: adds consent (a stored note) and withdrawal")
    args = parser.parse_args()
    print(json.dumps(run(args.url, args.runs, args.token), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
