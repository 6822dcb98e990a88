"""A second host on this machine, for the cluster test: its own network, mount and UTS namespace.

Owns `second_host()`: a uniquely named network namespace joined to the root namespace by a veth
pair in a private /30 (10.251.X.Y+1 on the root side, +2 inside), the links and the namespace's
loopback up; `SecondHost.start()` runs a command in it with its own mount namespace in which the
whole root filesystem (so the repository, the venv and the model too) is read-only and only the
process's own directory is writable, a private /dev/shm and its own host name; and removing all of
it again (every process left in the namespace, the namespace, the veth pair), whatever happened.
Where `ip netns` is not permitted it skips the test, except under CI=true, where it fails (the
pattern of `tests.support.databases.require_pg_admin_url`).

Must not: touch a namespace, link or process it did not create; change routes, firewall rules or
the shared PostgreSQL/Redis; or mount anything outside the private mount namespace (the start
script refuses to run in the test process's own mount namespace).
"""

from __future__ import annotations

import ipaddress
import os
import random
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

SUBNET = ipaddress.ip_network("10.251.0.0/16")  # private; carved into /30s, one per second host
NAME_PREFIX = "moedeklar-"
# `python -c PROBE ADDRESS PORT` inside the namespace: "open" when a TCP connection succeeds.
PROBE = """\
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), 2).close()
    print("open")
except OSError:
    print("closed")
"""

# Runs inside `ip netns exec NAME unshare --mount --uts --propagation private`, as root, before it
# execs the command. Every mount here is in the private mount namespace; the first line makes sure.
ISOLATE = """\
set -eu
if [ "$(readlink /proc/self/ns/mnt)" = {host_mnt_ns} ]; then
  echo "refusing to mount: still in the test's own mount namespace" >&2; exit 90
fi
hostname {hostname}
mount --bind {writable} {writable}
mount -t tmpfs -o size=64m,mode=1777 tmpfs /dev/shm
mount -o remount,bind,ro /
if touch {repo_probe} 2>/dev/null; then
  rm -f {repo_probe}; echo "the repository is still writable" >&2; exit 91
fi
touch {writable_probe}
cd {cwd}
exec "$@"
"""


class NetnsUnavailable(RuntimeError):
    """`ip netns`, a veth pair or a private mount namespace cannot be made here (the reason)."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=False)
    if check and result.returncode != 0:
        raise NetnsUnavailable(f"`ip {' '.join(args)}` failed: {result.stderr.strip()}")
    return result


def _used_networks() -> list[ipaddress.IPv4Network]:
    listing = _ip("-o", "-4", "addr", "show").stdout
    return [
        ipaddress.ip_interface(line.split()[3]).network
        for line in listing.splitlines()
        if len(line.split()) > 3
    ]


def _free_slash30() -> ipaddress.IPv4Network:
    """A /30 of SUBNET that no address of the root namespace is in (random: runs may overlap)."""
    used = _used_networks()
    for _ in range(200):
        candidate = ipaddress.ip_network(
            f"{SUBNET.network_address + random.randrange(0, SUBNET.num_addresses, 4)}/30"
        )
        if not any(candidate.overlaps(network) for network in used):
            return candidate
    raise NetnsUnavailable(f"no free /30 in {SUBNET}")


def process_pids(name: str) -> list[int]:
    """The processes in network namespace `name` (`ip netns pids`)."""
    result = _ip("netns", "pids", name, check=False)
    return [int(pid) for pid in result.stdout.split() if pid.isdigit()]


@dataclass
class SecondHost:
    """A network namespace with a veth pair: `host_address` (root side) and `node_address` (inside)."""

    name: str
    host_link: str
    node_link: str
    host_address: str
    node_address: str

    def command(self, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def connects(self, address: str, port: int) -> bool:
        """Whether a TCP connection from inside the namespace to `address`:`port` succeeds."""
        result = subprocess.run(
            self.command(sys.executable, "-c", PROBE, address, str(port)),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip() == "open"

    def start(
        self,
        command: Sequence[str],
        env: Dict[str, str],
        log: Path,
        *,
        writable: Path,
        repo: Path,
        hostname: str,
    ) -> subprocess.Popen:
        """`command` in the namespace, `cwd` the read-only `repo`; only `writable` can be written.

        The process has its own mount namespace (the root filesystem read-only there; `writable`
        bound onto itself, so it stays writable; a fresh tmpfs on /dev/shm) and its own host name.
        `ip netns exec`, `unshare` and `sh` each exec the next, so the Popen's pid is the command's.
        Output (stdout and stderr) goes to `log`, a file the test process opened.
        """
        script = ISOLATE.format(
            host_mnt_ns=shlex.quote(os.readlink("/proc/self/ns/mnt")),
            hostname=shlex.quote(hostname),
            writable=shlex.quote(str(writable)),
            repo_probe=shlex.quote(str(repo / f".netns-write-probe-{uuid.uuid4().hex}")),
            writable_probe=shlex.quote(str(writable / ".netns-write-probe")),
            cwd=shlex.quote(str(repo)),
        )
        isolate = ["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c", script, "sh"]
        return subprocess.Popen(
            self.command(*isolate, *command),
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _create(name: str, network: ipaddress.IPv4Network) -> SecondHost:
    host_ip, node_ip = list(network.hosts())
    tag = name[len(NAME_PREFIX) :][:10]
    host = SecondHost(name, f"mk{tag}h", f"mk{tag}n", str(host_ip), str(node_ip))
    prefix = network.prefixlen
    _ip("netns", "add", name)
    _ip("link", "add", host.host_link, "type", "veth", "peer", "name", host.node_link, "netns", name)
    _ip("addr", "add", f"{host.host_address}/{prefix}", "dev", host.host_link)
    _ip("link", "set", host.host_link, "up")
    _ip("-n", name, "addr", "add", f"{host.node_address}/{prefix}", "dev", host.node_link)
    _ip("-n", name, "link", "set", host.node_link, "up")
    _ip("-n", name, "link", "set", "lo", "up")
    probe = subprocess.run(
        host.command("unshare", "--mount", "--uts", "--propagation", "private", "true"),
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode != 0:
        raise NetnsUnavailable(f"no private mount namespace inside `ip netns exec`: {probe.stderr.strip()}")
    return host


def _remove(name: str, host_link: str) -> None:
    """Stop every process left in namespace `name` (ours: nothing else joins it), then remove it."""
    for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        pids = process_pids(name)
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while pids and process_pids(name) and time.monotonic() < deadline:
            time.sleep(0.2)
    _ip("netns", "del", name, check=False)  # removes its end of the veth pair, and so the pair
    if _ip("link", "show", host_link, check=False).returncode == 0:
        _ip("link", "del", host_link, check=False)


@contextmanager
def second_host() -> Iterator[SecondHost]:
    """A fresh namespace with its veth pair, removed afterwards; skip (fail under CI=true) if none."""
    name = f"{NAME_PREFIX}{uuid.uuid4().hex[:10]}"
    host_link = f"mk{name[len(NAME_PREFIX) :][:10]}h"
    try:
        if os.geteuid() != 0:
            raise NetnsUnavailable("not root")
        host = _create(name, _free_slash30())
    except (NetnsUnavailable, FileNotFoundError, subprocess.SubprocessError) as problem:
        if _namespace_exists(name):
            _remove(name, host_link)
        reason = f"no network namespace for a second host: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the cluster test is required)")
        pytest.skip(reason)
    try:
        yield host
    finally:
        _remove(host.name, host.host_link)


def _namespace_exists(name: str) -> bool:
    try:
        listing = _ip("netns", "list", check=False).stdout
    except (FileNotFoundError, subprocess.SubprocessError):
        return False
    return any(line.split()[0] == name for line in listing.splitlines() if line.split())


def namespace_names() -> list[str]:
    """Every network namespace's name (`ip netns list`)."""
    return [line.split()[0] for line in _ip("netns", "list", check=False).stdout.splitlines() if line.split()]


def link_exists(link: str) -> bool:
    return _ip("link", "show", link, check=False).returncode == 0
