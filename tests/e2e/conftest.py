"""Fixtures that start the real action server and Rasa server (trained model) on free ports.

The servers run as subprocesses exactly as `make run` starts them, against a fresh SQLite case
database seeded with the demo data. Requires a trained model (`make train`; `make test` trains
first).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator

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


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
    work = tmp_path_factory.mktemp("e2e")
    rasa_port, action_port = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RASA_TELEMETRY_ENABLED": "false",
        "CASES_DB_URL": f"sqlite:///{work / 'cases.db'}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "CITIZEN_JWT_SECRET": os.environ.get("CITIZEN_JWT_SECRET", "dev-only-e2e-secret"),
        "APP_ENV": "development",
    }
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "bot", *command], env=env, cwd=REPO, check=True,
                       capture_output=True)
    processes = []
    try:
        action_log = work / "actions.log"
        actions = subprocess.Popen(
            [str(RASA), "run", "actions", "--actions", "actions", "--port", str(action_port)],
            cwd=REPO, env=env, stdout=action_log.open("w"), stderr=subprocess.STDOUT,
        )
        processes.append(actions)
        rasa_log = work / "rasa.log"
        rasa = subprocess.Popen(
            [str(RASA), "run", "--model", str(MODEL), "--port", str(rasa_port),
             "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
            cwd=REPO, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
        )
        processes.append(rasa)
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, action_log, 90)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, rasa_log, 240)
        yield {
            "rasa": f"http://127.0.0.1:{rasa_port}",
            "actions": f"http://127.0.0.1:{action_port}",
            "rasa_log": str(rasa_log),
            "action_log": str(action_log),
            "db_url": env["CASES_DB_URL"],
            "secret": env["CITIZEN_JWT_SECRET"],
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def rest_url(servers: Dict[str, str]) -> str:
    return f"{servers['rasa']}/webhooks/rest/webhook"
