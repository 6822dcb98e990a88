"""Benchmark: how fast the SMS webhook acknowledges, and how long until the answer leaves.

Starts nothing itself: point it at a running assistant with the gateway simulator (`make run`,
which starts both). It signs incoming-SMS webhooks exactly as GatewayAPI does (JWT in
X-Gwapi-Signature with GATEWAYAPI_WEBHOOK_SECRET from the environment, the Makefile's development
value by default) and posts N of them (default 200) from `--numbers` unknown numbers, as fast as
the webhook answers (a burst) or one every `--interval` seconds. It reports, in ms:
- `ack`: the webhook's answer time (GatewayAPI retries anything not answered within 15 s);
- `to_gateway`: from posting the SMS to the simulator recording the answer at /rest/mtsms
  (queue, Rasa, the action server, the outbox, one send), read from the simulator's records.
Requests go only to the given URLs (loopback in every documented run).

  PYTHONPATH=. .venv/bin/python benchmarks/sms_latency.py --rasa http://127.0.0.1:5005 \\
      --simulator http://127.0.0.1:8082 -n 200
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

import jwt
import requests

from benchmarks.timing import summary

QUESTIONS = [
    "hvor længe varer et ressourceforløb?",
    "hvad er et rehabiliteringsteam",
    "må jeg tage en bisidder med til mødet",
    "hvordan klager jeg over en afgørelse",
]
DEFAULT_SECRET = "dev-only-gatewayapi-webhook-secret"


def run(args: argparse.Namespace, secret: str) -> dict:
    rasa, simulator, n, numbers, wait_s = args.rasa, args.simulator, args.n, args.numbers, args.wait
    session = requests.Session()
    webhook = f"{rasa.rstrip('/')}/webhooks/gatewayapi/webhook"
    base = random.randint(1000, 8999)
    senders = [f"4550{base:04d}{k:02d}" for k in range(numbers)]
    posted: dict[tuple[str, int], float] = {}
    acks = []
    for i in range(n):
        msisdn = senders[i % numbers]
        claims = {
            "id": int(time.time() * 1000) * 1000 + i,
            "msisdn": int(msisdn),
            "receiver": 451204,
            "message": QUESTIONS[i % len(QUESTIONS)],
            "senttime": int(time.time()),
            "webhook_label": "benchmark",
        }
        headers = {"X-Gwapi-Signature": jwt.encode(claims, secret, algorithm="HS256")}
        start = time.perf_counter()
        response = session.post(webhook, json=claims, headers=headers, timeout=30)
        acks.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        posted[(msisdn, i // numbers)] = time.time()
        time.sleep(args.interval)
    deadline = time.time() + wait_s
    delays: list[float] = []
    while time.time() < deadline:
        delays = []
        for msisdn in senders:
            state = session.get(
                f"{simulator.rstrip('/')}/_sim/state", params={"msisdn": "+" + msisdn}, timeout=30
            )
            answers = [m for m in state.json()["messages"] if m["direction"] == "mt"]
            delays += [
                (m["time"] - posted[(msisdn, k)]) * 1000
                for k, m in enumerate(answers)
                if (msisdn, k) in posted
            ]
        if len(delays) >= n:
            break
        time.sleep(1)
    return {
        "messages": n,
        "numbers": numbers,
        "answered": len(delays),
        "ack": summary(acks, digits=1),
        "to_gateway": summary(delays, digits=1) if delays else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    parser.add_argument("--simulator", default="http://127.0.0.1:8082")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--numbers", type=int, default=20)
    parser.add_argument("--wait", type=float, default=300.0, help="seconds to wait for every answer")
    parser.add_argument("--interval", type=float, default=0.0, help="seconds between two SMS (0: a burst)")
    args = parser.parse_args()
    secret = os.environ.get("GATEWAYAPI_WEBHOOK_SECRET", DEFAULT_SECRET)
    print(json.dumps(run(args, secret), indent=2))


if __name__ == "__main__":
    main()
