"""Writing the audit log from the review app's pages, and who the signed-in account reads as.

`audit(request, action, ...)` appends one entry for the signed-in account, with the client
address (`auth.client_address`) and the citizens whose data the page showed. Every page that
shows conversations, notes or the log calls it.

Must not: decide what a page shows (core.store.review.queries does).
"""

from __future__ import annotations

from aiohttp import web

from bot.review.auth import client_address, signed_in
from bot.review.config import STORE_KEY
from core.clock import utc_now
from core.review_records import Reader, SignedIn
from core.store.database import call


def reader_of(session: SignedIn) -> Reader:
    account = session.account
    return Reader(account.username, account.role, account.email)


async def audit(
    request: web.Request,
    action: str,
    *,
    conversation_id: str | None = None,
    detail: str = "",
    citizen_ids: tuple[str, ...] = (),
) -> None:
    store, session = request.app[STORE_KEY], signed_in(request)
    await call(
        store.audit.append,
        utc_now(),
        session.account.username,
        session.account.role,
        action,
        conversation_id=conversation_id,
        detail=detail,
        client=client_address(request),
        citizen_ids=citizen_ids,
    )
