"""Fuzzing the caseworkers' review app (bot/review): every route, signed in and not.

The real app runs in-process (aiohttp's test server) on a real SQLite store with the demo cases,
three accounts and three stored conversations: Anna's (Mette's citizen), Jonas's (Sara's
citizen) and an anonymous one. Hostile paths, ids in URLs, query strings and filters, search
strings, forms with and without the CSRF token, login forms, cookies and headers. Always: an
answer within the time limit, never a 5xx and never a traceback; a POST without the session's
CSRF token is refused; and Mette never sees a word of Jonas's conversation (JONAS_SECRET) on any
page, search or export. The app still answers /health and Mette's own pages afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from http.cookies import CookieError
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st

from bot.review.app import create_app
from bot.review.config import ReviewConfig
from bot.review.rate_limit import RateRule
from core.store.review.store import ReviewStore
from core.store.schema import migrate
from tests.support.demo import load_demo_cases
from tests.support.fuzz_inputs import NASTY_STRINGS, Tally, nasty_text
from tests.support.review import (
    ADMIN,
    ANNA,
    JONAS,
    METTE,
    ReviewClient,
    Turn,
    add_accounts,
    store_conversation,
    tracker_store_for,
)

SECONDS_PER_REQUEST = 30  # generous: 2 cores shared with other test runs
JONAS_SECRET = "Jonashemmelighedord"
JONAS_ID = "rest:jonas-fuzz"
# What only a page that shows Jonas's conversation has (a search box echoes the query itself).
JONAS_LEAKS = (f"{JONAS_SECRET} om mit møde", "jonas-fuzz")
CONFIG = ReviewConfig(
    host="127.0.0.1",
    port=0,
    secure_cookies=False,
    session_ttl=timedelta(hours=1),
    max_failed_logins=1000,
    lockout=timedelta(minutes=15),
    trust_proxy=False,
    login_rate_limit=RateRule("review-login", 100_000, timedelta(minutes=10)),
)
CONVERSATIONS = {
    "rest:anna-fuzz": [
        Turn("hvornår er mit næste møde?", "ask_next_meeting", "2026-11-20T09:00:00", citizen=ANNA)
    ],
    JONAS_ID: [Turn(f"{JONAS_SECRET} om mit møde", "faq", "2026-11-21T09:00:00", 0.4, "faq/x", JONAS)],
    "rest:anon-fuzz": [Turn("hvad er et ressourceforløb?", "faq", "2026-11-22T09:00:00")],
}
GET_PATHS = [
    "/",
    "/samtale/",
    "/moeder",
    "/overblik",
    "/admin/konti",
    "/admin/log",
    "/admin/log.csv",
    "/login",
]
POST_PATHS = ["/samtale/{id}/gennemset", "/samtale/{id}/kommentar", "/samtale/{id}/rettelse"]
POST_PATHS += ["/admin/konti", "/admin/konti/{id}/status", "/login"]  # not /logout: it ends the session
QUERY_KEYS = ["flag", "kanal", "fra", "til", "q", "side", "identitet", "gennemset", "next", "ud", "x"]


@dataclasses.dataclass
class Review:
    app: TestClient
    anonymous: TestClient
    mette: ReviewClient
    admin: ReviewClient
    tally: Tally


@pytest.fixture
async def review(tmp_path: Path) -> AsyncIterator[Review]:
    cases_url, conversations_url = f"sqlite:///{tmp_path / 'cases.db'}", f"sqlite:///{tmp_path / 'conv.db'}"
    migrate(cases_url)
    load_demo_cases(cases_url)
    store = ReviewStore(cases_url, conversations_url)
    add_accounts(store)
    tracker_store = tracker_store_for(conversations_url)
    for sender_id, turns in CONVERSATIONS.items():
        await store_conversation(tracker_store, sender_id, turns)
    app = TestClient(TestServer(create_app(CONFIG, store)))
    await app.start_server()
    clients = [TestClient(app.server) for _ in range(3)]
    for client in clients:
        await client.start_server()
    mette, admin = ReviewClient(clients[0]), ReviewClient(clients[1])
    await mette.login(METTE)
    await admin.login(ADMIN)
    tally = Tally("review app")
    yield Review(app, clients[2], mette, admin, tally)
    # Healthy afterwards, and Mette still gets her own citizen's conversation.
    assert (await app.get("/health")).status == 200
    own = await mette.get(f"/samtale/{quote('rest:anna-fuzz', safe='')}")
    assert own.status == 200
    tally.report()
    for client in clients:
        await client.close()
    await app.close()
    tracker_store.engine.dispose()
    store.close()


conversation_ids = st.one_of(
    st.sampled_from([JONAS_ID, "rest:anna-fuzz", "rest:anon-fuzz", "sms:x", "", "..", "%00"]), nasty_text
)
query_values = st.one_of(
    nasty_text, st.sampled_from(["1", "0", "-1", "2026-11-20", "9999-99-99", JONAS_SECRET])
)
queries = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"q": query_values}),
    st.dictionaries(st.one_of(st.sampled_from(QUERY_KEYS), nasty_text), query_values, max_size=4),
)
paths = st.one_of(
    st.sampled_from(GET_PATHS),
    conversation_ids.map(lambda cid: f"/samtale/{quote(cid, safe='')}"),
    st.builds(lambda a, b: f"/x{quote(a, safe='')}/{quote(b, safe='')}", nasty_text, nasty_text),
    st.sampled_from(["/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/app.py", "/%ff"]),
)
headers = st.dictionaries(
    st.sampled_from(["X-Forwarded-For", "Referer", "Accept-Language", "User-Agent", "Origin", "Cookie"]),
    st.one_of(
        st.sampled_from(NASTY_STRINGS[:20]), st.text(st.characters(min_codepoint=32, max_codepoint=126))
    ),
    max_size=3,
)


async def _send(client: TestClient, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
    async def go() -> tuple[int, str]:
        response = await client.request(method, path, allow_redirects=False, **kwargs)
        return response.status, await response.text(errors="replace")

    return await asyncio.wait_for(go(), timeout=SECONDS_PER_REQUEST)


def _check(review: Review, who: str, status: int, body: str) -> None:
    assert status < 500, body[-2000:]
    assert "Traceback" not in body
    if who == "mette":
        leaked = [marker for marker in JONAS_LEAKS if marker in body]
        assert not leaked, f"Mette saw Jonas's conversation: {leaked}"
    review.tally.count(f"{who} {status}")


@given(path=paths, query=queries, extra_headers=headers)
async def test_get_every_route(review: Review, path: str, query: dict[str, str], extra_headers: dict) -> None:
    for who, client in (("anonymous", review.anonymous), ("mette", review.mette.client)):
        try:
            status, body = await _send(client, "GET", path, params=query, headers=extra_headers)
        except (ValueError, CookieError):  # the client itself refuses to send it (a newline, a bad cookie)
            review.tally.count("not sendable")
            continue
        _check(review, who, status, body)
        if who == "anonymous" and status == 200:
            assert path.startswith(("/login", "/static/", "/health", "/favicon")), path
        if who == "mette" and path.startswith("/samtale/") and JONAS_ID in path.replace("%3A", ":"):
            assert status in (400, 404)  # 400: a header the server's parser refuses


@given(
    path=st.sampled_from(POST_PATHS),
    target=conversation_ids,
    form=st.dictionaries(
        st.one_of(
            st.sampled_from(["tekst", "intent", "username", "password", "role", "email", "aktiv", "next"]),
            nasty_text,
        ),
        nasty_text,
        max_size=5,
    ),
    with_csrf=st.booleans(),
)
async def test_post_every_form(review: Review, path: str, target: str, form: dict, with_csrf: bool) -> None:
    url = path.replace("{id}", quote(target, safe=""))
    for who, signed in (("mette", review.mette), ("admin", review.admin)):
        data = dict(form)
        if with_csrf:
            data["csrf_token"] = signed.csrf
        status, body = await _send(signed.client, "POST", url, data=data)
        _check(review, who, status, body)
        if not with_csrf and path != "/login":
            assert status >= 400, (url, status)  # refused: 403, or 400/404/413 for the URL itself
    status, body = await _send(review.anonymous, "POST", url, data=form)
    _check(review, "anonymous", status, body)
    assert status >= 400 or path == "/login" and status == 200


@given(
    username=nasty_text,
    password=nasty_text,
    csrf=st.one_of(nasty_text, st.just("same")),
    cookie=st.one_of(nasty_text, st.just("same")),
    next_path=st.one_of(nasty_text, st.sampled_from(["//evil.example", "https://evil.example", "/\\evil"])),
)
async def test_login_form(  # noqa: PLR0917 (hypothesis passes the drawn values)
    review: Review, username: str, password: str, csrf: str, cookie: str, next_path: str
) -> None:
    token = "a" * 32
    cookies = {"moedeklar_review_login": token if cookie == "same" else cookie}
    data = {"username": username, "password": password, "csrf_token": token if csrf == "same" else csrf}
    data["next"] = next_path
    try:
        status, body = await _send(review.anonymous, "POST", "/login", data=data, cookies=cookies)
    except (ValueError, CookieError):
        review.tally.count("not sendable")
        return
    _check(review, "login", status, body)
    assert status in (400, 401, 403, 413, 429), status  # nobody signs in with a fuzzed password


@pytest.mark.parametrize("header", ["{=", "a=b; {smo%=1"])
async def test_an_unparsable_cookie_header_is_a_400(review: Review, header: str) -> None:
    """Found by the long run: Python's cookie parser raised CookieError, which was a 500."""
    for path in ("/", "/login"):
        status, body = await _send(review.anonymous, "GET", path, headers={"Cookie": header})
        _check(review, "anonymous", status, body)
        assert status == 400 and "Forespørgslen kan ikke bruges." in body


async def test_a_static_path_too_long_for_the_file_system_is_a_404(review: Review) -> None:
    """Found by the long run of the web site: a file name too long (ENAMETOOLONG) was a 500."""
    status, body = await _send(review.anonymous, "GET", "/static/" + "a" * 5000)
    _check(review, "anonymous", status, body)
    assert status == 404
