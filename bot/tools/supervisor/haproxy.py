"""The proxy's configuration: deploy/haproxy/haproxy.cfg.j2 rendered for this cluster.

`render_config(settings)` gives the text; `write_config(settings)` writes it to
RUN_DIR/haproxy.cfg and checks it with `haproxy -c` (a configuration HAProxy refuses stops
`make run-cluster` before anything starts). The cookie is `Secure` (and SameSite=None) whenever
the widget reaches Rasa over https (RASA_PUBLIC_URL), as in production.

Must not: start HAProxy (the supervisor does) or install it (`make haproxy` does).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.tools.supervisor.plan import rasa_port
from core.settings import REPO_ROOT, Settings

TEMPLATE_DIR = REPO_ROOT / "deploy" / "haproxy"
TEMPLATE = "haproxy.cfg.j2"
MAX_CONNECTIONS = 4000


class ProxyError(RuntimeError):
    """HAProxy is missing or refuses the configuration (the message says which)."""


@dataclass(frozen=True)
class Upstream:
    name: str
    host: str
    port: int


def upstreams(settings: Settings) -> list[Upstream]:
    return [
        Upstream(f"rasa-{n}", "127.0.0.1", rasa_port(settings, n))
        for n in range(1, settings.rasa_processes + 1)
    ]


def render_config(settings: Settings, bind_host: str = "0.0.0.0") -> str:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)), undefined=StrictUndefined, keep_trailing_newline=True
    )
    return environment.get_template(TEMPLATE).render(
        bind_host=bind_host,
        port=settings.rasa_port,
        servers=upstreams(settings),
        max_connections=MAX_CONNECTIONS,
        secure_cookie=settings.rasa_public_url.startswith("https://"),
    )


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or next(
        (str(path) for path in (Path("/usr/sbin/haproxy"),) if path.exists()), None
    )
    if found is None:
        raise ProxyError("HAProxy is not installed: run `make haproxy` (Debian's haproxy package).")
    return found


def write_config(settings: Settings, bind_host: str = "0.0.0.0") -> Path:
    path = settings.run_dir / "haproxy.cfg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_config(settings, bind_host), encoding="utf-8")
    check = subprocess.run(
        [haproxy_binary(), "-c", "-q", "-f", str(path)], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        raise ProxyError(f"HAProxy refuses {path}:\n{check.stdout}{check.stderr}")
    return path
