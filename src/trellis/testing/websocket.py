"""The client end of a WebSocket, talking to an ASGI app through two queues.

:class:`AsyncWebSocketTestSession` holds the one implementation and runs on the loop of the app;
:class:`WebSocketTestSession` is the sync face the sync ``TestClient`` returns, each call handed to
the client's loop thread.

What the app does shows up as exceptions a test can assert on: refusing the handshake (closing
before ``accept``, or answering with an HTTP denial response) raises :class:`WebSocketDenied`;
closing after ``accept`` makes the next ``receive_*`` raise
:class:`~trellis.http.websockets.WebSocketDisconnect` with the app's close code; an exception in
the app is re-raised in the test when ``raise_server_exceptions`` is on (else it is a close with
1011, as a server would send).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal

import orjson

from trellis.exceptions import TrellisError
from trellis.http.websockets import WebSocketDisconnect
from trellis.testing.portal import LoopThread
from trellis.testing.transport import ClientDisconnected
from trellis.testing.types import ASGIApp, Message, Scope

__all__ = ["AsyncWebSocketTestSession", "WebSocketDenied", "WebSocketTestSession"]

_APP_RETURNED: Message = {"type": "trellis.testing.app_returned"}
_BACKSTOP_MARGIN = 2.0


class WebSocketDenied(TrellisError):
    """The app refused the WebSocket handshake.

    ``status_code`` is what the client got over HTTP: 403 when the app closed before accepting
    (``code`` and ``reason`` then hold its close frame), or the status of the app's denial response,
    with its ``headers`` and ``body``.
    """

    def __init__(
        self,
        status_code: int = 403,
        *,
        code: int | None = None,
        reason: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.reason = reason
        self.headers = dict(headers or {})
        self.body = body
        detail = f" (close code {code}{': ' + reason if reason else ''})" if code else ""
        super().__init__(
            f"The app refused the WebSocket connection with HTTP {status_code}{detail}"
        )


class AsyncWebSocketTestSession:
    """``async with client.websocket_connect("/ws") as ws:`` on the async test client."""

    def __init__(
        self, app: ASGIApp, scope: Scope, *, timeout: float | None, raise_server_exceptions: bool
    ) -> None:
        self.app = app
        self.scope = scope
        self.timeout = timeout
        self.raise_server_exceptions = raise_server_exceptions
        self.accepted_subprotocol: str | None = None
        self.headers: dict[str, str] = {}  # the headers the app sent with its accept
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._error: Exception | None = None
        self._accepted = False
        self._app_close: WebSocketDisconnect | None = None
        self._client_closed = False

    # -- the app's side of the queues ---------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self.app(self.scope, self._app_receive, self._app_send)
        except Exception as exc:
            self._error = exc
        finally:
            self._from_app.put_nowait(_APP_RETURNED)

    async def _app_receive(self) -> Message:
        message = await self._to_app.get()
        if message["type"] == "websocket.disconnect":
            self._to_app.put_nowait(message)  # every later receive sees the disconnect too
        return message

    async def _app_send(self, message: Message) -> None:
        kind = message["type"]
        if self._client_closed or self._app_close is not None:
            raise ClientDisconnected(f"The WebSocket is closed; cannot send {kind!r}.")
        if kind == "websocket.accept" and self._accepted:
            raise RuntimeError("The app sent 'websocket.accept' twice.")
        if kind == "websocket.send" and not self._accepted:
            raise RuntimeError("The app sent 'websocket.send' before 'websocket.accept'.")
        if kind == "websocket.accept":
            self._accepted = True
        await self._from_app.put(message)

    # -- waiting on the app -------------------------------------------------------------------

    async def _next(self, what: str) -> Message:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._from_app.get()
        except TimeoutError:
            raise TimeoutError(f"The app did not {what} within {self.timeout:g} s.") from None

    async def _wait_returned(self) -> None:
        task = self._task
        if task is None or task.done():
            return
        try:
            async with asyncio.timeout(self.timeout):
                await asyncio.shield(task)
        except TimeoutError:
            await self._cancel()
            raise TimeoutError(
                f"The app's WebSocket handler did not return within {self.timeout:g} s "
                "after the connection closed."
            ) from None

    async def _cancel(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _raise_app_error(self) -> None:
        error, self._error = self._error, None
        if error is not None and self.raise_server_exceptions:
            raise error

    # -- the handshake --------------------------------------------------------------------------

    async def connect(self) -> AsyncWebSocketTestSession:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._to_app.put({"type": "websocket.connect"})
        message = await self._next("answer the WebSocket handshake")
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted_subprotocol = message.get("subprotocol")
            self.headers = {
                bytes(k).decode("latin-1"): bytes(v).decode("latin-1")
                for k, v in message.get("headers", ())
            }
            return self
        self._client_closed = True
        if kind == "websocket.close":
            await self._wait_returned()
            self._raise_app_error()
            raise WebSocketDenied(
                403, code=message.get("code", 1000), reason=message.get("reason") or ""
            )
        if kind == "websocket.http.response.start":
            raise await self._denial_response(message)
        if message is _APP_RETURNED:
            crashed = self._error is not None
            self._raise_app_error()
            raise WebSocketDenied(500 if crashed else 403)
        await self._cancel()
        raise RuntimeError(f"Unexpected ASGI message during the WebSocket handshake: {kind!r}")

    async def _denial_response(self, start: Message) -> WebSocketDenied:
        headers = {
            bytes(k).decode("latin-1"): bytes(v).decode("latin-1")
            for k, v in start.get("headers", ())
        }
        body = b""
        while True:
            message = await self._next("finish its denial response")
            if message is _APP_RETURNED:
                break
            body += bytes(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await self._wait_returned()
        self._raise_app_error()
        return WebSocketDenied(int(start["status"]), headers=headers, body=body)

    # -- the test's side ------------------------------------------------------------------------

    async def send(self, message: Message) -> None:
        if self._client_closed:
            raise RuntimeError("Cannot send: this test WebSocket is closed.")
        await self._to_app.put(message)

    async def send_text(self, data: str) -> None:
        await self.send({"type": "websocket.receive", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self.send({"type": "websocket.receive", "bytes": bytes(data)})

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        encoded = orjson.dumps(data)
        if mode == "binary":
            await self.send_bytes(encoded)
        else:
            await self.send_text(encoded.decode("utf-8"))

    async def receive(self) -> Message:
        """The app's next ``websocket.send`` message; WebSocketDisconnect once it has closed."""
        if self._app_close is not None:
            raise self._app_close
        message = await self._next("send a WebSocket message")
        if message["type"] == "websocket.close":
            self._app_close = WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
            raise self._app_close
        if message is _APP_RETURNED:
            # what a server sends for an app that returned (1000) or crashed (1011)
            self._app_close = WebSocketDisconnect(1011 if self._error is not None else 1000)
            self._raise_app_error()
            raise self._app_close
        return message

    async def receive_text(self) -> str:
        message = await self.receive()
        if message.get("text") is None:
            raise TypeError(f"Expected a text message; the app sent bytes {message.get('bytes')!r}")
        return str(message["text"])

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        if message.get("bytes") is None:
            raise TypeError(f"Expected a binary message; the app sent text {message.get('text')!r}")
        return bytes(message["bytes"])

    async def receive_json(self) -> Any:
        """One JSON value, from a text or a binary frame."""
        message = await self.receive()
        data = message.get("text")
        return orjson.loads(data if data is not None else message.get("bytes", b""))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close from the client side and wait for the app's handler to return."""
        if not self._client_closed:
            self._client_closed = True
            await self._to_app.put(
                {"type": "websocket.disconnect", "code": code, "reason": reason or ""}
            )
        await self._wait_returned()
        self._raise_app_error()

    async def __aenter__(self) -> AsyncWebSocketTestSession:
        return await self.connect()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            await self.close()
            return
        try:  # the test already failed: end the app quietly, keep the test's own error
            await self.close()
        except Exception:
            await self._cancel()


class WebSocketTestSession:
    """``with client.websocket_connect("/ws") as ws:`` on the sync test client."""

    def __init__(self, session: AsyncWebSocketTestSession, portal: LoopThread) -> None:
        self._session = session
        self._portal = portal
        timeout = session.timeout
        self._backstop = None if timeout is None else timeout + _BACKSTOP_MARGIN

    @property
    def accepted_subprotocol(self) -> str | None:
        return self._session.accepted_subprotocol

    @property
    def headers(self) -> dict[str, str]:
        return self._session.headers

    def _call(self, coro: Any) -> Any:
        return self._portal.call(coro, self._backstop)

    def __enter__(self) -> WebSocketTestSession:
        self._call(self._session.connect())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._call(self._session.__aexit__(exc_type, exc, tb))

    def send(self, message: Message) -> None:
        self._call(self._session.send(message))

    def send_text(self, data: str) -> None:
        self._call(self._session.send_text(data))

    def send_bytes(self, data: bytes) -> None:
        self._call(self._session.send_bytes(data))

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        self._call(self._session.send_json(data, mode))

    def receive(self) -> Message:
        message: Message = self._call(self._session.receive())
        return message

    def receive_text(self) -> str:
        text: str = self._call(self._session.receive_text())
        return text

    def receive_bytes(self) -> bytes:
        data: bytes = self._call(self._session.receive_bytes())
        return data

    def receive_json(self) -> Any:
        return self._call(self._session.receive_json())

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self._call(self._session.close(code, reason))
