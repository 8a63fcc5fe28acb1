"""A small project on disk, apps serving it, and a raw ASGI caller for paths httpx would clean."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest

from trellis import App, Blueprint
from trellis.staticfiles import StaticFiles

SITE_CSS = b'body { background: url("../img/logo.png"); }\n' + b"p { color: #333; }\n" * 40
APP_JS = b"console.log('hello');\n" * 50
LOGO = bytes(range(256)) * 4


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``<tmp>/project`` with ``static/`` (css, js, image, a dotfile) and a secret beside it."""
    root = tmp_path / "project"
    static = root / "static"
    (static / "css").mkdir(parents=True)
    (static / "img").mkdir()
    (static / "js").mkdir()
    (static / "css" / "site.css").write_bytes(SITE_CSS)
    (static / "js" / "app.js").write_bytes(APP_JS)
    (static / "img" / "logo.png").write_bytes(LOGO)
    (static / ".env").write_text("SECRET=1\n")
    (root / "secret.txt").write_text("not public\n")
    return root


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


@pytest.fixture
def make_app(project: Path) -> MakeApp:
    def make(*, debug: bool = True, blueprints: tuple[Blueprint, ...] = (), **options: Any) -> App:
        app = App(debug=debug)
        app.root_path = project
        for blueprint in blueprints:
            app.register(blueprint)
        app.install(StaticFiles(**options))
        return app

    return make


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

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], response_headers, body
