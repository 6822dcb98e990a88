"""Fixtures for the end-to-end tests: the real servers (tests/support/servers.py) and the REST URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Dict

import pytest

from tests.support.servers import shared_servers
from tests.support.sms import RunningSimulator, running_simulator


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    with shared_servers(tmp_path_factory) as described:
        yield described


@pytest.fixture(scope="session")
def rest_url(servers: Dict[str, str]) -> str:
    return f"{servers['rasa']}/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def sim(servers: Dict[str, str]) -> Iterator[RunningSimulator]:
    """The SMS gateway simulator on the port the servers were told (one per test module)."""
    with running_simulator(
        int(servers["sms_sim_port"]), servers["sms_token"], servers["sms_webhook_secret"], servers["rasa"]
    ) as simulator:
        yield simulator
