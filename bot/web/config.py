"""What the citizens' web site needs to know, taken from `core.settings` once at start-up.

WEB_HOST, WEB_PORT, RASA_PUBLIC_URL (the Rasa server as the citizen's browser reaches it) and
whether the demo MitID login is offered (`Settings.demo_login_allowed`), plus the site's folders.

Must not: read the environment itself (that is `core.settings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from core.settings import REPO_ROOT, Settings, get_settings

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


def load_config(settings: Settings | None = None) -> WebConfig:
    """The web site's configuration from the settings (default: the environment)."""
    settings = settings or get_settings()
    return WebConfig(
        host=settings.web_host,
        port=settings.web_port,
        rasa_public_url=settings.rasa_public_url,
        demo_login=settings.demo_login_allowed(),
    )
