"""The host pages: two municipality pages with the widget, the accessibility statement, privacy.

Every page gets the same layout (templates/base.html): the municipality's header, the login state
(logged in with name, or not logged in), the page's content and a footer with contact details and
the accessibility statement. The chat widget is embedded with one `<script>` tag plus its JSON
configuration block, exactly as a municipality would embed it on its own site.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.config import CONFIG_KEY, WebConfig
from bot.web.rendering import render, script_json, widget_config
from bot.web.visitor import visitor
from core.municipality import get_municipality

routes = web.RouteTableDef()

NAVIGATION = (
    ("/", "Ressourceforløb"),
    ("/rehabiliteringsteam", "Mødet om din sag"),
    ("/tilgaengelighedserklaering", "Tilgængelighedserklæring"),
    ("/privatliv", "Privatliv i chatten"),
)


def page_context(request: web.Request, title: str) -> dict[str, Any]:
    """What base.html needs: municipality, visitor, login links and the widget config."""
    config: WebConfig = request.app[CONFIG_KEY]
    municipality = get_municipality()
    person = visitor(request)
    if config.demo_login:
        login_url = f"/demo/mitid?next={request.path}"
    else:
        login_url = municipality.mitid_login_url
    return {
        "title": title,
        "path": request.path,
        "navigation": NAVIGATION,
        "m": municipality,
        "visitor": person,
        "demo_login": config.demo_login,
        "login_url": login_url,
        "widget_config": script_json(widget_config(config, municipality, person.token, person.name)),
        "server_url": config.rasa_public_url,
    }


@routes.get("/")
async def ressourceforloeb(request: web.Request) -> web.Response:
    return render("ressourceforloeb.html", **page_context(request, "Ressourceforløb"))


@routes.get("/rehabiliteringsteam")
async def meeting(request: web.Request) -> web.Response:
    return render("moedet.html", **page_context(request, "Mødet om din sag"))


@routes.get("/tilgaengelighedserklaering")
async def accessibility_statement(request: web.Request) -> web.Response:
    return render("tilgaengelighed.html", **page_context(request, "Tilgængelighedserklæring"))


@routes.get("/privatliv")
async def privacy(request: web.Request) -> web.Response:
    return render("privatliv.html", **page_context(request, "Sådan behandler vi dine oplysninger i chatten"))


@routes.get("/health")
async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
