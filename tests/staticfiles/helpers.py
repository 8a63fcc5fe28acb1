"""Shared by the static files tests: file contents, a blueprint maker, a raw ASGI caller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from trellis import App, Blueprint

SITE_CSS = b'body { background: url("../img/logo.png"); }\n' + b"p { color: #333; }\n" * 40
APP_JS = b"console.log('hello');\n" * 50
LOGO = bytes(range(256)) * 4


def blueprint_with_static(folder: Path, name: str, files: dict[str, bytes]) -> Blueprint:
    """A blueprint whose module folder is ``folder`` (its static/ holds ``files``)."""
    for relative, content in files.items():
        target = folder / "static" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    blueprint = Blueprint(name, None, url_prefix=f"/{name}")
    blueprint.root_path = folder
    return blueprint


MakeApp = Callable[..., App]


async def asgi_get(
    app: App,
    raw_path: bytes,
    *,
    path: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
    method: str = "GET",
) -> tuple[int, dict[str, str], bytes]:
    """Send one request as a server would, with ``raw_path`` untouched.

    ``path`` is the decoded path a server puts in the scope (default: ``raw_path`` decoded the
    way servers do, ``%2f`` becoming ``/``).
    """
    app.startup_freeze()
    if path is None:
        path = unquote_to_bytes(raw_path).decode("utf-8", "surrogateescape")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": headers or [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected until the answer is sent
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], response_headers, body
