"""Rendering the pages: the Jinja2 environment and the widget's configuration block.

The widget gets its settings from a `<script type="application/json">` block (never inline
JavaScript, which the Content-Security-Policy forbids). `widget_config` builds that block from the
municipality settings, the Rasa URL, the widget's own texts in Danish and English
(`bot.web.widget_texts`, from data/widget_texts.yml) and, when the citizen is logged in, the token;
`script_json` escapes `<`, `>` and `&` so that no value can close the script element.
"""

from __future__ import annotations

import json
from typing import Any

import jinja2
from aiohttp import web

from bot.web.config import TEMPLATES_DIR, WebConfig
from bot.web.widget_texts import widget_texts
from core.municipality import Municipality

WIDGET_TITLE = "Mødeklar"  # a name: the same in every language

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    """A text/html response rendered from `templates/<template>` (autoescaped)."""
    html = _ENV.get_template(template).render(**context)
    response = web.Response(text=html, content_type="text/html", charset="utf-8", status=status)
    response.headers["Cache-Control"] = "no-store"  # pages may carry the citizen's token
    return response


def widget_config(
    config: WebConfig, municipality: Municipality, token: str | None, citizen_name: str | None
) -> dict[str, Any]:
    """What the widget reads from its JSON block (documented in docs/widget.md)."""
    return {
        "serverUrl": config.rasa_public_url,
        "title": WIDGET_TITLE,
        "token": token,
        "citizenName": citizen_name,
        "municipality": {
            "name": municipality.name,
            "jobcenterName": municipality.jobcenter_name,
            "phone": municipality.phone,
            "phoneUri": municipality.phone_uri,
            "openingHours": municipality.opening_hours,
            "contactUrl": municipality.contact_url,
            "accessibilityUrl": municipality.accessibility_statement_url,
            "privacyUrl": municipality.privacy_url,
            "retentionDays": municipality.conversation_retention_days,
            "logReaders": str(municipality.conversation_log.readers),
        },
        # The widget's labels in both languages ({"da": {...}, "en": {...}}); it shows the
        # conversation's language and falls back to its built-in Danish without them.
        "texts": widget_texts(municipality),
    }


def script_json(value: Any) -> str:
    """JSON that is safe inside a `<script type="application/json">` element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
