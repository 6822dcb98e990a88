"""Settings of the demo web site, read from the environment once at start-up.

WEB_PORT (default 8080), WEB_HOST (default 127.0.0.1), RASA_PUBLIC_URL (the Rasa server as the
citizen's browser reaches it; default http://localhost:$RASA_PORT) and whether the demo MitID
login is offered (only outside production and with a `dev-only-` citizen token secret).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import DEV_SECRET_PREFIX, REPO_ROOT, get_settings

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
# The official socket.io client, installed by `npm ci` (package.json) and served from this origin.
SOCKETIO_CLIENT = REPO_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


@dataclass(frozen=True)
class WebConfig:
    """What the web site needs to know; built by `load_config`."""

    host: str
    port: int
    rasa_public_url: str
    demo_login: bool

    @property
    def rasa_origins(self) -> tuple[str, ...]:
        """The Rasa server's origin for `connect-src`, as http(s) and as ws(s)."""
        parts = urlsplit(self.rasa_public_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        socket_scheme = "wss" if parts.scheme == "https" else "ws"
        return origin, f"{socket_scheme}://{parts.netloc}"


CONFIG_KEY: web.AppKey[WebConfig] = web.AppKey("web_config", WebConfig)


def demo_login_allowed() -> bool:
    """The demo login is offered only outside production and with a development secret."""
    settings = get_settings()
    secret = settings.citizen_jwt_secret or ""
    return (
        not settings.is_production
        and secret.startswith(DEV_SECRET_PREFIX)
        and not settings.citizen_jwt_public_key_file
    )


def load_config() -> WebConfig:
    """Read the environment (see the module docstring)."""
    settings = get_settings()
    port_raw = os.environ.get("WEB_PORT", "").strip() or "8080"
    try:
        port = int(port_raw)
    except ValueError as exc:
        raise ValueError(f"WEB_PORT must be an integer, got {port_raw!r}") from exc
    rasa_url = os.environ.get("RASA_PUBLIC_URL", "").strip() or f"http://localhost:{settings.rasa_port}"
    parts = urlsplit(rasa_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"RASA_PUBLIC_URL must be an http(s) URL, got {rasa_url!r}")
    return WebConfig(
        host=os.environ.get("WEB_HOST", "").strip() or "127.0.0.1",
        port=port,
        rasa_public_url=rasa_url.rstrip("/"),
        demo_login=demo_login_allowed(),
    )
