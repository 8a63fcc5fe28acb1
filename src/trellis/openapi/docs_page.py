"""The interactive docs page (Swagger UI): a small HTML shell around the UI's script and style.

The script and style come from a CDN by default; both URLs are settings, and
``docs_assets_dir`` serves them from a local folder instead, for sites that must work offline or
whose Content-Security-Policy allows no third-party scripts.  The one inline script carries the
request's CSP nonce when the security battery set one.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["CDN_CSS", "CDN_JS", "docs_page"]

CDN_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
CDN_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def docs_page(
    *,
    title: str,
    openapi_url: str,
    js_url: str,
    css_url: str,
    parameters: Mapping[str, Any] | None = None,
    nonce: str | None = None,
) -> str:
    """The page: the UI loads ``openapi_url`` into ``#swagger-ui``."""
    config = {
        "url": openapi_url,
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "displayRequestDuration": True,
        **(parameters or {}),
    }
    nonce_attr = f' nonce="{html.escape(nonce)}"' if nonce else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} - API docs</title>"
        f'<link rel="stylesheet" href="{html.escape(css_url)}"></head>'
        '<body><div id="swagger-ui"></div>'
        f'<script src="{html.escape(js_url)}"></script>'
        f"<script{nonce_attr}>window.ui = SwaggerUIBundle({_script_json(config)});</script>"
        "</body></html>\n"
    )
