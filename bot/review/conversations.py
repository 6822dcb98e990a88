"""The conversation list and the transcript, with marks, comments and corrections.

- `/`: the list, newest first, 50 per page, with filters (flags, channel, dates, identified,
  reviewed) and a search in the citizens' words. The index is brought up to date first.
- `/samtale/{id}`: the transcript: messages in order with times, each citizen message's topic and
  confidence, the actions run, the shared preparation note, and the review work.
- POST `/samtale/{id}/gennemset`, `/kommentar`, `/rettelse`: mark reviewed, comment, correct.

Every list, search and view is audited (who, when, what, from where, and which citizens). A
conversation the account may not see answers 404, exactly like one that does not exist, and the
attempt is audited.

Must not: show a conversation that `ReviewQueries.conversation` did not return for this account.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.review.audit_trail import audit, reader_of
from bot.review.auth import signed_in
from bot.review.config import STORE_KEY
from bot.review.params import FormError, bad_request, check_query_size, conversation_filter, form_text
from bot.review.rendering import render
from core.clock import utc_now
from core.conversation_events import TranscriptEntry, conversation_language, transcript
from core.privacy import mask_text
from core.review_records import ConversationFilter, ConversationRow
from core.store.database import call
from core.store.errors import StoreUnavailable
from core.store.review.work import MAX_COMMENT_CHARS
from core.training_data import known_topics

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

PER_PAGE = 50
MAX_CONVERSATION_ID_CHARS = 255


def describe(wanted: ConversationFilter, page: int) -> str:
    """What the list showed, for the audit log (a search is masked like any text)."""
    parts = {
        "flag": sorted(wanted.flags),
        "kanal": wanted.channel,
        "fra": wanted.date_from.isoformat() if wanted.date_from else None,
        "til": wanted.date_to.isoformat() if wanted.date_to else None,
        "q": mask_text(wanted.search) if wanted.search else None,
        "identitet": wanted.identified,
        "gennemset": wanted.reviewed,
        "side": page,
    }
    return json.dumps({k: v for k, v in parts.items() if v not in (None, [])}, ensure_ascii=False)


async def catch_up(request: web.Request) -> None:
    """Index what Rasa stored since the last page (bounded; a slow index never blocks the page)."""
    store = request.app[STORE_KEY]
    try:
        await call(store.indexer.catch_up)
    except StoreUnavailable:
        logger.warning("The conversation index could not be brought up to date; showing what it has.")


def _query_without_page(request: web.Request) -> str:
    return urlencode([(k, v) for k, v in request.query.items() if k != "side"])


@routes.get("/")
async def conversation_list(request: web.Request) -> web.Response:
    wanted, page = conversation_filter(request)
    session = signed_in(request)
    store = request.app[STORE_KEY]
    await catch_up(request)
    result = await call(store.queries.conversations, reader_of(session), wanted, page, PER_PAGE)
    shown = tuple(sorted({row.citizen_id for row in result.rows if row.citizen_id}))
    await audit(
        request, "search" if wanted.search else "list", detail=describe(wanted, page), citizen_ids=shown
    )
    return render(
        request,
        "list.html",
        title="Samtaler",
        page=result,
        wanted=wanted,
        query=_query_without_page(request),
    )


def _conversation_id(request: web.Request) -> str:
    conversation_id = request.match_info["conversation_id"]
    if not conversation_id or len(conversation_id) > MAX_CONVERSATION_ID_CHARS:
        raise bad_request("Ugyldigt samtale-id.")
    return conversation_id


async def visible_conversation(request: web.Request) -> ConversationRow:
    """The conversation of the URL when this account may see it; 404 (audited) otherwise."""
    conversation_id = _conversation_id(request)
    store, session = request.app[STORE_KEY], signed_in(request)
    row = await call(store.queries.conversation, reader_of(session), conversation_id)
    if row is None:
        if await call(store.queries.exists, conversation_id):
            await audit(request, "view_denied", conversation_id=conversation_id)
        raise web.HTTPNotFound(text="Samtalen findes ikke, eller du har ikke adgang til den.")
    return row


def _citizens(row: ConversationRow) -> tuple[str, ...]:
    return (row.citizen_id,) if row.citizen_id else ()


# The languages' names as a caseworker reads them (the review app is in Danish).
LANGUAGE_NAMES = {
    "da": "dansk",
    "en": "engelsk",
    "ar": "arabisk",
    "fa": "persisk",
    "ur": "urdu",
    "uk": "ukrainsk",
    "ru": "russisk",
    "tr": "tyrkisk",
    "so": "somali",
    "pl": "polsk",
    "ro": "rumænsk",
    "de": "tysk",
    "es": "spansk",
    "fr": "fransk",
    "other": "et andet sprog",
}


@routes.get("/samtale/{conversation_id}")
async def conversation_page(request: web.Request) -> web.Response:
    check_query_size(request)
    row = await visible_conversation(request)
    store = request.app[STORE_KEY]
    events = await call(store.reader.events_for, row.id)
    entries = transcript(events)
    language = conversation_language(events)
    notes = await call(store.queries.notes_during, row.id)
    state = await call(store.work.state, row.id)
    await audit(request, "view", conversation_id=row.id, citizen_ids=_citizens(row))
    corrections = {c.event_id: c for c in state.corrections}
    return render(
        request,
        "conversation.html",
        title="Samtale",
        row=row,
        entries=entries,
        language=language,
        language_names=LANGUAGE_NAMES,
        notes=notes,
        state=state,
        corrections=corrections,
        topics=known_topics(),
        saved=request.query.get("gemt"),
        max_comment=MAX_COMMENT_CHARS,
    )


def _back(row: ConversationRow, what: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/samtale/{quote(row.id, safe='')}?gemt={what}")


@routes.post("/samtale/{conversation_id}/gennemset")
async def mark_reviewed(request: web.Request) -> web.Response:
    row = await visible_conversation(request)
    form = await request.post()
    reviewed = form.get("gennemset") != "nej"
    store, session = request.app[STORE_KEY], signed_in(request)
    await call(store.work.mark, row.id, session.account.username, utc_now(), reviewed)
    await audit(request, "mark_reviewed" if reviewed else "unmark_reviewed", conversation_id=row.id)
    raise _back(row, "gennemset")


@routes.post("/samtale/{conversation_id}/kommentar")
async def add_comment(request: web.Request) -> web.Response:
    row = await visible_conversation(request)
    form = await request.post()
    try:
        text = form_text(form, "kommentar", "Kommentar", max_chars=MAX_COMMENT_CHARS)
    except FormError as problem:
        raise bad_request(str(problem)) from None
    store, session = request.app[STORE_KEY], signed_in(request)
    await call(store.work.comment, row.id, session.account.username, utc_now(), mask_text(text))
    await audit(request, "comment", conversation_id=row.id, citizen_ids=_citizens(row))
    raise _back(row, "kommentar")


def _citizen_message(entries: list[TranscriptEntry], event_id: int) -> TranscriptEntry | None:
    return next((e for e in entries if e.kind == "citizen" and e.event_id == event_id), None)


@routes.post("/samtale/{conversation_id}/rettelse")
async def add_correction(request: web.Request) -> web.Response:
    row = await visible_conversation(request)
    form = await request.post()
    raw_event = str(form.get("besked", ""))
    topic = str(form.get("emne", ""))
    if not raw_event.isdigit() or len(raw_event) > 18:
        raise bad_request("Vælg den besked, der skal rettes.")
    if topic not in known_topics():
        raise bad_request("Vælg et emne fra listen.")
    store, session = request.app[STORE_KEY], signed_in(request)
    entries = transcript(await call(store.reader.events_for, row.id))
    message = _citizen_message(entries, int(raw_event))
    if message is None:
        raise bad_request("Beskeden findes ikke i denne samtale.")
    await call(
        store.work.correct,
        row.id,
        event_id=message.event_id,
        message_text=mask_text(message.text),
        predicted=message.topic,
        topic=topic,
        username=session.account.username,
        now=utc_now(),
    )
    await audit(request, "correction", conversation_id=row.id, detail=json.dumps({"emne": topic}))
    raise _back(row, "rettelse")
