"""`/overblik`: conversations, unsure rate and hand-offs per day, and the most asked topics.

Numbers only (no conversation is shown), for all conversations; default the last 30 days, at most
MAX_RANGE_DAYS. The chart is server-rendered SVG (`chart`), the same numbers are in a table.

Must not: show citizen text or ids.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from markupsafe import Markup

from bot.review.chart import day_chart
from bot.review.config import STORE_KEY
from bot.review.conversations import catch_up
from bot.review.params import MAX_RANGE_DAYS, bad_request, check_query_size, date_range
from bot.review.rendering import render
from core.clock import local_today, utc_now
from core.store.database import call

routes = web.RouteTableDef()
DEFAULT_DAYS = 30


@routes.get("/overblik")
async def overview_page(request: web.Request) -> web.Response:
    check_query_size(request)
    first, last = date_range(request)
    last = last or local_today(utc_now())
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise bad_request(f"Perioden må højst være {MAX_RANGE_DAYS} dage.")
    store = request.app[STORE_KEY]
    await catch_up(request)
    overview = await call(store.queries.overview, first, last)
    total = sum(d.conversations for d in overview.days)
    unsure = sum(d.unsure for d in overview.days)
    chart = Markup(day_chart(overview.days, f"Samtaler pr. dag fra {first:%d.%m.%Y} til {last:%d.%m.%Y}"))
    return render(
        request,
        "overview.html",
        title="Overblik",
        overview=overview,
        first=first,
        last=last,
        total=total,
        handoffs=sum(d.handoffs for d in overview.days),
        unsure_rate=(unsure / total) if total else None,
        chart=chart,
    )
