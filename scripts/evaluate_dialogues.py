"""Play the held-out dialogues against the real Rasa and action servers and score the last turns.

    python scripts/evaluate_dialogues.py --out results tests/dialogues/heldout.yml [...]

Starts the action server and Rasa with the trained model (tests/support/servers.py: a fresh
SQLite case database seeded with the demo citizens, their meetings moved to this week, as the
end-to-end tests do) and the SMS gateway simulator, then plays every dialogue:
- `web`: the REST channel, a new conversation per dialogue, with the demo citizen's login token
  on every message when `citizen` is set;
- `sms`: the SMS webhook from the demo citizen's registered number (or a fresh unknown number),
  each turn waiting for the SMS that answers it; a registered number's conversation is restarted
  before each dialogue, so no dialogue sees another's turns.
The conversation's stored events (Rasa's HTTP API) tell what the last message got
(bot/tools/dialogue_evaluation.py). Writes `<out>/<name>.json` and `.md` with the model's fingerprint.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.tools.dialogue_evaluation import Dialogue, last_reply, load_dialogues, outcome_of, shares  # noqa: E402
from bot.tools.nlu_evaluation import model_fingerprint  # noqa: E402
from core.answer_decision import OUTCOMES, RIGHT  # noqa: E402
from core.demo_data import DEMO_FILE  # noqa: E402
from core.sms.pseudonym import conversation_id  # noqa: E402
from tests.support.citizens import make_token  # noqa: E402
from tests.support.servers import MODEL, start_servers  # noqa: E402
from tests.support.sms import RunningSimulator, running_simulator  # noqa: E402

_unknown_numbers = itertools.count(1)
SMS_REPLY_WAIT_S = 20.0


def demo_phones() -> dict[str, str]:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return {c["id"]: c["phone"] for c in data["citizens"] if c.get("phone")}


def tracker_events(servers: dict[str, str], conversation: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"{servers['rasa']}/conversations/{conversation}/tracker",
        params={"token": servers["rasa_api_token"], "include_events": "ALL"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json().get("events") or []


def restart(servers: dict[str, str], conversation: str) -> None:
    requests.post(
        f"{servers['rasa']}/conversations/{conversation}/tracker/events",
        params={"token": servers["rasa_api_token"]},
        json=[{"event": "restart"}],
        timeout=30,
    ).raise_for_status()


def play_web(servers: dict[str, str], dialogue: Dialogue) -> str:
    sender = f"dialogue-{dialogue.id}-{uuid.uuid4().hex[:8]}"
    metadata = {"auth_token": make_token(servers["secret"], dialogue.citizen)} if dialogue.citizen else None
    for turn in dialogue.turns:
        body: dict[str, Any] = {"sender": sender, "message": turn}
        if metadata:
            body["metadata"] = metadata
        requests.post(f"{servers['rasa']}/webhooks/rest/webhook", json=body, timeout=60).raise_for_status()
    return f"rest:{sender}"


def play_sms(
    servers: dict[str, str], sim: RunningSimulator, dialogue: Dialogue, phones: dict[str, str]
) -> str:
    number = phones.get(dialogue.citizen or "") or f"+454090{next(_unknown_numbers):04d}"
    conversation = conversation_id(number, servers["sms_pseudonym_secret"].encode())
    if dialogue.citizen:
        restart(servers, conversation)
    for turn in dialogue.turns:
        before = len(sim.sent(number))
        status, _ = sim.send_mo(number, turn)
        if status != 200:
            raise RuntimeError(f"{dialogue.id}: the SMS webhook answered {status}")
        sim.wait_for(number, 1, timeout=SMS_REPLY_WAIT_S, since=before)
    return conversation


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Held-out dialogues: the last turn, as the citizen gets it",
        "",
        f"Model sha256 {report['model']['sha256'][:12]}. Definitions: bot/tools/dialogue_evaluation.py.",
        "",
        "| | " + " | ".join(report["sets"]) + " |",
        "|---|" + "---|" * len(report["sets"]),
    ]
    for key in ["dialogues", "right_first", "wrong", "asked", "dead_end"]:
        lines.append(f"| {key} | " + " | ".join(str(s.get(key)) for s in report["sets"].values()) + " |")
    for name, found in report["sets"].items():
        lines += ["", f"By kind in {name} (right first of all):", ""]
        lines += [f"- {k}: {v}" for k, v in found["by_kind"].items()]
        misses = [r for r in found["results"] if r["outcome"] != RIGHT]
        if misses:
            lines += ["", f"Not right first in {name}:"]
            lines += [
                f"- {r['id']} ({r['channel']}): {r['outcome']}, got {r['got']} (expected {r['expect']})"
                for r in misses
            ]
    return "\n".join(lines) + "\n"


def kind_of(dialogue: Dialogue) -> str:
    if dialogue.expect.startswith("case:") or dialogue.expect == "login_needed":
        return f"{dialogue.channel}, {'logged in' if dialogue.citizen else 'anonymous'}, own case"
    return f"{dialogue.channel}, {'logged in' if dialogue.citizen else 'anonymous'}, general"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=REPO / "results")
    parser.add_argument("--name", default="dialogue_evaluation")
    args = parser.parse_args(argv)
    phones = demo_phones()
    report: dict[str, Any] = {"model": model_fingerprint(MODEL), "sets": {}}
    with tempfile.TemporaryDirectory(prefix="dialogues-") as work:
        servers, stop = start_servers(Path(work))
        try:
            with running_simulator(
                int(servers["sms_sim_port"]),
                servers["sms_token"],
                servers["sms_webhook_secret"],
                servers["rasa"],
            ) as sim:
                for path in args.sets:
                    results = []
                    for dialogue in load_dialogues(path):
                        started = time.monotonic()
                        if dialogue.channel == "sms":
                            conversation = play_sms(servers, sim, dialogue, phones)
                        else:
                            conversation = play_web(servers, dialogue)
                        reply = last_reply(tracker_events(servers, conversation))
                        found = outcome_of(dialogue.expect, reply, logged_in=dialogue.citizen is not None)
                        results.append(
                            {
                                "id": dialogue.id,
                                "channel": dialogue.channel,
                                "citizen": dialogue.citizen,
                                "expect": dialogue.expect,
                                "got": reply.label if reply.kind == "answer" else reply.kind,
                                "aspect": reply.aspect,
                                "outcome": found,
                                "seconds": round(time.monotonic() - started, 2),
                            }
                        )
                    by_kind: dict[str, list[str]] = defaultdict(list)
                    for result, dialogue in zip(results, load_dialogues(path), strict=True):
                        by_kind[kind_of(dialogue)].append(result["outcome"])
                    report["sets"][path.name] = {
                        "dialogues": len(results),
                        **shares(r["outcome"] for r in results),
                        "counts": {k: sum(r["outcome"] == k for r in results) for k in OUTCOMES},
                        "by_kind": {k: f"{v.count(RIGHT)}/{len(v)}" for k, v in sorted(by_kind.items())},
                        "results": results,
                    }
        finally:
            stop()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (args.out / f"{args.name}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
