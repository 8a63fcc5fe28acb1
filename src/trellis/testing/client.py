"""``TestClient``: call a Trellis (or any ASGI) app from a test as if over HTTP.

Two faces, one implementation (:class:`~trellis.testing.transport.ASGIApplication`):

* ``TestClient(app)`` is an ``httpx.Client``.  The app runs on an event loop in a background
  thread that lives as long as the client, so what the app sets up at start-up (a connection
  pool, a background task) stays valid from one request to the next.  ``with TestClient(app) as
  client:`` also runs the ASGI lifespan (start-up on enter, shut-down on exit).
* ``async with TestClient(app) as client:`` gives an :class:`AsyncTestClient`, an
  ``httpx.AsyncClient`` calling the app on the test's own loop, lifespan included.

Every wait on the app is bounded by the client's ``timeout`` (the httpx read timeout, 30 s by
default; ``None`` waits forever), so a hung handler fails its test instead of hanging the run.
"""

from __future__ import annotations

import base64
import os
import weakref
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import httpx

from trellis.testing.lifespan import Lifespan
from trellis.testing.portal import LoopThread
from trellis.testing.transport import (
    BACKSTOP_MARGIN,
    ASGIApplication,
    ASGITransport,
    AsyncASGITransport,
)
from trellis.testing.types import ASGIApp
from trellis.testing.websocket import AsyncWebSocketTestSession, WebSocketTestSession

__all__ = ["AsyncTestClient", "TestClient"]

DEFAULT_TIMEOUT = 30.0
USER_AGENT = "testclient"


def _headers(headers: httpx._types.HeaderTypes | None) -> httpx.Headers:
    merged = httpx.Headers({"user-agent": USER_AGENT})
    merged.update(httpx.Headers(headers))
    return merged


def _websocket_scope(
    request: httpx.Request, application: ASGIApplication, subprotocols: Sequence[str] | None
) -> dict[str, Any]:
    """The scope of a WebSocket handshake, built from a GET the client prepared (cookies and all)."""
    headers = request.headers
    headers["connection"] = "upgrade"
    headers["upgrade"] = "websocket"
    headers["sec-websocket-version"] = "13"
    headers["sec-websocket-key"] = base64.b64encode(os.urandom(16)).decode("ascii")
    if subprotocols:
        headers["sec-websocket-protocol"] = ", ".join(subprotocols)
    scope = dict(application.scope_for(request, "websocket"))
    scope["subprotocols"] = list(subprotocols or ())
    return scope


class TestClient(httpx.Client):
    """A sync ``httpx.Client`` that calls ``app`` in memory.

    ``raise_server_exceptions=False`` shows what a user would get instead: the app's 500 page, or a
    bare 500 when the app crashed before answering.  ``root_path`` mounts the app under a prefix
    (``scope["path"]`` is then ``root_path`` + the requested path).  ``client`` is the
    ``(host, port)`` the app sees as the peer.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        follow_redirects: bool = False,
        cookies: httpx._types.CookieTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        client: tuple[str, int] = ("testclient", 50000),
        timeout: httpx._types.TimeoutTypes = DEFAULT_TIMEOUT,
    ) -> None:
        self.app = app
        self._options: dict[str, Any] = {
            "base_url": base_url,
            "raise_server_exceptions": raise_server_exceptions,
            "root_path": root_path,
            "follow_redirects": follow_redirects,
            "cookies": cookies,
            "headers": headers,
            "client": client,
            "timeout": timeout,
        }
        self._application = ASGIApplication(
            app, raise_server_exceptions=raise_server_exceptions, root_path=root_path, client=client
        )
        self._portal = LoopThread()
        self._lifespan: Lifespan | None = None
        self._async_client: AsyncTestClient | None = None
        super().__init__(
            base_url=base_url,
            headers=_headers(headers),
            cookies=cookies,
            follow_redirects=follow_redirects,
            timeout=timeout,
            transport=ASGITransport(self._application, self._portal),
        )
        # a client never closed still stops its thread when garbage-collected (or at exit)
        self._finalizer = weakref.finalize(self, self._portal.close)

    @property
    def app_state(self) -> dict[str, Any] | None:
        """The lifespan ``state`` the app filled at start-up (None without a lifespan)."""
        return self._application.state

    def _backstop(self) -> float | None:
        read = self.timeout.read
        return None if read is None else read + BACKSTOP_MARGIN

    def __enter__(self) -> TestClient:
        super().__enter__()
        lifespan = Lifespan(
            self.app,
            timeout=self.timeout.read,
            raise_server_exceptions=self._application.raise_server_exceptions,
        )
        try:
            self._portal.call(lifespan.startup(), self._backstop())
        except BaseException:
            self.close()
            raise
        self._lifespan = lifespan
        self._application.state = lifespan.state if lifespan.supported else None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        lifespan, self._lifespan = self._lifespan, None
        try:
            if lifespan is not None:
                self._portal.call(lifespan.shutdown(), self._backstop())
        finally:
            super().__exit__(exc_type, exc_value, traceback)

    async def __aenter__(self) -> AsyncTestClient:
        """``async with TestClient(app)`` hands over to an AsyncTestClient on the test's loop."""
        self._async_client = AsyncTestClient(self.app, **self._options)
        return await self._async_client.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        async_client, self._async_client = self._async_client, None
        try:
            if async_client is not None:
                await async_client.__aexit__(exc_type, exc_value, traceback)
        finally:
            self.close()

    def websocket_connect(
        self,
        path: str,
        subprotocols: Sequence[str] | None = None,
        headers: httpx._types.HeaderTypes | None = None,
    ) -> WebSocketTestSession:
        """Open a WebSocket to ``path``; use it as ``with client.websocket_connect(...) as ws:``."""
        request = self.build_request("GET", path, headers=headers)
        session = AsyncWebSocketTestSession(
            self.app,
            _websocket_scope(request, self._application, subprotocols),
            timeout=self.timeout.read,
            raise_server_exceptions=self._application.raise_server_exceptions,
        )
        return WebSocketTestSession(session, self._portal)


class AsyncTestClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that awaits ``app`` on the running loop; same options as TestClient."""

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        follow_redirects: bool = False,
        cookies: httpx._types.CookieTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        client: tuple[str, int] = ("testclient", 50000),
        timeout: httpx._types.TimeoutTypes = DEFAULT_TIMEOUT,
    ) -> None:
        self.app = app
        self._application = ASGIApplication(
            app, raise_server_exceptions=raise_server_exceptions, root_path=root_path, client=client
        )
        self._lifespan: Lifespan | None = None
        super().__init__(
            base_url=base_url,
            headers=_headers(headers),
            cookies=cookies,
            follow_redirects=follow_redirects,
            timeout=timeout,
            transport=AsyncASGITransport(self._application),
        )

    @property
    def app_state(self) -> dict[str, Any] | None:
        """The lifespan ``state`` the app filled at start-up (None without a lifespan)."""
        return self._application.state

    async def __aenter__(self) -> AsyncTestClient:
        await super().__aenter__()
        lifespan = Lifespan(
            self.app,
            timeout=self.timeout.read,
            raise_server_exceptions=self._application.raise_server_exceptions,
        )
        try:
            await lifespan.startup()
        except BaseException:
            await self.aclose()
            raise
        self._lifespan = lifespan
        self._application.state = lifespan.state if lifespan.supported else None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        lifespan, self._lifespan = self._lifespan, None
        try:
            if lifespan is not None:
                await lifespan.shutdown()
        finally:
            await super().__aexit__(exc_type, exc_value, traceback)

    def websocket_connect(
        self,
        path: str,
        subprotocols: Sequence[str] | None = None,
        headers: httpx._types.HeaderTypes | None = None,
    ) -> AsyncWebSocketTestSession:
        """Open a WebSocket to ``path``: ``async with client.websocket_connect(...) as ws:``."""
        request = self.build_request("GET", path, headers=headers)
        return AsyncWebSocketTestSession(
            self.app,
            _websocket_scope(request, self._application, subprotocols),
            timeout=self.timeout.read,
            raise_server_exceptions=self._application.raise_server_exceptions,
        )
