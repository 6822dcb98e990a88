"""A whole Mødeklar cluster for a test or a benchmark, started as `make run-cluster` starts it.

`running_cluster(work, ...)` runs `python -m bot.tools.supervisor cluster` with its own ports
(RASA_PORT for HAProxy, RASA_PORT + n for Rasa server n), its own RUN_DIR (pids, logs, the
proxy's configuration) under `work`, its own PostgreSQL databases (named by the caller or made
unique; the supervisor creates them, they are dropped afterwards) and its own Redis databases, and
yields a `Cluster` once the supervisor prints that everything runs. Leaving the block stops the
supervisor with SIGTERM, which stops every process it started.

Must not: touch the machine's default ports, databases or Redis database 0, or leave a process
behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.support.servers import ACTION_TOKEN, REPO, free_port

READY_LINE = "Mødeklar is running."
START_WITHIN_S = 420.0


@dataclass
class Cluster:
    env: Dict[str, str]
    run_dir: Path
    supervisor: subprocess.Popen
    supervisor_log: Path

    @property
    def port(self) -> int:
        return int(self.env["RASA_PORT"])

    @property
    def url(self) -> str:
        """The proxy, as citizens reach it (`localhost`, so cookie jars keep its cookie)."""
        return f"http://localhost:{self.port}"

    def rasa_url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port + n}"

    def pid(self, name: str) -> int | None:
        try:
            return int((self.run_dir / "run" / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        pid = self.pid(name)
        assert pid is not None, f"{name} has no pid file"
        os.kill(pid, sig)
        return pid

    def wait_for_restart(self, name: str, old_pid: int, ready_url: str | None, seconds: float) -> int:
        """The supervisor started `name` again (a new pid) and, if given, `ready_url` answers 200."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid = self.pid(name)
            if pid is not None and pid != old_pid:
                if ready_url is None or _answers(ready_url):
                    return pid
            time.sleep(0.5)
        raise AssertionError(f"{name} was not running again within {seconds} s:\n{self.log_tail(name)}")

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.run_dir / "log" / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else f"(no {path})"


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_port_run(count: int) -> int:
    """A port p such that p, p + 1, ..., p + count - 1 are all free."""
    for _ in range(200):
        base = free_port()
        if base + count < 65535 and all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports")


def cluster_env(
    work: Path,
    processes: int,
    admin_url: str,
    redis_dbs: tuple[int, int],
    redis_base: str = "redis://127.0.0.1:6379",
    **extra: str,
) -> Dict[str, str]:
    """The environment `make run-cluster` would export, on ports and databases of its own."""
    rasa_port = free_port_run(processes + 1)
    server = make_url(admin_url)
    suffix = uuid.uuid4().hex[:10]

    def database(name: str) -> str:
        return server.set(database=f"{name}_{suffix}").render_as_string(hide_password=False)

    sms_port = free_port()
    locks, counters = redis_dbs
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RASA_TELEMETRY_ENABLED": "false",
        "RUN_DIR": str(work / "var"),
        "RASA_PORT": str(rasa_port),
        "RASA_PROCESSES": str(processes),
        "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "REVIEW_PORT": str(free_port()),
        "SMS_DEMO_PORT": str(sms_port),
        "RASA_PUBLIC_URL": f"http://localhost:{rasa_port}",
        "TRACKER_STORE_URL": database("moedeklar_conversations_test"),
        "CASES_DB_URL": database("moedeklar_cases_test"),
        "LOCK_STORE_URL": f"{redis_base}/{locks}",
        "RATE_LIMIT_STORE_URL": f"{redis_base}/{counters}",
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "CITIZEN_JWT_SECRET": "dev-only-cluster-test-secret-of-32-bytes",
        "CONVERSATION_ID_SECRET": "dev-only-cluster-test-conversations",
        "APP_ENV": "development",
        "GATEWAYAPI_URL": f"http://127.0.0.1:{sms_port}",
        "GATEWAYAPI_TOKEN": "dev-only-cluster-gatewayapi-token",
        "GATEWAYAPI_WEBHOOK_SECRET": "dev-only-cluster-gatewayapi-webhook-secret",
        "SMS_PSEUDONYM_SECRET": "dev-only-cluster-sms-pseudonyms",
        "GATEWAYAPI_CALLBACK_URL": f"http://127.0.0.1:{rasa_port}/webhooks/gatewayapi/status",
        "REMINDER_EVERY_S": "300",
        **extra,
    }


def _env_after_ports(env: Dict[str, str]) -> Dict[str, str]:
    """ACTION_ENDPOINT_URL follows ACTION_PORT (the Makefile derives it the same way)."""
    return {**env, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"}


def drop_databases(env: Dict[str, str], admin_url: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            for key in ("TRACKER_STORE_URL", "CASES_DB_URL"):
                name = make_url(env[key]).database
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def flush_redis(env: Dict[str, str]) -> None:
    import redis

    for key in ("LOCK_STORE_URL", "RATE_LIMIT_STORE_URL"):
        redis.Redis.from_url(env[key]).flushdb()


@contextmanager
def running_cluster(
    work: Path,
    admin_url: str,
    processes: int = 2,
    redis_dbs: tuple[int, int] = (11, 12),
    redis_base: str = "redis://127.0.0.1:6379",
    **extra: str,
) -> Iterator[Cluster]:
    """`redis_base`: the Redis server (a private one for the chaos run), without a database number."""
    env = _env_after_ports(cluster_env(work, processes, admin_url, redis_dbs, redis_base, **extra))
    flush_redis(env)
    log = work / "supervisor.log"
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "bot.tools.supervisor", "cluster"],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    cluster = Cluster(env, Path(env["RUN_DIR"]), supervisor, log)
    try:
        deadline = time.monotonic() + START_WITHIN_S
        while READY_LINE not in log.read_text(errors="replace"):
            if supervisor.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not start:\n{log.read_text(errors='replace')[-4000:]}")
            time.sleep(0.5)
        yield cluster
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        drop_databases(env, admin_url)
        flush_redis(env)
