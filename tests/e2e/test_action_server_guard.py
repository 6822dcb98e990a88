"""The action server is not public: it listens on loopback and answers only with the shared secret.

A real `python -m actions` (tests/support/servers.py) gets the crafted tracker an attacker would
send: `action_next_meeting` for demo citizen Anna (c-1001) with a verified-looking citizen id in
the metadata. Without the secret, with a wrong one, or with the secret in the query string, it is
refused and the answer has none of Anna's case data; with the secret (as Rasa sends it from
endpoints.yml) it works. Production refuses to start without a real secret.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.action_calls import ALL_MARKERS, action_call, answer_text, post_action
from tests.support.servers import ACTION_TOKEN, REPO, free_port, own_action_server

CRAFTED = action_call("action_next_meeting", citizen_id="c-1001")


@pytest.fixture(scope="module")
def actions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with own_action_server(tmp_path_factory.mktemp("guard")) as (url, _process, log):
        yield url, log


def _no_case_data(response: requests.Response) -> None:
    for marker in ALL_MARKERS:
        assert marker not in response.text


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-secret"},
        {"Authorization": f"Bearer {ACTION_TOKEN}x"},
        {"Authorization": f"Basic {ACTION_TOKEN}"},
        {"Authorization": ACTION_TOKEN},
        {"Authorization": "Bearer "},
    ],
    ids=["no-secret", "wrong", "longer", "basic", "no-scheme", "empty"],
)
def test_a_crafted_tracker_without_the_secret_is_refused(actions, headers) -> None:
    url, _log = actions
    response = requests.post(f"{url}/webhook", json=CRAFTED, headers=headers, timeout=10)
    assert response.status_code == 401
    _no_case_data(response)


def test_the_secret_in_the_query_string_is_not_accepted(actions) -> None:
    url, _log = actions
    response = requests.post(f"{url}/webhook?token={ACTION_TOKEN}", json=CRAFTED, timeout=10)
    assert response.status_code == 401
    _no_case_data(response)


def test_with_the_secret_the_action_runs(actions) -> None:
    url, _log = actions
    response = post_action(url, CRAFTED, ACTION_TOKEN)
    assert response.status_code == 200, response.text
    assert "lokale 2.14" in answer_text(response)


def test_only_health_is_open(actions) -> None:
    url, _log = actions
    assert requests.get(f"{url}/health", timeout=10).status_code == 200
    assert requests.get(f"{url}/actions", timeout=10).status_code == 401
    listed = requests.get(f"{url}/actions", headers={"Authorization": f"Bearer {ACTION_TOKEN}"}, timeout=10)
    assert listed.status_code == 200 and {"name": "action_next_meeting"} in listed.json()


def test_a_malformed_call_with_the_secret_is_a_clear_400(actions) -> None:
    url, log = actions
    broken = dict(CRAFTED, tracker={**CRAFTED["tracker"], "events": "not a list"})
    response = post_action(url, broken, ACTION_TOKEN)
    assert response.status_code == 400
    assert "tracker.events" in response.json()["error"]
    assert post_action(url, b"{not json", ACTION_TOKEN).status_code == 400
    unknown = {"next_action": "action_does_not_exist", "tracker": {"sender_id": "x"}}
    assert post_action(url, unknown, ACTION_TOKEN).status_code == 404
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


def _non_loopback_address() -> str | None:
    """An address of this machine that is not loopback (the one it would use to go out), if any."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _listening_addresses(port: int) -> set[str]:
    """The local IPv4 addresses listening on `port` (Linux /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_it_listens_on_loopback_only_by_default(actions) -> None:
    url, _log = actions
    port = int(url.rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"127.0.0.1"}
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{address}:{port}/health", timeout=3)


def _start(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-m", "actions", "--port", str(free_port())],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "token, app_env, expected",
    [
        (None, "development", "ACTION_SERVER_TOKEN skal være sat"),
        ("dev-only-e2e-action-server-token-long-enough", "production", "afvises i produktion"),
        ("short-real-secret", "production", "mindst 32 tegn"),
    ],
)
def test_it_refuses_to_start_without_a_usable_secret(token, app_env, expected) -> None:
    result = _start({"ACTION_SERVER_TOKEN": token, "APP_ENV": app_env})
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
