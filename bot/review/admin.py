"""Administrators only: accounts (create, deactivate, activate) and the audit log (read, CSV).

`/admin/konti` lists and creates accounts (a password of at least 12 characters, argon2-hashed);
`/admin/log` pages through the audit log, optionally for one citizen; `/admin/log.csv` exports it.
Reading and exporting the log are themselves audited.

Must not: offer any way to change or delete an audit entry.
"""

from __future__ import annotations

import json

from aiohttp import web

from bot.review.audit_trail import audit
from bot.review.auth import require_admin
from bot.review.config import STORE_KEY
from bot.review.params import FormError, bad_request, check_query_size, form_text, page_number
from bot.review.rendering import render
from core.audit_export import csv_lines
from core.clock import utc_now
from core.passwords import MAX_PASSWORD_CHARS, hash_password, password_problem
from core.review_records import ROLES
from core.store.database import call
from core.store.review.accounts import AccountError

routes = web.RouteTableDef()
AUDIT_PER_PAGE = 100
MAX_CITIZEN_ID_CHARS = 64


async def _accounts_page(request: web.Request, status: int = 200, error: str | None = None) -> web.Response:
    store = request.app[STORE_KEY]
    accounts = await call(store.accounts.all)
    return render(
        request,
        "accounts.html",
        status=status,
        title="Konti",
        accounts=accounts,
        roles=ROLES,
        error=error,
        saved=request.query.get("gemt"),
    )


@routes.get("/admin/konti")
async def accounts_page(request: web.Request) -> web.Response:
    require_admin(request)
    check_query_size(request)
    return await _accounts_page(request)


@routes.post("/admin/konti")
async def create_account(request: web.Request) -> web.Response:
    require_admin(request)
    form = await request.post()
    store = request.app[STORE_KEY]
    try:
        username = form_text(form, "username", "Brugernavn", max_chars=64)
        password = form_text(form, "password", "Adgangskode", max_chars=MAX_PASSWORD_CHARS, strip=False)
        role = str(form.get("role", ""))
        email = str(form.get("email", "")).strip()[:254] or None
        if len(str(form.get("email", ""))) > 254:
            raise FormError("E-mailadressen er for lang.")
        problem = password_problem(password)
        if problem:
            raise FormError(problem)
        if role not in ROLES:
            raise FormError("Vælg en rolle.")
        hashed = await store.database.call(hash_password, password)
        account = await call(store.accounts.create, username, role, email, hashed, utc_now())
    except (FormError, AccountError) as problem:
        return await _accounts_page(request, 400, str(problem))
    await audit(request, "account_created", detail=json.dumps({"konto": account.username, "rolle": role}))
    raise web.HTTPSeeOther("/admin/konti?gemt=oprettet")


@routes.post("/admin/konti/{username}/status")
async def set_status(request: web.Request) -> web.Response:
    session = require_admin(request)
    username = request.match_info["username"][:64]
    form = await request.post()
    active = form.get("aktiv") == "ja"
    if not active and username == session.account.username:
        raise bad_request("Du kan ikke lukke din egen konto.")
    store = request.app[STORE_KEY]
    if not await call(store.accounts.set_active, username, active):
        raise web.HTTPNotFound(text="Kontoen findes ikke.")
    await audit(
        request,
        "account_activated" if active else "account_deactivated",
        detail=json.dumps({"konto": username}),
    )
    raise web.HTTPSeeOther("/admin/konti?gemt=status")


def _citizen_filter(request: web.Request) -> str | None:
    citizen = (request.query.get("borger") or "").strip()
    if len(citizen) > MAX_CITIZEN_ID_CHARS:
        raise bad_request("Borger-id'et er for langt.")
    return citizen or None


@routes.get("/admin/log")
async def audit_page(request: web.Request) -> web.Response:
    require_admin(request)
    check_query_size(request)
    citizen = _citizen_filter(request)
    page = page_number(request)
    store = request.app[STORE_KEY]
    entries = await call(store.audit.page, (page - 1) * AUDIT_PER_PAGE, AUDIT_PER_PAGE + 1, citizen)
    await audit(request, "audit_view", detail=json.dumps({"borger": citizen, "side": page}))
    return render(
        request,
        "audit.html",
        title="Adgangslog",
        entries=entries[:AUDIT_PER_PAGE],
        has_next=len(entries) > AUDIT_PER_PAGE,
        page=page,
        citizen=citizen or "",
    )


@routes.get("/admin/log.csv")
async def audit_csv(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    check_query_size(request)
    citizen = _citizen_filter(request)
    store = request.app[STORE_KEY]
    await audit(request, "audit_export", detail=json.dumps({"borger": citizen}))
    entries = await store.database.call(lambda: list(store.audit.export(citizen)))
    body = "".join(csv_lines(entries))
    name = f"adgangslog-{citizen}.csv" if citizen and citizen.replace("-", "").isalnum() else "adgangslog.csv"
    return web.Response(
        text=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
