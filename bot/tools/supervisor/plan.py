"""Which processes make up Mødeklar, in which order they start and how to tell they answer.

`development_plan(settings)` is `make run`: one Rasa server on RASA_PORT with SQLite, the action
server, the web site, the review app, the SMS gateway simulator, the reminder scheduler and the
retention purge. `cluster_plan(settings)` is `make run-cluster`: RASA_PROCESSES Rasa servers,
process n on RASA_PORT + n, behind HAProxy on RASA_PORT, and the same single processes around
them (exactly one reminder scheduler and one purge for the whole cluster; the SMS worker runs
inside every Rasa process, its leases make that safe).

Processes of one `stage` start together; the next stage starts when all of them answer their
`ready_url`. Rasa server 1 starts a stage before the others, so that the conversation store's
tables are created by one process, never by two at once.

Must not: start anything (bot.tools.supervisor.loop does) or read the environment itself
(core.settings does).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from core.settings import REPO_ROOT, Settings

# Every role a process can have; deploy/ has a definition for each production role.
ROLES = ("proxy", "rasa", "actions", "web", "review", "reminders", "purge", "sms-simulator")
# Roles that exist only on a developer's machine (the gateway simulator stands in for GatewayAPI).
DEVELOPMENT_ONLY_ROLES = ("sms-simulator",)
# The retention purge runs once a day.
PURGE_EVERY_HOURS = 24


@dataclass(frozen=True)
class ProcessSpec:
    """One supervised process."""

    name: str  # unique: its pid file is RUN_DIR/run/<name>.pid, its log RUN_DIR/log/<name>.log
    role: str  # one of ROLES
    command: tuple[str, ...]
    stage: int
    ready_url: str | None = None  # answers 200 once the process can serve
    ready_within_s: float = 60.0
    every_s: float | None = None  # a job: run to its end, wait this long, run again
    env: Mapping[str, str] = field(default_factory=dict)  # added to the supervisor's environment


def _python() -> str:
    return sys.executable


def _rasa() -> str:
    return str(Path(sys.executable).parent / "rasa")


def rasa_command(settings: Settings, port: int) -> tuple[str, ...]:
    """`rasa run` as every Rasa process of Mødeklar is started (model and files from the repo)."""
    return (
        _rasa(),
        "run",
        "--model",
        str(settings.model if settings.model.is_absolute() else REPO_ROOT / settings.model),
        "--port",
        str(port),
        "--credentials",
        str(REPO_ROOT / "credentials.yml"),
        "--endpoints",
        str(REPO_ROOT / "endpoints.yml"),
        "--cors",
        "*",
    )


def rasa_ready_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/ready"


def _around_rasa(settings: Settings, first_stage: int) -> list[ProcessSpec]:
    """The web site, the simulator, the review app, reminders and purge: one of each."""
    python = _python()
    return [
        ProcessSpec(
            "web",
            "web",
            (python, "-m", "bot.web"),
            first_stage,
            f"http://127.0.0.1:{settings.web_port}/health",
            30,
        ),
        ProcessSpec(
            "sms-simulator",
            "sms-simulator",
            (python, "-m", "bot.tools.gateway_simulator", "--port", str(settings.sms_demo_port)),
            first_stage,
            f"http://127.0.0.1:{settings.sms_demo_port}/_sim/state",
            30,
        ),
        ProcessSpec(
            "review",
            "review",
            (python, "-m", "bot.review"),
            first_stage,
            f"http://127.0.0.1:{settings.review_port}/health",
            30,
        ),
        ProcessSpec(
            "reminders",
            "reminders",
            (python, "-m", "bot", "send-reminders"),
            first_stage + 1,
            every_s=settings.reminder_every_s,
        ),
        ProcessSpec(
            "purge",
            "purge",
            (python, "-m", "bot", "purge", "--repeat-hours", str(PURGE_EVERY_HOURS)),
            first_stage + 1,
        ),
    ]


def _action_server(settings: Settings) -> ProcessSpec:
    return ProcessSpec(
        "actions",
        "actions",
        (_python(), "-m", "actions", "--port", str(settings.action_port)),
        0,
        f"http://127.0.0.1:{settings.action_port}/health",
        60,
    )


def development_plan(settings: Settings) -> list[ProcessSpec]:
    """`make run`: one Rasa server on RASA_PORT."""
    rasa = ProcessSpec(
        "rasa", "rasa", rasa_command(settings, settings.rasa_port), 1, rasa_ready_url(settings.rasa_port), 180
    )
    return [_action_server(settings), rasa, *_around_rasa(settings, 2)]


def rasa_port(settings: Settings, n: int) -> int:
    """Rasa server n (1, 2, ...) of the cluster listens on RASA_PORT + n."""
    return settings.rasa_port + n


def cluster_plan(settings: Settings, haproxy_config: Path, haproxy: str = "haproxy") -> list[ProcessSpec]:
    """`make run-cluster`: RASA_PROCESSES Rasa servers behind HAProxy on RASA_PORT."""
    rasa = [
        ProcessSpec(
            f"rasa-{n}",
            "rasa",
            rasa_command(settings, rasa_port(settings, n)),
            1 if n == 1 else 2,
            rasa_ready_url(rasa_port(settings, n)),
            180,
            # Behind one proxy: the client's address is the last X-Forwarded-For entry.
            env={"RASA_TRUSTED_PROXIES": "1"},
        )
        for n in range(1, settings.rasa_processes + 1)
    ]
    proxy = ProcessSpec(
        "proxy",
        "proxy",
        (haproxy, "-db", "-f", str(haproxy_config)),
        3,
        rasa_ready_url(settings.rasa_port),
        30,
    )
    return [_action_server(settings), *rasa, proxy, *_around_rasa(settings, 4)]
