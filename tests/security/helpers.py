"""Apps and raw ASGI calls shared by the security tests."""

from __future__ import annotations

from typing import Any

from trellis import App, Request
from trellis.conf import Settings
from trellis.security import Security


def make_app(*, debug: bool = False, allowed_hosts: list[str] | None = None, **options: Any) -> App:
    """An app with Security(**options) and a few routes that show what the request looks like."""
    settings = Settings(
        debug=debug,
        allowed_hosts=allowed_hosts if allowed_hosts is not None else ["example.com"],
    )
    app = App(settings=settings)
    app.install(Security(**options))

    @app.get("/")
    def index() -> str:
        return "home"

    @app.route("/where", methods=["GET", "POST"])
    def where(request: Request) -> dict[str, Any]:
        client = request.client
        return {
            "client": client.host if client else None,
            "scheme": request.url.scheme,
            "url": str(request.url),
            "host": request.headers.get("host"),
            "login": request.url_for("login"),
        }

    @app.get("/login")
    def login() -> str:
        return "login"

    return app


async def call(app: App, scope: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """One request as a server would send it (no test-client scope key), answered in full."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    full = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": None,
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("203.0.113.9", 40000),
        "server": ("10.0.0.2", 8000),
        **scope,
    }
    if full["raw_path"] is None:
        full["raw_path"] = full["path"].encode()
    await app(full, receive, send)
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])
