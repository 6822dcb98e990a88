"""`python -m bot.tools.supervisor [run|cluster]`: start Mødeklar and keep it running.

  run      one Rasa server with the settings in the environment (`make run`: SQLite, demo data)
  cluster  RASA_PROCESSES Rasa servers behind HAProxy (`make run-cluster`: PostgreSQL, Redis)

Both prepare the databases first (`--no-demo` leaves the demo citizens out), then start the plan
of bot.tools.supervisor.plan, print where to go, and supervise until SIGINT or SIGTERM.
Exit codes: 0 stopped on request, 1 start-up failed (the message says why), 2 bad settings.

Must not: be imported by a server.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys

from bot.tools.supervisor.banner import running_banner
from bot.tools.supervisor.haproxy import ProxyError, haproxy_binary, write_config
from bot.tools.supervisor.loop import Supervisor
from bot.tools.supervisor.plan import cluster_plan, development_plan
from bot.tools.supervisor.prepare import PreparationError, prepare
from core.settings import REPO_ROOT, SettingsError, get_settings


def _demo_sign_in() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo-review-accounts"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return (done.stdout or done.stderr).rstrip()


async def _serve(supervisor: Supervisor, banner: str) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    starting = asyncio.create_task(supervisor.start())
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
    code = 0
    if starting in done:
        error = starting.exception()
        if error is not None:
            print(f"Mødeklar did not start: {error}", file=sys.stderr)
            code = 1
        else:
            print(banner, flush=True)
            await stop.wait()
    else:
        starting.cancel()
    print("Stopping Mødeklar ...", flush=True)
    await supervisor.stop()
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.tools.supervisor", description=__doc__.split("\n")[0]
    )
    parser.add_argument("shape", choices=("run", "cluster"), nargs="?", default="run")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo citizens")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"Bad setting: {exc}", file=sys.stderr)
        return 2
    try:
        prepare(settings, seed_demo=not args.no_demo)
        if args.shape == "cluster":
            plan = cluster_plan(settings, write_config(settings), haproxy_binary())
        else:
            plan = development_plan(settings)
    except (PreparationError, ProxyError) as exc:
        print(f"Mødeklar did not start: {exc}", file=sys.stderr)
        return 1
    sign_in = "" if settings.is_production or args.no_demo else _demo_sign_in()
    supervisor = Supervisor(plan, settings.run_dir, json_lines=settings.log_json)
    return asyncio.run(_serve(supervisor, running_banner(settings, sign_in, args.shape == "cluster")))


if __name__ == "__main__":
    sys.exit(main())
