"""The action server runs with rasa-sdk and the store's dependencies only, as in Rasa's own image.

`make test` installs requirements-actions.lock (no Rasa, no TensorFlow) into var/venv-actions;
this test seeds a database with that venv's `python -m bot` and starts `python -m actions` from
it, then asks it for a citizen's next meeting the way the Rasa server would. Without the venv
the test is skipped locally (run `make actions-venv`) and fails on CI.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.servers import ACTION_TOKEN, REPO, action_server_command, free_port, running_server

ACTIONS_PYTHON = Path(os.environ.get("ACTIONS_PYTHON", REPO / "var" / "venv-actions" / "bin" / "python"))


@pytest.fixture(scope="module")
def python() -> Path:
    if not ACTIONS_PYTHON.exists():
        message = f"{ACTIONS_PYTHON} is missing: run `make actions-venv`."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return ACTIONS_PYTHON


def run(python: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_rasa_is_not_installed_there(python: Path) -> None:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO)}
    assert (
        run(python, "-c", "import rasa_sdk, sqlalchemy, core.store.cases.repository", env=env).returncode == 0
    )
    missing = run(python, "-c", "import rasa", env=env)
    assert missing.returncode != 0 and "No module named 'rasa'" in missing.stderr


def test_the_action_server_answers_without_rasa(python: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO),
        "CASES_DB_URL": f"sqlite:///{tmp_path / 'cases.db'}",
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
    }
    for command in (["migrate"], ["seed-demo"]):
        result = run(python, "-m", "bot", *command, env=env)
        assert result.returncode == 0, result.stderr
    log = tmp_path / "actions.log"
    url = f"http://127.0.0.1:{port}"
    with running_server(action_server_command(port, python), env, log, f"{url}/health", 60):
        tracker = {
            "sender_id": "alone",
            "slots": {},
            "latest_message": {
                "text": "hvornår er mit næste møde?",
                "intent": {"name": "ask_next_meeting", "confidence": 0.99},
                "entities": [],
                "metadata": {"identity": {"citizen_id": "c-1001", "via": "mitid"}},
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
        response = requests.post(
            f"{url}/webhook",
            json={
                "next_action": "action_next_meeting",
                "sender_id": "alone",
                "tracker": tracker,
                "domain": {},
            },
            headers={"Authorization": f"Bearer {ACTION_TOKEN}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        answer = "\n".join(message.get("text") or "" for message in response.json()["responses"])
        assert "Dit næste møde er et møde med rehabiliteringsteamet." in answer
        assert "lokale 2.14" in answer
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")
