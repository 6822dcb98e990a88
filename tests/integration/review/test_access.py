"""Who gets in and what they see: sign-in, lockout, sessions, CSRF and the role rules.

The review app runs in-process against real SQLite and PostgreSQL databases; the conversations
were stored through the real tracker store (conftest).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.review.app import create_app
from bot.review.auth import LOGIN_CSRF_COOKIE
from core.store.engine import make_engine, session_scope
from core.store.review.store import ReviewStore
from core.store.tables import ReviewAudit, ReviewAuditSubject, ReviewSession
from tests.integration.review.conftest import CONFIG
from tests.support.databases import BACKENDS
from tests.support.review import ADMIN, ANNA, METTE, PASSWORD, SARA, ReviewClient

pytestmark = pytest.mark.parametrize("backend", BACKENDS)
SignIn = Callable[[str], Awaitable[ReviewClient]]


def audit_rows(store: ReviewStore) -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    """(user, action, conversation, citizens) of every audit entry, oldest first."""
    return [(e.username, e.action, e.conversation_id, e.citizen_ids) for e in store.audit.export()]


def link(conversation_id: str) -> str:
    return f"/samtale/{quote(conversation_id, safe='')}"


async def test_sign_in_sign_out_and_pages_need_a_session(app: TestClient, review_store: ReviewStore) -> None:
    response = await app.get("/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login?next=")
    user = ReviewClient(app)
    page = await user.login(METTE)
    html = await page.text()
    assert "Logget ind som <strong>mette</strong>" in html
    cookie = page.history[0].headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # local development (CONFIG.secure_cookies=False)
    response = await user.post("/logout")
    assert response.status == 303 and response.headers["Location"] == "/login?ud=1"
    assert (await app.get("/", allow_redirects=False)).status == 303
    actions = [row[1] for row in audit_rows(review_store)]
    assert actions == ["login", "list", "logout"]


async def test_secure_cookie_outside_development(review_store: ReviewStore) -> None:
    config = CONFIG.__class__(**{**CONFIG.__dict__, "secure_cookies": True})
    client = TestClient(TestServer(create_app(config, review_store)))
    await client.start_server()
    try:
        page = await client.get("/login")
        assert "Secure" in page.headers["Set-Cookie"]
        token = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
        response = await client.post(
            "/login",
            data={"csrf_token": token, "username": METTE, "password": PASSWORD},
            cookies={LOGIN_CSRF_COOKIE: token},  # the test client speaks http: Secure cookies stay home
            allow_redirects=False,
        )
        assert response.status == 303, await response.text()
        cookie = response.headers.getall("Set-Cookie", [""])[0]
        assert cookie.startswith("__Host-moedeklar_review=") and "Secure" in cookie and "HttpOnly" in cookie
    finally:
        await client.close()


async def test_wrong_password_and_unknown_user_get_the_same_answer(app: TestClient) -> None:
    user = ReviewClient(app)
    wrong = await user.login(METTE, "forkert-adgangskode-123", expect=401)
    unknown = await user.login("findes-ikke", "forkert-adgangskode-123", expect=401)
    for response in (wrong, unknown):
        assert "Brugernavn eller adgangskode er forkert." in await response.text()


async def test_lockout_after_repeated_failures_even_with_the_right_password(
    app: TestClient, review_store: ReviewStore
) -> None:
    user = ReviewClient(app)
    await user.login(SARA, "forkert-adgangskode-1", expect=401)
    await user.login(SARA, "forkert-adgangskode-2", expect=401)
    locked = await user.login(SARA, "forkert-adgangskode-3", expect=429)  # CONFIG: 3 failures
    assert "For mange forkerte forsøg" in await locked.text()
    await user.login(SARA, PASSWORD, expect=429)
    await ReviewClient(app).login(METTE)  # other names are not affected
    actions = [row[1] for row in audit_rows(review_store) if row[0] == SARA]
    assert actions == ["login_failed", "login_failed", "login_failed", "login_locked"]


async def test_sessions_and_lockout_are_shared_by_several_app_processes(
    app: TestClient, review_store: ReviewStore, review_urls: tuple[str, str]
) -> None:
    """A second app with its own store (as another process would have) knows the same session."""
    other_store = ReviewStore(*review_urls)
    other = TestClient(TestServer(create_app(CONFIG, other_store)))
    await other.start_server()
    try:
        user = ReviewClient(app)
        await user.login(METTE)
        cookies = {c.key: c.value for c in app.session.cookie_jar}
        response = await other.get("/", cookies={"moedeklar_review": cookies["moedeklar_review"]})
        assert response.status == 200 and "Logget ind som <strong>mette</strong>" in await response.text()
        for attempt in range(3):
            await ReviewClient(other if attempt % 2 else app).login(
                ADMIN, f"forkert-{attempt}-abcdefgh", expect=429 if attempt == 2 else 401
            )
        await ReviewClient(other).login(ADMIN, PASSWORD, expect=429)
    finally:
        await other.close()


async def test_expired_or_forged_sessions_are_refused(app: TestClient, review_store: ReviewStore) -> None:
    user = ReviewClient(app)
    await user.login(METTE)
    engine = make_engine(review_store.database.url)
    try:
        with session_scope(engine) as session:
            for row in session.execute(select(ReviewSession)).scalars():
                row.expires_at = row.created_at
    finally:
        engine.dispose()
    assert (await app.get("/", allow_redirects=False)).status == 303
    forged = await app.get("/", cookies={"moedeklar_review": "x" * 43}, allow_redirects=False)
    assert forged.status == 303


async def test_every_form_needs_its_csrf_token(app: TestClient, as_user: SignIn, conversations: dict) -> None:
    mette = await as_user(METTE)
    target = link("rest:anna-1")
    for path, data in (
        (f"{target}/kommentar", {"kommentar": "Ring til borgeren"}),
        (f"{target}/gennemset", {"gennemset": "ja"}),
        (f"{target}/rettelse", {"besked": "1", "emne": "greet"}),
        ("/logout", {}),
    ):
        missing = await mette.post(path, data, csrf=False)
        assert missing.status == 403, path
        wrong = await mette.post(path, {**data, "csrf_token": "forkert"}, csrf=False)
        assert wrong.status == 403, path
    # the login form too (double-submit cookie)
    response = await app.post("/login", data={"username": METTE, "password": PASSWORD})
    assert response.status == 403
    # still signed in, nothing was changed
    assert "Ingen kommentarer endnu" in await mette.text(target)


async def test_caseworker_sees_anonymous_and_own_citizens_only(as_user: SignIn, conversations: dict) -> None:
    mette = await as_user(METTE)
    html = await mette.text("/")
    for visible in ("rest:anna-1", "rest:anon-1", "sms:Zk3pseudonym", "rest:lars-1"):
        assert link(visible).replace(":", "%3A") in html or quote(visible, safe="") in html, visible
    assert "Anna Jensen" in html and "Lars Petersen" in html
    assert "Jonas Nielsen" not in html and quote("rest:jonas-1", safe="") not in html
    assert quote("rest:mixed", safe="") not in html  # two citizens: administrators only
    sara = await as_user(SARA)
    html = await sara.text("/")
    assert quote("rest:jonas-1", safe="") in html and "Anna Jensen" not in html
    admin = await as_user(ADMIN)
    html = await admin.text("/")
    for conversation_id in conversations:
        assert quote(conversation_id, safe="") in html


async def test_changing_the_url_does_not_open_another_caseworkers_citizen(
    as_user: SignIn, conversations: dict, review_store: ReviewStore
) -> None:
    mette = await as_user(METTE)
    for path in (link("rest:jonas-1"), link("rest:mixed"), link("rest:findes-ikke")):
        response = await mette.get(path)
        body = await response.text()
        assert response.status == 404, path
        assert "jeg orker ikke mere" not in body and "Jonas" not in body
    for path, data in ((f"{link('rest:jonas-1')}/kommentar", {"kommentar": "x"}),):
        assert (await mette.post(path, data)).status == 404
    denied = [row for row in audit_rows(review_store) if row[1] == "view_denied"]
    assert [(row[0], row[2]) for row in denied] == [
        (METTE, "rest:jonas-1"),
        (METTE, "rest:mixed"),
        (METTE, "rest:jonas-1"),
    ]
    admin = await as_user(ADMIN)
    assert "jeg orker ikke mere" in await admin.text(link("rest:jonas-1"))


async def test_only_administrators_manage_accounts_and_read_the_audit_log(
    as_user: SignIn, review_store: ReviewStore
) -> None:
    mette = await as_user(METTE)
    for path in ("/admin/konti", "/admin/log", "/admin/log.csv"):
        assert (await mette.get(path)).status == 403, path
    create = await mette.post("/admin/konti", {"username": "ny", "role": "admin", "password": "x" * 20})
    assert create.status == 403
    admin = await as_user(ADMIN)
    created = await admin.post(
        "/admin/konti",
        {
            "username": "Lone",
            "role": "caseworker",
            "email": "lone@kommune.example",
            "password": "lang-nok-adgangskode",
        },
    )
    assert created.status == 303
    assert "lone" in await admin.text("/admin/konti")
    assert (await ReviewClient(await_new_client(admin)).login("lone", "lang-nok-adgangskode")) is not None
    closed = await admin.post("/admin/konti/lone/status", {"aktiv": "nej"})
    assert closed.status == 303
    await ReviewClient(await_new_client(admin)).login("lone", "lang-nok-adgangskode", expect=401)
    assert (await admin.post(f"/admin/konti/{ADMIN}/status", {"aktiv": "nej"})).status == 400
    actions = [row[1] for row in audit_rows(review_store) if row[0] == ADMIN]
    assert "account_created" in actions and "account_deactivated" in actions


def await_new_client(signed: ReviewClient) -> TestClient:
    """A fresh browser (no cookies) on the same server as `signed`."""
    return TestClient(signed.client.server)


async def test_audit_rows_name_the_citizens_seen(
    as_user: SignIn, conversations: dict, review_store: ReviewStore
) -> None:
    mette = await as_user(METTE)
    await mette.text(link("rest:anna-1"))
    engine = make_engine(review_store.database.url)
    try:
        with session_scope(engine) as session:
            rows = session.execute(
                select(ReviewAudit.action, ReviewAudit.client, ReviewAuditSubject.citizen_id)
                .join(ReviewAuditSubject, ReviewAuditSubject.audit_id == ReviewAudit.id)
                .where(ReviewAudit.action == "view")
            ).all()
    finally:
        engine.dispose()
    assert [(r.action, r.citizen_id) for r in rows] == [("view", ANNA)]
    assert rows[0].client == "127.0.0.1"
