"""The security edge: proxies, allowed hosts, the HTTPS redirect and the headers.

It runs for every app (the battery is installed by convention), so it is an edge
(:class:`trellis.middleware.Edge`), not a middleware: the App calls ``admit`` before anything
else and ``finish`` on each answer's header list, with no wrapped ``send``.  Its per-request path
is kept to what is needed: the Host check is one dict lookup on the raw header bytes (the answer
is cached per distinct value), the headers are byte pairs built at start-up and appended to the
``http.response.start`` message, and what is not configured (trusted proxies, the redirect, a
CSP nonce) costs one attribute test.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from trellis.exceptions import BadRequest
from trellis.http.connection import STATE_KEY
from trellis.http.datastructures import State
from trellis.http.responses import RedirectResponse, Response
from trellis.middleware import ASGIApp
from trellis.middleware.errors import error_response
from trellis.security.headers import NONCE_MARKER
from trellis.security.hosts import split_host

if TYPE_CHECKING:
    from trellis.security.battery import SecurityConfig

__all__ = ["TEST_CLIENT_KEY", "SecurityEdge", "SecurityMiddleware"]

logger = logging.getLogger("trellis.security")

#: Set in the scope by ``trellis.testing``'s client: its default Host ``testserver`` is allowed.
#: So is a scope whose server is named ``testserver``: servers put the socket's address there,
#: never a name, so only a test harness builds such a scope (and no client can change it).
TEST_CLIENT_KEY = "trellis.test_client"
_TEST_HOST = b"testserver"
_MAX_CACHED_HOSTS = 1024
_SAFE_METHODS = frozenset({"GET", "HEAD"})


class SecurityEdge:
    """Built by :class:`~trellis.security.Security` when the app starts, and added as its edge."""

    def __init__(self, config: SecurityConfig) -> None:
        self.config = config
        self.proxies = config.proxies if config.proxies else None
        self.enforce_hosts = config.enforce_hosts and not config.hosts.any
        self.hosts = config.hosts
        # Raw Host values already judged; a flood of made-up names stays bounded.
        self._allowed: set[bytes | None] = set()
        self._refused: set[bytes | None] = set()
        self.redirect = config.https_redirect
        self.http_headers = config.headers.http
        self.https_headers = config.headers.https
        self.header_names = config.headers.names
        self.csp_nonce = config.headers.csp_nonce
        # One test on the common path for everything that is off by default.
        self.extras = self.proxies is not None or self.redirect or self.csp_nonce is not None
        if not self.extras:
            self.admit = self._admit_host  # type: ignore[method-assign]
            self.finish = self._finish_plain  # type: ignore[method-assign]

    # --- the two steps, free of I/O -----------------------------------------------------

    def admit(self, scope: dict[str, Any]) -> Response | None:
        """Before the app runs: rewrite from trusted proxies, then refuse a Host not allowed
        (400) or redirect plain HTTP (301/308); None lets the request through."""
        if self.proxies is not None:
            self.proxies.apply(scope)
        refusal = self._admit_host(scope)
        if refusal is not None:
            return refusal
        if scope["type"] != "http":
            return None  # a websocket: no redirect, no page to put a nonce in
        if self.redirect and scope.get("scheme") != "https" and self._redirects(scope):
            return self._https_redirect(scope)
        if self.csp_nonce is not None:
            state = scope.get(STATE_KEY)
            if state is None:
                state = scope[STATE_KEY] = State()
            state.csp_nonce = secrets.token_urlsafe(18)
        return None

    def response_headers(self, scope: dict[str, Any]) -> list[tuple[bytes, bytes]]:
        """The pairs every response to this request gets (HSTS on HTTPS, this request's CSP)."""
        extra = self.https_headers if scope.get("scheme") == "https" else self.http_headers
        if self.csp_nonce is not None:
            state = scope.get(STATE_KEY)
            nonce = getattr(state, "csp_nonce", None) if state is not None else None
            if nonce:
                name, template = self.csp_nonce
                extra = [*extra, (name, template.replace(NONCE_MARKER, nonce.encode("ascii")))]
        return extra

    def finish(self, scope: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
        """Add our pairs to a response's header list, in place; a header it set itself wins."""
        _add(headers, self.response_headers(scope), self.header_names)

    # The default setup (no proxies, no redirect, no nonce) is served by these two alone.

    def _admit_host(self, scope: dict[str, Any]) -> Response | None:
        if self.enforce_hosts:
            host = None
            for name, value in scope["headers"]:
                if name == b"host":
                    host = value
                    break
            if host not in self._allowed and not self._host_allowed(host, scope):
                return self._host_refusal(scope, host)
        return None

    def _finish_plain(self, scope: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
        extra = self.https_headers if scope.get("scheme") == "https" else self.http_headers
        _add(headers, extra, self.header_names)

    # --- hosts --------------------------------------------------------------------------

    def _host_allowed(self, host: bytes | None, scope: dict[str, Any]) -> bool:
        """Judge a Host value not seen before (or refused before: the test client may reuse it).

        Without a Host header (HTTP/1.0) URLs are built from the server's own address, so
        that is what is judged, as Django judges ``SERVER_NAME``; it is not cached, since a
        server listening on several addresses reports the one each request arrived on.
        """
        if host is None:
            server = scope.get("server")
            if not server:
                return False
            name, port = str(server[0]), server[1] if len(server) > 1 else None
            if name == "testserver":
                return True
            if ":" in name:
                name = f"[{name}]"  # an IPv6 address, written as in a Host header
            return self.hosts.allows(f"{name}:{port}" if port else name)
        if host == _TEST_HOST and (TEST_CLIENT_KEY in scope or _server_name(scope) == "testserver"):
            return True
        if host in self._refused:
            return False
        allowed = self.hosts.allows(host.decode("latin-1"))
        known = self._allowed if allowed else self._refused
        if len(known) < _MAX_CACHED_HOSTS:  # a flood of made-up names stays bounded
            known.add(host)
        return allowed

    def _host_refusal(self, scope: dict[str, Any], host: bytes | None) -> Response:
        shown = "(none)" if host is None else repr(host.decode("latin-1"))[:200]
        what = "websocket" if scope["type"] == "websocket" else "request"
        logger.warning("Refused a %s for Host %s: not in allowed_hosts", what, shown)
        if host is None:
            detail = (
                "The request has no Host header, and the server's own address is not in "
                "allowed_hosts."
            )
        else:
            detail = (
                f"Invalid Host header {shown}: this site does not answer to that name. "
                "If it should, add the name to allowed_hosts (TRELLIS_ALLOWED_HOSTS)."
            )
        return self._error(scope, BadRequest(detail=detail))

    def _error(self, scope: dict[str, Any], exc: BadRequest) -> Response:
        request_id = scope.get("trellis.request_id") or secrets.token_hex(8).encode()
        scope["trellis.request_id"] = request_id
        response = error_response(exc, scope["headers"], request_id.decode())
        response.raw_headers.append((b"x-request-id", request_id))
        response.raw_headers.extend(self.http_headers)
        return response

    # --- HTTPS --------------------------------------------------------------------------

    def _redirects(self, scope: dict[str, Any]) -> bool:
        path: str = scope["path"]
        root = scope.get("root_path") or ""
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        return not any(path.startswith(prefix) for prefix in self.config.https_redirect_exempt)

    def _https_redirect(self, scope: dict[str, Any]) -> Response:
        host = self.config.https_redirect_host
        if not host:
            raw = _host_of(scope)
            host = raw.decode("latin-1") if raw is not None else None
        parts = split_host(host) if host else None
        if parts is None:
            detail = "Cannot redirect to HTTPS: the request has no valid Host header"
            return self._error(scope, BadRequest(detail=detail))
        name, port = parts
        netloc = name if port in ("", "80", "443") else f"{name}:{port}"
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
        location = f"https://{netloc}{path}"
        query = scope.get("query_string")
        if query:
            location += "?" + query.decode("latin-1")
        # 308 keeps the method and body of a POST; 301 is what every client knows for GET.
        status = 301 if scope["method"] in _SAFE_METHODS else 308
        response = RedirectResponse(location, status_code=status)
        response.raw_headers.extend(self.http_headers)
        return response


class SecurityMiddleware(SecurityEdge):
    """The same checks and headers as a pure ASGI middleware, for an ASGI app that is not a
    Trellis App (a Trellis App runs them as its edge, which costs less)."""

    def __init__(self, app: ASGIApp, config: SecurityConfig) -> None:
        super().__init__(config)
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            # Websockets get the proxy rewrite and the Host check; lifespan passes through.
            if scope["type"] == "websocket" and self.admit(scope) is not None:
                # Closing before accepting makes the server answer the handshake with 403.
                await send({"type": "websocket.close", "code": 1008, "reason": "Invalid host"})
                return
            await self.app(scope, receive, send)
            return
        refusal = self.admit(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                self.finish(scope, headers)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _server_name(scope: dict[str, Any]) -> Any:
    server = scope.get("server")
    return server[0] if server else None


def _host_of(scope: dict[str, Any]) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"host":
            return value  # type: ignore[no-any-return]
    return None


def _add(
    headers: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]], names: frozenset[bytes]
) -> None:
    for name, _ in headers:
        if name in names:
            headers[:] = _merge(headers, extra, names)
            return
    headers.extend(extra)


def _merge(
    headers: Any, extra: list[tuple[bytes, bytes]], names: frozenset[bytes]
) -> list[tuple[bytes, bytes]]:
    """The response set some of our headers itself: its value wins, and an empty one removes it."""
    own = {name for name, _ in headers if name in names}
    kept = [(name, value) for name, value in headers if not (name in own and value == b"")]
    kept.extend(pair for pair in extra if pair[0] not in own)
    return kept
