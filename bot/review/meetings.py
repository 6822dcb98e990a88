"""`/moeder`: before a meeting: the caseworker's citizens' coming meetings and their shared notes.

An administrator sees every coming meeting. The view is audited with the citizens it showed.

Must not: show another caseworker's citizens to a caseworker.
"""

from __future__ import annotations

from aiohttp import web

from bot.review.audit_trail import audit, reader_of
from bot.review.auth import signed_in
from bot.review.config import STORE_KEY
from bot.review.params import check_query_size
from bot.review.rendering import render
from core.clock import utc_now
from core.store.database import call

routes = web.RouteTableDef()


@routes.get("/moeder")
async def meetings_page(request: web.Request) -> web.Response:
    check_query_size(request)
    session = signed_in(request)
    store = request.app[STORE_KEY]
    meetings = await call(store.queries.upcoming_meetings, reader_of(session), utc_now())
    await audit(request, "meetings", citizen_ids=tuple(sorted({m.citizen_id for m in meetings})))
    return render(
        request,
        "meetings.html",
        title="Før et møde",
        meetings=meetings,
        no_email=not session.account.is_admin and not session.account.email,
    )
