"""Benchmark: reply latency over the REST channel, and the next-meeting action's latency.

Starts nothing itself: point it at a running assistant (`make run`). Sends N sequential
messages (default 500) cycling through FAQ questions,
small talk and — with --token — the citizen's own next meeting, in conversations of --turns
messages each (default 10; one sender id per conversation), and prints p50/p95/p99/max in ms
as JSON. Rasa's per-message cost grows with the conversation's length (the tracker is loaded and
saved whole), so --turns 500 shows the worst case of one very long conversation.
Requests go only to the given base URL (loopback in every documented run).

  PYTHONPATH=. .venv/bin/python benchmarks/rest_latency.py --url http://127.0.0.1:5005 -n 500
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

import requests

from benchmarks.timing import summary

QUESTIONS = [
    "hvor længe varer et ressourceforløb?",
    "hvad er et rehabiliteringsteam",
    "hvornaar bliver ydelsen udbetalt",
    "må jeg tage en bisidder med til mødet",
    "hej",
    "hvordan klager jeg over en afgørelse",
    "hvem sidder med til mødet",
    "tak for hjælpen",
]


def run(url: str, n: int, token: str | None, question: str | None, turns: int) -> dict:
    session = requests.Session()
    endpoint = f"{url.rstrip('/')}/webhooks/rest/webhook"
    for _ in range(5):  # warm-up, not measured
        session.post(endpoint, json={"sender": f"warm-{uuid.uuid4().hex}", "message": "hej"}, timeout=30)
    timings = []
    sender = ""
    for i in range(n):
        if i % turns == 0:  # a new conversation every `turns` messages
            sender = f"bench-{uuid.uuid4().hex}"
        body = {"sender": sender, "message": question or QUESTIONS[i % len(QUESTIONS)]}
        if token:
            body["metadata"] = {"auth_token": token}
        start = time.perf_counter()
        response = session.post(endpoint, json=body, timeout=30)
        timings.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        if not response.json():
            raise RuntimeError(f"empty reply to {body['message']!r}")
    return {"messages": n, "turns_per_conversation": turns, **summary(timings, digits=1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--token", help="citizen token (metadata.auth_token) to send")
    parser.add_argument("--question", help="ask only this question")
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation (sender id)")
    args = parser.parse_args()
    print(json.dumps(run(args.url, args.n, args.token, args.question, args.turns), indent=2))


if __name__ == "__main__":
    main()
