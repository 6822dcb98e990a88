"""`make chaos`: the production shape under citizens' load while its parts fail, and what they saw.

One cluster (`tests.support.cluster.running_cluster`: RASA_PROCESSES Rasa servers behind HAProxy,
the supervisor restarting what dies) runs on a PostgreSQL and a Redis of its own
(`tests.support.private_services`: `initdb`/`pg_ctl` as the `postgres` user and a `redis-server`,
each on its own port — never the machine's shared services). For each fault, a phase of
`--citizens` simulated citizens for `--phase` seconds (benchmarks/cluster_load.py: FAQ, case
questions, the preparation guide over socket.io, SMS) with the fault injected `--fault-at`
seconds in:

  rasa_kill         Rasa server 1 killed with SIGKILL; the supervisor starts it again
  actions_kill      the action server killed with SIGKILL; the supervisor starts it again
  postgres_restart  `pg_ctl restart -m fast` (every connection cut)
  redis_stop        Redis stopped for 20 s, then started again (empty: locks and counters gone)
  gateway_down      the SMS gateway answers 503 for 60 s

For each phase it reports what citizens got while the fault lasted and overall (outcomes of
benchmarks/cluster_load.py: ok, retried, busy — the polite "travlt"/"kan ikke svare" answers —,
rate_limited, error), how long until the part was back (`recovery_s`, from the fault to the part
answering again: the Rasa server ready, the action server's /health, every Rasa server ready
after PostgreSQL, Redis PING from /health, the SMS outbox empty), and the turn audit from the
conversation store: `lost` and `duplicated_acknowledged` must both be 0. For the gateway it also
counts SMS the gateway accepted twice for one outbox row (`userref`): must be 0.

  PYTHONPATH=. .venv/bin/python benchmarks/chaos.py [--citizens 20] [--phase 90] [--faults ...]

Prints one JSON document (and writes it to `--out`, default results/chaos.json). Exit code 1
when a fault lost or duplicated a turn, or a phase did not recover. Needs root (to run
PostgreSQL as `postgres`), Debian's PostgreSQL server binaries, redis-server and HAProxy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from benchmarks.cluster_load import LoadResult, audit_turns, run_load, target_from_cluster
from tests.support.cluster import Cluster, running_cluster
from tests.support.private_services import PrivatePostgres, PrivateRedis, private_postgres, private_redis

FAULTS = ("rasa_kill", "actions_kill", "postgres_restart", "redis_stop", "gateway_down")
REDIS_DOWN_S = 20.0
GATEWAY_DOWN_S = 60.0
RECOVERY_LIMIT_S = 300.0


def _ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _wait(condition: Callable[[], bool], seconds: float = RECOVERY_LIMIT_S) -> float | None:
    """Seconds until `condition()` held (polled every 0.25 s), None if it never did."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(0.25)
    return None


def _rasa_servers(cluster: Cluster) -> list[int]:
    return list(range(1, int(cluster.env["RASA_PROCESSES"]) + 1))


def _redis_ok(cluster: Cluster) -> bool:
    try:
        parts = requests.get(f"{cluster.rasa_url(1)}/health", timeout=3).json()["parts"]
    except (requests.RequestException, ValueError, KeyError):
        return False
    return parts.get("redis") == "ok"


def _outbox_depth(cluster: Cluster) -> float | None:
    try:
        text = requests.get(f"{cluster.rasa_url(1)}/metrics", timeout=3).text
    except requests.RequestException:
        return None
    for line in text.splitlines():
        if line.startswith("moedeklar_sms_outbox_depth "):
            return float(line.split()[1])
    return None


def _simulator(cluster: Cluster) -> str:
    return f"http://127.0.0.1:{cluster.env['SMS_DEMO_PORT']}"


# --- the faults: each returns (seconds the fault was held, seconds until recovered or None) ------
Outcome = tuple[float, float | None]


def rasa_kill(cluster: Cluster, _pg: PrivatePostgres, _redis: PrivateRedis) -> Outcome:
    start = time.monotonic()
    old = cluster.kill("rasa-1")

    def back() -> bool:
        pid = cluster.pid("rasa-1")
        return pid is not None and pid != old and _ok(f"{cluster.rasa_url(1)}/ready")

    waited = _wait(back)
    return 0.0, None if waited is None else time.monotonic() - start


def actions_kill(cluster: Cluster, _pg: PrivatePostgres, _redis: PrivateRedis) -> Outcome:
    start = time.monotonic()
    old = cluster.kill("actions")
    health = f"http://127.0.0.1:{cluster.env['ACTION_PORT']}/health"
    waited = _wait(lambda: cluster.pid("actions") not in (None, old) and _ok(health))
    return 0.0, None if waited is None else time.monotonic() - start


def postgres_restart(cluster: Cluster, pg: PrivatePostgres, _redis: PrivateRedis) -> Outcome:
    start = time.monotonic()
    pg.restart()
    held = time.monotonic() - start
    waited = _wait(lambda: all(_ok(f"{cluster.rasa_url(n)}/ready") for n in _rasa_servers(cluster)))
    return held, None if waited is None else time.monotonic() - start


def redis_stop(cluster: Cluster, _pg: PrivatePostgres, redis: PrivateRedis) -> Outcome:
    start = time.monotonic()
    redis.stop()
    time.sleep(REDIS_DOWN_S)
    redis.start()
    held = time.monotonic() - start
    time.sleep(3.5)  # /health caches a part's state for 3 s
    waited = _wait(lambda: _redis_ok(cluster))
    return held, None if waited is None else time.monotonic() - start


def gateway_down(cluster: Cluster, _pg: PrivatePostgres, _redis: PrivateRedis) -> Outcome:
    start = time.monotonic()
    failure = f"{_simulator(cluster)}/_sim/failure"
    requests.post(failure, json={"mode": "error", "status": 503}, timeout=5).raise_for_status()
    time.sleep(GATEWAY_DOWN_S)
    requests.post(failure, json={"mode": "ok"}, timeout=5).raise_for_status()
    held = time.monotonic() - start
    waited = _wait(lambda: _outbox_depth(cluster) == 0.0)
    return held, None if waited is None else time.monotonic() - start


INJECT = {fault: globals()[fault] for fault in FAULTS}


def accepted_twice(cluster: Cluster) -> int:
    """SMS the gateway accepted more than once for one outbox row (its `userref`)."""
    records = requests.get(f"{_simulator(cluster)}/_sim/state", timeout=10).json()["messages"]
    refs = Counter(r["userref"] for r in records if r["direction"] == "mt" and r.get("userref"))
    return sum(count - 1 for count in refs.values() if count > 1)


def during(result: LoadResult, start: float, end: float) -> dict[str, int]:
    """Outcomes of the messages sent while the fault lasted (until recovery)."""
    return dict(Counter(m.outcome for m in result.messages if start <= m.sent_at <= end))


async def run_phase(
    cluster: Cluster,
    services: tuple[PrivatePostgres, PrivateRedis],
    fault: str,
    args: argparse.Namespace,
    seed: int,
) -> dict[str, Any]:
    pg, redis = services
    target = target_from_cluster(cluster)
    load = asyncio.create_task(run_load(target, args.citizens, args.phase, seed=seed))
    await asyncio.sleep(args.fault_at)
    fault_started = time.time()
    held_s, recovery_s = await asyncio.to_thread(INJECT[fault], cluster, pg, redis)
    recovered_at = time.time() if recovery_s is not None else float("inf")
    result = await load
    audit = await asyncio.to_thread(audit_turns, result, cluster.env["TRACKER_STORE_URL"])
    summary = result.summary()
    report = {
        "fault": fault,
        "held_s": round(held_s, 1),
        "recovery_s": None if recovery_s is None else round(recovery_s, 1),
        "while_faulty": during(result, fault_started, recovered_at),
        "overall": summary["outcomes"],
        "sent": summary["sent"],
        "throughput_per_s": summary["throughput_per_s"],
        "latency_ms": summary["latency_ms"]["overall"],
        "failures": summary["failures"],
        "audit": audit,
    }
    if fault == "gateway_down":
        report["sms_accepted_twice"] = await asyncio.to_thread(accepted_twice, cluster)
    report["passed"] = (
        recovery_s is not None
        and audit["lost"] == 0
        and audit["duplicated_acknowledged"] == 0
        and report.get("sms_accepted_twice", 0) == 0
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--phase", type=float, default=90.0, help="seconds of load per fault")
    parser.add_argument("--fault-at", type=float, default=15.0, help="seconds into a phase")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--faults", nargs="+", choices=FAULTS, default=list(FAULTS))
    parser.add_argument("--out", type=Path, default=Path("results/chaos.json"))
    args = parser.parse_args(argv)
    if args.phase < args.fault_at + GATEWAY_DOWN_S and "gateway_down" in args.faults:
        parser.error("--phase must leave room for the gateway's minute down after --fault-at")
    reports: list[dict[str, Any]] = []
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="moedeklar-chaos-") as folder:
        work = Path(folder)
        with private_postgres(work) as pg, private_redis(work / "redis") as redis:
            with running_cluster(
                work, pg.admin_url, processes=args.processes, redis_dbs=(1, 2), redis_base=redis.url
            ) as cluster:
                for number, fault in enumerate(args.faults):
                    print(f"chaos: {fault} ...", file=sys.stderr, flush=True)
                    report = asyncio.run(run_phase(cluster, (pg, redis), fault, args, seed=100 + number))
                    print(json.dumps(report, ensure_ascii=False), file=sys.stderr, flush=True)
                    reports.append(report)
    document = {
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
        "machine": f"{platform.node()} ({platform.machine()}, {__import__('os').cpu_count()} cores)",
        "citizens": args.citizens,
        "phase_s": args.phase,
        "fault_at_s": args.fault_at,
        "processes": args.processes,
        "faults": reports,
        "passed": all(report["passed"] for report in reports),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0 if document["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
