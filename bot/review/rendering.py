"""Rendering the review app's pages: Jinja2 with autoescape, Danish dates, the page's shared context.

Every value is escaped (citizen text with `<script>` shows as text); there is no `|safe` for data,
only for the server-built SVG chart, whose text parts are escaped when it is built.

Must not: build HTML by string concatenation from data (templates do it, escaped).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from aiohttp import web
from babel.dates import format_datetime

from bot.review.config import TEMPLATES_DIR
from core.clock import LOCAL_TZ
from core.municipality import get_municipality

SIGNED_IN_KEY = "signed_in"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=jinja2.select_autoescape(["html", "svg"], default=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def danish_time(moment: datetime | None, style: str = "d. MMM y 'kl.' HH:mm") -> str:
    if moment is None:
        return ""
    return format_datetime(moment.astimezone(LOCAL_TZ), style, locale="da")


def danish_percent(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.0f} %"


def iso_local(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


_ENV.filters["dansk_tid"] = danish_time
_ENV.filters["procent"] = danish_percent
_ENV.filters["iso"] = iso_local

CHANNEL_NAMES = {"web": "Web", "sms": "SMS"}
FLAG_NAMES = {
    "unsure": "Usikker / «Mente du …?»",
    "handoff": "Bad om et menneske",
    "crisis": "Krise-ord",
    "note": "Notat delt",
}
NAVIGATION = (
    ("/", "Samtaler"),
    ("/moeder", "Før et møde"),
    ("/overblik", "Overblik"),
)
ADMIN_NAVIGATION = (
    ("/admin/konti", "Konti"),
    ("/admin/log", "Adgangslog"),
)


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A text/html response (autoescaped) with the shared context: account, CSRF token, navigation."""
    session = request.get(SIGNED_IN_KEY)
    navigation = NAVIGATION + (ADMIN_NAVIGATION if session and session.account.is_admin else ())
    html = _ENV.get_template(template).render(
        session=session,
        csrf_token=session.csrf_token if session else "",
        navigation=navigation if session else (),
        path=request.path,
        municipality=get_municipality().name,
        channel_names=CHANNEL_NAMES,
        flag_names=FLAG_NAMES,
        **context,
    )
    response = web.Response(text=html, content_type="text/html", charset="utf-8", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response
