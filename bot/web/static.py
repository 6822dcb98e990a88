"""Static files: the widget (static/widget/), the page's stylesheet and the socket.io client.

Everything is served from this site's own origin (no CDN at run time). The socket.io client is
the official build installed by `npm ci` (node_modules/socket.io-client/dist/socket.io.min.js),
served as /static/widget/vendor/socket.io.min.js next to the widget that loads it.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.web.config import SOCKETIO_CLIENT, STATIC_DIR

logger = logging.getLogger(__name__)

SOCKETIO_CLIENT_PATH = "/static/widget/vendor/socket.io.min.js"
CACHE_SECONDS = 300


async def socketio_client(_request: web.Request) -> web.StreamResponse:
    if not SOCKETIO_CLIENT.is_file():
        logger.error("%s is missing: run `npm ci` (make install does).", SOCKETIO_CLIENT)
        raise web.HTTPServiceUnavailable(text="socket.io client not installed (run npm ci)")
    response = web.FileResponse(SOCKETIO_CLIENT)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def add_static_routes(app: web.Application) -> None:
    """Register the socket.io client and the static folder on `app`."""
    if not SOCKETIO_CLIENT.is_file():
        logger.error("%s is missing: run `npm ci` (make install does).", SOCKETIO_CLIENT)
    app.router.add_get(SOCKETIO_CLIENT_PATH, socketio_client)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False, show_index=False)
