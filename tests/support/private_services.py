"""A PostgreSQL and a Redis of the caller's own, which may be restarted and stopped at will.

The chaos run (benchmarks/chaos.py) breaks these, never the machine's shared services:
- `private_postgres(work)`: `initdb` and `pg_ctl` of Debian's PostgreSQL, run as the `postgres`
  user (PostgreSQL refuses to run as root), in a temp folder of its own, listening on 127.0.0.1
  at a free port, trust authentication for local connections. `.restart()` is `pg_ctl restart -m fast`.
- `private_redis(work)`: `redis-server` on a free port, nothing kept on disk. `.stop()` and
  `.start()` (same port) let a test take it away for a while.

Must not: touch the shared PostgreSQL on 5432 or the shared Redis on 6379, or leave a server
running after the block.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import free_port

PG_USER = "postgres"


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian package postgresql)")
    return found[-1]


def _as_postgres(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", PG_USER, "--", *command], capture_output=True, text=True, check=False
    )


def _wait_for_port(port: int, seconds: float, up: bool = True) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            reachable = sock.connect_ex(("127.0.0.1", port)) == 0
        if reachable == up:
            return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} did not {'open' if up else 'close'} within {seconds} s")


@dataclass
class PrivatePostgres:
    data_dir: Path
    port: int
    log: Path

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg2://{PG_USER}@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *arguments: str) -> None:
        done = _as_postgres(_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log), *arguments)
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl {arguments[0]} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-w", "-o", options, "start")
        _wait_for_port(self.port, 30)

    def restart(self) -> None:
        """A fast restart (connections cut, as when the database's machine reboots quickly)."""
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-w", "-m", "fast", "-o", options, "restart")

    def stop(self) -> None:
        self._ctl("-w", "-m", "fast", "stop")


@contextmanager
def private_postgres(work: Path) -> Iterator[PrivatePostgres]:
    """`work` is only for the log's sake; the data lives in a folder of its own under the system's
    temp folder, owned by `postgres` (which may not be able to enter `work`)."""
    root = Path(tempfile.mkdtemp(prefix="moedeklar-pg-"))
    shutil.chown(root, PG_USER, PG_USER)
    data = root / "data"
    log = root / "postgres.log"
    done = _as_postgres(_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", PG_USER, "--no-sync")
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
    server = PrivatePostgres(data, free_port(), log)
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        except RuntimeError:
            pass
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--protected-mode", "no"]
        self.process = subprocess.Popen(command, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        _wait_for_port(self.port, 10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        _wait_for_port(self.port, 10, up=False)


@contextmanager
def private_redis(work: Path) -> Iterator[PrivateRedis]:
    work.mkdir(parents=True, exist_ok=True)
    server = PrivateRedis(free_port(), work / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def running_as_root() -> bool:
    return os.geteuid() == 0
