"""Building and running the review app: `create_app()` and `main()` (`python -m bot.review`).

Also owns the error pages (every 4xx is a Danish page with the reason; a database that does not
answer is a 503 "try again"; anything unexpected a 500 without details), the security headers
(a strict Content-Security-Policy: no script at all, styles and images only from this origin),
the request-size limit (core.limits.MAX_BODY_BYTES) and sign-out.

Must not: serve anything without the session check (auth.session_middleware) but /login,
/static and /health.
"""

from __future__ import annotations

import logging
import sys
from http.cookies import CookieError

from aiohttp import web

from bot.review import admin, conversations, meetings, overview
from bot.review.auth import Authenticator, Handler, PasswordAuthenticator, end_session, session_middleware
from bot.review.config import CONFIG_KEY, STATIC_DIR, STORE_KEY, ReviewConfig, load_config
from bot.review.rendering import render
from core.limits import MAX_BODY_BYTES
from core.municipality import get_municipality
from core.privacy import install_log_filter
from core.startup import STARTUP_REFUSED, configuration_problem
from core.store.errors import StoreUnavailable
from core.store.review.store import ReviewStore

logger = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = (
            exc.text
            if exc.text and not exc.text.startswith(f"{exc.status}:")
            else _STATUS_TEXT.get(exc.status, "Siden kan ikke vises.")
        )
        return render(request, "error.html", status=exc.status, title="Fejl", message=message)
    except CookieError:  # a Cookie header Python cannot parse ("{=": found by the review app fuzz test)
        return render(request, "error.html", status=400, title="Fejl", message=_STATUS_TEXT[400])
    except OSError:  # a static path the file system refuses (a name too long), found by the fuzz tests
        if not request.path.startswith("/static/"):
            raise
        return render(request, "error.html", status=404, title="Fejl", message=_STATUS_TEXT[404])
    except StoreUnavailable:
        return render(
            request,
            "error.html",
            status=503,
            title="Prøv igen",
            message="Databasen svarer ikke lige nu. Prøv igen om lidt.",
        )
    except Exception:
        logger.exception("Unexpected error in the review app")
        return render(
            request, "error.html", status=500, title="Fejl", message="Der skete en fejl. Prøv igen."
        )


_STATUS_TEXT = {
    400: "Forespørgslen kan ikke bruges.",
    403: "Du har ikke adgang.",
    404: "Siden findes ikke.",
    405: "Det kan man ikke her.",
    413: "Det, du sendte, er for stort.",
}


async def _headers(_request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def favicon(_request: web.Request) -> web.Response:
    """No icon: an empty answer, so the browser's request never ends on the sign-in page."""
    return web.Response(status=204, headers={"Cache-Control": "public, max-age=86400"})


async def logout(request: web.Request) -> web.Response:
    raise await end_session(request)


def create_app(
    config: ReviewConfig | None = None,
    store: ReviewStore | None = None,
    authenticator: Authenticator | None = None,
) -> web.Application:
    """The review app; `authenticator` is the sign-in (default: user name and password)."""
    get_municipality()  # a broken municipality file fails here, at start-up
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[error_pages, session_middleware])
    app[CONFIG_KEY] = config or load_config()
    app[STORE_KEY] = store or ReviewStore()
    app.on_response_prepare.append(_headers)
    app.router.add_get("/health", health)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_post("/logout", logout)
    app.add_routes((authenticator or PasswordAuthenticator()).routes())
    for module in (conversations, meetings, overview, admin):
        app.add_routes(module.routes)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False, show_index=False)

    async def close_store(app: web.Application) -> None:
        app[STORE_KEY].close()

    app.on_cleanup.append(close_store)
    return app


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    problem = configuration_problem()
    if problem is not None:
        print(STARTUP_REFUSED.format(problem=problem), file=sys.stderr)
        return 1
    install_log_filter()
    config = load_config()
    logger.info("Review app on http://%s:%d", config.host, config.port)
    web.run_app(create_app(config), host=config.host, port=config.port, print=None, access_log=None)
    return 0
