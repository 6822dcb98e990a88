"""Who the visitor of the demo site is: the demo login cookie and the demo citizens.

The demo MitID login (`demo_login`) keeps the signed token in an HttpOnly cookie. Each page
verifies it again with `core.tokens.verify_citizen_token` (never trusting the cookie as is) and
renders it into the widget's configuration, as the municipality's own page would with the token
from its real MitID login.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.web.config import CONFIG_KEY
from core.demo_data import demo_citizens
from core.tokens import VerifiedCitizen, verify_citizen_token

TOKEN_COOKIE = "moedeklar_demo_token"


@dataclass(frozen=True)
class Visitor:
    """A verified demo citizen (token and display name), or anonymous (both None)."""

    token: str | None = None
    citizen_id: str | None = None
    name: str | None = None

    @property
    def logged_in(self) -> bool:
        return self.citizen_id is not None


def visitor(request: web.Request) -> Visitor:
    """The visitor of this request: verified from the cookie, else anonymous."""
    if not request.app[CONFIG_KEY].demo_login:
        return Visitor()
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return Visitor()
    result = verify_citizen_token(token)
    if not isinstance(result, VerifiedCitizen):
        return Visitor()
    names = dict(demo_citizens())
    return Visitor(token=token, citizen_id=result.citizen_id, name=names.get(result.citizen_id, "borger"))
