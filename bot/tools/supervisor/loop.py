"""The supervising loop: start the plan stage by stage, restart what dies, stop everything together.

Each process runs in its own session (Ctrl-C reaches the supervisor, which stops the processes in
reverse order: SIGTERM, then SIGKILL after STOP_GRACE_S), writes its output to
RUN_DIR/log/<name>.log and has its pid in RUN_DIR/run/<name>.pid while it runs. A process that
exits is started again after a back-off (1 s, doubling up to 30 s; back to 1 s once it has run
for a minute); the others keep serving meanwhile. A job (`every_s`) is run again after its pause,
whatever its exit code (a failed run is logged). The supervisor refuses to start while a pid file
names a live process of an earlier run.

Events are printed as one line each (JSON lines with LOG_JSON=true), never with a citizen's text.

Must not: know what a process does (bot.tools.supervisor.plan says), or talk to the databases.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import aiohttp

from bot.tools.supervisor.plan import ProcessSpec

STOP_GRACE_S = 15.0
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0
READY_POLL_S = 0.5


class StartError(RuntimeError):
    """A process did not answer in time, or an earlier run still holds it (the message says)."""


@dataclass
class Supervised:
    spec: ProcessSpec
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff_s: float = FIRST_BACKOFF_S
    task: asyncio.Task | None = field(default=None, repr=False)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Supervisor:
    def __init__(
        self,
        plan: Sequence[ProcessSpec],
        run_dir: Path,
        env: Mapping[str, str] | None = None,
        json_lines: bool = False,
        say: Callable[[str], None] = print,
    ) -> None:
        self.supervised = [Supervised(spec, backoff_s=FIRST_BACKOFF_S) for spec in plan]
        self.pid_dir = run_dir / "run"
        self.log_dir = run_dir / "log"
        self.env = dict(os.environ if env is None else env)
        self.json_lines = json_lines
        self._say = say
        self.stopping = asyncio.Event()

    # --- reporting ------------------------------------------------------------------------------
    def event(self, what: str, **fields: object) -> None:
        if self.json_lines:
            self._say(json.dumps({"ts": round(time.time(), 3), "event": what, **fields}, ensure_ascii=False))
        else:
            details = " ".join(f"{key}={value}" for key, value in fields.items())
            self._say(f"[supervisor] {what} {details}".rstrip())

    # --- files ----------------------------------------------------------------------------------
    def pid_file(self, spec: ProcessSpec) -> Path:
        return self.pid_dir / f"{spec.name}.pid"

    def log_file(self, spec: ProcessSpec) -> Path:
        return self.log_dir / f"{spec.name}.log"

    def check_no_earlier_run(self) -> None:
        for item in self.supervised:
            path = self.pid_file(item.spec)
            try:
                pid = int(path.read_text().strip())
            except (OSError, ValueError):
                continue
            if pid_alive(pid):
                raise StartError(
                    f"{item.spec.name} of an earlier run is still running (pid {pid}, {path}); stop it first."
                )
            path.unlink(missing_ok=True)

    # --- one process ----------------------------------------------------------------------------
    async def _spawn(self, item: Supervised) -> None:
        spec = item.spec
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file(spec).open("ab") as log:
            item.process = await asyncio.create_subprocess_exec(
                *spec.command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env={**self.env, **spec.env},
                start_new_session=True,
            )
        item.started_at = time.monotonic()
        self.pid_file(spec).write_text(f"{item.process.pid}\n")
        self.event("started", process=spec.name, pid=item.process.pid, restarts=item.restarts)

    async def _keep_running(self, item: Supervised) -> None:
        """Wait for the process to end; start it again (after a back-off) until stopping."""
        spec = item.spec
        while True:
            assert item.process is not None
            code = await item.process.wait()
            self.pid_file(spec).unlink(missing_ok=True)
            if self.stopping.is_set():
                return
            if spec.every_s is not None:
                if code != 0:
                    self.event("job failed", process=spec.name, exit_code=code)
                pause = spec.every_s
            else:
                ran_s = time.monotonic() - item.started_at
                if ran_s >= STABLE_AFTER_S:
                    item.backoff_s = FIRST_BACKOFF_S
                pause = item.backoff_s
                item.backoff_s = min(item.backoff_s * 2, MAX_BACKOFF_S)
                item.restarts += 1
                self.event("exited", process=spec.name, exit_code=code, restart_in_s=pause)
            try:
                await asyncio.wait_for(self.stopping.wait(), timeout=pause)
                return
            except asyncio.TimeoutError:
                pass
            await self._spawn(item)

    async def _wait_ready(self, item: Supervised, session: aiohttp.ClientSession) -> None:
        spec = item.spec
        if spec.ready_url is None:
            return
        deadline = time.monotonic() + spec.ready_within_s
        while time.monotonic() < deadline:
            if self.stopping.is_set():
                return
            try:
                async with session.get(spec.ready_url, timeout=aiohttp.ClientTimeout(total=2)) as answer:
                    if answer.status == 200:
                        self.event("ready", process=spec.name)
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(READY_POLL_S)
        raise StartError(
            f"{spec.name} did not answer {spec.ready_url} within {spec.ready_within_s:.0f} s; "
            f"see {self.log_file(spec)}"
        )

    # --- all of them ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Start every stage in order, each when the previous one answers."""
        self.check_no_earlier_run()
        stages = sorted({item.spec.stage for item in self.supervised})
        async with aiohttp.ClientSession() as session:
            for stage in stages:
                members = [item for item in self.supervised if item.spec.stage == stage]
                for item in members:
                    self.event("starting", process=item.spec.name, log=str(self.log_file(item.spec)))
                    await self._spawn(item)
                    item.task = asyncio.create_task(self._keep_running(item))
                await asyncio.gather(*(self._wait_ready(item, session) for item in members))
                if self.stopping.is_set():
                    return

    async def stop(self) -> None:
        """SIGTERM to every process (last started first), SIGKILL after STOP_GRACE_S."""
        self.stopping.set()
        running = [
            item for item in reversed(self.supervised) if item.process and item.process.returncode is None
        ]
        for item in running:
            try:
                item.process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_GRACE_S
        for item in running:
            try:
                await asyncio.wait_for(item.process.wait(), timeout=max(0.1, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                item.process.kill()
                await item.process.wait()
            self.pid_file(item.spec).unlink(missing_ok=True)
        tasks = [item.task for item in self.supervised if item.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.event("stopped")
