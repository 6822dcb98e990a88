"""Building and running the demo web site (aiohttp): `create_app()` and `main()`.

`python -m bot.web` runs `main()`: it checks the settings and the municipality file
(`core.startup`; exit code 1 with the problem named), then serves on WEB_HOST:WEB_PORT.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from http.cookies import CookieError

from aiohttp import web

from bot.web import demo_login, pages
from bot.web.config import CONFIG_KEY, WebConfig, load_config
from bot.web.security import install_security_headers
from bot.web.static import add_static_routes
from bot.web.widget_texts import load_texts
from core.limits import MAX_BODY_BYTES
from core.municipality import get_municipality
from core.privacy import install_log_filter
from core.startup import STARTUP_REFUSED, configuration_problem

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def bad_cookies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Clear 4xx where aiohttp would answer 500 (both found by tests/fuzz/test_web_site_fuzz.py).

    A Cookie header Python cannot parse ("{=") is a 400; a static path the file system refuses
    (a name too long: OSError ENAMETOOLONG) is a 404.
    """
    try:
        return await handler(request)
    except CookieError:
        raise web.HTTPBadRequest(text="Forespørgslen kan ikke bruges.") from None
    except OSError:
        if request.path.startswith("/static/"):
            raise web.HTTPNotFound() from None
        raise


def create_app(config: WebConfig | None = None) -> web.Application:
    """The web application for `config` (default: from the environment)."""
    config = config or load_config()
    get_municipality()  # a broken municipality file fails here, at start-up
    load_texts()  # ... and so does a broken data/widget_texts.yml
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[bad_cookies])
    app[CONFIG_KEY] = config
    install_security_headers(app, config)
    app.add_routes(pages.routes)
    app.add_routes(demo_login.routes)
    add_static_routes(app)
    return app


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    problem = configuration_problem()
    if problem is not None:
        print(STARTUP_REFUSED.format(problem=problem), file=sys.stderr)
        return 1
    install_log_filter()  # no CPR or phone number in any log line
    config = load_config()
    logger.info(
        "Web site on http://%s:%d (Rasa at %s, demo MitID login %s)",
        config.host,
        config.port,
        config.rasa_public_url,
        "on" if config.demo_login else "off",
    )
    web.run_app(create_app(config), host=config.host, port=config.port, print=None, access_log=None)
    return 0
