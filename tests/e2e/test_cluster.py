"""End-to-end: the production shape (`make run-cluster`) under the faults a citizen would notice.

Two Rasa servers behind HAProxy on PostgreSQL and Redis, started by the supervisor exactly as
`make run-cluster` starts them (tests/support/cluster.py), on ports and databases of their own:
- a logged-in citizen midway through the preparation guide over socket.io (the widget's polling
  transport, which only works when every request reaches the same server) keeps her place when
  her Rasa server is killed: the proxy sends her to the other one, which continues from the
  shared conversation store, and the supervisor starts the killed one again;
- with the action server killed, the FAQ answers still come (every Rasa server stays ready,
  /health says "degraded"), and the supervisor restarts the action server;
- /metrics counts the messages; the proxy's health checks use /ready.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import requests
import socketio
from yarl import URL

from tests.support.citizens import ANNA, make_token
from tests.support.cluster import Cluster, running_cluster
from tests.support.databases import require_pg_admin_url
from tests.support.widget_client import WidgetClient

COOKIE = "MOEDEKLAR_RASA"
GUIDE_START = "hjælp mig med at forberede mig til mødet"
FAQ = "hvor længe varer et ressourceforløb?"
RECONNECT_ATTEMPTS = 5


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("cluster"), require_pg_admin_url()) as running:
        yield running


async def _connect(
    cluster: Cluster, token: str, cookies: dict[str, str]
) -> tuple[WidgetClient, aiohttp.ClientSession]:
    """A widget client over long polling through the proxy, with the browser's cookie jar."""
    jar = aiohttp.CookieJar()
    if cookies:
        jar.update_cookies(cookies, URL(cluster.url))
    session = aiohttp.ClientSession(cookie_jar=jar)
    client = WidgetClient(token, http_session=session)
    for attempt in range(RECONNECT_ATTEMPTS):  # as the widget does: try again after a second
        try:
            await client.sio.connect(cluster.url, socketio_path="/socket.io", transports=["polling"])
            return client, session
        except socketio.exceptions.ConnectionError:
            if attempt == RECONNECT_ATTEMPTS - 1:
                await session.close()
                raise
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


def _server_of(session: aiohttp.ClientSession, cluster: Cluster) -> str:
    cookies = session.cookie_jar.filter_cookies(URL(cluster.url))
    assert COOKIE in cookies, "the proxy set no sticky cookie"
    return cookies[COOKIE].value


async def _close(client: WidgetClient, session: aiohttp.ClientSession) -> None:
    try:
        await client.sio.disconnect()
    finally:
        await session.close()


def test_citizen_keeps_her_place_in_the_guide_when_her_rasa_server_is_killed(cluster: Cluster) -> None:
    token = make_token(cluster.env["CITIZEN_JWT_SECRET"], ANNA)

    async def scenario() -> tuple[str, int, str]:
        client, session = await _connect(cluster, token, {})
        await client.request_session()
        assert "Trin 1 af 5" in await client.ask(GUIDE_START)
        assert "Trin 2 af 5" in await client.ask("Videre")
        server = _server_of(session, cluster)
        session_id = client.session_id
        cookies = {COOKIE: server}
        await session.close()  # the browser loses its connection when the server dies

        killed_pid = cluster.kill(server, signal.SIGKILL)
        # The browser reconnects with its cookie (naming the dead server) and its conversation id.
        client, session = await _connect(cluster, token, cookies)
        try:
            assert await client.request_session(session_id) == session_id
            reply = await client.ask("Videre")
            moved_to = _server_of(session, cluster)
        finally:
            await _close(client, session)
        return server, killed_pid, reply + f"\n[served by {moved_to}]"

    killed, old_pid, reply = asyncio.run(scenario())
    assert "Trin 3 af 5" in reply, reply
    assert f"[served by {killed}]" not in reply
    n = int(killed.rsplit("-", 1)[1])
    cluster.wait_for_restart(killed, old_pid, f"{cluster.rasa_url(n)}/ready", 300)


def test_faq_answers_go_on_while_the_action_server_is_down(cluster: Cluster) -> None:
    old = cluster.kill("actions", signal.SIGKILL)
    answer = requests.post(
        f"{cluster.url}/webhooks/rest/webhook", json={"sender": "cluster-faq", "message": FAQ}, timeout=30
    )
    assert answer.status_code == 200
    assert "3 år" in " ".join(part.get("text", "") for part in answer.json())
    for n in (1, 2):
        assert requests.get(f"{cluster.rasa_url(n)}/ready", timeout=5).status_code == 200
    cluster.wait_for_restart("actions", old, f"http://127.0.0.1:{cluster.env['ACTION_PORT']}/health", 60)


def test_every_rasa_server_reports_health_and_metrics(cluster: Cluster) -> None:
    for n in (1, 2):
        health = requests.get(f"{cluster.rasa_url(n)}/health", timeout=5).json()
        assert set(health["parts"]) == {"action_server", "redis", "gateway", "conversation_store"}
        assert health["parts"]["redis"] == "ok" and health["parts"]["conversation_store"] == "ok"
        metrics = requests.get(f"{cluster.rasa_url(n)}/metrics", timeout=5).text
        assert (
            "# TYPE moedeklar_reply_seconds histogram" in metrics and "moedeklar_sms_outbox_depth" in metrics
        )
    config = (Path(cluster.env["RUN_DIR"]) / "haproxy.cfg").read_text()
    assert "option httpchk GET /ready" in config
