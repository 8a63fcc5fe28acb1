"""The server side of a WebSocket: what a ``@app.websocket`` handler talks to.

The class guards the ASGI protocol so a handler cannot get it subtly wrong: sending before
``accept()`` or after ``close()`` raises ``RuntimeError`` at the faulty line, and the client going
away surfaces as one exception, :class:`WebSocketDisconnect`, whether it is noticed while
receiving or while sending.

Bad client data never escapes as a stray ``KeyError`` or ``JSONDecodeError``: a frame of the wrong
kind closes the connection with 1003 and malformed JSON with 1007 (the RFC 6455 codes), and the
handler sees :class:`WebSocketDisconnect` carrying that code, exactly as if the client had left.
The ``iter_*`` helpers end quietly on it, so ``async for msg in ws.iter_json()`` needs no
``try``.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal

import orjson

from trellis.exceptions import TrellisError
from trellis.http.connection import HTTPConnection, Message, Receive, Scope

__all__ = ["Send", "WebSocket", "WebSocketDisconnect", "WebSocketState"]

Send = Callable[[Message], Awaitable[None]]

CLOSE_NORMAL = 1000
CLOSE_ABNORMAL = 1006
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_INVALID_PAYLOAD = 1007


class WebSocketState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class WebSocketDisconnect(TrellisError):
    """The connection ended: the client left, or the server closed it over bad data.

    ``code`` is the WebSocket close code (1000 normal, 1001 going away, 1006 dropped without a
    close frame, 1003/1007 closed by Trellis over a wrong frame type / malformed JSON).
    """

    def __init__(self, code: int = CLOSE_NORMAL, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""
        super().__init__(code, self.reason)

    def __str__(self) -> str:
        return f"WebSocket closed with code {self.code}" + (
            f": {self.reason}" if self.reason else ""
        )

    def __repr__(self) -> str:
        return f"WebSocketDisconnect(code={self.code!r}, reason={self.reason!r})"


class WebSocket(HTTPConnection):
    """One WebSocket connection.  ``connection_state`` tells where it stands.

    (``state`` is the per-connection attribute bag every ``HTTPConnection`` has, for middleware
    and handlers to share values; the protocol state is therefore ``connection_state``.)
    """

    accepted_subprotocol: str | None = None

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "websocket":
            raise ValueError(f"WebSocket needs a 'websocket' scope, not {scope.get('type')!r}")
        super().__init__(scope, receive)
        self._send = send
        self.connection_state = WebSocketState.CONNECTING
        self._connect_received = False
        self._closed_by_app = False
        self._client_close: WebSocketDisconnect | None = None

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        offered: list[str] = self.scope.get("subprotocols", [])
        return list(offered)

    # -- the handshake ------------------------------------------------------------------------

    async def _await_connect(self) -> None:
        if self._connect_received:
            return
        message = await self._receive()
        self._connect_received = True
        if message["type"] == "websocket.disconnect":
            self.connection_state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(message.get("code", CLOSE_NORMAL), message.get("reason"))
        if message["type"] != "websocket.connect":
            raise RuntimeError(f"Expected 'websocket.connect', got {message['type']!r}")

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        """Complete the handshake, choosing one of :attr:`subprotocols` if the client offered any."""
        if self.connection_state is not WebSocketState.CONNECTING:
            raise RuntimeError(f"Cannot accept a WebSocket that is {self.connection_state.value}.")
        if subprotocol is not None and subprotocol not in self.subprotocols:
            raise ValueError(
                f"Subprotocol {subprotocol!r} was not offered by the client "
                f"(offered: {self.subprotocols})."
            )
        await self._await_connect()
        pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
        raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs]
        await self._send_raw(
            {"type": "websocket.accept", "subprotocol": subprotocol, "headers": raw}
        )
        self.accepted_subprotocol = subprotocol
        self.connection_state = WebSocketState.CONNECTED

    async def close(self, code: int = CLOSE_NORMAL, reason: str | None = None) -> None:
        """Close the connection; before ``accept()`` this refuses the handshake (HTTP 403).

        Closing a connection that is already closed does nothing.
        """
        if self.connection_state is WebSocketState.DISCONNECTED:
            return
        self.connection_state = WebSocketState.DISCONNECTED
        self._closed_by_app = True
        with contextlib.suppress(OSError):  # the client is already gone: closed either way
            await self._send({"type": "websocket.close", "code": code, "reason": reason or ""})

    # -- receiving ----------------------------------------------------------------------------

    async def receive(self) -> Message:
        """The next raw ``websocket.receive`` message; raises WebSocketDisconnect when it ends."""
        if self.connection_state is WebSocketState.CONNECTING:
            raise RuntimeError("Cannot receive on a WebSocket before accept().")
        if self.connection_state is WebSocketState.DISCONNECTED:
            raise RuntimeError("Cannot receive: the WebSocket is closed.")
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.disconnect":
            self.connection_state = WebSocketState.DISCONNECTED
            self._client_close = WebSocketDisconnect(
                message.get("code", CLOSE_NORMAL), message.get("reason")
            )
            raise self._client_close
        if kind != "websocket.receive":
            raise RuntimeError(f"Unexpected ASGI message on a WebSocket: {kind!r}")
        return message

    async def _refuse(self, code: int, reason: str) -> WebSocketDisconnect:
        await self.close(code, reason)
        return WebSocketDisconnect(code, reason)

    async def receive_text(self) -> str:
        message = await self.receive()
        text = message.get("text")
        if text is None:
            raise await self._refuse(CLOSE_UNSUPPORTED_DATA, "Expected a text message")
        return str(text)

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        data = message.get("bytes")
        if data is None:
            raise await self._refuse(CLOSE_UNSUPPORTED_DATA, "Expected a binary message")
        return bytes(data)

    async def receive_json(self) -> Any:
        """One JSON value, from a text or a binary frame."""
        message = await self.receive()
        data = message.get("text")
        if data is None:
            data = message.get("bytes")
        try:
            return orjson.loads(data if data is not None else b"")
        except orjson.JSONDecodeError as exc:
            raise await self._refuse(CLOSE_INVALID_PAYLOAD, f"Invalid JSON: {exc}") from None

    async def iter_text(self) -> AsyncIterator[str]:
        while True:
            try:
                text = await self.receive_text()
            except WebSocketDisconnect:
                return
            yield text

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        while True:
            try:
                data = await self.receive_bytes()
            except WebSocketDisconnect:
                return
            yield data

    async def iter_json(self) -> AsyncIterator[Any]:
        while True:
            try:
                value = await self.receive_json()
            except WebSocketDisconnect:
                return
            yield value

    # -- sending ------------------------------------------------------------------------------

    async def _send_raw(self, message: Message) -> None:
        try:
            await self._send(message)
        except OSError as exc:  # ASGI 2.4: the server raises OSError once the client is gone
            self.connection_state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(CLOSE_ABNORMAL, "The client disconnected") from exc

    async def _send_data(self, message: Message) -> None:
        if self.connection_state is WebSocketState.CONNECTING:
            raise RuntimeError("Cannot send on a WebSocket before accept().")
        if self.connection_state is WebSocketState.DISCONNECTED:
            if self._closed_by_app:
                raise RuntimeError("Cannot send: this WebSocket was closed with close().")
            gone = self._client_close
            raise WebSocketDisconnect(
                gone.code if gone else CLOSE_ABNORMAL, gone.reason if gone else None
            )
        await self._send_raw(message)

    async def send_text(self, data: str) -> None:
        await self._send_data({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self._send_data({"type": "websocket.send", "bytes": bytes(data)})

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        encoded = orjson.dumps(data)
        if mode == "binary":
            await self.send_bytes(encoded)
        else:
            await self.send_text(encoded.decode("utf-8"))
