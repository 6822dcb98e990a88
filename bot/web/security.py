"""Security headers for every response of the demo web site.

A strict Content-Security-Policy: scripts and styles only from this origin (no inline script or
style), `connect-src` only this origin and the Rasa server, no framing, no plugins. Plus
X-Content-Type-Options, Referrer-Policy (same-origin), Permissions-Policy and Cross-Origin-Opener-Policy.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.config import WebConfig


def content_security_policy(config: WebConfig) -> str:
    """The CSP header value for `config` (the Rasa server is the only other origin)."""
    connect = " ".join(("'self'", *config.rasa_origins))
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        )
    )


def install_security_headers(app: web.Application, config: WebConfig) -> None:
    """Add the headers above to every response of `app`, error pages and static files included."""
    headers = {
        "Content-Security-Policy": content_security_policy(config),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }

    async def add_headers(_request: web.Request, response: web.StreamResponse) -> None:
        for name, value in headers.items():
            response.headers.setdefault(name, value)

    app.on_response_prepare.append(add_headers)
