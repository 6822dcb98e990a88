"""The real action server and Rasa server (trained model) on free ports, once per pytest session.

The servers run as subprocesses exactly as `make run` starts them, against a fresh SQLite case
database seeded with the demo data. Requires a trained model (`make train`; `make test` trains
first).

One set of servers serves the whole pytest session: `shared_servers` starts them on first use
and stops them when the last fixture using them is torn down, so tests/browser/ and tests/e2e/
share the same servers in one run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "models" / "moedeklar.tar.gz"
RASA = Path(sys.executable).parent / "rasa"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {seconds} s:\n{log.read_text(errors='replace')[-3000:]}")


def start_process(
    command: list[str], env: Dict[str, str], log: Path, append: bool = False
) -> subprocess.Popen:
    """`command` in the repository, its output (stdout and stderr) to `log`."""
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log.open("a" if append else "w"), stderr=subprocess.STDOUT
    )


def stop_process(process: subprocess.Popen, timeout_s: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within `timeout_s`."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def running_server(
    command: list[str], env: Dict[str, str], log: Path, health_url: str, up_within_s: float
) -> Iterator[subprocess.Popen]:
    """A server process, up (its `health_url` answers) while the block runs, stopped after it."""
    process = start_process(command, env, log)
    try:
        wait_until_up(health_url, process, log, up_within_s)
        yield process
    finally:
        stop_process(process)


def seed_demo_database(env: Dict[str, str]) -> None:
    """Migrate the case database of `env` (CASES_DB_URL) and load the demo citizens."""
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "bot", *command], env=env, cwd=REPO, check=True, capture_output=True
        )


def action_server_command(port: int, python: Path | str = sys.executable) -> list[str]:
    return [str(python), "-m", "actions", "--port", str(port)]


# The shared secret of the test servers (Rasa <-> action server), a `dev-only-` one.
ACTION_TOKEN = "dev-only-e2e-action-server-token"


def action_server_env(work: Path, **extra: str) -> Dict[str, str]:
    """The environment of an action server started by a test: a fresh database, the secret."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CASES_DB_URL": f"sqlite:///{work / 'cases.db'}",
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "APP_ENV": "development",
        **extra,
    }


@contextmanager
def own_action_server(work: Path, **extra: str) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """A seeded action server of its own (`python -m actions`), as make run starts it.

    Yields its URL, process and log; `extra` adds environment variables (e.g. ACTION_HOST).
    """
    env = action_server_env(work, **extra)
    seed_demo_database(env)
    port = free_port()
    log = work / "actions.log"
    url = f"http://127.0.0.1:{port}"
    with running_server(action_server_command(port), env, log, f"{url}/health", 90) as process:
        yield url, process, log


_SHARED: Dict[str, Any] = {"servers": None, "users": 0, "stop": None, "restart_rasa": None}


def start_rasa(
    env: Dict[str, str], port: int, log: Path, api_token: str | None = None, append: bool = False
) -> subprocess.Popen:
    """`rasa run` as `make run` starts it (credentials.yml, endpoints.yml), output to `log`.

    With `api_token` the HTTP API is on, with that token (README, "Configure only the verified
    channels"): the SMS tests read a conversation's tracker through it.
    """
    command = [str(RASA), "run", "--model", str(MODEL), "--port", str(port)]
    command += ["--credentials", "credentials.yml", "--endpoints", "endpoints.yml", "--cors", "*"]
    if api_token:
        command += ["--enable-api", "--auth-token", api_token]
    return start_process(command, env, log, append=append)


def start_servers(work: Path, **env_overrides: str) -> tuple[Dict[str, str], Any]:
    """Start the action server and Rasa; returns their description and a stop function."""
    rasa_port, action_port, sms_sim_port = free_port(), free_port(), free_port()
    api_token = f"e2e-{os.urandom(16).hex()}"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RASA_TELEMETRY_ENABLED": "false",
        "CASES_DB_URL": f"sqlite:///{work / 'cases.db'}",
        # The conversation store (bot/rasa_plugins/tracker_store.py): a fresh file per test session.
        "TRACKER_STORE_URL": f"sqlite:///{work / 'conversations.db'}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        # The shared secret Rasa sends and the action server checks (actions/guard.py).
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "CITIZEN_JWT_SECRET": os.environ.get("CITIZEN_JWT_SECRET", "dev-only-e2e-secret-of-32-bytes-min"),
        "CONVERSATION_ID_SECRET": os.environ.get("CONVERSATION_ID_SECRET", "dev-only-e2e-conversations"),
        "APP_ENV": "development",
        # SMS (tests/support/sms.py runs the gateway simulator on sms_sim_port in the test process)
        "GATEWAYAPI_URL": f"http://127.0.0.1:{sms_sim_port}",
        "GATEWAYAPI_TOKEN": "dev-only-e2e-gatewayapi-token",
        "GATEWAYAPI_WEBHOOK_SECRET": "dev-only-e2e-gatewayapi-webhook-secret",
        "SMS_PSEUDONYM_SECRET": "dev-only-e2e-sms-pseudonyms",
        "GATEWAYAPI_CALLBACK_URL": f"http://127.0.0.1:{rasa_port}/webhooks/gatewayapi/status",
        "GATEWAYAPI_TIMEOUT": "3",
        "SMS_UNCONFIRMED_RESEND_AFTER": "6",
        # Rate limits (core.rate_limit): every test client is 127.0.0.1, so the per-client limit is
        # out of the way; the per-conversation one is tested (tests/e2e/test_input_limits.py).
        "RATE_LIMIT_PER_CLIENT": "1000000",
        "RATE_LIMIT_PER_CONVERSATION": "60",
        **env_overrides,  # benchmarks: e.g. no per-conversation limit for a 210-turn conversation
    }
    seed_demo_database(env)
    processes: list[subprocess.Popen] = []

    def stop() -> None:
        for process in processes:
            stop_process(process)

    try:
        action_log = work / "actions.log"
        actions = start_process(action_server_command(action_port), env, action_log)
        processes.append(actions)
        rasa_log = work / "rasa.log"
        rasa = start_rasa(env, rasa_port, rasa_log, api_token)
        processes.append(rasa)
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, action_log, 90)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, rasa_log, 240)
    except BaseException:
        stop()
        raise

    def restart_rasa(kill: bool = True) -> None:
        """Stop the Rasa server (SIGKILL: a crash; else SIGTERM) and start it again, same port."""
        old = processes.pop()
        if kill:
            old.kill()
        else:
            old.terminate()
        old.wait(timeout=60)
        new = start_rasa(env, rasa_port, rasa_log, api_token, append=True)
        processes.append(new)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", new, rasa_log, 240)

    _SHARED["restart_rasa"] = restart_rasa
    described = {
        "rasa": f"http://127.0.0.1:{rasa_port}",
        "rasa_port": str(rasa_port),
        "actions": f"http://127.0.0.1:{action_port}",
        "rasa_log": str(rasa_log),
        "action_log": str(action_log),
        "action_token": ACTION_TOKEN,
        "db_url": env["CASES_DB_URL"],
        "tracker_store_url": env["TRACKER_STORE_URL"],
        "secret": env["CITIZEN_JWT_SECRET"],
        "conversation_secret": env["CONVERSATION_ID_SECRET"],
        "rasa_api_token": api_token,
        "sms_sim_port": str(sms_sim_port),
        "sms_token": env["GATEWAYAPI_TOKEN"],
        "sms_webhook_secret": env["GATEWAYAPI_WEBHOOK_SECRET"],
        "sms_pseudonym_secret": env["SMS_PSEUDONYM_SECRET"],
        "rate_limit_per_conversation": env["RATE_LIMIT_PER_CONVERSATION"],
    }
    return described, stop


def restart_rasa(kill: bool = True) -> None:
    """Restart the session's Rasa server process (the SMS restart test)."""
    _SHARED["restart_rasa"](kill)


@contextmanager
def shared_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    """The session's one set of servers (started on first use, stopped after the last user)."""
    if _SHARED["servers"] is None:
        if not MODEL.exists():
            pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
        _SHARED["servers"], _SHARED["stop"] = start_servers(tmp_path_factory.mktemp("e2e"))
    _SHARED["users"] += 1
    try:
        yield _SHARED["servers"]
    finally:
        _SHARED["users"] -= 1
        if _SHARED["users"] == 0:
            _SHARED["stop"]()
            _SHARED["servers"] = _SHARED["stop"] = None
