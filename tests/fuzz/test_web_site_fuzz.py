"""Fuzzing the citizens' web site (bot/web): every route, with hostile paths, queries, forms, cookies.

The real app runs in-process (aiohttp's test server) with the development demo login on. Always:
an answer within the time limit, never a 5xx or a traceback; nothing typed into a URL comes back
unescaped into the HTML (`<script>` stays text); a fuzzed or forged token cookie never reads as a
signed-in citizen; the demo login redirects only to a path on this site and signs in only a demo
citizen from a same-origin form; a body over the 64 KB limit is a 413. The site still answers
/health afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from http.cookies import CookieError
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st

from bot.web.app import create_app
from bot.web.config import WebConfig
from bot.web.visitor import TOKEN_COOKIE
from core.demo_data import demo_citizens
from core.limits import MAX_BODY_BYTES
from core.settings import get_settings
from core.tokens import make_demo_token
from tests.support.fuzz_inputs import NASTY_STRINGS, Tally, nasty_text

SECONDS_PER_REQUEST = 30  # generous: 2 cores shared with other test runs
SIGNED_IN = "Du er logget ind som"
ROUTES = ["/", "/rehabiliteringsteam", "/tilgaengelighedserklaering", "/privatliv", "/health", "/demo/mitid"]
ROUTES += ["/static/widget/widget.js", "/static/../app.py", "/static/%2e%2e/config.py", "/demo/log-ud"]
CONFIG = WebConfig(host="127.0.0.1", port=0, rasa_public_url="http://localhost:5005", demo_login=True)


@pytest.fixture
def dev_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CITIZEN_JWT_SECRET", "dev-only-fuzz-secret-of-32-bytes-minimum")
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.delenv("CITIZEN_JWT_PUBLIC_KEY_FILE", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def site(dev_secret: None) -> AsyncIterator[tuple[TestClient, Tally]]:
    client = TestClient(TestServer(create_app(CONFIG)))
    await client.start_server()
    tally = Tally("web site")
    yield client, tally
    assert (await client.get("/health")).status == 200
    tally.report()
    await client.close()


async def _send(client: TestClient, method: str, path: str, **kwargs: Any) -> tuple[int, str, Any]:
    async def go() -> tuple[int, str, Any]:
        response = await client.request(method, path, allow_redirects=False, **kwargs)
        return response.status, await response.text(errors="replace"), response.headers

    return await asyncio.wait_for(go(), timeout=SECONDS_PER_REQUEST)


def _check(tally: Tally, status: int, body: str, sent: list[str]) -> None:
    assert status < 500, body[-2000:]
    assert "Traceback" not in body
    for value in sent:  # reflected input is escaped: no tag of ours comes back as markup
        if "<script>" in value or "onerror=" in value:
            assert value not in body, value
    tally.count(str(status))


paths = st.one_of(
    st.sampled_from(ROUTES),
    st.builds(lambda a, b: f"{a.rstrip('/')}/{quote(b, safe='')}", st.sampled_from(ROUTES), nasty_text),
    nasty_text.map(lambda text: "/" + quote(text, safe="")),
)
queries = st.dictionaries(
    st.one_of(st.sampled_from(["next", "q", "token", "citizen"]), nasty_text), nasty_text, max_size=3
)
cookie_values = st.one_of(
    nasty_text,
    st.just("eyJhbGciOiJub25lIn0.eyJzdWIiOiJjLTEwMDEifQ."),  # alg "none", citizen c-1001
    st.builds(lambda token, cut: token[:cut], st.just("x"), st.integers(0, 5)),
)
headers = st.dictionaries(
    st.sampled_from(
        ["Referer", "Accept-Language", "User-Agent", "Origin", "Sec-Fetch-Site", "Host", "Cookie"]
    ),
    st.one_of(
        st.sampled_from(NASTY_STRINGS[:24]), st.text(st.characters(min_codepoint=32, max_codepoint=126))
    ),
    max_size=3,
)


@given(path=paths, query=queries, cookie=cookie_values, extra_headers=headers)
async def test_get_every_route(site, path: str, query: dict, cookie: str, extra_headers: dict) -> None:
    client, tally = site
    try:
        status, body, _ = await _send(
            client, "GET", path, params=query, cookies={TOKEN_COOKIE: cookie}, headers=extra_headers
        )
    except (ValueError, CookieError):  # the client itself refuses to send it (a newline, a bad cookie)
        tally.count("not sendable")
        return
    _check(tally, status, body, [*query.values(), *query.keys(), path])
    assert SIGNED_IN not in body, "a fuzzed cookie was taken for a citizen"


@given(
    citizen=st.one_of(st.sampled_from([cid for cid, _ in demo_citizens()]), nasty_text),
    next_path=st.one_of(
        nasty_text, st.sampled_from(["//evil.example", "https://evil.example", "/\\evil", "/ok"])
    ),
    extra=st.dictionaries(nasty_text, nasty_text, max_size=3),
    origin=st.sampled_from(["same", "none", "evil", "missing"]),
    action=st.sampled_from(["/demo/mitid", "/demo/log-ud"]),
)
async def test_demo_login_form(  # noqa: PLR0917 (hypothesis passes the drawn values)
    site, citizen: str, next_path: str, extra: dict, origin: str, action: str
) -> None:
    client, tally = site
    form = {**extra, "citizen": citizen, "next": next_path}
    fetch_site = {"same": "same-origin", "none": "none", "evil": "cross-site"}.get(origin)
    sent_headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    status, body, response_headers = await _send(client, "POST", action, data=form, headers=sent_headers)
    _check(tally, status, body, list(form.values()))
    if origin == "evil":
        assert status == 403
    if status == 303:
        location = response_headers["Location"]
        assert location.startswith("/") and not location.startswith("//") and "\\" not in location
        if action == "/demo/mitid":
            assert citizen in dict(demo_citizens())
            assert TOKEN_COOKIE in response_headers.get("Set-Cookie", "")


async def test_a_body_over_the_limit_is_413(site) -> None:
    client, tally = site
    status, body, _ = await _send(client, "POST", "/demo/mitid", data={"citizen": "x" * (MAX_BODY_BYTES + 1)})
    _check(tally, status, body, [])
    assert status == 413


async def test_a_valid_demo_token_still_signs_in(site) -> None:
    """The check above is not vacuous: a real demo token does show the signed-in state."""
    client, _tally = site
    status, body, _ = await _send(client, "GET", "/", cookies={TOKEN_COOKIE: make_demo_token("c-1001")})
    assert status == 200 and SIGNED_IN in body


@pytest.mark.parametrize("header", ["{=", "<=x", "a=b; {smo%=1"])
async def test_an_unparsable_cookie_header_is_a_400(site, header: str) -> None:
    """Found by the long run: Python's cookie parser raised CookieError, which was a 500."""
    client, tally = site
    status, body, _ = await _send(client, "GET", "/", headers={"Cookie": header})
    _check(tally, status, body, [])
    assert status == 400


async def test_a_static_path_too_long_for_the_file_system_is_a_404(site) -> None:
    """Found by the long run: `/static/widget/widget.js/aaaa…` (ENAMETOOLONG) was aiohttp's 500."""
    client, tally = site
    status, body, _ = await _send(client, "GET", "/static/widget/widget.js/" + "a" * 5000)
    _check(tally, status, body, [])
    assert status == 404
