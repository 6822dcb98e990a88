"""A demo "Log ind med MitID" for development: pick a demo citizen, get a signed demo token.

Only when `config.demo_login` is true (APP_ENV is not production and CITIZEN_JWT_SECRET is a
`dev-only-` secret); otherwise every route here answers 404 and the pages link to the
municipality's real login (`mitid_login_url`). The token (signed by `make_demo_token`) is kept
in an HttpOnly, SameSite=Strict cookie; pages verify it again on every request.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.config import CONFIG_KEY
from bot.web.pages import page_context
from bot.web.rendering import render
from bot.web.visitor import TOKEN_COOKIE
from core.demo_data import demo_citizens
from core.tokens import make_demo_token

routes = web.RouteTableDef()

TOKEN_TTL_SECONDS = 3600


def _require_demo(request: web.Request) -> None:
    if not request.app[CONFIG_KEY].demo_login:
        raise web.HTTPNotFound()


def _safe_next(value: str | None) -> str:
    """Only a path on this site (no scheme, no `//host`), else the front page."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _same_origin(request: web.Request) -> bool:
    """Forms are posted from this site only (a simple CSRF guard for the demo).

    Browsers send Sec-Fetch-Site; without it (older browsers, curl) the Origin header decides.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


@routes.get("/demo/mitid")
async def login_page(request: web.Request) -> web.Response:
    _require_demo(request)
    context = page_context(request, "Log ind med MitID (demo)")
    return render(
        "demo_login.html",
        **context,
        citizens=demo_citizens(),
        next=_safe_next(request.query.get("next")),
    )


@routes.post("/demo/mitid")
async def login(request: web.Request) -> web.Response:
    _require_demo(request)
    if not _same_origin(request):
        raise web.HTTPForbidden()
    form = await request.post()
    citizen_id = str(form.get("citizen", ""))
    if citizen_id not in dict(demo_citizens()):
        raise web.HTTPBadRequest(text="Vælg en af demo-borgerne.")
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", "/"))))
    response.set_cookie(
        TOKEN_COOKIE,
        make_demo_token(citizen_id, ttl_seconds=TOKEN_TTL_SECONDS),
        max_age=TOKEN_TTL_SECONDS,
        httponly=True,
        samesite="Strict",
        path="/",
        secure=request.secure,
    )
    raise response


@routes.post("/demo/log-ud")
async def logout(request: web.Request) -> web.Response:
    _require_demo(request)
    if not _same_origin(request):
        raise web.HTTPForbidden()
    form = await request.post()
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", "/"))))
    response.del_cookie(TOKEN_COOKIE, path="/")
    raise response
