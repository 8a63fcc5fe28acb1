"""The CORS middleware: pure ASGI around the app, answering preflights before anything else runs.

A preflight (``OPTIONS`` carrying ``Origin`` and ``Access-Control-Request-Method``) is answered
here and never reaches the routes, hooks or other middleware: it carries no credentials, so
authentication, CSRF and rate limits have nothing to say about it.  Every other request goes
through, and its response start gets the ``Access-Control-*`` headers the policy grants plus
``Vary: Origin`` — error pages included, so a browser script can read why a call failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trellis.cors.policy import CORSPolicy, Header
from trellis.middleware import ASGIApp

__all__ = ["CORSMiddleware"]


class CORSMiddleware:
    """``CORSMiddleware(app, policy, paths=None)``; ``paths`` limits it to URL prefixes."""

    def __init__(
        self, app: ASGIApp, policy: CORSPolicy, paths: Sequence[str] | None = None
    ) -> None:
        self.app = app
        self.policy = policy
        self.paths = tuple(p.rstrip("/") for p in paths or ()) if paths else ()
        if "" in self.paths:  # "/" covers everything
            self.paths = ()

    def _covers(self, scope: dict[str, Any]) -> bool:
        path: str = scope["path"]
        root = scope.get("root_path") or ""
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        return any(path == p or path.startswith(p + "/") for p in self.paths)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or (self.paths and not self._covers(scope)):
            await self.app(scope, receive, send)
            return
        origin: str | None = None
        request_method: str | None = None
        request_headers: list[str] = []
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"access-control-request-method":
                request_method = value.decode("latin-1")
            elif name == b"access-control-request-headers":
                request_headers.append(value.decode("latin-1"))
        policy = self.policy
        if scope["method"] == "OPTIONS" and origin is not None and request_method is not None:
            await _answer_preflight(policy, origin, request_method, ",".join(request_headers), send)
            return
        extra = policy.response_headers(origin)
        if not extra and not policy.varies:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = _merge(list(message.get("headers") or ()), extra, policy.varies)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _answer_preflight(
    policy: CORSPolicy, origin: str, method: str, request_headers: str, send: Any
) -> None:
    answer = policy.preflight(origin, method, request_headers)
    body = answer.reason.encode("latin-1")
    headers = list(answer.headers)
    if body:
        headers.append((b"content-type", b"text/plain; charset=utf-8"))
    headers.append((b"content-length", str(len(body)).encode("latin-1")))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _merge(headers: list[Header], extra: list[Header], vary: bool) -> list[Header]:
    """The response's headers with the policy's ``Access-Control-*`` ones replacing any the app
    set, and ``Origin`` added to ``Vary``."""
    if extra:
        names = {name for name, _ in extra}
        headers = [(k, v) for k, v in headers if k.lower() not in names]
        headers.extend(extra)
    if vary:
        found = [i for i, (name, _) in enumerate(headers) if name.lower() == b"vary"]
        tokens = {t.strip().lower() for i in found for t in headers[i][1].split(b",")}
        if not found:
            headers.append((b"vary", b"Origin"))
        elif b"*" not in tokens and b"origin" not in tokens:
            name, value = headers[found[0]]
            headers[found[0]] = (name, value + b", Origin")
    return headers
