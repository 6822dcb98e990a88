"""The supervisor (bot/tools/supervisor): plans, the proxy's configuration and the loop itself.

The loop runs real (tiny) Python processes: one that dies is started again with a back-off while
the others keep running, a job runs again after its pause, a process that never answers stops the
start, a live pid file of an earlier run is refused, and stop() ends everything.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.tools.supervisor import loop as loop_module
from bot.tools.supervisor.haproxy import haproxy_binary, render_config, write_config
from bot.tools.supervisor.loop import StartError, Supervisor
from bot.tools.supervisor.plan import (
    DEVELOPMENT_ONLY_ROLES,
    ROLES,
    ProcessSpec,
    cluster_plan,
    development_plan,
)
from core.settings import Settings

SLEEPER = (sys.executable, "-c", "import time; time.sleep(600)")


def _settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(run_dir=tmp_path, **changes)  # type: ignore[arg-type]


# --- plans ----------------------------------------------------------------------------------------
def test_cluster_plan_runs_n_rasa_servers_behind_one_proxy_and_one_of_everything_else(tmp_path: Path) -> None:
    settings = _settings(tmp_path, rasa_port=7000, rasa_processes=3)
    plan = cluster_plan(settings, tmp_path / "haproxy.cfg")
    names = [spec.name for spec in plan]
    assert names.count("reminders") == 1 and names.count("purge") == 1 and names.count("proxy") == 1
    rasa = [spec for spec in plan if spec.role == "rasa"]
    assert [spec.name for spec in rasa] == ["rasa-1", "rasa-2", "rasa-3"]
    assert [spec.command[spec.command.index("--port") + 1] for spec in rasa] == ["7001", "7002", "7003"]
    assert all(spec.env == {"RASA_TRUSTED_PROXIES": "1"} for spec in rasa)
    # Rasa 1 alone first (it creates the conversation store's tables), then the others.
    assert rasa[0].stage < rasa[1].stage == rasa[2].stage
    proxy = next(spec for spec in plan if spec.role == "proxy")
    assert proxy.stage > rasa[1].stage and proxy.ready_url == "http://127.0.0.1:7000/ready"
    assert {spec.role for spec in plan} == set(ROLES)


def test_development_plan_is_one_rasa_server_on_rasa_port_without_a_proxy(tmp_path: Path) -> None:
    plan = development_plan(_settings(tmp_path, rasa_port=7100))
    rasa = [spec for spec in plan if spec.role == "rasa"]
    assert len(rasa) == 1 and rasa[0].ready_url == "http://127.0.0.1:7100/ready"
    assert "proxy" not in {spec.role for spec in plan}
    assert set(DEVELOPMENT_ONLY_ROLES) <= {spec.role for spec in plan}
    assert len({spec.name for spec in plan}) == len(plan)


# --- the proxy's configuration ---------------------------------------------------------------------
def test_haproxy_config_is_accepted_by_haproxy_and_names_every_rasa_server(tmp_path: Path) -> None:
    settings = _settings(tmp_path, rasa_port=7200, rasa_processes=3)
    path = write_config(settings)  # runs `haproxy -c`; raises if HAProxy refuses it
    config = path.read_text()
    for n in (1, 2, 3):
        assert f"server rasa-{n} 127.0.0.1:{7200 + n} check cookie rasa-{n}" in config
    assert "bind 0.0.0.0:7200" in config and "option httpchk GET /ready" in config
    assert "cookie MOEDEKLAR_RASA insert" in config and " secure" not in config
    assert "http-request del-header X-Forwarded-For" in config
    assert "disable-l7-retry if !METH_GET" in config


def test_haproxy_cookie_is_secure_when_the_widget_uses_https(tmp_path: Path) -> None:
    config = render_config(_settings(tmp_path, rasa_public_url="https://chat.kommune.dk"))
    assert 'cookie MOEDEKLAR_RASA insert indirect nocache httponly secure attr "SameSite=None"' in config


def test_haproxy_refuses_nothing_it_is_given_and_exists(tmp_path: Path) -> None:
    assert Path(haproxy_binary()).exists()
    bad = tmp_path / "bad.cfg"
    bad.write_text("frontend x\n    bind :1\n    no-such-keyword\n")
    checked = subprocess.run([haproxy_binary(), "-c", "-q", "-f", str(bad)], capture_output=True, check=False)
    assert checked.returncode != 0


# --- the loop -------------------------------------------------------------------------------------
def _run(coroutine):  # noqa: ANN001, ANN202
    return asyncio.run(coroutine)


def _events(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop_module, "FIRST_BACKOFF_S", 0.2)
    monkeypatch.setattr(loop_module, "STOP_GRACE_S", 3.0)


def test_a_process_that_dies_is_started_again_and_the_others_keep_running(tmp_path: Path) -> None:
    said: list[str] = []
    plan = [ProcessSpec("steady", "web", SLEEPER, 0), ProcessSpec("fragile", "rasa", SLEEPER, 0)]
    supervisor = Supervisor(plan, tmp_path, json_lines=True, say=said.append)

    async def scenario() -> tuple[int, int, int, int]:
        await supervisor.start()
        steady = int((tmp_path / "run" / "steady.pid").read_text())
        fragile = int((tmp_path / "run" / "fragile.pid").read_text())
        os.kill(fragile, signal.SIGKILL)
        deadline = time.monotonic() + 10
        new = fragile
        while new == fragile and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            try:
                new = int((tmp_path / "run" / "fragile.pid").read_text())
            except (OSError, ValueError):
                pass
        still = int((tmp_path / "run" / "steady.pid").read_text())
        await supervisor.stop()
        return steady, still, fragile, new

    steady, still, fragile, new = _run(scenario())
    assert steady == still and new != fragile
    assert not loop_module.pid_alive(new) and not loop_module.pid_alive(steady)
    exited = [event for event in _events(said) if event["event"] == "exited"]
    assert exited and exited[0]["process"] == "fragile" and exited[0]["exit_code"] == -signal.SIGKILL
    assert not list((tmp_path / "run").glob("*.pid"))  # stop() leaves no pid file


def test_back_off_doubles_for_a_process_that_keeps_dying(tmp_path: Path) -> None:
    said: list[str] = []
    crash = (sys.executable, "-c", "raise SystemExit(3)")
    supervisor = Supervisor(
        [ProcessSpec("crashy", "web", crash, 0)], tmp_path, json_lines=True, say=said.append
    )

    async def scenario() -> None:
        await supervisor.start()
        await asyncio.sleep(1.8)
        await supervisor.stop()

    _run(scenario())
    pauses = [event["restart_in_s"] for event in _events(said) if event["event"] == "exited"]
    assert pauses[:3] == [0.2, 0.4, 0.8]
    assert (tmp_path / "log" / "crashy.log").exists()


def test_a_job_runs_again_after_its_pause(tmp_path: Path) -> None:
    marker = tmp_path / "runs.txt"
    job = (sys.executable, "-c", f"open({str(marker)!r}, 'a').write('x')")
    supervisor = Supervisor(
        [ProcessSpec("job", "reminders", job, 0, every_s=0.3)], tmp_path, say=lambda _: None
    )

    async def scenario() -> None:
        await supervisor.start()
        await asyncio.sleep(1.5)
        await supervisor.stop()

    _run(scenario())
    assert len(marker.read_text()) >= 3


def test_start_fails_when_a_process_never_answers(tmp_path: Path) -> None:
    spec = ProcessSpec("mute", "web", SLEEPER, 0, ready_url="http://127.0.0.1:9/ready", ready_within_s=1.0)
    supervisor = Supervisor([spec], tmp_path, say=lambda _: None)

    async def scenario() -> None:
        try:
            await supervisor.start()
        finally:
            await supervisor.stop()

    with pytest.raises(StartError, match="did not answer"):
        _run(scenario())


def test_a_live_process_of_an_earlier_run_is_refused_and_a_stale_pid_file_removed(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "web.pid").write_text(f"{os.getpid()}\n")  # alive: this test
    supervisor = Supervisor([ProcessSpec("web", "web", SLEEPER, 0)], tmp_path, say=lambda _: None)
    with pytest.raises(StartError, match="still running"):
        supervisor.check_no_earlier_run()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / "run" / "web.pid").write_text(f"{dead.pid}\n")
    supervisor.check_no_earlier_run()
    assert not (tmp_path / "run" / "web.pid").exists()
