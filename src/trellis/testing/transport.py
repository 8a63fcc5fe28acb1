"""httpx transports that hand each request to an ASGI app instead of a socket.

:class:`ASGIApplication` is the one implementation: it builds the scope, feeds the request body
through ``receive``, collects what the app sends and turns errors into what the test asked for.
:class:`AsyncASGITransport` awaits it on the test's loop; :class:`ASGITransport` runs it on the
sync client's :class:`~trellis.testing.portal.LoopThread`.

Responses are read to the end before the test sees them (a streamed response too), so an endless
stream ends the test by timeout rather than by hanging it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import unquote

import httpx

from trellis.testing.portal import LoopThread
from trellis.testing.types import ASGIApp, Message, Scope

__all__ = [
    "ASGIApplication",
    "ASGITransport",
    "AsyncASGITransport",
    "ClientDisconnected",
    "build_scope",
]

CHUNK_SIZE = 64 * 1024
RAISE_KEY = "trellis.raise_server_exceptions"
# the sync client's backstop outlives the async timeout, so the app's own error message wins
BACKSTOP_MARGIN = 2.0


class ClientDisconnected(OSError):
    """The app sent on a connection the client has already left (ASGI spec 2.4)."""


def build_scope(
    request: httpx.Request,
    *,
    kind: str,
    root_path: str,
    client: tuple[str, int],
    raise_server_exceptions: bool,
    state: dict[str, Any] | None,
) -> Scope:
    """The ASGI ``http`` or ``websocket`` scope a server would build for ``request``.

    ``path`` includes ``root_path``, as uvicorn and granian give it: the test requests the path
    the server receives (``/items``) and the app, mounted at ``root_path``, sees
    ``root_path + "/items"``.
    """
    url = request.url
    raw_path = url.raw_path.split(b"?", 1)[0]
    if root_path:
        raw_path = root_path.encode("utf-8").rstrip(b"/") + raw_path
    scheme = url.scheme
    if kind == "websocket":
        scheme = {"http": "ws", "https": "wss"}.get(scheme, scheme)
    default_port = {"http": 80, "ws": 80, "https": 443, "wss": 443}.get(scheme, 80)
    scope: Scope = {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": scheme,
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "query_string": url.query,
        "root_path": root_path.rstrip("/"),
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "client": client,
        "server": (url.host, url.port or default_port),
        "extensions": {},
        "trellis.test_client": True,  # the security battery then accepts Host: testserver
    }
    if kind == "http":
        scope["method"] = request.method
    if state is not None:
        scope["state"] = dict(state)
    if raise_server_exceptions:
        scope[RAISE_KEY] = True
    return scope


class _Exchange:
    """The ``receive``/``send`` pair of one request, and what the app sent back."""

    def __init__(self, body: AsyncIterator[bytes]) -> None:
        self.body = body
        self.pending = b""
        self.request_complete = False
        self.response_complete = asyncio.Event()
        self.disconnected = False
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def _next_chunk(self) -> bytes | None:
        while not self.pending:
            try:
                chunk = await anext(self.body)
            except StopAsyncIteration:
                return None
            self.pending = bytes(chunk)
        chunk, self.pending = self.pending[:CHUNK_SIZE], self.pending[CHUNK_SIZE:]
        return chunk

    async def receive(self) -> Message:
        if self.request_complete:
            await self.response_complete.wait()
            self.disconnected = True
            return {"type": "http.disconnect"}
        chunk = await self._next_chunk()
        if chunk is None:
            self.request_complete = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # look ahead so the last chunk says more_body=False, as servers send it
        if not self.pending:
            following = await self._next_chunk()
            if following is None:
                self.request_complete = True
                return {"type": "http.request", "body": chunk, "more_body": False}
            self.pending = following + self.pending
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if self.disconnected:
            raise ClientDisconnected(f"The client has disconnected; cannot send {kind!r}.")
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("The app sent 'http.response.start' twice.")
            self.status = int(message["status"])
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
        elif kind == "http.response.body":
            if self.status is None:
                raise RuntimeError(
                    "The app sent 'http.response.body' before 'http.response.start'."
                )
            if self.response_complete.is_set():
                raise RuntimeError("The app sent 'http.response.body' after the response ended.")
            self.chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                self.response_complete.set()
        else:
            raise RuntimeError(f"Unexpected ASGI message in an HTTP response: {kind!r}")


class _ListStream:
    """The async iterator over a body the sync client has already read in the test thread."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)

    def __aiter__(self) -> _ListStream:
        return self

    async def __anext__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            raise StopAsyncIteration from None


def read_timeout(request: httpx.Request) -> float | None:
    timeout: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeout.get("read")


class ASGIApplication:
    """Calls an ASGI app for one ``httpx.Request`` and returns the ``httpx.Response``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        raise_server_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.client = client
        self.state: dict[str, Any] | None = None  # the lifespan state, once start-up ran

    def scope_for(self, request: httpx.Request, kind: str) -> Scope:
        return build_scope(
            request,
            kind=kind,
            root_path=self.root_path,
            client=self.client,
            raise_server_exceptions=self.raise_server_exceptions,
            state=self.state,
        )

    async def handle(self, request: httpx.Request, body: AsyncIterator[bytes]) -> httpx.Response:
        exchange = _Exchange(body)
        scope = self.scope_for(request, "http")
        timeout = read_timeout(request)
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                await self.app(scope, exchange.receive, exchange.send)
        except TimeoutError as exc:
            if not deadline.expired():
                if self.raise_server_exceptions:
                    raise
                return _error_or_partial(exchange)
            raise httpx.ReadTimeout(
                f"The app did not finish answering {request.method} {request.url.path} "
                f"within {timeout:g} s (raise the client's timeout= if it is legitimately slow).",
                request=request,
            ) from exc
        except Exception:
            if self.raise_server_exceptions:
                raise
            return _error_or_partial(exchange)
        finally:
            aclose = getattr(body, "aclose", None)
            if aclose is not None:
                await aclose()
        if exchange.status is None:
            if self.raise_server_exceptions:
                raise RuntimeError(
                    f"The app returned without sending a response to "
                    f"{request.method} {request.url.path}."
                )
            return _error_or_partial(exchange)
        return _response(exchange.status, exchange.headers, exchange.chunks)


def _response(
    status: int, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> httpx.Response:
    return httpx.Response(
        status,
        headers=headers,
        stream=httpx.ByteStream(b"".join(chunks)),
        extensions={"http_version": b"HTTP/1.1"},
    )


def _error_or_partial(exchange: _Exchange) -> httpx.Response:
    """What a browser sees when the app fails: a bare 500, or the response cut short."""
    if exchange.status is None:
        return _response(500, [(b"content-length", b"0")], [])
    return _response(exchange.status, exchange.headers, exchange.chunks)


class AsyncASGITransport(httpx.AsyncBaseTransport):
    """Awaits the app on the test's own event loop."""

    def __init__(self, application: ASGIApplication) -> None:
        self.application = application

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        stream = request.stream
        if not isinstance(stream, httpx.AsyncByteStream):
            raise TypeError("The async test client needs an async request body.")
        return await self.application.handle(request, aiter(stream))


class ASGITransport(httpx.BaseTransport):
    """Runs the app on the client's background loop; the test thread waits for the answer."""

    def __init__(self, application: ASGIApplication, portal: LoopThread) -> None:
        self.application = application
        self.portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stream = request.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise TypeError("The sync test client needs a sync request body.")
        chunks = list(stream)  # a sync iterator must be read in the thread that owns it
        timeout = read_timeout(request)
        backstop = None if timeout is None else timeout + BACKSTOP_MARGIN
        return self.portal.call(self.application.handle(request, _ListStream(chunks)), backstop)

    def close(self) -> None:
        self.portal.close()
