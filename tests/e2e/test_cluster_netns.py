"""End-to-end: one conversation served by two Rasa processes on two "hosts"; nothing assumes one host.

Owns one test and its cluster: two fresh PostgreSQL databases (cases, conversations), Redis DB 13
(locks and rate limits; afterwards it deletes only the keys of its conversation and clients), one
action server, Rasa process 1 in the root network namespace and Rasa process 2 in a second host
made by tests/support/netns.py. Must not: share a file, a port or an in-memory store between the two
Rasa processes, touch the shared servers of the other e2e tests, or leave a process, a namespace, a
veth pair, a database or a Redis key behind.

The second host. Process 2 runs in its own network namespace, joined to the root one by a veth pair
in a private /30 (root side 10.251.X.1, its side 10.251.X.2). PostgreSQL and Redis listen on
127.0.0.1 only, so the test runs two TCP forwarders (tests/support/tcp_proxy.py) bound to the root
side of the veth; the action server listens on that address itself (ACTION_HOST). Process 2 is
configured with those addresses only and process 1 with 127.0.0.1 and the action server's address,
so both use the same databases, the same Redis DB and the same action server, each by address.
Both Rasa processes listen on the same port number, as two hosts with one configuration would.

Isolation, and how it is shown:
- network: from inside the namespace 127.0.0.1:5432 and 127.0.0.1:6379 do not answer (the probe is
  checked against the forwarders, which do), and process 2's /proc/PID/ns/net is not the test's;
- files: process 2 runs as `ip netns exec NAME unshare --mount --uts --propagation private sh -c
  SCRIPT`; SCRIPT (after checking it is not in the test's mount namespace) binds the process's own
  temp directory onto itself, mounts a fresh tmpfs on /dev/shm and remounts / read-only *in that
  mount namespace only* (`mount -o remount,bind,ro /` changes the flags of this namespace's copy of
  the mount, not the filesystem). So the repository, the venv, the model and the shared /tmp are
  read-only for it; it proves a write into the repository fails before it execs Rasa, and the test
  reads /proc/PID/mountinfo of the running process (/ "ro", its directory "rw"). HOME, TMPDIR,
  XDG_*, MPLCONFIGDIR and RASA_CACHE_DIRECTORY point into that directory. `rasa run` needs only
  a writable TMPDIR (it unpacks the model there); it also writes ~/.config/rasa/global.yml and
  ~/.keras/keras.json, and starts without them when HOME is read-only. Its own host name (a UTS
  namespace) keeps the SMS worker's lease name (`hostname:port`) distinct although the ports match.
  (`git status` is not compared: other sessions edit the tree meanwhile; the kernel's read-only
  mount is the stronger proof.)

Both processes start at once on a fresh conversation store, so both try to create its tables
(core/store/conversations/windows.py copes with the race).

Runs in `make test` like every e2e test (no marker), in about 35 s. It needs root and `ip netns`:
without them it is skipped, but fails under CI=true (tests/support/netns.py).

The conversation: a verified demo citizen starts the preparation guide on process 1, goes on on
process 2 and gets the next step, asks for the next meeting on process 2 (case data from the shared
PostgreSQL through the action server), and goes on on process 1. Then the conversation store holds
each user turn exactly once, in order, and the shared Redis counted every turn of both processes.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict

import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from actions.wording import format_meeting_time
from core.rate_limit import hashed
from core.store.cases.repository import CaseRepository
from core.store.conversations.events import ConversationReader
from core.store.database import Database
from tests.support.citizens import ANNA, make_token
from tests.support.databases import PG_PORT, postgres_database, require_pg_admin_url
from tests.support.netns import SecondHost, link_exists, namespace_names, second_host
from tests.support.servers import (
    ACTION_TOKEN,
    MODEL,
    RASA,
    REPO,
    action_server_command,
    free_port,
    seed_demo_database,
    start_process,
    stop_process,
    wait_until_up,
)
from tests.support.tcp_proxy import TcpProxy

REDIS_PORT = 6379
REDIS_DB = 13  # this test's own Redis database (tests/integration use 0 and 14)
REDIS_KEY_PREFIX = "moedeklar:"  # the lock store's and the rate limiter's keys
JWT_SECRET = "dev-only-cluster-test-secret-of-32-bytes"
UP_WITHIN_S = 240

# What every host of the cluster is configured with (its addresses come on top).
CLUSTER_SETTINGS = {
    "APP_ENV": "development",
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "ACTION_SERVER_TOKEN": ACTION_TOKEN,
    "CITIZEN_JWT_SECRET": JWT_SECRET,
    "CONVERSATION_ID_SECRET": "dev-only-cluster-test-conversations",
    "GATEWAYAPI_TOKEN": "dev-only-cluster-test-gatewayapi-token",
    "GATEWAYAPI_WEBHOOK_SECRET": "dev-only-cluster-test-gatewayapi-webhook-secret",
    "SMS_PSEUDONYM_SECRET": "dev-only-cluster-test-sms-pseudonyms",
    "GATEWAYAPI_TIMEOUT": "3",
    "RATE_LIMIT_PER_CLIENT": "1000000",
    "RATE_LIMIT_PER_CONVERSATION": "60",
    "RATE_LIMIT_WINDOW": "3600",  # the counters outlive the test: the check below reads them
}
# Passed on from the test's environment: make_token() puts them in the token it signs.
PASSED_ON = ("CITIZEN_JWT_ISSUER", "CITIZEN_JWT_AUDIENCE")


def node_env(directory: Path, rasa_port: int, **addresses: str) -> Dict[str, str]:
    """A host's environment: its own writable directories, the cluster's settings, its addresses."""
    own = {
        "HOME": "home",
        "TMPDIR": "tmp",
        "XDG_CACHE_HOME": "cache",
        "XDG_CONFIG_HOME": "config",
        "XDG_DATA_HOME": "data",
        "MPLCONFIGDIR": "matplotlib",
        "RASA_CACHE_DIRECTORY": "rasa-cache",
    }
    for sub in own.values():
        (directory / sub).mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        **{name: str(directory / sub) for name, sub in own.items()},
        **{name: os.environ[name] for name in PASSED_ON if os.environ.get(name)},
        **CLUSTER_SETTINGS,
        "RASA_PORT": str(rasa_port),
        "GATEWAYAPI_URL": f"http://127.0.0.1:{free_port()}",  # no gateway: no SMS is sent here
        **addresses,
    }


def redis_or_skip() -> redis.Redis:
    client = redis.Redis(host="127.0.0.1", port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        reason = f"Redis is not reachable on 127.0.0.1:{REDIS_PORT}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: required)")
        pytest.skip(reason)
    return client


def at(url: str, address: str, port: int) -> str:
    """A database URL with another host and port (the same database, reached another way)."""
    return make_url(url).set(host=address, port=port).render_as_string(hide_password=False)


def mount_options(pid: int) -> Dict[str, str]:
    """Mount point -> its per-mount options, as process `pid` sees its mounts."""
    table = {}
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        fields = line.split()
        table[fields[4].replace("\\040", " ")] = fields[5]
    return table


def namespace_of(pid: int | str, kind: str) -> str:
    return os.readlink(f"/proc/{pid}/ns/{kind}")


@dataclass
class Cluster:
    host: SecondHost
    rasa_1: str
    rasa_2: str
    rasa_2_process: subprocess.Popen
    rasa_2_dir: Path
    rasa_1_log: Path
    rasa_2_log: Path
    pg_forward: TcpProxy
    redis_forward: TcpProxy
    cases_url: str
    tracker_url: str
    redis: redis.Redis
    sender: str


def forward(stack: ExitStack, host: SecondHost, target_port: int) -> TcpProxy:
    """A forwarder from the root side of the veth pair to 127.0.0.1:`target_port`, for the block."""
    proxy = TcpProxy(0, target_port, bind_host=host.host_address)
    proxy.start()
    stack.callback(proxy.stop)
    return proxy


def launch(
    stack: ExitStack, processes: list[subprocess.Popen], process: subprocess.Popen
) -> subprocess.Popen:
    """`process`, stopped at the end of the block (SIGTERM, then SIGKILL)."""
    processes.append(process)
    stack.callback(stop_process, process)
    return process


def our_redis_keys(conversation_id: str, client_addresses: list[str]) -> list[str]:
    """Patterns of the keys the Rasa processes make for this conversation and these clients."""
    return [
        f"{REDIS_KEY_PREFIX}lock:{conversation_id}",
        f"{REDIS_KEY_PREFIX}rl:conv:{hashed(conversation_id)}:*",
        *(f"{REDIS_KEY_PREFIX}rl:client:{hashed(address)}:*" for address in client_addresses),
    ]


def delete_new_redis_keys(stack: ExitStack, client: redis.Redis, patterns: list[str]) -> None:
    """At the end of the block, delete the keys matching `patterns` that were not there at its start."""

    def matching() -> set[bytes]:
        return {key for pattern in patterns for key in client.scan_iter(pattern)}

    before = matching()

    def delete() -> None:
        ours = matching() - before
        if ours:
            client.delete(*ours)

    stack.callback(delete)


def assert_nothing_left(
    host: SecondHost, processes: list[subprocess.Popen], admin_url: str, urls: list[str]
) -> None:
    """The processes, the namespace and its veth pair, the databases: all gone."""
    assert all(process.poll() is not None for process in processes)
    assert host.name not in namespace_names() and not link_exists(host.host_link)
    admin = create_engine(admin_url, poolclass=NullPool)
    try:
        with admin.connect() as connection:
            left = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"),
                {"names": [make_url(url).database for url in urls]},
            ).all()
    finally:
        admin.dispose()
    assert left == []


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.")
    admin_url = require_pg_admin_url()
    redis_client = redis_or_skip()
    processes: list[subprocess.Popen] = []
    sender = f"cluster-{uuid.uuid4().hex}"  # the one conversation of the test
    with ExitStack() as stack:
        stack.callback(redis_client.close)
        host = stack.enter_context(second_host())
        cases_url = stack.enter_context(postgres_database(admin_url))
        tracker_url = stack.enter_context(postgres_database(admin_url))
        # The REST clients as the two processes see them: this process over loopback and over the veth.
        delete_new_redis_keys(
            stack, redis_client, our_redis_keys(f"rest:{sender}", ["127.0.0.1", host.host_address])
        )
        pg_forward, redis_forward = forward(stack, host, PG_PORT), forward(stack, host, REDIS_PORT)

        action_port, rasa_port = free_port(), free_port()
        action_url = f"http://{host.host_address}:{action_port}"
        redis_1 = f"redis://127.0.0.1:{REDIS_PORT}/{REDIS_DB}"
        redis_2 = f"redis://{host.host_address}:{redis_forward.port}/{REDIS_DB}"
        env_1 = node_env(
            tmp_path / "rasa-1",
            rasa_port,
            CASES_DB_URL=cases_url,
            TRACKER_STORE_URL=tracker_url,
            LOCK_STORE_URL=redis_1,
            RATE_LIMIT_STORE_URL=redis_1,
            ACTION_ENDPOINT_URL=f"{action_url}/webhook",
            GATEWAYAPI_CALLBACK_URL=f"http://127.0.0.1:{rasa_port}/webhooks/gatewayapi/status",
        )
        env_2 = node_env(
            tmp_path / "rasa-2",
            rasa_port,
            CASES_DB_URL=at(cases_url, host.host_address, pg_forward.port),
            TRACKER_STORE_URL=at(tracker_url, host.host_address, pg_forward.port),
            LOCK_STORE_URL=redis_2,
            RATE_LIMIT_STORE_URL=redis_2,
            ACTION_ENDPOINT_URL=f"{action_url}/webhook",
            GATEWAYAPI_CALLBACK_URL=f"http://{host.node_address}:{rasa_port}/webhooks/gatewayapi/status",
        )
        env_actions = node_env(
            tmp_path / "actions", rasa_port, CASES_DB_URL=cases_url, ACTION_HOST=host.host_address
        )
        seed_demo_database(env_actions)

        rasa = [str(RASA), "run", "--model", str(MODEL), "--port", str(rasa_port)]
        rasa += ["--credentials", "credentials.yml", "--endpoints", "endpoints.yml"]
        action_command = action_server_command(action_port)
        logs = {name: tmp_path / f"{name}.log" for name in ("actions", "rasa-1", "rasa-2")}
        # All three start at once (loading a model takes most of a minute); stopped in reverse.
        actions = launch(stack, processes, start_process(action_command, env_actions, logs["actions"]))
        rasa_1 = launch(stack, processes, start_process(rasa, env_1, logs["rasa-1"]))
        rasa_2 = launch(
            stack,
            processes,
            host.start(
                rasa, env_2, logs["rasa-2"], writable=tmp_path / "rasa-2", repo=REPO, hostname=host.name
            ),
        )
        url_1, url_2 = f"http://127.0.0.1:{rasa_port}", f"http://{host.node_address}:{rasa_port}"
        wait_until_up(f"{action_url}/health", actions, logs["actions"], 90)
        wait_until_up(f"{url_1}/", rasa_1, logs["rasa-1"], UP_WITHIN_S)
        wait_until_up(f"{url_2}/", rasa_2, logs["rasa-2"], UP_WITHIN_S)
        yield Cluster(
            host=host,
            rasa_1=url_1,
            rasa_2=url_2,
            rasa_2_process=rasa_2,
            rasa_2_dir=tmp_path / "rasa-2",
            rasa_1_log=logs["rasa-1"],
            rasa_2_log=logs["rasa-2"],
            pg_forward=pg_forward,
            redis_forward=redis_forward,
            cases_url=cases_url,
            tracker_url=tracker_url,
            redis=redis_client,
            sender=sender,
        )
    assert_nothing_left(host, processes, admin_url, [cases_url, tracker_url])


class Citizen:
    """A verified citizen in one REST conversation, which may go to any Rasa process."""

    def __init__(self, token: str, sender: str) -> None:
        self.token = token
        self.sender = sender
        self.sent: list[str] = []
        self.session = requests.Session()
        self.session.trust_env = False  # 10.251.X.2 directly, never through a configured proxy

    def say(self, rasa_url: str, message: str) -> str:
        body = {"sender": self.sender, "message": message, "metadata": {"auth_token": self.token}}
        response = self.session.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        self.sent.append(message)
        return "\n".join(reply.get("text", "") for reply in response.json() if reply.get("text"))


def test_a_conversation_moves_between_two_hosts_and_keeps_its_place(cluster: Cluster) -> None:
    host, pid_2 = cluster.host, cluster.rasa_2_process.pid
    # Process 2 is on a host of its own: its network, mounts and host name are not the test's.
    for kind in ("net", "mnt", "uts"):
        assert namespace_of(pid_2, kind) != namespace_of("self", kind), kind
    assert "rasa" in Path(f"/proc/{pid_2}/cmdline").read_text()
    # It cannot reach PostgreSQL or Redis on 127.0.0.1 (the probe itself works: the forwarders do).
    assert not host.connects("127.0.0.1", PG_PORT)
    assert not host.connects("127.0.0.1", REDIS_PORT)
    assert not host.connects(host.host_address, PG_PORT)
    assert host.connects(host.host_address, cluster.pg_forward.port)
    assert host.connects(host.host_address, cluster.redis_forward.port)
    # It can write only its own directory: the root filesystem (the repository) is read-only for it.
    mounts = mount_options(pid_2)
    assert mounts["/"].split(",")[0] == "ro", mounts["/"]
    assert mounts[str(cluster.rasa_2_dir)].split(",")[0] == "rw"
    assert Path(f"/proc/{pid_2}/cwd").resolve() == REPO
    assert (cluster.rasa_2_dir / ".netns-write-probe").exists()

    citizen = Citizen(make_token(JWT_SECRET, ANNA), cluster.sender)
    reply = citizen.say(cluster.rasa_1, "hjælp mig med at forberede mig til mødet")
    assert "Trin 1 af 5" in reply and "Dit møde er" in reply, reply
    assert "Trin 2 af 5: Hvem er med?" in citizen.say(cluster.rasa_1, "Videre")
    # On the other host the guide goes on where it was.
    reply = citizen.say(cluster.rasa_2, "Videre")
    assert "Trin 3 af 5" in reply, reply
    # The citizen's own case data, from the shared PostgreSQL through the action server.
    database = Database(cluster.cases_url, timeout_s=10)
    try:
        now = datetime.now(timezone.utc)
        meeting = CaseRepository(database).next_meeting(ANNA, now)
    finally:
        database.close()
    assert meeting is not None and meeting.location
    assert "Vi holder pause" in citizen.say(cluster.rasa_2, "Pause")
    reply = citizen.say(cluster.rasa_2, "hvornår er mit næste møde?")
    assert meeting.location in reply and format_meeting_time(meeting.starts_at, now) in reply, reply
    assert "Mette Holm" in reply
    # Back on the first host, still the same conversation: the paused guide resumes at its place.
    reply = citizen.say(cluster.rasa_1, "Fortsæt forberedelsen")
    assert "Velkommen tilbage" in reply and "Trin 3 af 5" in reply, reply
    reply = citizen.say(cluster.rasa_1, "Videre")
    assert "Trin 4 af 5: Hvem træffer afgørelsen?" in reply, reply

    # The conversation store holds each user turn once, in order.
    reader = ConversationReader(Database(cluster.tracker_url, timeout_s=10))
    try:
        events = reader.events_for(f"rest:{citizen.sender}")
    finally:
        reader.close()
    user_texts = [event.data.get("text") for event in events if event.data.get("event") == "user"]
    assert user_texts == citizen.sent
    # Both processes counted every turn in the one Redis (the rate limiter fails open, so a process
    # that could not reach Redis would have answered anyway).
    conversation_counters = our_redis_keys(f"rest:{citizen.sender}", [])[1]
    counted = sum(int(cluster.redis.get(key) or 0) for key in cluster.redis.scan_iter(conversation_counters))
    assert counted == len(citizen.sent)
    # Both used the Redis lock store, and process 2 never met its read-only filesystem: it needed
    # to write nothing outside its own directory (it wrote ~/.config/rasa and ~/.keras there).
    for log in (cluster.rasa_1_log, cluster.rasa_2_log):
        assert "Conversation locks in Redis (LOCK_STORE_URL)." in log.read_text(errors="replace")
    assert "Read-only file system" not in cluster.rasa_2_log.read_text(errors="replace")
