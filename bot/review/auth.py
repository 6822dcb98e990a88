"""Who is signed in: the authentication seam, sessions in the database, CSRF on every form.

The app depends only on `signed_in(request)` and `begin_session(...)`. HOW someone proves who they
are is an `Authenticator`: its routes end in `begin_session` for an account of the store. Today's
is `PasswordAuthenticator` (the /login form, argon2, lockout); a municipality's single sign-on
(OIDC) is another Authenticator whose callback maps the identity provider's user (e-mail, role
claim) to an account and calls `begin_session` (docs/review.md, "Single sign-on").

Sessions: a random token in an HttpOnly, SameSite=Strict cookie (Secure, with the `__Host-`
prefix, everywhere but local development); the database keeps its SHA-256, the CSRF token and the
expiry, so every app process knows every session. Every POST must carry the session's CSRF token
(`csrf_token` field); the sign-in form, before a session exists, uses a double-submit cookie.

Sign-in attempts are also limited per client address (bot.review.rate_limit.REVIEW_LOGIN: 429).

Must not: keep sessions, lockout or rate-limit counts in memory, log passwords or tokens, or say
whether a user name exists.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web

from bot.review.config import CONFIG_KEY, STORE_KEY, ReviewConfig
from bot.review.params import FormError, clean_next, form_text
from bot.review.rate_limit import TOO_MANY, allowed
from bot.review.rendering import SIGNED_IN_KEY, render
from core.clock import utc_now
from core.passwords import MAX_PASSWORD_CHARS, verify_password
from core.review_records import Account, SignedIn
from core.store.database import call

PUBLIC_PREFIXES = ("/static/", "/login", "/health", "/favicon.ico")
LOGIN_CSRF_COOKIE = "moedeklar_review_login"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Authenticator(Protocol):
    """A way to sign in; its routes end in `begin_session` for an account of the store."""

    name: str

    def routes(self) -> web.RouteTableDef: ...


def session_cookie_name(config: ReviewConfig) -> str:
    return "__Host-moedeklar_review" if config.secure_cookies else "moedeklar_review"


def client_address(request: web.Request) -> str:
    """Where the request came from, for the audit log (X-Forwarded-For only behind a trusted proxy)."""
    if request.app[CONFIG_KEY].trust_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        if forwarded:
            return forwarded[:100]
    return (request.remote or "")[:100]


def signed_in(request: web.Request) -> SignedIn:
    """The signed-in account of this request (the middleware guarantees one on app pages)."""
    session: SignedIn | None = request.get(SIGNED_IN_KEY)
    if session is None:
        raise web.HTTPFound("/login")
    return session


def require_admin(request: web.Request) -> SignedIn:
    session = signed_in(request)
    if not session.account.is_admin:
        raise web.HTTPForbidden(text="Kun for administratorer.")
    return session


async def begin_session(request: web.Request, account: Account, location: str) -> web.HTTPSeeOther:
    """Sign `account` in: a new session and its cookie, and a redirect to `location`."""
    config, store = request.app[CONFIG_KEY], request.app[STORE_KEY]
    token, _csrf = await call(store.accounts.start_session, account.id, utc_now(), config.session_ttl)
    await call(store.accounts.record_success, account.id, account.username, utc_now())
    await call(
        store.audit.append, utc_now(), account.username, account.role, "login", client=client_address(request)
    )
    response = web.HTTPSeeOther(location)
    response.set_cookie(
        session_cookie_name(config),
        token,
        max_age=int(config.session_ttl.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=config.secure_cookies,
        path="/",
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def end_session(request: web.Request) -> web.HTTPSeeOther:
    config, store = request.app[CONFIG_KEY], request.app[STORE_KEY]
    token = request.cookies.get(session_cookie_name(config), "")
    session = signed_in(request)
    await call(store.accounts.end_session, token)
    await call(
        store.audit.append,
        utc_now(),
        session.account.username,
        session.account.role,
        "logout",
        client=client_address(request),
    )
    response = web.HTTPSeeOther("/login?ud=1")
    response.del_cookie(session_cookie_name(config), path="/")
    return response


def csrf_ok(expected: str, given: object) -> bool:
    # Bytes: compare_digest raises TypeError on non-ASCII str (a cookie of "\u202e", found by
    # tests/fuzz/test_review_app_fuzz.py, gave a 500).
    return (
        isinstance(given, str)
        and bool(expected)
        and hmac.compare_digest(
            expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
        )
    )


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page but sign-in and static files needs a session; every POST its CSRF token."""
    if request.path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    config, store = request.app[CONFIG_KEY], request.app[STORE_KEY]
    token = request.cookies.get(session_cookie_name(config), "")
    session = await call(store.accounts.signed_in, token, utc_now()) if token else None
    if session is None:
        if request.method == "GET":
            raise web.HTTPSeeOther(f"/login?next={clean_next(request.path_qs, quote=True)}")
        raise web.HTTPForbidden(text="Du er ikke logget ind (eller din session er udløbet).")
    if request.method not in ("GET", "HEAD"):
        form = await request.post()
        if not csrf_ok(session.csrf_token, form.get("csrf_token")):
            raise web.HTTPForbidden(text="Formularen er udløbet. Gå tilbage, genindlæs siden og prøv igen.")
    request[SIGNED_IN_KEY] = session
    return await handler(request)


class PasswordAuthenticator:
    """Sign-in with user name and password (argon2), with the lockout of the settings."""

    name = "password"

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()
        routes.get("/login")(self.login_page)
        routes.post("/login")(self.login)
        return routes

    @staticmethod
    def _page(
        request: web.Request, status: int = 200, error: str | None = None, username: str = ""
    ) -> web.Response:
        # Reuse the browser's token: two tabs (or a favicon request) must not invalidate the form.
        existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        csrf = (
            existing
            if 20 <= len(existing) <= 64 and existing.replace("-", "").replace("_", "").isalnum()
            else ""
        )
        csrf = csrf or secrets.token_urlsafe(24)
        response = render(
            request,
            "login.html",
            status=status,
            title="Log ind",
            error=error,
            username=username,
            login_csrf=csrf,
            next=clean_next(request.query.get("next", "/")),
            signed_out=request.query.get("ud") == "1",
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="Strict",
            secure=request.app[CONFIG_KEY].secure_cookies,
            path="/login",
            max_age=3600,
        )
        return response

    async def login_page(self, request: web.Request) -> web.Response:
        return self._page(request)

    async def login(self, request: web.Request) -> web.StreamResponse:
        config, store = request.app[CONFIG_KEY], request.app[STORE_KEY]
        # Per client, before any password is hashed (bot.review.rate_limit; the lockout is per name).
        if not await allowed(store.rate_limit, config.login_rate_limit, client_address(request)):
            return self._page(request, 429, TOO_MANY)
        form = await request.post()
        if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf_token")):
            raise web.HTTPForbidden(text="Formularen er udløbet. Genindlæs siden og prøv igen.")
        try:
            username = form_text(form, "username", "Brugernavn", max_chars=64)
            password = form_text(form, "password", "Adgangskode", max_chars=MAX_PASSWORD_CHARS, strip=False)
        except FormError as problem:
            return self._page(request, 400, str(problem), str(form.get("username", ""))[:64])
        now = utc_now()
        candidate = await call(store.accounts.login_candidate, username, now)
        if candidate.locked_until is not None:
            await call(
                store.audit.append, now, username[:64], "-", "login_locked", client=client_address(request)
            )
            return self._page(request, 429, LOCKED, username)
        ok = await store.database.call(verify_password, candidate.password_hash, password)
        if not ok or candidate.account_id is None:
            locked = await call(
                store.accounts.record_failure, username, now, config.max_failed_logins, config.lockout
            )
            await call(
                store.audit.append, now, username[:64], "-", "login_failed", client=client_address(request)
            )
            return self._page(request, 429 if locked else 401, LOCKED if locked else WRONG, username)
        account = await call(store.accounts.get, username)
        if account is None or not account.active:
            return self._page(request, 401, WRONG, username)
        return await begin_session(request, account, clean_next(str(form.get("next", "/"))))


WRONG = "Brugernavn eller adgangskode er forkert."
LOCKED = (
    "For mange forkerte forsøg. Brugernavnet er spærret et stykke tid. "
    "Prøv igen senere, eller kontakt en administrator."
)
