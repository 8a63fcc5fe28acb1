"""The HTTP request: the connection plus a body read lazily, at most once, within limits.

Every limit is checked as the bytes arrive, so an oversized body is refused (413) before it is
buffered, and every way a client can send bad bytes ends in a 400, never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from python_multipart.multipart import parse_options_header

from trellis.exceptions import BadRequest, PayloadTooLarge
from trellis.http.connection import HTTPConnection, Message, Receive, Scope, _no_receive
from trellis.http.datastructures import FormData
from trellis.http.htmx import HtmxDetails
from trellis.http.limits import DEFAULT_LIMITS, Limits
from trellis.http.multipart import parse_multipart
from trellis.http.query import parse_query

#: Where ``Request.before_send`` callbacks wait for the app to run them.
BEFORE_SEND_KEY = "trellis.before_send"

__all__ = ["ClientDisconnect", "Request"]

_UNSET: Any = object()


class ClientDisconnect(BadRequest):
    """The client went away before its body was read.

    A 400 rather than a bare exception, so the app ends the request without a 500 log entry;
    nobody is left to read the answer anyway.
    """

    def __init__(self) -> None:
        super().__init__(detail="The client disconnected before the request body was read")


class Request(HTTPConnection):
    """An incoming HTTP request; construction only stores its arguments."""

    limits: Limits = DEFAULT_LIMITS
    _body: bytes | None = None
    _json: Any = _UNSET
    _form: FormData | None = None
    _stream_started = False
    _disconnected = False
    _pending: list[Message] | None = None  # messages is_disconnected() took from receive
    _htmx: HtmxDetails | None = None

    def __init__(
        self,
        scope: Scope,
        receive: Receive | None = None,
        *,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.scope = scope
        self._receive = receive if receive is not None else _no_receive
        if limits is not DEFAULT_LIMITS:
            self.limits = limits

    @property
    def method(self) -> str:
        method: str = self.scope["method"]
        return method

    @property
    def receive(self) -> Receive:
        return self._receive

    @property
    def mimetype(self) -> str:
        """The media type of the body, lower-cased and without parameters (``application/json``)."""
        value = self.headers.get("content-type")
        if not value:
            return ""
        return str(value.partition(";")[0].strip().lower())

    @property
    def htmx(self) -> HtmxDetails:
        """What htmx says about this request; falsy when it is not an htmx request."""
        details = self._htmx
        if details is None:
            details = self._htmx = HtmxDetails(self.headers)
        return details

    async def _next_message(self) -> Message:
        if self._pending:
            return self._pending.pop(0)
        return await self._receive()

    def stream(self) -> AsyncIterator[bytes]:
        """Yield the body in chunks as they arrive; possible once, unless ``body()`` cached it."""
        if self._stream_started and self._body is None:
            raise RuntimeError(_CONSUMED)
        return self._chunks(self.limits.max_body_size)

    async def _chunks(self, max_size: int) -> AsyncIterator[bytes]:
        if self._body is not None:
            if self._body:
                yield self._body
            return
        if self._stream_started:
            raise RuntimeError(_CONSUMED)
        self._stream_started = True
        declared = self.headers.get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                raise BadRequest(detail="Invalid Content-Length header")
            if int(declared) > max_size:
                raise PayloadTooLarge(detail=f"The request body is larger than {max_size} bytes")
        received = 0
        while True:
            message = await self._next_message()
            kind = message["type"]
            if kind == "http.request":
                chunk: bytes = message.get("body", b"")
                received += len(chunk)
                if received > max_size:
                    raise PayloadTooLarge(
                        detail=f"The request body is larger than {max_size} bytes"
                    )
                if chunk:
                    yield chunk
                if not message.get("more_body", False):
                    return
            elif kind == "http.disconnect":
                self._disconnected = True
                raise ClientDisconnect()

    async def body(self) -> bytes:
        """The whole body, read once (up to ``limits.max_body_size``) and cached."""
        if self._body is None:
            parts = [chunk async for chunk in self._chunks(self.limits.max_body_size)]
            self._body = parts[0] if len(parts) == 1 else b"".join(parts)
        return self._body

    async def json(self) -> Any:
        """The body parsed as JSON (orjson); a 400 naming line and column when it is malformed."""
        if self._json is _UNSET:
            body = await self.body()
            try:
                self._json = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise BadRequest(
                    detail=f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
                ) from None
        return self._json

    async def form(self) -> FormData:
        """The url-encoded or multipart body; any other content type gives an empty form.

        Files are :class:`UploadFile` objects, in memory up to ``limits.spool_max_size`` and on
        disk past it.  The app calls :meth:`close` after the response to remove them.
        """
        if self._form is None:
            content_type = self.headers.get("content-type", "")
            mimetype = parse_options_header(content_type)[0]
            limits = self.limits
            if mimetype == b"multipart/form-data":
                chunks = self._chunks(limits.max_upload_size)
                self._form = await parse_multipart(content_type, chunks, limits)
            elif mimetype == b"application/x-www-form-urlencoded":
                pairs = parse_query(
                    await self.body(),
                    max_fields=limits.max_form_fields,
                    max_field_size=limits.max_field_size,
                    what="form body",
                )
                self._form = FormData(pairs)
            else:
                self._form = FormData()
        return self._form

    def before_send(self, callback: Callable[[Any], Awaitable[None]]) -> None:
        """Run ``await callback(response)`` once the handler has answered, before it is sent.

        For work that must finish before the client hears "success": the database battery
        commits its unit of work here (or rolls it back for an error status), so a failed commit
        still becomes an error answer.  It runs only when the handler (and its after-request
        hooks) produced a response; if the handler raised, it is not called.  An exception it
        raises is answered like one from the handler.
        """
        self.scope.setdefault(BEFORE_SEND_KEY, []).append(callback)

    async def close(self) -> None:
        """Close the files ``form()`` created; safe to call more than once."""
        if self._form is not None:
            await self._form.close()

    async def is_disconnected(self) -> bool:
        """Whether the client has gone, checked without waiting for it."""
        if self._disconnected:
            return True
        try:
            # A zero timeout lets an already-queued message through and cancels a waiting receive.
            async with asyncio.timeout(0):
                message = await self._receive()
        except TimeoutError:
            return False
        if message["type"] == "http.disconnect":
            self._disconnected = True
        else:  # a body chunk: keep it for stream()/body()
            if self._pending is None:
                self._pending = []
            self._pending.append(message)
        return self._disconnected


_CONSUMED = (
    "The request body stream was already consumed. Call `await request.body()` first "
    "to read the body more than once."
)
