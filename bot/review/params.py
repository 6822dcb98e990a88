"""Reading query strings and forms within limits: anything malformed is a clear 400, never a 5xx.

The limits: the request body is at most core.limits.MAX_BODY_BYTES (the app's client_max_size), a
query string at most MAX_QUERY_CHARS, one value at most MAX_VALUE_CHARS (a search at most
MAX_SEARCH_CHARS), a page number at most MAX_PAGE, a date range at most MAX_RANGE_DAYS for the
overview. Unknown filter values are refused, not ignored, so a mistyped link says so.

Must not: touch the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote as url_quote

from aiohttp import web

from core.conversation_events import CHANNELS, FLAGS
from core.review_records import ConversationFilter

MAX_QUERY_CHARS = 2000
MAX_VALUE_CHARS = 200
MAX_SEARCH_CHARS = 200
MAX_PAGE = 10_000
MAX_RANGE_DAYS = 366
FILTER_KEYS = frozenset({"flag", "kanal", "fra", "til", "q", "side", "identitet", "gennemset"})


class FormError(ValueError):
    """A form field is missing or too long (the message is Danish, for the page)."""


def bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=message)


def check_query_size(request: web.Request) -> None:
    if len(request.query_string) > MAX_QUERY_CHARS:
        raise bad_request("Forespørgslen er for lang.")
    for value in request.query.values():
        if len(value) > MAX_VALUE_CHARS:
            raise bad_request("En værdi i forespørgslen er for lang.")


def form_text(form: Mapping[str, Any], key: str, label: str, *, max_chars: int, strip: bool = True) -> str:
    value = form.get(key)
    if not isinstance(value, str):
        raise FormError(f"Udfyld feltet «{label}».")
    value = value.strip() if strip else value
    if not value:
        raise FormError(f"Udfyld feltet «{label}».")
    if len(value) > max_chars:
        raise FormError(f"«{label}» må højst være {max_chars} tegn.")
    return value


def clean_next(value: str | None, quote: bool = False) -> str:
    """Only a path on this site (no scheme, no `//host`, no backslash), else the front page."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 500:
        return "/"
    if any(ord(char) < 32 for char in value):
        return "/"
    return url_quote(value, safe="") if quote else value


def _date(value: str | None, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"«{label}» skal være en dato som 2026-11-29.") from None


def date_range(request: web.Request) -> tuple[date | None, date | None]:
    first, last = _date(request.query.get("fra"), "Fra"), _date(request.query.get("til"), "Til")
    if first and last and first > last:
        raise bad_request("«Fra» skal ligge før «Til».")
    return first, last


def _yes_no(value: str | None, label: str) -> bool | None:
    if value in (None, "", "alle"):
        return None
    if value in ("ja", "nej"):
        return value == "ja"
    raise bad_request(f"«{label}» skal være ja, nej eller alle.")


def conversation_filter(request: web.Request) -> tuple[ConversationFilter, int]:
    """The list's filters and page number from the query string."""
    check_query_size(request)
    unknown = set(request.query.keys()) - FILTER_KEYS
    if unknown:
        raise bad_request("Ukendt parameter: " + ", ".join(sorted(unknown))[:100])
    flags = frozenset(request.query.getall("flag", []))
    if not flags <= set(FLAGS):
        raise bad_request("Ukendt markering. Brug: " + ", ".join(FLAGS))
    channel = request.query.get("kanal") or None
    if channel is not None and channel not in CHANNELS:
        raise bad_request("Kanalen skal være web eller sms.")
    first, last = date_range(request)
    search = (request.query.get("q") or "").strip()
    if len(search) > MAX_SEARCH_CHARS:
        raise bad_request(f"Søgningen må højst være {MAX_SEARCH_CHARS} tegn.")
    wanted = ConversationFilter(
        flags=flags,
        channel=channel,
        date_from=first,
        date_to=last,
        search=search or None,
        identified=_yes_no(request.query.get("identitet"), "Identitet"),
        reviewed=_yes_no(request.query.get("gennemset"), "Gennemset"),
    )
    return wanted, page_number(request)


def page_number(request: web.Request, key: str = "side") -> int:
    raw = request.query.get(key, "1") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise bad_request(f"Sidetallet skal være et helt tal fra 1 til {MAX_PAGE}.")
    return int(raw)
